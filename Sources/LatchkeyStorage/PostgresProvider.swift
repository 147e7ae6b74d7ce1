import Foundation
import Logging
import PostgresKit
import PostgresNIO
import SQLKit
import ServiceLifecycle
import Synchronization

/// PostgreSQL for scale-out: a `PostgresClient` pool shared by the node's requests.
public final class PostgresProvider: DatabaseProvider, Service {
    public let engine = DatabaseEngine.postgres
    public let changes: ChangeFeed
    public let maximumConnections: Int
    private let use = ConnectionUse()
    private let client: PostgresClient
    private let listenerConfiguration: PostgresConnection.Configuration
    private let heartbeat: Duration
    private let logger: Logger
    /// The pool runs from creation to `close()`, so that migrations and one-shot commands can use
    /// it before (or without) a service group.
    private let pool: Task<Void, Never>

    /// Reads `postgres://user:password@host:port/database`; `sslmode=require` asks for TLS.
    /// `heartbeat`: how often the listening connection proves that it still hears notices; one
    /// silent for three heartbeats is replaced.
    public init(
        url: String, maximumConnections: Int = 8, heartbeat: Duration = .seconds(5), changes: ChangeFeed = ChangeFeed(), logger: Logger
    ) throws(DatabaseUnusable) {
        guard let components = URLComponents(string: url),
            ["postgres", "postgresql"].contains(components.scheme ?? ""),
            let host = components.host, !host.isEmpty, let user = components.user
        else {
            throw DatabaseUnusable("expected postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE")
        }
        let database = components.path.split(separator: "/").first.map(String.init)
        let sslMode = components.queryItems?.first { $0.name == "sslmode" }?.value ?? "disable"
        let tls: PostgresClient.Configuration.TLS
        let listenerTLS: PostgresConnection.Configuration.TLS
        switch sslMode {
        case "disable":
            tls = .disable
            listenerTLS = .disable
        case "require":
            tls = .require(.makeClientConfiguration())
            do {
                listenerTLS = .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
            } catch {
                throw DatabaseUnusable("cannot set up TLS: \(error)")
            }
        default:
            throw DatabaseUnusable("sslmode must be disable or require, not \(sslMode)")
        }
        var configuration = PostgresClient.Configuration(
            host: host, port: components.port ?? 5432, username: user,
            password: components.password?.removingPercentEncoding, database: database, tls: tls
        )
        // A deliberately small pool: the default of 20 grew memory without gaining throughput.
        configuration.options.maximumConnections = maximumConnections
        configuration.options.minimumConnections = 1
        configuration.options.additionalStartupParameters = [("application_name", "latchkey \(changes.nodeID)")]
        var listener = PostgresConnection.Configuration(
            host: host, port: components.port ?? 5432, username: user,
            password: components.password?.removingPercentEncoding, database: database, tls: listenerTLS
        )
        listener.options.additionalStartupParameters = [("application_name", "latchkey listener \(changes.nodeID)")]
        // The pool reports each failed connection attempt at info: only warnings and worse.
        var background = logger
        background.logLevel = max(logger.logLevel, .warning)
        let client = PostgresClient(configuration: configuration, backgroundLogger: background)
        self.client = client
        self.maximumConnections = maximumConnections
        self.changes = changes
        self.listenerConfiguration = listener
        self.heartbeat = heartbeat
        self.logger = logger
        self.pool = Task { await client.run() }
    }

