import Foundation
import LatchkeyCore
import SQLKit

struct EventDeliveryRow: Codable, Sendable {
    var id: String
    var appId: String
    var sellerId: String
    var tenantId: String
    var type: String
    var payload: String
    var createdAt: Double
    var status: String
    var attempts: Int
    var nextAttemptAt: Double?
    var lastAttemptAt: Double?
    var lastResult: String?

    var delivery: EventDelivery? {
        guard let type = AppEventType(rawValue: type), let status = DeliveryStatus(rawValue: status) else { return nil }
        return EventDelivery(
            id: id, appID: appId, sellerID: sellerId, tenantID: tenantId, type: type, payload: payload, createdAt: Date(unixSeconds: createdAt),
            status: status, attempts: attempts, nextAttemptAt: nextAttemptAt.map(Date.init(unixSeconds:)),
            lastAttemptAt: lastAttemptAt.map(Date.init(unixSeconds:)), lastResult: lastResult
        )
    }
}

extension SQLDatabase {
    /// Queues `event` for the app's events URL, if it has one: the outbox row is part of the
    /// transaction of the change it reports, so that no change goes untold and no event tells
    /// of a change that was rolled back.
    func enqueue(_ event: AppEvent) async throws {
        guard let app = try await select().column("seller_id").column("events_url").from("apps").where("id", .equal, event.appID).first(),
            try app.decodeNil(column: "events_url") == false
        else { return }
        let row = EventDeliveryRow(
            id: event.id, appId: event.appID, sellerId: try app.decode(column: "seller_id", as: String.self), tenantId: event.tenantID,
            type: event.type.rawValue, payload: event.payload, createdAt: event.occurredAt.unixSeconds, status: DeliveryStatus.pending.rawValue,
            attempts: 0, nextAttemptAt: event.occurredAt.unixSeconds, lastAttemptAt: nil, lastResult: nil
        )
        try await insert(into: "event_deliveries").model(row, with: rowEncoder).run()
    }
}

public struct SQLEventOutbox: EventOutbox {
    let provider: any DatabaseProvider

    public init(provider: any DatabaseProvider) {
        self.provider = provider
    }

    public func claimDue(at now: Date, lease: TimeInterval, limit: Int) async throws -> [EventDelivery] {
        let due = try await provider.read { db in
            try await db.select().column("*").from("event_deliveries").where("status", .equal, DeliveryStatus.pending.rawValue)
                .where("next_attempt_at", .lessThanOrEqual, now.unixSeconds).orderBy("next_attempt_at").limit(limit)
                .all(decoding: EventDeliveryRow.self, with: rowDecoder)
        }
        guard !due.isEmpty else { return [] }
        // A row is ours when our update moved its next attempt, as it was, to the lease's end;
        // another node claiming it at the same moment finds it moved and skips it.
        return try await provider.transaction { db in
            var claimed: [EventDelivery] = []
            for row in due {
                guard let expected = row.nextAttemptAt else { continue }
                let moved = try await db.update("event_deliveries").set("next_attempt_at", to: now.addingTimeInterval(lease).unixSeconds)
                    .where("id", .equal, row.id).where("next_attempt_at", .equal, expected).where("status", .equal, DeliveryStatus.pending.rawValue)
                    .returning("id").all()
                if !moved.isEmpty, let delivery = row.delivery { claimed.append(delivery) }
            }
            return claimed
        }
    }

    public func recordAttempt(_ id: String, delivered: Bool, result: String, retryAt: Date?, at now: Date, audit: AuditEntry) async throws {
        let status: DeliveryStatus = delivered ? .delivered : (retryAt == nil ? .failed : .pending)
        try await provider.transaction { db in
            try await db.update("event_deliveries")
                .set(SQLRaw("attempts"), to: SQLRaw("attempts + 1"))
                .set("status", to: status.rawValue)
                .set("next_attempt_at", to: delivered ? nil : retryAt?.unixSeconds)
                .set("last_attempt_at", to: now.unixSeconds)
                .set("last_result", to: result)
                .where("id", .equal, id)
                .run()
            try await db.record(audit)
        }
    }

    public func enqueue(_ notices: [LogoutNotice], at now: Date) async throws {
        guard !notices.isEmpty else { return }
        try await provider.transaction { db in
            for notice in notices {
                guard let client = try await db.select().column("seller_id").column("backchannel_logout_uri").from("clients")
                    .where("id", .equal, notice.clientID).first(),
                    try client.decodeNil(column: "backchannel_logout_uri") == false
                else { continue }
                // Listed with the app's deliveries, as its seller reads them.
                let app = try await db.select().column("id").from("apps").where("client_id", .equal, notice.clientID)
                    .where("status", .equal, AppStatus.approved.rawValue).first()?.decode(column: "id", as: String.self)
                let row = EventDeliveryRow(
                    id: ObjectID.generate(), appId: app ?? notice.clientID, sellerId: try client.decode(column: "seller_id", as: String.self),
                    tenantId: notice.tenantID, type: AppEventType.backchannelLogout.rawValue, payload: notice.payload, createdAt: now.unixSeconds,
                    status: DeliveryStatus.pending.rawValue, attempts: 0, nextAttemptAt: now.unixSeconds, lastAttemptAt: nil, lastResult: nil
                )
                try await db.insert(into: "event_deliveries").model(row, with: rowEncoder).run()
            }
        }
    }

    public func deliveries(appID: String, limit: Int) async throws -> [EventDelivery] {
        try await provider.read { db in
            try await db.select().column("*").from("event_deliveries").where("app_id", .equal, appID).orderBy("created_at", .descending)
                .limit(limit).all(decoding: EventDeliveryRow.self, with: rowDecoder)
        }.compactMap(\.delivery)
    }
}
