import Foundation
import HTTPTypes
import LatchkeyAppKit
import Testing

/// Expiry notices: signed webhooks 30, 7 and 1 days before a secret ends. In the events suite,
/// which runs one test at a time: on PostgreSQL every live test server delivers from one shared
/// outbox, and these tests move their clock by months.
extension EventTests {
    func setWebhook(_ api: API, token: String, url: String) async throws -> String {
        let reply = try await api.send(.put, "/api/v1/sellers/me/webhook", token: token, json: ["url": url])
        #expect(reply.status == .ok && reply.headers[.cacheControl] == "no-store", "\(reply.body)")
        return try #require(reply.string("secret"))
    }

    /// Runs `body`; should it throw, removes the seller's webhook first. On PostgreSQL a webhook
    /// left behind would draw notices in every later run, to a port long closed.
    func removingWebhookOnFailure(_ api: API, token: () async throws -> String, _ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch {
            _ = try? await api.send(.delete, "/api/v1/sellers/me/webhook", token: try await token())
            throw error
        }
    }

    /// When the first secret of a newly created client ends.
    func secretEnd(_ created: Reply) throws -> Date {
        let text = try #require((created["secret"] as? [String: Any])?["endsAt"] as? String)
        return try #require(ISO8601DateFormatter().date(from: text))
    }

    @Test func oneSignedNoticePerThresholdRetriedUntilDelivered() async throws {
        try await live().run { api, clock in
            let receiver = EventReceiver()
            try await receiver.run { url in
                let (_, email) = try await api.newSeller()
                // The clock jumps past API tokens' lifetime: a fresh one for each call.
                let token = { try await api.signIn(email) }
                #expect(try await api.send(.get, "/api/v1/sellers/me/webhook", token: try await token()).status == .notFound)
                let refused = try await api.send(.put, "/api/v1/sellers/me/webhook", token: try await token(), json: ["url": "ftp://ops.contoso.com/notices"])
                #expect(refused.status == .unprocessableContent && refused.issueFields == ["url"], "\(refused.body)")

                let (clientID, _, created) = try await api.newClient(token: try await token())
                let endsAt = try secretEnd(created)
                let secret = try await setWebhook(api, token: try await token(), url: url)
                try await removingWebhookOnFailure(api, token: token) {
                    let shown = try await api.send(.get, "/api/v1/sellers/me/webhook", token: try await token())
                    #expect(shown.string("url") == url && shown["secret"] == nil && shown.string("secretHint") == String(secret.prefix(3)))
                    // The test's clock runs weeks ahead of the first deliveries' timestamps (and on
                    // PostgreSQL another test's server, on its own clock, may deliver one).
                    let verifier = try EventVerifier(secrets: [secret], tolerance: 400 * 86_400, now: { clock.now })

                    // 31 days before the end: nothing yet, after two scans that began at that moment.
                    clock.advance(by: endsAt.timeIntervalSince(clock.now) - 31 * 86_400)
                    try await scans(api, count: 2)
                    let queued = try await api.send(.get, "/api/v1/sellers/me/webhook/deliveries", token: try await token())["deliveries"] as? [Any]
                    #expect(queued?.isEmpty == true, "nothing queued 31 days before the end")
                    #expect(receiver.all.isEmpty)

                    // Within 30 days: one notice; the first attempt fails and is retried 10 s later.
                    receiver.fail(with: [.internalServerError])
                    clock.advance(by: 2 * 86_400)
                    let firstTry = try await receiver.wait(for: 1)
                    // The clock moves only once the failure is written: the retry is scheduled from
                    // the clock's time when the failed attempt ends.
                    let failed = try await api.deliveries(at: "/api/v1/sellers/me/webhook/deliveries", token: try await token()) {
                        $0.first?["attempts"] as? Int == 1 && $0.first?["lastResult"] as? String == "HTTP 500"
                }
                #expect(failed.first?["status"] as? String == "pending", "\(failed)")
                clock.advance(by: 11)
                let retried = try await receiver.wait(for: 2)
                try #require(retried.count == 2 && firstTry.count == 1)
                #expect(firstTry[0].eventID == retried[1].eventID, "the retry carries the same event id")
                let notice = try verifier.verifyNotice(body: retried[1].body, signature: retried[1].signature)
                #expect(notice.type == "secret.expiring" && notice.data.thresholdDays == 30 && notice.data.clientId == clientID)
                #expect(notice.data.endsAt == Int(endsAt.timeIntervalSince1970) && notice.data.friendlyName == "calendar app")

                // Within 7 days, then within a day: one more each, and never a second of any.
                clock.advance(by: 23 * 86_400)
                _ = try await receiver.wait(for: 3)
                clock.advance(by: 5.5 * 86_400)
                let all = try await receiver.wait(for: 4)
                // Two scans more queue nothing more (a second notice would be listed at once).
                try await scans(api, count: 2)
                #expect((try await api.send(.get, "/api/v1/sellers/me/webhook/deliveries", token: try await token())["deliveries"] as? [Any])?.count == 3)
                #expect(receiver.all.count == 4)
                let thresholds = try all.dropFirst().map { try verifier.verifyNotice(body: $0.body, signature: $0.signature).data.thresholdDays }
                #expect(thresholds == [30, 7, 1])

                let deliveries = try await api.deliveries(at: "/api/v1/sellers/me/webhook/deliveries", token: try await token()) {
                    $0.count == 3 && $0.allSatisfy { $0["status"] as? String == "delivered" }
                }
                #expect(deliveries.count == 3 && deliveries.allSatisfy { $0["status"] as? String == "delivered" && $0["type"] as? String == "secret.expiring" })
                let audit = try await api.send(.get, "/api/v1/audit", token: try await token())["entries"] as? [[String: Any]] ?? []
                #expect(audit.filter { $0["action"] as? String == "event.delivery" && $0["objectType"] as? String == "webhook" }.count == 4)
                #expect(audit.contains { $0["action"] as? String == "webhook.set" })

                // A new secret signs from then on; the old one no longer verifies.
                let rotated = try await api.send(.put, "/api/v1/sellers/me/webhook", token: try await token(), json: ["url": url, "rotateSecret": true])
                #expect(try #require(rotated.string("secret")) != secret)
                #expect(try await api.send(.delete, "/api/v1/sellers/me/webhook", token: try await token()).status == .noContent)
                #expect(try await api.send(.get, "/api/v1/sellers/me/webhook", token: try await token()).status == .notFound)
                }
            }
        }
    }

