import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Synchronization
import Testing

/// A tenant's OpenID provider the tests control: discovery, a JWK Set of P-256 keys, and a token
/// endpoint that checks the client's secret and PKCE and answers with an ES256 ID token shaped
/// as the test says (a wrong issuer, an old token, another key). Its authorization endpoint is
/// the browser's leg: `authorize(_:)` plays it in-process and gives the callback to follow.
final class OpenIDProviderDouble: Sendable {
    struct SigningKey: Sendable {
        let kid: String
        let key: P256.Signing.PrivateKey
    }

    /// Who signs in at the provider.
    struct Person: Sendable {
        var subject = "upstream-" + UUID().uuidString.prefix(8).lowercased()
        var email: String
        var name = "Fran Federated"
        var emailVerified = true
        var groups: [String] = []
    }

    struct Issued: Sendable {
        let nonce: String?
        let challenge: String?
        let redirectURI: String
        var used = false
    }

    let clientID = "latchkey-" + UUID().uuidString.prefix(8).lowercased()
    let clientSecret = "provider-secret-" + UUID().uuidString
    let keys = Mutex([SigningKey(kid: "key-1", key: P256.Signing.PrivateKey())])
    let person: Mutex<Person>
    /// Changes the ID token's claims before it is signed.
    let tweak = Mutex<@Sendable (inout [String: any Sendable]) -> Void>({ _ in })
    /// Signs with this key instead of the first published one (keeping its `kid`).
    let foreignKey = Mutex<P256.Signing.PrivateKey?>(nil)
    let codes = Mutex<[String: Issued]>([:])
    let jwksFetches = Mutex(0)
    /// The auth_time of the last ID token issued.
    let lastAuthTime = Mutex<Int?>(nil)
    let tokenRequests = Mutex<[[String: String]]>([])
    /// Every endpoint answers 503.
    let down = Mutex(false)
    private let base = Mutex("")

    var issuer: String { base.withLock { $0 } }

    init(email: String) {
        person = Mutex(Person(email: email))
    }

    /// Serves on a free port of this machine while `body` runs.
    func run(_ body: @Sendable (OpenIDProviderDouble) async throws -> Void) async throws {
        let router = Router()
        router.get(".well-known/openid-configuration") { _, _ -> Response in
            if self.down.withLock({ $0 }) { return Response(status: .serviceUnavailable) }
            return Self.json([
                "issuer": self.issuer, "authorization_endpoint": self.issuer + "/authorize", "token_endpoint": self.issuer + "/token",
                "jwks_uri": self.issuer + "/jwks", "end_session_endpoint": self.issuer + "/logout",
                "response_types_supported": ["code"], "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["ES256"],
            ])
        }
        router.get("jwks") { _, _ -> Response in
            if self.down.withLock({ $0 }) { return Response(status: .serviceUnavailable) }
            self.jwksFetches.withLock { $0 += 1 }
            return Self.json(["keys": self.keys.withLock { $0 }.map(Self.jwk)])
        }
        router.post("token") { request, _ -> Response in
            if self.down.withLock({ $0 }) { return Response(status: .serviceUnavailable) }
            let body = String(buffer: try await request.body.collect(upTo: 1 << 16))
            let form = Self.form(body)
            self.tokenRequests.withLock { $0.append(form) }
            let expected = "Basic " + Data("\(self.clientID):\(self.clientSecret)".utf8).base64EncodedString()
            guard request.headers[.authorization] == expected else { return Self.json(["error": "invalid_client"], status: .unauthorized) }
            let code = form["code"] ?? ""
            let issued = self.codes.withLock { codes -> Issued? in
                guard let found = codes[code], !found.used else { return nil }
                codes[code]?.used = true
                return found
            }
            guard let issued, form["grant_type"] == "authorization_code", form["redirect_uri"] == issued.redirectURI,
                let verifier = form["code_verifier"], Self.s256(verifier) == issued.challenge
            else { return Self.json(["error": "invalid_grant"], status: .badRequest) }
            return Self.json(["access_token": UUID().uuidString, "token_type": "Bearer", "expires_in": 300, "id_token": self.idToken(nonce: issued.nonce)])
        }
        try await Application(router: router).test(.live) { client in
            base.withLock { $0 = "http://localhost:\(client.port!)" }
            try await body(self)
        }
    }

    /// The browser at the authorization endpoint: the person signs in and is sent back with a
    /// code. Returns the callback's path and query on Latchkey, and the request's parameters.
    func authorize(_ location: String?) throws -> (callback: String, request: [String: String]) {
        let request = queryItems(location)
        #expect(location?.hasPrefix(issuer + "/authorize?") == true, "\(location ?? "no redirect")")
        let code = "code-" + UUID().uuidString
        let redirect = try #require(request["redirect_uri"])
        codes.withLock { $0[code] = Issued(nonce: request["nonce"], challenge: request["code_challenge"], redirectURI: redirect) }
        var callback = try #require(URLComponents(string: redirect))
        callback.queryItems = [URLQueryItem(name: "code", value: code), URLQueryItem(name: "state", value: request["state"])]
        return (callback.percentEncodedPath + "?" + (callback.percentEncodedQuery ?? ""), request)
    }

    /// Replaces the published keys with a new one: tokens are signed with it from now on.
    func rotateKeys() {
        keys.withLock { $0 = [SigningKey(kid: "key-\(UUID().uuidString.prefix(6))", key: P256.Signing.PrivateKey())] }
    }

    func idToken(nonce: String?) -> String {
        let now = Int(Date().timeIntervalSince1970)
        let person = self.person.withLock { $0 }
        var claims: [String: any Sendable] = [
            "iss": issuer, "aud": clientID, "sub": person.subject, "iat": now, "exp": now + 300, "auth_time": now - 5, "email": person.email,
            "email_verified": person.emailVerified, "name": person.name, "groups": person.groups, "amr": ["pwd", "mfa"],
        ]
        if let nonce { claims["nonce"] = nonce }
        lastAuthTime.withLock { $0 = now - 5 }
        tweak.withLock { $0 }(&claims)
        let signing = keys.withLock { $0[0] }
        let key = foreignKey.withLock { $0 } ?? signing.key
        let header = Self.base64URL(try! JSONSerialization.data(withJSONObject: ["alg": "ES256", "typ": "JWT", "kid": signing.kid]))
        let payload = Self.base64URL(try! JSONSerialization.data(withJSONObject: claims))
        let input = header + "." + payload
        let signature = try! key.signature(for: Data(input.utf8)).rawRepresentation
        return input + "." + Self.base64URL(signature)
    }

    static func jwk(_ key: SigningKey) -> [String: String] {
        let raw = key.key.publicKey.rawRepresentation
        return ["kty": "EC", "crv": "P-256", "kid": key.kid, "alg": "ES256", "use": "sig", "x": base64URL(raw.prefix(32)), "y": base64URL(raw.suffix(32))]
    }

    static func base64URL(_ data: some DataProtocol) -> String {
        Data(data).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    static func s256(_ verifier: String) -> String {
        base64URL(Data(SHA256.hash(data: Data(verifier.utf8))))
    }

    static func form(_ body: String) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in body.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map { String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? "" }
            fields[parts[0]] = parts.count > 1 ? parts[1] : ""
        }
        return fields
    }

    static func json(_ object: [String: any Sendable], status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: try! JSONSerialization.data(withJSONObject: object)))
        )
    }
}