    public func read<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await client.withConnection { connection in try await self.use.lend { try await body(connection.sql(queryLogLevel: nil)) } }
    }

    public func transaction<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await client.withConnection { connection in
            try await self.use.lend { try await self.inTransaction(on: connection.sql(queryLogLevel: nil), begin: "BEGIN", body) }
        }
    }

    /// LISTENs on a connection of its own. Each (re)connection begins by dropping everything
    /// cached, since notices sent while no connection listened are lost.
    public func followChanges() async throws {
        var delay = Duration.milliseconds(50)
        while !Task.isCancelled {
            let started = ContinuousClock.now
            do {
                try await listen()
            } catch {
                guard !Task.isCancelled else { break }
                logger.warning(
                    "not hearing other nodes' changes; caches read through until the listening connection is back",
                    metadata: ["error": "\(String(reflecting: error))"]
                )
            }
            changes.setFollowing(false)
            // A connection that lasted resets the back-off; one that keeps failing waits up to 2 s.
            delay = started.duration(to: .now) > .seconds(10) ? .milliseconds(50) : min(delay * 2, .seconds(2))
            try? await Task.sleep(for: delay)
        }
        changes.setFollowing(false)
    }

    /// Where the database is, for messages: `host:port/database`.
    public var address: String {
        "\(listenerConfiguration.host ?? "?"):\(listenerConfiguration.port ?? 5432)/\(listenerConfiguration.database ?? "")"
    }

    /// Returns once the database answers a query; until then warns every few seconds, and after
    /// `within` fails in words naming the server. A start-up against a database that is down
    /// ends instead of retrying for ever.
    public func waitUntilReachable(within: Duration) async throws {
        let deadline = ContinuousClock.now + within
        var lastWarning: ContinuousClock.Instant?
        while true {
            do {
                let connection = try await PostgresConnection.connect(configuration: listenerConfiguration, id: 1, logger: quiet)
                defer { Task { try? await connection.close() } }
                _ = try await connection.query("SELECT 1", logger: quiet).collect()
                return
            } catch {
                let reason = Self.describe(error)
                if ContinuousClock.now >= deadline {
                    throw DatabaseUnusable(
                        "cannot reach PostgreSQL at \(address) (\(reason)) after waiting \(within.components.seconds) s. Check that it runs and that the URL's host, port, user and password are right"
                    )
                }
                if lastWarning.map({ $0.duration(to: .now) >= .seconds(5) }) ?? true {
                    logger.warning("database not reachable yet; retrying", metadata: ["database": "\(address)", "reason": "\(reason)"])
                    lastWarning = .now
                }
                try await Task.sleep(for: .milliseconds(500))
            }
        }
    }

    /// A connection failure in words: the server's message, or the socket's.
    static func describe(_ error: any Error) -> String {
        if let error = error as? PSQLError {
            if let message = error.serverInfo?[.message] { return message }
            if let underlying = error.underlying { return String(describing: underlying) }
            return String(describing: error.code)
        }
        return String(describing: error)
    }

    /// The driver's own logging of failed connections, which would repeat each attempt at info.
    private var quiet: Logger {
        var logger = logger
        logger.logLevel = .critical
        return logger
    }

    private func listen() async throws {
        let connection = try await PostgresConnection.connect(configuration: listenerConfiguration, id: 0, logger: logger)
        do {
            try await connection.listen(on: changeChannel) { notifications in
                changes.setFollowing(true)
                let lastHeard = LastHeard()
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        for try await notification in notifications {
                            lastHeard.now()
                            self.changes.receive(notification.payload)
                        }
                        throw ListenerEnded()
                    }
                    group.addTask {
                        let limit = UInt64((self.heartbeat * 3) / .nanoseconds(1))
                        while true {
                            try await Task.sleep(for: self.heartbeat)
                            try await connection.query("SELECT pg_notify(\(changeChannel), \(self.changes.nodeID + "|ping"))", logger: self.logger)
                            if lastHeard.nanosecondsAgo > limit { throw ListenerEnded() }
                        }
                    }
                    try await group.next()
                    group.cancelAll()
                }
            }
        } catch {
            try? await connection.close()
            throw error
        }
    }

    private struct ListenerEnded: Error {}

    private final class LastHeard: Sendable {
        private let moment = Atomic<UInt64>(DispatchTime.now().uptimeNanoseconds)
        func now() { moment.store(DispatchTime.now().uptimeNanoseconds, ordering: .relaxed) }
        var nanosecondsAgo: UInt64 { DispatchTime.now().uptimeNanoseconds &- moment.load(ordering: .relaxed) }
    }

    public var connectionsInUse: Int { use.current }

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

/// Why the PostgreSQL database cannot be used: a malformed URL, TLS that cannot be set up, or a
/// server that does not answer. The message says what to check; the caller names the setting.
public struct DatabaseUnusable: Error, CustomStringConvertible, Sendable {
    public let message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
