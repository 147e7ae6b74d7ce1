import Crypto
import Foundation
import HTTPTypes
import JWTKit
import LatchkeyServer
import Logging
import Testing

/// Protocol abuse beyond the flows' own tests (code replay, refresh reuse and PKCE downgrade are
/// in `AuthorizationFlowTests`): redirect-URI look-alikes, mixed-up issuers, tokens carried from
/// one client to another, and framing and forged forms on every page.
@Suite("Protocol abuse")
struct ProtocolAbuseTests {
    let flows = AuthorizationFlowTests()

    /// Each look-alike of the registered https://app.contoso.com/auth gets a page, never a
    /// redirect: exact string comparison (RFC 9700 §4.1.3).
    @Test func redirectURILookAlikesNeverRedirect() async throws {
        try await Harness().run { api, _ in
            let app = try await api.delegatedApp()
            let browser = BrowserSession(api: api)
            let variants = [
                "https://APP.contoso.com/auth", "https://app.contoso.com/Auth", "https://app.contoso.com/auth/", "https://app.contoso.com/auth/.",
                "https://app.contoso.com/x/../auth", "https://app.contoso.com/auth?next=https://evil.example", "https://user@app.contoso.com/auth",
                "https://app.contoso.com@evil.example/auth", "https://app.contoso.com/auth#fragment", "https://app.contoso.com%2Fauth",
                "https://app.contoso.com/%61uth", "https://app.contoso.com:443/auth", "https://app.contoso.com:8443/auth", "http://app.contoso.com/auth",
                "https://app.contoso.com.evil.example/auth", "https://evil.example\\@app.contoso.com/auth", "https://app.contoso.com/auth%00",
                "//app.contoso.com/auth", "https://app.contoso.com/auth ",
            ]
            for variant in variants {
                let url = app.authorizeURL(extra: [("redirect_uri", variant)]).replacingOccurrences(
                    of: "redirect_uri=\(BrowserSession.encode(app.redirectURI))&", with: ""
                )
                let reply = try await browser.get(url)
                #expect(reply.status == .badRequest && reply.headers[.location] == nil, "\(variant): \(reply.status)")
            }
            // The registered one, as registered, proceeds (to sign in).
            #expect(try await browser.get(app.authorizeURL()).status == .seeOther)
        }
    }

