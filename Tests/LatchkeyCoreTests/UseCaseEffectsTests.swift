import Foundation
import LatchkeyCore
import LatchkeyStorage
import LatchkeyTestSupport
import Testing

/// The core's use cases decide what a change brings; the stores write it. Checked on the real
/// stores (in-memory SQLite) with a manual clock, so every time written is the clock's.
@Suite("What a change brings, decided by the use case and stamped by its clock")
struct UseCaseEffectsTests {
    @Test("a Client ID's new redirect URL sends its approved app back to review with a new revision")
    func materialClientChangeReturnsAppsToReview() async throws {
        let platform = try await TestPlatform.open()
        let admin = try await platform.operatorActor()
        let seller = try await platform.sellerActor()
        let (client, app) = try await platform.approvedApp(permissions: [], by: seller, reviewer: admin)
        #expect(app.status == .approved)

        _ = try await platform.registry.update(client.id, .init(friendlyName: "Renamed"), by: seller)
        #expect(try await platform.catalog.app(app.id, of: seller).status == .approved, "a new name is not material")

        _ = try await platform.registry.update(client.id, .init(redirectURL: "https://app.contoso.com/signed-in"), by: seller)
        let after = try await platform.catalog.app(app.id, of: seller)
        #expect(after.status == .submitted && after.revision == app.revision + 1 && after.reviewReason == nil)
        try await platform.close()
    }

    @Test("deleting a secret publishes a rule for what it obtained, at the clock's time, once")
    func deletedSecretPublishesARule() async throws {
        let clock = ManualClock()
        let platform = try await TestPlatform.open(clock: clock)
        let seller = try await platform.sellerActor()
        let (client, _) = try await platform.registry.create(
            .init(friendlyName: "Two secrets", appDomain: "two.contoso.com", redirectURL: "https://two.contoso.com/", secretValidityYears: 1, availability: nil),
            by: seller
        )
        let (_, second) = try await platform.registry.addSecret(to: client.id, validityYears: nil, by: seller)
        clock.advance(by: 90)
        _ = try await platform.registry.deleteSecret(second.secret.id, of: client.id, by: seller)

        let rules = try await SQLRevocationStore(provider: platform.database).revocations(after: 0, limit: 10)
        #expect(rules.count == 1)
        let rule = try #require(rules.first)
        #expect(rule.clientID == client.id.rawValue && rule.secretID == second.secret.id && rule.tenantID == nil && rule.subject == nil)
        #expect(rule.createdAt == clock.clock() && rule.issuedBefore == clock.clock())
        try await platform.close()
    }

    @Test("revoking a consent ends the user's tokens for the app and no one else's, at the clock's time")
    func revokedConsentEndsOnlyItsTokens() async throws {
        let clock = ManualClock()
        let platform = try await TestPlatform.open(clock: clock)
        let admin = try await platform.operatorActor()
        let seller = try await platform.sellerActor()
        try await platform.define("Calendars.Read", by: admin)
        let (client, app) = try await platform.approvedApp(permissions: ["Calendars.Read"], by: seller, reviewer: admin)
        let tenant = try await platform.tenant(by: admin)
        _ = try await platform.directory.install(appID: app.id, in: tenant.id, by: admin)
        let uma = try await platform.user(in: tenant, by: admin)
        try await platform.directory.consent(to: app, permissions: ["Calendars.Read"], by: uma, forOrganization: false, sourceIP: nil)

        clock.advance(by: 30)
        try await platform.directory.revokeConsent(appID: app.id, tenantID: tenant.id, userID: uma.id, by: Actor(user: uma, sourceIP: nil))
        let rules = try await SQLRevocationStore(provider: platform.database).revocations(after: 0, limit: 10)
        #expect(rules.map(\.clientID) == [client.id.rawValue] && rules.map(\.tenantID) == [tenant.id] && rules.map(\.subject) == [uma.id])
        #expect(rules.first?.issuedBefore == clock.clock())
        #expect(try await platform.directory.consentedPermissions(appID: app.id, tenantID: tenant.id, userID: uma.id).isEmpty)
        try await platform.close()
    }
}
