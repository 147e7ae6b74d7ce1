import Foundation
import Hummingbird
import LatchkeyCore
import LatchkeyOAuth

/// The platform users' pages: sign-in (whose session then signs them in to every app), their
/// consents (`/account`), and for tenant admins the organization's installations and
/// tenant-wide consents (`/account/organization`).
struct UserPages {
    let directory: TenantDirectory
    let pages: Pages
    let clock: Clock
    let limits: RateLimiters
    let ending: SessionEnding
    let federated: FederatedSignIn

    func addRoutes(to group: RouterGroup<WebContext>) {
        group.get("signin", use: signInForm)
        group.post("signin", use: signIn)
        group.post("signout", use: signOut)
        group.get("account", use: account)
        group.post("account/consents/:appId/revoke", use: revokeOwn)
        group.get("account/organization", use: organization)
        group.post("account/organization/install", use: install)
        group.post("account/organization/apps/:appId/uninstall", use: uninstall)
        group.post("account/organization/apps/:appId/consent", use: consentAppOnly)
        group.post("account/organization/apps/:appId/revoke", use: revokeOrganization)
        group.post("account/organization/identity-providers", use: addProvider)
        group.post("account/organization/identity-providers/:providerId/remove", use: removeProvider)
    }

    // MARK: Sign-in

    struct SignInBody: Sendable {
        let email: String
        let error: String?
        let returnTo: String
    }

    /// Only paths of this server: an open redirect would make the sign-in page a phishing tool.
    static func safeReturn(_ text: String?) -> String {
        guard let text, !text.hasPrefix("//"), !text.contains("\\") else { return "/account" }
        let launch = text.hasPrefix("/apps/") || text.hasPrefix("/_layouts/15/AppRedirect.aspx?")
        guard launch || text.hasPrefix("/oauth2/authorize?") || text == "/account" || text.hasPrefix("/account/") else { return "/account" }
        return text
    }

    /// The form; with `login_hint` (an email) or `domain_hint` whose domain a tenant with a
    /// provider claims, straight to that provider.
    @Sendable func signInForm(_ request: Request, context: WebContext) async throws -> Response {
        let query = request.uri.queryParameters
        let returnTo = Self.safeReturn(query.get("return"))
        let hint = query.get("login_hint")
        if let provider = try await federated.provider(email: hint, domain: query.get("domain_hint")) {
            return try await federated.start(provider, loginHint: hint, returnTo: returnTo, context: context)
        }
        let body = SignInBody(email: hint ?? "", error: nil, returnTo: returnTo)
        return pages.render("user-signin", title: "Sign in", body: body, context: context)
    }

    @Sendable func signIn(_ request: Request, context: WebContext) async throws -> Response {
        let returnTo = Self.safeReturn(context.field("return"))
        if let wait = limits.admitSignIn(email: context.field("email"), address: context.remoteAddress) {
            let body = SignInBody(email: context.field("email"), error: Pages.tooManyAttempts(wait), returnTo: returnTo)
            return Pages.retryAfter(wait, pages.render("user-signin", title: "Sign in", body: body, context: context, status: .tooManyRequests))
        }
        let email: String
        do {
            email = try EmailAddress.normalized(context.field("email"))
        } catch {
            let issue = error
            return pages.render("user-signin", title: "Sign in", body: SignInBody(email: context.field("email"), error: issue.message, returnTo: returnTo), context: context, status: .unprocessableContent)
        }
        // Home-realm discovery: whatever the password field holds.
        if let provider = try await federated.provider(email: email, domain: nil) {
            return try await federated.start(provider, loginHint: email, returnTo: returnTo, context: context)
        }
        guard let user = try await directory.authenticate(email: context.field("email"), password: context.field("password"), sourceIP: context.remoteAddress) else {
            let body = SignInBody(email: context.field("email"), error: "The email or password is wrong.", returnTo: returnTo)
            return pages.render("user-signin", title: "Sign in", body: body, context: context, status: .unauthorized)
        }
        context.rotateSession {
            $0.userID = user.id
            $0.userAuthTime = Date(timeIntervalSince1970: clock().timeIntervalSince1970.rounded(.down))
            $0.userAuthentication = nil
            $0.userProviderID = nil
            $0.sid = OpaqueToken.generate().value
            $0.signedInClients = nil
        }
        return .redirect(to: returnTo, type: .normal)
    }

    @Sendable func signOut(_ request: Request, context: WebContext) async throws -> Response {
        try await ending.end(context, continuingTo: "/signin")
    }

    // MARK: Account

    struct ConsentRow: Sendable {
        let appID: String
        let appName: String
        let permissions: String
        let grantedAt: String
    }

    struct LaunchLink: Sendable {
        let id: String
        let name: String
        let description: String
    }

    struct AccountBody: Sendable {
        let apps: [LaunchLink]
        let consents: [ConsentRow]
        let organizationConsents: [ConsentRow]
        let organization: String
    }