    /// RFC 9207: the authorization response names its issuer, discovery says so, and every
    /// token names it; a token signed elsewhere, however its claims read, is not ours.
    @Test func mixedUpIssuersAreTold() async throws {
        try await Harness().run { api, _ in
            let app = try await api.delegatedApp()
            let metadata = try await api.send(.get, "/.well-known/openid-configuration")
            #expect(metadata["authorization_response_iss_parameter_supported"] as? Bool == true)
            let issuer = try #require(metadata.string("issuer"))
            let browser = BrowserSession(api: api)
            let pkce = PKCE()
            let redirect = try await flows.authorize(browser, app, url: app.authorizeURL(pkce: pkce), email: app.userEmail)
            #expect(queryItems(redirect.headers[.location])["iss"] == issuer)
            let code = try flows.code(from: redirect)
            let tokens = try await api.tokenRequest(app, [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", app.redirectURI), ("code_verifier", pkce.verifier)])
            let access = try #require(tokens.string("access_token"))
            let payload = try #require(Data(base64Encoded: Self.base64(access.split(separator: ".")[1])))
            #expect((try JSONSerialization.jsonObject(with: payload) as? [String: Any])?["iss"] as? String == issuer)

            // The same claims signed by another issuer's key.
            let keys = JWTKeyCollection()
            await keys.add(ecdsa: ES256PrivateKey(), kid: "elsewhere")
            let claims = try JSONDecoder().decode(ForeignClaims.self, from: payload)
            let forged = try await keys.sign(claims, kid: "elsewhere")
            let userinfo = try await api.send(.get, "/oauth2/userinfo", headers: [.authorization: "Bearer \(forged)"])
            #expect(userinfo.status == .unauthorized && userinfo.string("error") == "invalid_token")
            #expect(try await api.introspect(forged, as: app)["active"] as? Bool == false)
        }
    }

    /// A token or code obtained by one client is worth nothing in another's hands.
    @Test func tokensDoNotMoveBetweenClients() async throws {
        try await Harness().run { api, _ in
            // A confidential client of an earlier era, allowed to ask for codes without PKCE.
            let app = try await api.delegatedApp(clientFields: ["pkceOptional": true])
            let browser = BrowserSession(api: api)
            let first = try await api.tokenRequest(app, [
                ("grant_type", "authorization_code"),
                ("code", try flows.code(from: try await flows.authorize(browser, app, url: app.authorizeURL(pkce: nil), email: app.userEmail))),
                ("redirect_uri", app.redirectURI),
            ])
            let refresh = try #require(first.string("refresh_token"))
            let access = try #require(first.string("access_token"))
            let (otherID, otherSecret, _) = try await api.newClient(token: app.sellerToken)
            let other = "Basic " + Data("\(otherID):\(otherSecret)".utf8).base64EncodedString()
            let form: HTTPFields = [.authorization: other, .contentType: "application/x-www-form-urlencoded"]
            let stolenRefresh = try await api.send(.post, "/oauth2/token", body: "grant_type=refresh_token&refresh_token=\(BrowserSession.encode(refresh))", headers: form)
            #expect(stolenRefresh.status == .badRequest && stolenRefresh.string("error") == "invalid_grant")
            let peek = try await api.send(.post, "/oauth2/introspect", body: "token=\(BrowserSession.encode(access))", headers: form)
            #expect(peek["active"] as? Bool == false && peek.json.count == 1)
            let peekRefresh = try await api.send(.post, "/oauth2/introspect", body: "token=\(BrowserSession.encode(refresh))", headers: form)
            #expect(peekRefresh["active"] as? Bool == false)
            // Revoking someone else's token is accepted (RFC 7009 §2.2) and changes nothing.
            let revoke = try await api.send(.post, "/oauth2/revoke", body: "token=\(BrowserSession.encode(refresh))", headers: form)
            #expect(revoke.status == .ok)
            #expect(try await api.tokenRequest(app, [("grant_type", "refresh_token"), ("refresh_token", refresh)]).status == .ok)
        }
    }

    /// Every page refuses to be framed; every form refuses a post without its CSRF token.
    @Test func everyPageRefusesFramingAndEveryFormAForgedPost() async throws {
        try await Harness().run { api, _ in
            let world = try await World.make(api)
            let routes = try await routeDescriptions(api.latchkey, logger: Logger(label: "routes")).map { $0.replacing(/:([A-Za-z]+)/) { "{\($0.1)}" } }
            let pages = routes.filter { !$0.contains(" /api/") && !$0.contains("/assets/") && !$0.contains("OAuth/2") && !$0.contains("/.well-known/") }
            let (seller, _) = try await world.sellerSession(world.ownerEmail, password: "correct horse battery")
            let (user, _) = try await world.userSession(world.userEmail)
            var framed: [String] = []
            var forged: [String] = []
            for route in pages {
                let parts = route.split(separator: " ", maxSplits: 1)
                let path = try await world.path(String(parts[1]), for: .owner, credentials: .init(), destructive: true)
                for session in [seller, user] {
                    if parts[0] == "GET" {
                        let reply = try await session.get(path)
                        guard reply.headers[.contentType]?.hasPrefix("text/html") == true else { continue }
                        if reply.headers[.xFrameOptions] != "DENY" || reply.headers[.contentSecurityPolicy]?.contains("frame-ancestors 'none'") != true {
                            framed.append(route)
                        }
                    } else if parts[0] == "POST", !path.hasPrefix("/oauth2/") || path == "/oauth2/authorize" {
                        let reply = try await session.post(path, [("decision", "allow")])
                        if reply.status != .forbidden || !reply.body.contains("This form has expired") { forged.append("\(route): \(reply.status)") }
                    }
                }
            }
            #expect(framed == [], "pages that may be framed")
            #expect(forged == [], "forms that took a post without their CSRF token")
            #expect(pages.count > 40)
        }
    }

    struct ForeignClaims: JWTPayload {
        var iss: String
        var sub: String
        var aud: String
        var exp: Int
        var iat: Int
        var jti: String
        var client_id: String
        var tid: String?
        var scp: String?

        func verify(using algorithm: some JWTAlgorithm) async throws {}
    }

    static func base64(_ text: Substring) -> String {
        var value = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while value.count % 4 != 0 { value += "=" }
        return value
    }
}

extension HTTPField.Name {
    static let xFrameOptions = Self("X-Frame-Options")!
}
