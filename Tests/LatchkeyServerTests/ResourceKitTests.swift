import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LatchkeyResourceKit
import Testing

struct CalendarContext: AccessTokenRequestContext {
    var coreContext: CoreRequestContextStorage
    var accessToken: VerifiedAccessToken?

    init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
    }
}

@Suite("LatchkeyResourceKit against a running Latchkey")
struct ResourceKitTests {
    /// A verifier for the test server on its real port (the issuer stays the configured one).
    func verifier(port: Int, introspection: (clientID: String, clientSecret: String)? = nil, audience: String? = nil) -> AccessTokenVerifier {
        var configuration = AccessTokenVerifier.Configuration(issuer: "https://login.example.test", introspection: introspection)
        if let audience { configuration.audience = audience }
        configuration.jwksURL = URL(string: "http://127.0.0.1:\(port)/.well-known/jwks.json")!
        if let introspection {
            configuration.introspection = (URL(string: "http://127.0.0.1:\(port)/oauth2/introspect")!, introspection.clientID, introspection.clientSecret)
        }
        return AccessTokenVerifier(configuration: configuration)
    }

    /// A live server, and a client enabled there for client credentials.
    func withEnabledClient(_ test: @Sendable (_ api: API, _ port: Int, _ id: String, _ secret: String, EnabledApp) async throws -> Void) async throws {
        var harness = Harness()
        harness.mode = .live
        try await harness.run { api, _ in
            let port = try #require(api.client.port)
            let (seller, _) = try await api.newSeller()
            let (id, secret, _) = try await api.newClient(token: seller)
            try await test(api, port, id, secret, try await api.enable(id, sellerToken: seller))
        }
    }

    @Test func validatesSignatureIssuerAudienceLifetimeAndRevocation() async throws {
        try await withEnabledClient { api, port, id, secret, enabled in
            let token = try #require(try await api.token(id, secret).string("access_token"))

            let verified = try await verifier(port: port).verify(token)
            #expect(verified.subject == id && verified.clientID == id && verified.tenantID == enabled.tenantID)
            #expect(verified.isAppOnly && verified.grants("Calendars.Read.All") && !verified.grants("Calendars.ReadWrite"))

            // Tampered, for another audience, expired: refused, each with its reason.
            var parts = token.split(separator: ".").map(String.init)
            parts[1] = String(parts[1].reversed())
            await #expect(throws: AccessTokenError.self) { try await verifier(port: port).verify(parts.joined(separator: ".")) }
            do {
                _ = try await verifier(port: port, audience: "https://another.api").verify(token)
                Issue.record("a token for another audience was accepted")
            } catch {
                #expect(String(describing: error).contains("audience"))
            }
            do {
                _ = try await verifier(port: port).verify(token, now: Date().addingTimeInterval(7200))
                Issue.record("an expired token was accepted")
            } catch {
                #expect(String(describing: error).contains("expired"))
            }

            // With introspection, revoking the tenant's consent stops the token at once.
            let introspecting = verifier(port: port, introspection: (id, secret))
            #expect(try await introspecting.verify(token).subject == id)
            let revoked = try await api.send(.delete, "/api/v1/tenants/\(enabled.tenantID)/consents/\(enabled.appID)", token: enabled.operatorToken)
            #expect(revoked.status == .noContent)
            do {
                _ = try await introspecting.verify(token)
                Issue.record("a revoked token was accepted")
            } catch {
                #expect(String(describing: error).contains("revoked"))
            }
            // Without introspection the signature still holds until the token expires (one hour).
            #expect(try await verifier(port: port).verify(token).subject == id)
        }
    }

