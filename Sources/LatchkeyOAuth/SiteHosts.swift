import Foundation

/// The hosts of the platform's sites: the only hosts an ACS `resource`
/// (`00000003-0000-0ff1-ce00-000000000000/{host}@{realm}`) may name, so that no app obtains a
/// token for a host the deployment does not serve. A pattern may contain `{realm}`, replaced
/// by the tenant's id. Ports are not compared: clients send the host with or without one.
public struct SiteHosts: Sendable, Equatable {
    /// Lower-case host names without port, some with `{realm}`.
    public let patterns: [String]

    public init(_ patterns: [String]) {
        var seen: Set<String> = []
        self.patterns = patterns.map { Self.hostName($0.lowercased()) }.filter { !$0.isEmpty && seen.insert($0).inserted }
    }

    public func admits(_ host: String, realm: String) -> Bool {
        let name = Self.hostName(host.lowercased())
        return patterns.contains { $0.replacingOccurrences(of: "{realm}", with: realm) == name }
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
