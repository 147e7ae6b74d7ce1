import Foundation
import HTTPTypes
import Hummingbird
import LatchkeyCore
import LatchkeyOAuth

/// Opening an app (docs/seed-model.md §2; docs/acs-wire.md §6.1): a user of a tenant where the app is installed is
/// sent to the app's redirect URL by a form their browser posts, carrying a context token signed
/// with the app's signing secret. `GET /apps/{id}/launch` from the user's apps page, and
/// `GET /_layouts/15/AppRedirect.aspx?client_id=…&redirect_uri=…` for an app that asks for a
/// fresh token. `AuthorizationDecision` decides, as for sign-in: consent comes first when
/// missing. The form submits itself where scripts run and shows a button where they do not.
struct LaunchPages {
    let clients: any ClientDirectory
    let access: any AuthorizationDirectory
    let decision: AuthorizationDecision
    let issuer: AuthorizationIssuer
    let consentPage: ConsentPage
    let configuration: Configuration
    let pages: Pages

    func addRoutes(to group: RouterGroup<WebContext>) {
        group.get("apps/:appId/launch", use: launch)
        group.post("apps/:appId/launch", use: launch)
        group.get("_layouts/15/AppRedirect.aspx", use: appRedirect)
    }

    /// The standard tokens of the launch URL's query (docs/apps.md), which Latchkey sets; any
    /// spelling of them in the app's redirect_uri is dropped (ACS-era apps read query names
    /// without regard to case).
    static let standardTokens: Set<String> = ["sphosturl", "spappweburl", "splanguage", "spclienttag", "spproductnumber", "sphasredirectedtosharepoint"]
    static let redirectedFlag = "SPHasRedirectedToSharePoint"

    @Sendable func launch(_ request: Request, context: WebContext) async throws -> Response {
        let appID = try context.parameters.appID()
        guard let app = try await access.approvedApp(id: appID), let clientID = app.clientID,
            let approved = try await access.approvedApp(for: clientID), approved.id == app.id, let client = try await clients.client(clientID)
        else {
            return problem("This app does not exist or is not approved.", context: context, status: .notFound)
        }
        var target = client.registration.redirectURL.value
        if request.method == .post, !context.field("redirect_uri").isEmpty {
            guard let given = Self.launchTarget(context.field("redirect_uri"), client: client) else {
                return problem("The app asked to be opened at an address it did not register.", context: context)
            }
            target = given
        }
        return try await open(client, target: target, returnTo: "/apps/\(appID)/launch", request: request, context: context)
    }

    /// TokenHelper's `GetAppContextTokenRequestUrl`: the app sends the browser here for a new
    /// context token, naming where it wants it posted.
    @Sendable func appRedirect(_ request: Request, context: WebContext) async throws -> Response {
        let query = request.uri.queryParameters
        guard let text = query.get("client_id"), let clientID = ClientID(String(text.split(separator: "@").first ?? "")),
            let client = try await clients.client(clientID)
        else {
            return problem("The app sent you here with an unknown client_id.", context: context)
        }
        var target = client.registration.redirectURL.value
        if let given = query.get("redirect_uri") {
            guard let checked = Self.launchTarget(given, client: client) else {
                return problem("The app asked to be opened at \(given), which is not the redirect URL it registered, so Latchkey will not send you there.", context: context)
            }
            target = checked
        }
        return try await open(client, target: target, returnTo: request.uri.description, request: request, context: context)
    }

