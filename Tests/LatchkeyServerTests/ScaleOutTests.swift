import Foundation
import HTTPTypes
import LatchkeyAppKit
import LatchkeyServer
import LatchkeyStorage
import SQLKit
import Testing

/// Polls `check` every 10 ms until it holds; returns how long that took, or nil after `bound`.
func elapsedUntil(_ bound: Duration, _ check: () async throws -> Bool) async throws -> Duration? {
    let start = ContinuousClock.now
    while start.duration(to: .now) < bound {
        if try await check() { return start.duration(to: .now) }
        try await Task.sleep(for: .milliseconds(10))
    }
    return nil
}

@Suite("Two nodes on one database: what one changes is in force on the other", .serialized)
struct ScaleOutTests {
    /// Far below the caches' 10 minutes: only a change notice can make a node see a change this soon.
    let bound = Duration.seconds(3)

    func clientCredentials(_ api: API, _ clientID: String, _ secret: String, tenant: String) async throws -> HTTPResponse.Status {
        try await api.token(clientID, secret, form: "grant_type=client_credentials&tenant=\(tenant)").status
    }

    @Test func secretsMadeAndDeletedOnOneNodeCountOnTheOther() async throws {
        try await Harness().runTwoNodes { a, b, _ in
            let (seller, _) = try await a.newSeller()
            let (clientID, first, _) = try await a.newClient(token: seller)
            let tenant = try await a.enable(clientID, sellerToken: seller).tenantID
            #expect(try await clientCredentials(b, clientID, first, tenant: tenant) == .ok, "node B reads the new client")

            let added = try await a.send(.post, "/api/v1/clients/\(clientID)/secrets", token: seller, json: [:])
            let second = try #require(added.string("value"))
            let secondID = try #require(added.string("id"))
            let accepted = try await elapsedUntil(bound) { try await clientCredentials(b, clientID, second, tenant: tenant) == .ok }
            #expect(accepted != nil, "a secret added on A authenticates on B")

            let firstID = try #require((try await a.send(.get, "/api/v1/clients/\(clientID)", token: seller)["secrets"] as? [[String: Any]])?
                .compactMap { $0["id"] as? String }.first { $0 != secondID })
            #expect(try await a.send(.delete, "/api/v1/clients/\(clientID)/secrets/\(firstID)", token: seller).status == .ok)
            let refused = try await elapsedUntil(bound) { try await clientCredentials(b, clientID, first, tenant: tenant) == .unauthorized }
            #expect(refused != nil, "a secret deleted on A is refused on B")
            #expect(try await clientCredentials(b, clientID, second, tenant: tenant) == .ok)

            #expect(try await a.send(.delete, "/api/v1/clients/\(clientID)", token: seller).status == .noContent)
            #expect(try await elapsedUntil(bound) { try await clientCredentials(b, clientID, second, tenant: tenant) == .unauthorized } != nil)
        }
    }

    @Test func aConsentRevokedOnOneNodeStopsTheRefreshTokenOnTheOther() async throws {
        try await Harness().runTwoNodes { a, b, _ in
            let app = try await a.delegatedApp()
            let admin = BrowserSession(api: a)
            _ = try await admin.signIn(email: app.adminEmail, password: app.password)
            let launch = try await admin.launch(app)
            let token = try await ContextTokenValidator(clientID: app.clientID, secrets: [app.secret]).validate(launch.token, host: "app.contoso.com")
            let form = [
                ("grant_type", "refresh_token"), ("client_id", "\(app.clientID)@\(app.tenantID)"), ("client_secret", app.secret),
                ("refresh_token", token.refreshToken), ("resource", "00000003-0000-0ff1-ce00-000000000000/sites.fabrikam.example@\(app.tenantID)"),
            ].map { "\($0.0)=\(BrowserSession.encode($0.1))" }.joined(separator: "&")
            func refresh() async throws -> Reply {
                try await b.send(.post, "/tokens/OAuth/2", body: form, headers: [.contentType: "application/x-www-form-urlencoded"])
            }
            #expect(try await refresh().status == .ok, "node B honours the consent given on A")

            let revoked = try await admin.post("/account/consents/\(app.appID)/revoke", [("_csrf", BrowserSession.csrf(in: try await admin.get("/account").body))])
            #expect(revoked.status == .seeOther || revoked.status == .found)
            let stopped = try await elapsedUntil(bound) { try await refresh().string("error") == "invalid_grant" }
            #expect(stopped != nil, "the consent revoked on A stops the refresh token on B")

            // A session opened on A is one on B too, and signing out on A ends it on B.
            let page = try await BrowserSession(api: b, cookie: admin.cookie).get("/account")
            #expect(page.status == .ok && page.body.contains("Ada Admin"), "\(page.status)")
            let signOut = try await admin.post("/signout", [("_csrf", BrowserSession.csrf(in: try await admin.get("/account").body))])
            #expect(signOut.status == .seeOther || signOut.status == .found, "\(signOut.status)")
            let ended = try await elapsedUntil(bound) { try await BrowserSession(api: b, cookie: admin.cookie).get("/account").status == .seeOther }
            #expect(ended != nil, "signing out on A ends the session on B")
        }
    }

    @Test(.enabled(if: Harness.postgresURL != nil, "needs PostgreSQL's LISTEN/NOTIFY"))
    func aNodeWhoseListeningConnectionIsKilledRecoversAndStaysWithinTheBound() async throws {
        try await Harness().runTwoNodes(cacheTTLUnfollowed: .seconds(1)) { a, b, _ in
            let (seller, _) = try await a.newSeller()
            let (clientID, first, _) = try await a.newClient(token: seller)
            let tenant = try await a.enable(clientID, sellerToken: seller).tenantID
            let added = try await a.send(.post, "/api/v1/clients/\(clientID)/secrets", token: seller, json: [:])
            let second = try #require(added.string("value"))
            let secondID = try #require(added.string("id"))
            #expect(try await clientCredentials(b, clientID, first, tenant: tenant) == .ok)
            #expect(try await clientCredentials(b, clientID, second, tenant: tenant) == .ok)

            let listener = "latchkey listener \(b.latchkey.database.changes.nodeID)"
            func listeners() async throws -> Int {
                try await a.latchkey.database.read { db in
                    try await db.raw("SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = \(bind: listener)").first()?
                        .decode(column: "n", as: Int.self) ?? 0
                }
            }
            #expect(try await listeners() == 1)
            try await a.latchkey.database.read { db in
                try await db.raw("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = \(bind: listener)").run()
            }
            // Deleted during the gap: refused within the unfollowed lifetime (1 s) or sooner.
            let firstID = try #require((try await a.send(.get, "/api/v1/clients/\(clientID)", token: seller)["secrets"] as? [[String: Any]])?
                .compactMap { $0["id"] as? String }.first { $0 != secondID })
            #expect(try await a.send(.delete, "/api/v1/clients/\(clientID)/secrets/\(firstID)", token: seller).status == .ok)
            #expect(try await elapsedUntil(.milliseconds(2500)) { try await clientCredentials(b, clientID, first, tenant: tenant) == .unauthorized } != nil)

            // B listens again, and notices carry changes as before.
            #expect(try await elapsedUntil(bound) { try await listeners() == 1 && b.latchkey.database.changes.isFollowing } != nil, "B reconnects")
            #expect(try await a.send(.delete, "/api/v1/clients/\(clientID)", token: seller).status == .noContent)
            #expect(try await elapsedUntil(bound) { try await clientCredentials(b, clientID, second, tenant: tenant) == .unauthorized } != nil)
        }
    }

    /// `change()` on node A reaches node B by a notice: B follows, and its count of notices
    /// received grows (the caches live ten minutes either way, so nothing else could carry it).
    func noticed(by b: API, _ change: () async throws -> Void) async throws {
        #expect(b.latchkey.database.changes.isFollowing, "node B follows notices")
        let before = b.latchkey.database.changes.noticesReceived
        try await change()
        #expect(try await elapsedUntil(bound) { b.latchkey.database.changes.noticesReceived > before } != nil, "node B received a notice")
    }

    @Test func approvalAndUninstallationOnOneNodeCountOnTheOther() async throws {
        try await Harness().runTwoNodes { a, b, _ in
            let (seller, _) = try await a.newSeller()
            let (clientID, secret, _) = try await a.newClient(token: seller)
            let enabled = try await a.enable(clientID, sellerToken: seller)
            #expect(try await clientCredentials(b, clientID, secret, tenant: enabled.tenantID) == .ok)
            // Back to review on A: B refuses; approved again on A: B issues.
            var revision = 0
            try await noticed(by: b) {
                let edited = try await a.send(.patch, "/api/v1/apps/\(enabled.appID)", token: seller, json: ["name": "Trip Calendar, renamed"])
                revision = edited["revision"] as? Int ?? 0
            }
            #expect(try await elapsedUntil(bound) { try await clientCredentials(b, clientID, secret, tenant: enabled.tenantID) != .ok } != nil)
            try await noticed(by: b) {
                let approved = try await a.send(.post, "/api/v1/apps/\(enabled.appID)/approve", token: enabled.operatorToken, json: ["revision": revision])
                #expect(approved.status == .ok, "\(approved.body)")
            }
            #expect(try await elapsedUntil(bound) { try await clientCredentials(b, clientID, secret, tenant: enabled.tenantID) == .ok } != nil)
            try await noticed(by: b) {
                let removed = try await a.send(.delete, "/api/v1/tenants/\(enabled.tenantID)/installations/\(enabled.appID)", token: enabled.operatorToken)
                #expect(removed.status == .noContent)
            }
            #expect(try await elapsedUntil(bound) { try await clientCredentials(b, clientID, secret, tenant: enabled.tenantID) != .ok } != nil)
        }
    }

    @Test func aUserDeletedOnOneNodeIsGoneOnTheOther() async throws {
        try await Harness().runTwoNodes { a, b, _ in
            let app = try await a.delegatedApp()
            let admin = BrowserSession(api: a)
            _ = try await admin.signIn(email: app.adminEmail, password: app.password)
            let onB = BrowserSession(api: b, cookie: admin.cookie)
            #expect(try await elapsedUntil(bound) { try await onB.get("/account").status == .ok } != nil, "the session opened on A is one on B")
            let users = try await a.send(.get, "/api/v1/tenants/\(app.tenantID)/users", token: app.operatorToken)["users"] as? [[String: Any]] ?? []
            let adminID = try #require(users.first { $0["email"] as? String == app.adminEmail }?["id"] as? String)
            try await noticed(by: b) {
                let deleted = try await a.send(.delete, "/api/v1/tenants/\(app.tenantID)/users/\(adminID)", token: app.operatorToken)
                #expect(deleted.status == .noContent)
            }
            #expect(try await elapsedUntil(bound) { try await onB.get("/account").status != .ok } != nil, "the deleted user's session ends on B")
        }
    }

    @Test func signingKeysRotatedOnOneNodeSignOnTheOther() async throws {
        try await Harness().runTwoNodes { a, b, clock in
            let (seller, _) = try await a.newSeller()
            let (clientID, secret, _) = try await a.newClient(token: seller)
            let tenant = try await a.enable(clientID, sellerToken: seller).tenantID
            func kid(_ node: API) async throws -> String? {
                let token = try #require(try await node.token(clientID, secret, form: "grant_type=client_credentials&tenant=\(tenant)").string("access_token"))
                let header = String(token.split(separator: ".")[0]).replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
                let data = try #require(Data(base64Encoded: header + String(repeating: "=", count: (4 - header.count % 4) % 4)))
                return (try JSONSerialization.jsonObject(with: data) as? [String: Any])?["kid"] as? String
            }
            let before = try await kid(b)
            // The newest key signs: the rotation comes after the first keys on the nodes' clock.
            clock.advance(by: 1)
            var rotated: [String] = []
            try await noticed(by: b) { rotated = try await a.latchkey.rotateSigningKeys() }
            // rotateSigningKeys names each new key as "{algorithm} {kid}".
            let newKids = Set(rotated.compactMap { $0.split(separator: " ").last.map(String.init) })
            #expect(newKids.count == 2 && !newKids.contains(before ?? ""))
            #expect(try await elapsedUntil(bound) { newKids.contains(try await kid(b) ?? "") } != nil, "node B signs with the new key")
        }
    }
}
