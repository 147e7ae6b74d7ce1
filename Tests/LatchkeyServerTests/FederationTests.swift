import Foundation
import HTTPTypes
import LatchkeyCore
import LatchkeyServer
import Testing

/// A tenant's users sign in through the tenant's own OpenID provider (docs/federation.md): the
/// provider is a double the test controls, reached over HTTP like any other.
@Suite("Federation: tenants' own OpenID providers")
struct FederationTests {
    static let callback = "https://login.example.test/signin/federated/callback"

    func uniqueDomain() -> String { "fed-\(UUID().uuidString.prefix(8).lowercased()).example" }

    /// Connects the provider to the app's tenant and claims `domain` for it.
    @discardableResult
    func connect(_ api: API, _ app: DelegatedApp, _ idp: OpenIDProviderDouble, domain: String, allowLinking: Bool = false) async throws -> String {
        let reply = try await api.send(.post, "/api/v1/tenants/\(app.tenantID)/identity-providers", token: app.operatorToken, json: [
            "issuer": idp.issuer, "clientId": idp.clientID, "clientSecret": idp.clientSecret, "allowLinking": allowLinking,
            "claims": ["adminClaim": "groups", "adminValue": "latchkey-admins"],
        ])
        #expect(reply.status == .created, "\(reply.body)")
        #expect(reply.string("redirectUri") == Self.callback)
        #expect(!reply.body.contains(idp.clientSecret))
        let claimed = try await api.send(.post, "/api/v1/tenants/\(app.tenantID)/domains", token: app.operatorToken, json: ["domain": domain])
        #expect(claimed.status == .created, "\(claimed.body)")
        return try #require(reply.string("id"))
    }

    /// Posts the sign-in form with an email and no password, plays the provider's page, and
    /// follows the callback: Latchkey's answer to it.
    func signInThrough(_ idp: OpenIDProviderDouble, _ browser: BrowserSession, email: String, returnTo: String = "/account") async throws -> Reply {
        let form = try await browser.get("/signin?return=" + BrowserSession.encode(returnTo))
        let sent = try await browser.post("/signin", [("_csrf", BrowserSession.csrf(in: form.body)), ("return", returnTo), ("email", email), ("password", "")])
        #expect(sent.status == .seeOther, "\(sent.status) \(sent.body.prefix(300))")
        let (callback, request) = try idp.authorize(sent.headers[.location])
        #expect(request["client_id"] == idp.clientID)
        #expect(request["redirect_uri"] == Self.callback)
        #expect(request["code_challenge_method"] == "S256")
        #expect(request["scope"] == "openid profile email")
        #expect(request["login_hint"] == email.lowercased())
        #expect((request["state"]?.count ?? 0) >= 43 && (request["nonce"]?.count ?? 0) >= 43)
        return try await browser.get(callback)
    }

    func auditText(_ api: API, _ app: DelegatedApp) async throws -> String {
        try await api.send(.get, "/api/v1/tenants/\(app.tenantID)/audit?limit=200", token: app.operatorToken).body
    }

