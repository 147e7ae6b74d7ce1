import Foundation
import LatchkeyCore
import LatchkeyWire

/// The token endpoint of the ACS "low-trust" profile (docs/seed-model.md §2; docs/acs-wire.md §4), at
/// `POST /{realm}/tokens/OAuth/2` and `POST /tokens/OAuth/2`, for apps written for the seed's
/// system: `client_credentials` (an app-only token under the same rules as at /oauth2/token),
/// `refresh_token` (the context token's, for a user+app token) and `authorization_code` (a code
/// from /oauth2/authorize, for a user+app token and a refresh token). Access tokens name the
/// `resource` as their audience. Every number of the response is a string, and errors begin
/// with `{"error"` (§4.4, §4.5).
public struct ACSTokenEndpoint: Sendable {
    let authenticator: ClientAuthenticator
    let clientCredentials: ClientCredentialsGrant
    let authorizationCode: AuthorizationCodeGrant
    let directory: any AuthorizationDirectory
    let refreshTokens: ACSRefreshTokens
    let minter: TokenMinter
    let siteHosts: SiteHosts
    /// Where a revoked ACS refresh token is found (by `ACSRefreshTokens.id(of:)`).
    let revoked: RevokedAccessTokens
    let clock: Clock

    static let grantTypes = ["client_credentials", "refresh_token", "authorization_code"]

    public init(
        authenticator: ClientAuthenticator, clientCredentials: ClientCredentialsGrant, authorizationCode: AuthorizationCodeGrant,
        directory: any AuthorizationDirectory, refreshTokens: ACSRefreshTokens, minter: TokenMinter, siteHosts: SiteHosts, revoked: RevokedAccessTokens,
        clock: @escaping Clock
    ) {
        self.revoked = revoked
        self.siteHosts = siteHosts
        self.authenticator = authenticator
        self.clientCredentials = clientCredentials
        self.authorizationCode = authorizationCode
        self.directory = directory
        self.refreshTokens = refreshTokens
        self.minter = minter
        self.clock = clock
    }

