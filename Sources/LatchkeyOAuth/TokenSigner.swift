import Crypto
import Foundation
import JWTKit

/// Signs and verifies access tokens with the server's ES256 key, and publishes its public half.
public final class TokenSigner: Sendable {
    public let kid: String
    /// The JWK Set served at `/.well-known/jwks.json` (RFC 7517).
    public let jwks: JWKS
    private let keys: JWTKeyCollection
    /// The key's signing algorithm, taken out of the collection once: the collection is an actor,
    /// and going through it cost every token two thread hops.
    private let algorithm: any JWTAlgorithm
    /// base64url of the fixed headers: access tokens are typed "at+jwt" (RFC 9068 §2.1), ID tokens "JWT".
    private let accessTokenHeader: String
    private let idTokenHeader: String

    public init(privateKey: P256.Signing.PrivateKey) async throws {
        let key = try ES256PrivateKey(backing: privateKey)
        guard let parameters = key.publicKey.parameters else { throw SignerError.unusableKey }
        let kid = Self.thumbprint(x: parameters.x, y: parameters.y)
        self.kid = kid
        self.jwks = JWKS(keys: [.ecdsa(.es256, identifier: JWKIdentifier(string: kid), x: parameters.x, y: parameters.y, curve: .p256)])
        let keys = JWTKeyCollection()
        await keys.add(ecdsa: key, kid: JWKIdentifier(string: kid))
        self.keys = keys
        self.algorithm = try await keys.getKey(for: JWKIdentifier(string: kid))
        let header = { (type: String) in
            Array(JSONText.object(["alg": .string("ES256"), "kid": .string(kid), "typ": .string(type)]).utf8).base64URLEncoded()
        }
        self.accessTokenHeader = header("at+jwt")
        self.idTokenHeader = header("JWT")
    }

    /// JWS compact serialization (RFC 7515 §7.1) of the claims, signed by JWTKit's ES256 signer.
    public func sign(_ claims: AccessTokenClaims) throws -> String {
        try sign(header: accessTokenHeader, payload: claims.jsonText)
    }

    public func sign(_ claims: IDTokenClaims) throws -> String {
        try sign(header: idTokenHeader, payload: claims.jsonText)
    }

    private func sign(header: String, payload: String) throws -> String {
        let signingInput = header + "." + Array(payload.utf8).base64URLEncoded()
        let signature = try algorithm.sign(Array(signingInput.utf8))
        return signingInput + "." + signature.base64URLEncoded()
    }

    /// The claims of an access token this server signed; throws for anything else, ID tokens
    /// included (RFC 9068 §4: the type tells them apart).
    public func verify(_ token: String) async throws -> AccessTokenClaims {
        guard token.hasPrefix(accessTokenHeader + ".") else { throw SignerError.notAnAccessToken }
        return try await keys.verify(token, as: AccessTokenClaims.self)
    }

    /// RFC 7638 JWK thumbprint: base64url SHA-256 of the required members in lexical order.
    static func thumbprint(x: String, y: String) -> String {
        let canonical = #"{"crv":"P-256","kty":"EC","x":"\#(x)","y":"\#(y)"}"#
        return Array(SHA256.hash(data: Data(canonical.utf8))).base64URLEncoded()
    }

    public enum SignerError: Error {
        case unusableKey
        case notAnAccessToken
    }
}

extension Collection<UInt8> {
    /// base64url without padding (RFC 7515 §2), straight from the bytes: the token endpoint does
    /// this three times per token, and string replacement on base64 text was a visible cost.
    func base64URLEncoded() -> String {
        let alphabet = Base64URL.alphabet
        var output: [UInt8] = []
        output.reserveCapacity((count * 4 + 2) / 3)
        var iterator = makeIterator()
        while let first = iterator.next() {
            let second = iterator.next()
            let third = iterator.next()
            output.append(alphabet[Int(first >> 2)])
            output.append(alphabet[Int((first & 0x03) << 4 | (second ?? 0) >> 4)])
            if let second { output.append(alphabet[Int((second & 0x0f) << 2 | (third ?? 0) >> 6)]) }
            if let third { output.append(alphabet[Int(third & 0x3f)]) }
        }
        return String(decoding: output, as: UTF8.self)
    }
}

enum Base64URL {
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
}
