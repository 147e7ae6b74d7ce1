import Foundation
import Hummingbird
import LatchkeyCore
import Mustache

/// Renders dashboard pages: the layout around a page's own data.
struct DashboardPages: Sendable {
    let library: MustacheLibrary

    init() throws {
        var templates: [String: MustacheTemplate] = [:]
        for (name, text) in Templates.all {
            templates[name] = try MustacheTemplate(string: text)
        }
        self.library = MustacheLibrary(templates: templates)
    }

    enum Tab {
        case clients, apps, activity, review
    }

    /// What every page shows around its content.
    struct Page<Body>: Sendable where Body: Sendable {
        let title: String
        let seller: SellerBar?
        let csrf: String
        let notice: String?
        let isOperator: Bool
        let tabClients: Bool
        let tabApps: Bool
        let tabActivity: Bool
        let tabReview: Bool
        let body: Body
    }

    struct SellerBar: Sendable {
        let name: String
    }

    func render<Body: Sendable>(
        _ template: String, title: String, tab: Tab? = nil, body: Body, context: DashboardContext, status: HTTPResponse.Status = .ok
    ) -> Response {
        let page = Page(
            title: title, seller: context.seller.map { SellerBar(name: $0.displayName) }, csrf: context.session.csrfToken,
            notice: context.takeNotice(), isOperator: context.seller?.role == .operator,
            tabClients: tab == .clients, tabApps: tab == .apps, tabActivity: tab == .activity, tabReview: tab == .review, body: body
        )
        let html = library.render(page, withTemplate: template) ?? ""
        return Response(
            status: status, headers: [.contentType: "text/html; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: html))
        )
    }

    struct MessageBody: Sendable {
        let text: String
    }

    func message(status: HTTPResponse.Status, title: String, text: String, context: DashboardContext) -> Response {
        render("message", title: title, body: MessageBody(text: text), context: context, status: status)
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
enum DisplayDate {
    static func format(_ date: Date) -> String {
        date.formatted(
            Date.FormatStyle(timeZone: TimeZone(identifier: "UTC")!).day().month(.abbreviated).year().hour(.twoDigits(amPM: .omitted)).minute()
                .locale(Locale(identifier: "en_GB"))
        ) + " UTC"
    }

    static func format(_ date: Date?) -> String {
        date.map { format($0) } ?? "never"
    }
}
