import Foundation
import LatchkeyCore

/// `POST /oauth2/introspect` (RFC 7662). The caller authenticates as a client (a protected
/// resource registers as one); a token is active while its signature, issuer and lifetime hold
/// and the client it was issued to still exists.
public struct IntrospectionEndpoint: Sendable {
    let authenticator: ClientAuthenticator
    let directory: any ClientDirectory
    let signer: TokenSigner
    let settings: IssuerSettings
    let clock: Clock

    public init(directory: any ClientDirectory, signer: TokenSigner, settings: IssuerSettings, uses: any SecretUseSink, clock: @escaping Clock) {
        self.authenticator = ClientAuthenticator(directory: directory, uses: uses, clock: clock)
        self.directory = directory
        self.signer = signer
        self.settings = settings
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

        enum CodingKeys: String, CodingKey {
            case active, sub, aud, iss, exp, iat, jti
            case clientID = "client_id"
            case tokenType = "token_type"
        }

        static let inactive = Response(active: false)
    }

    public func respond(form: FormParameters, authorization: String?) async throws -> Response {
        _ = try await authenticator.authenticate(authorization: authorization, form: form)
        guard let token = try form.value("token") else {
            throw OAuthError(.invalidRequest, "token is missing: send the token to introspect as the token parameter.")
        }
        guard let claims = try? await signer.verify(token),
            claims.iss == settings.issuer,
            claims.exp > Int(clock().timeIntervalSince1970),
            let owner = ClientID(claims.clientID),
            try await directory.client(owner) != nil
        else { return .inactive }
        return Response(
            active: true, clientID: claims.clientID, sub: claims.sub, aud: claims.aud, iss: claims.iss, exp: claims.exp,
            iat: claims.iat, jti: claims.jti, tokenType: "Bearer"
        )
    }
}
