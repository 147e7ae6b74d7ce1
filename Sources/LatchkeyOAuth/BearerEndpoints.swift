import Foundation
import LatchkeyCore
import LatchkeyWire

/// What one of Latchkey's own endpoints accepts as a bearer token (RFC 6750): the audience the
/// token must name, the permission it must carry, and whether an app's token for itself will do.
/// `BearerEndpoints.all` is the one table of them; docs/security.md repeats it.
public struct BearerRequirement: Sendable, Equatable {
    /// The routes, as the OpenAPI document names them.
    public let routes: [String]
    /// `aud`: the platform principal, which only tokens from `/oauth2/token` name (ACS tokens
    /// name a site host and are for the platform's own APIs).
    public let audience: String
    /// The delegated permission the token must have been granted.
    public let scope: String
    /// App-only tokens (client credentials) are refused: these endpoints act for a user.
    public let acceptsAppOnly: Bool

    /// The claims of `token` when it is active and meets this requirement. RFC 6750 §3.1: no
    /// token at all is a challenge without an error code; a token that is not active or names
    /// another audience is `invalid_token` (401); one without the permission is
    /// `insufficient_scope` (403).
    public func admit(_ token: String?, validator: AccessTokenValidator) async throws -> AccessTokenClaims {
        guard let token else {
            throw OAuthError.credentialsMissing("Send a user's access token from Latchkey as Authorization: Bearer <token>.")
        }
        guard let claims = try await validator.activeClaims(token) else {
            throw OAuthError(.invalidToken, "The access token is invalid, expired or revoked.")
        }
        guard claims.aud == audience else {
            throw OAuthError(.invalidToken, "The access token is for \(claims.aud); this endpoint accepts tokens for \(audience) from /oauth2/token.")
        }
        guard acceptsAppOnly || !claims.isAppOnly else {
            throw OAuthError(.invalidToken, "An app's own token (client credentials) cannot act for a user here; send a user's access token.")
        }
        guard claims.scopes.contains(scope) else {
            throw OAuthError.insufficientScope(scope, "The access token was not granted \(scope); ask the user to consent to it at /oauth2/authorize.")
        }
        return claims
    }
}

/// Every endpoint of Latchkey's that takes an access token as a bearer token. Everything else
/// authenticates otherwise: clients with their secret (token, introspection, revocation, the
/// revocation feed), sellers and operators with an API token or a session, `/metrics` with its
/// own token.
public enum BearerEndpoints {
    public static let userInfo = BearerRequirement(
        routes: ["GET /oauth2/userinfo", "POST /oauth2/userinfo"], audience: ACSPrincipal.platform, scope: "openid", acceptsAppOnly: false
    )
    /// A user's consents to every app: only a token the user granted `Consents.ReadWrite`. An app
    /// ends its own grant with RFC 7009 on its refresh token, which needs no such permission.
    public static let myConsents = BearerRequirement(
        routes: ["GET /api/v1/me/consents", "DELETE /api/v1/me/consents/{appId}"], audience: ACSPrincipal.platform,
        scope: Permission.consentsReadWrite, acceptsAppOnly: false
    )

    public static let all = [userInfo, myConsents]
}

extension OAuthError {
    /// RFC 6750 §3.1: a request with no credentials gets a challenge without an error code.
    public static func credentialsMissing(_ description: String) -> OAuthError {
        var error = OAuthError(.invalidToken, description)
        error.challengeOmitsError = true
        return error
    }

    /// RFC 6750 §3.1: `insufficient_scope`, naming the scope needed in the challenge.
    public static func insufficientScope(_ scope: String, _ description: String) -> OAuthError {
        var error = OAuthError(.insufficientScope, description)
        error.requiredScope = scope
        return error
    }
}
