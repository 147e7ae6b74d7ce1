import Foundation
import JWTKit

/// An RFC 9068 JWT access token's claims (§2.2). Times are NumericDate seconds.
public struct AccessTokenClaims: JWTPayload, Equatable {
    public var iss: String
    public var sub: String
    public var aud: String
    public var exp: Int
    public var iat: Int
    public var jti: String
    public var clientID: String

    enum CodingKeys: String, CodingKey {
        case iss, sub, aud, exp, iat, jti
        case clientID = "client_id"
    }

    public init(iss: String, sub: String, aud: String, exp: Int, iat: Int, jti: String, clientID: String) {
        self.iss = iss
        self.sub = sub
        self.aud = aud
        self.exp = exp
        self.iat = iat
        self.jti = jti
        self.clientID = clientID
    }

    /// Lifetime is checked by the caller against its injected clock.
    public func verify(using algorithm: some JWTAlgorithm) async throws {}
}
