import Foundation
import HTTPTypes
import LatchkeyCore
import LatchkeyServer
import LatchkeyStorage
import Logging
import Testing

/// Every route the server answers × who asks: the seller who owns the objects, another seller,
/// an operator, a platform user of the tenant the app is installed in, the admin of another
/// tenant, an anonymous visitor, and the owner once their token and session have expired. One
/// table says what each may do; a route added without a row fails the test.
@Suite("Authorization matrix")
struct AuthorizationMatrixTests {
    enum Principal: String, CaseIterable, Sendable {
        case owner, otherSeller, operatorSeller, tenantUser, otherTenantAdmin, anonymous, expired
    }

    /// What a principal gets: served (allowed, whatever the handler then says), sent to sign in
    /// (401, or a redirect to a sign-in page), refused (403), not shown (404), or the form's
    /// CSRF check failed (403 before any handler: no session to hold a token).
    enum Outcome: String, Sendable {
        case served, signIn, forbidden, hidden, formExpired
    }

    /// The kinds of route, each with its expected outcomes.
    enum Kind: Sendable {
        /// Anyone: health, discovery, assets, the OpenAPI document, sign-up and sign-in.
        case open
        /// Sign-in and sign-out forms: anyone with a session (a CSRF token).
        case form
        /// Authenticated by client credentials or a user's access token, not by a seller or
        /// a session: the protocol suites attack these.
        case protocolEndpoint
        /// A seller's own (token, webhook, clients list); the object kind: one the owner holds.
        case sellerAPI, sellerObjectAPI
        /// A seller's app: operators read it too (to review it).
        case appAPI
        /// Operators only; the tenant kind: owner-scoped to the tenant, so sellers find none.
        case operatorAPI, tenantAPI
        case sellerPage, sellerObjectPage, operatorPage
        /// A platform user's own; the tenant's (admins); one app of the tenant's (admins).
        case accountPage, adminPage, adminObjectPage

        func expected(_ principal: Principal, method: HTTPRequest.Method) -> Outcome? {
            let post = method == .post
            // Without a live session a form's CSRF token cannot match (the expired principal
            // replays the token its session had).
            let noSession: Outcome = principal == .expired && post ? .formExpired : .signIn
            switch self {
            case .protocolEndpoint:
                return nil
            case .open:
                return .served
            case .form:
                return principal == .expired && post ? .formExpired : .served
            case .sellerAPI, .sellerObjectAPI, .appAPI, .operatorAPI, .tenantAPI:
                switch principal {
                case .owner: return [.operatorAPI].contains(self) ? .forbidden : self == .tenantAPI ? .hidden : .served
                case .otherSeller: return self == .sellerAPI ? .served : self == .operatorAPI ? .forbidden : .hidden
                case .operatorSeller: return self == .sellerObjectAPI ? .hidden : .served
                case .tenantUser, .otherTenantAdmin, .anonymous, .expired: return .signIn
                }
            case .sellerPage, .sellerObjectPage, .operatorPage:
                switch principal {
                case .owner: return self == .operatorPage ? .forbidden : .served
                case .otherSeller: return self == .sellerPage ? .served : self == .operatorPage ? .forbidden : .hidden
                case .operatorSeller: return self == .sellerObjectPage ? .hidden : .served
                case .tenantUser, .otherTenantAdmin: return .signIn
                case .anonymous, .expired: return noSession
                }
            case .accountPage, .adminPage, .adminObjectPage:
                switch principal {
                case .owner, .otherSeller, .operatorSeller: return .signIn
                case .tenantUser: return self == .accountPage ? .served : .forbidden
                case .otherTenantAdmin: return self == .adminObjectPage ? .hidden : .served
                case .anonymous, .expired: return noSession
                }
            }
        }
    }

