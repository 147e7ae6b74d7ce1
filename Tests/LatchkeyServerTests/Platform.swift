import Foundation
import HTTPTypes
import LatchkeyCore
import Synchronization
import Testing

/// Which tenant a test's client was enabled in.
final class TenantBook: Sendable {
    private let byClient = Mutex<[String: String]>([:])

    func tenant(of clientID: String) -> String? { byClient.withLock { $0[clientID] } }
    func record(_ tenant: String, for clientID: String) { byClient.withLock { $0[clientID] = tenant } }
}

/// An approved app with its tenant, as `API.enable` and `API.delegatedApp` leave them.
struct EnabledApp: Sendable {
    let appID: String
    let tenantID: String
    let operatorToken: String
}

extension API {
    /// An operator's API token (operators are made offline, as the CLI does).
    func operatorToken() async throws -> String {
        let seller = try await latchkey.accounts.register(
            email: "operator-\(UUID().uuidString.prefix(8).lowercased())@platform.example", displayName: "Platform review", password: nil,
            role: .operator, passwordRequired: false, sourceIP: nil
        )
        return try await latchkey.accounts.issueToken(for: seller, sourceIP: nil).value
    }

    /// What consent pages say of the permissions tests use. On PostgreSQL every test shares the
    /// permissions table: each name is always defined with the same text.
    static let permissionDescriptions = ["Calendars.Read": "Read your calendars", "Calendars.ReadWrite": "Read and change your calendars"]

    /// Defines a platform permission (PUT is idempotent, so tests on one database share it).
    func definePermission(_ name: String, operatorToken: String, appOnly: Bool = false, adminConsentRequired: Bool = false) async throws {
        let description = Self.permissionDescriptions[name] ?? "Read \(name)"
        let reply = try await send(
            .put, "/api/v1/permissions/\(name)", token: operatorToken,
            json: ["description": description, "appOnly": appOnly, "adminConsentRequired": adminConsentRequired]
        )
        #expect(reply.status == .ok, "\(reply.body)")
    }

    /// Creates, submits and approves an app tied to the client.
    func approvedApp(
        clientID: String, sellerToken: String, operatorToken: String, serviceApp: Bool = true, china: Bool = false,
        permissions: [String] = [], appOnlyPermissions: [String] = []
    ) async throws -> String {
        let created = try await send(.post, "/api/v1/apps", token: sellerToken, json: [
            "name": "Trip Calendar", "description": "Your trips on your calendar.", "markets": china ? ["CN"] : ["US", "FR"],
            "requiresServerToServerAuth": serviceApp, "clientId": clientID, "permissions": permissions, "appOnlyPermissions": appOnlyPermissions,
        ])
        #expect(created.status == .created, "\(created.body)")
        let appID = try #require(created.string("id"))
        let submitted = try await send(.post, "/api/v1/apps/\(appID)/submit", token: sellerToken)
        #expect(submitted.status == .ok)
        let approved = try await send(.post, "/api/v1/apps/\(appID)/approve", token: operatorToken, json: ["revision": submitted["revision"] as? Int ?? 0])
        #expect(approved.status == .ok, "\(approved.body)")
        return appID
    }

    func newTenant(operatorToken: String, region: String = "worldwide") async throws -> String {
        let reply = try await send(.post, "/api/v1/tenants", token: operatorToken, json: ["displayName": "Fabrikam", "region": region])
        #expect(reply.status == .created, "\(reply.body)")
        return try #require(reply.string("id"))
    }

    func install(_ appID: String, in tenantID: String, operatorToken: String) async throws {
        let reply = try await send(.post, "/api/v1/tenants/\(tenantID)/installations", token: operatorToken, json: ["appId": appID])
        #expect(reply.status == .created, "\(reply.body)")
    }

    /// docs/seed-model.md §1: what a client needs before client credentials give it a token — an approved
    /// service app, installed in a tenant whose admin consented to its app-only permission.
    @discardableResult
    func enable(_ clientID: String, sellerToken: String, china: Bool = false) async throws -> EnabledApp {
        let operatorToken = try await operatorToken()
        try await definePermission("Calendars.Read.All", operatorToken: operatorToken, appOnly: true)
        let appID = try await approvedApp(clientID: clientID, sellerToken: sellerToken, operatorToken: operatorToken, china: china, appOnlyPermissions: ["Calendars.Read.All"])
        let tenantID = try await newTenant(operatorToken: operatorToken, region: china ? "china" : "worldwide")
        try await install(appID, in: tenantID, operatorToken: operatorToken)
        let consent = try await send(.post, "/api/v1/tenants/\(tenantID)/installations/\(appID)/app-only-consent", token: operatorToken)
        #expect(consent.status == .ok, "\(consent.body)")
        tenants.record(tenantID, for: clientID.lowercased())
        return EnabledApp(appID: appID, tenantID: tenantID, operatorToken: operatorToken)
    }
}

