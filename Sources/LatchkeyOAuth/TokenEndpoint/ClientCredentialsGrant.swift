import Foundation
import LatchkeyCore

/// RFC 6749 §4.4: a confidential client obtains a token for itself with its secret. The token is
/// an RFC 9068 JWT whose subject is the client.
struct ClientCredentialsGrant: Sendable {
    let signer: TokenSigner
    let settings: IssuerSettings
    let clock: Clock

    func issue(to client: RegisteredClient, form: FormParameters) async throws -> TokenResponse {
        // RFC 6749 §3.3: no scopes are defined for this grant yet, so any request for one fails
        // rather than being silently narrowed.
        if let scope = try form.value("scope") {
            throw OAuthError(.invalidScope, "The scope \"\(scope)\" is not defined here; request a token without scope.")
        }
        let now = Int(clock().timeIntervalSince1970)
        let claims = AccessTokenClaims(
            iss: settings.issuer, sub: client.id.rawValue, aud: settings.audience,
            exp: now + settings.accessTokenLifetime, iat: now, jti: ObjectID.generate(), clientID: client.id.rawValue
        )
        let token = try await signer.sign(claims)
        return TokenResponse(accessToken: token, tokenType: "Bearer", expiresIn: settings.accessTokenLifetime)
    }
}
