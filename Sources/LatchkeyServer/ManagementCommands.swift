import Foundation
import LatchkeyCore

/// What the CLI's `clients`, `secrets` and `apps` commands do: the dashboard's and the API's
/// actions, on the same core, acting as the account named by its email. Each returns what to
/// print: the API's JSON for the same action with `json`, else lines for a person.
public struct ManagementCommands: Sendable {
    let latchkey: Latchkey
    let json: Bool

    public init(latchkey: Latchkey, json: Bool) {
        self.latchkey = latchkey
        self.json = json
    }

    // MARK: Clients

    public func createClient(
        seller: String, name: String, appDomain: String, redirectURL: String, availability: String?, validityYears: Int?
    ) async throws -> String {
        let actor = try await actor(seller)
        let (client, issued) = try await latchkey.registry.create(
            .init(friendlyName: name, appDomain: appDomain, redirectURL: redirectURL, secretValidityYears: validityYears, availability: availability),
            by: actor
        )
        let response = ClientResponse(client, at: latchkey.clock(), newSecret: issued)
        return try output(response) {
            describe(response) + ["secret \(issued.secret.id) (shown once): \(issued.value)"]
        }
    }

    public func listClients(seller: String) async throws -> String {
        let actor = try await actor(seller)
        let now = latchkey.clock()
        let response = ClientListResponse(clients: try await latchkey.registry.clients(of: actor.sellerID).map { ClientResponse($0, at: now) })
        return try output(response) {
            response.clients.map { "\($0.clientId)  \($0.friendlyName)  \($0.appDomain)  \($0.secrets.count) secret(s)" }
        }
    }

    public func showClient(seller: String, id: String) async throws -> String {
        let actor = try await actor(seller)
        let response = ClientResponse(try await latchkey.registry.client(try clientID(id), of: actor.sellerID), at: latchkey.clock())
        return try output(response) { describe(response) }
    }

    public func deleteClient(seller: String, id: String) async throws -> String {
        let clientID = try clientID(id)
        try await latchkey.registry.delete(clientID, by: try await actor(seller))
        return json ? "{}" : "deleted \(clientID.rawValue)"
    }

    // MARK: Secrets

    public func addSecret(seller: String, client: String, validityYears: Int?) async throws -> String {
        let (updated, issued) = try await latchkey.registry.addSecret(to: try clientID(client), validityYears: validityYears, by: try await actor(seller))
        let now = latchkey.clock()
        let response = NewSecretResponse(issued, isSigning: updated.signingSecret(at: now)?.id == issued.secret.id, at: now)
        return try output(response) { ["secret \(issued.secret.id) (shown once): \(issued.value)", "valid until \(DisplayDate.format(issued.secret.endsAt))"] }
    }

    public func deleteSecret(seller: String, client: String, secret: String) async throws -> String {
        let updated = try await latchkey.registry.deleteSecret(secret, of: try clientID(client), by: try await actor(seller))
        let response = ClientResponse(updated, at: latchkey.clock())
        return try output(response) { ["deleted secret \(secret)"] + describe(response) }
    }

    public func makeSigning(seller: String, client: String, secret: String) async throws -> String {
        let updated = try await latchkey.registry.makeSigningSecret(secret, of: try clientID(client), by: try await actor(seller))
        let response = ClientResponse(updated, at: latchkey.clock())
        return try output(response) { describe(response) }
    }

    // MARK: Apps

    public func listApps(seller: String) async throws -> String {
        let actor = try await actor(seller)
        let apps = actor.role == .operator ? try await latchkey.catalog.reviewQueue(for: actor) : try await latchkey.catalog.apps(of: actor.sellerID)
        let response = AppListResponse(apps: apps.map(AppResponse.init))
        return try output(response) { response.apps.map { "\($0.id)  \($0.status)  revision \($0.revision)  \($0.name)  client \($0.clientId ?? "none")" } }
    }

    public func createApp(
        seller: String, name: String, description: String, markets: [String], client: String?, serverToServer: Bool,
        permissions: [String], appOnlyPermissions: [String]
    ) async throws -> String {
        let input = AppCatalog.AppInput(
            name: name, description: description, markets: markets, requiresServerToServerAuth: serverToServer, clientID: client.map { .some($0) },
            permissions: permissions, appOnlyPermissions: appOnlyPermissions
        )
        let app = try await latchkey.catalog.create(input, by: try await actor(seller))
        return try output(AppResponse(app)) { ["created app \(app.id) (\(app.status.rawValue))"] }
    }

    public func submitApp(seller: String, id: String) async throws -> String {
        let app = try await latchkey.catalog.submit(id, by: try await actor(seller))
        return try output(AppResponse(app)) { ["app \(app.id) is \(app.status.rawValue)"] }
    }

