import LatchkeyCore
import Logging
import ServiceLifecycle

/// Looks for secrets crossing an expiry-notice threshold every `interval` and queues their
/// notices (the event deliverer sends them). Every node may scan: a notice is recorded once.
struct ExpiryNoticeScanner: Service {
    let notices: ExpiryNotices
    let interval: Duration
    let logger: Logger

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while true {
                do {
                    try await notices.scan()
                } catch {
                    logger.warning("could not scan for expiring secrets", metadata: ["error": "\(String(reflecting: type(of: error)))"])
                }
                try await Task.sleep(for: interval)
            }
        }
    }
}
