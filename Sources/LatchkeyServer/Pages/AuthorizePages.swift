import Foundation
import Hummingbird
import LatchkeyCore
import LatchkeyOAuth

/// `GET|POST /oauth2/authorize` (RFC 6749 §4.1, OpenID Connect Core §3.1.2): signs the user in
/// (or reuses their session: SSO), checks the app is approved and installed in their tenant and
/// that the region admits its Client ID, asks for the consent not yet given, and sends the
/// browser back to the app with a code. Works as plain HTML forms, without JavaScript.
struct AuthorizePages {
    let clients: any ClientDirectory
    let access: any AuthorizationDirectory
    let directory: TenantDirectory
    let catalog: AppCatalog
    let accounts: SellerAccounts
    let grants: any GrantStore
    let issuer: String
    let pages: Pages
    let clock: Clock

    func addRoutes(to group: RouterGroup<WebContext>) {
        group.get("oauth2/authorize", use: authorize)
        group.post("oauth2/authorize", use: authorize)
    }

    @Sendable func authorize(_ request: Request, context: WebContext) async throws -> Response {
        let isDecision = request.method == .post
        let form: FormParameters
        do {
            form = try FormParameters(isDecision ? context.formBody : (request.uri.query ?? ""))
        } catch {
            return problem("The sign-in link is malformed: \(error.description)", context: context)
        }
        let parsed: Result<AuthorizationRequest, RedirectableError>
        do {
            parsed = try await AuthorizationRequest.parse(form, directory: clients)
        } catch let error as AuthorizationRequest.Unredirectable {
            return problem(error.message, context: context)
        }
        let authorization: AuthorizationRequest
        switch parsed {
        case .failure(let error): return .redirect(to: error.location(issuer: issuer), type: .found)
        case .success(let found): authorization = found
        }
        func fail(_ code: OAuthError.Code, _ text: String) -> Response {
            .redirect(to: authorization.errorRedirect(OAuthError(code, text), issuer: issuer), type: .found)
        }

        guard let app = try await access.approvedApp(for: authorization.client.id) else {
            return fail(.unauthorizedClient, "This Client ID belongs to no approved app.")
        }
        let unknown = authorization.scopes.filter { !Permission.builtInNames.contains($0) && !app.permissions.contains($0) }
        guard unknown.isEmpty else {
            return fail(.invalidScope, "\(unknown.joined(separator: " ")) \(unknown.count == 1 ? "is" : "are") not among the permissions the app declared: \((app.permissions + Permission.builtIn.map(\.name)).joined(separator: " ")).")
        }
        let signIn = "/signin?" + FormParameters.encode([("return", returnPath(authorization))])
        if authorization.prompt.contains("login") && !isDecision {
            return .redirect(to: signIn, type: .normal)
        }
        guard let user = context.user, let authTime = context.session.userAuthTime else {
            if authorization.prompt.contains("none") { return fail(.loginRequired, "The user is not signed in to Latchkey.") }
            return .redirect(to: signIn, type: .normal)
        }
        // OpenID Connect Core §3.1.2.1: a sign-in older than max_age is done again.
        if let maxAge = authorization.maxAge, Int(clock().timeIntervalSince1970) - Int(authTime.timeIntervalSince1970) > maxAge {
            if authorization.prompt.contains("none") {
                return fail(.loginRequired, "The user signed in more than max_age (\(maxAge) s) ago.")
            }
            return .redirect(to: signIn, type: .normal)
        }
        let tenantAccess = try await access.access(appID: app.id, tenantID: user.tenantID)
        guard let tenant = tenantAccess.tenant else { return problem("Your organization no longer exists.", context: context) }
        // docs/seed-model.md §1 "Regions": a clear page, never a redirect carrying a code.
        let availability = authorization.client.registration.availability
        guard tenant.region.admits(availability) else {
            return problem(
                "\(app.name) is registered for \(availability == .china ? "China only" : "use outside China"), and your organization, \(tenant.displayName), is in the \(tenant.region == .china ? "China" : "worldwide") partition. Ask the publisher for the \(tenant.region == .china ? "China" : "worldwide") version of the app.",
                context: context, status: .forbidden
            )
        }
        guard tenantAccess.installed else {
            return fail(.unauthorizedClient, "\(app.name) is not installed in the user's organization; a tenant admin installs it first.")
        }
        let consented = try await access.consentedPermissions(appID: app.id, tenantID: tenant.id, userID: user.id)
        let asking = authorization.prompt.contains("consent") ? authorization.scopes : authorization.scopes.filter { !consented.contains($0) }
        let defined = asking.isEmpty ? [:] : try await catalog.definedPermissions()
        let needsAdmin = asking.filter { defined[$0]?.adminConsentRequired == true && !consented.contains($0) }
        if isDecision && context.field("decision") != "allow" {
            return fail(.accessDenied, "The user declined to give \(app.name) the access it asked for.")
        }
        if !needsAdmin.isEmpty && !user.isAdmin {
            return fail(.accessDenied, "\(needsAdmin.joined(separator: " ")) needs an administrator's consent; ask an admin of your organization.")
        }

        if isDecision {
            let forOrganization = context.field("for_organization") == "on" && user.isAdmin
            if !asking.isEmpty {
                try await directory.consent(to: app, permissions: asking, by: user, forOrganization: forOrganization, sourceIP: context.remoteAddress)
            }
        } else if !asking.isEmpty {
            if authorization.prompt.contains("none") {
                return fail(.consentRequired, "The user has not consented to \(asking.joined(separator: " ")).")
            }
            return try await consentPage(authorization, app: app, asking: asking, defined: defined, user: user, context: context)
        }

        let code = OpaqueToken.generate()
        let now = clock()
        let audit = Actor(user: user, sourceIP: context.remoteAddress).entry(
            .grantIssue, objectType: "app", objectID: app.id, at: now, detail: "code for \(app.name): \(authorization.scopes.joined(separator: " "))"
        )
        try await grants.insert(AuthorizationCode(
            digest: code.digest, clientID: authorization.client.id, appID: app.id, userID: user.id, tenantID: tenant.id,
            redirectURI: authorization.redirectURIGiven ? authorization.redirectURI : nil, scopes: authorization.scopes, nonce: authorization.nonce,
            codeChallenge: authorization.codeChallenge, authTime: authTime, expiresAt: now.addingTimeInterval(AuthorizationCode.lifetime)
        ), audit: audit)
        return .redirect(to: authorization.successRedirect(code: code.value, issuer: issuer), type: .found)
    }

    /// Where sign-in returns to: the same request without `prompt`, so that it does not ask again.
    private func returnPath(_ authorization: AuthorizationRequest) -> String {
        "/oauth2/authorize?" + FormParameters.encode(authorization.parameters)
    }

    private func consentPage(
        _ authorization: AuthorizationRequest, app: AppListing, asking: [String], defined: [String: Permission], user: PlatformUser, context: WebContext
    ) async throws -> Response {
        try await ConsentPage(accounts: accounts, directory: directory, pages: pages).render(
            app: app, asking: asking, defined: defined, user: user, action: "/oauth2/authorize",
            hidden: authorization.parameters, returnHost: authorization.client.registration.redirectURL.host, context: context
        )
    }

    private func problem(_ text: String, context: WebContext, status: HTTPResponse.Status = .badRequest) -> Response {
        pages.message(status: status, title: "Sign-in cannot continue", text: text, context: context, account: true)
    }
}