    /// A seller's webhook that does not answer holds up its own notice only: another seller's,
    /// due meanwhile, goes out while the first is still under way.
    @Test func aWebhookThatDoesNotAnswerHoldsUpOnlyItsOwnNotices() async throws {
        try await live().run { api, clock in
            let slow = EventReceiver()
            let quick = EventReceiver()
            try await slow.run { slowURL in
                try await quick.run { quickURL in
                    let (_, slowEmail) = try await api.newSeller()
                    let slowToken = { try await api.signIn(slowEmail) }
                    let endsAt = try secretEnd(try await api.newClient(token: try await slowToken()).reply)
                    _ = try await setWebhook(api, token: try await slowToken(), url: slowURL)
                    // The second seller's secret ends ten days after the first's.
                    clock.advance(by: 10 * 86_400)
                    let (_, quickEmail) = try await api.newSeller()
                    let quickToken = { try await api.signIn(quickEmail) }
                    _ = try await api.newClient(token: try await quickToken())
                    _ = try await setWebhook(api, token: try await quickToken(), url: quickURL)
                    defer { slow.release() }
                    try await removingWebhookOnFailure(api, token: slowToken) {
                        try await removingWebhookOnFailure(api, token: quickToken) {
                            slow.hold()
                            clock.advance(by: endsAt.timeIntervalSince(clock.now) - 29 * 86_400)
                            _ = try await slow.wait(for: 1)
                            clock.advance(by: 10 * 86_400)
                            _ = try await quick.wait(for: 1)
                            let stillUnderWay = try await api.send(.get, "/api/v1/sellers/me/webhook/deliveries", token: try await slowToken())
                            let attempts = (stillUnderWay["deliveries"] as? [[String: Any]])?.map { $0["attempts"] as? Int ?? -1 }
                            #expect(attempts == [0], "the first notice is still under way: \(stillUnderWay.body)")
                            slow.release()
                            let done = try await api.deliveries(at: "/api/v1/sellers/me/webhook/deliveries", token: try await slowToken()) {
                                $0.first?["status"] as? String == "delivered"
                            }
                            #expect(done.first?["status"] as? String == "delivered", "\(done)")
                        }
                    }
                    for token in [slowToken, quickToken] {
                        #expect(try await api.send(.delete, "/api/v1/sellers/me/webhook", token: try await token()).status == .noContent)
                    }
                }
            }
        }
    }

    @Test func twoNodesSendEachNoticeOnce() async throws {
        try await Harness().runTwoNodes(deliversEvents: true) { a, b, clock in
            let receiver = EventReceiver()
            try await receiver.run { url in
                let (_, email) = try await a.newSeller()
                // The clock jumps past API tokens' lifetime: a fresh one for each call.
                let token = { try await a.signIn(email) }
                let (_, _, created) = try await a.newClient(token: try await token())
                let endsAt = try secretEnd(created)
                _ = try await setWebhook(a, token: try await token(), url: url)
                try await removingWebhookOnFailure(a, token: token) {
                    clock.advance(by: endsAt.timeIntervalSince(clock.now) - 29 * 86_400)
                    _ = try await receiver.wait(for: 1)
                    // Both nodes scan every 50 ms: after two more scans of each, still one notice.
                    try await scans(a, count: 2)
                    try await scans(b, count: 2)
                    #expect((try await a.send(.get, "/api/v1/sellers/me/webhook/deliveries", token: try await token())["deliveries"] as? [Any])?.count == 1)
                    #expect(receiver.all.count == 1)
                }
                // Tests share a PostgreSQL database: leave no webhook at a port another test may get.
                #expect(try await a.send(.delete, "/api/v1/sellers/me/webhook", token: try await token()).status == .noContent)
            }
        }
    }
}

/// Waits until the node has completed `count` more expiry scans than now: each began after this
/// moment, so what they would queue is queued.
func scans(_ api: API, count: Int) async throws {
    let start = api.latchkey.expiryNotices.completedScans.value
    let done = try await elapsedUntil(.seconds(10)) { api.latchkey.expiryNotices.completedScans.value >= start + count + 1 }
    #expect(done != nil, "the node scanned for expiring secrets")
}
