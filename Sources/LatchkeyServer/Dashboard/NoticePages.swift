import Foundation
import Hummingbird
import LatchkeyCore

/// The seller's expiry-notice settings: `/dashboard/notices` (the webhook URL, its signing
/// secret shown once, the deliveries).
struct NoticePages {
    let notices: ExpiryNotices
    let pages: Pages

    func addRoutes(to group: RouterGroup<WebContext>) {
        group.get("notices", use: show)
        group.post("notices", use: save)
        group.post("notices/remove", use: remove)
    }

    struct Row: Sendable {
        let type: String
        let about: String
        let created: String
        let status: String
        let attempts: Int
        let lastResult: String
        let next: String
    }

    struct Body: Sendable {
        let url: String
        let urlError: String?
        let errors: [ErrorLink]
        let hasWebhook: Bool
        let secretHint: String
        let secret: String?
        let deliveries: [Row]
    }

    @Sendable func show(_ request: Request, context: WebContext) async throws -> Response {
        try await page(context: context, typed: nil, errors: FormErrors(), secret: nil)
    }

    @Sendable func save(_ request: Request, context: WebContext) async throws -> Response {
        do {
            let (_, secret) = try await notices.setWebhook(url: context.field("url"), rotateSecret: context.field("rotateSecret") == "on", by: try context.actor())
            if let secret { return try await page(context: context, typed: nil, errors: FormErrors(), secret: secret) }
            return .redirect(to: "/dashboard/notices", type: .normal)
        } catch let error as DomainError {
            return try await page(context: context, typed: context.field("url"), errors: FormErrors(error), secret: nil, status: .unprocessableContent)
        }
    }

    @Sendable func remove(_ request: Request, context: WebContext) async throws -> Response {
        try? await notices.removeWebhook(by: try context.actor())
        return .redirect(to: "/dashboard/notices", type: .normal)
    }

    private func page(context: WebContext, typed: String?, errors: FormErrors, secret: String?, status: HTTPResponse.Status = .ok) async throws -> Response {
        let actor = try context.actor()
        let webhook = try await notices.webhook(of: actor)
        let deliveries = webhook == nil ? [] : try await notices.deliveries(of: actor, limit: 20)
        let body = Body(
            url: typed ?? webhook?.url.value ?? "", urlError: errors.byField["url"], errors: errors.list, hasWebhook: webhook != nil,
            secretHint: webhook?.secretHint ?? "", secret: secret,
            deliveries: deliveries.map { delivery in
                Row(
                    type: delivery.type.rawValue, about: Self.about(delivery.payload), created: DisplayDate.format(delivery.createdAt),
                    status: delivery.status.rawValue, attempts: delivery.attempts, lastResult: delivery.lastResult ?? "—",
                    next: delivery.nextAttemptAt.map(DisplayDate.format) ?? "—"
                )
            }
        )
        var response = pages.render("notices", title: "Expiry notices", tab: .notices, body: body, context: context, status: status)
        if secret != nil { response.headers[.cacheControl] = "no-store" }
        return response
    }

    /// "trip calendar: secret R7K… ends in 30 days", from the notice's payload.
    static func about(_ payload: String) -> String {
        struct Notice: Decodable {
            struct Details: Decodable {
                let friendlyName: String
                let hint: String
                let thresholdDays: Int
            }
            let data: Details
        }
        guard let notice = try? JSONDecoder().decode(Notice.self, from: Data(payload.utf8)) else { return "" }
        let days = notice.data.thresholdDays == 1 ? "1 day" : "\(notice.data.thresholdDays) days"
        return "\(notice.data.friendlyName): secret \(notice.data.hint)… ends within \(days)"
    }
}
