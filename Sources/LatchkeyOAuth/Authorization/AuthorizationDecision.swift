import Foundation
import LatchkeyCore

/// What a browser asks for when it comes to sign a user in to an app (`/oauth2/authorize`) or to
/// open one (a launch): the client, the permissions, the prompt rules, and the user's answer to
/// the consent form when this is its post.
public struct AuthorizationAttempt: Sendable {
    /// The two ways in. They differ only in what they issue and in which permissions they ask:
    /// sign-in asks for the request's scopes, a launch for every permission the app declared.
    public enum Purpose: Sendable, Equatable {
        case signIn(scopes: [String])
        case launch
    }

    /// The user's answer on the consent form.
    public enum Answer: Sendable, Equatable {
        case allow(forOrganization: Bool)
        case deny
    }

    public let purpose: Purpose
    public let client: RegisteredClient
    public let prompt: Set<String>
    /// OpenID Connect Core §3.1.2.1: the most seconds since the user last signed in.
    public let maxAge: Int?
    public let answer: Answer?

    public init(purpose: Purpose, client: RegisteredClient, prompt: Set<String> = [], maxAge: Int? = nil, answer: Answer? = nil) {
        self.purpose = purpose
        self.client = client
        self.prompt = prompt
        self.maxAge = maxAge
        self.answer = answer
    }

    /// An authorization request, answered or not.
    public init(_ request: AuthorizationRequest, answer: Answer?) {
        self.init(purpose: .signIn(scopes: request.scopes), client: request.client, prompt: request.prompt, maxAge: request.maxAge, answer: answer)
    }
}

/// The signed-in user, and when they signed in.
public struct SignedInUser: Sendable {
    public let user: PlatformUser
    public let authTime: Date
    public let authentication: Authentication

    public init(user: PlatformUser, authTime: Date, authentication: Authentication = .password) {
        self.user = user
        self.authTime = authTime
        self.authentication = authentication
    }
}

/// The question the consent form asks.
public struct ConsentQuestion: Sendable {
    public let app: AppListing
    /// The Client ID asking: the form says where the user goes back to.
    public let client: RegisteredClient
    public let user: PlatformUser
    public let tenant: Tenant
    /// The permissions not yet consented to (all asked ones with `prompt=consent`).
    public let asking: [String]
    /// How the catalog describes them; built-in permissions are described by `Permission.builtIn`.
    public let defined: [String: Permission]
    /// Whether the form offers to consent for the whole organization.
    public var mayConsentForOrganization: Bool { user.isAdmin }
}

/// What may be issued: the app, for this user of this tenant, with these permissions; and the
/// consent to record first, when the user has just given it.
public struct AuthorizationGrant: Sendable {
    public let app: AppListing
    public let client: RegisteredClient
    public let user: PlatformUser
    public let tenant: Tenant
    public let scopes: [String]
    public let authTime: Date
    public let authentication: Authentication
    /// Permissions the user allowed on the form just now, to be recorded before anything is issued.
    public let consenting: [String]
    public let forOrganization: Bool
}

/// Why an attempt stops, as one of the named checks it failed. Each carries one message, written
/// for the user who reads it and the developer who reads it in their redirect.
public struct AuthorizationRefusal: Error, Sendable, Equatable {
    public enum Check: String, Sendable {
        case approvedApp, knownScopes, signedIn, recentSignIn, organization, region, installed, declined, adminConsent, consentGiven
    }

    public let check: Check
    public let error: OAuthError

    /// Whether `/oauth2/authorize` sends it back to the client (RFC 6749 §4.1.2.1). The others
    /// are shown to the user: the organization is gone, or the region does not admit the app
    /// (docs/seed-model.md §1 "Regions": a clear page, never a redirect).
    public var goesToClient: Bool { check != .organization && check != .region }

    /// The status of the page that shows it.
    public var pageStatus: Int {
        switch check {
        case .approvedApp: 404
        case .region, .installed, .adminConsent: 403
        case .declined: 200
        default: 400
        }
    }

    init(_ check: Check, _ code: OAuthError.Code, _ message: String) {
        self.check = check
        self.error = OAuthError(code, message)
    }
}

/// The answer to an attempt.
public enum AuthorizationOutcome: Sendable {
    /// Sign in (again), then come back with the same request.
    case signIn
    case askConsent(ConsentQuestion)
    case refuse(AuthorizationRefusal)
    case issue(AuthorizationGrant)
}

/// The one authorization decision of sign-in and launch: given the attempt, the signed-in user
/// (or none) and the directory, it runs its named checks in order — the app approved, the scopes
/// declared, the user signed in recently enough, the organization present, its region admitting
/// the Client ID, the app installed there, consent given (or an admin's needed) — and answers
/// sign in, ask consent, refuse, or issue. It decides and changes nothing; the pages render what
/// it answers, and `AuthorizationIssuer` carries out an `issue`.
public struct AuthorizationDecision: Sendable {
    let directory: any AuthorizationDirectory
    let definedPermissions: @Sendable () async throws -> [String: Permission]
    let clock: Clock

