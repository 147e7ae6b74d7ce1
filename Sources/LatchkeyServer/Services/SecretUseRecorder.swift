import Foundation
import LatchkeyCore
import LatchkeyOAuth
import Logging
import ServiceLifecycle
import Synchronization

/// Collects successful secret uses in memory and writes them every interval, so the token
/// endpoint never writes to the database. A secret's use is written again only once
/// `granularity` has passed since this node last wrote it: 100,000 clients asking every second
/// cost 100,000 writes per `granularity`, not per second. Graceful shutdown flushes what is left.
final class SecretUseRecorder: SecretUseSink, Service {
    private struct Uses {
        var pending: [String: Date] = [:]
        /// What this node last wrote (or queued) per secret.
        var written: [String: Date] = [:]
    }

    private let uses = Mutex(Uses())
    private let store: any ClientStore
    private let interval: Duration
    private let granularity: TimeInterval
    private let logger: Logger

    init(store: any ClientStore, interval: Duration, granularity: TimeInterval, logger: Logger) {
        self.store = store
        self.interval = interval
        self.granularity = granularity
        self.logger = logger
    }

    func recordUse(secretID: String, at moment: Date) {
        uses.withLock { uses in
            if let written = uses.written[secretID], moment.timeIntervalSince(written) < granularity { return }
            if let known = uses.pending[secretID], known >= moment { return }
            uses.pending[secretID] = moment
        }
    }

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while true {
                try await Task.sleep(for: self.interval)
                await self.flush()
            }
        }
        await flush()
    }

    /// Writes the pending uses, a few hundred per transaction so that requests waiting for the
    /// database (SQLite has one connection) get it between chunks even when 100,000 clients were
    /// active; on failure a chunk goes back to be tried again with the next flush.
    func flush() async {
        let batch = uses.withLock { uses in
            defer { uses.pending.removeAll(keepingCapacity: true) }
            for (id, moment) in uses.pending { uses.written[id] = moment }
            // Forget what is long written, so that the map holds the active secrets only.
            if uses.written.count > 2 * max(uses.pending.count, 50_000), let newest = uses.pending.values.max() {
                uses.written = uses.written.filter { newest.timeIntervalSince($0.value) < granularity }
            }
            return uses.pending
        }
        guard !batch.isEmpty else { return }
        var chunk: [String: Date] = [:]
        for (index, use) in batch.enumerated() {
            chunk[use.key] = use.value
            guard chunk.count == Self.chunkSize || index == batch.count - 1 else { continue }
            do {
                try await store.recordSecretUse(chunk)
            } catch {
                logger.warning("could not record secret use; will retry", metadata: ["count": "\(chunk.count)", "error": "\(String(reflecting: type(of: error)))"])
                uses.withLock { uses in
                    for (id, moment) in chunk {
                        uses.written[id] = nil
                        if (uses.pending[id] ?? .distantPast) < moment { uses.pending[id] = moment }
                    }
                }
            }
            chunk.removeAll(keepingCapacity: true)
        }
    }

    static let chunkSize = 250
}