    /// Rows whose outcome for one principal differs from their kind's, and why.
    static let exceptions: [String: [Principal: Outcome]] = [
        // The other tenant's admin has no consent of their own to the app to revoke.
        "POST /account/consents/{appId}/revoke": [.otherTenantAdmin: .hidden],
        // The app is not installed in the other admin's tenant: refused, in words, on the page.
        "GET /apps/{appId}/launch": [.otherTenantAdmin: .forbidden],
        "POST /apps/{appId}/launch": [.otherTenantAdmin: .forbidden],
        "GET /_layouts/15/AppRedirect.aspx": [.otherTenantAdmin: .forbidden],
        // Consenting for an app not installed in the admin's own tenant: a field error, shown
        // on the organization page (the app's tenant is untouched: checked below).
        "POST /account/organization/apps/{appId}/consent": [.otherTenantAdmin: .served],
        // Sign-in with nothing filled in says so with 401; signing out sends to sign in.
        "POST /api/v1/tokens": Dictionary(uniqueKeysWithValues: Principal.allCases.map { ($0, .signIn) }),
        "POST /dashboard/signin": [.owner: .signIn, .otherSeller: .signIn, .operatorSeller: .signIn, .tenantUser: .signIn, .otherTenantAdmin: .signIn, .anonymous: .signIn],
        "POST /signin": [.owner: .signIn, .otherSeller: .signIn, .operatorSeller: .signIn, .tenantUser: .signIn, .otherTenantAdmin: .signIn, .anonymous: .signIn],
        "POST /dashboard/signout": [.owner: .signIn, .otherSeller: .signIn, .operatorSeller: .signIn, .tenantUser: .signIn, .otherTenantAdmin: .signIn, .anonymous: .signIn],
        "POST /signout": [.owner: .signIn, .otherSeller: .signIn, .operatorSeller: .signIn, .tenantUser: .signIn, .otherTenantAdmin: .signIn, .anonymous: .signIn],
    ]

