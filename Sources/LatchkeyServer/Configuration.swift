import Foundation
import LatchkeyCore
import LatchkeyOAuth
import LatchkeyStorage
import Logging

/// Everything the server reads from its environment, parsed and checked once at start-up. A bad
/// value stops start-up with a message that names the variable.
public struct Configuration: Sendable {
    public var host: String
    public var port: Int
    /// `LATCHKEY_PUBLIC_URL` when set, without a trailing slash.
    public var configuredPublicURL: String?
    public var dataDirectory: String
    /// `nil`: SQLite in the data directory; otherwise a `postgres://` URL.
    public var databaseURL: String?
    /// 32 bytes; `nil` in embedded mode means "read or create the key file in the data directory".
    public var masterKey: [UInt8]?
    public var secretCap: Int
    public var secretActivationDelay: TimeInterval
    public var logLevel: Logger.Level
    /// bcrypt's cost factor for seller passwords (4…31).
    public var passwordHashCost: UInt8
    /// `LATCHKEY_CACHE_TTL`: how long a node keeps what it read of clients, apps, consents,
    /// users and sessions while change notices arrive (each change drops what it affects at once,
    /// on every node), so that active clients are not re-read at every request.
    public var cacheTTL: Duration
    /// `LATCHKEY_CACHE_TTL_UNFOLLOWED`: the same while this node cannot hear other nodes' notices
    /// (its listening connection is down): the bound on staleness then.
    public var cacheTTLUnfollowed: Duration
    /// `LATCHKEY_NOTICE_HEARTBEAT`: how often the listening connection proves it still hears
    /// notices (PostgreSQL); one silent for three heartbeats is replaced.
    public var noticeHeartbeat: Duration = .seconds(5)
    /// `LATCHKEY_DELIVER_EVENTS`: whether this node delivers app events and expiry notices (and
    /// scans for them). Every node does by default; `false` keeps a node to serving requests.
    public var deliversEvents = true
    /// `LATCHKEY_EXPIRY_SCAN_INTERVAL`: how often each node looks for secrets crossing an
    /// expiry-notice threshold (30, 7, 1 days).
    public var expiryScanInterval: Duration = .seconds(3600)
    /// `LATCHKEY_METRICS_TOKEN`: when set, `/metrics` answers only `Authorization: Bearer {it}`.
    public var metricsToken: String?
    /// How often last-used times are written.
    public var lastUsedFlushInterval: Duration
    /// `LATCHKEY_LAST_USED_GRANULARITY`: a secret's last use is written at most once per this
    /// many seconds per node (the dashboard shows it to the minute).
    public var lastUsedGranularity: TimeInterval = 60
    /// Threads doing network I/O. Request handlers run on Swift's own pool (one thread a core),
    /// so half the cores for I/O measured best: on 2 cores, 1 thread served 14% more tokens.
    public var eventLoopThreads: Int
    /// Set by `serve` when Swift's tasks run on NIO's shared event loops: the application then
    /// serves on those loops too (and `eventLoopThreads` does not apply).
    public var tasksRunOnEventLoops = false
    /// `LATCHKEY_SITE_URL`: the platform site of a tenant, sent to apps at launch as `SPHostUrl`
    /// and `SPSiteUrl`, with `{realm}` standing for the tenant's id.
    public var siteURLTemplate: String?
    /// `LATCHKEY_SITE_HOSTS`: more hosts of the platform's sites (comma-separated, `{realm}`
    /// allowed), beside the site URL's own, that an ACS `resource` may name.
    public var extraSiteHosts: [String] = []
    /// How often each node looks for app events due for delivery.
    public var eventPollInterval: Duration = .seconds(1)
    /// `LATCHKEY_TLS_CERT` / `LATCHKEY_TLS_KEY`: PEM files; with both, the server speaks HTTPS.
    public var tlsCertificatePath: String?
    public var tlsKeyPath: String?
    /// `LATCHKEY_READ_TIMEOUT`: how long a connection may take to send a whole request (or sit
    /// idle between requests) before it is closed: slow clients do not hold sockets.
    public var readTimeout: Duration = .seconds(30)
    /// `LATCHKEY_DATABASE_WAIT`: how long start-up waits for the database to answer.
    public var databaseWait: Duration = .seconds(30)
    /// Requests per minute (sustained; a burst of as many is allowed) before `429`.
    public var rateLimits = RateLimits()
    /// `LATCHKEY_TRUSTED_PROXIES`: reverse proxies whose `X-Forwarded-For` names the client.
    public var trustedProxies = TrustedProxies.none
    /// `LATCHKEY_ALLOW_LOOPBACK_CALLBACKS`: a development switch letting events URLs and seller
    /// webhooks point at this machine (`http://localhost:…`). Off by default; never private,
    /// link-local or other internal addresses (docs/security.md).
    public var allowLoopbackCallbacks = false
    /// `LATCHKEY_AUDIT_RETENTION_DAYS`: audit entries older than this are deleted (hourly, by one
    /// node of the cluster).
    public var auditRetentionDays = 400
    /// `LATCHKEY_ACCESS_LOG`: one line per request at info (method, route, status, duration,
    /// client address, request id).
    public var accessLog = true
    /// `LATCHKEY_DATABASE_POOL`: the most PostgreSQL connections this node opens (besides the
    /// one that listens for change notices).
    public var databasePool = 8
    /// `LATCHKEY_LOG_FORMAT`: JSON lines for a log collector, or text for a person; by default
    /// text when standard error is a terminal, JSON otherwise.
    public var logFormat: LogFormat = isatty(STDERR_FILENO) == 1 ? .text : .json
    /// How events and webhook hosts are looked up (the system's resolver; tests give their own).
    public var hostResolver: any HostResolver = SystemHostResolver()

