import SQLKit
import Synchronization
import ServiceLifecycle

public enum DatabaseEngine: String, Sendable {
    case sqlite
    case postgres
}

/// Hands out a database for one unit of work. Every repository goes through `read` or
/// `transaction`, so one set of queries runs on both engines. The drivers' query logging is
/// off: it prints bound values, which include session keys, digests and sealed secrets.
/// A service too: it runs until graceful shutdown, then closes after the services that write.
public protocol DatabaseProvider: Service {
    var engine: DatabaseEngine { get }
    /// Runs `body` on one connection, outside any explicit transaction.
    func read<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T
    /// Runs `body` in one transaction: committed when it returns, rolled back when it throws.
    func transaction<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T
    /// Closes the connections; used by one-shot commands and tests. Services close on shutdown.
    func close() async throws
    /// Connections lent out right now, and the most this node opens (for `/metrics`).
    var connectionsInUse: Int { get }
    var maximumConnections: Int { get }
    /// This node's change notices: its own at each commit, others' while `followChanges` runs.
    var changes: ChangeFeed { get }
    /// Delivers other nodes' notices to `changes` until cancelled, reconnecting when the
    /// database connection breaks.
    func followChanges() async throws
}

/// Counts connections while they are lent out.
final class ConnectionUse: Sendable {
    private let count = Atomic<Int>(0)

    var current: Int { count.load(ordering: .relaxed) }

    func lend<T>(_ body: () async throws -> T) async rethrows -> T {
        count.add(1, ordering: .relaxed)
        defer { count.subtract(1, ordering: .relaxed) }
        return try await body()
    }
}

extension DatabaseProvider {
    /// Issues `begin`, then COMMIT or ROLLBACK around `body` on the given session.
    func inTransaction<T: Sendable>(
        on db: any SQLDatabase, begin: String, _ body: @Sendable (any SQLDatabase) async throws -> T
    ) async throws -> T {
        try await db.raw(SQLQueryString(begin)).run()
        let pending = PendingNotices(feed: changes)
        do {
            let result = try await PendingNotices.$current.withValue(pending) { try await body(db) }
            try await db.raw("COMMIT").run()
            changes.publish(pending.all)
            return result
        } catch {
            try? await db.raw("ROLLBACK").run()
            throw error
        }
    }
}
