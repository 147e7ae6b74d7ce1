import Foundation
import LatchkeyCore

/// A successful token response (RFC 6749 §5.1).
public struct TokenResponse: Sendable, Codable, Equatable {
    public init(accessToken: String, tokenType: String, expiresIn: Int) {
        self.accessToken = accessToken
        self.tokenType = tokenType
        self.expiresIn = expiresIn
    }
    public let accessToken: String
    public let tokenType: String
    public let expiresIn: Int

    enum CodingKeys: String, CodingKey {
        case accessToken = "access_token"
        case tokenType = "token_type"
        case expiresIn = "expires_in"
    }
}

/// Who this server is to the tokens it issues.
public struct IssuerSettings: Sendable {
    /// `iss` of every token: the public URL of this deployment.
    public let issuer: String
    /// `aud` of client-credentials tokens: the platform, whose APIs the app calls (SPEC §2).
    public let audience: String
    public let accessTokenLifetime: Int

    public static let platformPrincipal = "00000003-0000-0ff1-ce00-000000000000"

    public init(issuer: String, audience: String = IssuerSettings.platformPrincipal, accessTokenLifetime: Int = 3600) {
        self.issuer = issuer
        self.audience = audience
        self.accessTokenLifetime = accessTokenLifetime
    }
}

/// `POST /oauth2/token` (RFC 6749 §3.2): authenticates the client, then hands the request to
/// the grant named by `grant_type`.
public struct TokenEndpoint: Sendable {
    let authenticator: ClientAuthenticator
    let clientCredentials: ClientCredentialsGrant

    public init(directory: any ClientDirectory, signer: TokenSigner, settings: IssuerSettings, uses: any SecretUseSink, clock: @escaping Clock) {
        self.authenticator = ClientAuthenticator(directory: directory, uses: uses, clock: clock)
        self.clientCredentials = ClientCredentialsGrant(signer: signer, settings: settings, clock: clock)
    }

    public func respond(form: FormParameters, authorization: String?) async throws -> TokenResponse {
        guard let grantType = try form.value("grant_type") else {
            throw OAuthError(.invalidRequest, "grant_type is missing; this endpoint supports grant_type=client_credentials.")
        }
        let client = try await authenticator.authenticate(authorization: authorization, form: form)
        switch grantType {
        case "client_credentials":
            return try await clientCredentials.issue(to: client, form: form)
        default:
            throw OAuthError(.unsupportedGrantType, "grant_type \(grantType) is not supported; use client_credentials.")
        }
    }
}

/// Client authentication shared by the token and introspection endpoints (RFC 6749 §2.3.1).
public struct ClientAuthenticator: Sendable {
    let directory: any ClientDirectory
    let uses: any SecretUseSink
    let clock: Clock

    public init(directory: any ClientDirectory, uses: any SecretUseSink, clock: @escaping Clock) {
        self.directory = directory
        self.uses = uses
        self.clock = clock
    }

    public func authenticate(authorization: String?, form: FormParameters) async throws -> RegisteredClient {
        let credentials = try ClientCredentials.extract(authorization: authorization, form: form)
        // One message for an unknown client and a wrong secret: the answer tells nothing of which.
        let failure = OAuthError(.invalidClient, "Client authentication failed: check the client id and use an active secret.")
        guard let id = ClientID(credentials.clientID), let client = try await directory.client(id) else { throw failure }
        let now = clock()
        guard let secretID = client.authenticate(credentials.secretCandidates, at: now) else { throw failure }
        uses.recordUse(secretID: secretID, at: now)
        return client
    }
}