    /// One row per route. Adding a route means adding its row here.
    static let table: [String: Kind] = [
        "GET /.well-known/jwks.json": .open,
        "GET /.well-known/oauth-authorization-server": .open,
        "GET /.well-known/openid-configuration": .open,
        "GET /metadata/json/1": .open,
        "GET /": .open,
        "GET /healthz": .open,
        "GET /readyz": .open,
        "GET /metrics": .open,
        "GET /api/v1/openapi.json": .open,
        "POST /api/v1/sellers": .open,
        "POST /api/v1/tokens": .open,
        "GET /dashboard/assets/dashboard.css": .open,
        "GET /dashboard/assets/dashboard.js": .open,
        "GET /dashboard/signin": .open,
        "GET /dashboard/signup": .open,
        "GET /signin": .open,
        "POST /dashboard/signin": .form,
        "POST /dashboard/signup": .form,
        "POST /dashboard/signout": .form,
        "POST /signin": .form,
        "POST /signout": .form,
        // Without a sign-in under way in the session: a page that says so (400), for anyone.
        "GET /signin/federated/callback": .open,
        // RP-Initiated Logout: anyone may ask (the page asks the user first without a hint of
        // theirs); other sites post it, so it takes no CSRF token. The answer to the question does.
        "GET /oauth2/logout": .open,
        "POST /oauth2/logout": .open,
        "POST /oauth2/logout/confirm": .form,
        // Back from a provider's sign-out: without one under way, the signed-out page.
        "GET /signout/federated/done": .open,

        "POST /oauth2/token": .protocolEndpoint,
        "POST /oauth2/introspect": .protocolEndpoint,
        "POST /oauth2/revoke": .protocolEndpoint,
        "GET /oauth2/revocations": .protocolEndpoint,
        "GET /oauth2/userinfo": .protocolEndpoint,
        "POST /oauth2/userinfo": .protocolEndpoint,
        "GET /oauth2/authorize": .protocolEndpoint,
        "POST /oauth2/authorize": .protocolEndpoint,
        "POST /tokens/OAuth/2": .protocolEndpoint,
        "POST /{realm}/tokens/OAuth/2": .protocolEndpoint,
        "GET /api/v1/me/consents": .protocolEndpoint,
        "DELETE /api/v1/me/consents/{appId}": .protocolEndpoint,

        "GET /api/v1/sellers/me": .sellerAPI,
        "GET /api/v1/tokens": .sellerAPI,
        "DELETE /api/v1/tokens": .sellerAPI,
        "DELETE /api/v1/tokens/current": .sellerAPI,
        "DELETE /api/v1/tokens/{tokenId}": .sellerObjectAPI,
        "GET /api/v1/sellers/me/webhook": .sellerAPI,
        "PUT /api/v1/sellers/me/webhook": .sellerAPI,
        "DELETE /api/v1/sellers/me/webhook": .sellerAPI,
        "GET /api/v1/sellers/me/webhook/deliveries": .sellerAPI,
        "GET /api/v1/audit": .sellerAPI,
        "GET /api/v1/permissions": .sellerAPI,
        "GET /api/v1/clients": .sellerAPI,
        "POST /api/v1/clients": .sellerAPI,
        "GET /api/v1/clients/{clientId}": .sellerObjectAPI,
        "PATCH /api/v1/clients/{clientId}": .sellerObjectAPI,
        "DELETE /api/v1/clients/{clientId}": .sellerObjectAPI,
        "POST /api/v1/clients/{clientId}/secrets": .sellerObjectAPI,
        "DELETE /api/v1/clients/{clientId}/secrets/{secretId}": .sellerObjectAPI,
        "PUT /api/v1/clients/{clientId}/signing-secret": .sellerObjectAPI,
        "GET /api/v1/apps": .sellerAPI,
        "POST /api/v1/apps": .sellerAPI,
        "GET /api/v1/apps/{appId}": .appAPI,
        "PATCH /api/v1/apps/{appId}": .sellerObjectAPI,
        "DELETE /api/v1/apps/{appId}": .sellerObjectAPI,
        "POST /api/v1/apps/{appId}/submit": .sellerObjectAPI,
        "GET /api/v1/apps/{appId}/event-deliveries": .sellerObjectAPI,
        "POST /api/v1/apps/{appId}/approve": .operatorAPI,
        "POST /api/v1/apps/{appId}/reject": .operatorAPI,
        "GET /api/v1/review/apps": .operatorAPI,
        "PUT /api/v1/permissions/{name}": .operatorAPI,
        "GET /api/v1/tenants": .operatorAPI,
        "POST /api/v1/tenants": .operatorAPI,
        "GET /api/v1/tenants/{tenantId}": .tenantAPI,
        "GET /api/v1/tenants/{tenantId}/audit": .tenantAPI,
        "GET /api/v1/tenants/{tenantId}/consents": .tenantAPI,
        "DELETE /api/v1/tenants/{tenantId}/consents/{appId}": .tenantAPI,
        "GET /api/v1/tenants/{tenantId}/installations": .tenantAPI,
        "POST /api/v1/tenants/{tenantId}/installations": .tenantAPI,
        "DELETE /api/v1/tenants/{tenantId}/installations/{appId}": .tenantAPI,
        "POST /api/v1/tenants/{tenantId}/installations/{appId}/app-only-consent": .tenantAPI,
        "GET /api/v1/tenants/{tenantId}/users": .tenantAPI,
        "POST /api/v1/tenants/{tenantId}/users": .operatorAPI,
        "GET /api/v1/tenants/{tenantId}/identity-providers": .tenantAPI,
        "POST /api/v1/tenants/{tenantId}/identity-providers": .tenantAPI,
        "GET /api/v1/tenants/{tenantId}/identity-providers/{providerId}": .tenantAPI,
        "PATCH /api/v1/tenants/{tenantId}/identity-providers/{providerId}": .tenantAPI,
        "DELETE /api/v1/tenants/{tenantId}/identity-providers/{providerId}": .tenantAPI,
        "GET /api/v1/tenants/{tenantId}/domains": .tenantAPI,
        "POST /api/v1/tenants/{tenantId}/domains": .tenantAPI,
        "GET /api/v1/tenants/{tenantId}/domains/{domain}": .tenantAPI,
        "DELETE /api/v1/tenants/{tenantId}/domains/{domain}": .tenantAPI,
        "DELETE /api/v1/tenants/{tenantId}/users/{userId}": .operatorAPI,

        "GET /dashboard": .sellerPage,
        "GET /dashboard/clients": .sellerPage,
        "GET /dashboard/clients/new": .sellerPage,
        "POST /dashboard/clients/new": .sellerPage,
        "GET /dashboard/clients/{clientId}": .sellerObjectPage,
        "POST /dashboard/clients/{clientId}": .sellerObjectPage,
        "POST /dashboard/clients/{clientId}/delete": .sellerObjectPage,
        "GET /dashboard/clients/{clientId}/secrets/new": .sellerObjectPage,
        "POST /dashboard/clients/{clientId}/secrets/new": .sellerObjectPage,
        "POST /dashboard/clients/{clientId}/secrets/{secretId}/delete": .sellerObjectPage,
        "POST /dashboard/clients/{clientId}/secrets/{secretId}/signing": .sellerObjectPage,
        "GET /dashboard/apps": .sellerPage,
        "GET /dashboard/apps/new": .sellerPage,
        "POST /dashboard/apps/new": .sellerPage,
        "GET /dashboard/apps/{appId}": .sellerObjectPage,
        "POST /dashboard/apps/{appId}": .sellerObjectPage,
        "POST /dashboard/apps/{appId}/delete": .sellerObjectPage,
        "POST /dashboard/apps/{appId}/submit": .sellerObjectPage,
        "GET /dashboard/activity": .sellerPage,
        "GET /dashboard/notices": .sellerPage,
        "POST /dashboard/notices": .sellerPage,
        "POST /dashboard/notices/remove": .sellerPage,
        "GET /dashboard/tokens": .sellerPage,
        "POST /dashboard/tokens/revoke-all": .sellerPage,
        "POST /dashboard/tokens/{tokenId}/revoke": .sellerObjectPage,
        "GET /dashboard/review": .operatorPage,
        "POST /dashboard/review/{appId}/approve": .operatorPage,
        "POST /dashboard/review/{appId}/reject": .operatorPage,

        "GET /account": .accountPage,
        "POST /account/consents/{appId}/revoke": .accountPage,
        "GET /apps/{appId}/launch": .accountPage,
        "POST /apps/{appId}/launch": .accountPage,
        "GET /_layouts/15/AppRedirect.aspx": .accountPage,
        "GET /account/organization": .adminPage,
        "POST /account/organization/install": .adminPage,
        "POST /account/organization/apps/{appId}/consent": .adminObjectPage,
        "POST /account/organization/apps/{appId}/revoke": .adminObjectPage,
        "POST /account/organization/apps/{appId}/uninstall": .adminObjectPage,
        "POST /account/organization/identity-providers": .adminPage,
        "POST /account/organization/identity-providers/{providerId}/remove": .adminObjectPage,
    ]

