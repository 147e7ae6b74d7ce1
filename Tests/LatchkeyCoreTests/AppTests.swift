import Foundation
import LatchkeyCore
import Testing

@Suite("Apps and markets (docs/seed-model.md §1)")
struct AppTests {
    let worldwideClient = ClientID.generate()
    let chinaClient = ClientID.generate()

    func lookup(_ id: ClientID) -> Availability? {
        id == worldwideClient ? .worldwide : id == chinaClient ? .china : nil
    }

    func details(
        markets: [String] = ["US"], serverToServer: Bool? = true, client: ClientID?, name: String = "Trip calendar", description: String = ""
    ) throws(DomainError) -> AppDetails {
        try AppDetails(
            name: name, description: description, markets: markets, requiresServerToServerAuth: serverToServer,
            clientID: client?.rawValue, clientAvailability: lookup
        )
    }

    func fields(_ body: () throws -> Void) -> Set<String> {
        do {
            try body()
            return []
        } catch let DomainError.invalid(issues) {
            return Set(issues.map(\.field))
        } catch {
            return ["unexpected"]
        }
    }

    @Test func marketsAreISOCodes() throws {
        #expect(try Markets(validating: ["US", "FR", "US"]).codes == ["FR", "US"])
        #expect(throws: FieldIssue.self) { try Markets(validating: ["us"]) }
        #expect(throws: FieldIssue.self) { try Markets(validating: ["XX"]) }
        #expect(throws: FieldIssue.self) { try Markets(validating: []) }
        #expect(Markets.iso3166Alpha2.count == 249)
    }

    @Test func clientIDOnlyForServiceApps() {
        #expect(fields { _ = try details(serverToServer: false, client: worldwideClient) } == ["clientId"])
        #expect(fields { _ = try details(serverToServer: nil, client: worldwideClient) } == ["clientId"])
        #expect(fields { _ = try details(client: worldwideClient) }.isEmpty)
        #expect(fields { _ = try details(serverToServer: false, client: nil) }.isEmpty)
    }

    @Test func unknownClientIsRejected() {
        #expect(fields { _ = try details(client: ClientID.generate()) } == ["clientId"])
    }

    @Test func chinaClientNeedsChinaOnlyMarkets() {
        #expect(fields { _ = try details(markets: ["CN"], client: chinaClient) }.isEmpty)
        #expect(fields { _ = try details(markets: ["CN", "US"], client: chinaClient) } == ["markets"])
        #expect(fields { _ = try details(markets: ["US"], client: chinaClient) } == ["markets"])
    }

    @Test func worldwideClientCannotServeChina() {
        #expect(fields { _ = try details(markets: ["CN"], client: worldwideClient) } == ["clientId"])
        #expect(fields { _ = try details(markets: ["US", "CN"], client: worldwideClient) } == ["clientId"])
    }

    func app(status: AppStatus = .draft, client: ClientID?) -> AppListing {
        AppListing(
            id: "app", sellerID: "s", name: "Trip calendar", description: "", markets: Markets(stored: ["US"]),
            requiresServerToServerAuth: true, clientID: client, status: status, reviewReason: nil,
            createdAt: Fixture.t0, updatedAt: Fixture.t0
        )
    }

    @Test func reviewStates() throws {
        var app = app(client: worldwideClient)
        try app.submit(at: Fixture.t0)
        #expect(app.status == .submitted)
        #expect(throws: DomainError.self) { try app.submit(at: Fixture.t0) }
        #expect(throws: DomainError.self) { try app.review(approve: false, reason: "  ", revision: nil, at: Fixture.t0) }
        try app.review(approve: false, reason: "Privacy policy missing", revision: nil, at: Fixture.t0)
        #expect(app.status == .rejected && app.reviewReason == "Privacy policy missing")
        try app.submit(at: Fixture.t0)
        #expect(app.reviewReason == nil)
        try app.review(approve: true, reason: nil, revision: app.revision, at: Fixture.t0)
        #expect(app.status == .approved)
        #expect(throws: DomainError.self) { try app.review(approve: true, reason: nil, revision: app.revision, at: Fixture.t0) }
    }

