import Foundation
import HTTPTypes
@testable import LatchkeyServer
import Synchronization
import Testing

@Suite("Rate limits bite, and let go")
struct RateLimiterTests {
    @Test func aBucketAdmitsItsMinuteRefusesOneMoreAndRefills() {
        let now = Mutex(1_000.0)
        let limiter = RateLimiter(perMinute: 3) { now.withLock { $0 } }
        for _ in 0..<3 { #expect(limiter.admit("k") == nil) }
        let wait = limiter.admit("k")
        #expect(wait == 20, "one request every 20 s at 3 a minute")
        #expect(limiter.admit("other") == nil, "another key has a bucket of its own")
        now.withLock { $0 += 19 }
        #expect(limiter.admit("k") != nil)
        now.withLock { $0 += 1.5 }
        #expect(limiter.admit("k") == nil, "refilled after the wait it named")
        #expect(limiter.admit("k") != nil)
        now.withLock { $0 += 600 }
        for _ in 0..<3 { #expect(limiter.admit("k") == nil) }
        #expect(limiter.admit("k") != nil, "a bucket holds at most a minute's worth")
        #expect(RateLimiter(perMinute: 0).admit("k") == nil, "0 turns a limit off")
    }

    @Test func wrongSecretsFromOneAddressMeetTheLimitBeforeAuthenticationAndItLetsGo() async throws {
        var harness = Harness()
        harness.mode = .live
        harness.rateLimits.tokensPerAddress = 30
        try await harness.run { api, _ in
            let (seller, _) = try await api.newSeller()
            let (id, secret, _) = try await api.newClient(token: seller)
            try await api.enable(id, sellerToken: seller)
            var refused: Reply?
            // 30 a minute, refilled at one every 2 s: however slow the machine, the bucket empties.
            for _ in 0..<300 {
                let reply = try await api.token(id, "not the secret")
                if reply.status == .tooManyRequests {
                    refused = reply
                    break
                }
                #expect(reply.status == .unauthorized)
            }
            let limited = try #require(refused, "wrong secrets from one address, then 429")
            #expect(limited.string("error") == "temporarily_unavailable", "refused before the secret is checked")
            let wait = try #require(Int(limited.headers[.retryAfter] ?? ""))
            #expect((1...60).contains(wait))
            try await Task.sleep(for: .seconds(Double(wait) + 0.2))
            #expect(try await api.token(id, secret).status == .ok, "after Retry-After the next request goes through")
        }
    }

    @Test func aSignUpRefusedByTheLimitMakesNoAccount() async throws {
        var harness = Harness()
        harness.mode = .live
        harness.rateLimits.signInsPerAddress = 2
        try await harness.run { api, _ in
            let emails = (0..<3).map { "limited-\($0)-\(UUID().uuidString.prefix(6).lowercased())@contoso.example" }
            var statuses: [HTTPResponse.Status] = []
            for email in emails {
                statuses.append(try await api.send(.post, "/api/v1/sellers", json: ["email": email, "password": "a long password", "displayName": "X"]).status)
            }
            #expect(statuses == [.accepted, .accepted, .tooManyRequests])
            #expect(try await api.latchkey.accounts.seller(email: emails[1]) != nil)
            #expect(try await api.latchkey.accounts.seller(email: emails[2]) == nil, "the refused sign-up made no account")
        }
    }
}
