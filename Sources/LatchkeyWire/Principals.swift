/// The fixed principals of the ACS profile and its principal strings (docs/acs-wire.md §0), as the
/// server writes them and the kits read them: one spelling for all three.
public enum ACSPrincipal {
    /// The platform: the resource apps call, the audience of Latchkey's access tokens.
    public static let platform = "00000003-0000-0ff1-ce00-000000000000"
    /// The token service: the issuer of context tokens.
    public static let tokenService = "00000001-0000-0000-c000-000000000000"

    /// `{id}@{realm}`, or `{id}/{host}@{realm}` with a host.
    public static func name(_ id: String, host: String? = nil, realm: String) -> String {
        host.map { "\(id)/\($0)@\(realm)" } ?? "\(id)@\(realm)"
    }
}

/// A principal string read: `{id}[/{host}]@{realm}`, or a bare id (docs/acs-wire.md §0). The id
/// and host are lower-cased, the realm is a canonical GUID.
public struct PrincipalName: Equatable, Sendable {
    public let id: String
    public let host: String?
    public let realm: String?

    /// Read by bytes: `@` and `/` are ASCII, and finding them by Character ran grapheme breaking
    /// over every principal of an ACS token request (three of them).
    public init?(_ text: String) {
        let utf8 = text.utf8
        var end = utf8.endIndex
        var realm: String?
        if let at = utf8.lastIndex(of: UInt8(ascii: "@")) {
            guard let parsed = GUIDText.canonical(text[utf8.index(after: at)...]) else { return nil }
            realm = parsed
            end = at
        }
        let head = text[..<end]
        var host: String?
        if let slash = head.utf8.firstIndex(of: UInt8(ascii: "/")) {
            let hostText = head[head.utf8.index(after: slash)...]
            guard !hostText.isEmpty else { return nil }
            host = hostText.lowercased()
            end = slash
        }
        self.id = text[..<end].lowercased()
        self.host = host
        self.realm = realm
    }
}
