import Foundation

/// The hosts of the platform's sites: the only hosts an ACS `resource`
/// (`00000003-0000-0ff1-ce00-000000000000/{host}@{realm}`) may name, so that no app obtains a
/// token for a host the deployment does not serve. A pattern may contain `{realm}`, replaced
/// by the tenant's id. Ports are not compared: clients send the host with or without one.
public struct SiteHosts: Sendable, Equatable {
    /// Lower-case host names without port, some with `{realm}`.
    public let patterns: [String]
    /// Each pattern cut at `{realm}` once, so that a request joins the pieces with its realm
    /// instead of searching the pattern (Foundation's string replacement) every time.
    private let pieces: [[String]]

    public init(_ patterns: [String]) {
        var seen: Set<String> = []
        self.patterns = patterns.map { Self.hostName($0.lowercased()) }.filter { !$0.isEmpty && seen.insert($0).inserted }
        self.pieces = self.patterns.map { $0.components(separatedBy: "{realm}") }
    }

    public func admits(_ host: String, realm: String) -> Bool {
        let name = Self.hostName(host.lowercased())
        return pieces.contains { $0.joined(separator: realm) == name }
    }

    /// `host[:port]` or `[v6]:port` without the port.
    static func hostName(_ authority: String) -> String {
        if authority.hasPrefix("["), let end = authority.firstIndex(of: "]") {
            return String(authority[...end])
        }
        guard let colon = authority.lastIndex(of: ":"), authority[authority.index(after: colon)...].allSatisfy(\.isNumber) else {
            return authority
        }
        return String(authority[..<colon])
    }
}