    @Sendable func account(_ request: Request, context: WebContext) async throws -> Response {
        let user = try context.user(returningTo: "/account")
        let body = AccountBody(
            apps: try await directory.launchableApps(for: user).map { LaunchLink(id: $0.id, name: $0.name, description: $0.description) },
            consents: try await rows(tenantID: user.tenantID, userID: user.id),
            organizationConsents: try await rows(tenantID: user.tenantID, userID: nil),
            organization: try await directory.tenant(user.tenantID)?.displayName ?? ""
        )
        return pages.render("account", title: "Your apps", tab: .account, body: body, context: context)
    }

    private func rows(tenantID: String, userID: String?) async throws -> [ConsentRow] {
        let consents = try await directory.consents(tenantID: tenantID, userID: userID)
        var rows: [ConsentRow] = []
        for (appID, group) in Dictionary(grouping: consents, by: \.appID).sorted(by: { $0.key < $1.key }) {
            let name = try await directory.app(appID)?.name ?? appID
            rows.append(ConsentRow(
                appID: appID, appName: name, permissions: group.map(\.permission).sorted().joined(separator: " "),
                grantedAt: DisplayDate.format(group.map(\.grantedAt).min() ?? Date())
            ))
        }
        return rows.sorted { $0.appName < $1.appName }
    }

    @Sendable func revokeOwn(_ request: Request, context: WebContext) async throws -> Response {
        let user = try context.user(returningTo: "/account")
        let appID = try context.parameters.appID()
        try await directory.revokeConsent(appID: appID, tenantID: user.tenantID, userID: user.id, by: Actor(user: user, sourceIP: context.remoteAddress))
        context.notify("Access revoked: the app can no longer act for you.")
        return .redirect(to: "/account", type: .normal)
    }

    // MARK: Organization

    struct AppRow: Sendable {
        let id: String
        let name: String
        let appOnly: String
        let appOnlyConsented: Bool
        let hasAppOnly: Bool
    }

    struct ProviderRow: Sendable {
        let id: String
        let issuer: String
        let clientID: String
        let scopes: String
        let admins: String
        let allowLinking: Bool
    }

    /// One field of the form that connects a provider: what was typed, and what is wrong with it.
    struct ProviderField: Sendable {
        let name: String
        let label: String
        let hint: String
        let value: String
        let error: String?
        let secret: Bool
    }

    struct OrganizationBody: Sendable {
        let organization: String
        let region: String
        let installed: [AppRow]
        let installable: [AppRow]
        let providers: [ProviderRow]
        let domains: [String]
        let callback: String
        let providerFields: [ProviderField]
        let allowLinking: Bool
        let errors: [ErrorLink]
    }

    @Sendable func organization(_ request: Request, context: WebContext) async throws -> Response {
        try await organizationPage(context)
    }

    /// The page; after a provider form that did not hold, with what was typed and what is wrong.
    private func organizationPage(_ context: WebContext, form: [String: String] = [:], errors: FormErrors = FormErrors()) async throws -> Response {
        let user = try context.user(returningTo: "/account/organization")
        guard user.isAdmin else { return pages.message(status: .forbidden, title: "Not allowed", text: Self.adminsOnly, context: context, account: true) }
        let actor = Actor(user: user, sourceIP: context.remoteAddress)
        let tenant = try await directory.tenant(user.tenantID, for: actor)
        let installations = try await directory.installations(in: tenant.id, for: actor)
        var installed: [AppRow] = []
        for installation in installations {
            guard let app = try await directory.app(installation.appID) else { continue }
            let consented = try await directory.consentedPermissions(appID: app.id, tenantID: tenant.id, userID: nil)
            installed.append(AppRow(
                id: app.id, name: app.name, appOnly: app.appOnlyPermissions.joined(separator: " "),
                appOnlyConsented: Set(app.appOnlyPermissions).isSubset(of: consented), hasAppOnly: !app.appOnlyPermissions.isEmpty
            ))
        }
        let installedIDs = Set(installations.map(\.appID))
        let installable = try await directory.installableApps(for: tenant.region).filter { !installedIDs.contains($0.id) }.map {
            AppRow(id: $0.id, name: $0.name, appOnly: $0.appOnlyPermissions.joined(separator: " "), appOnlyConsented: false, hasAppOnly: !$0.appOnlyPermissions.isEmpty)
        }
        let federation = federated.federation
        let providers = try await federation.providers(in: tenant.id, for: actor).map { provider in
            let claims = provider.claims
            return ProviderRow(
                id: provider.id, issuer: provider.issuer, clientID: provider.clientID, scopes: provider.scopes.joined(separator: " "),
                admins: claims.adminClaim.flatMap { claim in claims.adminValue.map { "\(claim) holds \($0)" } } ?? "", allowLinking: provider.allowLinking
            )
        }
        let fields = Self.providerFields.map { field in
            ProviderField(
                name: field.name, label: field.label, hint: field.hint, value: field.secret ? "" : form[field.name] ?? field.initial,
                error: errors[field.name], secret: field.secret
            )
        }
        let body = OrganizationBody(
            organization: tenant.displayName, region: tenant.region.rawValue, installed: installed, installable: installable, providers: providers,
            domains: try await federation.domains(in: tenant.id, for: actor).map(\.domain), callback: federated.redirectURI, providerFields: fields,
            allowLinking: form["allowLinking"] == "on", errors: errors.list
        )
        return pages.render(
            "organization", title: "Your organization's apps", tab: .organization, body: body, context: context,
            status: errors.list.isEmpty ? .ok : .unprocessableContent
        )
    }

