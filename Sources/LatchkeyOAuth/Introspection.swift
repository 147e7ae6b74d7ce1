import Foundation
import LatchkeyCore

/// `POST /oauth2/introspect` (RFC 7662) for access and refresh tokens. The caller authenticates
/// as a client (a protected resource registers as one).
public struct IntrospectionEndpoint: Sendable {
    let authenticator: ClientAuthenticator
    let validator: AccessTokenValidator
    let grants: any RefreshTokenStore
    let clock: Clock

    public init(authenticator: ClientAuthenticator, validator: AccessTokenValidator, grants: any RefreshTokenStore, clock: @escaping Clock) {
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

    /// A resource server (marked by an operator) may introspect any token; any other client
    /// only its own, and learns nothing of others' (`active: false`, RFC 7662 §2.2).
    public func respond(form: FormParameters, authorization: String?) async throws -> Response {
        let caller = try await authenticator.authenticate(authorization: authorization, form: form)
        guard let token = try form.value("token") else {
            throw OAuthError(.invalidRequest, "token is missing: send the token to introspect as the token parameter.")
        }
        let mayRead = { (clientID: String) in caller.registration.isResourceServer || clientID == caller.id.rawValue }
        if let claims = try await validator.activeClaims(token) {
            guard mayRead(claims.clientID) else { return .inactive }
            return Response(
                active: true, clientID: claims.clientID, sub: claims.sub, aud: claims.aud, iss: claims.iss, exp: claims.exp,
                iat: claims.iat, jti: claims.jti, tokenType: "Bearer", scope: claims.scp ?? claims.roles?.joined(separator: " "), tid: claims.tid
            )
        }
        if let grant = try await grants.refreshGrant(SecretDigest(of: token), at: clock()) {
            guard mayRead(grant.clientID.rawValue) else { return .inactive }
            return Response(
                active: true, clientID: grant.clientID.rawValue, sub: grant.userID, iss: validator.settings.issuer,
                exp: Int(grant.expiresAt.timeIntervalSince1970), iat: Int(grant.createdAt.timeIntervalSince1970),
                tokenType: "refresh_token", scope: grant.scopes.joined(separator: " "), tid: grant.tenantID
            )
        }
        return .inactive
    }
}
