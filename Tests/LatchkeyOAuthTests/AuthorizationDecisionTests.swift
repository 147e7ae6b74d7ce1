import Foundation
import LatchkeyCore
import LatchkeyTestSupport
import Testing

@testable import LatchkeyOAuth

/// The authorization decision as a table: every check of sign-in and launch, on the real stores
/// (in-memory SQLite) and a manual clock. Each row is a request, who is signed in, and the answer.
@Suite("One authorization decision for sign-in and launch")
struct AuthorizationDecisionTests {
    /// What a row expects, in the words of the outcome.
    enum Expected: Equatable, CustomStringConvertible {
        case signIn
        case ask([String], forOrganization: Bool)
        case refuse(AuthorizationRefusal.Check, OAuthError.Code, toClient: Bool)
        case issue(scopes: [String], consenting: [String], forOrganization: Bool)

        init(_ outcome: AuthorizationOutcome) {
            switch outcome {
            case .signIn: self = .signIn
            case .askConsent(let question): self = .ask(question.asking, forOrganization: question.mayConsentForOrganization)
            case .refuse(let refusal): self = .refuse(refusal.check, refusal.error.code, toClient: refusal.goesToClient)
            case .issue(let grant): self = .issue(scopes: grant.scopes, consenting: grant.consenting, forOrganization: grant.forOrganization)
            }
        }

        var description: String {
            switch self {
            case .signIn: "sign in"
            case .ask(let asking, let organization): "ask \(asking)\(organization ? " (may consent for the organization)" : "")"
            case .refuse(let check, let code, let toClient): "refuse \(check) \(code.rawValue)\(toClient ? " to the client" : " on a page")"
            case .issue(let scopes, let consenting, let organization): "issue \(scopes) consenting \(consenting)\(organization ? " for the organization" : "")"
            }
        }
    }

    struct Cast {
        let platform: TestPlatform
        let decision: AuthorizationDecision
        let calendar: (client: RegisteredClient, app: AppListing)
        let adminApp: (client: RegisteredClient, app: AppListing)
        let chinaApp: (client: RegisteredClient, app: AppListing)
        let unapproved: RegisteredClient
        let fabrikam: Tenant
        let uninstalled: Tenant
        let uma: SignedInUser
        let ada: SignedInUser
        let stranger: SignedInUser

        static func make() async throws -> Cast {
            let platform = try await TestPlatform.open()
            let admin = try await platform.operatorActor()
            let seller = try await platform.sellerActor()
            try await platform.define("Calendars.Read", by: admin)
            try await platform.define("Directory.Write", adminConsentRequired: true, by: admin)
            let calendar = try await platform.approvedApp(permissions: ["Calendars.Read"], by: seller, reviewer: admin)
            let adminApp = try await platform.approvedApp(named: "Directory Sync", permissions: ["Directory.Write"], by: seller, reviewer: admin)
            let chinaApp = try await platform.approvedApp(named: "Trip Calendar CN", permissions: ["Calendars.Read"], availability: .china, by: seller, reviewer: admin)
            let (registered, _) = try await platform.registry.create(
                .init(friendlyName: "No app", appDomain: "none.contoso.com", redirectURL: "https://none.contoso.com/", secretValidityYears: 1, availability: nil),
                by: seller
            )
            let fabrikam = try await platform.tenant(by: admin)
            let uninstalled = try await platform.tenant("Northwind", by: admin)
            for app in [calendar.app, adminApp.app] {
                _ = try await platform.directory.install(appID: app.id, in: fabrikam.id, by: admin)
            }
            let signedIn = platform.clock.clock().addingTimeInterval(-60)
            return Cast(
                platform: platform,
                decision: AuthorizationDecision(
                    directory: platform.access, definedPermissions: { [catalog = platform.catalog] in try await catalog.definedPermissions() },
                    clock: platform.clock.clock
                ),
                calendar: calendar, adminApp: adminApp, chinaApp: chinaApp,
                unapproved: try #require(try await platform.clients.client(registered.id)),
                fabrikam: fabrikam, uninstalled: uninstalled,
                uma: SignedInUser(user: try await platform.user(in: fabrikam, by: admin), authTime: signedIn),
                ada: SignedInUser(user: try await platform.user(in: fabrikam, isAdmin: true, by: admin), authTime: signedIn),
                stranger: SignedInUser(user: try await platform.user(in: uninstalled, by: admin), authTime: signedIn)
            )
        }

