import Foundation
import Hummingbird
import LatchkeyCore

/// The seller's expiry-notice webhook: `GET|PUT|DELETE /api/v1/sellers/me/webhook` and
/// `GET /api/v1/sellers/me/webhook/deliveries`.
struct WebhookController {
    let notices: ExpiryNotices

    func addRoutes(to group: RouterGroup<LatchkeyRequestContext>) {
        group.get("sellers/me/webhook", use: show)
        group.put("sellers/me/webhook", use: put)
        group.delete("sellers/me/webhook", use: delete)
        group.get("sellers/me/webhook/deliveries", use: deliveries)
    }

    @Sendable func show(_ request: Request, context: LatchkeyRequestContext) async throws -> WebhookResponse {
        guard let webhook = try await notices.webhook(of: try context.actor()) else { throw DomainError.notFound("webhook") }
        return WebhookResponse(webhook, secret: nil)
    }

    @Sendable func put(_ request: Request, context: LatchkeyRequestContext) async throws -> EditedResponse<WebhookResponse> {
        let body = try await request.decodeJSON(WebhookRequest.self, context: context)
        let (webhook, secret) = try await notices.setWebhook(url: body.url, rotateSecret: body.rotateSecret ?? false, by: try context.actor())
        return EditedResponse(headers: [.cacheControl: "no-store"], response: WebhookResponse(webhook, secret: secret))
    }

    @Sendable func delete(_ request: Request, context: LatchkeyRequestContext) async throws -> HTTPResponse.Status {
        try await notices.removeWebhook(by: try context.actor())
        return .noContent
    }

    @Sendable func deliveries(_ request: Request, context: LatchkeyRequestContext) async throws -> EventDeliveryListResponse {
        EventDeliveryListResponse(deliveries: try await notices.deliveries(of: try context.actor()).map(EventDeliveryResponse.init))
    }
}

struct WebhookRequest: Decodable {
    let url: String?
    let rotateSecret: Bool?
}

struct WebhookResponse: ResponseEncodable {
    let url: String
    let secretHint: String
    let createdAt: Date
    let updatedAt: Date
    /// The signing secret: only in the answer that made it.
    let secret: String?

    init(_ webhook: SellerWebhook, secret: String?) {
        url = webhook.url.value
        secretHint = webhook.secretHint
        createdAt = webhook.createdAt
        updatedAt = webhook.updatedAt
        self.secret = secret
    }
}
