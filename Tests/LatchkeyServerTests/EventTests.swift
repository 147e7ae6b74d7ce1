import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LatchkeyAppKit
import Synchronization
import Testing

/// An app's events endpoint: keeps what it receives and answers with the statuses it is told to.
final class EventReceiver: Sendable {
    struct Received: Sendable {
        let body: Data
        let signature: String?
        let eventID: String?
    }

    private let received = Mutex<[Received]>([])
    /// While holding, requests get no answer until `release()`.
    private let held = Mutex<(holding: Bool, waiting: [CheckedContinuation<Void, Never>])>((false, []))
    /// Statuses to answer with, in order, before answering 204.
    private let failures = Mutex<[HTTPResponse.Status]>([])
    let redirected = Mutex(0)

    var all: [Received] { received.withLock { $0 } }

    func fail(with statuses: [HTTPResponse.Status]) {
        failures.withLock { $0 = statuses }
    }

    func hold() {
        held.withLock { $0.holding = true }
    }

    func release() {
        let waiting = held.withLock { state in
            state.holding = false
            defer { state.waiting = [] }
            return state.waiting
        }
        for continuation in waiting { continuation.resume() }
    }

    /// Each receiver's own path: tests sharing a PostgreSQL database also share its outbox, and a
    /// delivery left by another test (or run) at a port this receiver now has must not count.
    private let path = "events-" + UUID().uuidString.lowercased()

    /// Runs the receiver on a free port and hands its events URL to `body`.
    func run(_ body: @Sendable (String) async throws -> Void) async throws {
        let router = Router()
        router.post(RouterPath(path)) { request, _ -> Response in
            let bytes = try await request.body.collect(upTo: 1 << 20)
            self.received.withLock {
                $0.append(Received(body: Data(bytes.readableBytesView), signature: request.headers[HTTPField.Name("Latchkey-Signature")!], eventID: request.headers[HTTPField.Name("Latchkey-Event-Id")!]))
            }
            await withCheckedContinuation { continuation in
                let answerNow = self.held.withLock { state in
                    if state.holding { state.waiting.append(continuation) }
                    return !state.holding
                }
                if answerNow { continuation.resume() }
            }
            let status = self.failures.withLock { $0.isEmpty ? HTTPResponse.Status.noContent : $0.removeFirst() }
            // A redirect points elsewhere on this receiver, which records any request made there.
            return Response(status: status, headers: status.kind == .redirection ? [.location: "/\(self.path)/elsewhere"] : [:])
        }
        router.post(RouterPath(path + "/elsewhere")) { _, _ -> HTTPResponse.Status in
            self.redirected.withLock { $0 += 1 }
            return .noContent
        }
        try await Application(router: router).test(.live) { client in
            try await body("http://localhost:\(try #require(client.port))/\(path)")
        }
    }

    /// Waits (up to ten seconds) until `count` requests have arrived.
    func wait(for count: Int) async throws -> [Received] {
        for _ in 0..<200 {
            let now = all
            if now.count >= count { return now }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("expected \(count) event requests, got \(all.count)")
        return all
    }
}

extension API {
    /// Sets the app's events URL, which sends it back to review, and approves it again.
    func setEventsURL(_ url: String, on app: DelegatedApp) async throws {
        let reply = try await send(.patch, "/api/v1/apps/\(app.appID)", token: app.sellerToken, json: ["eventsUrl": url])
        #expect(reply.status == .ok && reply.string("eventsUrl") == url && reply.string("status") == "submitted", "\(reply.body)")
        let approved = try await send(.post, "/api/v1/apps/\(app.appID)/approve", token: app.operatorToken, json: ["revision": reply["revision"] as? Int ?? 0])
        #expect(approved.status == .ok && approved.string("status") == "approved", "\(approved.body)")
    }

    /// The app's deliveries, listed again (up to five seconds) until `done` holds of them.
    func deliveries(of app: DelegatedApp, until done: ([[String: Any]]) -> Bool) async throws -> [[String: Any]] {
        try await deliveries(at: "/api/v1/apps/\(app.appID)/event-deliveries", token: app.sellerToken, until: done)
    }

