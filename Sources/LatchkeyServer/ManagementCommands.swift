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
        return try output(response) { response.apps.map { "\($0.id)  \($0.status)  \($0.name)  client \($0.clientId ?? "none")" } }
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

    /// `reviewer`: an operator's email.
    /// Approving without `revision` approves the revision the app has now, which the command
    /// prints: at a terminal, the operator names the app they just read.
    public func reviewApp(reviewer: String, id: String, approve: Bool, reason: String?, revision: Int? = nil) async throws -> String {
        let actor = try await actor(reviewer)
        var revision = revision
        if approve && revision == nil { revision = try await latchkey.catalog.app(id, of: actor).revision }
        let app = try await latchkey.catalog.review(id, approve: approve, reason: reason, revision: revision, by: actor)
        return try output(AppResponse(app)) { ["app \(app.id) is \(app.status.rawValue)"] }
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

    private func output(_ value: some Encodable, text: () -> [String]) throws -> String {
        json ? String(decoding: try LatchkeyRequestContext.encoder.encode(value), as: UTF8.self) : text().joined(separator: "\n")
    }

    private func describe(_ client: ClientResponse) -> [String] {
        ["\(client.clientId)  \(client.friendlyName)", "  domain \(client.appDomain), redirect \(client.redirectUrl), \(client.availability.rawValue)"]
            + client.secrets.map { "  secret \($0.id)  \($0.hint)…  \($0.status)\($0.isSigning ? ", signing" : "")  until \(DisplayDate.format($0.endsAt))" }
    }
}
