import Foundation
import Hummingbird
import HummingbirdAuth
import LatchkeyCore
import LatchkeyOAuth
import LatchkeyStorage
import Logging
import NIOPosix
import ServiceLifecycle

/// Deletes expired codes, refresh tokens and revocation records every ten minutes. Each delete
/// is idempotent, so several nodes may run it at once.
struct GrantPruner: Service {
    let grants: any GrantStore
    let clock: Clock
    let logger: Logger

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while true {
                try await Task.sleep(for: .seconds(600))
                do {
                    try await grants.prune(before: clock())
                } catch {
                    logger.warning("could not prune expired grants", metadata: ["error": "\(String(reflecting: type(of: error)))"])
                }
            }
        }
    }
}

/// Deletes audit entries older than the retention (`LATCHKEY_AUDIT_RETENTION_DAYS`), at start-up
/// and every hour; whichever node comes first in an hour does it, the others skip.
struct AuditPruner: Service {
    let store: any AuditStore
    let retentionDays: Int
    let clock: Clock
    let logger: Logger

    static let interval: TimeInterval = 3600

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while true {
                let now = clock()
                do {
                    if let deleted = try await store.prune(olderThan: now.addingTimeInterval(-Double(retentionDays) * 86_400), at: now, interval: Self.interval),
                        deleted > 0
                    {
                        logger.info("pruned the audit log", metadata: ["deleted": "\(deleted)", "retention_days": "\(retentionDays)"])
                    }
                } catch {
                    logger.warning("could not prune the audit log", metadata: ["error": "\(String(reflecting: type(of: error)))"])
                }
                try await Task.sleep(for: .seconds(Self.interval))
            }
        }
    }
}
