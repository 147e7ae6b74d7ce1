import Crypto
import Foundation
import JWTKit

/// Signs and verifies access tokens with the server's ES256 key, and publishes its public half.
public final class TokenSigner: Sendable {
    public let kid: String
    /// The JWK Set served at `/.well-known/jwks.json` (RFC 7517).
    public let jwks: JWKS
    private let keys: JWTKeyCollection
    private let header: JWTHeader

    public init(privateKey: P256.Signing.PrivateKey) async throws {
        let key = try ES256PrivateKey(backing: privateKey)
        guard let parameters = key.publicKey.parameters else { throw SignerError.unusableKey }
        let kid = Self.thumbprint(x: parameters.x, y: parameters.y)
        self.kid = kid
        self.jwks = JWKS(keys: [.ecdsa(.es256, identifier: JWKIdentifier(string: kid), x: parameters.x, y: parameters.y, curve: .p256)])
        self.keys = JWTKeyCollection()
        await keys.add(ecdsa: key, kid: JWKIdentifier(string: kid))
        // RFC 9068 §2.1: access tokens are typed "at+jwt".
        self.header = JWTHeader(fields: ["typ": .string("at+jwt"), "alg": .string("ES256"), "kid": .string(kid)])
    }

    public func sign(_ claims: AccessTokenClaims) async throws -> String {
        try await keys.sign(claims, kid: JWKIdentifier(string: kid), header: header)
    }

    /// The claims of a token this server signed; throws for anything else.
    public func verify(_ token: String) async throws -> AccessTokenClaims {
        try await keys.verify(token, as: AccessTokenClaims.self)
    }

    /// RFC 7638 JWK thumbprint: base64url SHA-256 of the required members in lexical order.
    static func thumbprint(x: String, y: String) -> String {
        let canonical = #"{"crv":"P-256","kty":"EC","x":"\#(x)","y":"\#(y)"}"#
        return Data(SHA256.hash(data: Data(canonical.utf8))).base64URLEncoded()
    }

    public enum SignerError: Error {
        case unusableKey
    }
}

extension Data {
    func base64URLEncoded() -> String {
        base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
