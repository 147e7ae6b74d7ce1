import Foundation
import LatchkeyCore

/// RFC 6749 §6: a refresh token buys new tokens once; it is rotated on every use, and a rotated
/// one presented again revokes its family (RFC 9700 §4.14.2). The consent must still stand.
public struct RefreshTokenGrant: TokenGrant {
    let minter: TokenMinter
    let directory: any AuthorizationDirectory
    let grants: any GrantStore
    let clock: Clock

    public init(minter: TokenMinter, directory: any AuthorizationDirectory, grants: any GrantStore, clock: @escaping Clock) {
        self.minter = minter
        self.directory = directory
        self.grants = grants
        self.clock = clock
    }

    public var grantType: String { "refresh_token" }
    /// Public clients redeem their codes and refresh tokens with `client_id` alone.
    public var requiresClientAuthentication: Bool { false }

    public func handle(_ request: TokenRequest) async throws -> TokenResponse {
        guard let value = try request.form.value("refresh_token") else {
            throw OAuthError(.invalidRequest, "refresh_token is missing.")
        }
        let grant: RefreshGrant
        switch try await grants.rotateRefreshToken(SecretDigest(of: value), clientID: request.client.id, at: clock()) {
        case .redeemed(let found): grant = found
        case .replayed: throw OAuthError(.invalidGrant, "This refresh token was used already; every token of its grant is now revoked. Sign the user in again.")
        case .invalid: throw OAuthError(.invalidGrant, "The refresh token is unknown, expired or revoked.")
        }
        // RFC 6749 §6: a narrower scope may be asked for, never a wider one.
        let requested = Scopes.parse(try request.form.value("scope"))
        let extra = requested.filter { !grant.scopes.contains($0) }
        guard extra.isEmpty else {
            throw OAuthError(.invalidScope, "\(extra.joined(separator: " ")) was not granted; ask for the scopes of the original grant or fewer.")
        }
        let scopes = requested.isEmpty ? grant.scopes : requested + (requested.contains("offline_access") ? [] : ["offline_access"])
        let (app, user) = try await directory.checkDelegatedGrant(
            client: request.client, appID: grant.appID, userID: grant.userID, tenantID: grant.tenantID, scopes: grant.scopes
        )
        let issued = try minter.delegatedTokens(
            client: request.client, app: app, user: user, scopes: scopes, authTime: grant.authTime, nonce: nil, family: grant.familyID
        )
        if let next = issued.refreshToken { try await grants.insert(next) }
        return issued.response
    }
}
