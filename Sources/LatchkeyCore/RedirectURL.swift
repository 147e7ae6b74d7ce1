import Foundation

/// Where users go after consenting. docs/seed-model.md §1: absolute, `https://` only — except on the loopback
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
        guard input.unicodeScalars.count <= Self.maximumLength else {
            throw issue("too_long", "The redirect URL must be at most \(Self.maximumLength) characters.")
        }
        guard !text.contains("#") else {
            throw issue("fragment_not_allowed", "The redirect URL must not contain a #fragment.")
        }
        let authority = Self.authority(of: text)
        guard !authority.contains("@") else {
            throw issue("userinfo_not_allowed", "The redirect URL must not contain a user name or password.")
        }
        // Browsers and URL parsers disagree on what an encoded or backslashed authority means:
        // the host checked here must be the host the browser goes to.
        guard !authority.contains("%"), !authority.contains("\\") else {
            throw issue("invalid_host", "The redirect URL's host must be written plainly, without % escapes or backslashes.")
        }
        guard let components = URLComponents(string: text), let host = components.host, !host.isEmpty,
            host.allSatisfy({ $0.isASCIIDigit || $0.isLetter || $0 == "-" || $0 == "." }),
            components.port.map({ (1...65535).contains($0) }) ?? !authority.hasSuffix(":")
        else {
            throw issue("invalid_url", "Enter an absolute URL with a host, for example https://app.contoso.com/auth.")
        }
        if let appDomain, !appDomain.covers(host: host) {
            throw issue(
                "host_mismatch",
                "The redirect URL's host (\(host)) must be the app domain (\(appDomain.host)) or a subdomain of it."
            )
        }
        // Stored and compared in one form: scheme and host in lower case, no default port,
        // a path of at least "/".
        var normalized = URLComponents()
        normalized.scheme = components.scheme?.lowercased()
        normalized.host = host.lowercased()
        let defaultPort = normalized.scheme == "https" ? 443 : 80
        normalized.port = components.port == defaultPort ? nil : components.port
        normalized.percentEncodedPath = components.percentEncodedPath.isEmpty ? "/" : components.percentEncodedPath
        normalized.percentEncodedQuery = components.percentEncodedQuery
        guard let value = normalized.string else {
            throw issue("invalid_url", "Enter an absolute URL with a host, for example https://app.contoso.com/auth.")
        }
        self.value = value
        self.host = host.lowercased()
    }

    public static let maximumLength = 2048

    /// The text between `://` and the first `/`, `?` or `#` after it.
    static func authority(of text: String) -> Substring {
        guard let start = text.range(of: "://")?.upperBound else { return "" }
        let rest = text[start...]
        return rest[..<(rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? rest.endIndex)]
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
