import Foundation
import LatchkeyCore
import LatchkeyWire

/// `GET|POST /oauth2/userinfo` (OpenID Connect Core §5.3): the claims the user consented to.
public struct UserInfoEndpoint: Sendable {
    let validator: AccessTokenValidator
    let directory: any AuthorizationDirectory

    public init(validator: AccessTokenValidator, directory: any AuthorizationDirectory) {
        self.validator = validator
        self.directory = directory
    }

    /// The token comes in the Authorization header (RFC 6750 §2.1) or, on a POST, as the form's
    /// `access_token` (§2.2), never both (§2: one method per request).
    public func respond(authorization: String?, form: FormParameters? = nil) async throws -> [String: String] {
        let inForm = try form?.value("access_token")
        if authorization != nil && inForm != nil {
            throw OAuthError(.invalidRequest, "Send the access token once: in the Authorization header or as access_token in the body, not both.")
        }
        let token = inForm ?? BearerCredential.token(in: authorization)
        if token == nil, authorization != nil {
            throw OAuthError(.invalidRequest, "The Authorization header must be Bearer <token>.")
        }
        let claims = try await BearerEndpoints.userInfo.admit(token, validator: validator)
        guard let user = try await directory.user(claims.sub) else {
            throw OAuthError(.invalidToken, "The user of this access token no longer exists.")
        }
        var info = ["sub": user.id, "tid": user.tenantID]
        if claims.scopes.contains("email") { info["email"] = user.email }
        if claims.scopes.contains("profile") { info["name"] = user.displayName }
        return info
    }
}
