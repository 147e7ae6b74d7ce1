import Foundation
import LatchkeyCore

/// Makes the tokens the grants hand out: RFC 9068 access tokens, OpenID Connect ID tokens and
/// rotating refresh tokens.
public struct TokenMinter: Sendable {
    let signer: TokenSigner
    public let settings: IssuerSettings
    let clock: Clock

    public init(signer: TokenSigner, settings: IssuerSettings, clock: @escaping Clock) {
        self.signer = signer
        self.settings = settings
        self.clock = clock
    }

    /// An app-only token (client credentials): the subject is the client, `roles` its permissions.
    /// `audience` is the platform unless a profile names a resource (the ACS `resource`).
    func appOnlyToken(client registered: RegisteredClient, tenantID: String, roles: [String], audience: String? = nil) throws -> TokenResponse {
        let client = registered.id
        let now = Int(clock().timeIntervalSince1970)
        var claims = AccessTokenClaims(
            iss: settings.issuer, sub: client.rawValue, aud: audience ?? settings.audience, exp: now + settings.accessTokenLifetime, iat: now,
            jti: Self.tokenID(), clientID: client.rawValue, tid: tenantID, roles: roles
        )
        claims.secretID = registered.authenticatedSecretID
        return TokenResponse(accessToken: try signer.sign(claims), tokenType: "Bearer", expiresIn: settings.accessTokenLifetime, scope: roles.joined(separator: " "), notBefore: now)
    }

    /// An access token for the app acting for `user` with `scopes`; `audience` as in
    /// `appOnlyToken`. Returns the response and the token's id.
    func userAccessToken(client registered: RegisteredClient, user: PlatformUser, scopes: [String], audience: String? = nil) throws -> (TokenResponse, String) {
        let now = Int(clock().timeIntervalSince1970)
        let jti = Self.tokenID()
        let scope = scopes.joined(separator: " ")
        var access = AccessTokenClaims(
            iss: settings.issuer, sub: user.id, aud: audience ?? settings.audience, exp: now + settings.accessTokenLifetime, iat: now,
            jti: jti, clientID: registered.id.rawValue, tid: user.tenantID, scp: scope
        )
        access.secretID = registered.authenticatedSecretID
        return (TokenResponse(accessToken: try signer.sign(access), tokenType: "Bearer", expiresIn: settings.accessTokenLifetime, scope: scope, notBefore: now), jti)
    }

    /// The tokens of a delegated grant: an access token for the scopes, an ID token when `openid`
    /// was granted, and a refresh token of `family` when `offline_access` was — returned for the
    /// caller to store with what else it writes.
    func delegatedTokens(
        client registered: RegisteredClient, app: AppListing, user: PlatformUser, scopes: [String], authTime: Date, authentication: Authentication, nonce: String?,
        family: String?
    ) throws -> (response: TokenResponse, accessTokenID: String, refreshToken: RefreshGrant?) {
        let client = registered.id
        let now = clock()
        let seconds = Int(now.timeIntervalSince1970)
        var (response, jti) = try userAccessToken(client: registered, user: user, scopes: scopes)
        if scopes.contains("openid") {
            var id = IDTokenClaims(
                iss: settings.issuer, sub: user.id, aud: client.rawValue, exp: seconds + settings.idTokenLifetime, iat: seconds,
                authTime: Int(authTime.timeIntervalSince1970), nonce: nonce, tid: user.tenantID,
                email: scopes.contains("email") ? user.email : nil, name: scopes.contains("profile") ? user.displayName : nil
            )
            id.idp = authentication.identityProvider
            id.amr = authentication.methods.isEmpty ? nil : authentication.methods
            id.sid = authentication.sessionID
            response.idToken = try signer.sign(id, algorithm: registered.registration.idTokenAlgorithm == .rs256 ? .rs256 : .es256)
        }
        var refresh: RefreshGrant?
        if scopes.contains("offline_access") {
            let token = OpaqueToken.generate()
            refresh = RefreshGrant(
                id: ObjectID.generate(), digest: token.digest, familyID: family ?? ObjectID.generate(), clientID: client, appID: app.id, userID: user.id,
                tenantID: user.tenantID, scopes: scopes, authTime: authTime, authentication: authentication, createdAt: now, expiresAt: now.addingTimeInterval(RefreshGrant.lifetime)
            )
            response.refreshToken = token.value
        }
        return (response, jti, refresh)
    }

    /// 128 random bits, base64url: a unique `jti` at a tenth of the cost of formatting a UUID.
    static func tokenID() -> String {
        var generator = SystemRandomNumberGenerator()
        let high = generator.next() as UInt64
        let low = generator.next() as UInt64
        return withUnsafeBytes(of: (high, low)) { Array($0) }.base64URLEncoded()
    }
}

/// RFC 6749 §3.3: the space-separated scopes of a request, each once.
enum Scopes {
    static func parse(_ text: String?) -> [String] {
        var seen: Set<String> = []
        return (text ?? "").split(separator: " ").map(String.init).filter { seen.insert($0).inserted }
    }
}