    static let providerFields: [(name: String, errorField: String, label: String, hint: String, initial: String, secret: Bool)] = [
        ("issuer", "issuer", "Issuer", "Exactly as the provider's discovery document writes it, such as https://login.fabrikam.example.", "", false),
        ("clientId", "clientId", "Client ID", "The client id the provider issued to Latchkey.", "", false),
        ("clientSecret", "clientSecret", "Client secret", "Stored sealed and never shown again; enter it again after a mistake.", "", true),
        ("scopes", "scopes", "Scopes", "Space-separated; openid is always asked for.", "openid profile email", false),
        ("adminClaim", "claims.adminClaim", "Admin claim (optional)", "A claim of the ID token, such as groups, that makes a user an admin here...", "", false),
        ("adminValue", "claims.adminValue", "Admin value (optional)", "...when it holds this value, such as latchkey-admins.", "", false),
    ]

    @Sendable func addProvider(_ request: Request, context: WebContext) async throws -> Response {
        let user = try context.user(returningTo: "/account/organization")
        guard user.isAdmin else { return pages.message(status: .forbidden, title: "Not allowed", text: Self.adminsOnly, context: context, account: true) }
        let text = { (name: String) -> String? in context.field(name).isEmpty ? nil : context.field(name) }
        do {
            let provider = try await federated.federation.addProvider(
                to: user.tenantID, issuer: context.field("issuer"), clientID: context.field("clientId"), clientSecret: context.field("clientSecret"),
                scopes: text("scopes").map { $0.split(separator: " ").map(String.init) },
                claims: ClaimMapping(adminClaim: text("adminClaim"), adminValue: text("adminValue")), allowLinking: context.field("allowLinking") == "on",
                by: Actor(user: user, sourceIP: context.remoteAddress)
            )
            context.notify("Connected \(provider.issuer). Ask your platform's operators to claim your email domains for it; until then no one is sent there.")
            return .redirect(to: "/account/organization", type: .normal)
        } catch let error as DomainError where error.isFieldError {
            // Named as the form names its inputs, so that the summary's links reach them.
            var errors = FormErrors()
            for issue in FormErrors(error).list {
                errors.add(field: Self.providerFields.first { $0.errorField == issue.field }?.name ?? issue.field, message: issue.message)
            }
            return try await organizationPage(context, form: context.fields, errors: errors)
        }
    }

    @Sendable func removeProvider(_ request: Request, context: WebContext) async throws -> Response {
        try await adminAction(context) { user, actor in
            try await federated.federation.removeProvider(try context.parameters.providerID(), in: user.tenantID, by: actor)
            return "Disconnected: its users can no longer sign in until it is connected again; they stay in your organization."
        }
    }

    static let adminsOnly = "Only your organization's admins manage its apps."

    private func adminAction(_ context: WebContext, _ action: (PlatformUser, Actor) async throws -> String) async throws -> Response {
        let user = try context.user(returningTo: "/account/organization")
        guard user.isAdmin else { return pages.message(status: .forbidden, title: "Not allowed", text: Self.adminsOnly, context: context, account: true) }
        do {
            context.notify(try await action(user, Actor(user: user, sourceIP: context.remoteAddress)))
        } catch let error as DomainError where error.isFieldError {
            context.notify(FormErrors(error).list.first?.message ?? "That cannot be done now.")
        }
        return .redirect(to: "/account/organization", type: .normal)
    }

    @Sendable func install(_ request: Request, context: WebContext) async throws -> Response {
        try await adminAction(context) { user, actor in
            guard let appID = ObjectID.canonical(context.field("appId")) else { throw DomainError.notFound("app") }
            _ = try await directory.install(appID: appID, in: user.tenantID, by: actor)
            return "Installed: everyone in your organization can now use the app, after consenting."
        }
    }

    @Sendable func uninstall(_ request: Request, context: WebContext) async throws -> Response {
        try await adminAction(context) { user, actor in
            try await directory.uninstall(appID: try context.parameters.appID(), from: user.tenantID, by: actor)
            return "Uninstalled: the app's consents and tokens in your organization are revoked."
        }
    }

    @Sendable func consentAppOnly(_ request: Request, context: WebContext) async throws -> Response {
        try await adminAction(context) { user, actor in
            let granted = try await directory.consentAppOnly(appID: try context.parameters.appID(), in: user.tenantID, by: actor)
            return "Consented for your organization: \(granted.joined(separator: " "))."
        }
    }

    @Sendable func revokeOrganization(_ request: Request, context: WebContext) async throws -> Response {
        try await adminAction(context) { user, actor in
            try await directory.revokeConsent(appID: try context.parameters.appID(), tenantID: user.tenantID, userID: nil, by: actor)
            return "The organization's consent is revoked."
        }
    }
}
