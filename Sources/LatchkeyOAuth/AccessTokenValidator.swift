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
    let revokedTokens: RevokedAccessTokens
    let clock: Clock

    public init(
        signer: TokenSigner, settings: IssuerSettings, clients: any ClientDirectory, directory: any AuthorizationDirectory,
        revokedTokens: RevokedAccessTokens, clock: @escaping Clock
    ) {
        self.signer = signer
        self.settings = settings
        self.clients = clients
        self.directory = directory
        self.revokedTokens = revokedTokens
        self.clock = clock
    }

    /// The claims of a token that is active now, or `nil`.
    public func activeClaims(_ token: String) async throws -> AccessTokenClaims? {
        guard let claims = try? await signer.verify(token), claims.iss == settings.issuer,
            claims.exp > Int(clock().timeIntervalSince1970),
            let clientID = ClientID(claims.clientID), let client = try await clients.client(clientID),
            claims.secretID.map(client.hasSecret) ?? true,
            try await !revokedTokens.isRevoked(claims.jti)
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

/// Whether an access token was revoked by its `jti`, kept in memory: each revocation's change
/// notice drops the entry on every node, so introspection reads no database for a token it saw.
public final class RevokedAccessTokens: Sendable {
    private let cache: LoadingCache<String, Bool>

    public init(grants: any TokenRevocationStore, lifetime: CacheLifetime) {
        cache = LoadingCache(lifetime: lifetime) { try await grants.isAccessTokenRevoked(id: $0) }
    }

    public func isRevoked(_ tokenID: String) async throws -> Bool {
        try await cache.value(for: tokenID)
    }

    public func apply(_ notice: ChangeNotice) {
        switch notice {
        case .accessTokenRevoked(let id): cache.invalidate(id)
        case .everything: cache.invalidateAll()
        default: break
        }
    }
}
