import Foundation
import LatchkeyCore
import LatchkeyOAuth
import LatchkeyStorage
import Logging
import ServiceLifecycle

/// Reads the key set again when a rotation's notice arrives (made with the CLI or on another
/// node), and every `interval`, when retired keys leave the published set.
struct SigningKeyRefresher: Service {
    let keys: SigningKeys
    let signer: TokenSigner
    let interval: Duration
    let logger: Logger
    private let reloads: AsyncStream<Void>
    private let reload: AsyncStream<Void>.Continuation

    init(keys: SigningKeys, signer: TokenSigner, interval: Duration, changes: ChangeFeed, logger: Logger) {
        self.keys = keys
        self.signer = signer
        self.interval = interval
        self.logger = logger
        (reloads, reload) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let reload = reload
        changes.subscribe { notices in
            if notices.contains(.signingKeys) || notices.contains(.everything) { reload.yield() }
        }
    }

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            try await withThrowingDiscardingTaskGroup { group in
                group.addTask {
                    while true {
                        try await Task.sleep(for: interval)
                        reload.yield()
                    }
                }
                for await _ in reloads {
                    do {
                        try await signer.replace(keys: try await keys.load())
                    } catch {
                        logger.warning("could not reload signing keys", metadata: ["error": "\(String(reflecting: type(of: error)))"])
                    }
                }
            }
        }
    }
}
