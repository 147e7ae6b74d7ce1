import Foundation
import HTTPTypes
import LatchkeyCore
@testable import LatchkeyServer
import Synchronization
import Testing

/// A resolver with scripted answers: each look-up of a host takes its next answer (the last one
/// repeats); other hosts go to the system's resolver (`localhost`, numeric forms such as
/// `2130706433`, and names that do not resolve here).
final class ScriptedResolver: HostResolver {
    private let answers: Mutex<[String: [[IPAddress]]]>
    private let counts = Mutex<[String: Int]>([:])

    init(_ answers: [String: [[String]]]) {
        self.answers = Mutex(answers.mapValues { $0.map { $0.compactMap { IPAddress($0) } } })
    }

    func lookups(of host: String) -> Int { counts.withLock { $0[host] ?? 0 } }

    func addresses(of host: String) async -> [IPAddress] {
        counts.withLock { $0[host, default: 0] += 1 }
        let scripted: [IPAddress]? = answers.withLock { all in
            guard var queue = all[host], !queue.isEmpty else { return nil }
            let next = queue.count > 1 ? queue.removeFirst() : queue[0]
            all[host] = queue
            return next
        }
        if let scripted { return scripted }
        return await SystemHostResolver().addresses(of: host)
    }
}

@Suite("Where Latchkey sends events and notices (docs/security.md)")
struct OutboundTests {
    static let resolver = ScriptedResolver([
        "internal.contoso.example": [["10.1.2.3"]], "mixed.contoso.example": [["93.184.216.34", "192.168.1.10"]],
        "public.contoso.example": [["93.184.216.34"]], "mapped.contoso.example": [["::ffff:169.254.169.254"]],
    ])

    func harness(allowLoopback: Bool) -> Harness {
        var harness = Harness()
        harness.adjust = { configuration in
            configuration.allowLoopbackCallbacks = allowLoopback
            configuration.hostResolver = Self.resolver
        }
        return harness
    }

    static let internalURLs = [
        "https://127.0.0.1/events", "https://127.1.2.3/events", "https://10.0.0.1/events", "https://172.16.5.4/events", "https://192.168.0.1/events",
        "https://169.254.169.254/latest/", "https://100.64.0.1/events", "https://0.0.0.0/events", "https://224.0.0.1/events", "https://2130706433/events",
        "https://internal.contoso.example/events", "https://mixed.contoso.example/events", "https://mapped.contoso.example/events",
    ]

    @Test func internalAddressesAreRefusedWhenSetAndNothingChanges() async throws {
        try await harness(allowLoopback: false).run { api, _ in
            let app = try await api.delegatedApp()
            for url in Self.internalURLs + ["http://localhost:8090/events", "https://localhost/events"] {
                let reply = try await api.send(.patch, "/api/v1/apps/\(app.appID)", token: app.sellerToken, json: ["eventsUrl": url])
                #expect(reply.status == .unprocessableContent && reply.issueFields == ["eventsUrl"], "\(url): \(reply.status) \(reply.body)")
                let webhook = try await api.send(.put, "/api/v1/sellers/me/webhook", token: app.sellerToken, json: ["url": url])
                #expect(webhook.status == .unprocessableContent && webhook.issueFields == ["url"], "\(url): \(webhook.status) \(webhook.body)")
            }
            let unchanged = try await api.send(.get, "/api/v1/apps/\(app.appID)", token: app.sellerToken)
            #expect(unchanged.string("status") == "approved" && unchanged["eventsUrl"] == nil, "a refused URL changes nothing")
            #expect(try await api.send(.get, "/api/v1/sellers/me/webhook", token: app.sellerToken).status == .notFound)

            // A public host, or a name that does not resolve now (each delivery checks again), is taken.
            for url in ["https://public.contoso.example/events", "https://not-yet.contoso.example/events"] {
                let reply = try await api.send(.patch, "/api/v1/apps/\(app.appID)", token: app.sellerToken, json: ["eventsUrl": url])
                #expect(reply.status == .ok, "\(url): \(reply.body)")
            }
        }
    }

    @Test func theDevelopmentSwitchOpensLoopbackOnly() async throws {
        try await harness(allowLoopback: true).run { api, _ in
            let app = try await api.delegatedApp()
            let local = try await api.send(.patch, "/api/v1/apps/\(app.appID)", token: app.sellerToken, json: ["eventsUrl": "http://localhost:8090/events"])
            #expect(local.status == .ok, "\(local.body)")
            for url in Self.internalURLs where !url.contains("127.") && !url.contains("2130706433") {
                let reply = try await api.send(.patch, "/api/v1/apps/\(app.appID)", token: app.sellerToken, json: ["eventsUrl": url])
                #expect(reply.status == .unprocessableContent, "\(url): \(reply.status)")
            }
        }
    }

    @Test func addressesAreClassifiedInEveryForm() {
        let cases: [(String, IPAddress.Reach)] = [
            ("8.8.8.8", .publicAddress), ("2001:4860:4860::8888", .publicAddress), ("127.0.0.1", .loopback), ("::1", .loopback),
            ("::ffff:127.0.0.1", .loopback), ("fd00::1", .refused("a unique local address (fc00::/7)")), ("fe80::1", .refused("a link-local address (fe80::/10)")),
            ("ff02::1", .refused("a multicast address (ff00::/8)")), ("::", .refused("the unspecified address (::)")),
            ("64:ff9b::a00:1", .refused("a private address (RFC 1918)")), ("2002:a9fe:a9fe::1", .refused("a link-local address (169.254.0.0/16, where cloud metadata services answer)")),
            ("100.127.255.255", .refused("a shared address (100.64.0.0/10, carrier-grade NAT)")), ("100.128.0.1", .publicAddress),
            ("172.32.0.1", .publicAddress), ("255.255.255.255", .refused("a reserved or broadcast address (240.0.0.0/4)")),
        ]
        for (text, reach) in cases {
            let address = IPAddress(text)
            #expect(address?.reach == reach, "\(text)")
        }
        #expect(IPAddress("2001:db8:0:0:1:0:0:1")?.description == "2001:db8::1:0:0:1")
        #expect(IPAddress("::ffff:10.0.0.1")?.description == "10.0.0.1")
    }
}

extension EventTests {
    /// DNS rebinding: a name public when set and internal at delivery is refused at delivery,
    /// and the name is looked up once per attempt (the connection goes to what was checked).
    @Test func aDeliveryChecksTheAddressAgainAndGoesNowhereInternal() async throws {
        let resolver = ScriptedResolver(["rebind.contoso.example": [["93.184.216.34"], ["127.0.0.1"]]])
        var harness = live()
        harness.adjust = { configuration in
            configuration.allowLoopbackCallbacks = false
            configuration.hostResolver = resolver
        }
        try await harness.run { api, _ in
            let app = try await api.delegatedApp()
            try await api.setEventsURL("https://rebind.contoso.example/events", on: app)
            #expect(resolver.lookups(of: "rebind.contoso.example") == 1)
            try await api.reinstall(app)
            let deliveries = try await api.deliveries(of: app) { $0.count == 2 && $0.allSatisfy { ($0["attempts"] as? Int ?? 0) >= 1 } }
            #expect(deliveries.count == 2)
            for delivery in deliveries {
                #expect((delivery["lastResult"] as? String)?.hasPrefix("refused: Latchkey does not send to rebind.contoso.example, which is this machine") == true, "\(delivery)")
                #expect(delivery["status"] as? String != "delivered")
            }
            #expect(resolver.lookups(of: "rebind.contoso.example") == 3, "one look-up when set, one per attempt")
        }
    }
}
