/// RFC 8414 authorization server metadata and OpenID Connect Discovery 1.0 §3, served at
/// `/.well-known/oauth-authorization-server` and `/.well-known/openid-configuration`. The grant
/// types come from the token endpoint's registry.
public struct ServerMetadata: Sendable, Codable, Equatable {
    public let issuer: String
    public let authorizationEndpoint: String
    public let tokenEndpoint: String
    public let userinfoEndpoint: String
    public let jwksURI: String
    public let introspectionEndpoint: String
    public let revocationEndpoint: String
    /// OpenID Connect RP-Initiated Logout 1.0 §2.1.
    public let endSessionEndpoint: String
    /// OpenID Connect Back-Channel Logout 1.0 §2.1: logout tokens, naming the session.
    public let backchannelLogoutSupported: Bool
    public let backchannelLogoutSessionSupported: Bool
    public let grantTypesSupported: [String]
    public let responseTypesSupported: [String]
    public let responseModesSupported: [String]
    public let subjectTypesSupported: [String]
    public let idTokenSigningAlgValuesSupported: [String]
    public let tokenEndpointAuthMethodsSupported: [String]
    public let introspectionEndpointAuthMethodsSupported: [String]
    public let revocationEndpointAuthMethodsSupported: [String]
    public let codeChallengeMethodsSupported: [String]
    public let scopesSupported: [String]
    public let claimsSupported: [String]
    public let promptValuesSupported: [String]
    public let authorizationResponseIssParameterSupported: Bool
    public let serviceDocumentation: String

    enum CodingKeys: String, CodingKey {
        case issuer
        case authorizationEndpoint = "authorization_endpoint"
        case tokenEndpoint = "token_endpoint"
        case userinfoEndpoint = "userinfo_endpoint"
        case jwksURI = "jwks_uri"
        case introspectionEndpoint = "introspection_endpoint"
        case revocationEndpoint = "revocation_endpoint"
        case endSessionEndpoint = "end_session_endpoint"
        case backchannelLogoutSupported = "backchannel_logout_supported"
        case backchannelLogoutSessionSupported = "backchannel_logout_session_supported"
        case grantTypesSupported = "grant_types_supported"
        case responseTypesSupported = "response_types_supported"
        case responseModesSupported = "response_modes_supported"
        case subjectTypesSupported = "subject_types_supported"
        case idTokenSigningAlgValuesSupported = "id_token_signing_alg_values_supported"
        case tokenEndpointAuthMethodsSupported = "token_endpoint_auth_methods_supported"
        case introspectionEndpointAuthMethodsSupported = "introspection_endpoint_auth_methods_supported"
        case revocationEndpointAuthMethodsSupported = "revocation_endpoint_auth_methods_supported"
        case codeChallengeMethodsSupported = "code_challenge_methods_supported"
        case scopesSupported = "scopes_supported"
        case claimsSupported = "claims_supported"
        case promptValuesSupported = "prompt_values_supported"
        case authorizationResponseIssParameterSupported = "authorization_response_iss_parameter_supported"
        case serviceDocumentation = "service_documentation"
    }

    public init(issuer: String, grantTypes: [String], scopes: [String]) {
        let authMethods = [ClientCredentials.Method.clientSecretBasic.rawValue, ClientCredentials.Method.clientSecretPost.rawValue]
        self.issuer = issuer
        self.authorizationEndpoint = issuer + "/oauth2/authorize"
        self.tokenEndpoint = issuer + "/oauth2/token"
        self.userinfoEndpoint = issuer + "/oauth2/userinfo"
        self.jwksURI = issuer + "/.well-known/jwks.json"
        self.introspectionEndpoint = issuer + "/oauth2/introspect"
        self.revocationEndpoint = issuer + "/oauth2/revoke"
        self.endSessionEndpoint = issuer + "/oauth2/logout"
        self.backchannelLogoutSupported = true
        self.backchannelLogoutSessionSupported = true
        self.grantTypesSupported = grantTypes
        self.responseTypesSupported = ["code"]
        self.responseModesSupported = ["query"]
        self.subjectTypesSupported = ["public"]
        self.idTokenSigningAlgValuesSupported = ["ES256", "RS256"]
        self.tokenEndpointAuthMethodsSupported = authMethods + [ClientCredentials.Method.none.rawValue]
        self.introspectionEndpointAuthMethodsSupported = authMethods
        self.revocationEndpointAuthMethodsSupported = authMethods
        self.codeChallengeMethodsSupported = ["S256"]
        self.scopesSupported = scopes
        self.claimsSupported = ["sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "tid", "email", "name", "idp", "amr", "sid"]
        self.promptValuesSupported = ["none", "login", "consent"]
        self.authorizationResponseIssParameterSupported = true
        self.serviceDocumentation = issuer + "/api/v1/openapi.json"
    }
}
