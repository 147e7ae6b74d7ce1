import Foundation
import LatchkeyWire

/// The protocol errors Latchkey answers with: the codes of RFC 6749 §4.1.2.1 and §5.2, RFC 6750
/// §3.1, RFC 7009 and OpenID Connect Core §3.1.2.6, each knowing its HTTP status. One error is
/// delivered as a JSON body (token, introspection, revocation, userinfo) or as a redirect to the
/// client (authorization endpoint).
public struct OAuthError: Error, Sendable, Equatable {
    public enum Code: String, Sendable, CaseIterable {
        case invalidRequest = "invalid_request"
        case invalidClient = "invalid_client"
        case invalidGrant = "invalid_grant"
        case unauthorizedClient = "unauthorized_client"
        case unsupportedGrantType = "unsupported_grant_type"
        case invalidScope = "invalid_scope"
        case accessDenied = "access_denied"
        case unsupportedResponseType = "unsupported_response_type"
        case unsupportedTokenType = "unsupported_token_type"
        case serverError = "server_error"
        case temporarilyUnavailable = "temporarily_unavailable"
        case invalidToken = "invalid_token"
        case insufficientScope = "insufficient_scope"
        case interactionRequired = "interaction_required"
        case loginRequired = "login_required"
        case consentRequired = "consent_required"

        /// The status of a JSON delivery.
        public var status: Int {
            switch self {
            case .invalidClient, .invalidToken: 401
            case .insufficientScope, .accessDenied: 403
            case .serverError: 500
            case .temporarilyUnavailable: 503
            default: 400
            }
        }
    }

    public let code: Code
    public let description: String
    /// Set on a refusal by rate limit: seconds for `Retry-After`, with status 429.
    public private(set) var retryAfter: Int?
    /// RFC 6750 §3.1: set when the request carried no credentials at all.
    var challengeOmitsError = false
    /// RFC 6750 §3.1: the scope an `insufficient_scope` refusal names.
    var requiredScope: String?

    public init(_ code: Code, _ description: String) {
        self.code = code
        self.description = description
    }

    /// `429 Too Many Requests` with `temporarily_unavailable` (RFC 6749 §4.1.2.1's code for a
    /// server that cannot take the request now) and `Retry-After`.
    public static func rateLimited(retryAfter: Int, _ description: String) -> OAuthError {
        var error = OAuthError(.temporarilyUnavailable, description)
        error.retryAfter = retryAfter
        return error
    }

    public var status: Int { retryAfter == nil ? code.status : 429 }

    /// RFC 6749 §5.2: a failed client authentication carries a challenge for the scheme we offer.
    public var challenge: String? {
        switch code {
        case .invalidClient: "Basic realm=\"latchkey\", charset=\"UTF-8\""
        case .invalidToken, .insufficientScope:
            challengeOmitsError
                ? "Bearer realm=\"latchkey\""
                : "Bearer realm=\"latchkey\", error=\"\(code.rawValue)\", error_description=\"\(description.replacingOccurrences(of: "\"", with: "'"))\""
                    + (requiredScope.map { ", scope=\"\($0)\"" } ?? "")
        default: nil
        }
    }

    public var body: [String: String] {
        ["error": code.rawValue, "error_description": description]
    }

    /// The JSON body, `error` first (clients of the ACS profile test for `{"error`).
    public var jsonText: String {
        JSONText.object(["error": .string(code.rawValue), "error_description": .string(description)])
    }

    /// RFC 6749 §4.1.2.1: the error as query parameters of the client's redirect URI, with
    /// `state` echoed and, RFC 9207, the issuer.
    public func redirect(to redirectURI: String, state: String?, issuer: String) -> String {
        var parameters = [("error", code.rawValue), ("error_description", description)]
        if let state { parameters.append(("state", state)) }
        parameters.append(("iss", issuer))
        return FormParameters.append(parameters, to: redirectURI)
    }
}
