import Foundation
import LatchkeyCore

/// RFC 6749 §6: a refresh token buys new tokens once; it is rotated on every use, and a rotated
/// one presented again revokes its family (RFC 9700 §4.14.2). The consent must still stand.
public struct RefreshTokenGrant: TokenGrant {
    let minter: TokenMinter
    let directory: any AuthorizationDirectory
    let grants: any RefreshTokenStore
    let clock: Clock

    public init(minter: TokenMinter, directory: any AuthorizationDirectory, grants: any RefreshTokenStore, clock: @escaping Clock) {
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
        let digest = SecretDigest(of: value)
        let requested = Scopes.parse(try request.form.value("scope"))
        // What can refuse the request is checked before the token is touched: a refused request
        // changes nothing, and the client may retry with its token.
        var checked: (app: AppListing, user: PlatformUser)?
        if let live = try await grants.refreshGrant(digest, at: clock()), live.clientID == request.client.id {
            try Self.checkScope(requested, granted: live.scopes)
            checked = try await directory.checkDelegatedGrant(
                client: request.client, appID: live.appID, userID: live.userID, tenantID: live.tenantID, scopes: live.scopes
            )
        }
        let now = clock()
        let outcome = try await grants.rotateRefreshToken(digest, clientID: request.client.id, at: now, replayed: { $0.replayed(at: now) }) {
            [checked, minter] grant in
            guard let (app, user) = checked, app.id == grant.appID, user.id == grant.userID else {
                throw OAuthError(.invalidGrant, "The refresh token is unknown, expired or revoked.")
            }
            try Self.checkScope(requested, granted: grant.scopes)
            let scopes = requested.isEmpty ? grant.scopes : requested + (requested.contains("offline_access") ? [] : ["offline_access"])
            let issued = try minter.delegatedTokens(
                client: request.client, app: app, user: user, scopes: scopes, authTime: grant.authTime,
                authentication: grant.authentication, nonce: nil, family: grant.familyID
            )
            return (issued.response, issued.refreshToken)
        }
        switch outcome {
        case .redeemed(let response): return response
        case .replayed: throw OAuthError(.invalidGrant, "This refresh token was used already; every token of its grant is now revoked. Sign the user in again.")
        case .invalid: throw OAuthError(.invalidGrant, "The refresh token is unknown, expired or revoked.")
        }
    }

    /// RFC 6749 §6: a narrower scope may be asked for, never a wider one.
    static func checkScope(_ requested: [String], granted: [String]) throws(OAuthError) {
        let extra = requested.filter { !granted.contains($0) }
        guard extra.isEmpty else {
            throw OAuthError(.invalidScope, "\(extra.joined(separator: " ")) was not granted; ask for the scopes of the original grant or fewer.")
        }
    }
}
