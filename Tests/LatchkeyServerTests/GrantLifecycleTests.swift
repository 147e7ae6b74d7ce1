import Foundation
import HTTPTypes
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

@Suite("What a grant outlives, and what it does not")
struct GrantLifecycleTests {
    /// A user's code through the pages, and its tokens.
    func tokens(_ api: API, _ app: DelegatedApp) async throws -> Reply {
        let browser = BrowserSession(api: api)
        _ = try await browser.signIn(email: app.userEmail, password: app.password)
        return try await api.consentAndRedeem(app, browser: browser, scope: "openid offline_access Calendars.Read")
    }

    func refresh(_ api: API, _ app: DelegatedApp, _ token: String) async throws -> Reply {
        try await api.tokenRequest(app, [("grant_type", "refresh_token"), ("refresh_token", token)])
    }

    @Test func twoRedemptionsOfOneCodeAtOnceGiveOneAnswerAndRevokeIt() async throws {
        var harness = Harness()
        harness.mode = .live
        try await harness.run { api, _ in
            let app = try await api.delegatedApp()
            let browser = BrowserSession(api: api)
            _ = try await browser.signIn(email: app.userEmail, password: app.password)
            let pkce = PKCE()
            var page = try await browser.get(app.authorizeURL(scope: "openid offline_access Calendars.Read", pkce: pkce))
            page = try await browser.post("/oauth2/authorize", BrowserSession.hiddenFields(in: page.body, action: "/oauth2/authorize") + [("decision", "allow")])
            let code = try #require(queryItems(page.headers[.location])["code"])
            var request = URLRequest(url: URL(string: "http://127.0.0.1:\(try #require(api.client.port))/oauth2/token")!)
            request.httpMethod = "POST"
            request.setValue(app.basic, forHTTPHeaderField: "Authorization")
            request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
            request.httpBody = Data("grant_type=authorization_code&code=\(code)&redirect_uri=\(BrowserSession.encode(app.redirectURI))&code_verifier=\(pkce.verifier)".utf8)
            // Two sessions, so that the two requests go on two connections at once.
            let answers = try await withThrowingTaskGroup(of: Reply.self) { group in
                for _ in 0..<2 {
                    group.addTask { [request] in
                        let (data, response) = try await URLSession(configuration: .ephemeral).data(for: request)
                        return Reply(status: .init(code: (response as? HTTPURLResponse)?.statusCode ?? 0), headers: [:], body: String(decoding: data, as: UTF8.self))
                    }
                }
                return try await group.reduce(into: [Reply]()) { $0.append($1) }
            }
            #expect(answers.map(\.status.code).sorted() == [200, 400], "\(answers.map(\.status))")
            let winner = try #require(answers.first { $0.status == .ok })
            #expect(answers.first { $0.status == .badRequest }?.string("error") == "invalid_grant")
            // RFC 6749 §4.1.2: the code came twice, so what it issued is revoked.
            let refreshToken = try #require(winner.string("refresh_token"))
            #expect(try await refresh(api, app, refreshToken).string("error") == "invalid_grant")
            #expect(try await api.introspect(try #require(winner.string("access_token")), as: app)["active"] as? Bool == false)
        }
    }

    @Test func aRefreshTokenLives90DaysFromItsLastRotation() async throws {
        try await Harness().run { api, clock in
            let app = try await api.delegatedApp()
            var token = try #require(try await tokens(api, app).string("refresh_token"))
            for _ in 0..<2 {
                clock.advance(by: 89 * 86_400)
                let next = try await refresh(api, app, token)
                #expect(next.status == .ok, "89 days after its rotation a token refreshes: \(next.body)")
                token = try #require(next.string("refresh_token"))
            }
            clock.advance(by: 90 * 86_400 + 60)
            let expired = try await refresh(api, app, token)
            #expect(expired.status == .badRequest && expired.string("error") == "invalid_grant")
        }
    }

    @Test func aRefreshTokenEndsWithTheInstallationTheReviewAndTheUser() async throws {
        try await Harness().run { api, _ in
            let uninstalled = try await api.delegatedApp()
            let first = try #require(try await tokens(api, uninstalled).string("refresh_token"))
            #expect(try await api.send(.delete, "/api/v1/tenants/\(uninstalled.tenantID)/installations/\(uninstalled.appID)", token: uninstalled.operatorToken).status == .noContent)
            #expect(try await refresh(api, uninstalled, first).string("error") == "invalid_grant", "uninstalled")

            let reviewed = try await api.delegatedApp()
            let second = try #require(try await tokens(api, reviewed).string("refresh_token"))
            let edited = try await api.send(.patch, "/api/v1/apps/\(reviewed.appID)", token: reviewed.sellerToken, json: ["name": "Trip Calendar 2"])
            #expect(edited.string("status") == "submitted")
            #expect(try await refresh(api, reviewed, second).string("error") == "invalid_grant", "back in review")

            let deleted = try await api.delegatedApp()
            let third = try #require(try await tokens(api, deleted).string("refresh_token"))
            let users = try await api.send(.get, "/api/v1/tenants/\(deleted.tenantID)/users", token: deleted.operatorToken)["users"] as? [[String: Any]] ?? []
            let userID = try #require(users.first { $0["email"] as? String == deleted.userEmail }?["id"] as? String)
            #expect(try await api.send(.delete, "/api/v1/tenants/\(deleted.tenantID)/users/\(userID)", token: deleted.operatorToken).status == .noContent)
            #expect(try await refresh(api, deleted, third).string("error") == "invalid_grant", "user deleted")
        }
    }
}