    /// Who asks: an API token and a page session (either may be missing).
    struct Credentials {
        var token: String?
        var session: BrowserSession?
        /// The CSRF token forms are posted with.
        var csrf: String = ""
    }

    @Test func everyRouteHasARowAndEveryRowHolds() async throws {
        try await Harness().run { api, clock in
            let routes = Set(try await routeDescriptions(api.latchkey, logger: Logger(label: "routes")).map {
                $0.replacing(/:([A-Za-z]+)/) { "{\($0.1)}" }
            })
            #expect(routes.subtracting(Self.table.keys).sorted() == [], "routes without a row in the matrix")
            #expect(Set(Self.table.keys).subtracting(routes).sorted() == [], "rows for routes that no longer exist")

            let world = try await World.make(api)
            var failures: [String] = []
            var checked = 0
            // The expired principal last: its check moves the clock past every token and session.
            for principal in Principal.allCases {
                if principal == .expired {
                    try await world.prepareExpired()
                    clock.advance(by: 2 * 86_400)
                    try await world.refreshTokens()
                }
                for (route, kind) in Self.table.sorted(by: { $0.key < $1.key }) {
                    let parts = route.split(separator: " ", maxSplits: 1)
                    let method = HTTPRequest.Method(String(parts[0]))!
                    guard let expected = Self.exceptions[route]?[principal] ?? kind.expected(principal, method: method) else { continue }
                    let credentials = try await world.credentials(principal)
                    let path = try await world.path(String(parts[1]), for: principal, credentials: credentials, destructive: Self.isDestructive(route))
                    // A refused write leaves the owner's object as it was, to the byte: a
                    // handler that changed it and then answered 404 would pass on status alone.
                    let guarded = method != .get && expected != .served ? try await world.ownerView(of: path) : nil
                    let reply = try await world.send(method, path, as: credentials, api: api)
                    let actual = Self.outcome(reply)
                    if let guarded, actual != .served, try await world.ownerView(of: path) != guarded {
                        failures.append("\(route) as \(principal.rawValue): refused (\(reply.status.code)) but the owner's object changed")
                    }
                    checked += 1
                    // On PostgreSQL a webhook left behind would draw every later run's expiry
                    // notices (its sellers' secrets end in the events tests' future).
                    if path.hasPrefix("/api/v1/sellers/me/webhook"), let token = credentials.token {
                        _ = try await api.send(.delete, "/api/v1/sellers/me/webhook", token: token)
                    }
                    if reply.status.code >= 500 || actual != expected {
                        failures.append("\(route) as \(principal.rawValue): expected \(expected.rawValue), got \(actual.rawValue) (\(reply.status.code))")
                    }
                }
            }
            #expect(failures == [], "\(failures.joined(separator: "\n"))")
            #expect(checked > 500)
            // What the others tried left the owner's app installed and consented in its tenant.
            try await world.refreshTokens()
            let installed = try await api.send(.get, "/api/v1/tenants/\(world.tenantID)/installations", token: world.operatorToken)
            #expect((installed["installations"] as? [[String: Any]])?.contains { $0["appId"] as? String == world.appID } == true)
            let consents = try await api.send(.get, "/api/v1/tenants/\(world.tenantID)/consents", token: world.operatorToken)
            #expect(consents.body.contains(world.appID))
        }
    }

