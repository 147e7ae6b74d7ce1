import Foundation
import LatchkeyCore

/// `POST /oauth2/revoke` (RFC 7009): a client revokes one of its refresh tokens (and with it
/// the family), its ACS refresh tokens, or its access tokens. Unknown tokens are answered 200
/// too (§2.2).
public struct RevocationEndpoint: Sendable {
    let authenticator: ClientAuthenticator
    let signer: TokenSigner
    let grants: any RefreshTokenStore & TokenRevocationStore
    let acsRefreshTokens: ACSRefreshTokens
    let clock: Clock

    public init(authenticator: ClientAuthenticator, signer: TokenSigner, grants: any RefreshTokenStore & TokenRevocationStore, acsRefreshTokens: ACSRefreshTokens, clock: @escaping Clock) {
        self.authenticator = authenticator
        self.signer = signer
        self.grants = grants
        self.acsRefreshTokens = acsRefreshTokens
        self.clock = clock
    }

    /// Returns what was revoked, for the audit log.
    public func respond(form: FormParameters, authorization: String?) async throws -> (client: ClientID, revoked: String?) {
        let client = try await authenticator.authenticate(authorization: authorization, form: form)
        guard let token = try form.value("token") else {
            throw OAuthError(.invalidRequest, "token is missing: send the token to revoke as the token parameter.")
        }
        let now = clock()
        if try await grants.revokeRefreshToken(SecretDigest(of: token), clientID: client.id, effects: { $0.revokedByClient(at: now) }) {
            return (client.id, "refresh_token")
        }
        if let refresh = acsRefreshTokens.open(token), refresh.clientID == client.id {
            guard refresh.expiresAt > Int(now.timeIntervalSince1970) else { return (client.id, nil) }
            let audit = AuditEntry(
                sellerID: refresh.tenantID, actor: "client \(client.id)", action: .grantRevoke, objectType: "acs_refresh_token",
                objectID: ACSRefreshTokens.id(of: token), at: now, sourceIP: nil, detail: "revoked by the client (RFC 7009); user \(refresh.userID)"
            )
            try await grants.revokeACSRefreshToken(
                id: ACSRefreshTokens.id(of: token), expiresAt: Date(timeIntervalSince1970: TimeInterval(refresh.expiresAt)), at: now, audit: audit
            )
            return (client.id, "acs_refresh_token")
        }
        if let claims = try? await signer.verify(token), claims.clientID == client.id.rawValue {
            // An expired token needs no rule: resource servers refuse it already.
            guard claims.exp > Int(now.timeIntervalSince1970) else { return (client.id, nil) }
            let audit = claims.tid.map { tenant in
                AuditEntry(
                    sellerID: tenant, actor: "client \(client.id)", action: .grantRevoke, objectType: "access_token", objectID: claims.jti,
                    at: now, sourceIP: nil, detail: "revoked by the client (RFC 7009); subject \(claims.sub)"
                )
            }
            try await grants.revokeAccessToken(id: claims.jti, expiresAt: Date(timeIntervalSince1970: TimeInterval(claims.exp)), at: now, audit: audit)
            return (client.id, "access_token")
        }
        return (client.id, nil)
    }
}
