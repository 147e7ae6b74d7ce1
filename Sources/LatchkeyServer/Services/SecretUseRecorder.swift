import Foundation
import LatchkeyCore
import LatchkeyOAuth
import Logging
import ServiceLifecycle
import Synchronization

/// Collects successful secret uses in memory and writes them in one transaction per interval,
/// so the token endpoint never writes to the database. Graceful shutdown flushes what is left.
final class SecretUseRecorder: SecretUseSink, Service {
    private let pending = Mutex<[String: Date]>([:])
    private let store: any ClientStore
    private let interval: Duration
    private let logger: Logger

    init(store: any ClientStore, interval: Duration, logger: Logger) {
        self.store = store
        self.interval = interval
        self.logger = logger
    }

    func recordUse(secretID: String, at moment: Date) {
        pending.withLock { uses in
            if let known = uses[secretID], known >= moment { return }
            uses[secretID] = moment
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
        let batch = pending.withLock { uses in
            defer { uses.removeAll(keepingCapacity: true) }
            return uses
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
                for (id, moment) in chunk { recordUse(secretID: id, at: moment) }
            }
            chunk.removeAll(keepingCapacity: true)
        }
    }

    static let chunkSize = 250
}