    /// Routes that delete or revoke what they name: each check gets objects of its own.
    static func isDestructive(_ route: String) -> Bool {
        route.hasPrefix("DELETE ") || ["/delete", "/revoke", "/uninstall", "/remove", "/revoke-all", "/signout"].contains { route.hasSuffix($0) }
    }

    static func outcome(_ reply: Reply) -> Outcome {
        let location = reply.headers[.location] ?? ""
        if reply.status == .unauthorized || ((300..<400).contains(reply.status.code) && (location.hasPrefix("/dashboard/signin") || location.hasPrefix("/signin"))) {
            return .signIn
        }
        if reply.status == .forbidden { return reply.body.contains("This form has expired") ? .formExpired : .forbidden }
        if reply.status == .notFound { return .hidden }
        return .served
    }
}

/// The objects the matrix names, owned by the seller `owner`, and everyone's credentials.
final class World: @unchecked Sendable {
    // Used by one test task at a time.
    let api: API
    let ownerEmail: String
    var ownerToken: String
    let otherEmail: String
    let operatorEmail = "ops-\(UUID().uuidString.prefix(8).lowercased())@platform.example"
    var operatorToken = ""
    let clientID: String
    let appID: String
    let tenantID: String
    let userID: String
    let userEmail: String
    let adminEmail: String
    static let userPassword = "a long user password"
    /// Another approved app of the owner's, installed nowhere: what admins install.
    var installable = ""
    /// The owner's token and session (with its CSRF token) from before the clock moved.
    var expired = AuthorizationMatrixTests.Credentials()