    @Test func theRevocationFeedStopsTokensWithinASecondWithoutIntrospection() async throws {
        try await withEnabledClient { api, port, id, secret, enabled in
            let first = try #require(try await api.token(id, secret).string("access_token"))
            let second = try #require(try await api.token(id, secret).string("access_token"))

            // The feed is for clients: no credentials, no rules.
            let anonymous = try await api.send(.get, "/oauth2/revocations")
            #expect(anonymous.status == .unauthorized && anonymous.string("error") == "invalid_client")
            // Defect 6: the feed names every seller's clients and tenants: resource servers only.
            let app = try await api.send(.get, "/oauth2/revocations", headers: [.authorization: "Basic " + Data("\(id):\(secret)".utf8).base64EncodedString()])
            #expect(app.status == .badRequest && app.string("error") == "unauthorized_client")
            let (server, serverSecret, _) = try await api.newClient(token: enabled.operatorToken, ["resourceServer": true])
            let badWait = try await api.send(
                .get, "/oauth2/revocations?wait=600", headers: [.authorization: "Basic " + Data("\(server):\(serverSecret)".utf8).base64EncodedString()]
            )
            #expect(badWait.status == .badRequest && badWait.string("error_description")?.contains("wait") == true)

            let feed = RevocationFeed(issuer: "http://127.0.0.1:\(port)", clientID: server, clientSecret: serverSecret, wait: 5)
            let following = Task { await feed.run() }
            defer { following.cancel() }
            var configuration = verifier(port: port).configuration
            configuration.revocations = feed
            let checking = AccessTokenVerifier(configuration: configuration)
            // Caught up with every rule kept (on a shared database, other tests' too) before the clock starts.
            #expect(try await elapsedUntil(.seconds(20)) { feed.isCurrent } != nil)
            #expect(try await checking.verify(first).subject == id)

            // One token revoked by the client (RFC 7009): that token only.
            let revoke = try await api.send(
                .post, "/oauth2/revoke", body: "token=\(first)",
                headers: [.authorization: "Basic " + Data("\(id):\(secret)".utf8).base64EncodedString(), .contentType: "application/x-www-form-urlencoded"]
            )
            #expect(revoke.status == .ok)
            let refusedFirst = try await elapsedUntil(.seconds(1)) { (try? await checking.verify(first)) == nil }
            #expect(refusedFirst != nil, "the revoked token is refused within a second")
            #expect(try await checking.verify(second).subject == id, "the other token stands")

            // The tenant's consent revoked: every token the app held for the tenant.
            let revoked = try await api.send(.delete, "/api/v1/tenants/\(enabled.tenantID)/consents/\(enabled.appID)", token: enabled.operatorToken)
            #expect(revoked.status == .noContent)
            let refusedSecond = try await elapsedUntil(.seconds(1)) { (try? await checking.verify(second)) == nil }
            #expect(refusedSecond != nil, "a revoked consent stops the app's tokens within a second")
            do {
                _ = try await checking.verify(second)
            } catch {
                #expect(String(describing: error).contains("revoked"))
            }
        }
    }

    @Test func theMiddlewareChallengesAndChecksPermissions() async throws {
        var harness = Harness()
        harness.mode = .live
        try await harness.run { api, _ in
            let port = try #require(api.client.port)
            let (seller, _) = try await api.newSeller()
            let (id, secret, _) = try await api.newClient(token: seller)
            try await api.enable(id, sellerToken: seller)
            let token = try #require(try await api.token(id, secret).string("access_token"))

            let router = Router(context: CalendarContext.self)
            let protected = router.group().add(middleware: BearerTokenMiddleware(verifier: verifier(port: port), realm: "calendar"))
            protected.get("all-events") { _, context in
                _ = try context.requireAny(of: "Calendars.Read.All")
                return "ok"
            }
            protected.get("write") { _, context in
                _ = try context.requireAny(of: "Calendars.ReadWrite")
                return "ok"
            }
            try await Application(router: router).test(.router) { client in
                let none = try await client.execute(uri: "/all-events", method: .get)
                #expect(none.status == .unauthorized && none.headers[.wwwAuthenticate] == "Bearer realm=\"calendar\"")
                let bad = try await client.execute(uri: "/all-events", method: .get, headers: [.authorization: "Bearer not.a.token"])
                #expect(bad.status == .unauthorized && bad.headers[.wwwAuthenticate]?.contains("error=\"invalid_token\"") == true)
                let good = try await client.execute(uri: "/all-events", method: .get, headers: [.authorization: "Bearer \(token)"])
                #expect(good.status == .ok)
                let lacking = try await client.execute(uri: "/write", method: .get, headers: [.authorization: "Bearer \(token)"])
                #expect(lacking.status == .forbidden && lacking.headers[.wwwAuthenticate]?.contains("insufficient_scope") == true)
                #expect(String(buffer: lacking.body).contains("\"error\":\"insufficient_scope\""))
            }
        }
    }

    /// The JWK Set requests Latchkey answered, from its own `/metrics`.
    func keySetRequests(_ api: API) async throws -> Int {
        let metrics = try await api.send(.get, "/metrics").body
        return metrics.split(separator: "\n").filter { $0.hasPrefix("latchkey_http_requests_total{") && $0.contains("route=\"/.well-known/jwks.json\"") }
            .compactMap { Int($0.split(separator: " ").last ?? "") }.reduce(0, +)
    }

