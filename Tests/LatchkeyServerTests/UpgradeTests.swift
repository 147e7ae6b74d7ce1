import Foundation
import HTTPTypes
import LatchkeyAppKit
import LatchkeyCore
@testable import LatchkeyServer
import SQLKit
import Testing

/// An upgrade keeps everything working: a data directory an earlier release wrote (schema 13,
/// sealed under the master key itself, before purpose keys and the revocation sequence; made by
/// Tests/fixtures/make_upgrade_fixture.py, whose fixture.json says with what) is opened by this
/// one, at the time it was written, and every credential in it still does what it did.
@Suite("Upgrades from an earlier release's data directory")
struct UpgradeTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("fixtures/upgrade-schema-13")

    struct Fixture: Decodable {
        struct Account: Decodable { let email: String; let apiToken: String; let password: String? }
        struct Secrets: Decodable { let first: String; let signing: String; let deleted: String }
        let madeAt: Double
        let issuer: String
        let tenant: String
        let userEmail: String
        let userPassword: String
        let seller: Account
        let `operator`: Account
        let clientId: String
        let appId: String
        let secrets: Secrets
        let refreshToken: String
        let accessToken: String
        let revokedAccessToken: String
        let appOnlyAccessToken: String
    }

    static func fixture() throws -> Fixture {
        try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: directory.appendingPathComponent("fixture.json")))
    }

    static func form(_ fields: [(String, String)]) -> String {
        fields.map { "\($0.0)=\(BrowserSession.encode($0.1))" }.joined(separator: "&")
    }

    @Test func everythingAnEarlierReleaseStoredStillWorks() async throws {
        let fixture = try Self.fixture()
        var harness = Harness()
        harness.fixture = Self.directory.appendingPathComponent("data")
        // Five minutes after the fixture was made: its access tokens are still within their hour.
        harness.clock = TestClock(at: Date(timeIntervalSince1970: fixture.madeAt + 300))
        harness.adjust = { $0.configuredPublicURL = fixture.issuer }
        try await harness.run { api, clock in
            // Accounts: the seller's API token and password, the operator's token.
            #expect(try await api.send(.get, "/api/v1/sellers/me", token: fixture.seller.apiToken).status == .ok)
            #expect(try await api.send(.get, "/api/v1/sellers/me", token: fixture.`operator`.apiToken).string("role") == "operator")
            let signedIn = try await api.send(.post, "/api/v1/tokens", json: ["email": fixture.seller.email, "password": fixture.seller.password ?? ""])
            #expect(signedIn.status == .created || signedIn.status == .ok, "\(signedIn.body)")

            // The Client ID and its secrets: both live ones authenticate, the deleted one never.
            let client = try await api.send(.get, "/api/v1/clients/\(fixture.clientId)", token: fixture.seller.apiToken)
            #expect(client.status == .ok)
            let secrets = client.json["secrets"] as? [[String: Any]] ?? []
            #expect(secrets.count == 2 && secrets.filter { $0["isSigning"] as? Bool == true }.count == 1)
            let appOnly = Self.form([("grant_type", "client_credentials"), ("tenant", fixture.tenant)])
            for (secret, status) in [(fixture.secrets.first, HTTPResponse.Status.ok), (fixture.secrets.signing, .ok), (fixture.secrets.deleted, .unauthorized)] {
                let reply = try await api.token(fixture.clientId, secret, form: appOnly)
                #expect(reply.status == status, "\(reply.body)")
            }

            // The user's consent and the refresh token it bought; the access tokens the old
            // signing key signed still verify, and the revoked one stays revoked.
            let refreshed = try await api.token(fixture.clientId, fixture.secrets.first, form: Self.form([("grant_type", "refresh_token"), ("refresh_token", fixture.refreshToken)]))
            #expect(refreshed.status == .ok, "\(refreshed.body)")
            #expect((refreshed.string("scope") ?? "").contains("Calendars.Read"))
            for (token, status) in [(fixture.accessToken, HTTPResponse.Status.ok), (fixture.revokedAccessToken, .unauthorized)] {
                let reply = try await api.send(.get, "/oauth2/userinfo", headers: [.authorization: "Bearer \(token)"])
                #expect(reply.status == status, "\(reply.body)")
            }
            let rules = try await api.latchkey.revocations.revocations(after: 0, limit: 1000)
            // The deleted secret's rule and the revoked token's, numbered for the feed's cursor.
            #expect(rules.count == 2 && rules.contains { $0.tokenID != nil } && rules.contains { $0.secretID != nil })
            #expect(rules.compactMap(\.sequence) == rules.compactMap(\.sequence).sorted() && Set(rules.compactMap(\.sequence)).count == 2)

            // The signing secret still signs: the launch's context token validates under it alone.
            let browser = BrowserSession(api: api)
            _ = try await browser.signIn(email: fixture.userEmail, password: fixture.userPassword)
            var page = try await browser.get("/apps/\(fixture.appId)/launch")
            if page.body.contains("action=\"/apps/\(fixture.appId)/launch\"") {
                page = try await browser.post("/apps/\(fixture.appId)/launch", BrowserSession.hiddenFields(in: page.body, action: "/apps/\(fixture.appId)/launch") + [("decision", "allow")])
            }
            let launch = try #require(Launch(page), "\(page.status) \(page.body.prefix(400))")
            let validator = try await ContextTokenValidator(clientID: fixture.clientId, secrets: [fixture.secrets.signing], now: { clock.now })
            _ = try await validator.validate(launch.token, host: "app.contoso.com")

            // The seller's webhook, whose secret was sealed under the old scheme, rotates.
            let webhook = try await api.send(.put, "/api/v1/sellers/me/webhook", token: fixture.seller.apiToken, json: ["url": "https://hooks.contoso.com/latchkey"])
            #expect(webhook.status == .ok, "\(webhook.body)")

            // Everything sealed is under its purpose key now: a second start has nothing to redo.
            #expect(try await api.latchkey.database.read { db in
                try await db.raw("SELECT COUNT(*) AS n FROM latchkey_migrations WHERE version IN (14, 15, 1000)").first()?.decode(column: "n", as: Int.self)
            } == 3)
        }
    }
}
