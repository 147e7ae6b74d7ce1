import Foundation
import LatchkeyCore

/// The protocol endpoints' view of apps, tenants and consents over the stores: the token path's
/// reads come from caches that change notices clear (see `LoadingCache`). Kept in this module so
/// that the caches' generic code is specialized here.
public final class CachedAuthorizationDirectory: AuthorizationDirectory {
    private let apps: any AppStore
    private let tenants: any TenantStore
    private let consents: any ConsentStore
    private let appsByClient: LoadingCache<ClientID, AppListing?>
    private let appsByID: LoadingCache<String, AppListing?>
    private let tenantAccess: LoadingCache<TenantApp, TenantAccess>
    private let users: LoadingCache<String, PlatformUser?>
    private let userConsents: LoadingCache<UserApp, Set<String>>

    struct TenantApp: Hashable, Sendable {
        let appID: String
        let tenantID: String
    }

    struct UserApp: Hashable, Sendable {
        let appID: String
        let tenantID: String
        let userID: String
    }

    public init(apps: any AppStore, tenants: any TenantStore, consents: any ConsentStore, lifetime: CacheLifetime) {
        self.apps = apps
        self.tenants = tenants
        self.consents = consents
        self.appsByClient = LoadingCache(lifetime: lifetime) { try await apps.approvedApp(using: $0) }
        self.appsByID = LoadingCache(lifetime: lifetime) { id in try await apps.app(id, ownedBy: nil).flatMap { $0.status == .approved ? $0 : nil } }
        self.tenantAccess = LoadingCache(lifetime: lifetime) { key in
            guard let tenant = try await tenants.tenant(key.tenantID) else { return TenantAccess(tenant: nil, installed: false, tenantConsents: []) }
            return TenantAccess(
                tenant: tenant, installed: try await consents.isInstalled(appID: key.appID, in: key.tenantID),
                tenantConsents: try await consents.consentedPermissions(appID: key.appID, tenantID: key.tenantID, userID: nil)
            )
        }
        self.users = LoadingCache(lifetime: lifetime) { try await tenants.user($0) }
        self.userConsents = LoadingCache(lifetime: lifetime) { key in
            try await consents.consentedPermissions(appID: key.appID, tenantID: key.tenantID, userID: key.userID)
        }
    }

    public func approvedApp(for client: ClientID) async throws -> AppListing? {
        try await appsByClient.value(for: client)
    }

    public func approvedApp(id: String) async throws -> AppListing? {
        try await appsByID.value(for: id)
    }

    public func access(appID: String, tenantID: String) async throws -> TenantAccess {
        try await tenantAccess.value(for: TenantApp(appID: appID, tenantID: tenantID))
    }

    public func user(_ id: String) async throws -> PlatformUser? {
        try await users.value(for: id)
    }

    public func consentedPermissions(appID: String, tenantID: String, userID: String) async throws -> Set<String> {
        try await userConsents.value(for: UserApp(appID: appID, tenantID: tenantID, userID: userID))
    }

    /// Drops exactly what a change notice makes stale.
    public func apply(_ notice: ChangeNotice) {
        switch notice {
        case .client(let id):
            // The Client ID's app, or one detached from it.
            appsByClient.invalidate(id)
            appsByID.invalidate { _, app in app?.clientID == id }
        case .app(let id):
            // The app may have left or joined a Client ID: drop its entries and the unknown ones.
            appsByClient.invalidate { _, app in app == nil || app?.id == id }
            appsByID.invalidate(id)
            tenantAccess.invalidate { key, _ in key.appID == id }
            userConsents.invalidate { key, _ in key.appID == id }
        case .grant(let appID, let tenantID, let userID?):
            userConsents.invalidate(UserApp(appID: appID, tenantID: tenantID, userID: userID))
        case .grant(let appID, let tenantID, nil):
            // Installations and tenant-wide consents; uninstalling also ends users' consents.
            tenantAccess.invalidate(TenantApp(appID: appID, tenantID: tenantID))
            userConsents.invalidate { key, _ in key.appID == appID && key.tenantID == tenantID }
        case .user(let id):
            users.invalidate(id)
            userConsents.invalidate { key, _ in key.userID == id }
        case .everything:
            appsByClient.invalidateAll()
            appsByID.invalidateAll()
            tenantAccess.invalidateAll()
            users.invalidateAll()
            userConsents.invalidateAll()
        case .session, .signingKeys, .accessTokenRevoked, .revocation:
            break
        }
    }

    /// Hits and misses of all five caches together.
    public var statistics: (hits: UInt64, misses: UInt64) {
        let all = [appsByClient.statistics, appsByID.statistics, tenantAccess.statistics, users.statistics, userConsents.statistics]
        return all.reduce((0, 0)) { ($0.0 &+ $1.hits, $0.1 &+ $1.misses) }
    }
}
