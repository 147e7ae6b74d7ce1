import Foundation
import Logging
import NIOCore
import NIOPosix
import SQLKit
import SQLiteKit
import ServiceLifecycle

/// The embedded engine: one SQLite file in the data directory, one connection used by one unit
/// of work at a time. The token endpoint never waits on it (it reads from a cache), and
/// serialising avoids the busy-handler spin that several writing connections cause. Statements
/// run on the thread of the task that holds the connection (`EmbeddedConnection`).
public final class SQLiteProvider: DatabaseProvider, Service {
    public let engine = DatabaseEngine.sqlite
    public let changes: ChangeFeed
    public let maximumConnections = 1
    private let use = ConnectionUse()
    private let database: EmbeddedSQLDatabase
    private let lock = AsyncLock()
    private let logger: Logger

    /// Opens (or creates) the database file; `:memory:` for a database that lives as long as the
    /// provider. Another process (a CLI command) writing at the same moment is waited for up to
    /// five seconds.
    public static func open(path: String, changes: ChangeFeed = ChangeFeed(), logger: Logger) async throws -> SQLiteProvider {
        let connection = try EmbeddedConnection(path: path)
        let provider = SQLiteProvider(connection: connection, changes: changes, logger: logger)
        try await provider.read { db in
            for pragma in ["PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL", "PRAGMA foreign_keys=ON", "PRAGMA busy_timeout=5000"] {
                try await db.raw(SQLQueryString(pragma)).run()
            }
        }
        return provider
    }

    private init(connection: EmbeddedConnection, changes: ChangeFeed, logger: Logger) {
        self.database = EmbeddedSQLDatabase(
            connection: connection, logger: logger, eventLoop: MultiThreadedEventLoopGroup.singleton.any()
        )
        self.changes = changes
        self.logger = logger
    }

    public func read<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await lock.withLock { try await self.use.lend { try await body(self.database) } }
    }

    public func transaction<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await lock.withLock {
            try await self.use.lend {
                let result = try await self.inTransaction(on: self.database, begin: "BEGIN IMMEDIATE", body)
                await self.checkpointIfDue()
                return result
            }
        }
    }

    /// Copies the write-ahead log into the database file once it holds `checkpointPages`
    /// pages: on a thread of the pool, since the copy and its fsync take milliseconds that an
    /// event loop must not spend, and while the connection is held, so that the copy is whole
    /// and the next commit starts the log over. (SQLite's own automatic checkpoint would run
    /// inside the commit that filled the log, on the caller's thread.) The transaction has
    /// committed by then: a checkpoint that fails (another process checkpointing) is logged and
    /// tried again after the next commit, never reported as the transaction's failure.
    private func checkpointIfDue() async {
        let connection = database.connection
        guard connection.walPages >= Self.checkpointPages else { return }
        do {
            try await NIOThreadPool.singleton.runIfActive {
                try connection.run("PRAGMA wal_checkpoint(PASSIVE)", []) { _ in }
            }
            connection.walPages = 0
        } catch {
            logger.warning("cannot checkpoint the write-ahead log", metadata: ["error": "\(error)"])
        }
    }

    /// 40 MiB of 4 KiB pages: the pages a busy node rewrites (the newest codes, tokens and
    /// audit entries) are copied once per checkpoint rather than once per thousand commits' worth.
    static let checkpointPages = 10_000

    /// Reads the notices other processes (CLI commands) wrote, every 100 ms; keeps a minute of them.
    public func followChanges() async throws {
        var last = try await read { db in
            try await db.raw("SELECT COALESCE(MAX(id), 0) AS last FROM change_notices").first()?.decode(column: "last", as: Int.self) ?? 0
        }
        changes.setFollowing(true)
        var polls = 0
        while !Task.isCancelled {
            try await Task.sleep(for: .milliseconds(100))
            do {
                let after = last
                let rows = try await read { db in
                    try await db.select().column("id").column("payload").from("change_notices").where("id", .greaterThan, after)
                        .orderBy("id").all()
                }
                for row in rows {
                    last = try row.decode(column: "id", as: Int.self)
                    changes.receive(try row.decode(column: "payload", as: String.self))
                }
                polls += 1
                if polls % 600 == 0 {
                    let cutoff = Date().timeIntervalSince1970 - 60
                    try await transaction { db in try await db.delete(from: "change_notices").where("created_at", .lessThan, cutoff).run() }
                }
                changes.setFollowing(true)
            } catch {
                changes.setFollowing(false)
                logger.warning("cannot read change notices", metadata: ["error": "\(String(reflecting: error))"])
            }
        }
    }

    public var connectionsInUse: Int { use.current }

    public func close() async throws {
        try await lock.withLock { self.database.connection.close() }
    }

    /// Waits for graceful shutdown, then closes the connection after the services that write.
    public func run() async throws {
        try? await gracefulShutdown()
        try await close()
    }
}