    @Test func aTenantsUserSignsInThroughTheProviderConsentsAndTheAppSeesThem() async throws {
        try await Harness().run { api, _ in
            let app = try await api.delegatedApp()
            let domain = uniqueDomain()
            let idp = OpenIDProviderDouble(email: "fran@\(domain)")
            idp.person.withLock { $0.groups = ["staff", "latchkey-admins"] }
            try await idp.run { idp in
                try await connect(api, app, idp, domain: domain)
                let listed = try await api.send(.get, "/api/v1/tenants/\(app.tenantID)/identity-providers", token: app.operatorToken)
                #expect(listed.status == .ok && listed.body.contains(idp.issuer) && !listed.body.contains(idp.clientSecret))

                // The app's sign-in: not signed in, so to Latchkey's form, then the provider.
                let browser = BrowserSession(api: api)
                let pkce = PKCE()
                let start = try await browser.get(app.authorizeURL(scope: "openid profile email offline_access Calendars.Read", pkce: pkce))
                let returnTo = try #require(queryItems(start.headers[.location])["return"])
                let back = try await signInThrough(idp, browser, email: "Fran@\(domain.uppercased())", returnTo: returnTo)
                #expect(back.status == .seeOther, "\(back.body.prefix(400))")
                #expect(back.headers[.location] == returnTo)
                // The code exchange authenticated with the secret and proved PKCE.
                #expect(idp.tokenRequests.withLock { $0.count } == 1)

                // Consent, code, tokens: as for any user.
                var page = try await browser.get(returnTo)
                #expect(page.status == .ok, "\(page.body.prefix(300))")
                page = try await browser.post("/oauth2/authorize", BrowserSession.hiddenFields(in: page.body, action: "/oauth2/authorize") + [("decision", "allow")])
                let code = try #require(queryItems(page.headers[.location])["code"])
                let tokens = try await api.tokenRequest(app, [
                    ("grant_type", "authorization_code"), ("code", code), ("redirect_uri", app.redirectURI), ("code_verifier", pkce.verifier),
                ])
                #expect(tokens.status == .ok, "\(tokens.body)")
                let idToken = try #require(tokens.string("id_token"))
                let claims = try #require(JWTParts.payload(idToken))
                #expect(claims["email"] as? String == "fran@\(domain)")
                #expect(claims["name"] as? String == "Fran Federated")
                #expect(claims["tid"] as? String == app.tenantID)
                // Which provider vouched, how, and when the user signed in there.
                #expect(claims["idp"] as? String == idp.issuer)
                #expect(claims["amr"] as? [String] == ["pwd", "mfa"])
                let upstreamAuthTime = try #require(idp.lastAuthTime.withLock { $0 })
                #expect(claims["auth_time"] as? Int == upstreamAuthTime)
                // A refreshed ID token says the same.
                if let refresh = tokens.string("refresh_token") {
                    let refreshed = try await api.tokenRequest(app, [("grant_type", "refresh_token"), ("refresh_token", refresh)])
                    let refreshedToken = try #require(refreshed.string("id_token"))
                    let again = try #require(JWTParts.payload(refreshedToken))
                    #expect(again["idp"] as? String == idp.issuer && again["amr"] as? [String] == ["pwd", "mfa"])
                }
                // A built-in user's says the password, and no provider.
                let builtIn = BrowserSession(api: api)
                _ = try await builtIn.signIn(email: app.userEmail, password: app.password)
                let own = try await api.consentAndRedeem(app, browser: builtIn, scope: "openid")
                let ownToken = try #require(own.string("id_token"))
                let ownClaims = try #require(JWTParts.payload(ownToken))
                #expect(ownClaims["amr"] as? [String] == ["pwd"] && ownClaims["idp"] == nil)

                // Made just in time in the tenant, an admin by the group claim, audited.
                let users = try await api.send(.get, "/api/v1/tenants/\(app.tenantID)/users", token: app.operatorToken)
                let made = (users.json["users"] as? [[String: Any]] ?? []).first { $0["email"] as? String == "fran@\(domain)" }
                #expect(made?["isAdmin"] as? Bool == true)
                #expect(made?["id"] as? String == claims["sub"] as? String)
                let audit = try await auditText(api, app)
                #expect(audit.contains("just in time through \(idp.issuer)"))

                // Signing in again finds the same user by the provider's subject, and admin
                // status follows the provider at each sign-in.
                idp.person.withLock { $0.groups = ["staff"] }
                let again = BrowserSession(api: api)
                #expect(try await signInThrough(idp, again, email: "fran@\(domain)").status == .seeOther)
                let after = try await api.send(.get, "/api/v1/tenants/\(app.tenantID)/users", token: app.operatorToken)
                let same = (after.json["users"] as? [[String: Any]] ?? []).filter { $0["email"] as? String == "fran@\(domain)" }
                #expect(same.count == 1 && same.first?["isAdmin"] as? Bool == false)

                // A user of a provider has no password to sign in with.
                #expect(try await api.latchkey.directory.authenticate(email: "fran@\(domain)", password: "", sourceIP: nil) == nil)
            }
        }
    }

