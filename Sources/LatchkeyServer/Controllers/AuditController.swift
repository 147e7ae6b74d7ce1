import Hummingbird
import LatchkeyCore

/// `GET /api/v1/audit`: the seller's own entries, newest first, paged with `before` and `limit`.
struct AuditController {
    let store: any AuditStore

    func addRoutes(to group: RouterGroup<LatchkeyRequestContext>) {
        group.get("audit", use: list)
    }

    @Sendable func list(_ request: Request, context: LatchkeyRequestContext) async throws -> AuditListResponse {
        try await Self.page(request, owner: try context.actor().sellerID, store: store)
    }

    /// One page of a log (a seller's or a tenant's), read from `limit` and `before`.
    static func page(_ request: Request, owner: String, store: any AuditStore) async throws -> AuditListResponse {
        let query = request.uri.queryParameters
        var limit = 50
        if let text = query.get("limit") {
            guard let value = Int(text), (1...500).contains(value) else {
                throw APIError.badRequest("limit must be a whole number from 1 to 500.", field: "limit")
            }
            limit = value
        }
        var before: String?
        if let text = query.get("before") {
            guard let id = ObjectID.canonical(text) else {
                throw APIError.badRequest("before must be an entry id, as given in nextBefore.", field: "before")
            }
            before = id
        }
        let entries = try await store.entries(sellerID: owner, before: before, limit: limit)
        return AuditListResponse(
            entries: entries.map(AuditEntryResponse.init),
            nextBefore: entries.count == limit ? entries.last?.id : nil
        )
    }
}
