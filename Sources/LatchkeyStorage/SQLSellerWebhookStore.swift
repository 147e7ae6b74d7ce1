import Foundation
import LatchkeyCore
import SQLKit

public struct SQLSellerWebhookStore: SellerWebhookStore {
    let provider: any DatabaseProvider

    public init(provider: any DatabaseProvider) {
        self.provider = provider
    }

    struct Row: Codable, Sendable {
        var sellerId: String
        var url: String
        var sealedSecret: String
        var secretHint: String
        var createdAt: Double
        var updatedAt: Double
    }

    public func webhook(sellerID: String) async throws -> SellerWebhook? {
        guard let row = try await provider.read({ db in
            try await db.select().column("*").from("seller_webhooks").where("seller_id", .equal, sellerID).first(decoding: Row.self, with: rowDecoder)
        }) else { return nil }
        return SellerWebhook(
            sellerID: row.sellerId, url: EventsURL(stored: row.url), sealedSecret: row.sealedSecret, secretHint: row.secretHint,
            createdAt: Date(unixSeconds: row.createdAt), updatedAt: Date(unixSeconds: row.updatedAt)
        )
    }

    public func put(_ webhook: SellerWebhook, audit: AuditEntry) async throws {
        try await provider.transaction { db in
            try await db.delete(from: "seller_webhooks").where("seller_id", .equal, webhook.sellerID).run()
            let row = Row(
                sellerId: webhook.sellerID, url: webhook.url.value, sealedSecret: webhook.sealedSecret, secretHint: webhook.secretHint,
                createdAt: webhook.createdAt.unixSeconds, updatedAt: webhook.updatedAt.unixSeconds
            )
            try await db.insert(into: "seller_webhooks").model(row, with: rowEncoder).run()
            try await db.record(audit)
        }
    }

    public func deleteWebhook(sellerID: String, audit: AuditEntry) async throws -> Bool {
        try await provider.transaction { db in
            guard try await db.select().column("seller_id").from("seller_webhooks").where("seller_id", .equal, sellerID).first() != nil else { return false }
            try await db.delete(from: "seller_webhooks").where("seller_id", .equal, sellerID).run()
            try await db.record(audit)
            return true
        }
    }

    public func expiringSecrets(at now: Date, until: Date) async throws -> [ExpiringSecret] {
        try await provider.read { db in
            try await db.select()
                .column(SQLColumn("id", table: "client_secrets"), as: "secret_id").column(SQLColumn("hint", table: "client_secrets"))
                .column(SQLColumn("ends_at", table: "client_secrets")).column(SQLColumn("id", table: "clients"), as: "client_id")
                .column(SQLColumn("friendly_name", table: "clients")).column(SQLColumn("seller_id", table: "clients"))
                .from("client_secrets")
                .join("clients", on: SQLColumn("client_id", table: "client_secrets"), .equal, SQLColumn("id", table: "clients"))
                .join("seller_webhooks", on: SQLColumn("seller_id", table: "seller_webhooks"), .equal, SQLColumn("seller_id", table: "clients"))
                .where(SQLColumn("ends_at", table: "client_secrets"), .greaterThan, SQLBind(now.unixSeconds))
                .where(SQLColumn("ends_at", table: "client_secrets"), .lessThanOrEqual, SQLBind(until.unixSeconds))
                .where(SQLColumn("starts_at", table: "client_secrets"), .lessThanOrEqual, SQLBind(now.unixSeconds))
                .all()
        }.compactMap { row in
            guard let clientID = ClientID(try row.decode(column: "client_id", as: String.self)) else { return nil }
            return ExpiringSecret(
                secretID: try row.decode(column: "secret_id", as: String.self), hint: try row.decode(column: "hint", as: String.self),
                endsAt: Date(unixSeconds: try row.decode(column: "ends_at", as: Double.self)), clientID: clientID,
                friendlyName: try row.decode(column: "friendly_name", as: String.self), sellerID: try row.decode(column: "seller_id", as: String.self)
            )
        }
    }

    public func recordNotice(secretID: String, thresholdDays: Int, delivery: EventDelivery) async throws -> Bool {
        do {
            return try await provider.transaction { db in
                if try await db.select().column("secret_id").from("expiry_notices").where("secret_id", .equal, secretID)
                    .where("threshold_days", .equal, thresholdDays).first() != nil
                {
                    return false
                }
                // Two nodes that both found none: the primary key lets one insert; the other's
                // transaction fails here and queues nothing.
                try await db.insert(into: "expiry_notices").columns("secret_id", "threshold_days", "delivery_id", "created_at")
                    .values(SQLBind(secretID), SQLBind(thresholdDays), SQLBind(delivery.id), SQLBind(delivery.createdAt.unixSeconds)).run()
                let row = EventDeliveryRow(
                    id: delivery.id, appId: delivery.appID, sellerId: delivery.sellerID, tenantId: delivery.tenantID, type: delivery.type.rawValue,
                    payload: delivery.payload, createdAt: delivery.createdAt.unixSeconds, status: delivery.status.rawValue, attempts: 0,
                    nextAttemptAt: delivery.nextAttemptAt?.unixSeconds, lastAttemptAt: nil, lastResult: nil
                )
                try await db.insert(into: "event_deliveries").model(row, with: rowEncoder).run()
                return true
            }
        } catch where isUniqueViolation(error) {
            return false
        }
    }

    public func deliveries(sellerID: String, limit: Int) async throws -> [EventDelivery] {
        try await provider.read { db in
            try await db.select().column("*").from("event_deliveries").where("seller_id", .equal, sellerID)
                .where("type", .equal, AppEventType.secretExpiring.rawValue).orderBy("created_at", .descending).limit(limit)
                .all(decoding: EventDeliveryRow.self, with: rowDecoder)
        }.compactMap(\.delivery)
    }
}