        func signIn(_ client: RegisteredClient, _ scopes: [String], prompt: Set<String> = [], maxAge: Int? = nil, answer: AuthorizationAttempt.Answer? = nil) -> AuthorizationAttempt {
            AuthorizationAttempt(purpose: .signIn(scopes: scopes), client: client, prompt: prompt, maxAge: maxAge, answer: answer)
        }

        func check(_ name: String, _ attempt: AuthorizationAttempt, as user: SignedInUser?, _ expected: Expected) async throws {
            let answer = Expected(try await decision.decide(attempt, signedIn: user))
            #expect(answer == expected, "\(name): \(answer), expected \(expected)")
        }
    }

    @Test("each check, in order, for a user who has not consented yet")
    func checksBeforeConsent() async throws {
        let cast = try await Cast.make()
        let calendar = cast.calendar.client
        let read = ["openid", "Calendars.Read"]
        let rows: [(String, AuthorizationAttempt, SignedInUser?, Expected)] = [
            ("a Client ID without an approved app", cast.signIn(cast.unapproved, read), cast.uma, .refuse(.approvedApp, .unauthorizedClient, toClient: true)),
            ("a scope the app did not declare", cast.signIn(calendar, ["openid", "Mail.Send"]), cast.uma, .refuse(.knownScopes, .invalidScope, toClient: true)),
            ("nobody signed in", cast.signIn(calendar, read), nil, .signIn),
            ("nobody signed in, prompt=none", cast.signIn(calendar, read, prompt: ["none"]), nil, .refuse(.signedIn, .loginRequired, toClient: true)),
            ("prompt=login", cast.signIn(calendar, read, prompt: ["login"]), cast.uma, .signIn),
            ("signed in longer ago than max_age", cast.signIn(calendar, read, maxAge: 30), cast.uma, .signIn),
            ("max_age with prompt=none", cast.signIn(calendar, read, prompt: ["none"], maxAge: 30), cast.uma, .refuse(.recentSignIn, .loginRequired, toClient: true)),
            ("within max_age", cast.signIn(calendar, read, maxAge: 120), cast.uma, .ask(read, forOrganization: false)),
            // The region is checked before the installation: a China-only Client ID cannot be installed here at all.
            ("a China-only Client ID in a worldwide tenant", cast.signIn(cast.chinaApp.client, read), cast.uma, .refuse(.region, .accessDenied, toClient: false)),
            ("not installed in the user's tenant", cast.signIn(calendar, read), cast.stranger, .refuse(.installed, .unauthorizedClient, toClient: true)),
            ("consent not given", cast.signIn(calendar, read), cast.uma, .ask(read, forOrganization: false)),
            ("consent not given, prompt=none", cast.signIn(calendar, read, prompt: ["none"]), cast.uma, .refuse(.consentGiven, .consentRequired, toClient: true)),
            ("an admin is offered the organization", cast.signIn(calendar, read), cast.ada, .ask(read, forOrganization: true)),
            ("the user declines", cast.signIn(calendar, read, answer: .deny), cast.uma, .refuse(.declined, .accessDenied, toClient: true)),
            ("the user allows", cast.signIn(calendar, read, answer: .allow(forOrganization: false)), cast.uma,
             .issue(scopes: read, consenting: read, forOrganization: false)),
            ("a user who is no admin cannot allow for the organization", cast.signIn(calendar, read, answer: .allow(forOrganization: true)), cast.uma,
             .issue(scopes: read, consenting: read, forOrganization: false)),
            ("an admin allows for the organization", cast.signIn(calendar, read, answer: .allow(forOrganization: true)), cast.ada,
             .issue(scopes: read, consenting: read, forOrganization: true)),
            ("a permission needing an admin, asked by a user", cast.signIn(cast.adminApp.client, ["Directory.Write"]), cast.uma,
             .refuse(.adminConsent, .accessDenied, toClient: true)),
            ("a permission needing an admin, asked by an admin", cast.signIn(cast.adminApp.client, ["Directory.Write"]), cast.ada,
             .ask(["Directory.Write"], forOrganization: true)),
            ("a launch asks for every permission the app declared",
             AuthorizationAttempt(purpose: .launch, client: calendar), cast.uma, .ask(["Calendars.Read"], forOrganization: false)),
            ("a launch nobody is signed in to", AuthorizationAttempt(purpose: .launch, client: calendar), nil, .signIn),
            ("a launch of a Client ID from another region",
             AuthorizationAttempt(purpose: .launch, client: cast.chinaApp.client), cast.uma, .refuse(.region, .accessDenied, toClient: false)),
            ("a launch the user declines",
             AuthorizationAttempt(purpose: .launch, client: calendar, answer: .deny), cast.uma, .refuse(.declined, .accessDenied, toClient: true)),
        ]
        for (name, attempt, user, expected) in rows {
            try await cast.check(name, attempt, as: user, expected)
        }
        try await cast.platform.close()
    }

