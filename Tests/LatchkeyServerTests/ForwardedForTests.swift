import Foundation
import LatchkeyCore
import HTTPTypes
import LatchkeyStorage
@testable import LatchkeyServer
import Testing

/// Behind a reverse proxy every connection comes from the proxy: the client's address is the one
/// a trusted proxy forwards (`LATCHKEY_TRUSTED_PROXIES`), and no one else's word counts.
@Suite("Clients behind trusted proxies")
struct ForwardedForTests {
    let proxies = try! TrustedProxies(parsing: "10.0.0.0/8, 192.0.2.7, fd00::/8")

    func client(_ peer: String, _ forwarded: String...) -> String {
        proxies.client(peer: IPAddress(peer)!, forwardedFor: forwarded).description
    }

    @Test func theClientIsTheRightMostAddressThatIsNotATrustedProxy() {
        #expect(client("10.1.2.3", "203.0.113.5") == "203.0.113.5")
        // The client wrote the left-most entry itself; the proxies appended the rest.
        #expect(client("10.1.2.3", "198.51.100.66, 203.0.113.5, 192.0.2.7") == "203.0.113.5")
        // Several header lines read as one list, in order.
        #expect(client("10.1.2.3", "198.51.100.66", "203.0.113.5, 10.9.9.9") == "203.0.113.5")
        // Ports and brackets as some proxies write them; one spelling for each address.
        #expect(client("10.1.2.3", "203.0.113.5:4711") == "203.0.113.5")
        #expect(client("10.1.2.3", "[2001:DB8:0::1]:4711") == "2001:db8::1")
        #expect(client("fd12::1", "2001:0db8::0001") == "2001:db8::1")
        #expect(client("::ffff:10.0.0.1", "203.0.113.5") == "203.0.113.5")
    }

    @Test func anotherPeersHeaderOrAMalformedEntryIsNotBelieved() {
        #expect(client("203.0.113.5", "198.51.100.66") == "203.0.113.5")
        #expect(client("10.0.0.0", "not an address") == "10.0.0.0")
        // Past the last good entry nothing is read: a forged left part cannot take its place.
        #expect(client("10.1.2.3", "198.51.100.66, junk, 10.2.2.2") == "10.2.2.2")
        #expect(client("10.1.2.3", "fe80::1%eth0") == "10.1.2.3")
    }

    @Test func aBadListStopsStartUpNamingTheVariable() {
        for bad in ["proxy.internal", "10.0.0.0/33", "fd00::/129", "10.0.0.0/", "10.0.0.0/x"] {
            #expect(throws: ConfigurationError.self) { try Configuration.fromEnvironment(["LATCHKEY_TRUSTED_PROXIES": bad]) }
            do {
                _ = try Configuration.fromEnvironment(["LATCHKEY_TRUSTED_PROXIES": bad])
            } catch {
                #expect(error.variable == "LATCHKEY_TRUSTED_PROXIES" && error.message.contains(bad.split(separator: "/")[0]), "\(error)")
            }
        }
        #expect(throws: Never.self) { try Configuration.fromEnvironment(["LATCHKEY_TRUSTED_PROXIES": " 127.0.0.1 , ::1/128,10.0.0.0/8 "]) }
    }

    func signIn(_ api: API, from address: String, email: String, password: String = "wrong password here") async throws -> Reply {
        try await api.send(.post, "/api/v1/tokens", json: ["email": email, "password": password], headers: [.xForwardedFor: address])
    }

    /// The test client connects from the loopback address, trusted here as the proxy.
    @Test func limitsAndTheAuditLogUseTheForwardedAddress() async throws {
        var harness = Harness()
        harness.mode = .live
        harness.adjust = {
            $0.trustedProxies = try! TrustedProxies(parsing: "127.0.0.1, ::1")
            $0.rateLimits.signInsPerAddress = 2
        }
        try await harness.run { api, _ in
            let (_, email) = try await api.newSeller()  // two attempts from the loopback address
            for _ in 0..<2 { #expect(try await signIn(api, from: "203.0.113.7", email: email).status == .unauthorized) }
            #expect(try await signIn(api, from: "203.0.113.7", email: email).status == .tooManyRequests)
            // A client that writes another address in front of its own is still itself.
            #expect(try await signIn(api, from: "198.51.100.99, 203.0.113.7", email: email).status == .tooManyRequests)
            // Another client behind the same proxy is not held back.
            #expect(try await signIn(api, from: "203.0.113.8", email: email).status == .unauthorized)
            // IPv6 clients count by /64, however the address is spelled.
            #expect(try await signIn(api, from: "2001:DB8:0:0::1", email: email).status == .unauthorized)
            #expect(try await signIn(api, from: "2001:db8::ffff:2", email: email).status == .unauthorized)
            #expect(try await signIn(api, from: "2001:db8:0:0:1::3", email: email).status == .tooManyRequests)
            #expect(try await signIn(api, from: "2001:db8:0:1::1", email: email).status == .unauthorized)

            let signedIn = try await signIn(api, from: "198.51.100.23", email: email, password: "correct horse battery")
            let token = try #require(signedIn.string("token"), "\(signedIn.body)")
            let audit = try await api.send(.get, "/api/v1/audit", token: token)["entries"] as? [[String: Any]] ?? []
            let created = try #require(audit.first { $0["action"] as? String == "api_token.create" && $0["sourceIp"] as? String == "198.51.100.23" }, "\(audit)")
            #expect(created["actor"] as? String == email)
        }
    }

    @Test func withoutTrustedProxiesTheHeaderIsIgnored() async throws {
        var harness = Harness()
        harness.mode = .live
        harness.rateLimits.signInsPerAddress = 2
        try await harness.run { api, _ in
            var statuses: [HTTPResponse.Status] = []
            for (address, email) in [("203.0.113.1", "a@contoso.example"), ("203.0.113.2", "b@contoso.example"), ("203.0.113.3", "c@contoso.example")] {
                statuses.append(try await signIn(api, from: address, email: email).status)
            }
            #expect(statuses == [.unauthorized, .unauthorized, .tooManyRequests])
        }
    }
}
