import Foundation

/// An IPv4 (4 bytes) or IPv6 (16 bytes) address, as resolved.
public struct IPAddress: Hashable, Sendable, CustomStringConvertible {
    public let bytes: [UInt8]

    public init?(bytes: [UInt8]) {
        guard bytes.count == 4 || bytes.count == 16 else { return nil }
        self.bytes = bytes
    }

    /// The first `prefix` bits of `address`, the rest zero.
    public init(network address: IPAddress, prefix: Int) {
        bytes = address.bytes.enumerated().map { index, byte in
            let kept = min(8, max(0, prefix - index * 8))
            return kept == 0 ? 0 : byte & ~(0xff >> UInt8(kept))
        }
    }

    public var isIPv4: Bool { bytes.count == 4 }

    /// The canonical text, one spelling per address (rate limits and the audit log key on it):
    /// dotted decimal, or RFC 5952's IPv6 form (lower case, the longest run of two or more zero
    /// groups, the first of equals, written `::`).
    public var description: String {
        if isIPv4 { return bytes.map(String.init).joined(separator: ".") }
        let groups = stride(from: 0, to: 16, by: 2).map { UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]) }
        var best = (start: -1, length: 0)
        var index = 0
        while index < 8 {
            var end = index
            while end < 8 && groups[end] == 0 { end += 1 }
            if end - index > best.length && end - index >= 2 { best = (index, end - index) }
            index = max(end, index + 1)
        }
        let text = groups.map { String($0, radix: 16) }
        guard best.start >= 0 else { return text.joined(separator: ":") }
        return text[..<best.start].joined(separator: ":") + "::" + text[(best.start + best.length)...].joined(separator: ":")
    }

    /// Where Latchkey may send a request. docs/security.md: nothing leaves the server for the
    /// machine itself, a private network, link-local addresses (where cloud metadata services
    /// answer), shared address space, multicast or reserved ranges, in any IPv6 form of them.
    public enum Reach: Equatable, Sendable {
        case publicAddress
        /// Only under the development switch (`LATCHKEY_ALLOW_LOOPBACK_CALLBACKS`).
        case loopback
        /// Never: the words name the range.
        case refused(String)
    }

    public var reach: Reach {
        isIPv4 ? Self.reach(ipv4: bytes) : Self.reach(ipv6: bytes)
    }

    static func reach(ipv4 b: [UInt8]) -> Reach {
        switch (b[0], b[1]) {
        case (127, _): .loopback
        case (0, _): .refused("an unspecified address (0.0.0.0/8)")
        case (10, _), (172, 16...31), (192, 168): .refused("a private address (RFC 1918)")
        case (169, 254): .refused("a link-local address (169.254.0.0/16, where cloud metadata services answer)")
        case (100, 64...127): .refused("a shared address (100.64.0.0/10, carrier-grade NAT)")
        case (192, 0) where b[2] == 0: .refused("a reserved address (192.0.0.0/24)")
        case (198, 18...19): .refused("a reserved address (198.18.0.0/15)")
        case (224...239, _): .refused("a multicast address")
        case (240...255, _): .refused("a reserved or broadcast address (240.0.0.0/4)")
        default: .publicAddress
        }
    }

    static func reach(ipv6 b: [UInt8]) -> Reach {
        let prefix = Array(b.prefix(12))
        if b == [UInt8](repeating: 0, count: 16) { return .refused("the unspecified address (::)") }
        if b == [UInt8](repeating: 0, count: 15) + [1] { return .loopback }
        // IPv4 in IPv6: mapped (::ffff:a.b.c.d), compatible (::a.b.c.d), NAT64 (64:ff9b::/96).
        if prefix == [UInt8](repeating: 0, count: 10) + [0xff, 0xff] || prefix == [UInt8](repeating: 0, count: 12)
            || prefix == [0, 0x64, 0xff, 0x9b] + [UInt8](repeating: 0, count: 8)
        {
            return reach(ipv4: Array(b[12..<16]))
        }
        if b[0] == 0x20 && b[1] == 0x02 { return reach(ipv4: Array(b[2..<6])) }  // 6to4
        if b[0] & 0xfe == 0xfc { return .refused("a unique local address (fc00::/7)") }
        if b[0] == 0xfe && b[1] & 0xc0 == 0x80 { return .refused("a link-local address (fe80::/10)") }
        if b[0] == 0xfe && b[1] & 0xc0 == 0xc0 { return .refused("a site-local address (fec0::/10)") }
        if b[0] == 0xff { return .refused("a multicast address (ff00::/8)") }
        return .publicAddress
    }
}

/// Looks a host name up (a literal address resolves to itself).
public protocol HostResolver: Sendable {
    /// Every address of `host`; empty when it does not resolve now.
    func addresses(of host: String) async -> [IPAddress]
}

/// Why Latchkey will not send to a URL.
public struct OutboundRefusal: Error, Equatable, Sendable {
    public let reason: String
}

/// Where Latchkey's own requests may go (app events, expiry notices): hosts whose addresses are
/// all public, or loopback under the development switch. Checked when a URL is set, and again
/// at every delivery, which connects to an address this check returned (never looking the name
/// up a second time: DNS rebinding).
public struct OutboundPolicy: Sendable {
    public let allowLoopback: Bool
    let resolver: any HostResolver

    public init(allowLoopback: Bool, resolver: any HostResolver) {
        self.allowLoopback = allowLoopback
        self.resolver = resolver
    }

    /// The addresses to connect to for `host`, resolved now.
    public func addresses(of host: String) async throws(OutboundRefusal) -> [IPAddress] {
        let found = await resolver.addresses(of: host)
        guard !found.isEmpty else { throw OutboundRefusal(reason: "\(host) does not resolve") }
        try admit(found, host: host)
        return found
    }

    /// Refuses a URL being set whose host is, or resolves now to, an address Latchkey does not
    /// send to. A name that does not resolve now is accepted: each delivery checks again.
    public func check(_ url: EventsURL, field: String, noun: String) async throws(DomainError) {
        do {
            try admit(await resolver.addresses(of: url.host), host: url.host)
        } catch {
            throw .invalid([FieldIssue(field: field, code: "address_not_allowed", message: "Latchkey does not send to \(error.reason). Use a public https \(noun).")])
        }
    }

    /// Every address must be public (or loopback under the switch): one internal address among
    /// public ones would let a later connection reach it.
    func admit(_ found: [IPAddress], host: String) throws(OutboundRefusal) {
        for address in found {
            switch address.reach {
            case .publicAddress: continue
            case .loopback where allowLoopback: continue
            case .loopback:
                throw OutboundRefusal(
                    reason: "\(host), which is this machine (\(address)); loopback callbacks are for development only (LATCHKEY_ALLOW_LOOPBACK_CALLBACKS=true)"
                )
            case .refused(let range): throw OutboundRefusal(reason: "\(host), which is \(range): \(address)")
            }
        }
    }
}