/// The trip-calendar story's cast: a seller's approved app asking for delegated permissions,
/// installed in a tenant with a user and an admin.
struct DelegatedApp: Sendable {
    let sellerToken: String
    let operatorToken: String
    let clientID: String
    let secret: String
    let appID: String
    let tenantID: String
    let userEmail: String
    let adminEmail: String
    let password = "a long user password"
    var redirectURI = "https://app.contoso.com/auth"

    var basic: String { "Basic " + Data("\(clientID):\(secret)".utf8).base64EncodedString() }

    /// An authorization request URL with PKCE.
    func authorizeURL(scope: String = "openid profile email offline_access Calendars.Read", pkce: PKCE? = PKCE(), extra: [(String, String)] = []) -> String {
        var items = [("response_type", "code"), ("client_id", clientID), ("redirect_uri", redirectURI), ("scope", scope), ("state", "s-123"), ("nonce", "n-456")]
        if let pkce { items += [("code_challenge", pkce.challenge), ("code_challenge_method", "S256")] }
        items += extra
        return "/oauth2/authorize?" + items.map { "\($0.0)=\(BrowserSession.encode($0.1))" }.joined(separator: "&")
    }
}

extension API {
    func delegatedApp(clientFields: [String: any Sendable] = [:], region: String = "worldwide") async throws -> DelegatedApp {
        let (sellerToken, _) = try await newSeller()
        let operatorToken = try await operatorToken()
        try await definePermission("Calendars.Read", operatorToken: operatorToken)
        try await definePermission("Calendars.ReadWrite", operatorToken: operatorToken, adminConsentRequired: true)
        let (clientID, secret, _) = try await newClient(token: sellerToken, clientFields)
        let appID = try await approvedApp(
            clientID: clientID, sellerToken: sellerToken, operatorToken: operatorToken, serviceApp: true, china: region == "china",
            permissions: ["Calendars.Read", "Calendars.ReadWrite"]
        )
        let tenantID = try await newTenant(operatorToken: operatorToken, region: region)
        try await install(appID, in: tenantID, operatorToken: operatorToken)
        let app = DelegatedApp(
            sellerToken: sellerToken, operatorToken: operatorToken, clientID: clientID, secret: secret, appID: appID, tenantID: tenantID,
            userEmail: "user-\(UUID().uuidString.prefix(8).lowercased())@fabrikam.example", adminEmail: "admin-\(UUID().uuidString.prefix(8).lowercased())@fabrikam.example"
        )
        try await newUser(in: tenantID, email: app.userEmail, password: app.password, operatorToken: operatorToken)
        try await newUser(in: tenantID, email: app.adminEmail, password: app.password, admin: true, operatorToken: operatorToken)
        return app
    }

    @discardableResult
    func newUser(in tenantID: String, email: String, password: String, admin: Bool = false, operatorToken: String) async throws -> String {
        let reply = try await send(.post, "/api/v1/tenants/\(tenantID)/users", token: operatorToken, json: [
            "email": email, "displayName": admin ? "Ada Admin" : "Uma User", "password": password, "isAdmin": admin,
        ])
        #expect(reply.status == .created, "\(reply.body)")
        return try #require(reply.string("id"))
    }

    /// The token endpoint with the app's credentials.
    func tokenRequest(_ app: DelegatedApp, _ fields: [(String, String)]) async throws -> Reply {
        try await send(
            .post, "/oauth2/token", body: fields.map { "\($0.0)=\(BrowserSession.encode($0.1))" }.joined(separator: "&"),
            headers: [.authorization: app.basic, .contentType: "application/x-www-form-urlencoded"]
        )
    }

    func introspect(_ token: String, as app: DelegatedApp) async throws -> Reply {
        try await send(.post, "/oauth2/introspect", body: "token=\(BrowserSession.encode(token))", headers: [.authorization: app.basic, .contentType: "application/x-www-form-urlencoded"])
    }
}

extension API {
    /// The user of `browser` (signed in) allows `scope` to the app if asked, and the app redeems
    /// the code with PKCE: the token response.
    func consentAndRedeem(_ app: DelegatedApp, browser: BrowserSession, scope: String) async throws -> Reply {
        let pkce = PKCE()
        var page = try await browser.get(app.authorizeURL(scope: scope, pkce: pkce))
        if page.status == .ok {
            page = try await browser.post("/oauth2/authorize", BrowserSession.hiddenFields(in: page.body, action: "/oauth2/authorize") + [("decision", "allow")])
        }
        let code = try #require(queryItems(page.headers[.location])["code"], "\(page.status) \(page.body.prefix(300))")
        let reply = try await tokenRequest(app, [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", app.redirectURI), ("code_verifier", pkce.verifier)])
        #expect(reply.status == .ok, "\(reply.body)")
        return reply
    }
}
