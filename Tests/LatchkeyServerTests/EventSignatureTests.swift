import Crypto
import Foundation
import LatchkeyAppKit
import Testing

extension EventTests {
    /// docs/apps.md's recipe, computed here without the kit that ships with the signer:
    /// `v1 = hex(HMAC-SHA256(base64-decoded signing secret, "{t}.{body}"))`, `t` in seconds.
    @Test func aDeliverysSignatureIsTheDocumentedHMACAndAnHourLateItIsRefused() async throws {
        let receiver = EventReceiver()
        try await receiver.run { eventsURL in
            try await live().run { api, clock in
                let app = try await api.delegatedApp()
                try await api.setEventsURL(eventsURL, on: app)
                try await api.reinstall(app)
                let delivery = try #require(try await receiver.wait(for: 1).first)
                let header = try #require(delivery.signature)
                let match = try #require(header.wholeMatch(of: /t=([0-9]+),v1=([0-9a-f]{64})/), "the header's shape: \(header)")
                let timestamp = try #require(Int(match.1))
                #expect(abs(Double(timestamp) - clock.now.timeIntervalSince1970) < 60, "t is in seconds")
                let key = SymmetricKey(data: try #require(Data(base64Encoded: app.secret)))
                let code = HMAC<SHA256>.authenticationCode(for: Data("\(timestamp).".utf8) + delivery.body, using: key)
                #expect(String(match.2) == code.map { String(format: "%02x", $0) }.joined())

                let onTime = try EventVerifier(secrets: [app.secret], now: { Date(timeIntervalSince1970: TimeInterval(timestamp)) })
                #expect(try onTime.verify(body: delivery.body, signature: header).data.appId == app.appID)
                let late = try EventVerifier(secrets: [app.secret], now: { Date(timeIntervalSince1970: TimeInterval(timestamp + 3600)) })
                #expect(throws: EventSignatureError.staleTimestamp(timestamp)) { try late.verify(body: delivery.body, signature: header) }
            }
        }
    }
}