    /// Defect 4: what an operator approves is the revision they saw; any material change after
    /// an approval, or while waiting, means reviewing again.
    @Test func approvalIsOfTheReviewedRevision() throws {
        var app = app(client: worldwideClient)
        try app.submit(at: Fixture.t0)
        let seen = app.revision
        app.apply(try details(client: worldwideClient, name: "Trip Planner"), at: Fixture.t0)
        #expect(app.status == .submitted && app.revision == seen + 1)
        #expect {
            try app.review(approve: true, reason: nil, revision: seen, at: Fixture.t0)
        } throws: { error in
            guard case .conflict(let issue) = error as? DomainError else { return false }
            return issue.field == "revision" && issue.code == "changed_since_review"
        }
        #expect(throws: DomainError.self) { try app.review(approve: true, reason: nil, revision: nil, at: Fixture.t0) }
        try app.review(approve: true, reason: nil, revision: app.revision, at: Fixture.t0)
        #expect(app.status == .approved)
        for edit in [
            try details(client: worldwideClient, name: "Trip Planner", description: "Now with hotels"),
            try details(markets: ["US", "DE"], client: worldwideClient, name: "Trip Planner"),
            try details(serverToServer: false, client: nil, name: "Trip Planner"),
        ] {
            var approved = app
            approved.apply(edit, at: Fixture.t0)
            #expect(approved.status == .submitted && approved.revision == app.revision + 1)
        }
        var same = app
        same.apply(try details(client: worldwideClient, name: "Trip Planner"), at: Fixture.t0)
        #expect(same.status == .approved && same.revision == app.revision)
    }

    @Test func serviceAppWithoutClientCannotBeSubmitted() {
        var app = app(client: nil)
        #expect(app.needsClientID)
        #expect(throws: DomainError.self) { try app.submit(at: Fixture.t0) }
    }

    @Test func changingTheClientOfAnApprovedAppPutsItBackIntoReview() throws {
        var app = app(status: .approved, client: worldwideClient)
        try app.apply(details(client: worldwideClient), at: Fixture.t0)
        #expect(app.status == .approved)
        let other = ClientID.generate()
        let swapped = try AppDetails(
            name: "Trip calendar", description: "", markets: ["US"], requiresServerToServerAuth: true, clientID: other.rawValue,
            clientAvailability: { _ in .worldwide }
        )
        app.apply(swapped, at: Fixture.t0)
        #expect(app.status == .submitted)
    }
}

@Suite("Seller accounts")
struct SellerRegistrationTests {
    @Test func normalisesEmail() throws {
        #expect(try SellerRegistration(email: " A@Contoso.COM ", displayName: "Contoso", password: "long enough!").email == "a@contoso.com")
    }

    @Test func reportsEveryField() {
        #expect {
            try SellerRegistration(email: "nope", displayName: "", password: "short")
        } throws: { error in
            guard case .invalid(let issues) = error as? DomainError else { return false }
            return Set(issues.map(\.field)) == ["email", "displayName", "password"]
        }
    }

    @Test func passwordOptionalForOfflineAccounts() throws {
        #expect(try SellerRegistration(email: "a@b.co", displayName: "A", password: nil, passwordRequired: false).password == nil)
        #expect(throws: DomainError.self) { try SellerRegistration(email: "a@b.co", displayName: "A", password: String(repeating: "x", count: 1025)) }
    }

    /// Defect 10: bcrypt stops at a NUL, so "long password\0x" would equal "long password".
    @Test func passwordsCannotContainNUL() {
        #expect {
            try SellerRegistration(email: "a@b.co", displayName: "A", password: "a long password\u{0}anything")
        } throws: { error in
            guard case .invalid(let issues) = error as? DomainError else { return false }
            return issues.map(\.field) == ["password"] && issues.map(\.code) == ["invalid_character"]
        }
    }
}

@Suite("Names shown to users and reviewers carry no control characters or direction overrides")
struct SpoofingTests {
    /// U+202E turns "exe.doc" into what reads as "cod.exe"; U+2066 isolates; a NUL or a line break.
    static let tricks = ["Calendar\u{202E}ppa", "Trips\u{2066}x\u{2069}", "Trips\u{0}", "Trips\nApproved by Contoso"]

    @Test(arguments: tricks)
    func friendlyNames(_ name: String) {
        #expect(throws: FieldIssue(field: "friendlyName", code: "invalid_characters", message: "Remove line breaks, control characters and text-direction marks from the name.")) {
            try ClientDetails.validateFriendlyName(name)
        }
    }

    @Test(arguments: tricks)
    func publisherNames(_ name: String) {
        #expect {
            try SellerRegistration(email: "you@contoso.com", displayName: name, password: "a long password")
        } throws: { error in
            guard case .invalid(let issues) = error as? DomainError else { return false }
            return issues.map(\.field) == ["displayName"] && issues.map(\.code) == ["invalid_characters"]
        }
    }

    @Test func reviewersNotes() throws {
        var app = AppTests().app(client: AppTests().worldwideClient)
        try app.submit(at: Fixture.t0)
        #expect {
            try app.review(approve: false, reason: "Fine\u{202E}", revision: nil, at: Fixture.t0)
        } throws: { error in
            guard case .invalid(let issues) = error as? DomainError else { return false }
            return issues.map(\.field) == ["reason"]
        }
        try app.review(approve: false, reason: "Privacy policy missing.\nAdd it, then submit again.", revision: nil, at: Fixture.t0)
        #expect(app.status == .rejected)
    }
}

@Suite("Change notices travel as text")
struct ChangeNoticeTests {
    @Test func everyNoticeReadsBackAsItself() throws {
        let notices: [ChangeNotice] = [
            .client(ClientID.generate()), .app(id: "app-1"), .grant(appID: "a", tenantID: "t", userID: "u"),
            .grant(appID: "a", tenantID: "t", userID: nil), .user(id: "u-1"), .session(key: "session.abc:def"), .signingKeys, .everything,
        ]
        for notice in notices {
            #expect(ChangeNotice(text: notice.text) == notice)
        }
    }

    @Test func unknownOrMalformedTextIsIgnored() {
        for text in ["", "client:not-a-guid", "grant:a:t", "grant::t:u", "app:", "keys:1", "purge:all", "session:"] {
            #expect(ChangeNotice(text: text) == nil, "\(text)")
        }
    }
}