    public init(
        host: String = "127.0.0.1", port: Int = 8080, publicURL: String? = nil, dataDirectory: String = "./latchkey-data",
        databaseURL: String? = nil, masterKey: [UInt8]? = nil, secretCap: Int = 5, secretActivationDelay: TimeInterval = 0,
        logLevel: Logger.Level = .info, passwordHashCost: UInt8 = 12, cacheTTL: Duration = .seconds(300), cacheTTLUnfollowed: Duration = .seconds(1),
        lastUsedFlushInterval: Duration = .seconds(5),
        eventLoopThreads: Int = max(1, ProcessInfo.processInfo.activeProcessorCount / 2)
    ) {
        self.host = host
        self.port = port
        self.configuredPublicURL = publicURL
        self.dataDirectory = dataDirectory
        self.databaseURL = databaseURL
        self.masterKey = masterKey
        self.secretCap = secretCap
        self.secretActivationDelay = secretActivationDelay
        self.logLevel = logLevel
        self.passwordHashCost = passwordHashCost
        self.cacheTTL = cacheTTL
        self.cacheTTLUnfollowed = cacheTTLUnfollowed
        self.lastUsedFlushInterval = lastUsedFlushInterval
        self.eventLoopThreads = eventLoopThreads
    }

    public var usesPostgres: Bool { databaseURL != nil }

    /// The embedded database's file in the data directory.
    public var sqlitePath: String { dataFile("latchkey.sqlite") }
    /// The generated master key's file in the data directory (unless `LATCHKEY_MASTER_KEY`).
    public var masterKeyPath: String { dataFile("master.key") }

    /// A file of the data directory.
    public func dataFile(_ name: String) -> String {
        URL(fileURLWithPath: dataDirectory).appendingPathComponent(name).path
    }
    public var servesTLS: Bool { tlsCertificatePath != nil && tlsKeyPath != nil }

