import Foundation
import Crypto
import LatchkeyWire

/// A context token (the `SPAppToken` of a launch) that passed validation: what an app reads
/// from it to act for the user who opened it.
public struct ContextToken: Sendable {
    /// The tenant's id: the realm every principal and token request names.
    public let realm: String
    /// Stable per user, app and realm: a key for the app's own session cache.
    public let cacheKey: String
    /// Where the refresh token is exchanged for access tokens (the realm-less ACS endpoint).
    public let securityTokenServiceURI: URL
    /// Sent back, unchanged, as `refresh_token`.
    public let refreshToken: String
    public let audience: String
    public let notBefore: Date
    public let expiresAt: Date
    /// `appctxsender`: the platform principal in the realm, `00000003-…@{realm}`.
    public let sender: String
    /// Which of the configured secrets signed it (0 for the first).
    public let secretIndex: Int
}

/// Why a context token was refused. The description says what to check.
public enum ContextTokenError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Not a JWT of three base64url parts, not HS256, or its claims are not a context token's.
    case malformed(String)
    /// None of the configured secrets signed it: the app's secrets are out of date, or the token
    /// is forged.
    case badSignature(secretsTried: Int)
    /// Meant for another app or another host.
    case wrongAudience(expected: String, found: String)
    case expired(at: Date)
    case notYetValid(until: Date)
    /// `iss` or `appctxsender` is not the token service's or the platform's principal.
    case wrongIssuer(String)

    public var description: String {
        switch self {
        case .malformed(let why): "The context token is malformed: \(why)."
        case .badSignature(let count):
            "The context token's signature matches none of the \(count) configured client secret\(count == 1 ? "" : "s"); configure the app's current secrets (primary and secondary)."
        case .wrongAudience(let expected, let found): "The context token is for \(found), not for this app (\(expected)); check the client id and the app's host name."
        case .expired(let date): "The context token expired at \(date); open the app again for a new one."
        case .notYetValid(let date): "The context token is not valid before \(date); check this machine's clock."
        case .wrongIssuer(let found): "The context token was not issued by the platform's token service: \(found)."
        }
    }
}

/// Validates context tokens the way the seed's clients do (docs/acs-wire.md §6.3): HS256 under the
/// base64-decoded client secret, trying each configured secret in turn so that rotating them
/// never breaks a launch; the audience `{clientId}/{host}@{realm}` compared without regard to
/// case; the lifetime with five minutes of clock skew.
public struct ContextTokenValidator: Sendable {
    public let clientID: String
    let keys: [SymmetricKey]
    let clockSkew: TimeInterval
    let now: @Sendable () -> Date

    /// `secrets`: the client secrets as issued (base64 text), primary first.
    public init(clientID: String, secrets: [String], clockSkew: TimeInterval = 300, now: @escaping @Sendable () -> Date = { Date() }) async throws {
        self.clientID = clientID.lowercased()
        var keys: [SymmetricKey] = []
        for secret in secrets {
            guard let bytes = Data(base64Encoded: secret.trimmingCharacters(in: .whitespacesAndNewlines)) else {
                throw ContextTokenError.malformed("a configured client secret is not base64; paste it as the Seller Dashboard showed it")
            }
            keys.append(SymmetricKey(data: bytes))
        }
        self.keys = keys
        self.clockSkew = clockSkew
        self.now = now
    }

    /// Validates `token` for the app running at `host` (its authority, `host[:port]`).
    public func validate(_ token: String, host: String) async throws(ContextTokenError) -> ContextToken {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let header = Self.decode(parts[0]), let payload = Self.decode(parts[1]), let signature = Self.decode(parts[2]),
            let alg = (try? JSONSerialization.jsonObject(with: header)) as? [String: Any]
        else {
            throw .malformed("expected three base64url parts")
        }
        guard alg["alg"] as? String == "HS256" else { throw .malformed("the algorithm must be HS256, not \(alg["alg"] ?? "none")") }
        // HS256 (RFC 7518 §3.2) over the first two parts as sent, under each configured secret;
        // the comparison is constant-time.
        let signingInput = Data(token.utf8.prefix(parts[0].utf8.count + 1 + parts[1].utf8.count))
        guard let signer = keys.firstIndex(where: { HMAC<SHA256>.isValidAuthenticationCode(signature, authenticating: signingInput, using: $0) }) else {
            throw .badSignature(secretsTried: keys.count)
        }
        let claims: ContextTokenClaims
        do {
            claims = try ContextTokenClaims(json: payload)
        } catch {
            throw .malformed(error.description)
        }
        guard let at = claims.issuer.lastIndex(of: "@") else { throw .malformed("iss has no realm") }
        let realm = String(claims.issuer[claims.issuer.index(after: at)...])
        // docs/apps.md (the context token's claims): the token service issues it, for the platform, in one realm.
        guard claims.issuer.lowercased() == ACSPrincipal.name(ACSPrincipal.tokenService, realm: realm.lowercased()), UUID(uuidString: realm) != nil else {
            throw .wrongIssuer("iss is \(claims.issuer)")
        }
        guard claims.sender.lowercased() == ACSPrincipal.name(ACSPrincipal.platform, realm: realm.lowercased()) else {
            throw .wrongIssuer("appctxsender is \(claims.sender)")
        }
        let expected = ACSPrincipal.name(clientID, host: host.lowercased(), realm: realm)
        guard claims.audience.lowercased() == expected else { throw .wrongAudience(expected: expected, found: claims.audience) }
        let moment = now()
        let notBefore = Date(timeIntervalSince1970: TimeInterval(claims.notBefore))
        let expiresAt = Date(timeIntervalSince1970: TimeInterval(claims.expiresAt))
        guard moment.addingTimeInterval(clockSkew) >= notBefore else { throw .notYetValid(until: notBefore) }
        guard moment.addingTimeInterval(-clockSkew) < expiresAt else { throw .expired(at: expiresAt) }
        guard let sts = URL(string: claims.securityTokenServiceURI) else {
            throw .malformed("appctx must be a JSON string with CacheKey and SecurityTokenServiceUri")
        }
        return ContextToken(
            realm: realm, cacheKey: claims.cacheKey, securityTokenServiceURI: sts, refreshToken: claims.refreshToken, audience: claims.audience,
            notBefore: notBefore, expiresAt: expiresAt, sender: claims.sender, secretIndex: signer
        )
    }

    static func decode(_ part: Substring) -> Data? {
        Data(base64URL: part)
    }
}
