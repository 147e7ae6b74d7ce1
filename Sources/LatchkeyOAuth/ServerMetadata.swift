/// RFC 8414 authorization server metadata, served at `/.well-known/oauth-authorization-server`.
public struct ServerMetadata: Sendable, Codable, Equatable {
    public let issuer: String
    public let tokenEndpoint: String
    public let jwksURI: String
    public let introspectionEndpoint: String
    public let grantTypesSupported: [String]
    public let responseTypesSupported: [String]
    public let tokenEndpointAuthMethodsSupported: [String]
    public let introspectionEndpointAuthMethodsSupported: [String]
    public let scopesSupported: [String]
    public let serviceDocumentation: String

    enum CodingKeys: String, CodingKey {
        case issuer
        case tokenEndpoint = "token_endpoint"
        case jwksURI = "jwks_uri"
        case introspectionEndpoint = "introspection_endpoint"
        case grantTypesSupported = "grant_types_supported"
        case responseTypesSupported = "response_types_supported"
        case tokenEndpointAuthMethodsSupported = "token_endpoint_auth_methods_supported"
        case introspectionEndpointAuthMethodsSupported = "introspection_endpoint_auth_methods_supported"
        case scopesSupported = "scopes_supported"
        case serviceDocumentation = "service_documentation"
    }

    public init(issuer: String) {
        let authMethods = [ClientCredentials.Method.clientSecretBasic.rawValue, ClientCredentials.Method.clientSecretPost.rawValue]
        self.issuer = issuer
        self.tokenEndpoint = issuer + "/oauth2/token"
        self.jwksURI = issuer + "/.well-known/jwks.json"
        self.introspectionEndpoint = issuer + "/oauth2/introspect"
        self.grantTypesSupported = ["client_credentials"]
        // No authorization endpoint yet: no response type is supported.
        self.responseTypesSupported = []
        self.tokenEndpointAuthMethodsSupported = authMethods
        self.introspectionEndpointAuthMethodsSupported = authMethods
        self.scopesSupported = []
        self.serviceDocumentation = issuer + "/api/v1/openapi.json"
    }
}