    /// `reviewer`: an operator's email. Approving names the revision the operator reviewed (as
    /// the API does): an app changed since is refused, not approved unread.
    public func reviewApp(reviewer: String, id: String, approve: Bool, reason: String?, revision: Int? = nil) async throws -> String {
        let actor = try await actor(reviewer)
        let app = try await latchkey.catalog.review(id, approve: approve, reason: reason, revision: revision, by: actor)
        return try output(AppResponse(app)) { ["app \(app.id) is \(app.status.rawValue)"] }
    }

    // MARK: The platform: tenants, users, permissions, installations (as the command line's operator)

    public func createTenant(name: String, region: String) async throws -> String {
        let tenant = try await latchkey.directory.createTenant(displayName: name, region: region, by: .commandLine)
        return try output(TenantResponse(tenant)) { [tenant.id] }
    }

    public func listTenants() async throws -> String {
        let response = TenantListResponse(tenants: try await latchkey.directory.tenants(for: .commandLine).map(TenantResponse.init))
        return try output(response) { response.tenants.map { "\($0.id)  \($0.region.rawValue)  \($0.displayName)" } }
    }

    public func createUser(tenant: String, email: String, displayName: String, password: String?, isAdmin: Bool) async throws -> String {
        let user = try await latchkey.directory.createUser(
            in: try tenantID(tenant), email: email, displayName: displayName, password: password, isAdmin: isAdmin, by: .commandLine
        )
        return try output(UserResponse(user)) { [user.id] }
    }

    public func listUsers(tenant: String) async throws -> String {
        let response = UserListResponse(users: try await latchkey.directory.users(in: try tenantID(tenant), for: .commandLine).map(UserResponse.init))
        return try output(response) { response.users.map { "\($0.id)  \($0.email)  \($0.displayName)\($0.isAdmin ? "  (admin)" : "")" } }
    }

    public func deleteUser(tenant: String, user: String) async throws -> String {
        let userID = try objectID(user, field: "user", kind: "a user's", listedBy: "users list")
        try await latchkey.directory.deleteUser(userID, in: try tenantID(tenant), by: .commandLine)
        return json ? "{}" : "deleted user \(userID)"
    }

    public func definePermission(name: String, description: String?, adminConsentRequired: Bool?, appOnly: Bool?) async throws -> String {
        let permission = try await latchkey.directory.putPermission(
            name: name, description: description, adminConsentRequired: adminConsentRequired, appOnly: appOnly, by: .commandLine
        )
        return try output(PermissionResponse(permission)) { [describe(PermissionResponse(permission))] }
    }

    public func listPermissions() async throws -> String {
        let response = PermissionListResponse(permissions: try await latchkey.directory.permissions().map(PermissionResponse.init))
        return try output(response) { response.permissions.map(describe) }
    }

    public func install(tenant: String, app: String) async throws -> String {
        let installation = try await latchkey.directory.install(appID: try appID(app), in: try tenantID(tenant), by: .commandLine)
        return try output(InstallationResponse(installation)) { ["installed app \(installation.appID) in tenant \(installation.tenantID)"] }
    }

    public func listInstallations(tenant: String) async throws -> String {
        let list = try await latchkey.directory.installations(in: try tenantID(tenant), for: .commandLine)
        let response = InstallationListResponse(installations: list.map(InstallationResponse.init))
        return try output(response) { response.installations.map { "\($0.appId)  installed \(DisplayDate.format($0.installedAt)) by \($0.installedBy)" } }
    }

    public func uninstall(tenant: String, app: String) async throws -> String {
        let appID = try appID(app)
        try await latchkey.directory.uninstall(appID: appID, from: try tenantID(tenant), by: .commandLine)
        return json ? "{}" : "removed app \(appID) from tenant \(tenant)"
    }

    public func consentAppOnly(tenant: String, app: String) async throws -> String {
        let appID = try appID(app)
        let granted = try await latchkey.directory.consentAppOnly(appID: appID, in: try tenantID(tenant), by: .commandLine)
        return try output(AppOnlyConsentResponse(appId: appID, permissions: granted)) {
            ["the tenant consented to \(granted.joined(separator: ", ")) for app \(appID)"]
        }
    }

    // MARK: Identity providers and domains

    private var callbackURL: String { latchkey.configuration.publicURL + FederatedSignIn.callbackPath }

