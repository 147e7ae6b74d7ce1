import Logging
import NIOCore
import NIOPosix
import SQLKit
import SQLiteKit
import ServiceLifecycle

/// The embedded engine: one SQLite file in the data directory, one connection used by one unit
/// of work at a time. The token endpoint never waits on it (it reads from a cache), and
/// serialising avoids the busy-handler spin that several writing connections cause.
public final class SQLiteProvider: DatabaseProvider, Service {
    public let engine = DatabaseEngine.sqlite
    private let connection: SQLiteConnection
    private let lock = AsyncLock()

    public static func open(path: String, logger: Logger) async throws -> SQLiteProvider {
        let connection = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
        let provider = SQLiteProvider(connection: connection)
        for pragma in ["PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL", "PRAGMA foreign_keys=ON", "PRAGMA busy_timeout=5000"] {
            _ = try await connection.query(pragma)
        }
        return provider
    }

    private init(connection: SQLiteConnection) {
        self.connection = connection
    }

    public func read<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await lock.withLock { try await body(self.connection.sql()) }
    }

    public func transaction<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await lock.withLock {
            try await self.inTransaction(on: self.connection.sql(), begin: "BEGIN IMMEDIATE", body)
        }
    }

    public func close() async throws {
        try await lock.withLock { try await self.connection.close() }
    }

    /// Waits for graceful shutdown, then closes the connection after the services that write.
    public func run() async throws {
        try? await gracefulShutdown()
        try await close()
    }
}