    public func respond(form: FormParameters, pathRealm: String?) async throws -> String {
        let supported = Self.grantTypes.joined(separator: ", ")
        guard let grantType = try form.value("grant_type") else {
            throw OAuthError(.invalidRequest, "grant_type is missing; this endpoint supports \(supported).")
        }
        guard Self.grantTypes.contains(grantType) else {
            throw OAuthError(.unsupportedGrantType, "grant_type \(grantType) is not supported at this endpoint; use \(supported), or /oauth2/token.")
        }
        guard let clientText = try form.value("client_id"), let client = PrincipalName(clientText) else {
            throw OAuthError(.invalidClient, "client_id is missing or not {client id}[/{host}]@{realm}.")
        }
        guard let resourceText = try form.value("resource") else {
            throw OAuthError(.invalidRequest, "resource is missing: send \(ACSPrincipal.platform)/{host}@{realm}.")
        }
        guard let resource = PrincipalName(resourceText), resource.id == ACSPrincipal.platform, let host = resource.host else {
            throw OAuthError(.invalidRequest, "resource must be \(ACSPrincipal.platform)/{host}@{realm}, not \(resourceText).")
        }
        // docs/acs-wire.md §4.3: `scope`, when sent, repeats the resource; anything else is refused.
        if let scope = try form.value("scope"), PrincipalName(scope)?.id != ACSPrincipal.platform {
            throw OAuthError(.invalidScope, "scope must be the resource or left out.")
        }
        var refresh: ACSRefreshToken?
        if grantType == "refresh_token" {
            guard let text = try form.value("refresh_token") else {
                throw OAuthError(.invalidRequest, "refresh_token is missing: send the refreshtoken claim of the context token.")
            }
            guard let opened = refreshTokens.open(text) else {
                throw OAuthError(.invalidGrant, "The refresh token was not issued by this service, or was altered.")
            }
            refresh = opened
        }
        // The realm: from the path, the client id, the resource or the refresh token; where
        // several say it, they agree.
        let realms = Set([pathRealm, client.realm, resource.realm, refresh?.tenantID].compactMap { $0 })
        guard realms.count == 1, let realm = realms.first else {
            throw OAuthError(.invalidRequest, realms.isEmpty ? "No realm: post to /{realm}/tokens/OAuth/2 or send client_id as {client id}@{realm}." : "The realms of the path, client_id, resource and refresh token differ.")
        }
        guard siteHosts.admits(host, realm: realm) else {
            throw OAuthError(
                .invalidRequest,
                "resource names the host \(host), which is not a site of this deployment; name one of \(siteHosts.patterns.joined(separator: ", ")) (LATCHKEY_SITE_URL, LATCHKEY_SITE_HOSTS)."
            )
        }
        let credentials = ClientCredentials(clientID: client.id, secretCandidates: [try form.value("client_secret") ?? ""], method: .clientSecretPost)
        let registered = try await authenticator.authenticate(credentials)
        let audience = ACSPrincipal.name(ACSPrincipal.platform, host: host, realm: realm)

        switch grantType {
        case "client_credentials":
            let (tenantID, roles) = try await clientCredentials.authorize(client: registered, tenant: realm)
            return Self.json(try minter.appOnlyToken(client: registered, tenantID: tenantID, roles: roles, audience: audience), resource: audience)
        case "refresh_token":
            guard let refresh, refresh.clientID == registered.id else {
                throw OAuthError(.invalidGrant, "The refresh token was issued to another client.")
            }
            guard refresh.expiresAt > Int(clock().timeIntervalSince1970) else {
                throw OAuthError(.invalidGrant, "The refresh token has expired; a new launch of the app brings a new context token.")
            }
            guard let text = try form.value("refresh_token"), try await !revoked.isRevoked(ACSRefreshTokens.id(of: text)) else {
                throw OAuthError(.invalidGrant, "The refresh token was revoked; a new launch of the app brings a new context token.")
            }
            let (_, user) = try await directory.checkDelegatedGrant(
                client: registered, appID: refresh.appID, userID: refresh.userID, tenantID: refresh.tenantID, scopes: refresh.scopes
            )
            let (response, _) = try minter.userAccessToken(client: registered, user: user, scopes: refresh.scopes, audience: audience)
            return Self.json(response, resource: audience)
        default:
            let (response, refreshToken) = try await authorizationCode.redeem(form, client: registered) { code, app, user in
                guard code.tenantID == realm else {
                    throw OAuthError(.invalidGrant, "The code was issued in another realm than \(realm).")
                }
                let (response, accessTokenID) = try minter.userAccessToken(client: registered, user: user, scopes: code.scopes, audience: audience)
                let refresh = ACSRefreshToken(
                    clientID: registered.id, appID: app.id, userID: user.id, tenantID: realm, scopes: code.scopes,
                    authTime: Int(code.authTime.timeIntervalSince1970), expiresAt: (response.notBefore ?? 0) + ACSRefreshToken.lifetime
                )
                return ((response, try refreshTokens.seal(refresh)), accessTokenID, nil)
            }
            return Self.json(response, resource: audience, refreshToken: refreshToken)
        }
    }

    /// §4.4: the fields of a real response, in its order, every number a string.
    static func json(_ token: TokenResponse, resource: String, refreshToken: String? = nil) -> String {
        let notBefore = token.notBefore ?? 0
        var members: [(String, JSONText.Value)] = [
            ("token_type", .string("Bearer")), ("expires_in", .string(String(token.expiresIn))), ("not_before", .string(String(notBefore))),
            ("expires_on", .string(String(notBefore + token.expiresIn))), ("resource", .string(resource)), ("access_token", .token(token.accessToken)),
        ]
        if let refreshToken { members.append(("refresh_token", .string(refreshToken))) }
        return JSONText.object(members)
    }

    /// `GET /metadata/json/1?realm=` (docs/acs-wire.md §3): exactly one `OAuth2` endpoint.
    public static func metadata(issuer: String, realm: String) -> String {
        let endpoint = JSONText.object([
            "location": .string("\(issuer)/\(realm)/tokens/OAuth/2"), "protocol": .string("OAuth2"), "usage": .string("issuance"),
        ])
        let head = JSONText.object([
            "version": .string("1.0"), "name": .string("Latchkey"), "realm": .token(realm), "serviceName": .string("Latchkey token service"),
            "issuer": .string(ACSPrincipal.name(ACSPrincipal.tokenService, realm: realm)),
        ])
        return String(head.dropLast()) + ",\"allowedAudiences\":[\"\(ACSPrincipal.name(ACSPrincipal.platform, host: "*", realm: realm))\"],\"endpoints\":[\(endpoint)],\"keys\":[]}"
    }
}
