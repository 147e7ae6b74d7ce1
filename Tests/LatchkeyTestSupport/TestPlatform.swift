import Crypto
import Foundation
import LatchkeyCore
import LatchkeyOAuth
import LatchkeyStorage
import Logging
import Synchronization

/// A clock the test sets: every part under test reads it instead of the wall clock.
public final class ManualClock: Sendable {
    private let now: Mutex<Date>

    public init(_ start: Date = Date(timeIntervalSince1970: 1_800_000_000)) {
        now = Mutex(start)
    }

    public var clock: Clock {
        { [self] in now.withLock { $0 } }
    }

    public func advance(by seconds: TimeInterval) {
        now.withLock { $0 = $0.addingTimeInterval(seconds) }
    }
}

/// SHA-256 in place of bcrypt, so that a test signs users in without waiting; never for a server.
public struct FastHasher: PasswordHasher {
    public init() {}

    public func hash(_ password: String) async throws -> String {
        SecretDigest(of: password).hex
    }

    public func verify(_ password: String, hash: String) async throws -> Bool {
        SecretDigest(of: password).hex == hash
    }

    public func needsRehash(_ hash: String) -> Bool { false }

    public var decoyHash: String { SecretDigest(of: "decoy").hex }
}

/// No host resolves: tests of the core send nothing anywhere.
public struct NoHosts: HostResolver {
    public init() {}
    public func addresses(of host: String) async -> [IPAddress] { [] }
}

/// The core's use cases and the protocol endpoints' directory over the real SQL stores, on an
/// in-memory SQLite database with the migrations applied, wired as the server wires them (change
/// notices clear the caches), with a manual clock. Helpers build the usual cast: an operator, a
/// seller with an approved app, tenants, users, installations.
public struct TestPlatform: Sendable {
    public let clock: ManualClock
    public let database: SQLiteProvider
    public let accounts: SellerAccounts
    public let registry: ClientRegistry
    public let catalog: AppCatalog
    public let directory: TenantDirectory
    public let clients: ClientCache
    public let access: CachedAuthorizationDirectory
    public let grants: any GrantStore
    public let keys: SealingKeys

    public static func open(clock: ManualClock = ManualClock()) async throws -> TestPlatform {
        var logger = Logger(label: "latchkey.test")
        logger.logLevel = .warning
        let database = try await SQLiteProvider.open(path: ":memory:", logger: logger)
        _ = try await Migrations.migrate(database, logger: logger)
        return try TestPlatform(clock: clock, database: database)
    }

    private init(clock: ManualClock, database: SQLiteProvider) throws {
        let time = clock.clock
        let sqlClients = SQLClientStore(provider: database)
        let sellers = SQLSellerStore(provider: database)
        let tenants = SQLTenantStore(provider: database)
        let apps = SQLAppStore(provider: database)
        let consents = SQLConsentStore(provider: database)
        let hasher = FastHasher()
        let lifetime = CacheLifetime.fixed(.seconds(3600))
        let clients = ClientCache(store: sqlClients, lifetime: lifetime)
        let access = CachedAuthorizationDirectory(apps: apps, tenants: tenants, consents: consents, lifetime: lifetime)
        database.changes.subscribe { notices in
            for notice in notices {
                clients.apply(notice)
                access.apply(notice)
            }
        }
        let keys = try SealingKeys(masterKey: Array(repeating: 7, count: 32))
        let outbound = OutboundPolicy(allowLoopback: false, resolver: NoHosts())
        self.clock = clock
        self.database = database
        self.keys = keys
        self.clients = clients
        self.access = access
        self.grants = SQLGrantStore(provider: database)
        self.accounts = SellerAccounts(sellers: sellers, tokens: sellers, hasher: hasher, clock: time)
        self.registry = ClientRegistry(store: sqlClients, sealer: keys.clientSecrets, policy: SecretPolicy(), clock: time)
        self.catalog = AppCatalog(apps: apps, clients: sqlClients, permissions: tenants, outbound: outbound, clock: time)
        self.directory = TenantDirectory(
            tenants: tenants, permissions: tenants, consents: consents, apps: apps, clients: sqlClients, hasher: hasher, clock: time
        )
    }

    public func close() async throws {
        try await database.close()
    }

    // MARK: The cast

    public func operatorActor() async throws -> Actor {
        let seller = try await accounts.register(
            email: "operator-\(ObjectID.generate())@platform.test", displayName: "Operator", password: "operator password 1", role: .operator, sourceIP: nil
        )
        return Actor(seller: seller, sourceIP: nil)
    }

    public func sellerActor() async throws -> Actor {
        let seller = try await accounts.register(
            email: "seller-\(ObjectID.generate())@publisher.test", displayName: "Contoso", password: "seller password 1", sourceIP: nil
        )
        return Actor(seller: seller, sourceIP: nil)
    }

    /// Defines a permission in the catalog.
    public func define(_ name: String, adminConsentRequired: Bool = false, appOnly: Bool = false, by admin: Actor) async throws {
        _ = try await directory.putPermission(
            name: name, description: "\(name) in words", adminConsentRequired: adminConsentRequired, appOnly: appOnly, by: admin
        )
    }

    /// A Client ID and an app using it, submitted and approved.
    public func approvedApp(
        named name: String = "Trip Calendar", permissions: [String], availability: Availability = .worldwide, by seller: Actor, reviewer: Actor
    ) async throws -> (client: RegisteredClient, app: AppListing) {
        let (registered, _) = try await registry.create(
            .init(
                friendlyName: name, appDomain: "app.contoso.com", redirectURL: "https://app.contoso.com/callback", secretValidityYears: 1,
                availability: availability.rawValue
            ),
            by: seller
        )
        let draft = try await catalog.create(
            .init(name: name, description: "\(name) for tests", markets: [availability == .china ? "CN" : "US"], requiresServerToServerAuth: true, clientID: .some(registered.id.rawValue), permissions: permissions),
            by: seller
        )
        let submitted = try await catalog.submit(draft.id, by: seller)
        let approved = try await catalog.review(submitted.id, approve: true, reason: nil, revision: submitted.revision, by: reviewer)
        guard let client = try await clients.client(registered.id) else { throw TestPlatformError.missing("client \(registered.id)") }
        return (client, approved)
    }

    public func tenant(_ name: String = "Fabrikam", region: Region = .worldwide, by admin: Actor) async throws -> Tenant {
        try await directory.createTenant(displayName: name, region: region.rawValue, by: admin)
    }

    public func user(in tenant: Tenant, isAdmin: Bool = false, by admin: Actor) async throws -> PlatformUser {
        try await directory.createUser(
            in: tenant.id, email: "user-\(ObjectID.generate())@fabrikam.test", displayName: "Uma", password: "user password 1", isAdmin: isAdmin, by: admin
        )
    }
}

public enum TestPlatformError: Error {
    case missing(String)
}
