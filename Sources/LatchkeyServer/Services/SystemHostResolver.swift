import Foundation
import LatchkeyCore

#if canImport(Glibc)
import Glibc
#endif

/// The system's resolver (getaddrinfo: /etc/hosts, then DNS), off Swift's cooperative threads,
/// given up after `timeout` (the lookup itself cannot be cancelled and ends on its own).
struct SystemHostResolver: HostResolver {
    var timeout: Duration = .seconds(5)

    func addresses(of host: String) async -> [IPAddress] {
        let lookup = Lookup()
        let timer = Task { [timeout] in
            try? await Task.sleep(for: timeout)
            lookup.finish([])
        }
        defer { timer.cancel() }
        return await withCheckedContinuation { continuation in
            lookup.start(continuation)
            DispatchQueue.global().async { lookup.finish(Self.resolve(host)) }
        }
    }

    /// Every distinct address getaddrinfo gives for the host (TCP, both families).
    static func resolve(_ host: String) -> [IPAddress] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var results: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &results) == 0, let first = results else { return [] }
        defer { freeaddrinfo(first) }
        var found: [IPAddress] = []
        var next: UnsafeMutablePointer<addrinfo>? = first
        while let entry = next {
            if let address = entry.pointee.ai_addr {
                switch Int32(address.pointee.sa_family) {
                case AF_INET:
                    address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { v4 in
                        withUnsafeBytes(of: v4.pointee.sin_addr) { found.append(IPAddress(bytes: Array($0))!) }
                    }
                case AF_INET6:
                    address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { v6 in
                        withUnsafeBytes(of: v6.pointee.sin6_addr) { found.append(IPAddress(bytes: Array($0))!) }
                    }
                default: break
                }
            }
            next = entry.pointee.ai_next
        }
        var seen: Set<IPAddress> = []
        return found.filter { seen.insert($0).inserted }
    }

    /// Resumes the caller once: with the answer, or with nothing at the timeout, whichever
    /// comes first (also when it comes before the caller waits).
    private final class Lookup: @unchecked Sendable {
        // Guarded by `lock`.
        private let lock = NSLock()
        private var continuation: CheckedContinuation<[IPAddress], Never>?
        private var outcome: [IPAddress]?

        func start(_ continuation: CheckedContinuation<[IPAddress], Never>) {
            let early: [IPAddress]? = lock.withLock {
                if let outcome { return outcome }
                self.continuation = continuation
                return nil
            }
            if let early { continuation.resume(returning: early) }
        }

        func finish(_ addresses: [IPAddress]) {
            let waiting: CheckedContinuation<[IPAddress], Never>? = lock.withLock {
                guard outcome == nil else { return nil }
                outcome = addresses
                defer { continuation = nil }
                return continuation
            }
            waiting?.resume(returning: addresses)
        }
    }
}
