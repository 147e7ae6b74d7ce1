import Crypto
import Foundation
import LatchkeyCore

/// RFC 6749 §4.1 with PKCE (RFC 7636): a code is issued for what `AuthorizationDecision` granted,
/// and redeemed once (§4.1.3, RFC 7636 §4.6), by the client it was issued to, with the redirect
/// URI and verifier of its request, within its minute.
public struct AuthorizationCodeGrant: TokenGrant {
    let minter: TokenMinter
    let directory: any AuthorizationDirectory
    let grants: any AuthorizationCodeStore
    let clock: Clock

    public init(minter: TokenMinter, directory: any AuthorizationDirectory, grants: any AuthorizationCodeStore, clock: @escaping Clock) {
        self.minter = minter
        self.directory = directory
        self.grants = grants
        self.clock = clock
    }

    public var grantType: String { "authorization_code" }
    /// Public clients redeem their codes and refresh tokens with `client_id` alone.
    public var requiresClientAuthentication: Bool { false }

    public func handle(_ request: TokenRequest) async throws -> TokenResponse {
        try await redeem(request.form, client: request.client) { code, app, user in
            let issued = try minter.delegatedTokens(
                client: request.client, app: app, user: user, scopes: code.scopes, authTime: code.authTime,
                authentication: code.authentication, nonce: code.nonce, family: nil
            )
            return (issued.response, issued.accessTokenID, issued.refreshToken)
        }
    }

    /// A new code for `grant`, bound to the request's client, redirect URI, nonce and PKCE
    /// challenge; only its digest is stored.
    func issue(for grant: AuthorizationGrant, request: AuthorizationRequest, sourceIP: String?) async throws -> String {
        let code = OpaqueToken.generate()
        let now = clock()
        let audit = Actor(user: grant.user, sourceIP: sourceIP).entry(
            .grantIssue, objectType: "app", objectID: grant.app.id, at: now, detail: "code for \(grant.app.name): \(grant.scopes.joined(separator: " "))"
        )
        try await grants.insert(AuthorizationCode(
            digest: code.digest, clientID: request.client.id, appID: grant.app.id, userID: grant.user.id, tenantID: grant.tenant.id,
            redirectURI: request.redirectURIGiven ? request.redirectURI : nil, scopes: grant.scopes, nonce: request.nonce,
            codeChallenge: request.codeChallenge, authTime: grant.authTime, authentication: grant.authentication, expiresAt: now.addingTimeInterval(AuthorizationCode.lifetime)
        ), audit: audit)
        return code.value
    }

    /// Checks the code of `form` against `client`, has `issue` make what it is exchanged for
    /// (with its access token's id and the refresh token to store), and marks it used. The ACS
    /// profile's endpoint redeems codes here too, issuing its own formats.
    func redeem<Issued>(
        _ form: FormParameters, client: RegisteredClient,
        issue: (AuthorizationCode, AppListing, PlatformUser) throws -> (Issued, String, RefreshGrant?)
    ) async throws -> Issued {
        guard let value = try form.value("code") else {
            throw OAuthError(.invalidRequest, "code is missing: send the code your redirect URI received.")
        }
        let digest = SecretDigest(of: value)
        let now = clock()
        let replayed = OAuthError(.invalidGrant, "This code was used already; the tokens it issued are revoked.")
        guard let (code, used) = try await grants.code(digest), code.expiresAt > now || used else {
            throw OAuthError(.invalidGrant, "The code is unknown or expired (codes live \(Int(AuthorizationCode.lifetime)) seconds).")
        }
        if used {
            try await grants.revokeIssued(byCode: digest, effects: code.replayed(at: now))
            throw replayed
        }
        guard code.clientID == client.id else {
            throw OAuthError(.invalidGrant, "The code was issued to another client.")
        }
        let redirectURI = try form.value("redirect_uri")
        if let expected = code.redirectURI, redirectURI != expected {
            throw OAuthError(.invalidGrant, "redirect_uri must be the one of the authorization request, \(expected).")
        }
        if code.redirectURI == nil, let redirectURI, redirectURI != client.registration.redirectURL.value {
            throw OAuthError(.invalidGrant, "redirect_uri does not match the registered redirect URL.")
        }
        try Self.verifyPKCE(challenge: code.codeChallenge, verifier: try form.value("code_verifier"))
        let (app, user) = try await directory.checkDelegatedGrant(
            client: client, appID: code.appID, userID: code.userID, tenantID: code.tenantID, scopes: code.scopes
        )
        let (issued, accessTokenID, refreshToken) = try issue(code, app, user)
        // Redeemed only now, with what it issued, so that a replay revokes exactly that; a request
        // that lost the race to another one presenting the same code is a replay too.
        let redeemed = try await grants.redeem(
            digest, issuing: refreshToken, accessTokenID: accessTokenID,
            accessTokenExpiresAt: now.addingTimeInterval(TimeInterval(minter.settings.accessTokenLifetime)), at: now
        )
        guard redeemed else {
            try await grants.revokeIssued(byCode: digest, effects: code.replayed(at: now))
            throw replayed
        }
        return issued
    }

    /// RFC 7636 §4.6, S256 only. A verifier without a challenge is refused too: it means the
    /// request that got the code was not the one the client made (RFC 9700 §4.8.2).
    static func verifyPKCE(challenge: String?, verifier: String?) throws(OAuthError) {
        switch (challenge, verifier) {
        case (nil, nil):
            return
        case (nil, .some):
            throw OAuthError(.invalidGrant, "code_verifier was sent, but the authorization request had no code_challenge.")
        case (.some, nil):
            throw OAuthError(.invalidGrant, "code_verifier is missing: this code was requested with PKCE.")
        case (.some(let challenge), .some(let verifier)):
            guard (43...128).contains(verifier.utf8.count) else {
                throw OAuthError(.invalidGrant, "code_verifier must be 43 to 128 characters (RFC 7636 §4.1).")
            }
            let computed = Array(SHA256.hash(data: Data(verifier.utf8))).base64URLEncoded()
            guard SecretDigest(of: computed).constantTimeEquals(SecretDigest(of: challenge)) else {
                throw OAuthError(.invalidGrant, "code_verifier does not match the code_challenge of the authorization request.")
            }
        }
    }
}
