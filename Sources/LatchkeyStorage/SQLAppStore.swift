import Foundation
import LatchkeyCore
import SQLKit

public struct SQLAppStore: AppStore {
    let provider: any DatabaseProvider

    public init(provider: any DatabaseProvider) {
        self.provider = provider
    }

    public func insert(_ app: AppListing, audit: AuditEntry) async throws {
        try await provider.transaction { db in
            try await db.insert(AppRow(app), into: "apps")
            try await db.notify(.app(id: app.id))
            try await db.record(audit)
        }
    }

    public func apps(ownedBy sellerID: String) async throws -> [AppListing] {
        try await provider.read { db in
            try await db.select().column("*").from("apps").where("seller_id", .equal, sellerID)
                .orderBy("created_at").orderBy("id").all(decoding: AppRow.self, with: rowDecoder)
        }.map(\.app)
    }

    public func apps(status: AppStatus) async throws -> [AppListing] {
        try await provider.read { db in
            try await db.select().column("*").from("apps").where("status", .equal, status.rawValue)
                .orderBy("updated_at").orderBy("id").all(decoding: AppRow.self, with: rowDecoder)
        }.map(\.app)
    }

    public func approvedApp(using clientID: ClientID) async throws -> AppListing? {
        try await provider.read { db in
            try await db.select().column("*").from("apps").where("client_id", .equal, clientID.rawValue)
                .where("status", .equal, AppStatus.approved.rawValue).orderBy("created_at").limit(1)
                .first(decoding: AppRow.self, with: rowDecoder)
        }?.app
    }

    public func app(_ id: String, ownedBy sellerID: String?) async throws -> AppListing? {
        try await provider.read { db in try await Self.load(id, ownedBy: sellerID, on: db, lock: false) }
    }

    static func load(_ id: String, ownedBy sellerID: String?, on db: any SQLDatabase, lock: Bool) async throws -> AppListing? {
        var query = db.select().column("*").from("apps").where("id", .equal, id)
        if let sellerID { query = query.where("seller_id", .equal, sellerID) }
        if lock { query = query.for(.update) }
        return try await query.first(decoding: AppRow.self, with: rowDecoder)?.app
    }

    public func modify<Result: Sendable>(
        _ id: String, ownedBy sellerID: String?,
        _ change: @Sendable (inout AppListing) throws -> (Result, AuditEntry)
    ) async throws -> Result {
        try await provider.transaction { db in
            // FOR UPDATE serialises concurrent changes on PostgreSQL; SQLite's BEGIN IMMEDIATE already does.
            guard var app = try await Self.load(id, ownedBy: sellerID, on: db, lock: provider.engine == .postgres) else {
                throw DomainError.notFound("app")
            }
            let (result, audit) = try change(&app)
            let row = AppRow(app)
            try await db.update("apps")
                .set("name", to: row.name)
                .set("description", to: row.description)
                .set("markets", to: row.markets)
                .set("requires_server_to_server_auth", to: row.requiresServerToServerAuth)
                .set("client_id", to: row.clientId)
                .set("status", to: row.status)
                .set("review_reason", to: row.reviewReason)
                .set("permissions", to: row.permissions)
                .set("app_only_permissions", to: row.appOnlyPermissions)
                .set("events_url", to: row.eventsUrl)
                .set("updated_at", to: row.updatedAt)
                .set("revision", to: row.revision)
                .where("id", .equal, id)
                .run()
            try await db.notify(.app(id: id))
            try await db.record(audit)
            return result
        }
    }

    public func delete(_ id: String, ownedBy sellerID: String, effects: Effects) async throws -> Bool {
        try await provider.transaction { db in
            guard try await Self.load(id, ownedBy: sellerID, on: db, lock: false) != nil else { return false }
            for table in ["consents", "installations"] {
                try await db.delete(from: table).where("app_id", .equal, id).run()
            }
            try await db.delete(from: "apps").where("id", .equal, id).run()
            try await db.notify(.app(id: id))
            try await db.write(effects)
            return true
        }
    }
}
