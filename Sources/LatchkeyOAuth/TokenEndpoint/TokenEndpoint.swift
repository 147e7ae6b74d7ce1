import Foundation
import LatchkeyCore
import LatchkeyWire

/// A successful token response (RFC 6749 §5.1).
public struct TokenResponse: Sendable, Codable, Equatable {
    public let accessToken: String
    public let tokenType: String
    public let expiresIn: Int
    public var refreshToken: String?
    public var idToken: String?
    public var scope: String?
    /// What the token was issued for, for profiles that echo it (the ACS `resource`).
    public var notBefore: Int?

    public init(accessToken: String, tokenType: String, expiresIn: Int, refreshToken: String? = nil, idToken: String? = nil, scope: String? = nil, notBefore: Int? = nil) {
        self.accessToken = accessToken
        self.tokenType = tokenType
        self.expiresIn = expiresIn
        self.refreshToken = refreshToken
        self.idToken = idToken
        self.scope = scope
        self.notBefore = notBefore
    }

    enum CodingKeys: String, CodingKey {
        case accessToken = "access_token"
        case tokenType = "token_type"
        case expiresIn = "expires_in"
        case refreshToken = "refresh_token"
        case idToken = "id_token"
        case scope
        case notBefore = "not_before"
    }
}

/// Who this server is to the tokens it issues.
public struct IssuerSettings: Sendable {
    /// `iss` of every token: the public URL of this deployment.
    public let issuer: String
    /// `aud` of access tokens: the platform, whose APIs the app calls (docs/seed-model.md §2).
    public let audience: String
    /// Access tokens are short-lived: revocation reaches a resource server that does not
    /// introspect within this time.
    public let accessTokenLifetime: Int
    public let idTokenLifetime: Int


    public init(issuer: String, audience: String = ACSPrincipal.platform, accessTokenLifetime: Int = 3600, idTokenLifetime: Int = 3600) {
        self.issuer = issuer
        self.audience = audience
        self.accessTokenLifetime = accessTokenLifetime
        self.idTokenLifetime = idTokenLifetime
    }
}

/// What a grant receives: the form, and the client once authenticated.
public struct TokenRequest: Sendable {
    public let form: FormParameters
    public let client: RegisteredClient
}

/// One grant type of the token endpoint (RFC 6749 §4), a handler in the endpoint's registry.
public protocol TokenGrant: Sendable {
    /// The `grant_type` value it answers.
    var grantType: String { get }
    /// Whether every client must authenticate first. `false`: a public client may name itself
    /// by `client_id` alone (RFC 6749 §3.2.1); confidential clients always authenticate.
    var requiresClientAuthentication: Bool { get }
    func handle(_ request: TokenRequest) async throws -> TokenResponse
}

/// `POST /oauth2/token` (RFC 6749 §3.2): picks the grant named by `grant_type` from its registry,
/// authenticates the client when the grant asks for it, and hands the request over.
public struct TokenEndpoint: Sendable {
    let authenticator: ClientAuthenticator
    let grants: [String: any TokenGrant]
    /// The grant types in registration order, for the metadata documents.
    public let grantTypes: [String]

    public init(authenticator: ClientAuthenticator, grants: [any TokenGrant]) {
        self.authenticator = authenticator
        self.grants = Dictionary(grants.map { ($0.grantType, $0) }, uniquingKeysWith: { first, _ in first })
        self.grantTypes = grants.map(\.grantType)
    }

    public func respond(form: FormParameters, authorization: String?) async throws -> TokenResponse {
        guard let grantType = try form.value("grant_type") else {
            throw OAuthError(.invalidRequest, "grant_type is missing; this endpoint supports \(grantTypes.joined(separator: ", ")).")
        }
        guard let grant = grants[grantType] else {
            throw OAuthError(.unsupportedGrantType, "grant_type \(grantType) is not supported; use one of \(grantTypes.joined(separator: ", ")).")
        }
        let client = try await authenticator.authenticate(authorization: authorization, form: form, allowingPublic: !grant.requiresClientAuthentication)
        return try await grant.handle(TokenRequest(form: form, client: client))
    }
}

/// Client authentication shared by the token, introspection and revocation endpoints
/// (RFC 6749 §2.3.1).
public struct ClientAuthenticator: Sendable {
    let directory: any ClientDirectory
    let uses: any SecretUseSink
    let clock: Clock
    /// Asked once a client has authenticated: `nil` admits it, a number of seconds refuses it
    /// (`429`, `Retry-After`) — the token endpoints' per-client rate limit.
    let admit: (@Sendable (ClientID) -> Int?)?

    public init(directory: any ClientDirectory, uses: any SecretUseSink, clock: @escaping Clock, admit: (@Sendable (ClientID) -> Int?)? = nil) {
        self.directory = directory
        self.uses = uses
        self.clock = clock
        self.admit = admit
    }

    /// The same authentication with a rate limit per client.
    public func limited(by admit: @escaping @Sendable (ClientID) -> Int?) -> ClientAuthenticator {
        ClientAuthenticator(directory: directory, uses: uses, clock: clock, admit: admit)
    }

    /// The authenticated client; with `allowingPublic`, also a public client that names itself.
    public func authenticate(authorization: String?, form: FormParameters, allowingPublic: Bool = false) async throws -> RegisteredClient {
        let credentials = try ClientCredentials.extract(authorization: authorization, form: form)
        return try await authenticate(credentials, allowingPublic: allowingPublic)
    }

    public func authenticate(_ credentials: ClientCredentials, allowingPublic: Bool = false) async throws -> RegisteredClient {
        // One message for an unknown client and a wrong secret: the answer tells nothing of which.
        let failure = OAuthError(.invalidClient, "Client authentication failed: check the client id and use an active secret.")
        guard let id = ClientID(credentials.clientID), let client = try await directory.client(id) else { throw failure }
        if credentials.method == .none {
            guard allowingPublic, client.registration.isPublic else {
                throw OAuthError(.invalidClient, "client_secret is missing: this client authenticates with a secret.")
            }
            try checkRate(id)
            return client
        }
        let now = clock()
        guard let secretID = client.authenticate(credentials.secretCandidates, at: now) else { throw failure }
        uses.recordUse(secretID: secretID, at: now)
        try checkRate(id)
        var authenticated = client
        authenticated.authenticatedSecretID = secretID
        return authenticated
    }
}

extension ClientAuthenticator {
    func checkRate(_ id: ClientID) throws(OAuthError) {
        if let wait = admit?(id) {
            throw OAuthError.rateLimited(retryAfter: wait, "This client sends requests faster than allowed: retry after \(wait) s, and reuse tokens and answers until they expire.")
        }
    }
}

/// A random bearer credential (code, refresh token): 256 bits, base64url; stored as its digest.
public struct OpaqueToken: Sendable {
    public let value: String
    public let digest: SecretDigest

    public static func generate() -> OpaqueToken {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let value = bytes.base64URLEncoded()
        return OpaqueToken(value: value, digest: SecretDigest(of: value))
    }
}
