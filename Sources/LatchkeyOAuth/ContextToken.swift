import Crypto
import Foundation
import LatchkeyCore
import LatchkeyWire

/// The refresh token of the ACS profile: what a context token carries and the ACS authorization
/// code grant returns. Apps written for that profile keep it and present it again and again
/// (docs/acs-wire.md §4.2, §6.2), so it does not rotate; it is sealed, self-contained, and checked at
/// every use against what is in force then — the app approved and installed, the user present,
/// the permissions still consented — so that a revoked consent ends it at once.
public struct ACSRefreshToken: Sendable, Equatable {
    public let clientID: ClientID
    public let appID: String
    public let userID: String
    public let tenantID: String
    public let scopes: [String]
    public let authTime: Int
    public let expiresAt: Int

    /// As long as the context token that carries it: a launch, or the app's AppRedirect.aspx
    /// request, gives a fresh one.
    public static let lifetime = 12 * 3600

    public init(clientID: ClientID, appID: String, userID: String, tenantID: String, scopes: [String], authTime: Int, expiresAt: Int) {
        self.clientID = clientID
        self.appID = appID
        self.userID = userID
        self.tenantID = tenantID
        self.scopes = scopes
        self.authTime = authTime
        self.expiresAt = expiresAt
    }
}

/// Seals and opens ACS refresh tokens under their purpose key (`SealingKeys`), so that every
/// node reads what any node issued.
public struct ACSRefreshTokens: Sendable {
    let sealer: SecretSealer

    public init(keys: SealingKeys) {
        self.sealer = keys.acsRefreshTokens
    }

    public func seal(_ token: ACSRefreshToken) throws -> String {
        let fields = ["1", token.clientID.rawValue, token.appID, token.userID, token.tenantID, String(token.authTime), String(token.expiresAt), token.scopes.joined(separator: " ")]
        return try sealer.seal(Data(fields.joined(separator: "\n").utf8))
    }

    /// The id an ACS refresh token is revoked by: the digest of its text (RFC 7009 names no
    /// other handle, and the sealed box carries none).
    public static func id(of text: String) -> String {
        "acs-refresh:" + SecretDigest(of: text).hex
    }

    /// The token, or `nil` when it was not sealed here (or was altered).
    public func open(_ text: String) -> ACSRefreshToken? {
        guard let plain = try? sealer.open(text) else { return nil }
        let fields = String(decoding: plain, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard fields.count == 8, fields[0] == "1", let client = ClientID(fields[1]), let authTime = Int(fields[5]), let expiresAt = Int(fields[6]) else { return nil }
        return ACSRefreshToken(
            clientID: client, appID: fields[2], userID: fields[3], tenantID: fields[4], scopes: Scopes.parse(fields[7]), authTime: authTime, expiresAt: expiresAt
        )
    }
}

/// Signs context tokens (docs/seed-model.md §2; docs/acs-wire.md §6): the signed inbound data every launch hands an
/// app. HS256 under the base64-decoded value of the Client ID's signing secret — the one secret
/// that signs at this moment, so that after a switch, a deletion or an expiry the next launch is
/// signed by the new one.
public struct ContextTokenIssuer: Sendable {
    let secrets: SecretSealer
    let cacheKeys: SecretSealer
    let refreshTokens: ACSRefreshTokens
    /// The realm-less token endpoint the app posts the refresh token to (docs/acs-wire.md §1).
    let tokenServiceURI: String
    let clock: Clock

    /// docs/acs-wire.md §6.2: about 12 hours.
    public static let lifetime = 12 * 3600

    public init(keys: SealingKeys, refreshTokens: ACSRefreshTokens, issuer: String, clock: @escaping Clock) {
        self.secrets = keys.clientSecrets
        self.cacheKeys = keys.contextCacheKeys
        self.refreshTokens = refreshTokens
        self.tokenServiceURI = issuer + "/tokens/OAuth/2"
        self.clock = clock
    }

    public enum Failure: Error, Sendable {
        /// The Client ID has no active secret, so nothing can sign.
        case noSigningSecret
        /// The stored secret does not open under this master key.
        case unreadableSecret
    }

    /// A context token for `user` launching `app` (whose Client ID is `client`) in their tenant,
    /// carrying a refresh token for the delegated `scopes` they consented to.
    public func issue(client: RegisteredClient, appID: String, user: PlatformUser, scopes: [String], authTime: Date) throws -> String {
        let moment = clock()
        let now = Int(moment.timeIntervalSince1970)
        guard let secret = client.registration.signingSecret(at: moment) else { throw Failure.noSigningSecret }
        guard let key = secrets.signingKey(of: secret) else { throw Failure.unreadableSecret }
        let realm = user.tenantID
        let refresh = try refreshTokens.seal(ACSRefreshToken(
            clientID: client.id, appID: appID, userID: user.id, tenantID: realm, scopes: scopes,
            authTime: Int(authTime.timeIntervalSince1970), expiresAt: now + ACSRefreshToken.lifetime
        ))
        // docs/acs-wire.md §6.2: CacheKey is opaque and stable per user, app and realm.
        let cacheKey = Data(cacheKeys.authenticationCode(for: Data("\(user.id)\n\(appID)\n\(realm)".utf8))).base64EncodedString()
        let claims = ContextTokenClaims(
            audience: ACSPrincipal.name(client.id.rawValue, host: client.registration.appDomain.description, realm: realm),
            issuer: ACSPrincipal.name(ACSPrincipal.tokenService, realm: realm), notBefore: now, expiresAt: now + Self.lifetime,
            sender: ACSPrincipal.name(ACSPrincipal.platform, realm: realm), cacheKey: cacheKey, securityTokenServiceURI: tokenServiceURI, refreshToken: refresh
        )
        let signingInput = Self.header + "." + Array(claims.json.utf8).base64URLEncoded()
        let signature = HMAC<SHA256>.authenticationCode(for: Data(signingInput.utf8), using: SymmetricKey(data: key))
        return signingInput + "." + Array(signature).base64URLEncoded()
    }

    static let header = Array(#"{"typ":"JWT","alg":"HS256"}"#.utf8).base64URLEncoded()
}