    /// Where the form may post: the registered redirect URL exactly, with the query the app
    /// added (the VS template's SharePointContext adds `{StandardTokens}` and
    /// `SPHasRedirectedToSharePoint=1`), re-encoded, without the standard tokens. A query with a
    /// `#`, a control character or a percent-encoded name is refused: each could make the app
    /// read another value than the one Latchkey sets. `SPHasRedirectedToSharePoint=1` is kept
    /// in Latchkey's own spelling when the app asked for it: the template reads it to stop
    /// redirecting in a loop.
    static func launchTarget(_ given: String, client: RegisteredClient) -> String? {
        let registered = client.registration.redirectURL.value
        if given == registered { return registered }
        guard !registered.contains("?"), let question = given.firstIndex(of: "?"), given[..<question] == registered else { return nil }
        let query = given[given.index(after: question)...]
        guard !query.utf8.contains(where: { $0 < 0x20 || $0 == 0x7f || $0 == UInt8(ascii: "#") }) else { return nil }
        var redirected = false
        var kept: [(String, String)] = []
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            if parts[0] == "{StandardTokens}" || pair.contains("{StandardTokens}") { continue }
            guard !parts[0].contains("%"), let name = FormParameters.formDecode(parts[0]), !name.isEmpty,
                let value = FormParameters.formDecode(parts.count > 1 ? parts[1] : ""),
                !(name + value).unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
            else { return nil }
            if standardTokens.contains(name.lowercased()) {
                if name.lowercased() == redirectedFlag.lowercased() && value == "1" { redirected = true }
                continue
            }
            kept.append((name, value))
        }
        let pairs = (redirected ? [(redirectedFlag, "1")] : []) + kept
        return pairs.isEmpty ? registered : registered + "?" + FormParameters.encode(pairs)
    }

    /// The form's target: Latchkey's standard tokens first, then what the app kept.
    static func launchAction(target: String, tokens: [(String, String)]) -> String {
        guard let question = target.firstIndex(of: "?") else { return target + "?" + FormParameters.encode(tokens) }
        return target[..<question] + "?" + FormParameters.encode(tokens) + "&" + target[target.index(after: question)...]
    }

    private func open(_ client: RegisteredClient, target: String, returnTo: String, request: Request, context: WebContext) async throws -> Response {
        let answer: AuthorizationAttempt.Answer? = request.method == .post ? context.consentAnswer : nil
        let grant: AuthorizationGrant
        switch try await decision.decide(AuthorizationAttempt(purpose: .launch, client: client, answer: answer), signedIn: context.signedIn) {
        case .signIn:
            throw PageRedirect.userSignIn(returnTo: returnTo)
        case .askConsent(let question):
            let hidden = target == client.registration.redirectURL.value ? [] : [("redirect_uri", target)]
            return try await consentPage.render(question, action: "/apps/\(question.app.id)/launch", hidden: hidden, context: context)
        case .refuse(let refusal):
            return problem(
                refusal.error.description, context: context, status: HTTPResponse.Status(code: refusal.pageStatus),
                title: refusal.check == .declined ? "Not opened" : "The app cannot be opened"
            )
        case .issue(let issued):
            grant = issued
        }
        let app = grant.app
        let tenant = grant.tenant
        let token: String
        do {
            token = try await issuer.contextToken(for: grant, sourceIP: context.remoteAddress)
        } catch ContextTokenIssuer.Failure.noSigningSecret {
            return problem("\(app.name) cannot be opened now: its publisher has no active client secret to sign with.", context: context, status: .serviceUnavailable)
        }
        let site = configuration.siteURL(realm: tenant.id)
        let action = Self.launchAction(target: target, tokens: [("SPHostUrl", site), ("SPLanguage", "en-US"), ("SPClientTag", "0"), ("SPProductNumber", "16.0.0.0")])
        let page = Self.page(
            appName: app.name, organization: tenant.displayName, action: action,
            fields: [
                Field(name: "SPAppToken", value: token), Field(name: "SPSiteUrl", value: site), Field(name: "SPSiteTitle", value: tenant.displayName),
                Field(name: "SPSiteLanguage", value: "en-US"), Field(name: "SPCorrelationId", value: UUID().uuidString.lowercased()),
            ]
        )
        var response = Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: page)))
        // The form goes to the app's own origin, which may be a developer's http://localhost.
        response.headers[.contentSecurityPolicy] = SecurityHeadersMiddleware.contentSecurityPolicy(formAction: Self.origin(of: target))
        return response
    }

    /// A hidden field of the launch form. `HTMLText.escape` returns a value with nothing to
    /// escape (the token's base64url and dots) as it is, after one scan.
    struct Field: Sendable {
        let name: String
        let value: String
    }

    /// The launch page, written directly rather than through the template engine: rendering it
    /// with Mustache was a third of a launch's time (docs/performance.md). It lives only until
    /// its script posts the form (a button where scripts do not run), so it carries the brand and
    /// no navigation: no per-user frame, no sign-out form.
    static func page(appName: String, organization: String, action: String, fields: [Field]) -> String {
        let app = HTMLText.escape(appName)
        var html = ""
        html.reserveCapacity(1536 + fields.reduce(0) { $0 + $1.value.utf8.count })
        html += "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        html += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        html += "<title>Opening " + app + " · Latchkey</title>\n"
        html += "<link rel=\"stylesheet\" href=\"/dashboard/assets/dashboard.css\">\n"
        html += "<script src=\"/dashboard/assets/dashboard.js\" defer></script>\n</head>\n<body>\n"
        html += "<header class=\"top\">\n  <a class=\"brand\" href=\"/account\">Latchkey <span>Account</span></a>\n</header>\n"
        html += "<main id=\"main\" tabindex=\"-1\">\n<section class=\"narrow\">\n"
        html += "<h1>Opening " + app + "</h1>\n"
        html += "<p>" + app + " opens for you in " + HTMLText.escape(organization) + ", with a token that proves it was you who opened it.</p>\n"
        html += "<form method=\"post\" action=\"" + HTMLText.escape(action) + "\" id=\"launch\" data-autosubmit>\n"
        for field in fields {
            html += "  <input type=\"hidden\" name=\"" + HTMLText.escape(field.name) + "\" value=\""
            html += HTMLText.escape(field.value)
            html += "\">\n"
        }
        html += "  <div class=\"actions\"><button type=\"submit\" class=\"primary\">continue to " + app + "</button></div>\n"
        html += "</form>\n</section>\n</main>\n</body>\n</html>\n"
        return html
    }

    static func origin(of url: String) -> String {
        guard let components = URLComponents(string: url), let scheme = components.scheme, let host = components.host else { return "'none'" }
        return "\(scheme)://\(host)" + (components.port.map { ":\($0)" } ?? "")
    }

    private func problem(_ text: String, context: WebContext, status: HTTPResponse.Status = .badRequest, title: String = "The app cannot be opened") -> Response {
        pages.message(status: status, title: title, text: text, context: context, account: true)
    }
}
