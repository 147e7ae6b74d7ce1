/// The error codes of RFC 6749 §5.2 (token endpoint) and RFC 7662 (introspection), each with
/// its HTTP status. A response body is `{"error": code, "error_description": description}`.
public struct OAuthError: Error, Sendable, Equatable {
    public enum Code: String, Sendable {
        case invalidRequest = "invalid_request"
        case invalidClient = "invalid_client"
        case invalidGrant = "invalid_grant"
        case unauthorizedClient = "unauthorized_client"
        case unsupportedGrantType = "unsupported_grant_type"
        case invalidScope = "invalid_scope"
    }

    public let code: Code
    public let description: String

    public init(_ code: Code, _ description: String) {
        self.code = code
        self.description = description
    }

    /// RFC 6749 §5.2: 400, except a failed client authentication: 401 with a challenge.
    public var status: Int { code == .invalidClient ? 401 : 400 }

    /// RFC 6749 §5.2: the challenge for the scheme the client used (Basic is the one we offer).
    public var challenge: String? { code == .invalidClient ? "Basic realm=\"latchkey\", charset=\"UTF-8\"" : nil }

    public var body: [String: String] {
        ["error": code.rawValue, "error_description": description]
    }
}
