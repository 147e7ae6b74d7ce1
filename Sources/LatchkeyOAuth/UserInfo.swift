import Foundation
import LatchkeyCore

/// `GET|POST /oauth2/userinfo` (OpenID Connect Core §5.3): the claims the user consented to.
public struct UserInfoEndpoint: Sendable {
    let validator: AccessTokenValidator
    let directory: any AuthorizationDirectory

    public init(validator: AccessTokenValidator, directory: any AuthorizationDirectory) {
        self.validator = validator
        self.directory = directory
    }

    public func respond(authorization: String?) async throws -> [String: String] {
        guard let token = Self.bearerToken(authorization) else {
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

extension UserInfoEndpoint {
    /// The token of an `Authorization: Bearer <token>` header (RFC 6750 §2.1), or `nil`.
    public static func bearerToken(_ header: String?) -> String? {
        guard let header else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let token = parts[1].drop { $0 == " " }
        return token.isEmpty ? nil : String(token)
    }
}
