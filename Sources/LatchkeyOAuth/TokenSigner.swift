import Crypto
import Foundation
import JWTKit
import LatchkeyWire
import Synchronization
import _CryptoExtras

/// The algorithms tokens are signed with: ES256 for everything by default; RS256 for the ID
/// tokens of clients that only verify RSA (their `id_token_signed_response_alg`).
public enum SigningAlgorithm: String, Sendable, CaseIterable {
    case es256 = "ES256"
    case rs256 = "RS256"
}

/// A private signing key and its RFC 7638 thumbprint (`kid`).
public struct SigningKeyMaterial: Sendable {
    public let algorithm: SigningAlgorithm
    public let kid: String
    fileprivate let kind: Kind

    fileprivate enum Kind: Sendable {
        case es256(P256.Signing.PrivateKey)
        case rs256(JWTKit.Insecure.RSA.PrivateKey)
    }

    public static func es256(_ key: P256.Signing.PrivateKey) throws -> SigningKeyMaterial {
        let x = Array(key.publicKey.x963Representation.dropFirst().prefix(32)).base64URLEncoded()
        let y = Array(key.publicKey.x963Representation.suffix(32)).base64URLEncoded()
        return SigningKeyMaterial(algorithm: .es256, kid: TokenSigner.thumbprint(#"{"crv":"P-256","kty":"EC","x":"\#(x)","y":"\#(y)"}"#), kind: .es256(key))
    }

    public static func rs256(_ key: _RSA.Signing.PrivateKey) throws -> SigningKeyMaterial {
        let primitives = try key.publicKey.getKeyPrimitives()
        let n = Array(primitives.modulus).base64URLEncoded()
        let e = Array(primitives.publicExponent).base64URLEncoded()
        return SigningKeyMaterial(algorithm: .rs256, kid: TokenSigner.thumbprint(#"{"e":"\#(e)","kty":"RSA","n":"\#(n)"}"#), kind: .rs256(try JWTKit.Insecure.RSA.PrivateKey(backing: key)))
    }

    /// What is stored (sealed): the P-256 raw scalar, or the RSA key's PKCS #1 DER.
    public var privateBytes: Data {
        switch kind {
        case .es256(let key): key.rawRepresentation
        case .rs256(let key): key.derRepresentation
        }
    }

    public static func restore(algorithm: SigningAlgorithm, privateBytes: Data) throws -> SigningKeyMaterial {
        switch algorithm {
        case .es256: try .es256(P256.Signing.PrivateKey(rawRepresentation: privateBytes))
        case .rs256: try .rs256(_RSA.Signing.PrivateKey(derRepresentation: privateBytes))
        }
    }

    public static func generate(_ algorithm: SigningAlgorithm) throws -> SigningKeyMaterial {
        switch algorithm {
        case .es256: try .es256(P256.Signing.PrivateKey())
        case .rs256: try .rs256(_RSA.Signing.PrivateKey(keySize: .bits2048))
        }
    }

    var jwk: JWK {
        switch kind {
        case .es256(let key):
            let parameters = key.publicKey.x963Representation
            return .ecdsa(
                .es256, identifier: JWKIdentifier(string: kid), x: Array(parameters.dropFirst().prefix(32)).base64URLEncoded(),
                y: Array(parameters.suffix(32)).base64URLEncoded(), curve: .p256
            )
        case .rs256(let key):
            let primitives = try? key.publicKey.getKeyPrimitives()
            return .rsa(
                .rs256, identifier: JWKIdentifier(string: kid), modulus: primitives.map { Array($0.modulus).base64URLEncoded() },
                exponent: primitives.map { Array($0.publicExponent).base64URLEncoded() }
            )
        }
    }
}

/// Signs and verifies tokens with the server's keys and publishes their public halves. The
/// newest key of each algorithm signs; older ones stay published (and verify) until the tokens
/// they signed have expired. `replace` swaps the key set when keys are rotated.
public final class TokenSigner: Sendable {
    private struct KeySet {
        let jwks: JWKS
        /// Every published key by `kid`, with its algorithm's name, taken out of the key
        /// collection once: verifying through the collection (an actor) ran every
        /// introspection on one executor, one at a time.
        let verifiers: [String: (alg: String, algorithm: any JWTAlgorithm)]
        /// Per algorithm: the signing algorithm object and the base64url headers it signs under.
        let signers: [SigningAlgorithm: Signer]
    }

    private struct Signer {
        let kid: String
        /// Taken out of the key collection once: the collection is an actor, and going through
        /// it cost every token two thread hops.
        let algorithm: any JWTAlgorithm
        let accessTokenHeader: String
        let idTokenHeader: String
        let logoutTokenHeader: String
    }

    private let state: Mutex<KeySet>

    /// Access tokens whose signature verified under the current keys, by the SHA-256 of their
    /// text: a resource server introspects the same token at each call it serves, and the ES256
    /// verification is most of an introspection. Emptied when the keys change (so a removed key's
    /// tokens verify again, and fail) and when it holds `verifiedCapacity` tokens. Only the
    /// signature is remembered: expiry, revocation and consent are checked at every call.
    private let verified = Mutex<(generation: Int, claims: [SHA256Digest: AccessTokenClaims])>((0, [:]))
    static let verifiedCapacity = 20_000

    /// `keys` newest first; the first of each algorithm signs.
    public init(keys: [SigningKeyMaterial]) async throws {
        self.state = Mutex(try await Self.keySet(keys))
    }

    public func replace(keys: [SigningKeyMaterial]) async throws {
        let set = try await Self.keySet(keys)
        state.withLock { $0 = set }
        verified.withLock { $0 = ($0.generation + 1, [:]) }
    }

    private static func keySet(_ keys: [SigningKeyMaterial]) async throws -> KeySet {
        let collection = JWTKeyCollection()
        for key in keys {
            switch key.kind {
            case .es256(let privateKey): await collection.add(ecdsa: try ES256PrivateKey(backing: privateKey), kid: JWKIdentifier(string: key.kid))
            case .rs256(let privateKey): await collection.add(rsa: privateKey, digestAlgorithm: .sha256, kid: JWKIdentifier(string: key.kid))
            }
        }
        var verifiers: [String: (alg: String, algorithm: any JWTAlgorithm)] = [:]
        for key in keys {
            verifiers[key.kid] = (key.algorithm.rawValue, try await collection.getKey(for: JWKIdentifier(string: key.kid)))
        }
        var signers: [SigningAlgorithm: Signer] = [:]
        for key in keys where signers[key.algorithm] == nil {
            guard let verifier = verifiers[key.kid] else { throw SignerError.unusableKey }
            let header = { (type: String) in
                Array(JSONText.object(["alg": .string(key.algorithm.rawValue), "kid": .string(key.kid), "typ": .string(type)]).utf8).base64URLEncoded()
            }
            signers[key.algorithm] = Signer(
                kid: key.kid, algorithm: verifier.algorithm,
                accessTokenHeader: header("at+jwt"), idTokenHeader: header("JWT"), logoutTokenHeader: header("logout+jwt")
            )
        }
        guard signers[.es256] != nil else { throw SignerError.unusableKey }
        return KeySet(jwks: JWKS(keys: keys.map(\.jwk)), verifiers: verifiers, signers: signers)
    }

    /// The JWK Set served at `/.well-known/jwks.json` (RFC 7517).
    public var jwks: JWKS { state.withLock { $0.jwks } }

    /// The `kid` signing with the algorithm now.
    public func kid(_ algorithm: SigningAlgorithm = .es256) -> String? {
        state.withLock { $0.signers[algorithm]?.kid }
    }

    /// JWS compact serialization (RFC 7515 §7.1) of an access token, ES256.
    public func sign(_ claims: AccessTokenClaims) throws -> String {
        let signer = try signer(.es256)
        return try sign(header: signer.accessTokenHeader, payload: claims.jsonText, with: signer.algorithm)
    }

    /// An ID token, with the algorithm the client asked for (ES256 when no key of it exists).
    public func sign(_ claims: IDTokenClaims, algorithm: SigningAlgorithm = .es256) throws -> String {
        let signer = try (try? self.signer(algorithm)) ?? self.signer(.es256)
        return try sign(header: signer.idTokenHeader, payload: claims.jsonText, with: signer.algorithm)
    }

    /// A Back-Channel Logout token (§2.4), ES256, typed `logout+jwt` so that it is never taken
    /// for an ID token.
    public func sign(_ claims: LogoutTokenClaims) throws -> String {
        let signer = try signer(.es256)
        return try sign(header: signer.logoutTokenHeader, payload: claims.jsonText, with: signer.algorithm)
    }

    private func signer(_ algorithm: SigningAlgorithm) throws -> Signer {
        guard let signer = state.withLock({ $0.signers[algorithm] }) else { throw SignerError.unusableKey }
        return signer
    }

    private func sign(header: String, payload: String, with algorithm: any JWTAlgorithm) throws -> String {
        let signingInput = header + "." + Array(payload.utf8).base64URLEncoded()
        let signature = try algorithm.sign(Array(signingInput.utf8))
        return signingInput + "." + signature.base64URLEncoded()
    }

    /// The claims of an access token this server signed with a published key; throws for
    /// anything else, ID tokens included (RFC 9068 §4: the `typ` tells them apart).
    public func verify(_ token: String) async throws -> AccessTokenClaims {
        let digest = SHA256.hash(data: Data(token.utf8))
        let (generation, known) = verified.withLock { ($0.generation, $0.claims[digest]) }
        if let known { return known }
        let claims = try verifySignature(token)
        verified.withLock { cache in
            guard cache.generation == generation else { return }
            if cache.claims.count >= Self.verifiedCapacity { cache.claims.removeAll(keepingCapacity: true) }
            cache.claims[digest] = claims
        }
        return claims
    }

    private func verifySignature(_ token: String) throws -> AccessTokenClaims {
        try verifySignature(token, type: "at+jwt", as: AccessTokenClaims.self)
    }

    /// The claims of an ID token this server signed with a key it still publishes, whether or
    /// not it has expired (an `id_token_hint` at sign-out is often an old one).
    public func verifyIDToken(_ token: String) throws -> IDTokenClaims {
        try verifySignature(token, type: "JWT", as: IDTokenClaims.self)
    }

    private func verifySignature<Claims: Decodable>(_ token: String, type: String, as: Claims.Type) throws -> Claims {
        // Split on bytes: splitting a String by Character runs grapheme breaking over the token.
        let parts = token.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false).map(Substring.init)
        guard parts.count == 3, let header = Data(base64URL: parts[0]),
            let object = try? JSONSerialization.jsonObject(with: header) as? [String: Any], object["typ"] as? String == type
        else { throw SignerError.notAnAccessToken }
        // The key named by `kid`, and only with its own algorithm (no algorithm confusion).
        guard let kid = object["kid"] as? String, let key = state.withLock({ $0.verifiers[kid] }), object["alg"] as? String == key.alg,
            let signature = Data(base64URL: parts[2]), let payload = Data(base64URL: parts[1])
        else { throw SignerError.badSignature }
        let signingInput = token.utf8.prefix(parts[0].utf8.count + 1 + parts[1].utf8.count)
        guard try key.algorithm.verify(signature, signs: Array(signingInput)) else { throw SignerError.badSignature }
        return try JSONDecoder().decode(Claims.self, from: payload)
    }

    /// RFC 7638 JWK thumbprint: base64url SHA-256 of the required members in lexical order.
    static func thumbprint(_ canonical: String) -> String {
        Array(SHA256.hash(data: Data(canonical.utf8))).base64URLEncoded()
    }

    public enum SignerError: Error {
        case unusableKey
        case notAnAccessToken
        case badSignature
    }
}