    /// The deliveries listed at `path`, listed again (up to five seconds) until `done` holds of them.
    func deliveries(at path: String, token: String, until done: ([[String: Any]]) -> Bool) async throws -> [[String: Any]] {
        var deliveries: [[String: Any]] = []
        for _ in 0..<100 {
            let listed = try await send(.get, path, token: token)
            deliveries = listed["deliveries"] as? [[String: Any]] ?? []
            if done(deliveries) { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        return deliveries
    }

    /// Uninstalls and installs the app again: two events.
    func reinstall(_ app: DelegatedApp) async throws {
        let removed = try await send(.delete, "/api/v1/tenants/\(app.tenantID)/installations/\(app.appID)", token: app.operatorToken)
        #expect(removed.status == .noContent, "\(removed.body)")
        try await install(app.appID, in: app.tenantID, operatorToken: app.operatorToken)
    }
}

@Suite("Signed events to apps, and secret rotation without downtime (docs/seed-model.md §4)", .serialized)
struct EventTests {
    func live() -> Harness {
        var harness = Harness()
        harness.mode = .live
        harness.deliversEvents = true
        return harness
    }

    @Test func eventsAreSignedWithTheSigningSecretAndRetried() async throws {
        let receiver = EventReceiver()
        try await receiver.run { eventsURL in
            try await live().run { api, clock in
                let app = try await api.delegatedApp()
                let invalid = try await api.send(.patch, "/api/v1/apps/\(app.appID)", token: app.sellerToken, json: ["eventsUrl": "http://app.contoso.com/events"])
                #expect(invalid.status == .unprocessableContent && invalid.issueFields == ["eventsUrl"], "\(invalid.body)")
                try await api.setEventsURL(eventsURL, on: app)

                // The first attempt of the first event fails: it is retried after ten seconds.
                receiver.fail(with: [.serviceUnavailable])
                try await api.reinstall(app)
                let user = BrowserSession(api: api)
                _ = try await user.signIn(email: app.adminEmail, password: app.password)
                _ = try await user.launch(app)
                let revoked = try await user.post("/account/consents/\(app.appID)/revoke", [("_csrf", BrowserSession.csrf(in: try await user.get("/account").body))])
                #expect(revoked.status == .seeOther || revoked.status == .found)

                // Four requests: the failed one and three deliveries. Ten seconds later the
                // failed event goes again.
                // The clock moves only once the failure is written: a retry is scheduled from
                // the clock's time when the failed attempt ends.
                _ = try await receiver.wait(for: 4)
                _ = try await api.deliveries(of: app) { $0.reduce(0) { $0 + ($1["attempts"] as? Int ?? 0) } == 4 }
                clock.advance(by: 11)
                let received = try await receiver.wait(for: 5)
                try #require(received.count == 5)
                let deliveries = try await api.deliveries(of: app) { $0.count == 4 && $0.allSatisfy { $0["status"] as? String == "delivered" } }
                #expect(deliveries.count == 4 && deliveries.allSatisfy { $0["status"] as? String == "delivered" && $0["lastResult"] as? String == "HTTP 204" })
                #expect(deliveries.map { $0["attempts"] as? Int ?? 0 }.sorted() == [1, 1, 1, 2])

                let verifier = try EventVerifier(secrets: [app.secret], now: { clock.now })
                let events = try received.map { try verifier.verify(body: $0.body, signature: $0.signature) }
                #expect(Set(events.map(\.type)) == ["app.uninstalled", "app.installed", "consent.granted", "consent.revoked"])
                #expect(Set(events.map(\.id)).count == 4, "a retry carries the same event id")
                let granted = try #require(events.first { $0.type == "consent.granted" })
                #expect(granted.data.appId == app.appID && granted.data.tenantId == app.tenantID && granted.data.clientId == app.clientID)
                #expect(granted.data.permissions == ["Calendars.Read", "Calendars.ReadWrite"] && granted.data.userId != nil)
                #expect(received.allSatisfy { $0.eventID != nil })

                // A receiver with another secret, a replay an hour later, or an altered body: refused.
                let other = try EventVerifier(secrets: ["c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LTEyMzQ="], now: { clock.now })
                #expect(throws: EventSignatureError.badSignature(secretsTried: 1)) { try other.verify(body: received[0].body, signature: received[0].signature) }
                let later = try EventVerifier(secrets: [app.secret], now: { clock.now.addingTimeInterval(3600) })
                #expect(throws: EventSignatureError.self) { try later.verify(body: received[4].body, signature: received[4].signature) }
                var tampered = received[0].body
                tampered[tampered.startIndex] = UInt8(ascii: " ")
                #expect(throws: EventSignatureError.badSignature(secretsTried: 1)) { try verifier.verify(body: tampered, signature: received[0].signature) }

                let audit = try await api.send(.get, "/api/v1/audit", token: app.sellerToken)
                let entries = try #require(audit["entries"] as? [[String: Any]])
                let attempts = entries.filter { $0["action"] as? String == "event.delivery" }.compactMap { $0["detail"] as? String }
                #expect(attempts.count == 5 && attempts.contains { $0.contains("HTTP 503; retry at") }, "\(attempts)")
            }
        }
    }

    @Test func redirectsAreNotFollowed() async throws {
        let receiver = EventReceiver()
        try await receiver.run { eventsURL in
            try await live().run { api, _ in
                let app = try await api.delegatedApp()
                try await api.setEventsURL(eventsURL, on: app)
                receiver.fail(with: [.temporaryRedirect])
                let removed = try await api.send(.delete, "/api/v1/tenants/\(app.tenantID)/installations/\(app.appID)", token: app.operatorToken)
                #expect(removed.status == .noContent)
                _ = try await receiver.wait(for: 1)
                let delivery = try await api.deliveries(of: app) { $0.first?["attempts"] as? Int == 1 }.first ?? [:]
                #expect(delivery["status"] as? String == "pending" && delivery["lastResult"] as? String == "HTTP 307", "\(delivery)")
                #expect(receiver.redirected.withLock { $0 } == 0)
            }
        }
    }

    /// An app configured with two secrets validates every launch and every event while its
    /// publisher adds a secret, makes it the signing one, deletes the old one and lets it expire.
    @Test func rotationWithoutDowntime() async throws {
        let receiver = EventReceiver()
        try await receiver.run { eventsURL in
            try await live().run { api, clock in
                let app = try await api.delegatedApp()
                try await api.setEventsURL(eventsURL, on: app)
                let first = app.secret
                let client = "/api/v1/clients/\(app.clientID)"
                let firstID = try #require((try await api.send(.get, client, token: app.sellerToken)["secrets"] as? [[String: Any]])?.first?["id"] as? String)
                let added = try await api.send(.post, "\(client)/secrets", token: app.sellerToken, json: ["validityYears": 2])
                let second = try #require(added.string("value"))
                let secondID = try #require(added.string("id"))

                let user = BrowserSession(api: api)
                var eventsSeen = 0
                /// Launches and reinstalls; the app with both secrets validates everything, and
                /// says which secret signed; an app with only `onlySecret` does too, or fails.
                func check(signedBy expected: String, onlySecret: String, onlySecretWorks: Bool) async throws {
                    _ = try await user.signIn(email: app.adminEmail, password: app.password)
                    let launch = try await user.launch(app, forOrganization: true)
                    let both = try await ContextTokenValidator(clientID: app.clientID, secrets: [first, second], now: { clock.now })
                    let token = try await both.validate(launch.token, host: "app.contoso.com")
                    #expect(token.secretIndex == (expected == first ? 0 : 1), "launch signed by the wrong secret")
                    let single = try await ContextTokenValidator(clientID: app.clientID, secrets: [onlySecret], now: { clock.now })
                    if onlySecretWorks {
                        _ = try await single.validate(launch.token, host: "app.contoso.com")
                    } else {
                        await #expect(throws: ContextTokenError.badSignature(secretsTried: 1)) { try await single.validate(launch.token, host: "app.contoso.com") }
                    }
                    try await api.reinstall(app)
                    eventsSeen += 2
                    let received = try await receiver.wait(for: eventsSeen + 1)
                    let verifier = try EventVerifier(secrets: [first, second], now: { clock.now })
                    let expectedKey = try EventVerifier(secrets: [expected], now: { clock.now })
                    for event in received.suffix(2) {
                        _ = try verifier.verify(body: event.body, signature: event.signature)
                        _ = try expectedKey.verify(body: event.body, signature: event.signature)
                    }
                    eventsSeen = received.count
                }

                // The new secret is active but the old one still signs.
                try await check(signedBy: first, onlySecret: first, onlySecretWorks: true)
                let switched = try await api.send(.put, "\(client)/signing-secret", token: app.sellerToken, json: ["secretId": secondID])
                #expect(switched.status == .ok, "\(switched.body)")
                try await check(signedBy: second, onlySecret: first, onlySecretWorks: false)
                let deleted = try await api.send(.delete, "\(client)/secrets/\(firstID)", token: app.sellerToken)
                #expect(deleted.status == .ok || deleted.status == .noContent, "\(deleted.body)")
                try await check(signedBy: second, onlySecret: second, onlySecretWorks: true)

                // Expiry: a third secret; the second expires after two years and the third signs.
                let third = try #require(try await api.send(.post, "\(client)/secrets", token: app.sellerToken, json: ["validityYears": 3]).string("value"))
                clock.advance(by: 2 * 366 * 86_400)
                _ = try await user.signIn(email: app.adminEmail, password: app.password)
                let launch = try await user.launch(app, forOrganization: true)
                let rotated = try await ContextTokenValidator(clientID: app.clientID, secrets: [second, third], now: { clock.now })
                #expect(try await rotated.validate(launch.token, host: "app.contoso.com").secretIndex == 1)
                let stale = try await ContextTokenValidator(clientID: app.clientID, secrets: [second], now: { clock.now })
                do {
                    _ = try await stale.validate(launch.token, host: "app.contoso.com")
                    Issue.record("a token signed after the secret expired validated with the expired secret")
                } catch {
                    #expect(String(describing: error).contains("configure the app's current secrets"))
                }
            }
        }
    }
}
