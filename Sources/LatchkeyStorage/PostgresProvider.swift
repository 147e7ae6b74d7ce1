import Foundation
import Logging
import PostgresKit
import PostgresNIO
import SQLKit
import ServiceLifecycle

/// PostgreSQL for scale-out: a `PostgresClient` pool shared by the node's requests.
public final class PostgresProvider: DatabaseProvider, Service {
    public let engine = DatabaseEngine.postgres
    private let client: PostgresClient
    /// The pool runs from creation to `close()`, so that migrations and one-shot commands can use
    /// it before (or without) a service group.
    private let pool: Task<Void, Never>

    /// Reads `postgres://user:password@host:port/database`; `sslmode=require` asks for TLS.
    public init(url: String, maximumConnections: Int = 8, logger: Logger) throws(ConfigurationError) {
        guard let components = URLComponents(string: url),
            ["postgres", "postgresql"].contains(components.scheme ?? ""),
            let host = components.host, !host.isEmpty, let user = components.user
        else {
            throw ConfigurationError(
                variable: "LATCHKEY_DATABASE_URL",
                message: "expected postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE"
            )
        }
        let database = components.path.split(separator: "/").first.map(String.init)
        let sslMode = components.queryItems?.first { $0.name == "sslmode" }?.value ?? "disable"
        let tls: PostgresClient.Configuration.TLS
        switch sslMode {
        case "disable": tls = .disable
        case "require": tls = .require(.makeClientConfiguration())
        default:
            throw ConfigurationError(variable: "LATCHKEY_DATABASE_URL", message: "sslmode must be disable or require, not \(sslMode)")
        }
        var configuration = PostgresClient.Configuration(
            host: host, port: components.port ?? 5432, username: user,
            password: components.password?.removingPercentEncoding, database: database, tls: tls
        )
        // A deliberately small pool: the default of 20 grew memory without gaining throughput.
        configuration.options.maximumConnections = maximumConnections
        configuration.options.minimumConnections = 1
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        self.client = client
        self.pool = Task { await client.run() }
    }

    public func read<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await client.withConnection { connection in try await body(connection.sql()) }
    }

    public func transaction<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await client.withConnection { connection in
            try await self.inTransaction(on: connection.sql(), begin: "BEGIN", body)
        }
    }

    public func close() async throws {
        pool.cancel()
        await pool.value
    }

    /// Waits for graceful shutdown, then closes the pool after the services that write.
    public func run() async throws {
        try? await gracefulShutdown()
        try await close()
    }
}

/// A configuration value that cannot be used, named by its environment variable.
public struct ConfigurationError: Error, CustomStringConvertible, Sendable {
    public let variable: String
    public let message: String

    public init(variable: String, message: String) {
        self.variable = variable
        self.message = message
    }

    public var description: String { "\(variable): \(message)" }
}