    public init(directory: any AuthorizationDirectory, definedPermissions: @escaping @Sendable () async throws -> [String: Permission], clock: @escaping Clock) {
        self.directory = directory
        self.definedPermissions = definedPermissions
        self.clock = clock
    }

    public func decide(_ attempt: AuthorizationAttempt, signedIn: SignedInUser?) async throws -> AuthorizationOutcome {
        do {
            return try await checks(attempt, signedIn: signedIn)
        } catch let refusal as AuthorizationRefusal {
            return .refuse(refusal)
        }
    }

    private func checks(_ attempt: AuthorizationAttempt, signedIn: SignedInUser?) async throws -> AuthorizationOutcome {
        guard let app = try await directory.approvedApp(for: attempt.client.id) else {
            throw AuthorizationRefusal(.approvedApp, .unauthorizedClient, "This Client ID belongs to no approved app.")
        }
        let scopes: [String]
        switch attempt.purpose {
        case .launch:
            scopes = app.permissions
        case .signIn(let asked):
            let unknown = asked.filter { !Permission.builtInNames.contains($0) && !app.permissions.contains($0) }
            guard unknown.isEmpty else {
                throw AuthorizationRefusal(
                    .knownScopes, .invalidScope,
                    "\(unknown.joined(separator: " ")) \(unknown.count == 1 ? "is" : "are") not among the permissions the app declared: \((app.permissions + Permission.builtIn.map(\.name)).joined(separator: " "))."
                )
            }
            scopes = asked
        }
        let silent = attempt.prompt.contains("none")
        if attempt.prompt.contains("login") && attempt.answer == nil { return .signIn }
        guard let signedIn else {
            if silent { throw AuthorizationRefusal(.signedIn, .loginRequired, "The user is not signed in to Latchkey.") }
            return .signIn
        }
        let user = signedIn.user
        // OpenID Connect Core §3.1.2.1: a sign-in older than max_age is done again.
        if let maxAge = attempt.maxAge, Int(clock().timeIntervalSince1970) - Int(signedIn.authTime.timeIntervalSince1970) > maxAge {
            if silent { throw AuthorizationRefusal(.recentSignIn, .loginRequired, "The user signed in more than max_age (\(maxAge) s) ago.") }
            return .signIn
        }
        let access = try await directory.access(appID: app.id, tenantID: user.tenantID)
        guard let tenant = access.tenant else {
            throw AuthorizationRefusal(.organization, .accessDenied, "Your organization no longer exists.")
        }
        let availability = attempt.client.registration.availability
        guard tenant.region.admits(availability) else {
            throw AuthorizationRefusal(
                .region, .accessDenied,
                "\(app.name) is registered for \(availability == .china ? "China only" : "use outside China"), and your organization, \(tenant.displayName), is in the \(tenant.region == .china ? "China" : "worldwide") partition. Ask the publisher for the \(tenant.region == .china ? "China" : "worldwide") version of the app."
            )
        }
        guard access.installed else {
            throw AuthorizationRefusal(.installed, .unauthorizedClient, "\(app.name) is not installed in \(tenant.displayName); an admin of the organization installs it first.")
        }
        let consented = try await directory.consentedPermissions(appID: app.id, tenantID: tenant.id, userID: user.id)
        let asking = attempt.prompt.contains("consent") ? scopes : scopes.filter { !consented.contains($0) }
        let defined = asking.isEmpty ? [:] : try await definedPermissions()
        if attempt.answer == .deny {
            throw AuthorizationRefusal(.declined, .accessDenied, "The user declined to give \(app.name) the access it asked for.")
        }
        let needsAdmin = asking.filter { defined[$0]?.adminConsentRequired == true && !consented.contains($0) }
        if !needsAdmin.isEmpty && !user.isAdmin {
            throw AuthorizationRefusal(
                .adminConsent, .accessDenied,
                "\(app.name) needs an administrator's consent to \(needsAdmin.joined(separator: " ")); ask an admin of your organization."
            )
        }
        var forOrganization = false
        if case .allow(let organization) = attempt.answer {
            forOrganization = organization && user.isAdmin
        } else if !asking.isEmpty {
            if silent { throw AuthorizationRefusal(.consentGiven, .consentRequired, "The user has not consented to \(asking.joined(separator: " ")).") }
            return .askConsent(ConsentQuestion(app: app, client: attempt.client, user: user, tenant: tenant, asking: asking, defined: defined))
        }
        return .issue(AuthorizationGrant(
            app: app, client: attempt.client, user: user, tenant: tenant, scopes: scopes, authTime: signedIn.authTime,
            authentication: signedIn.authentication, consenting: asking, forOrganization: forOrganization
        ))
    }
}
