import Foundation
import HTTPTypes
import LatchkeyCore
import LatchkeyResourceKit
@testable import LatchkeyServer
@testable import LatchkeyStorage
import Testing

@Suite("The revocation feed pages by a cursor that only moves forward")
struct RevocationFeedTests {
    func basic(_ id: String, _ secret: String) -> String { "Basic " + Data("\(id):\(secret)".utf8).base64EncodedString() }

    @Test func fiveThousandRulesInOneSecondThenOneMoreAllReachAFollowerInOrder() async throws {
        var harness = Harness()
        harness.mode = .live
        // A database of its own, SQLite even in the PostgreSQL run: 5,000 rules on the shared
        // one would be 5,000 rules for every other test's follower to read first, and writing
        // them to PostgreSQL while sixty other tests run takes longer than the client waits.
        harness.adjust = { configuration in
            configuration.databaseURL = nil
            configuration.masterKey = nil
        }
        try await harness.run { api, clock in
            let port = try #require(api.client.port)
            let (seller, _) = try await api.newSeller()
            let (id, secret, _) = try await api.newClient(token: seller)
            let enabled = try await api.enable(id, sellerToken: seller)
            let (server, serverSecret, _) = try await api.newClient(token: enabled.operatorToken, ["resourceServer": true])

            // 5,000 rules committed at one moment (as 1,100 revocations in 2 s once froze the feed).
            let now = clock.now
            let prefix = UUID().uuidString.lowercased()
            try await api.latchkey.database.transaction { db in
                for number in 0..<5000 {
                    try await db.publish(Revocation(createdAt: now, tokenID: "\(prefix)-\(number)", issuedBefore: now.addingTimeInterval(3600)))
                }
            }

            let feed = RevocationFeed(issuer: "http://127.0.0.1:\(port)", clientID: server, clientSecret: serverSecret, wait: 5)
            let following = Task { await feed.run() }
            defer { following.cancel() }
            let caughtUp = try await elapsedUntil(.seconds(30)) {
                feed.isRevoked(tokenID: "\(prefix)-4999", clientID: "any", tenantID: nil, subject: "any", issuedAt: now)
            }
            #expect(caughtUp != nil, "the follower reads past 5,000 rules of one second")
            for number in 0..<5000 {
                #expect(feed.isRevoked(tokenID: "\(prefix)-\(number)", clientID: "any", tenantID: nil, subject: "any", issuedAt: now), "rule \(number)")
            }

            // One more, through RFC 7009: the follower has it within a second.
            let token = try #require(try await api.token(id, secret).string("access_token"))
            let jti = try #require(try await api.introspect(token, asBasic: basic(id, secret)).string("jti"))
            let revoke = try await api.send(.post, "/oauth2/revoke", body: "token=\(token)", headers: [.authorization: basic(id, secret), .contentType: "application/x-www-form-urlencoded"])
            #expect(revoke.status == .ok)
            let last = try await elapsedUntil(.seconds(1)) {
                feed.isRevoked(tokenID: jti, clientID: id, tenantID: enabled.tenantID, subject: id, issuedAt: now)
            }
            #expect(last != nil, "the rule after 5,000 reaches the follower within a second")

            // A fresh reader paging from the start sees every rule once, in the order committed.
            var cursor: String?
            var seen: [String] = []
            for _ in 0..<100 {
                let page = try await api.send(
                    .get, "/oauth2/revocations" + (cursor.map { "?cursor=\($0)" } ?? ""), headers: [.authorization: basic(server, serverSecret)]
                )
                #expect(page.status == .ok, "\(page.body)")
                let rules = page["revocations"] as? [[String: Any]] ?? []
                seen += rules.compactMap { $0["jti"] as? String }.filter { $0.hasPrefix(prefix) || $0 == jti }
                let next = try #require(page.string("next_cursor"))
                if rules.isEmpty || next == cursor { break }
                cursor = next
            }
            #expect(seen == (0..<5000).map { "\(prefix)-\($0)" } + [jti])
        }
    }

    @Test func aTokenRevokedAgainOrExpiredPublishesNothingMore() async throws {
        try await Harness().run { api, clock in
            let (seller, _) = try await api.newSeller()
            let (id, secret, _) = try await api.newClient(token: seller)
            let enabled = try await api.enable(id, sellerToken: seller)
            let token = try #require(try await api.token(id, secret).string("access_token"))
            let expiring = try #require(try await api.token(id, secret).string("access_token"))
            let jti = try #require(try await api.introspect(token, asBasic: basic(id, secret)).string("jti"))
            let expiringJTI = try #require(try await api.introspect(expiring, asBasic: basic(id, secret)).string("jti"))
            let form: HTTPFields = [.authorization: basic(id, secret), .contentType: "application/x-www-form-urlencoded"]
            for _ in 0..<5 {
                #expect(try await api.send(.post, "/oauth2/revoke", body: "token=\(token)", headers: form).status == .ok)
            }
            clock.advance(by: 3601)
            #expect(try await api.send(.post, "/oauth2/revoke", body: "token=\(expiring)", headers: form).status == .ok)

            let rules = try await api.latchkey.revocations.revocations(after: 0, limit: 100_000)
            #expect(rules.filter { $0.tokenID == jti }.count == 1)
            #expect(!rules.contains { $0.tokenID == expiringJTI })
            let audit = try await api.send(.get, "/api/v1/tenants/\(enabled.tenantID)/audit", token: enabled.operatorToken)
            let entries = (audit["entries"] as? [[String: Any]] ?? []).filter { $0["objectId"] as? String == jti }
            #expect(entries.count == 1, "one audit entry for one revocation, however often it is asked: \(entries.count)")
        }
    }
}

extension API {
    func introspect(_ token: String, asBasic authorization: String) async throws -> Reply {
        try await send(.post, "/oauth2/introspect", body: "token=\(token)", headers: [.authorization: authorization, .contentType: "application/x-www-form-urlencoded"])
    }
}
