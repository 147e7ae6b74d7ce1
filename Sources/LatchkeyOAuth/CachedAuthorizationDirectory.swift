import Foundation
import LatchkeyCore

/// The protocol endpoints' view of apps, tenants and consents over the stores: the token path's
/// reads come from caches that every change through this node clears (and that expire like the
/// client cache). Kept in this module so that the caches' generic code is specialized here.
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

    public init(apps: any AppStore, tenants: any TenantStore, consents: any ConsentStore, timeToLive: Duration) {
        self.apps = apps
        self.tenants = tenants
        self.consents = consents
        self.appsByClient = LoadingCache(timeToLive: timeToLive) { try await apps.approvedApp(using: $0) }
        self.appsByID = LoadingCache(timeToLive: timeToLive) { id in try await apps.app(id, ownedBy: nil).flatMap { $0.status == .approved ? $0 : nil } }
        self.tenantAccess = LoadingCache(timeToLive: timeToLive) { key in
            guard let tenant = try await tenants.tenant(key.tenantID) else { return TenantAccess(tenant: nil, installed: false, tenantConsents: []) }
            return TenantAccess(
                tenant: tenant, installed: try await consents.isInstalled(appID: key.appID, in: key.tenantID),
                tenantConsents: try await consents.consentedPermissions(appID: key.appID, tenantID: key.tenantID, userID: nil)
            )
        }
        self.users = LoadingCache(timeToLive: timeToLive) { try await tenants.user($0) }
        self.userConsents = LoadingCache(timeToLive: timeToLive) { key in
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

    public func clientChanged(_ id: ClientID) {
        appsByClient.invalidate(id)
    }

    public func appChanged(_ app: AppListing) {
        // The app may have left or joined a Client ID: drop what any client maps to.
        appsByClient.invalidateAll()
        appsByID.invalidate(app.id)
        tenantAccess.invalidateAll()
    }

    /// A consent, installation or user changed: what was read of any of them is read again.
    public func grantsChanged() {
        tenantAccess.invalidateAll()
        userConsents.invalidateAll()
        users.invalidateAll()
    }
}