    /// The tenant's site URL: by default `{public URL}/sites/{realm}`.
    public func siteURL(realm: String) -> String {
        (siteURLTemplate ?? publicURL + "/sites/{realm}").replacingOccurrences(of: "{realm}", with: realm)
    }

    /// What an operator should know at start-up about settings that weaken the defaults.
    public var startupWarnings: [String] {
        var warnings: [String] = []
        if allowLoopbackCallbacks {
            warnings.append("LATCHKEY_ALLOW_LOOPBACK_CALLBACKS=true: events and expiry notices may be sent to this machine; a development setting only")
        }
        let loopback = host == "localhost" || host == "::1" || host.hasPrefix("127.")
        if !loopback && metricsToken == nil {
            warnings.append("/metrics answers anyone who reaches \(host):\(port); set LATCHKEY_METRICS_TOKEN to require a token")
        }
        return warnings
    }

    /// The hosts an ACS `resource` may name: the site URL's and `LATCHKEY_SITE_HOSTS`.
    public var siteHosts: SiteHosts {
        let placeholder = "00000000-0000-0000-0000-000000000000"
        let template = siteURLTemplate ?? publicURL + "/sites/{realm}"
        let host = URLComponents(string: template.replacingOccurrences(of: "{realm}", with: placeholder))?.host?.replacingOccurrences(of: placeholder, with: "{realm}")
        return SiteHosts((host.map { [$0] } ?? []) + extraSiteHosts)
    }

    /// The issuer: the URL clients reach this deployment at; by default the address it listens on.
    public var publicURL: String { configuredPublicURL ?? "\(servesTLS ? "https" : "http")://\(host):\(port)" }

