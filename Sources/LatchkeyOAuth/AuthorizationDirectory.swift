import Foundation
import LatchkeyCore

/// What a tenant has granted an app: the protocol endpoints' view of installations and the
/// admin's tenant-wide consents.
public struct TenantAccess: Sendable {
    public let tenant: Tenant?
    public let installed: Bool
    /// Permissions an admin consented to for everyone in the tenant.
    public let tenantConsents: Set<String>

    public init(tenant: Tenant?, installed: Bool, tenantConsents: Set<String>) {
        self.tenant = tenant
        self.installed = installed
        self.tenantConsents = tenantConsents
    }
}

/// Apps, tenants, users and consents as the protocol endpoints read them; implemented over the
/// stores, with caches where the token path reads.
public protocol AuthorizationDirectory: Sendable {
    /// The approved app using the Client ID (docs/seed-model.md §1: only then can it obtain tokens).
    func approvedApp(for client: ClientID) async throws -> AppListing?
    /// The app with this id, if approved.
    func approvedApp(id: String) async throws -> AppListing?
    func access(appID: String, tenantID: String) async throws -> TenantAccess
    func user(_ id: String) async throws -> PlatformUser?
    /// The user's own and the tenant's consents to the app.
    func consentedPermissions(appID: String, tenantID: String, userID: String) async throws -> Set<String>
}

extension AuthorizationDirectory {
    /// docs/seed-model.md §1: a delegated token needs an approved app, installed in the user's tenant (whose
    /// region admits the Client ID), and the scopes still consented. Throws what is missing.
    func checkDelegatedGrant(client: RegisteredClient, appID: String, userID: String, tenantID: String, scopes: [String]) async throws -> (AppListing, PlatformUser) {
        guard let app = try await approvedApp(for: client.id), app.id == appID else {
            throw OAuthError(.invalidGrant, "The app this grant was issued to is no longer approved.")
        }
        guard let user = try await user(userID), user.tenantID == tenantID else {
            throw OAuthError(.invalidGrant, "The user this grant was issued for no longer exists.")
        }
        let access = try await access(appID: app.id, tenantID: tenantID)
        guard access.installed, access.tenant?.region.admits(client.registration.availability) == true else {
            throw OAuthError(.invalidGrant, "The app is no longer installed in the user's organization.")
        }
        let consented = try await consentedPermissions(appID: app.id, tenantID: tenantID, userID: userID)
        guard Set(scopes).isSubset(of: consented) else {
            throw OAuthError(.invalidGrant, "The consent this grant was issued under has been revoked.")
        }
        return (app, user)
    }
}