    @Test func badTokensNeverFetchTheKeySetAndUnknownKeysAtMostOncePerInterval() async throws {
        try await withEnabledClient { api, port, id, secret, _ in
            let token = try #require(try await api.token(id, secret).string("access_token"))
            var configuration = verifier(port: port).configuration
            configuration.unknownKeyRefetchInterval = 2
            let checking = AccessTokenVerifier(configuration: configuration)
            #expect(try await checking.verify(token).subject == id)
            let before = try await keySetRequests(api)

            // 1,000 garbage tokens and 1,000 tampered signatures under the known key: no fetch.
            let parts = token.split(separator: ".").map(String.init)
            var generator = SystemRandomNumberGenerator()
            await withTaskGroup(of: Void.self) { group in
                for number in 0..<1000 {
                    let garbage = number % 2 == 0 ? "not.a.token\(number)" : String((0..<Int.random(in: 1...200, using: &generator)).map { _ in "AZaz09-_.é%".randomElement()! })
                    var tampered = parts
                    tampered[2] = String(tampered[2].reversed())
                    let bad = tampered.joined(separator: ".")
                    group.addTask {
                        _ = try? await checking.verify(garbage)
                        _ = try? await checking.verify(bad)
                    }
                }
            }
            #expect(try await keySetRequests(api) == before, "garbage and bad signatures fetched the JWK Set")

            // 1,000 well-formed tokens naming an unknown kid, at once: one fetch for the window.
            let header = Data(#"{"alg":"ES256","kid":"rotated-in-later","typ":"at+jwt"}"#.utf8).base64EncodedString()
                .replacingOccurrences(of: "=", with: "").replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            let unknown = [header, parts[1], parts[2]].joined(separator: ".")
            await withTaskGroup(of: Void.self) { group in
                for _ in 0..<1000 { group.addTask { _ = try? await checking.verify(unknown) } }
            }
            #expect(try await keySetRequests(api) == before + 1)
            try await Task.sleep(for: .milliseconds(2100))
            for _ in 0..<50 { _ = try? await checking.verify(unknown) }
            #expect(try await keySetRequests(api) == before + 2, "one more fetch after the interval")
            #expect(try await checking.verify(token).subject == id, "the known key still verifies")
        }
    }

    /// RFC 9068 §2.1 and §4: an access token says `typ` `at+jwt`, and is not used before `nbf`.
    /// Signed here with a key of the test's own, served as the issuer's JWK Set.
    @Test func onlyAccessTokensAndNotBeforeTheirTime() async throws {
        let key = P256.Signing.PrivateKey()
        let raw = key.publicKey.rawRepresentation
        @Sendable func b64(_ data: some DataProtocol) -> String {
            Data(data).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        }
        let jwks = #"{"keys":[{"kty":"EC","crv":"P-256","kid":"own","alg":"ES256","use":"sig","x":"\#(b64(raw.prefix(32)))","y":"\#(b64(raw.suffix(32)))"}]}"#
        @Sendable func token(typ: String, nbf: Int?) throws -> String {
            let now = Int(Date().timeIntervalSince1970)
            let header = b64(Data(#"{"alg":"ES256","kid":"own","typ":"\#(typ)"}"#.utf8))
            let notBefore = nbf.map { ",\"nbf\":\($0)" } ?? ""
            let claims = b64(Data(#"{"iss":"https://login.example.test","sub":"u","aud":"00000003-0000-0ff1-ce00-000000000000","exp":\#(now + 600),"iat":\#(now),"jti":"j","client_id":"c"\#(notBefore)}"#.utf8))
            let signature = try key.signature(for: Data("\(header).\(claims)".utf8))
            return "\(header).\(claims).\(b64(signature.rawRepresentation))"
        }
        let router = Router()
        router.get(".well-known/jwks.json") { _, _ in Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: jwks))) }
        try await Application(router: router).test(.live) { client in
            let port = try #require(client.port)
            var configuration = AccessTokenVerifier.Configuration(issuer: "https://login.example.test")
            configuration.jwksURL = URL(string: "http://127.0.0.1:\(port)/.well-known/jwks.json")!
            let verifier = AccessTokenVerifier(configuration: configuration)
            let now = Int(Date().timeIntervalSince1970)
            #expect(try await verifier.verify(try token(typ: "at+jwt", nbf: now - 5)).subject == "u")
            #expect(try await verifier.verify(try token(typ: "at+jwt", nbf: nil)).subject == "u")
            let idToken = try token(typ: "JWT", nbf: nil)
            await #expect(throws: AccessTokenError.self, "an ID token (typ JWT) is not an access token") {
                try await verifier.verify(idToken)
            }
            do {
                _ = try await verifier.verify(try token(typ: "at+jwt", nbf: now + 600))
                Issue.record("a token used before its nbf was accepted")
            } catch {
                #expect(String(describing: error).contains("nbf"))
            }
        }
    }
}
