import Foundation

/// Where users go after consenting. SPEC §1: absolute, `https://` only — except on the loopback
/// host `localhost` (RFC 8252 §7.3, RFC 9700 §2.1), where traffic never leaves the machine and a
/// developer runs the app under construction without a certificate. Latchkey also requires
/// its host to be the app domain or a subdomain of it (rejected, not just warned: a redirect to
/// a host the seller did not declare is how authorization codes leak). Fragments are refused
/// (RFC 6749 §3.1.2).
public struct RedirectURL: Hashable, Sendable, CustomStringConvertible {
    public let value: String
    public let host: String

    public var description: String { value }

    public static let field = "redirectUrl"

    public init(validating input: String, appDomain: AppDomain?) throws(FieldIssue) {
        let text = input.trimmingWhitespace()
        func issue(_ code: String, _ message: String) -> FieldIssue {
            FieldIssue(field: Self.field, code: code, message: message)
        }
        guard !text.isEmpty else {
            throw issue("required", "Enter the URL users return to after consenting, for example https://app.contoso.com/auth.")
        }
        let lower = text.lowercased()
        guard Self.hasAllowedScheme(lower) else {
            throw issue("https_required", "The redirect URL must start with https:// (http:// only for localhost), for example https://app.contoso.com/auth.")
        }
        guard text.unicodeScalars.allSatisfy({ $0.isASCII && $0.value > 0x20 }) else {
            throw issue("invalid_url", "The redirect URL must not contain spaces or non-ASCII characters; percent-encode them.")
        }
        guard let components = URLComponents(string: text), let host = components.host, !host.isEmpty else {
            throw issue("invalid_url", "Enter an absolute URL with a host, for example https://app.contoso.com/auth.")
        }
        guard components.fragment == nil else {
            throw issue("fragment_not_allowed", "The redirect URL must not contain a #fragment.")
        }
        guard components.user == nil, components.password == nil else {
            throw issue("userinfo_not_allowed", "The redirect URL must not contain a user name or password.")
        }
        if let appDomain, !appDomain.covers(host: host) {
            throw issue(
                "host_mismatch",
                "The redirect URL's host (\(host)) must be the app domain (\(appDomain.host)) or a subdomain of it."
            )
        }
        self.value = text
        self.host = host.lowercased()
    }

    /// `https://`, or `http://` on the host `localhost` (the same rule for events URLs).
    static func hasAllowedScheme(_ lowercased: String) -> Bool {
        lowercased.hasPrefix("https://") || lowercased.hasPrefix("http://localhost:") || lowercased.hasPrefix("http://localhost/")
    }

    public init(stored: String) {
        self.value = stored
        self.host = URLComponents(string: stored)?.host?.lowercased() ?? ""
    }
}
