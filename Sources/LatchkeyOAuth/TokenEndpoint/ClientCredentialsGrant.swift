import Foundation
import LatchkeyCore

/// RFC 6749 §4.4: an app obtains a token for itself. docs/seed-model.md §1: only an approved service app,
/// installed in the tenant named by `tenant`, whose admin consented to its app-only
/// permissions; the token's `roles` are those permissions.
public struct ClientCredentialsGrant: TokenGrant {
    let minter: TokenMinter
    let directory: any AuthorizationDirectory

    public init(minter: TokenMinter, directory: any AuthorizationDirectory) {
        self.minter = minter
        self.directory = directory
    }

    public var grantType: String { "client_credentials" }
    public var requiresClientAuthentication: Bool { true }

    public func handle(_ request: TokenRequest) async throws -> TokenResponse {
        guard let tenantText = try request.form.value("tenant") else {
            throw OAuthError(.invalidRequest, "tenant is missing: name the tenant (its id, the realm) whose data the app reads, as tenant=<guid>.")
        }
        let requested = Scopes.parse(try request.form.value("scope"))
        let (tenantID, roles) = try await authorize(client: request.client, tenant: tenantText)
        // RFC 6749 §3.3: a requested scope narrows the token; one not granted is refused.
        if !requested.isEmpty {
            let unknown = requested.filter { !roles.contains($0) }
            guard unknown.isEmpty else {
                throw OAuthError(.invalidScope, "\(unknown.joined(separator: " ")) \(unknown.count == 1 ? "is" : "are") not among the app-only permissions this tenant's admin consented to: \(roles.joined(separator: " ")).")
            }
            return try minter.appOnlyToken(client: request.client, tenantID: tenantID, roles: requested)
        }
        return try minter.appOnlyToken(client: request.client, tenantID: tenantID, roles: roles)
    }

    /// The tenant's id and the permissions granted to the app there, or what is missing.
    public func authorize(client: RegisteredClient, tenant tenantText: String) async throws -> (tenantID: String, roles: [String]) {
        guard let tenantID = ObjectID.canonical(tenantText) else {
            throw OAuthError(.invalidRequest, "tenant must be the tenant's id, a GUID such as 3b5d1d3b-1111-2222-3333-444455556666.")
        }
        guard let app = try await directory.approvedApp(for: client.id) else {
            throw OAuthError(.unauthorizedClient, "This Client ID belongs to no approved app: tie it to an app in the Seller Dashboard and have the app approved.")
        }
        guard app.requiresServerToServerAuth else {
            throw OAuthError(.unauthorizedClient, "The app \(app.name) is not marked as a service that requires server to server authorization.")
        }
        guard !app.appOnlyPermissions.isEmpty else {
            throw OAuthError(.unauthorizedClient, "The app \(app.name) asks for no app-only permissions, so there is nothing a token could grant.")
        }
        let access = try await directory.access(appID: app.id, tenantID: tenantID)
        guard let tenant = access.tenant else {
            throw OAuthError(.invalidRequest, "No tenant \(tenantID) exists.")
        }
        guard tenant.region.admits(client.registration.availability) else {
            throw OAuthError(.unauthorizedClient, "This Client ID is for \(client.registration.availability == .china ? "China only" : "worldwide use") and the tenant is in the \(tenant.region.rawValue) partition.")
        }
        guard access.installed else {
            throw OAuthError(.unauthorizedClient, "The app \(app.name) is not installed in this tenant: its admin installs it first.")
        }
        let missing = app.appOnlyPermissions.filter { !access.tenantConsents.contains($0) }
        guard missing.isEmpty else {
            throw OAuthError(.unauthorizedClient, "This tenant's admin has not consented to \(missing.joined(separator: " ")) for the app \(app.name).")
        }
        return (tenantID, app.appOnlyPermissions)
    }
}