    private init(api: API, ownerEmail: String, ownerToken: String, otherEmail: String, clientID: String, appID: String, tenantID: String, userID: String, userEmail: String, adminEmail: String) {
        self.api = api
        self.ownerEmail = ownerEmail
        self.ownerToken = ownerToken
        self.otherEmail = otherEmail
        self.clientID = clientID
        self.appID = appID
        self.tenantID = tenantID
        self.userID = userID
        self.userEmail = userEmail
        self.adminEmail = adminEmail
    }

    /// The owner's app asks for a delegated and an app-only permission; it is installed in a
    /// tenant whose admin consented for it and whose user consented for themself.
    static func make(_ api: API) async throws -> World {
        let (ownerToken, ownerEmail) = try await api.newSeller()
        let (_, otherEmail) = try await api.newSeller()
        let setup = try await api.operatorToken()
        try await api.definePermission("Calendars.Read", operatorToken: setup)
        try await api.definePermission("Calendars.Read.All", operatorToken: setup, appOnly: true)
        let (clientID, _, _) = try await api.newClient(token: ownerToken)
        let appID = try await api.approvedApp(
            clientID: clientID, sellerToken: ownerToken, operatorToken: setup, permissions: ["Calendars.Read"], appOnlyPermissions: ["Calendars.Read.All"]
        )
        let tenantID = try await api.newTenant(operatorToken: setup)
        try await api.install(appID, in: tenantID, operatorToken: setup)
        _ = try await api.send(.post, "/api/v1/tenants/\(tenantID)/installations/\(appID)/app-only-consent", token: setup)
        let userEmail = "uma-\(UUID().uuidString.prefix(8).lowercased())@fabrikam.example"
        let userID = try await api.newUser(in: tenantID, email: userEmail, password: userPassword, operatorToken: setup)
        let otherTenant = try await api.newTenant(operatorToken: setup)
        let adminEmail = "ada-\(UUID().uuidString.prefix(8).lowercased())@northwind.example"
        _ = try await api.newUser(in: otherTenant, email: adminEmail, password: userPassword, admin: true, operatorToken: setup)
        let world = World(
            api: api, ownerEmail: ownerEmail, ownerToken: ownerToken, otherEmail: otherEmail, clientID: clientID, appID: appID,
            tenantID: tenantID, userID: userID, userEmail: userEmail, adminEmail: adminEmail
        )
        _ = try await api.latchkey.accounts.register(email: world.operatorEmail, displayName: "Review", password: "operator password", role: .operator, sourceIP: nil)
        world.operatorToken = try await api.signIn(world.operatorEmail, password: "operator password")
        try await world.userConsents()
        let (otherClient, _, _) = try await api.newClient(token: ownerToken)
        world.installable = try await api.approvedApp(clientID: otherClient, sellerToken: ownerToken, operatorToken: setup)
        return world
    }

    /// The tenant's user consents (again) to the app's delegated permission.
    func userConsents() async throws {
        let directory = api.latchkey.directory
        guard let user = try await directory.user(userID), let app = try await directory.app(appID) else { return }
        try await directory.consent(to: app, permissions: ["Calendars.Read"], by: user, forOrganization: false, sourceIP: nil)
    }

    /// A token of one day and a session, just before the clock jumps two days.
    func prepareExpired() async throws {
        let token = try #require(try await api.send(.post, "/api/v1/tokens", json: ["email": ownerEmail, "password": "correct horse battery", "expiresInDays": 1]).string("token"))
        let (session, csrf) = try await sellerSession(ownerEmail, password: "correct horse battery")
        expired = .init(token: token, session: session, csrf: csrf)
    }

    /// New tokens for those who set up each check (a check may have revoked theirs).
    func refreshTokens() async throws {
        ownerToken = try await api.signIn(ownerEmail)
        operatorToken = try await api.signIn(operatorEmail, password: "operator password")
    }

    func sellerSession(_ email: String, password: String) async throws -> (BrowserSession, String) {
        let browser = BrowserSession(api: api)
        let form = try await browser.get("/dashboard/signin")
        _ = try await browser.post("/dashboard/signin", [("_csrf", BrowserSession.csrf(in: form.body)), ("email", email), ("password", password)])
        return (browser, BrowserSession.csrf(in: try await browser.get("/dashboard/clients").body))
    }

