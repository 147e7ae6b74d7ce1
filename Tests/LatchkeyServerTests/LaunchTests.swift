import Foundation
import HTTPTypes
import JWTKit
import LatchkeyAppKit
@testable import LatchkeyOAuth
@testable import LatchkeyServer
import Testing

/// What an app's launch page receives: the form's target and its fields.
struct Launch {
    let action: String
    let fields: [String: String]

    init?(_ reply: Reply) {
        guard let match = reply.body.firstMatch(of: /<form method="post" action="([^"]+)" id="launch"/) else { return nil }
        action = BrowserSession.unescape(String(match.1))
        fields = Dictionary(BrowserSession.hiddenFields(in: reply.body, action: String(match.1)), uniquingKeysWith: { first, _ in first })
    }

    var token: String { fields["SPAppToken"] ?? "" }
}

extension BrowserSession {
    /// Opens the app, consenting (for the whole organization when `forOrganization`) if asked.
    func launch(_ app: DelegatedApp, forOrganization: Bool = false) async throws -> Launch {
        var page = try await get("/apps/\(app.appID)/launch")
        if page.body.contains("action=\"/apps/\(app.appID)/launch\"") {
            var fields = BrowserSession.hiddenFields(in: page.body, action: "/apps/\(app.appID)/launch") + [("decision", "allow")]
            if forOrganization { fields.append(("for_organization", "on")) }
            page = try await post("/apps/\(app.appID)/launch", fields)
        }
        return try #require(Launch(page), "no launch form: \(page.status) \(page.body.prefix(600))")
    }
}

@Suite("App launch: context tokens and the ACS refresh token (docs/seed-model.md §2)")
struct LaunchTests {
    let platform = "00000003-0000-0ff1-ce00-000000000000"

    func acsToken(_ api: API, _ path: String, _ fields: [(String, String)]) async throws -> Reply {
        try await api.send(
            .post, path, body: fields.map { "\($0.0)=\(BrowserSession.encode($0.1))" }.joined(separator: "&"),
            headers: [.contentType: "application/x-www-form-urlencoded"]
        )
    }