    @Test func signingOutContinuesAtTheProviderAndComesBack() async throws {
        try await Harness().run { api, _ in
            let app = try await api.delegatedApp()
            let domain = uniqueDomain()
            let idp = OpenIDProviderDouble(email: "oli@\(domain)")
            try await idp.run { idp in
                try await connect(api, app, idp, domain: domain)
                let browser = BrowserSession(api: api)
                #expect(try await signInThrough(idp, browser, email: "oli@\(domain)").status == .seeOther)
                let account = try await browser.get("/account")
                #expect(account.status == .ok)
                let out = try await browser.post("/signout", [("_csrf", BrowserSession.csrf(in: account.body))])
                let location = try #require(out.headers[.location])
                #expect(location.hasPrefix(idp.issuer + "/logout?"))
                let asked = queryItems(location)
                #expect(asked["client_id"] == idp.clientID && asked["post_logout_redirect_uri"] == "https://login.example.test/signout/federated/done")
                // Signed out here already.
                #expect(try await browser.get("/account").status == .seeOther)
                // Another state is not this sign-out's: the signed-out page, no redirect.
                #expect(try await browser.get("/signout/federated/done?state=other").status == .ok)
                let back = try await browser.get("/signout/federated/done?state=" + BrowserSession.encode(try #require(asked["state"])))
                #expect(back.status == .seeOther && back.headers[.location] == "/signin")

                // A built-in user's sign-out goes nowhere else.
                let builtIn = BrowserSession(api: api)
                _ = try await builtIn.signIn(email: app.userEmail, password: app.password)
                let page = try await builtIn.get("/account")
                let own = try await builtIn.post("/signout", [("_csrf", BrowserSession.csrf(in: page.body))])
                #expect(own.headers[.location] == "/signin")
            }
        }
    }

    @Test func everyTokenThatDoesNotHoldIsRefusedWithItsReason() async throws {
        try await Harness().run { api, _ in
            let app = try await api.delegatedApp()
            let domain = uniqueDomain()
            let idp = OpenIDProviderDouble(email: "rae@\(domain)")
            try await idp.run { idp in
                try await connect(api, app, idp, domain: domain)
                let now = Int(Date().timeIntervalSince1970)
                let cases: [(String, @Sendable (inout [String: any Sendable]) -> Void)] = [
                    ("iss", { $0["iss"] = "https://impostor.example" }),
                    ("aud", { $0["aud"] = "someone-else" }),
                    ("azp", { $0["aud"] = [$0["aud"] as! String, "someone-else"] }),
                    ("expired", { $0["exp"] = now - 3600 }),
                    ("iat", { $0["iat"] = now + 3600 }),
                    ("no nonce", { $0["nonce"] = nil }),
                    ("wrong nonce", { $0["nonce"] = "not-the-one-sent" }),
                ]
                for (name, tweak) in cases {
                    idp.tweak.withLock { $0 = tweak }
                    let browser = BrowserSession(api: api)
                    let reply = try await signInThrough(idp, browser, email: "rae@\(domain)")
                    #expect(reply.status == .forbidden, "\(name): \(reply.status)")
                    #expect(reply.body.contains("could not verify"), "\(name)")
                    // No session came of it.
                    #expect(try await browser.get("/account").status == .seeOther, "\(name)")
                }
                idp.tweak.withLock { $0 = { _ in } }

                // Signed by a key the provider does not publish, under a kid it does.
                idp.foreignKey.withLock { $0 = .init() }
                let forged = try await signInThrough(idp, BrowserSession(api: api), email: "rae@\(domain)")
                #expect(forged.status == .forbidden && forged.body.contains("signature"))
                idp.foreignKey.withLock { $0 = nil }

                let audit = try await auditText(api, app)
                for reason in [
                    "iss is \\\"https://impostor.example\\\"", "aud does not name", "azp", "has expired", "iat is in the future", "has no nonce",
                    "nonce is not the one", "signature does not verify",
                ] {
                    #expect(audit.contains(reason), "\(reason)")
                }
                #expect(audit.contains("user.federated_sign_in_refused"))
                // None of it made a user.
                let users = try await api.send(.get, "/api/v1/tenants/\(app.tenantID)/users", token: app.operatorToken)
                #expect(!users.body.contains("rae@\(domain)"))
            }
        }
    }

    @Test func aStateIsUsedOnceAndOnlyByItsBrowser() async throws {
        try await Harness().run { api, _ in
            let app = try await api.delegatedApp()
            let domain = uniqueDomain()
            let idp = OpenIDProviderDouble(email: "sam@\(domain)")
            try await idp.run { idp in
                try await connect(api, app, idp, domain: domain)
                let browser = BrowserSession(api: api)
                let form = try await browser.get("/signin")
                let sent = try await browser.post("/signin", [("_csrf", BrowserSession.csrf(in: form.body)), ("email", "sam@\(domain)"), ("password", "")])
                let (callback, _) = try idp.authorize(sent.headers[.location])

                // Another browser cannot use the answer.
                let stranger = BrowserSession(api: api)
                _ = try await stranger.get("/signin")
                #expect(try await stranger.get(callback).status == .badRequest)

                // A state that is not the one sent is refused, and spends the sign-in.
                let tampered = callback.replacingOccurrences(of: "state=", with: "state=x")
                #expect(try await browser.get(tampered).status == .badRequest)
                #expect(try await browser.get(callback).status == .badRequest)

                // A fresh sign-in works once; its replay finds nothing.
                let fresh = try await browser.get("/signin")
                let again = try await browser.post("/signin", [("_csrf", BrowserSession.csrf(in: fresh.body)), ("email", "sam@\(domain)"), ("password", "")])
                let (second, _) = try idp.authorize(again.headers[.location])
                let cookieBefore = browser.cookie
                #expect(try await browser.get(second).status == .seeOther)
                #expect(browser.cookie != cookieBefore)
                let replay = BrowserSession(api: api, cookie: browser.cookie)
                #expect(try await replay.get(second).status == .badRequest)
            }
        }
    }

    @Test func aRotatedUpstreamKeyIsFetchedOnceAndTheSignInSucceeds() async throws {
        try await Harness().run { api, _ in
            let app = try await api.delegatedApp()
            let domain = uniqueDomain()
            let idp = OpenIDProviderDouble(email: "kit@\(domain)")
            try await idp.run { idp in
                try await connect(api, app, idp, domain: domain)
                #expect(try await signInThrough(idp, BrowserSession(api: api), email: "kit@\(domain)").status == .seeOther)
                #expect(try await signInThrough(idp, BrowserSession(api: api), email: "kit@\(domain)").status == .seeOther)
                #expect(idp.jwksFetches.withLock { $0 } == 1)
                idp.rotateKeys()
                #expect(try await signInThrough(idp, BrowserSession(api: api), email: "kit@\(domain)").status == .seeOther)
                #expect(idp.jwksFetches.withLock { $0 } == 2)
            }
        }
    }

    @Test func aProviderThatIsDownGetsAPageNotAnError() async throws {
        try await Harness().run { api, _ in
            let app = try await api.delegatedApp()
            let domain = uniqueDomain()
            let idp = OpenIDProviderDouble(email: "dee@\(domain)")
            try await idp.run { idp in
                try await connect(api, app, idp, domain: domain)
                idp.down.withLock { $0 = true }
                let reply = try await signInThrough(idp, BrowserSession(api: api), email: "dee@\(domain)")
                #expect(reply.status == .badGateway)
                #expect(reply.body.contains("cannot reach your organization"))
            }
            // Gone altogether: its address no longer answers.
            let browser = BrowserSession(api: api)
            let form = try await browser.get("/signin")
            let sent = try await browser.post("/signin", [("_csrf", BrowserSession.csrf(in: form.body)), ("email", "dee@\(domain)"), ("password", "")])
            #expect(sent.status == .seeOther)
            let (callback, _) = try idp.authorize(sent.headers[.location])
            let gone = try await browser.get(callback)
            #expect(gone.status == .badGateway, "\(gone.body.prefix(300))")
        }
    }

    @Test func hintsAndUnclaimedDomains() async throws {
        try await Harness().run { api, _ in
            let app = try await api.delegatedApp()
            let domain = uniqueDomain()
            let idp = OpenIDProviderDouble(email: "hal@\(domain)")
            try await idp.run { idp in
                try await connect(api, app, idp, domain: domain)
                // login_hint and domain_hint on the authorization request go straight to the provider.
                for hint in [("login_hint", "hal@\(domain)"), ("domain_hint", domain)] {
                    let browser = BrowserSession(api: api)
                    let start = try await browser.get(app.authorizeURL(extra: [hint]))
                    let signIn = try #require(start.headers[.location])
                    let toProvider = try await browser.get(signIn)
                    #expect(toProvider.headers[.location]?.hasPrefix(idp.issuer + "/authorize?") == true, "\(hint.0): \(toProvider.status)")
                }
                // An address whose domain no tenant claims signs in with its password.
                let browser = BrowserSession(api: api)
                let reply = try await browser.signIn(email: app.userEmail, password: app.password)
                #expect(reply.status == .seeOther && reply.headers[.location] == "/account")
                let other = BrowserSession(api: api)
                let refused = try await other.signIn(email: "nobody@unclaimed-\(UUID().uuidString.prefix(6)).example", password: "")
                #expect(refused.status == .unauthorized)

                // The page says to leave the password empty.
                #expect(try await other.get("/signin").body.contains("leave the password empty"))
            }
        }
    }

    @Test func linkingNeedsTheTenantsLeaveAndAVerifiedEmail() async throws {
        try await Harness().run { api, _ in
            let app = try await api.delegatedApp()
            let domain = uniqueDomain()
            let email = "lin@\(domain)"
            let builtIn = try await api.newUser(in: app.tenantID, email: email, password: app.password, operatorToken: app.operatorToken)
            let idp = OpenIDProviderDouble(email: email)
            try await idp.run { idp in
                let providerID = try await connect(api, app, idp, domain: domain)
                // Linking off: refused, with a page that says why.
                let off = try await signInThrough(idp, BrowserSession(api: api), email: email)
                #expect(off.status == .forbidden && off.body.contains("allow linking"))

                let on = try await api.send(.patch, "/api/v1/tenants/\(app.tenantID)/identity-providers/\(providerID)", token: app.operatorToken, json: ["allowLinking": true])
                #expect(on.status == .ok && on.json["allowLinking"] as? Bool == true, "\(on.body)")
                // Linking on, but the provider does not vouch for the email.
                idp.person.withLock { $0.emailVerified = false }
                let unverified = try await signInThrough(idp, BrowserSession(api: api), email: email)
                #expect(unverified.status == .forbidden && unverified.body.contains("verified"))

                idp.person.withLock { $0.emailVerified = true }
                let browser = BrowserSession(api: api)
                #expect(try await signInThrough(idp, browser, email: email).status == .seeOther)
                let users = try await api.send(.get, "/api/v1/tenants/\(app.tenantID)/users", token: app.operatorToken)
                let same = (users.json["users"] as? [[String: Any]] ?? []).filter { $0["email"] as? String == email }
                #expect(same.count == 1 && same.first?["id"] as? String == builtIn)
                #expect(try await auditText(api, app).contains("linked through"))
                // The password no longer signs the linked user in.
                #expect(try await api.latchkey.directory.authenticate(email: email, password: app.password, sourceIP: nil) == nil)

                // A built-in user outside the tenant's claimed domains is never linked, even
                // with linking on and a verified email.
                let outside = "out-\(UUID().uuidString.prefix(6).lowercased())@unclaimed.example"
                _ = try await api.newUser(in: app.tenantID, email: outside, password: app.password, operatorToken: app.operatorToken)
                idp.person.withLock { $0 = OpenIDProviderDouble.Person(email: outside) }
                // The unclaimed address does not route to the provider; go there as a hint would.
                let stranger = BrowserSession(api: api)
                let sent = try await stranger.get("/signin?domain_hint=\(domain)&login_hint=" + BrowserSession.encode(outside))
                let (callback, _) = try idp.authorize(sent.headers[.location])
                let refusedLink = try await stranger.get(callback)
                #expect(refusedLink.status == .forbidden && refusedLink.body.contains("own domains"))
                #expect(try await auditText(api, app).contains("outside the domains the organization claims"))

                // Removing the provider ends its users' sign-in; the user stays.
                #expect(try await api.send(.delete, "/api/v1/tenants/\(app.tenantID)/identity-providers/\(providerID)", token: app.operatorToken).status == .noContent)
                let after = try await BrowserSession(api: api).signIn(email: email, password: app.password)
                #expect(after.status == .unauthorized)
                #expect(try await api.send(.get, "/api/v1/tenants/\(app.tenantID)/users", token: app.operatorToken).body.contains(email))
            }
        }
    }

    @Test func aTenantAdminConnectsAProviderOnTheOrganizationPage() async throws {
        try await Harness().run { api, _ in
            let app = try await api.delegatedApp()
            let admin = BrowserSession(api: api)
            _ = try await admin.signIn(email: app.adminEmail, password: app.password)
            let page = try await admin.get("/account/organization")
            #expect(page.status == .ok && page.body.contains(Self.callback) && page.body.contains("No provider is connected"))

            // A mistake keeps what was typed (but the secret) and names the field.
            let csrf = BrowserSession.csrf(in: page.body)
            let wrong = try await admin.post("/account/organization/identity-providers", [
                ("_csrf", csrf), ("issuer", "http://login.fabrikam.example"), ("clientId", "latchkey-at-fabrikam"), ("clientSecret", "typed-secret"),
                ("scopes", "openid profile email"), ("adminClaim", "groups"), ("adminValue", ""),
            ])
            #expect(wrong.status == .unprocessableContent)
            #expect(wrong.body.contains("href=\"#issuer\"") && wrong.body.contains("href=\"#adminValue\""))
            #expect(wrong.body.contains("value=\"latchkey-at-fabrikam\"") && !wrong.body.contains("typed-secret"))

            let domain = uniqueDomain()
            let idp = OpenIDProviderDouble(email: "pat@\(domain)")
            try await idp.run { idp in
                let added = try await admin.post("/account/organization/identity-providers", [
                    ("_csrf", csrf), ("issuer", idp.issuer), ("clientId", idp.clientID), ("clientSecret", idp.clientSecret), ("scopes", "profile email"),
                    ("adminClaim", "groups"), ("adminValue", "latchkey-admins"), ("allowLinking", "on"),
                ])
                #expect(added.status == .seeOther, "\(added.body.prefix(500))")
                let connected = try await admin.get("/account/organization")
                // openid is always asked for.
                #expect(connected.body.contains("<code>openid profile email</code>"))
                #expect(connected.body.contains(idp.issuer) && connected.body.contains("groups holds latchkey-admins") && !connected.body.contains(idp.clientSecret))
                let listed = try await api.send(.get, "/api/v1/tenants/\(app.tenantID)/identity-providers", token: app.operatorToken)
                let provider = try #require((listed.json["identityProviders"] as? [[String: Any]])?.first)
                #expect(provider["allowLinking"] as? Bool == true)
                #expect(try await auditText(api, app).contains("identity_provider.create"))

                // The operator claims the domain; the provider signs its people in.
                #expect(try await api.send(.post, "/api/v1/tenants/\(app.tenantID)/domains", token: app.operatorToken, json: ["domain": domain]).status == .created)
                #expect(try await signInThrough(idp, BrowserSession(api: api), email: "pat@\(domain)").status == .seeOther)

                let id = try #require(provider["id"] as? String)
                let removed = try await admin.post("/account/organization/identity-providers/\(id)/remove", [("_csrf", csrf)])
                #expect(removed.status == .seeOther)
                #expect(try await admin.get("/account/organization").body.contains("No provider is connected"))
            }
        }
    }

    @Test func connectingChecksTheProviderAndNamesTheField() async throws {
        try await Harness().run { api, _ in
            let app = try await api.delegatedApp()
            let path = "/api/v1/tenants/\(app.tenantID)/identity-providers"
            @Sendable func issue(_ json: [String: any Sendable]) async throws -> (status: HTTPResponse.Status, fields: [String]) {
                let reply = try await api.send(.post, path, token: app.operatorToken, json: json)
                return (reply.status, (reply.json["issues"] as? [[String: Any]] ?? []).compactMap { $0["field"] as? String })
            }
            let plain = try await issue(["issuer": "http://login.fabrikam.example", "clientId": "x", "clientSecret": "y"])
            #expect(plain.status == .unprocessableContent && plain.fields == ["issuer"])
            let missing = try await issue(["issuer": "https://login.fabrikam.example"])
            #expect(missing.status == .unprocessableContent && Set(missing.fields) == ["clientId", "clientSecret"])
            let scopes = try await issue(["issuer": "https://login.fabrikam.example", "clientId": "x", "clientSecret": "y", "scopes": ["email", "a\u{1}b"]])
            #expect(scopes.fields == ["scopes"])
            let half = try await issue(["issuer": "https://login.fabrikam.example", "clientId": "x", "clientSecret": "y", "claims": ["adminClaim": "groups"]])
            #expect(half.fields == ["claims.adminValue"])

            let domain = uniqueDomain()
            let idp = OpenIDProviderDouble(email: "x@\(domain)")
            try await idp.run { idp in
                // Discovery must name the issuer as given: a conflict with what the provider says.
                let other = try await issue(["issuer": idp.issuer + "/tenant", "clientId": "x", "clientSecret": "y"])
                #expect(other.status == .conflict && other.fields == ["issuer"])
                try await connect(api, app, idp, domain: domain)
            }
            // Unreachable now: refused when connecting.
            let gone = try await issue(["issuer": idp.issuer, "clientId": "x", "clientSecret": "y"])
            #expect(gone.status == .conflict && gone.fields == ["issuer"])

            // A domain belongs to one tenant.
            let otherTenant = try await api.newTenant(operatorToken: app.operatorToken)
            let taken = try await api.send(.post, "/api/v1/tenants/\(otherTenant)/domains", token: app.operatorToken, json: ["domain": domain.uppercased()])
            #expect(taken.status == .conflict, "\(taken.body)")
            let bad = try await api.send(.post, "/api/v1/tenants/\(otherTenant)/domains", token: app.operatorToken, json: ["domain": "not a domain"])
            #expect(bad.status == .unprocessableContent && bad.body.contains("\"domain\""))
            // A seller who is not an operator manages none of it.
            let seller = try await api.send(.get, path, token: app.sellerToken)
            #expect(seller.status == .notFound)
        }
    }
}

/// A JWT's payload, read without verifying (the tests check what Latchkey wrote).
enum JWTParts {
    static func payload(_ token: String) -> [String: Any]? { part(token, 1) }

    static func header(_ token: String) -> [String: Any]? { part(token, 0) }

    static func part(_ token: String, _ index: Int) -> [String: Any]? {
        let parts = token.split(separator: ".")
        guard parts.count == 3 else { return nil }
        var text = String(parts[index]).replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while text.count % 4 != 0 { text += "=" }
        guard let data = Data(base64Encoded: text) else { return nil }
        return try? JSONSerialization.jsonObject(with: data) as? [String: Any]
    }
}
