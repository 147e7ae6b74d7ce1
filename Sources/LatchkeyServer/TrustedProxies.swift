#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import HTTPTypes
import Hummingbird
import LatchkeyCore
import LatchkeyStorage

extension IPAddress {
    /// Dotted IPv4 or IPv6 text (an IPv4-mapped IPv6 address is taken as its IPv4 address).
    init?(_ text: some StringProtocol) {
        var v4 = in_addr()
        var v6 = in6_addr()
        let text = String(text)
        if inet_pton(AF_INET, text, &v4) == 1 {
            self.init(bytes: withUnsafeBytes(of: &v4) { Array($0) })
        } else if inet_pton(AF_INET6, text, &v6) == 1 {
            let all = withUnsafeBytes(of: &v6) { Array($0) }
            self.init(bytes: all[0..<12] == [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff] ? Array(all[12...]) : all)
        } else {
            return nil
        }
    }
}

/// `LATCHKEY_TRUSTED_PROXIES`: the reverse proxies whose `X-Forwarded-For` is believed. A request
/// from one of them is taken to come from the right-most address in that header that is not
/// itself a trusted proxy; a request from anywhere else is taken to come from its peer, whatever
/// it says. Rate limits and the audit log use that address.
public struct TrustedProxies: Sendable, Equatable {
    struct Range: Sendable, Equatable {
        /// The network's address: its first `prefix` bits, the rest zero.
        let network: IPAddress
        let prefix: Int

        init(_ address: IPAddress, prefix: Int) {
            network = IPAddress(network: address, prefix: prefix)
            self.prefix = prefix
        }

        func contains(_ address: IPAddress) -> Bool {
            address.bytes.count == network.bytes.count && IPAddress(network: address, prefix: prefix) == network
        }
    }

    let ranges: [Range]

    public static let none = TrustedProxies(ranges: [])

    init(ranges: [Range]) {
        self.ranges = ranges
    }

    /// A comma-separated list of addresses and CIDR ranges: `10.0.0.0/8, 192.0.2.7, fd00::/8`.
    public init(parsing text: String) throws(ConfigurationError) {
        var ranges: [Range] = []
        for entry in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !entry.isEmpty {
            let parts = entry.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
            guard let address = IPAddress(parts[0]) else {
                throw ConfigurationError(
                    variable: "LATCHKEY_TRUSTED_PROXIES", message: "\"\(entry)\" is not an IP address or CIDR range; expected a list such as 10.0.0.0/8, 192.0.2.7, fd00::/8"
                )
            }
            let width = address.bytes.count * 8
            var prefix = width
            if parts.count == 2 {
                guard let bits = Int(parts[1]), (0...width).contains(bits) else {
                    throw ConfigurationError(
                        variable: "LATCHKEY_TRUSTED_PROXIES", message: "\"\(entry)\": the prefix length after / must be a number from 0 to \(width)"
                    )
                }
                prefix = bits
            }
            ranges.append(Range(address, prefix: prefix))
        }
        self.ranges = ranges
    }

    var isEmpty: Bool { ranges.isEmpty }

    func contains(_ address: IPAddress) -> Bool {
        ranges.contains { $0.contains(address) }
    }

    /// The client's address for a request from `peer` carrying these `X-Forwarded-For` values:
    /// from the right, past every trusted proxy, to the first address that is not one. An entry
    /// that is not an address ends the walk at the last good one (a trusted proxy wrote it
    /// badly, or the client wrote it: neither is believed).
    func client(peer: IPAddress, forwardedFor values: [String]) -> IPAddress {
        guard contains(peer) else { return peer }
        var client = peer
        for entry in values.flatMap({ $0.split(separator: ",") }).reversed() {
            guard let address = Self.address(in: entry.trimmingCharacters(in: .whitespaces)) else { break }
            client = address
            if !contains(address) { break }
        }
        return client
    }

    /// An entry of `X-Forwarded-For`: an address, possibly with a port (`192.0.2.1:4711`,
    /// `[2001:db8::1]:4711`).
    static func address(in entry: String) -> IPAddress? {
        if let address = IPAddress(entry) { return address }
        if entry.hasPrefix("["), let close = entry.firstIndex(of: "]") {
            return IPAddress(entry[entry.index(after: entry.startIndex)..<close])
        }
        let parts = entry.split(separator: ":")
        if parts.count == 2, let port = Int(parts[1]), (0...65_535).contains(port) {
            return IPAddress(parts[0]).flatMap { $0.bytes.count == 4 ? $0 : nil }
        }
        return nil
    }
}

extension HTTPField.Name {
    static let xForwardedFor = HTTPField.Name("X-Forwarded-For")!
}