    func userSession(_ email: String) async throws -> (BrowserSession, String) {
        let browser = BrowserSession(api: api)
        _ = try await browser.signIn(email: email, password: Self.userPassword)
        return (browser, BrowserSession.csrf(in: try await browser.get("/account").body))
    }

    /// Fresh each time: some checks sign out or revoke what they are sent with. An anonymous
    /// visitor has a session too: any sign-in page gives one, with its CSRF token.
    func credentials(_ principal: AuthorizationMatrixTests.Principal) async throws -> AuthorizationMatrixTests.Credentials {
        if principal != .expired { try await refreshTokens() }
        switch principal {
        case .owner:
            let (session, csrf) = try await sellerSession(ownerEmail, password: "correct horse battery")
            return .init(token: ownerToken, session: session, csrf: csrf)
        case .otherSeller:
            let (session, csrf) = try await sellerSession(otherEmail, password: "correct horse battery")
            return .init(token: try await api.signIn(otherEmail), session: session, csrf: csrf)
        case .operatorSeller:
            let (session, csrf) = try await sellerSession(operatorEmail, password: "operator password")
            return .init(token: operatorToken, session: session, csrf: csrf)
        case .tenantUser:
            let (session, csrf) = try await userSession(userEmail)
            return .init(token: nil, session: session, csrf: csrf)
        case .otherTenantAdmin:
            let (session, csrf) = try await userSession(adminEmail)
            return .init(token: nil, session: session, csrf: csrf)
        case .anonymous:
            let browser = BrowserSession(api: api)
            let csrf = BrowserSession.csrf(in: try await browser.get("/signin").body)
            return .init(token: nil, session: browser, csrf: csrf)
        case .expired:
            return expired
        }
    }

