import Foundation
import LatchkeyCore

/// Whether an access token this server signed still stands: signature, issuer, lifetime, not
/// revoked, its client still registered, and the grant behind it (the user's or the tenant's
/// consent, the installation) still in place. Shared by introspection and userinfo.
public struct AccessTokenValidator: Sendable {
    let signer: TokenSigner
    let settings: IssuerSettings
    let clients: any ClientDirectory
    let directory: any AuthorizationDirectory
    let grants: any GrantStore
    let clock: Clock

    public init(
        signer: TokenSigner, settings: IssuerSettings, clients: any ClientDirectory, directory: any AuthorizationDirectory,
        grants: any GrantStore, clock: @escaping Clock
    ) {
        self.signer = signer
        self.settings = settings
        self.clients = clients
        self.directory = directory
        self.grants = grants
        self.clock = clock
    }

    /// The claims of a token that is active now, or `nil`.
    public func activeClaims(_ token: String) async throws -> AccessTokenClaims? {
        guard let claims = try? await signer.verify(token), claims.iss == settings.issuer,
            claims.exp > Int(clock().timeIntervalSince1970),
            let clientID = ClientID(claims.clientID), let client = try await clients.client(clientID),
            try await !grants.isAccessTokenRevoked(id: claims.jti)
        else { return nil }
        guard let tenantID = claims.tid else { return claims }
        guard let app = try await directory.approvedApp(for: clientID) else { return nil }
        if claims.isAppOnly {
            let access = try await directory.access(appID: app.id, tenantID: tenantID)
            guard access.installed, Set(claims.roles ?? []).isSubset(of: access.tenantConsents) else { return nil }
            return claims
        }
        do {
            _ = try await directory.checkDelegatedGrant(client: client, appID: app.id, userID: claims.sub, tenantID: tenantID, scopes: claims.scopes)
            return claims
        } catch is OAuthError {
            return nil
        }
    }
}

/// `POST /oauth2/introspect` (RFC 7662) for access and refresh tokens. The caller authenticates
/// as a client (a protected resource registers as one).
public struct IntrospectionEndpoint: Sendable {
    let authenticator: ClientAuthenticator
    let validator: AccessTokenValidator
    let grants: any GrantStore
    let clock: Clock

    public init(authenticator: ClientAuthenticator, validator: AccessTokenValidator, grants: any GrantStore, clock: @escaping Clock) {
        self.authenticator = authenticator
        self.validator = validator
        self.grants = grants
        self.clock = clock
    }

    public struct Response: Sendable, Codable, Equatable {
        public let active: Bool
        public var clientID: String?
        public var sub: String?
        public var aud: String?
        public var iss: String?
        public var exp: Int?
        public var iat: Int?
        public var jti: String?
        public var tokenType: String?
        public var scope: String?
        public var tid: String?

        enum CodingKeys: String, CodingKey {
            case active, sub, aud, iss, exp, iat, jti, scope, tid
            case clientID = "client_id"
            case tokenType = "token_type"
        }

        static let inactive = Response(active: false)
    }

    public func respond(form: FormParameters, authorization: String?) async throws -> Response {
        _ = try await authenticator.authenticate(authorization: authorization, form: form)
        guard let token = try form.value("token") else {
            throw OAuthError(.invalidRequest, "token is missing: send the token to introspect as the token parameter.")
        }
        if let claims = try await validator.activeClaims(token) {
            return Response(
                active: true, clientID: claims.clientID, sub: claims.sub, aud: claims.aud, iss: claims.iss, exp: claims.exp,
                iat: claims.iat, jti: claims.jti, tokenType: "Bearer", scope: claims.scp ?? claims.roles?.joined(separator: " "), tid: claims.tid
            )
        }
        if let grant = try await grants.refreshGrant(SecretDigest(of: token), at: clock()) {
            return Response(
                active: true, clientID: grant.clientID.rawValue, sub: grant.userID, iss: validator.settings.issuer,
                exp: Int(grant.expiresAt.timeIntervalSince1970), iat: Int(grant.createdAt.timeIntervalSince1970),
                tokenType: "refresh_token", scope: grant.scopes.joined(separator: " "), tid: grant.tenantID
            )
        }
        return .inactive
    }
}

/// `POST /oauth2/revoke` (RFC 7009): a client revokes one of its refresh tokens (and with it
/// the family) or access tokens. Unknown tokens are answered 200 too (§2.2).
public struct RevocationEndpoint: Sendable {
    let authenticator: ClientAuthenticator
    let signer: TokenSigner
    let grants: any GrantStore
    let clock: Clock

    public init(authenticator: ClientAuthenticator, signer: TokenSigner, grants: any GrantStore, clock: @escaping Clock) {
        self.authenticator = authenticator
        self.signer = signer
        self.grants = grants
        self.clock = clock
    }

    /// Returns what was revoked, for the audit log.
    public func respond(form: FormParameters, authorization: String?) async throws -> (client: ClientID, revoked: String?) {
        let client = try await authenticator.authenticate(authorization: authorization, form: form)
        guard let token = try form.value("token") else {
            throw OAuthError(.invalidRequest, "token is missing: send the token to revoke as the token parameter.")
        }
        if try await grants.revokeRefreshToken(SecretDigest(of: token), clientID: client.id, at: clock()) {
            return (client.id, "refresh_token")
        }
        if let claims = try? await signer.verify(token), claims.clientID == client.id.rawValue {
            let audit = claims.tid.map { tenant in
                AuditEntry(
                    sellerID: tenant, actor: "client \(client.id)", action: .grantRevoke, objectType: "access_token", objectID: claims.jti,
                    at: clock(), sourceIP: nil, detail: "revoked by the client (RFC 7009); subject \(claims.sub)"
                )
            }
            try await grants.revokeAccessToken(id: claims.jti, expiresAt: Date(timeIntervalSince1970: TimeInterval(claims.exp)), audit: audit)
            return (client.id, "access_token")
        }
        return (client.id, nil)
    }
}

/// `GET|POST /oauth2/userinfo` (OpenID Connect Core §5.3): the claims the user consented to.
public struct UserInfoEndpoint: Sendable {
    let validator: AccessTokenValidator
    let directory: any AuthorizationDirectory

    public init(validator: AccessTokenValidator, directory: any AuthorizationDirectory) {
        self.validator = validator
        self.directory = directory
    }

    public func respond(authorization: String?) async throws -> [String: String] {
        guard let authorization, authorization.lowercased().hasPrefix("bearer "), case let token = authorization.dropFirst(7).trimmingWhitespace(), !token.isEmpty
        else {
            throw OAuthError(.invalidToken, "Send the access token as Authorization: Bearer <token>.")
        }
        guard let claims = try await validator.activeClaims(token), !claims.isAppOnly, let user = try await directory.user(claims.sub) else {
            throw OAuthError(.invalidToken, "The access token is invalid, expired or revoked.")
        }
        guard claims.scopes.contains("openid") else {
            throw OAuthError(.insufficientScope, "The access token was not granted the openid scope.")
        }
        var info = ["sub": user.id, "tid": user.tenantID]
        if claims.scopes.contains("email") { info["email"] = user.email }
        if claims.scopes.contains("profile") { info["name"] = user.displayName }
        return info
    }
}

extension String {
    fileprivate func trimmingWhitespace() -> String {
        String(drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }
}

extension Substring {
    fileprivate func trimmingWhitespace() -> String { String(self).trimmingWhitespace() }
}