    @Test func launchPostsAContextTokenSignedWithTheSigningSecret() async throws {
        try await Harness().run { api, clock in
            let app = try await api.delegatedApp()
            let admin = BrowserSession(api: api)
            _ = try await admin.signIn(email: app.adminEmail, password: app.password)
            let account = try await admin.get("/account")
            #expect(account.body.contains("href=\"/apps/\(app.appID)/launch\""), "the apps page links to the launch")

            let launch = try await admin.launch(app, forOrganization: true)
            let target = try #require(URLComponents(string: launch.action))
            #expect(target.host == "app.contoso.com" && target.path == "/auth")
            let query = queryItems(launch.action)
            #expect(query["SPHostUrl"] == "https://login.example.test/sites/\(app.tenantID)")
            #expect(Set(query.keys) == ["SPHostUrl", "SPLanguage", "SPClientTag", "SPProductNumber"])
            #expect(Set(launch.fields.keys) == ["SPAppToken", "SPSiteUrl", "SPSiteTitle", "SPSiteLanguage", "SPCorrelationId"])
            #expect(launch.fields["SPSiteUrl"] == query["SPHostUrl"])

            // docs/acs-wire.md §6: HS256 under the base64-decoded secret, the claims as real clients read them.
            let key = try #require(Data(base64Encoded: app.secret))
            let keys = await JWTKeyCollection().add(hmac: HMACKey(from: key), digestAlgorithm: .sha256)
            struct Claims: JWTPayload {
                let aud: String, iss: String, nbf: Int, exp: Int, appctxsender: String, appctx: String, refreshtoken: String, isbrowserhostedapp: String
                func verify(using algorithm: some JWTAlgorithm) async throws {}
            }
            let claims = try await keys.verify(launch.token, as: Claims.self)
            #expect(claims.aud == "\(app.clientID)/app.contoso.com@\(app.tenantID)")
            #expect(claims.iss == "00000001-0000-0000-c000-000000000000@\(app.tenantID)")
            #expect(claims.appctxsender == "\(platform)@\(app.tenantID)")
            #expect(claims.exp - claims.nbf == 12 * 3600 && abs(claims.nbf - Int(clock.now.timeIntervalSince1970)) <= 1)
            let context = try #require(try JSONSerialization.jsonObject(with: Data(claims.appctx.utf8)) as? [String: String])
            #expect(context["SecurityTokenServiceUri"] == "https://login.example.test/tokens/OAuth/2")
            let header = try #require(Data(base64URL: launch.token.split(separator: ".")[0]))
            #expect(String(decoding: header, as: UTF8.self) == #"{"typ":"JWT","alg":"HS256"}"#)

            // The same user's next launch has the same cache key; another user's differs.
            let again = try await admin.launch(app)
            let user = BrowserSession(api: api)
            _ = try await user.signIn(email: app.userEmail, password: app.password)
            let theirs = try await user.launch(app)
            let validator = try await ContextTokenValidator(clientID: app.clientID, secrets: [app.secret], now: { clock.now })
            let first = try await validator.validate(launch.token, host: "app.contoso.com")
            #expect(try await validator.validate(again.token, host: "APP.contoso.com").cacheKey == first.cacheKey)
            #expect(try await validator.validate(theirs.token, host: "app.contoso.com").cacheKey != first.cacheKey)
            await #expect(throws: ContextTokenError.wrongAudience(expected: "\(app.clientID)/other.contoso.com@\(app.tenantID)", found: claims.aud)) {
                try await validator.validate(launch.token, host: "other.contoso.com")
            }
            clock.advance(by: 12 * 3600 + 301)
            await #expect(throws: ContextTokenError.self) { try await validator.validate(launch.token, host: "app.contoso.com") }
        }
    }

    /// The launch page is written without the template engine: what it does not write itself
    /// (names, the target, the fields) is escaped, and reads back as it was.
    @Test func theLaunchPageEscapesEveryValueAndReadsBack() throws {
        let fields = [
            LaunchPages.Field(name: "SPAppToken", value: "eyJhbGciOiJIUzI1NiJ9.e30.c2lnbmF0dXJl-_"),
            LaunchPages.Field(name: "SPSiteTitle", value: #"Fab"rikam <&> 'sites'"#),
        ]
        let action = #"https://app.contoso.com/launch?SPHostUrl=https%3A%2F%2Fx&q="<a>"&r=1"#
        let page = LaunchPages.page(appName: #"Trip "<Calendar>" & Co's"#, organization: "<script>alert(1)</script>", action: action, fields: fields)
        #expect(!page.contains("<script>alert") && page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(page.contains("<h1>Opening Trip &quot;&lt;Calendar&gt;&quot; &amp; Co&#39;s</h1>"))
        #expect(page.contains(#"value="eyJhbGciOiJIUzI1NiJ9.e30.c2lnbmF0dXJl-_""#), "the token is written as it is")
        let launch = try #require(Launch(Reply(status: .ok, headers: [:], body: page)))
        #expect(launch.action == action)
        #expect(launch.fields == ["SPAppToken": fields[0].value, "SPSiteTitle": fields[1].value])
    }

    @Test func theRefreshTokenBuysUserTokensUntilConsentIsRevoked() async throws {
        try await Harness().run { api, _ in
            let app = try await api.delegatedApp()
            let admin = BrowserSession(api: api)
            _ = try await admin.signIn(email: app.adminEmail, password: app.password)
            let launch = try await admin.launch(app)
            let validator = try await ContextTokenValidator(clientID: app.clientID, secrets: [app.secret])
            let token = try await validator.validate(launch.token, host: "app.contoso.com")
            let realm = app.tenantID
            let resource = "\(platform)/sites.fabrikam.example:8443@\(realm)"
            let fields = [
                ("grant_type", "refresh_token"), ("client_id", "\(app.clientID)@\(realm)"), ("client_secret", app.secret),
                ("refresh_token", token.refreshToken), ("resource", resource),
            ]
            // PnPjs posts to the realm-less URI of appctx; node-sp-auth inserts the realm. The
            // refresh token does not rotate: both uses succeed.
            for path in [token.securityTokenServiceURI.path, "/\(realm)/tokens/OAuth/2"] {
                let reply = try await acsToken(api, path, fields)
                #expect(reply.status == .ok, "\(path): \(reply.body)")
                #expect(reply.body.hasPrefix(#"{"token_type":"Bearer","expires_in":"3600","not_before":""#) && reply["refresh_token"] == nil)
                let keys = try await JWTKeyCollection().add(jwksJSON: try await api.send(.get, "/.well-known/jwks.json").body)
                let access = try await keys.verify(try #require(reply.string("access_token")), as: AccessTokenClaims.self)
                #expect(access.aud == resource && access.tid == realm && access.clientID == app.clientID && !access.isAppOnly)
                #expect(Set(access.scopes) == ["Calendars.Read", "Calendars.ReadWrite"])
            }
            let other = try await api.delegatedApp()
            let stolen = try await acsToken(api, "/tokens/OAuth/2", [
                ("grant_type", "refresh_token"), ("client_id", other.clientID), ("client_secret", other.secret),
                ("refresh_token", token.refreshToken), ("resource", resource),
            ])
            #expect(stolen.status == .badRequest && stolen.string("error") == "invalid_grant", "\(stolen.body)")
            var altered = Array(token.refreshToken)
            altered[10] = altered[10] == "A" ? "B" : "A"
            let forged = try await acsToken(api, "/tokens/OAuth/2", fields.map { $0.0 == "refresh_token" ? ($0.0, String(altered)) : $0 })
            #expect(forged.string("error") == "invalid_grant")

            let revoked = try await admin.post("/account/consents/\(app.appID)/revoke", [("_csrf", BrowserSession.csrf(in: try await admin.get("/account").body))])
            #expect(revoked.status == .seeOther || revoked.status == .found, "\(revoked.status)")
            let after = try await acsToken(api, "/tokens/OAuth/2", fields)
            #expect(after.status == .badRequest && after.string("error") == "invalid_grant", "\(after.body)")
            #expect(after.body.hasPrefix(#"{"error""#))
        }
    }

    @Test func appRedirectKeepsTheAppsQueryAndRefusesOtherTargets() async throws {
        try await Harness().run { api, _ in
            let app = try await api.delegatedApp()
            let admin = BrowserSession(api: api)
            _ = try await admin.signIn(email: app.adminEmail, password: app.password)
            _ = try await admin.launch(app, forOrganization: true)
            let given = app.redirectURI + "?{StandardTokens}&SPHasRedirectedToSharePoint=1"
            let path = "/_layouts/15/AppRedirect.aspx?client_id=\(app.clientID)&redirect_uri=\(BrowserSession.encode(given))"
            let page = try await admin.get(path)
            let launch = try #require(Launch(page), "\(page.status) \(page.body.prefix(400))")
            let query = queryItems(launch.action)
            #expect(launch.action.hasPrefix(app.redirectURI + "?SPHostUrl="))
            #expect(launch.action.hasSuffix("&SPProductNumber=16.0.0.0&SPHasRedirectedToSharePoint=1"), "\(launch.action)")
            #expect(query["SPHostUrl"] != nil && query["SPLanguage"] == "en-US" && !launch.action.contains("StandardTokens"))
            #expect(page.headers[.contentSecurityPolicy]?.contains("form-action 'self' https://app.contoso.com;") == true)

            // The app's own query is kept, re-encoded, after Latchkey's; no spelling of a standard
            // token survives, and nothing can push Latchkey's tokens out of the query.
            let kept = app.redirectURI + "?SPHOSTURL=https%3A%2F%2Fevil.example&view=week&note=a+b&sphosturl=x&SpLanguage=fr&SPAppWebUrl=y"
            let keptPage = try await admin.get("/_layouts/15/AppRedirect.aspx?client_id=\(app.clientID)&redirect_uri=\(BrowserSession.encode(kept))")
            let keptAction = try #require(Launch(keptPage), "\(keptPage.status) \(keptPage.body.prefix(400))").action
            #expect(keptAction.hasSuffix("&SPProductNumber=16.0.0.0&view=week&note=a%20b"), "\(keptAction)")
            let names = (URLComponents(string: keptAction)?.queryItems ?? []).map { $0.name.lowercased() }
            #expect(names.filter { $0 == "sphosturl" }.count == 1 && names.filter { $0 == "splanguage" }.count == 1 && !names.contains("spappweburl"))
            for target in [
                "https://evil.example/auth", "https://app.contoso.com/other", app.redirectURI + "/../x",
                app.redirectURI + "?x=1#", app.redirectURI + "?x=%23&y#SPHostUrl=", app.redirectURI + "?x=a\u{01}", app.redirectURI + "?x=%0A",
                app.redirectURI + "?SP%48ostUrl=https://evil.example",
            ] {
                let refused = try await admin.get("/_layouts/15/AppRedirect.aspx?client_id=\(app.clientID)&redirect_uri=\(BrowserSession.encode(target))")
                #expect(refused.status == .badRequest && Launch(refused) == nil, "\(target)")
            }
            // Signed out: sign-in first, then back to the same request.
            let visitor = BrowserSession(api: api)
            let signIn = try await visitor.get(path)
            #expect(signIn.headers[.location]?.hasPrefix("/signin?return=%2F_layouts%2F15%2FAppRedirect.aspx") == true)
            let back = try await visitor.signIn(email: app.userEmail, password: app.password, returnTo: path)
            #expect(back.headers[.location] == path)
        }
    }

    @Test func aUserNeedsAnAdminForAdminOnlyPermissionsAndTheAppInstalled() async throws {
        try await Harness().run { api, _ in
            let app = try await api.delegatedApp()
            let user = BrowserSession(api: api)
            _ = try await user.signIn(email: app.userEmail, password: app.password)
            let refused = try await user.get("/apps/\(app.appID)/launch")
            #expect(refused.status == .forbidden && refused.body.contains("administrator"), "\(refused.body.prefix(300))")
            #expect(Launch(refused) == nil)

            let uninstalled = try await api.send(.delete, "/api/v1/tenants/\(app.tenantID)/installations/\(app.appID)", token: app.operatorToken)
            #expect(uninstalled.status == .noContent)
            let admin = BrowserSession(api: api)
            _ = try await admin.signIn(email: app.adminEmail, password: app.password)
            let notInstalled = try await admin.get("/apps/\(app.appID)/launch")
            #expect(notInstalled.status == .forbidden && notInstalled.body.contains("not installed"))
        }
    }

    @Test func anACSRefreshTokenIsRevokedByItselfWithRFC7009() async throws {
        try await Harness().run { api, _ in
            let app = try await api.delegatedApp()
            let admin = BrowserSession(api: api)
            _ = try await admin.signIn(email: app.adminEmail, password: app.password)
            let token = try await ContextTokenValidator(clientID: app.clientID, secrets: [app.secret]).validate(try await admin.launch(app).token, host: "app.contoso.com")
            let second = try await ContextTokenValidator(clientID: app.clientID, secrets: [app.secret]).validate(try await admin.launch(app).token, host: "app.contoso.com")
            func refresh(_ refreshToken: String) async throws -> Reply {
                try await acsToken(api, "/tokens/OAuth/2", [
                    ("grant_type", "refresh_token"), ("client_id", "\(app.clientID)@\(app.tenantID)"), ("client_secret", app.secret),
                    ("refresh_token", refreshToken), ("resource", "\(platform)/sites.fabrikam.example@\(app.tenantID)"),
                ])
            }
            #expect(try await refresh(token.refreshToken).status == .ok)
            func revoke(_ refreshToken: String, as client: DelegatedApp) async throws -> Reply {
                try await api.send(
                    .post, "/oauth2/revoke", body: "token=\(BrowserSession.encode(refreshToken))",
                    headers: [.authorization: client.basic, .contentType: "application/x-www-form-urlencoded"]
                )
            }
            // Another client's revocation is answered 200 and changes nothing (RFC 7009 §2.1).
            let other = try await api.delegatedApp()
            #expect(try await revoke(token.refreshToken, as: other).status == .ok)
            #expect(try await refresh(token.refreshToken).status == .ok)
            for _ in 0..<3 { #expect(try await revoke(token.refreshToken, as: app).status == .ok) }
            let refused = try await refresh(token.refreshToken)
            #expect(refused.status == .badRequest && refused.string("error") == "invalid_grant", "\(refused.body)")
            #expect(try await refresh(second.refreshToken).status == .ok, "the next launch's refresh token is another one")
            let log = try await api.send(.get, "/api/v1/tenants/\(app.tenantID)/audit", token: app.operatorToken)
            let entries = (log["entries"] as? [[String: Any]] ?? []).filter { $0["objectType"] as? String == "acs_refresh_token" }
            #expect(entries.count == 1, "one entry however often it is revoked")
        }
    }

    @Test func theACSAuthorizationCodeGrantReturnsAReusableRefreshToken() async throws {
        try await Harness().run { api, _ in
            // A confidential client of an earlier era, allowed to ask for codes without PKCE.
            let app = try await api.delegatedApp(clientFields: ["pkceOptional": true])
            let admin = BrowserSession(api: api)
            _ = try await admin.signIn(email: app.adminEmail, password: app.password)
            _ = try await admin.launch(app, forOrganization: true)
            let authorized = try await admin.get(app.authorizeURL(scope: "Calendars.Read", pkce: nil))
            let code = try #require(queryItems(authorized.headers[.location])["code"], "\(authorized.status) \(authorized.body.prefix(300))")
            let realm = app.tenantID
            let resource = "\(platform)/sites.fabrikam.example@\(realm)"
            let reply = try await acsToken(api, "/\(realm)/tokens/OAuth/2", [
                ("grant_type", "authorization_code"), ("client_id", "\(app.clientID)@\(realm)"), ("client_secret", app.secret), ("code", code),
                ("redirect_uri", app.redirectURI), ("resource", resource),
            ])
            #expect(reply.status == .ok, "\(reply.body)")
            let refresh = try #require(reply.string("refresh_token"))
            #expect(reply.string("resource") == resource && reply["expires_on"] is String)
            for _ in 0..<2 {
                let renewed = try await acsToken(api, "/tokens/OAuth/2", [
                    ("grant_type", "refresh_token"), ("client_id", "\(app.clientID)@\(realm)"), ("client_secret", app.secret), ("refresh_token", refresh), ("resource", resource),
                ])
                #expect(renewed.status == .ok, "\(renewed.body)")
            }
            let replay = try await acsToken(api, "/\(realm)/tokens/OAuth/2", [
                ("grant_type", "authorization_code"), ("client_id", app.clientID), ("client_secret", app.secret), ("code", code), ("redirect_uri", app.redirectURI), ("resource", resource),
            ])
            #expect(replay.string("error") == "invalid_grant")
        }
    }
}

extension Launch: Equatable {
    static func == (lhs: Launch, rhs: Launch) -> Bool { lhs.action == rhs.action && lhs.fields == rhs.fields }
}
