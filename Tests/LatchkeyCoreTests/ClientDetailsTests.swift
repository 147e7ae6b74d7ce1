import Foundation
import LatchkeyCore
import Testing

@Suite("App domain (docs/seed-model.md §1)")
struct AppDomainTests {
    @Test(arguments: ["app.contoso.com", "APP.Contoso.com", "app.contoso.com:8443", "a-b.c1.example.org", "app.contoso.com."])
    func acceptsHostNames(_ input: String) throws {
        let domain = try AppDomain(validating: input)
        #expect(domain.host == domain.host.lowercased())
        #expect(!domain.host.hasSuffix("."))
    }

    @Test func keepsThePort() throws {
        #expect(try AppDomain(validating: "app.contoso.com:8443").description == "app.contoso.com:8443")
    }

    @Test(arguments: [
        ("http://app.contoso.com", "scheme_not_allowed"),
        ("https://app.contoso.com", "scheme_not_allowed"),
        ("app.contoso.com/calendar", "path_not_allowed"),
        ("app.contoso.com?x=1", "path_not_allowed"),
        ("bücher.example", "idn_not_allowed"),
        ("xn--bcher-kva.example", "idn_not_allowed"),
        ("app.xn--bcher-kva.example", "idn_not_allowed"),
        ("", "required"),
        ("   ", "required"),
        ("app.contoso.com:0", "invalid_port"),
        ("app.contoso.com:99999", "invalid_port"),
        ("app.contoso.com:http", "invalid_port"),
        ("contoso", "invalid_host"),
        ("-app.contoso.com", "invalid_host"),
        ("app_1.contoso.com", "invalid_host"),
        ("app..contoso.com", "invalid_host"),
        ("10.0.0.1", "ip_not_allowed"),
        ("user@app.contoso.com", "userinfo_not_allowed"),
    ])
    func rejects(_ input: String, code: String) {
        #expect {
            try AppDomain(validating: input)
        } throws: { error in
            let issue = error as? FieldIssue
            return issue?.field == "appDomain" && issue?.code == code && issue?.message.isEmpty == false
        }
    }

    @Test func idnMessageSaysSo() {
        do {
            _ = try AppDomain(validating: "xn--bcher-kva.example")
            Issue.record("accepted an A-label")
        } catch {
            #expect(error.message.contains("Internationalized"))
        }
    }

    @Test func rejectsLabelsLongerThan63() {
        #expect(throws: FieldIssue.self) { try AppDomain(validating: String(repeating: "a", count: 64) + ".com") }
        #expect(throws: Never.self) { try AppDomain(validating: String(repeating: "a", count: 63) + ".com") }
    }
}

@Suite("Redirect URL (docs/seed-model.md §1)")
struct RedirectURLTests {
    let domain = try! AppDomain(validating: "app.contoso.com")

    @Test(arguments: ["https://app.contoso.com/auth", "https://login.app.contoso.com/cb?x=1", "HTTPS://app.contoso.com"])
    func acceptsHTTPSOnTheDomain(_ input: String) throws {
        _ = try RedirectURL(validating: input, appDomain: domain)
    }

    @Test(arguments: [
        ("http://app.contoso.com/auth", "https_required"),
        ("http://localhost.contoso.com/auth", "https_required"),
        ("http://127.0.0.1:8091/auth", "https_required"),
        ("app.contoso.com/auth", "https_required"),
        ("https://evil.example/auth", "host_mismatch"),
        ("https://notapp.contoso.com.evil.example/", "host_mismatch"),
        ("https://app.contoso.com/auth#x", "fragment_not_allowed"),
        ("https://app.contoso.com/a b", "invalid_url"),
        ("https://", "invalid_url"),
        ("", "required"),
        // Defect 8: what a browser reads as another host.
        ("https://app.contoso.com%40evil.example/auth", "invalid_host"),
        ("https://app.contoso.com%2F@evil.example/auth", "userinfo_not_allowed"),
        ("https://evil.example%2F.app.contoso.com/auth", "invalid_host"),
        ("https://evil.example%5C.app.contoso.com/auth", "invalid_host"),
        ("https://evil.example\\.app.contoso.com/auth", "invalid_host"),
        ("https://app.contoso.com@evil.example/auth", "userinfo_not_allowed"),
        ("https://app.contoso.com:99999/auth", "invalid_url"),
        ("https://app.contoso.com:/auth", "invalid_url"),
        ("https://app.contoso.com/" + String(repeating: "a", count: 2048), "too_long"),
    ])
    func rejects(_ input: String, code: String) {
        #expect {
            try RedirectURL(validating: input, appDomain: domain)
        } throws: { error in
            (error as? FieldIssue)?.code == code && (error as? FieldIssue)?.field == "redirectUrl"
        }
    }

    /// Defect 8: stored as it is compared: scheme and host in lower case, no default port; a
    /// port of its own is kept.
    @Test func storesTheNormalizedForm() throws {
        #expect(try RedirectURL(validating: "HTTPS://App.Contoso.COM:443/Auth?x=1", appDomain: domain).value == "https://app.contoso.com/Auth?x=1")
        #expect(try RedirectURL(validating: "https://app.contoso.com", appDomain: domain).value == "https://app.contoso.com/")
        #expect(try RedirectURL(validating: "https://app.contoso.com:8443/auth", appDomain: domain).value == "https://app.contoso.com:8443/auth")
    }

    @Test func acceptsPlainHTTPOnLocalhostOnly() throws {
        let local = try AppDomain(validating: "localhost:8091")
        #expect(try RedirectURL(validating: "http://localhost:8091/launch", appDomain: local).host == "localhost")
        #expect(throws: FieldIssue.self) { try RedirectURL(validating: "http://localhost:8091/launch", appDomain: domain) }
    }

    @Test func reportsEveryFieldAtOnce() {
        #expect {
            try ClientDetails(friendlyName: "", appDomain: "http://x.com", redirectURL: "http://x.com")
        } throws: { error in
            guard case .invalid(let issues) = error as? DomainError else { return false }
            return Set(issues.map(\.field)) == ["friendlyName", "appDomain", "redirectUrl"]
        }
    }
}

@Suite("Validity and availability (docs/seed-model.md §1)")
struct ValidityTests {
    @Test(arguments: [1, 2, 3]) func allowsOneToThreeYears(_ years: Int) throws {
        #expect(try SecretValidity(years: years).years == years)
    }

    @Test(arguments: [0, 4, -1, 10]) func rejectsOtherPeriods(_ years: Int) {
        #expect(throws: FieldIssue.self) { try SecretValidity(years: years) }
    }

    @Test func oneYearIsRecommended() {
        #expect(SecretValidity.recommended.years == 1)
    }

    @Test func endsOnTheSameCalendarDay() throws {
        let start = ISO8601DateFormatter().date(from: "2028-02-29T12:00:00Z")!
        let end = try SecretValidity(years: 1).end(from: start)
        #expect(ISO8601DateFormatter().string(from: end) == "2029-02-28T12:00:00Z")
        #expect(ISO8601DateFormatter().string(from: try SecretValidity(years: 3).end(from: start)) == "2031-02-28T12:00:00Z")
    }

    @Test func availability() throws {
        #expect(try Availability(validating: nil) == .worldwide)
        #expect(try Availability(validating: "China") == .china)
        #expect(throws: FieldIssue.self) { try Availability(validating: "mars") }
    }
}