    @Test("consent given is not asked again, except with prompt=consent; an organization's consent covers its users")
    func afterConsent() async throws {
        let cast = try await Cast.make()
        let calendar = cast.calendar.client
        let read = ["openid", "Calendars.Read"]
        try await cast.platform.directory.consent(to: cast.calendar.app, permissions: read, by: cast.uma.user, forOrganization: false, sourceIP: nil)
        try await cast.check("consented", cast.signIn(calendar, read), as: cast.uma, .issue(scopes: read, consenting: [], forOrganization: false))
        try await cast.check("consented, prompt=none", cast.signIn(calendar, read, prompt: ["none"]), as: cast.uma, .issue(scopes: read, consenting: [], forOrganization: false))
        try await cast.check("prompt=consent asks again", cast.signIn(calendar, read, prompt: ["consent"]), as: cast.uma, .ask(read, forOrganization: false))
        try await cast.check("a launch needs only the app's permission", AuthorizationAttempt(purpose: .launch, client: calendar), as: cast.uma,
                             .issue(scopes: ["Calendars.Read"], consenting: [], forOrganization: false))
        try await cast.check("another user has not consented", cast.signIn(calendar, read), as: cast.ada, .ask(read, forOrganization: true))

        try await cast.platform.directory.consent(to: cast.adminApp.app, permissions: ["Directory.Write"], by: cast.ada.user, forOrganization: true, sourceIP: nil)
        try await cast.check("an admin's consent for the organization covers a user", cast.signIn(cast.adminApp.client, ["Directory.Write"]), as: cast.uma,
                             .issue(scopes: ["Directory.Write"], consenting: [], forOrganization: false))

        // Ten minutes later, the same sign-in is older than a five-minute max_age.
        cast.platform.clock.advance(by: 600)
        try await cast.check("the clock moved past max_age", cast.signIn(calendar, read, maxAge: 300), as: cast.uma, .signIn)
        try await cast.platform.close()
    }

    @Test("issuing records the consent the user just gave, then a code the code grant finds by its digest")
    func issuingRecordsConsentAndCode() async throws {
        let cast = try await Cast.make()
        let platform = cast.platform
        let form = try FormParameters(FormParameters.encode([
            ("client_id", cast.calendar.client.id.rawValue), ("response_type", "code"), ("scope", "openid Calendars.Read"),
            ("code_challenge", String(repeating: "a", count: 43)), ("code_challenge_method", "S256"), ("state", "s1"),
        ]))
        let request = try #require(try await AuthorizationRequest.parse(form, directory: platform.clients).get())
        guard case .issue(let grant) = try await cast.decision.decide(AuthorizationAttempt(request, answer: .allow(forOrganization: false)), signedIn: cast.uma) else {
            Issue.record("the allowed request was not issued")
            return
        }
        let signer = try await TokenSigner(keys: [.generate(.es256)])
        let codes = AuthorizationCodeGrant(
            minter: TokenMinter(signer: signer, settings: IssuerSettings(issuer: "https://latchkey.test"), clock: platform.clock.clock),
            directory: platform.access, grants: platform.grants, clock: platform.clock.clock
        )
        let issuer = AuthorizationIssuer(
            tenants: platform.directory, codes: codes,
            contextTokens: ContextTokenIssuer(keys: platform.keys, refreshTokens: ACSRefreshTokens(keys: platform.keys), issuer: "https://latchkey.test", clock: platform.clock.clock)
        )
        let location = try await issuer.code(for: grant, request: request, issuer: "https://latchkey.test", sourceIP: "192.0.2.1")
        let query = try FormParameters(String(try #require(location.split(separator: "?", maxSplits: 1).last)))
        #expect(location.hasPrefix("https://app.contoso.com/callback?code="))
        #expect(try query.value("state") == "s1" && query.value("iss") == "https://latchkey.test")
        let code = try #require(try query.value("code"))
        let stored = try #require(try await platform.grants.code(SecretDigest(of: code)))
        #expect(stored.0.userID == cast.uma.user.id && stored.0.scopes == ["openid", "Calendars.Read"] && !stored.1)
        #expect(stored.0.expiresAt == platform.clock.clock().addingTimeInterval(AuthorizationCode.lifetime))
        let consented = try await platform.directory.consentedPermissions(appID: cast.calendar.app.id, tenantID: cast.fabrikam.id, userID: cast.uma.user.id)
        #expect(consented == ["openid", "Calendars.Read"])
        try await platform.close()
    }
}
