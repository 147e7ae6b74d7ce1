import Foundation
import Hummingbird
import LatchkeyCore
import Mustache

/// Renders pages from the `.mustache` templates under `Resources/Templates`: the dashboard's
/// extend `layout`, the sign-in, consent and account pages extend `account-layout`.
struct Pages: Sendable {
    let library: MustacheLibrary
    /// The dashboard's stylesheet and script, served by the server itself.
    let assets: [String: String]
    /// Makes a session's CSRF token of its stored seed (`SealingKeys.csrfTokens`).
    let csrfKey: SecretSealer

    /// The token a form of this session carries: HMAC of the session's seed under a key derived
    /// from the master key, so that the database holds no token a form would be accepted with.
    func csrfToken(of session: WebSession) -> String {
        SecretDigest(bytes: csrfKey.authenticationCode(for: Data(session.csrfSeed.utf8))).hex
    }

    static func load(csrfKey: SecretSealer) async throws -> Pages {
        guard let resources = Bundle.module.url(forResource: "Resources", withExtension: nil) else {
            throw CocoaError(.fileNoSuchFile)
        }
        let library = try await MustacheLibrary(directory: resources.appendingPathComponent("Templates").path)
        var assets: [String: String] = [:]
        for name in ["dashboard.css", "dashboard.js"] {
            assets[name] = try String(contentsOf: resources.appendingPathComponent("Assets").appendingPathComponent(name), encoding: .utf8)
        }
        return Pages(library: library, assets: assets, csrfKey: csrfKey)
    }

    enum Tab {
        case clients, apps, activity, notices, tokens, review, account, organization
    }

    /// What every page shows around its content.
    struct Page<Body>: Sendable where Body: Sendable {
        let title: String
        let seller: SellerBar?
        let user: UserBar?
        /// The session's CSRF token, read only when the page has a form: a page without one
        /// creates no session.
        let csrf: @Sendable () -> String
        let notice: String?
        let isOperator: Bool
        let tabClients: Bool
        let tabApps: Bool
        let tabActivity: Bool
        let tabNotices: Bool
        let tabTokens: Bool
        let tabReview: Bool
        let tabAccount: Bool
        let tabOrganization: Bool
        let body: Body
    }

    struct SellerBar: Sendable {
        let name: String
    }

    struct UserBar: Sendable {
        let name: String
        let email: String
        let isAdmin: Bool
    }

