import Foundation
import LatchkeyCore
import SQLKit

public struct SQLSellerStore: SellerStore, APITokenStore {
    let provider: any DatabaseProvider

    public init(provider: any DatabaseProvider) {
        self.provider = provider
    }

    public func insert(_ seller: Seller, passwordHash: String?, audit: AuditEntry) async throws {
        let row = SellerRow(
            id: seller.id, email: seller.email, displayName: seller.displayName, role: seller.role.rawValue,
            passwordHash: passwordHash, createdAt: seller.createdAt.unixSeconds
        )
        do {
            try await provider.transaction { db in
                try await db.insert(row, into: "sellers")
                try await db.record(audit)
            }
        } catch where isUniqueViolation(error) {
            throw DomainError.conflict(field: "email", code: "email_taken", message: "An account with this email already exists: sign in instead, or use another address.")
        }
    }

    public func seller(email: String) async throws -> (seller: Seller, passwordHash: String?)? {
        let row = try await provider.read { db in
            try await db.select().column("*").from("sellers").where("email", .equal, email).first(decoding: SellerRow.self, with: rowDecoder)
        }
        return row.map { ($0.seller, $0.passwordHash) }
    }

    public func seller(id: String) async throws -> Seller? {
        try await provider.read { db in
            try await db.select().column("*").from("sellers").where("id", .equal, id).first(decoding: SellerRow.self, with: rowDecoder)
        }?.seller
    }

    public func exists(role: SellerRole) async throws -> Bool {
        try await provider.read { db in
            try await db.select().column("id").from("sellers").where("role", .equal, role.rawValue).limit(1).first()
        } != nil
    }

    public func updatePasswordHash(sellerID: String, to hash: String) async throws {
        try await provider.transaction { db in
            try await db.update("sellers").set("password_hash", to: hash).where("id", .equal, sellerID).run()
        }
    }

    public func insert(_ token: APITokenRecord, digest: SecretDigest, audit: AuditEntry) async throws {
        try await provider.transaction { db in
            try await db.insert(into: "api_tokens")
                .columns("id", "seller_id", "token_digest", "created_at", "expires_at")
                .values(SQLBind(token.id), SQLBind(token.sellerID), SQLBind(digest.hex), SQLBind(token.createdAt.unixSeconds), SQLBind(token.expiresAt.unixSeconds))
                .run()
            try await db.record(audit)
        }
    }

    struct TokenOwnerRow: Decodable {
        var tokenId: String
        var id: String
        var email: String
        var displayName: String
        var role: String
        var createdAt: Double
    }

    /// The digest is of a 256-bit random token, so looking it up by index reveals nothing a
    /// timing attack could use.
    public func seller(forToken digest: SecretDigest, at now: Date) async throws -> (seller: Seller, tokenID: String)? {
        let row = try await provider.read { db in
            try await db.select()
                .column(SQLColumn("id", table: "api_tokens"), as: "token_id")
                .columns(SQLColumn("id", table: "sellers"), SQLColumn("email", table: "sellers"), SQLColumn("display_name", table: "sellers"), SQLColumn("role", table: "sellers"), SQLColumn("created_at", table: "sellers"))
                .from("api_tokens")
                .join("sellers", on: SQLColumn("seller_id", table: "api_tokens"), .equal, SQLColumn("id", table: "sellers"))
                .where(SQLColumn("token_digest", table: "api_tokens"), .equal, SQLBind(digest.hex))
                .where(SQLColumn("expires_at", table: "api_tokens"), .greaterThan, SQLBind(now.unixSeconds))
                .first(decoding: TokenOwnerRow.self, with: rowDecoder)
        }
        guard let row else { return nil }
        let seller = Seller(id: row.id, email: row.email, displayName: row.displayName, role: SellerRole(rawValue: row.role) ?? .seller, createdAt: Date(unixSeconds: row.createdAt))
        return (seller, row.tokenId)
    }

