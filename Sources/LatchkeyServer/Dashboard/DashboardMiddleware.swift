import Foundation
import HTTPTypes
import Hummingbird
import LatchkeyCore
import LatchkeyOAuth

/// Headers every dashboard response carries: no framing, no inline script, no referrer leaks,
/// and no copy in any cache (a page may show a secret once).
struct SecurityHeadersMiddleware: RouterMiddleware {
    typealias Context = DashboardContext

    static let contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        + "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        response.headers[.contentSecurityPolicy] = Self.contentSecurityPolicy
        response.headers[.xFrameOptions] = "DENY"
        response.headers[.referrerPolicy] = "same-origin"
        response.headers[.xContentTypeOptions] = "nosniff"
        if response.headers[.cacheControl] == nil { response.headers[.cacheControl] = "no-store" }
        return response
    }
}

/// Loads the signed-in seller, checks the CSRF token of every form post, sends visitors without a
/// session to the sign-in page, and turns failures into pages.
struct DashboardGuardMiddleware: RouterMiddleware {
    typealias Context = DashboardContext
    let accounts: SellerAccounts
    let pages: DashboardPages

    /// Paths under /dashboard reachable without signing in.
    static let publicPaths: Set<String> = ["/dashboard/signin", "/dashboard/signup"]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        var request = request
        if let sellerID = context.sessions.session?.sellerID {
            context.seller = try await accounts.seller(id: sellerID)
        }
        if request.method == .post {
            let body = try await request.collectBody(upTo: 64 * 1024)
            context.form = Self.parseForm(String(decoding: body.readableBytesView, as: UTF8.self))
            let expected = context.sessions.session?.csrfToken ?? ""
            guard !expected.isEmpty, SecretDigest(of: context.field("_csrf")).constantTimeEquals(SecretDigest(of: expected)) else {
                return pages.message(
                    status: .forbidden, title: "This form has expired",
                    text: "The page was open too long or came from elsewhere, so nothing was changed. Go back, reload the page and try again.",
                    context: context
                )
            }
        }
        let isPublic = Self.publicPaths.contains(request.uri.path) || request.uri.path.hasPrefix("/dashboard/assets/")
        if !isPublic && context.seller == nil {
            return .redirect(to: "/dashboard/signin", type: .normal)
        }
        do {
            return try await next(request, context)
        } catch DashboardRedirect.signIn {
            return .redirect(to: "/dashboard/signin", type: .normal)
        } catch DomainError.notFound {
            return pages.message(status: .notFound, title: "Not found", text: "There is nothing here among yours. Check the address, or start again from the list.", context: context)
        } catch DomainError.forbidden(let text) {
            return pages.message(status: .forbidden, title: "Not allowed", text: text, context: context)
        } catch let error as HTTPError {
            throw error
        } catch {
            context.logger.error("dashboard page failed", metadata: ["error": "\(String(reflecting: type(of: error)))", "path": "\(request.uri.path)"])
            return pages.message(
                status: .internalServerError, title: "Something went wrong",
                text: "Something went wrong on our side; nothing was changed. Quote request id \(context.id) when reporting it.", context: context
            )
        }
    }

    /// Form fields of an `application/x-www-form-urlencoded` body; a repeated field keeps its last value.
    static func parseForm(_ body: String) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in body.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = FormParameters.formDecode(parts[0]) else { continue }
            fields[name] = FormParameters.formDecode(parts.count > 1 ? parts[1] : "") ?? ""
        }
        return fields
    }
}

extension HTTPField.Name {
    static let xFrameOptions = Self("X-Frame-Options")!
    static let referrerPolicy = Self("Referrer-Policy")!
}