    /// Reads the `LATCHKEY_*` variables (README lists them); unset ones keep their defaults.
    public static func fromEnvironment(_ env: [String: String] = ProcessInfo.processInfo.environment) throws(ConfigurationError) -> Configuration {
        func value(_ name: String) -> String? {
            guard let text = env[name]?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
            return text
        }
        func integer(_ name: String, in range: ClosedRange<Int>, default fallback: Int) throws(ConfigurationError) -> Int {
            guard let text = value(name) else { return fallback }
            guard let number = Int(text), range.contains(number) else {
                throw ConfigurationError(variable: name, message: "expected a whole number from \(range.lowerBound) to \(range.upperBound), got \"\(text)\"")
            }
            return number
        }
        func seconds(_ name: String, in range: ClosedRange<Int>, default fallback: Duration) throws(ConfigurationError) -> Duration {
            .seconds(try integer(name, in: range, default: Int(fallback.components.seconds)))
        }
        func interval(_ name: String, in range: ClosedRange<Int>, default fallback: TimeInterval) throws(ConfigurationError) -> TimeInterval {
            TimeInterval(try integer(name, in: range, default: Int(fallback)))
        }
        func flag(_ name: String, default fallback: Bool) throws(ConfigurationError) -> Bool {
            guard let text = value(name) else { return fallback }
            guard let flag = ["true": true, "false": false][text.lowercased()] else {
                throw ConfigurationError(variable: name, message: "expected true or false, got \"\(text)\"")
            }
            return flag
        }

        // Every default is the one declared above; a variable only overrides it.
        var configuration = Configuration()
        configuration.host = value("LATCHKEY_HOST") ?? configuration.host
        configuration.port = try integer("LATCHKEY_PORT", in: 1...65535, default: configuration.port)

        if let url = value("LATCHKEY_PUBLIC_URL") {
            guard let components = URLComponents(string: url), ["http", "https"].contains(components.scheme ?? ""),
                components.host?.isEmpty == false, components.query == nil, components.fragment == nil
            else {
                throw ConfigurationError(variable: "LATCHKEY_PUBLIC_URL", message: "expected an absolute http(s) URL without query or fragment, such as https://login.example.com, got \"\(url)\"")
            }
            configuration.configuredPublicURL = url.hasSuffix("/") ? String(url.dropLast()) : url
        }
        configuration.dataDirectory = value("LATCHKEY_DATA_DIR") ?? configuration.dataDirectory
        if let template = value("LATCHKEY_SITE_URL") {
            let sample = template.replacingOccurrences(of: "{realm}", with: "00000000-0000-0000-0000-000000000000")
            guard let components = URLComponents(string: sample), ["http", "https"].contains(components.scheme ?? ""), components.host?.isEmpty == false else {
                throw ConfigurationError(variable: "LATCHKEY_SITE_URL", message: "expected an absolute http(s) URL such as https://contoso.example/sites/{realm}, got \"\(template)\"")
            }
            configuration.siteURLTemplate = template.hasSuffix("/") ? String(template.dropLast()) : template
        }
        if let list = value("LATCHKEY_SITE_HOSTS") {
            let hosts = list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            for host in hosts {
                let sample = host.replacingOccurrences(of: "{realm}", with: "00000000-0000-0000-0000-000000000000")
                guard !sample.isEmpty, URLComponents(string: "https://\(sample)")?.host?.isEmpty == false, !sample.contains("/") else {
                    throw ConfigurationError(variable: "LATCHKEY_SITE_HOSTS", message: "expected host names separated by commas, such as contoso.example,{realm}.sites.example, got \"\(host)\"")
                }
            }
            configuration.extraSiteHosts = hosts
        }
        if let url = value("LATCHKEY_DATABASE_URL") {
            guard url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") else {
                throw ConfigurationError(variable: "LATCHKEY_DATABASE_URL", message: "expected a postgres:// URL, or leave it unset for SQLite in the data directory")
            }
            configuration.databaseURL = url
        }
        if let text = value("LATCHKEY_MASTER_KEY") {
            guard let key = Data(base64Encoded: text), key.count == 32 else {
                throw ConfigurationError(variable: "LATCHKEY_MASTER_KEY", message: "expected base64 of exactly 32 bytes (openssl rand -base64 32)")
            }
            configuration.masterKey = Array(key)
        } else if configuration.usesPostgres {
            throw ConfigurationError(variable: "LATCHKEY_MASTER_KEY", message: "required with PostgreSQL, so that every node shares it: set it to the output of openssl rand -base64 32")
        }
        configuration.secretCap = try integer("LATCHKEY_SECRET_CAP", in: 1...100, default: configuration.secretCap)
        configuration.secretActivationDelay = try interval("LATCHKEY_SECRET_ACTIVATION_DELAY", in: 0...86_400, default: configuration.secretActivationDelay)
        if let level = value("LATCHKEY_LOG_LEVEL") {
            guard let parsed = Logger.Level(rawValue: level.lowercased()) else {
                throw ConfigurationError(variable: "LATCHKEY_LOG_LEVEL", message: "expected one of trace, debug, info, notice, warning, error, critical")
            }
            configuration.logLevel = parsed
        }
        configuration.passwordHashCost = UInt8(try integer("LATCHKEY_BCRYPT_COST", in: 4...31, default: Int(configuration.passwordHashCost)))
        configuration.eventLoopThreads = try integer("LATCHKEY_IO_THREADS", in: 1...256, default: configuration.eventLoopThreads)
        configuration.cacheTTL = try seconds("LATCHKEY_CACHE_TTL", in: 1...86_400, default: configuration.cacheTTL)
        configuration.cacheTTLUnfollowed = try seconds("LATCHKEY_CACHE_TTL_UNFOLLOWED", in: 0...3_600, default: configuration.cacheTTLUnfollowed)
        configuration.noticeHeartbeat = try seconds("LATCHKEY_NOTICE_HEARTBEAT", in: 1...300, default: configuration.noticeHeartbeat)
        configuration.metricsToken = value("LATCHKEY_METRICS_TOKEN")
        configuration.lastUsedGranularity = try interval("LATCHKEY_LAST_USED_GRANULARITY", in: 0...86_400, default: configuration.lastUsedGranularity)
        configuration.deliversEvents = try flag("LATCHKEY_DELIVER_EVENTS", default: configuration.deliversEvents)
        configuration.expiryScanInterval = try seconds("LATCHKEY_EXPIRY_SCAN_INTERVAL", in: 1...86_400, default: configuration.expiryScanInterval)
        configuration.tlsCertificatePath = value("LATCHKEY_TLS_CERT")
        configuration.tlsKeyPath = value("LATCHKEY_TLS_KEY")
        if (configuration.tlsCertificatePath == nil) != (configuration.tlsKeyPath == nil) {
            let missing = configuration.tlsCertificatePath == nil ? "LATCHKEY_TLS_CERT" : "LATCHKEY_TLS_KEY"
            throw ConfigurationError(variable: missing, message: "set both LATCHKEY_TLS_CERT and LATCHKEY_TLS_KEY (PEM files) to serve HTTPS, or neither")
        }
        configuration.readTimeout = try seconds("LATCHKEY_READ_TIMEOUT", in: 1...3_600, default: configuration.readTimeout)
        configuration.databaseWait = try seconds("LATCHKEY_DATABASE_WAIT", in: 0...3_600, default: configuration.databaseWait)
        configuration.rateLimits.tokensPerClient = try integer("LATCHKEY_RATE_TOKENS_PER_CLIENT", in: 0...10_000_000, default: configuration.rateLimits.tokensPerClient)
        configuration.rateLimits.tokensPerAddress = try integer("LATCHKEY_RATE_TOKENS_PER_IP", in: 0...10_000_000, default: configuration.rateLimits.tokensPerAddress)
        configuration.rateLimits.signInsPerAccount = try integer("LATCHKEY_RATE_SIGNINS_PER_ACCOUNT", in: 0...100_000, default: configuration.rateLimits.signInsPerAccount)
        configuration.rateLimits.signInsPerAddress = try integer("LATCHKEY_RATE_SIGNINS_PER_IP", in: 0...100_000, default: configuration.rateLimits.signInsPerAddress)
        configuration.rateLimits.checksPerClient = try integer("LATCHKEY_RATE_CHECKS_PER_CLIENT", in: 0...10_000_000, default: configuration.rateLimits.checksPerClient)
        configuration.rateLimits.checksPerAddress = try integer("LATCHKEY_RATE_CHECKS_PER_IP", in: 0...10_000_000, default: configuration.rateLimits.checksPerAddress)
        configuration.trustedProxies = try TrustedProxies(parsing: value("LATCHKEY_TRUSTED_PROXIES") ?? "")
        configuration.auditRetentionDays = try integer("LATCHKEY_AUDIT_RETENTION_DAYS", in: 1...36_500, default: configuration.auditRetentionDays)
        configuration.allowLoopbackCallbacks = try flag("LATCHKEY_ALLOW_LOOPBACK_CALLBACKS", default: configuration.allowLoopbackCallbacks)
        configuration.accessLog = try flag("LATCHKEY_ACCESS_LOG", default: configuration.accessLog)
        configuration.databasePool = try integer("LATCHKEY_DATABASE_POOL", in: 1...500, default: configuration.databasePool)
        if let format = value("LATCHKEY_LOG_FORMAT") {
            guard let parsed = LogFormat(rawValue: format.lowercased()) else {
                throw ConfigurationError(variable: "LATCHKEY_LOG_FORMAT", message: "expected json or text, got \"\(format)\"")
            }
            configuration.logFormat = parsed
        }
        return configuration
    }
}

/// A setting that cannot work, named by its environment variable, with what to set instead.
public struct ConfigurationError: Error, CustomStringConvertible, Sendable {
    public let variable: String
    public let message: String

    public init(variable: String, message: String) {
        self.variable = variable
        self.message = message
    }

    public var description: String { "\(variable): \(message)" }
}
