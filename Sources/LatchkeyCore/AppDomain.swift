/// The host name a seller runs the app on, optionally with a port (docs/seed-model.md §1, seed: "must not
/// include http:// or https://; must not be an international domain name").
public struct AppDomain: Hashable, Sendable, CustomStringConvertible {
    /// Lowercased host, without the port.
    public let host: String
    public let port: Int?

    public var description: String { port.map { "\(host):\($0)" } ?? host }

    public static let field = "appDomain"

    public init(validating input: String) throws(FieldIssue) {
        let text = input.trimmingWhitespace()
        func issue(_ code: String, _ message: String) -> FieldIssue {
            FieldIssue(field: Self.field, code: code, message: message)
        }
        guard !text.isEmpty else {
            throw issue("required", "Enter the domain your app runs on, for example app.contoso.com.")
        }
        let lower = text.lowercased()
        if lower.hasPrefix("http://") || lower.hasPrefix("https://") || text.contains("://") {
            throw issue("scheme_not_allowed", "Enter the domain without http:// or https://, for example app.contoso.com.")
        }
        if text.contains("/") || text.contains("?") || text.contains("#") {
            throw issue("path_not_allowed", "Enter the domain only, without a path, query or fragment, for example app.contoso.com.")
        }
        if text.unicodeScalars.contains(where: { !$0.isASCII }) {
            throw issue("idn_not_allowed", "Internationalized domain names are not supported: use a domain made of ASCII letters, digits and hyphens.")
        }
        if text.contains("@") {
            throw issue("userinfo_not_allowed", "Enter the domain only, without a user name, for example app.contoso.com.")
        }

        var hostPart = Substring(lower)
        var port: Int?
        if let colon = lower.lastIndex(of: ":") {
            let portText = lower[lower.index(after: colon)...]
            guard let value = Int(portText), (1...65535).contains(value), portText.allSatisfy(\.isASCIIDigit) else {
                throw issue("invalid_port", "The port after the colon must be a number from 1 to 65535, for example app.contoso.com:8443.")
            }
            port = value
            hostPart = lower[..<colon]
        }
        if hostPart.hasSuffix(".") { hostPart = hostPart.dropLast() }
        guard !hostPart.isEmpty, hostPart.utf8.count <= 253 else {
            throw issue("invalid_host", "Enter a host name of at most 253 characters, for example app.contoso.com.")
        }
        let labels = hostPart.split(separator: ".", omittingEmptySubsequences: false)
        for label in labels {
            if label.hasPrefix("xn--") {
                throw issue("idn_not_allowed", "Internationalized domain names (xn-- labels) are not supported: use a domain made of ASCII letters, digits and hyphens.")
            }
            guard Self.isValidLabel(label) else {
                throw issue("invalid_host", "\"\(label)\" is not a valid part of a domain name: each dot-separated part has 1 to 63 letters, digits or hyphens and does not start or end with a hyphen.")
            }
        }
        guard labels.count >= 2 || hostPart == "localhost" else {
            throw issue("invalid_host", "Enter a fully qualified domain name such as app.contoso.com.")
        }
        if labels.last?.allSatisfy(\.isASCIIDigit) == true {
            throw issue("ip_not_allowed", "Enter a domain name, not an IP address.")
        }
        self.host = String(hostPart)
        self.port = port
    }

    /// The stored form; it was validated when written.
    public init(stored: String) {
        if let parsed = try? AppDomain(validating: stored) {
            self = parsed
        } else {
            self.host = stored
            self.port = nil
        }
    }

    /// True when `other` is this host or a subdomain of it.
    public func covers(host other: String) -> Bool {
        let other = other.lowercased()
        return other == host || other.hasSuffix("." + host)
    }

    private static func isValidLabel(_ label: Substring) -> Bool {
        guard (1...63).contains(label.utf8.count), label.first != "-", label.last != "-" else { return false }
        return label.allSatisfy { $0.isASCIIDigit || ("a"..."z").contains($0) || $0 == "-" }
    }
}

extension Character {
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}

extension String {
    func trimmingWhitespace() -> String {
        String(self.drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }
}
