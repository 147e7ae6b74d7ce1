import Foundation
import LatchkeyCore
import LatchkeyOAuth
import LatchkeyStorage
import Logging
import ServiceLifecycle

/// The composition root: the shared core services wired to one database, what the HTTP API,
/// the pages and the CLI all call, so that no rule has a second copy. Its long-lived parts are
/// listed in `services`, which the application runs under one service group.
public struct Latchkey: Sendable {
    public let configuration: Configuration
    public let database: any DatabaseProvider
    public let accounts: SellerAccounts
    public let registry: ClientRegistry
    public let catalog: AppCatalog
    public let directory: TenantDirectory
    /// Tenants' identity providers and domains.
    public let federation: FederationDirectory
    /// Latchkey as the relying party of those providers.
    let upstream: UpstreamProviders
    public let auditLog: any AuditStore
    public let outbox: any EventOutbox
    public let expiryNotices: ExpiryNotices
    let webhooks: any SellerWebhookStore
    let clients: any ClientStore
    let apps: any AppStore
    let grants: any GrantStore
    let cache: ClientCache
    let access: CachedAuthorizationDirectory
    /// How long this node's caches trust an entry; shortened while it cannot hear other nodes.
    let cacheLifetime: CacheLifetime
    let revokedTokens: RevokedAccessTokens
    let revocations: any RevocationStore
    /// The purpose keys derived from the master key.
    let keys: SealingKeys
    let clock: Clock
    let signingKeys: SigningKeys
    /// Where events and expiry notices may be sent.
    let outbound: OutboundPolicy

    /// Opens the database (creating the data directory and SQLite file when embedded), applies
    /// pending migrations, and wires the services.
    public static func open(configuration: Configuration, logger: Logger, clock: @escaping Clock = { Date() }) async throws -> Latchkey {
        let database = try await openDatabase(configuration, logger: logger)
        do {
            try await Migrations.migrate(database, logger: logger)
            let keys = try SealingKeys(masterKey: try await MasterKey.resolve(configuration) { try await SealedDataMigration.holdsSealedData(database) })
            let latchkey = try Latchkey(configuration: configuration, database: database, keys: keys, clock: clock)
            do {
                try await latchkey.signingKeys.checkMasterKey(named: configuration.masterKey == nil ? "LATCHKEY_DATA_DIR" : "LATCHKEY_MASTER_KEY")
            } catch let error as ConfigurationError where configuration.masterKey == nil {
                let pending = configuration.masterKeyPath + ".new"
                guard FileManager.default.fileExists(atPath: pending) else { throw error }
                throw ConfigurationError(
                    variable: error.variable,
                    message: "a master-key rotation stopped after sealing the database under its new key, which is in \(pending): move it to master.key (mv master.key.new master.key) and start again"
                )
            }
            // Only once the master key is known to be this database's.
            try await SealedDataMigration.run(database, keys: keys, logger: logger)
            return latchkey
        } catch {
            try? await database.close()
            throw error
        }
    }