    struct TokenRow: Decodable {
        var id: String
        var sellerId: String
        var createdAt: Double
        var expiresAt: Double
    }

    public func tokens(of sellerID: String, at now: Date) async throws -> [APITokenRecord] {
        try await provider.read { db in
            try await db.select().columns("id", "seller_id", "created_at", "expires_at").from("api_tokens")
                .where("seller_id", .equal, sellerID).where("expires_at", .greaterThan, now.unixSeconds)
                .orderBy("created_at", .descending).orderBy("id", .descending)
                .all(decoding: TokenRow.self, with: rowDecoder)
        }.map { APITokenRecord(id: $0.id, sellerID: $0.sellerId, createdAt: Date(unixSeconds: $0.createdAt), expiresAt: Date(unixSeconds: $0.expiresAt)) }
    }

    public func revoke(tokenID: String, of sellerID: String, audit: AuditEntry) async throws -> Bool {
        try await provider.transaction { db in
            guard try await db.select().column("id").from("api_tokens").where("id", .equal, tokenID).where("seller_id", .equal, sellerID).first() != nil
            else { return false }
            try await db.delete(from: "api_tokens").where("id", .equal, tokenID).run()
            try await db.record(audit)
            return true
        }
    }

    public func revokeAll(of sellerID: String, audit: AuditEntry) async throws -> Int {
        try await provider.transaction { db in
            let ids = try await db.select().column("id").from("api_tokens").where("seller_id", .equal, sellerID).all(decodingColumn: "id", as: String.self)
            try await db.delete(from: "api_tokens").where("seller_id", .equal, sellerID).run()
            try await db.record(audit)
            return ids.count
        }
    }
}

public struct SQLAuditStore: AuditStore {
    let provider: any DatabaseProvider

    public init(provider: any DatabaseProvider) {
        self.provider = provider
    }

    public func entries(sellerID: String, before: String?, limit: Int) async throws -> [AuditEntry] {
        try await provider.read { db in
            var query = db.select().column("*").from("audit_log").where("seller_id", .equal, sellerID)
            if let before {
                guard let cursor = try await db.select().column("at").from("audit_log")
                    .where("id", .equal, before).where("seller_id", .equal, sellerID).first()
                else { return [AuditRow]() }
                let at = try cursor.decode(column: "at", as: Double.self)
                // Newest first, ties broken by id: strictly after the cursor in that order.
                query = query.where { group in
                    group.where("at", .lessThan, at).orWhere { $0.where("at", .equal, at).where("id", .lessThan, before) }
                }
            }
            return try await query.orderBy("at", .descending).orderBy("id", .descending).limit(limit)
                .all(decoding: AuditRow.self, with: rowDecoder)
        }.map { try $0.entry() }
    }

    /// Once per cluster and interval: the time of the last prune is kept beside the sessions,
    /// read and written in the deleting transaction under a lock every node takes.
    public func prune(olderThan cutoff: Date, at now: Date, interval: TimeInterval) async throws -> Int? {
        try await provider.transaction { db in
            if provider.engine == .postgres { try await db.raw("SELECT pg_advisory_xact_lock(7215003)").run() }
            let key = "audit.pruned_at"
            let last = try await db.select().column("value").from("key_values").where("key", .equal, key).first()
                .flatMap { Double(try $0.decode(column: "value", as: String.self)) }
            if let last, now.unixSeconds - last < interval { return nil }
            let count = try await db.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from("audit_log")
                .where("at", .lessThan, cutoff.unixSeconds).first()?.decode(column: "n", as: Int.self) ?? 0
            try await db.delete(from: "audit_log").where("at", .lessThan, cutoff.unixSeconds).run()
            try await db.delete(from: "key_values").where("key", .equal, key).run()
            try await db.insert(into: "key_values").columns("key", "value", "expires_at")
                .values(SQLBind(key), SQLBind(String(now.unixSeconds)), SQLBind(now.unixSeconds + 10 * 365 * 86_400)).run()
            return count
        }
    }
}
