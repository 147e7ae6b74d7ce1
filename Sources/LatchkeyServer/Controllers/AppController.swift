import Hummingbird
import LatchkeyCore

/// Apps and their review: `/api/v1/apps…` and the operators' queue (docs/seed-model.md §1 "Apps").
struct AppController {
    let catalog: AppCatalog
    let outbox: any EventOutbox

    func addRoutes(to group: RouterGroup<LatchkeyRequestContext>) {
        group.post("apps", use: create)
        group.get("apps", use: list)
        group.get("apps/:appId", use: show)
        group.patch("apps/:appId", use: update)
        group.delete("apps/:appId", use: delete)
        group.post("apps/:appId/submit", use: submit)
        group.post("apps/:appId/approve", use: approve)
        group.post("apps/:appId/reject", use: reject)
        group.get("apps/:appId/event-deliveries", use: deliveries)
        group.get("review/apps", use: reviewQueue)
    }

    @Sendable func create(_ request: Request, context: LatchkeyRequestContext) async throws -> EditedResponse<AppResponse> {
        let body = try await request.decodeJSON(AppRequest.self, context: context)
        let app = try await catalog.create(body.input, by: try context.actor())
        return EditedResponse(status: .created, headers: [.location: "/api/v1/apps/\(app.id)"], response: AppResponse(app))
    }

    @Sendable func list(_ request: Request, context: LatchkeyRequestContext) async throws -> AppListResponse {
        AppListResponse(apps: try await catalog.apps(of: try context.actor().sellerID).map(AppResponse.init))
    }

    @Sendable func show(_ request: Request, context: LatchkeyRequestContext) async throws -> AppResponse {
        AppResponse(try await catalog.app(try context.parameters.appID(), of: try context.actor()))
    }

    @Sendable func deliveries(_ request: Request, context: LatchkeyRequestContext) async throws -> EventDeliveryListResponse {
        // The seller's own plumbing (URLs, failures): not for operators, who see apps to review them.
        let actor = try context.actor()
        let app = try await catalog.app(try context.parameters.appID(), of: actor)
        guard app.sellerID == actor.sellerID else { throw DomainError.notFound("app") }
        return EventDeliveryListResponse(deliveries: try await outbox.deliveries(appID: app.id, limit: 50).map(EventDeliveryResponse.init))
    }

    @Sendable func update(_ request: Request, context: LatchkeyRequestContext) async throws -> AppResponse {
        let id = try context.parameters.appID()
        let body = try await request.decodeJSON(AppRequest.self, context: context)
        return AppResponse(try await catalog.update(id, body.input, by: try context.actor()))
    }

    @Sendable func delete(_ request: Request, context: LatchkeyRequestContext) async throws -> HTTPResponse.Status {
        try await catalog.delete(try context.parameters.appID(), by: try context.actor())
        return .noContent
    }

    @Sendable func submit(_ request: Request, context: LatchkeyRequestContext) async throws -> AppResponse {
        AppResponse(try await catalog.submit(try context.parameters.appID(), by: try context.actor()))
    }

    @Sendable func approve(_ request: Request, context: LatchkeyRequestContext) async throws -> AppResponse {
        let body = try await request.decodeJSON(ReviewRequest.self, context: context)
        return AppResponse(try await catalog.review(try context.parameters.appID(), approve: true, reason: body.reason, revision: body.revision, by: try context.actor()))
    }

    @Sendable func reject(_ request: Request, context: LatchkeyRequestContext) async throws -> AppResponse {
        let body = try await request.decodeJSON(ReviewRequest.self, context: context)
        return AppResponse(try await catalog.review(try context.parameters.appID(), approve: false, reason: body.reason, revision: body.revision, by: try context.actor()))
    }

    @Sendable func reviewQueue(_ request: Request, context: LatchkeyRequestContext) async throws -> AppListResponse {
        AppListResponse(apps: try await catalog.reviewQueue(for: try context.actor()).map(AppResponse.init))
    }
}