    private init(configuration: Configuration, database: any DatabaseProvider, keys: SealingKeys, clock: @escaping Clock) throws {
        let clients = SQLClientStore(provider: database)
        let sellers = SQLSellerStore(provider: database)
        let tenants = SQLTenantStore(provider: database)
        let apps = SQLAppStore(provider: database)
        let consents = SQLConsentStore(provider: database)
        let hasher = BcryptHasher(cost: configuration.passwordHashCost)
        let changes = database.changes
        let lifetime = CacheLifetime(whileFollowing: configuration.cacheTTL, whileNotFollowing: configuration.cacheTTLUnfollowed) { changes.isFollowing }
        let cache = ClientCache(store: clients, lifetime: lifetime)
        let access = CachedAuthorizationDirectory(apps: apps, tenants: tenants, consents: consents, lifetime: lifetime)
        let grants = SQLGrantStore(provider: database)
        let revokedTokens = RevokedAccessTokens(grants: grants, lifetime: lifetime)
        // Every committed change, this node's at once and other nodes' as they arrive, drops
        // exactly what it affects.
        database.changes.subscribe { notices in
            for notice in notices {
                cache.apply(notice)
                access.apply(notice)
                revokedTokens.apply(notice)
            }
        }
        self.configuration = configuration
        self.database = database
        self.clients = clients
        self.apps = apps
        self.grants = grants
        self.revokedTokens = revokedTokens
        self.revocations = SQLRevocationStore(provider: database)
        self.cache = cache
        self.access = access
        self.cacheLifetime = lifetime
        self.keys = keys
        self.clock = clock
        self.accounts = SellerAccounts(sellers: sellers, tokens: sellers, hasher: hasher, clock: clock)
        self.registry = ClientRegistry(
            store: clients, sealer: keys.clientSecrets,
            policy: SecretPolicy(cap: configuration.secretCap, activationDelay: configuration.secretActivationDelay),
            clock: clock
        )
        let outbound = OutboundPolicy(allowLoopback: configuration.allowLoopbackCallbacks, resolver: configuration.hostResolver)
        self.outbound = outbound
        self.catalog = AppCatalog(apps: apps, clients: clients, permissions: tenants, outbound: outbound, clock: clock)
        self.directory = TenantDirectory(
            tenants: tenants, permissions: tenants, consents: consents, apps: apps, clients: clients, hasher: hasher, clock: clock
        )
        self.auditLog = SQLAuditStore(provider: database)
        self.outbox = SQLEventOutbox(provider: database)
        let webhooks = SQLSellerWebhookStore(provider: database)
        self.webhooks = webhooks
        let upstream = try UpstreamProviders(outbound: outbound, clock: clock)
        self.upstream = upstream
        self.federation = FederationDirectory(
            store: SQLFederationStore(provider: database), tenants: tenants, sealer: keys.identityProviderSecrets, providerCheck: upstream,
            allowHTTPIssuers: configuration.allowLoopbackCallbacks, clock: clock
        )
        self.expiryNotices = ExpiryNotices(store: webhooks, sealer: keys.webhookSecrets, outbound: outbound, clock: clock)
        self.signingKeys = SigningKeys(store: SQLSigningKeyStore(provider: database), sealer: keys.signingKeys, clock: clock)
    }

    /// Adds newer signing keys; running nodes pick them up within a minute, and the old keys
    /// stay published until their tokens have expired. Returns the new keys' ids.
    public func rotateSigningKeys() async throws -> [String] {
        try await signingKeys.rotate()
    }

    static func openDatabase(_ configuration: Configuration, logger: Logger) async throws -> any DatabaseProvider {
        if let url = configuration.databaseURL {
            let provider: PostgresProvider
            do {
                provider = try PostgresProvider(url: url, maximumConnections: configuration.databasePool, heartbeat: configuration.noticeHeartbeat, logger: logger)
            } catch {
                throw ConfigurationError(variable: "LATCHKEY_DATABASE_URL", message: error.message)
            }
            do {
                try await provider.waitUntilReachable(within: configuration.databaseWait)
            } catch {
                try? await provider.close()
                if let unusable = error as? DatabaseUnusable {
                    throw ConfigurationError(variable: "LATCHKEY_DATABASE_URL", message: unusable.message + "; LATCHKEY_DATABASE_WAIT sets the wait")
                }
                throw error
            }
            return provider
        }
        let directory = URL(fileURLWithPath: configuration.dataDirectory)
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw ConfigurationError(variable: "LATCHKEY_DATA_DIR", message: "cannot create \(directory.path): \(error.localizedDescription)")
        }
        return try await SQLiteProvider.open(path: configuration.sqlitePath, logger: logger)
    }

    /// Where the data is, for messages: the SQLite file, or PostgreSQL's `host:port/database`.
    public var databaseDescription: String {
        if let postgres = database as? PostgresProvider { return "PostgreSQL at \(postgres.address)" }
        return "SQLite at " + configuration.sqlitePath
    }

    /// The URL this node listens at (the issuer may be another, behind a proxy).
    public var listeningURL: String {
        let host = configuration.host.contains(":") ? "[\(configuration.host)]" : configuration.host
        return "\(configuration.servesTLS ? "https" : "http")://\(host):\(configuration.port)"
    }

    public func close() async throws {
        try await database.close()
    }
}