    func render<Body: Sendable>(
        _ template: String, title: String, tab: Tab? = nil, body: Body, context: WebContext, status: HTTPResponse.Status = .ok
    ) -> Response {
        let page = Page(
            title: title, seller: context.seller.map { SellerBar(name: $0.displayName) },
            user: context.user.map { UserBar(name: $0.displayName, email: $0.email, isAdmin: $0.isAdmin) }, csrf: { csrfToken(of: context.session) },
            notice: context.takeNotice(), isOperator: context.seller?.role == .operator,
            tabClients: tab == .clients, tabApps: tab == .apps, tabActivity: tab == .activity, tabNotices: tab == .notices, tabTokens: tab == .tokens, tabReview: tab == .review,
            tabAccount: tab == .account, tabOrganization: tab == .organization, body: body
        )
        let html = library.render(page, withTemplate: template) ?? ""
        return Response(
            status: status, headers: [.contentType: "text/html; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: html))
        )
    }

    static func tooManyAttempts(_ wait: Int) -> String {
        "Too many sign-in attempts from here or for this account. Wait \(wait) seconds, then try again."
    }

    static func retryAfter(_ wait: Int, _ response: Response) -> Response {
        var response = response
        response.headers[.retryAfter] = String(wait)
        return response
    }

    struct MessageBody: Sendable {
        let text: String
        let back: String
        let backLabel: String
    }

    func message(status: HTTPResponse.Status, title: String, text: String, context: WebContext, account: Bool = false) -> Response {
        let body = account
            ? MessageBody(text: text, back: "/account", backLabel: "Back to your account")
            : MessageBody(text: text, back: "/dashboard/clients", backLabel: "Back to your Client IDs")
        return render(account ? "account-message" : "message", title: title, body: body, context: context, status: status)
    }

    /// A failure as a page: the domain's errors in words, anything else a 500 naming the request id.
    func failure(_ error: any Error, request: Request, context: WebContext, account: Bool = false) throws -> Response {
        switch error {
        case DomainError.notFound:
            return message(status: .notFound, title: "Not found", text: "There is nothing here among yours. Check the address, or start again from the list.", context: context, account: account)
        case DomainError.forbidden(let text):
            return message(status: .forbidden, title: "Not allowed", text: text, context: context, account: account)
        case let error as ServiceBusy:
            return Self.retryAfter(error.retryAfter, message(
                status: .serviceUnavailable, title: "Busy",
                text: "Too many sign-ins are being checked right now; nothing was changed. Wait \(error.retryAfter) seconds and try again.", context: context, account: account
            ))
        case let error as HTTPError:
            throw error
        default:
            context.logger.error("page failed", metadata: ["error": "\(String(reflecting: type(of: error)))", "path": "\(request.uri.path)"])
            return message(
                status: .internalServerError, title: "Something went wrong",
                text: "Something went wrong on our side; nothing was changed. Quote request id \(context.id) when reporting it.", context: context, account: account
            )
        }
    }
}

/// One text input with its label, hint, value and error.
struct FieldView: Sendable {
    let name: String
    let label: String
    let hint: String
    let value: String
    let error: String?
    var type = "text"
    var autocomplete = "off"
}

struct ErrorLink: Sendable {
    let field: String
    let message: String
}

/// Field errors of a failed change, by field name, plus a summary list linking to each field.
struct FormErrors: Sendable {
    var byField: [String: String] = [:]
    var list: [ErrorLink] = []

    init() {}

    init(_ error: DomainError) {
        switch error {
        case .invalid(let issues):
            for issue in issues { add(field: issue.field, message: issue.message) }
        case .conflict(let issue):
            add(field: issue.field, message: issue.message)
        case .notFound, .forbidden:
            break
        }
    }

    mutating func add(field: String, message: String) {
        if byField[field] == nil { byField[field] = message }
        list.append(ErrorLink(field: field, message: message))
    }

    subscript(field: String) -> String? { byField[field] }
}

/// Dates as people read them: "27 Nov 2027, 14:05 UTC".
/// The one way pages, commands and audit details show a time: day, month, year, and the time of
/// day in UTC with two-digit hours and minutes ("7 Dec 2026 at 11:05 UTC").
public enum DisplayDate {
    public static func format(_ date: Date) -> String {
        date.formatted(
            Date.FormatStyle(timeZone: TimeZone(identifier: "UTC")!).day().month(.abbreviated).year().hour(.twoDigits(amPM: .omitted)).minute(.twoDigits)
                .locale(Locale(identifier: "en_GB"))
        ) + " UTC"
    }

    public static func format(_ date: Date?) -> String {
        date.map { format($0) } ?? "never"
    }
}

// Every page renders these: named lookups instead of reflection (a tenth of the cost).
extension Pages.Page: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "title": title
        case "seller": seller
        case "user": user
        case "csrf": csrf()
        case "notice": notice
        case "isOperator": isOperator
        case "tabClients": tabClients
        case "tabApps": tabApps
        case "tabActivity": tabActivity
        case "tabNotices": tabNotices
        case "tabTokens": tabTokens
        case "tabReview": tabReview
        case "tabAccount": tabAccount
        case "tabOrganization": tabOrganization
        case "body": body
        default: nil
        }
    }
}

extension Pages.SellerBar: MustacheParent {
    func child(named name: String) -> Any? { name == "name" ? self.name : nil }
}

extension Pages.UserBar: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "name": self.name
        case "email": email
        case "isAdmin": isAdmin
        default: nil
        }
    }
}