    public func addIdentityProvider(
        tenant: String, issuer: String, clientID: String, clientSecret: String, scopes: [String]?, emailClaim: String?, nameClaim: String?,
        adminClaim: String?, adminValue: String?, allowLinking: Bool
    ) async throws -> String {
        let claims = ClaimMapping(email: emailClaim ?? "email", name: nameClaim ?? "name", adminClaim: adminClaim, adminValue: adminValue)
        let provider = try await latchkey.federation.addProvider(
            to: try tenantID(tenant), issuer: issuer, clientID: clientID, clientSecret: clientSecret, scopes: scopes, claims: claims,
            allowLinking: allowLinking, by: .commandLine
        )
        return try output(IdentityProviderResponse(provider, redirectURI: callbackURL)) {
            ["identity provider \(provider.id) for tenant \(provider.tenantID): \(provider.issuer)", "register this redirect URI at the provider: \(callbackURL)"]
        }
    }

    public func listIdentityProviders(tenant: String) async throws -> String {
        let list = try await latchkey.federation.providers(in: try tenantID(tenant), for: .commandLine)
        let response = IdentityProviderListResponse(identityProviders: list.map { IdentityProviderResponse($0, redirectURI: callbackURL) })
        return try output(response) { response.identityProviders.map { "\($0.id)  \($0.issuer)  client \($0.clientId)  scopes \($0.scopes.joined(separator: " "))" } }
    }

    public func removeIdentityProvider(tenant: String, id: String) async throws -> String {
        guard let providerID = ObjectID.canonical(id) else { throw DomainError.notFound("identity provider") }
        try await latchkey.federation.removeProvider(providerID, in: try tenantID(tenant), by: .commandLine)
        return json ? "{}" : "removed identity provider \(providerID); its users can no longer sign in"
    }

    public func addDomain(tenant: String, domain: String) async throws -> String {
        let added = try await latchkey.federation.addDomain(domain, to: try tenantID(tenant), by: .commandLine)
        return try output(DomainResponse(added)) { ["\(added.domain) belongs to tenant \(added.tenantID), verified by the operator"] }
    }

    public func listDomains(tenant: String) async throws -> String {
        let response = DomainListResponse(domains: try await latchkey.federation.domains(in: try tenantID(tenant), for: .commandLine).map(DomainResponse.init))
        return try output(response) { response.domains.map { "\($0.domain)  verified \(DisplayDate.format($0.verifiedAt))" } }
    }

    public func removeDomain(tenant: String, domain: String) async throws -> String {
        try await latchkey.federation.removeDomain(domain, from: try tenantID(tenant), by: .commandLine)
        return json ? "{}" : "removed \(domain.lowercased()) from tenant \(tenant)"
    }

    // MARK: Output

    private func actor(_ email: String) async throws -> Actor {
        guard let seller = try await latchkey.accounts.seller(email: email) else {
            throw DomainError.invalid(field: "seller", code: "unknown", message: "No account signs in with \(email); create one with `latchkey sellers create`.")
        }
        return Actor(sellerID: seller.id, name: "\(seller.email) (cli)", role: seller.role, sourceIP: nil)
    }

    private func clientID(_ text: String) throws -> ClientID {
        guard let id = ClientID(text) else {
            throw DomainError.invalid(field: "client", code: "format", message: "\(text) is not a Client ID (a GUID such as 5f0c…-…).")
        }
        return id
    }

    private func tenantID(_ text: String) throws -> String { try objectID(text, field: "tenant", kind: "a tenant's", listedBy: "tenants list") }

    private func appID(_ text: String) throws -> String { try objectID(text, field: "app", kind: "an app's", listedBy: "apps list") }

    /// A GUID the command was given, or a refusal naming the field and where to find the id.
    private func objectID(_ text: String, field: String, kind: String, listedBy command: String) throws -> String {
        guard let id = ObjectID.canonical(text) else {
            throw DomainError.invalid(field: field, code: "format", message: "\(text) is not \(kind) id (a GUID; \(command) shows them).")
        }
        return id
    }

    private func describe(_ permission: PermissionResponse) -> String {
        let traits = [permission.appOnly ? "app-only" : "delegated", permission.adminConsentRequired ? "admin consent" : nil, permission.builtIn ? "built in" : nil]
        return "\(permission.name)  (\(traits.compactMap { $0 }.joined(separator: ", ")))  \(permission.description)"
    }

    private func output(_ value: some Encodable, text: () -> [String]) throws -> String {
        json ? String(decoding: try LatchkeyRequestContext.encoder.encode(value), as: UTF8.self) : text().joined(separator: "\n")
    }

    private func describe(_ client: ClientResponse) -> [String] {
        ["\(client.clientId)  \(client.friendlyName)", "  domain \(client.appDomain), redirect \(client.redirectUrl), \(client.availability.rawValue)"]
            + client.secrets.map { "  secret \($0.id)  \($0.hint)…  \($0.status)\($0.isSigning ? ", signing" : "")  until \(DisplayDate.format($0.endsAt))" }
    }
}

extension Actor {
    /// The operator behind offline commands, for the audit log.
    public static let commandLine = Actor(sellerID: "cli", name: "cli", role: .operator, sourceIP: nil)
}
