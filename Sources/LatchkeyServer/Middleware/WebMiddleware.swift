import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdAuth
import LatchkeyCore
import LatchkeyOAuth

/// Headers every page carries: no framing, no inline script, no referrer leaks, and no copy in
/// any cache (a page may show a secret once).
struct SecurityHeadersMiddleware: RouterMiddleware {
    typealias Context = WebContext

    static let contentSecurityPolicy = contentSecurityPolicy(formAction: "https:")

    /// The policy, with the origins forms may post to besides this server's (a page that posts
    /// to an app names the app's origin).
    static func contentSecurityPolicy(formAction: String) -> String {
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            + "form-action 'self' \(formAction); frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        if response.headers[.contentSecurityPolicy] == nil { response.headers[.contentSecurityPolicy] = Self.contentSecurityPolicy }
        response.headers[.xFrameOptions] = "DENY"
        response.headers[.referrerPolicy] = "same-origin"
        response.headers[.xContentTypeOptions] = "nosniff"
        if response.headers[.cacheControl] == nil { response.headers[.cacheControl] = "no-store" }
        return response
    }
}

/// HummingbirdAuth's session middleware, plus: when a sign-in replaced the session, the one
/// the request came with is deleted, so a cookie stolen before it is worth nothing after.
struct WebSessionMiddleware: RouterMiddleware {
    typealias Context = WebContext
    let sessions: SessionMiddleware<WebContext>
    let driver: SessionPersistDriver
    let cookieName: String
    let keyPrefix: String

    init(driver: SessionPersistDriver, cookie: SessionCookieParameters, keyPrefix: String, lifetime: Duration) {
        self.sessions = SessionMiddleware(
            storage: driver, configuration: .init(sessionCookieParameters: cookie, keyPrefix: keyPrefix, defaultSessionExpiration: lifetime)
        )
        self.driver = driver
        self.cookieName = cookie.name
        self.keyPrefix = keyPrefix
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let response = try await sessions.handle(request, context: context, next: next)
        if context.retiresSession.withLockedValue({ $0 }), let previous = request.cookies[cookieName]?.value {
            try await driver.remove(key: keyPrefix + previous)
        }
        return response
    }
}

/// Loads who the session names, and checks the CSRF token of every form post before any page
/// sees it.
struct FormGuardMiddleware: RouterMiddleware {
    typealias Context = WebContext
    /// Forms other sites post by design (RP-Initiated Logout §2: the app's page posts it): read
    /// like any form but without a CSRF token; what they may do without asking is checked there.
    static let crossSiteForms: Set<String> = ["/oauth2/logout"]
    let accounts: SellerAccounts
    /// The platform users as the protocol endpoints read them (cached).
    let users: any AuthorizationDirectory
    let pages: Pages

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        var request = request
        if let session = context.sessions.session {
            if let sellerID = session.sellerID { context.seller = try await accounts.seller(id: sellerID) }
            if let userID = session.userID { context.user = try await users.user(userID) }
        }
        if request.method == .post {
            guard let body = try? await request.collectBody(upTo: 64 * 1024) else {
                return pages.message(
                    status: .contentTooLarge, title: "This form is too large",
                    text: "What was sent is larger than any of our forms takes (64 KiB), so nothing was changed. Go back and try again.", context: context
                )
            }
            do throws(OAuthError) {
                context.form = try FormParameters(String(decoding: body.readableBytesView, as: UTF8.self))
                if let repeated = context.form.repeatedName { throw OAuthError(.invalidRequest, "The field \(repeated) was sent more than once.") }
            } catch {
                return pages.message(
                    status: .badRequest, title: "This form could not be read",
                    text: "\(error.description) Nothing was changed. Go back, reload the page and try again.", context: context
                )
            }
            let expected = context.sessions.session.map(pages.csrfToken) ?? ""
            let tokenMatches = !expected.isEmpty && SecretDigest(of: context.field("_csrf")).constantTimeEquals(SecretDigest(of: expected))
            guard tokenMatches || Self.crossSiteForms.contains(request.uri.path) else {
                return pages.message(
                    status: .forbidden, title: "This form has expired",
                    text: "The page was open too long or came from elsewhere, so nothing was changed. Go back, reload the page and try again.",
                    context: context
                )
            }
        }
        return try await next(request, context)
    }
}

/// The dashboard's guard: visitors without a seller go to its sign-in page; failures become pages.
struct DashboardGuardMiddleware: RouterMiddleware {
    typealias Context = WebContext
    let pages: Pages

    /// Paths under /dashboard reachable without signing in.
    static let publicPaths: Set<String> = ["/dashboard/signin", "/dashboard/signup"]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let isPublic = Self.publicPaths.contains(request.uri.path) || request.uri.path.hasPrefix("/dashboard/assets/")
        if !isPublic && context.seller == nil {
            return .redirect(to: "/dashboard/signin", type: .normal)
        }
        do {
            return try await next(request, context)
        } catch PageRedirect.sellerSignIn {
            return .redirect(to: "/dashboard/signin", type: .normal)
        } catch {
            return try pages.failure(error, request: request, context: context)
        }
    }
}

/// The users' pages' guard: a page that needs a signed-in user sends a visitor to sign in and
/// back; failures become account pages, not the management API's JSON.
struct AccountGuardMiddleware: RouterMiddleware {
    typealias Context = WebContext
    let pages: Pages

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch PageRedirect.userSignIn(let returnTo) {
            return .redirect(to: "/signin?" + FormParameters.encode([("return", returnTo)]), type: .normal)
        } catch {
            return try pages.failure(error, request: request, context: context, account: true)
        }
    }
}

extension HTTPField.Name {
    static let xFrameOptions = Self("X-Frame-Options")!
    static let referrerPolicy = Self("Referrer-Policy")!
}
