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
}