    /// The route's path with the world's objects, or fresh ones for a check that deletes or
    /// revokes what it names.
    func path(
        _ pattern: String, for principal: AuthorizationMatrixTests.Principal, credentials: AuthorizationMatrixTests.Credentials, destructive: Bool
    ) async throws -> String {
        var path = pattern
        var client = clientID
        var app = appID
        if (destructive || pattern.contains("{secretId}")) && pattern.contains("{clientId}") {
            client = try await api.newClient(token: ownerToken).id
        }
        if path.contains("{secretId}") {
            let added = try await api.send(.post, "/api/v1/clients/\(client)/secrets", token: ownerToken, json: [:])
            path = path.replacingOccurrences(of: "{secretId}", with: try #require(added.string("id")))
        }
        if path.contains("{tokenId}") {
            let issued = try await api.send(.post, "/api/v1/tokens", json: ["email": ownerEmail, "password": "correct horse battery"])
            path = path.replacingOccurrences(of: "{tokenId}", with: try #require(issued.string("id")))
        }
        if path.hasPrefix("/api/v1/sellers/me/webhook"), let token = credentials.token, [.owner, .otherSeller, .operatorSeller].contains(principal) {
            _ = try await api.send(.put, "/api/v1/sellers/me/webhook", token: token, json: ["url": "https://ops.contoso.com/notices"])
        }
        if destructive && pattern.contains("{appId}") {
            if pattern.contains("/tenants/") {
                // An installation of its own, consented, to remove.
                let (scratchClient, _, _) = try await api.newClient(token: ownerToken)
                app = try await api.approvedApp(clientID: scratchClient, sellerToken: ownerToken, operatorToken: operatorToken, appOnlyPermissions: ["Calendars.Read.All"])
                try await api.install(app, in: tenantID, operatorToken: operatorToken)
                _ = try await api.send(.post, "/api/v1/tenants/\(tenantID)/installations/\(app)/app-only-consent", token: operatorToken)
            } else if pattern.hasPrefix("/account/consents/") {
                try await userConsents()
            } else if !pattern.hasPrefix("/account") {
                app = try #require(try await api.send(.post, "/api/v1/apps", token: ownerToken, json: ["name": "Scratch", "markets": ["US"]]).string("id"))
            }
        }
        if pattern.hasSuffix("/approve") || pattern.hasSuffix("/reject") {
            // Something in the queue to decide on.
            app = try #require(try await api.send(.post, "/api/v1/apps", token: ownerToken, json: ["name": "Queued", "markets": ["US"]]).string("id"))
            _ = try await api.send(.post, "/api/v1/apps/\(app)/submit", token: ownerToken)
        }
        if path.contains("{userId}") {
            let email = "tmp-\(UUID().uuidString.prefix(8).lowercased())@fabrikam.example"
            path = path.replacingOccurrences(of: "{userId}", with: try await api.newUser(in: tenantID, email: email, password: Self.userPassword, operatorToken: operatorToken))
        }
        if path.contains("{providerId}") {
            // Stored directly: connecting through the API reads the provider's discovery document.
            let provider = IdentityProvider(
                id: ObjectID.generate(), tenantID: tenantID, issuer: "https://login.fabrikam.example", clientID: "latchkey", scopes: IdentityProvider.defaultScopes,
                claims: .standard, allowLinking: false, createdAt: Date()
            )
            let audit = AuditEntry(sellerID: tenantID, actor: "matrix", action: .providerCreate, objectType: "identity_provider", objectID: provider.id, at: Date(), sourceIP: nil)
            try await SQLFederationStore(provider: api.latchkey.database).insert(provider, sealedSecret: "unused", audit: audit)
            path = path.replacingOccurrences(of: "{providerId}", with: provider.id)
        }
        if path.contains("{domain}") {
            let domain = "matrix-\(UUID().uuidString.prefix(8).lowercased()).example"
            #expect(try await api.send(.post, "/api/v1/tenants/\(tenantID)/domains", token: operatorToken, json: ["domain": domain]).status == .created)
            path = path.replacingOccurrences(of: "{domain}", with: domain)
        }
        if path == "/_layouts/15/AppRedirect.aspx" { path += "?client_id=\(clientID)" }
        return path.replacingOccurrences(of: "{clientId}", with: client).replacingOccurrences(of: "{appId}", with: app)
            .replacingOccurrences(of: "{tenantId}", with: tenantID).replacingOccurrences(of: "{name}", with: "Calendars.Read")
    }

    /// The owner's Client ID or app a path names, as the owner reads it (its secrets, signing
    /// secret, revision and status with it); `nil` for a path that names neither.
    func ownerView(of path: String) async throws -> String? {
        for (kind, pattern) in [("clients", /\/clients\/([0-9a-f-]{36})/), ("apps", /\/apps\/([0-9a-f-]{36})/)] {
            if let match = path.firstMatch(of: pattern), !path.contains("/tenants/") {
                let reply = try await api.send(.get, "/api/v1/\(kind)/\(match.1)", token: ownerToken)
                // When its secrets were last used is written in the background, not by the request.
                return "\(reply.status.code) \(withoutLastUse(reply.body))"
            }
        }
        return nil
    }

    /// Sends as the principal: the API with its token (and its session's cookie, which the API
    /// ignores), pages with its session and CSRF token. Bodies are empty or minimal:
    /// authorization comes before validation.
    func send(_ method: HTTPRequest.Method, _ path: String, as credentials: AuthorizationMatrixTests.Credentials, api: API) async throws -> Reply {
        if path.hasPrefix("/api/") {
            var headers: HTTPFields = [:]
            if let cookie = credentials.session?.cookie { headers[.cookie] = cookie }
            return try await api.send(method, path, token: credentials.token, json: method == .get || method == .delete ? nil : [:], headers: headers)
        }
        let browser = credentials.session ?? BrowserSession(api: api)
        if method == .get { return try await browser.get(path) }
        var fields = [("_csrf", credentials.csrf)]
        if path == "/account/organization/install" { fields.append(("appId", installable)) }
        return try await browser.post(path, fields)
    }
}
