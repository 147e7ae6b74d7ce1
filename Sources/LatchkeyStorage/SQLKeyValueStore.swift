import Foundation
import LatchkeyCore
import SQLKit

/// Short-lived values shared by every node (dashboard sessions): text under a key, with an
/// optional expiry. Expired values read as absent and are swept on write.
public struct SQLKeyValueStore: Sendable {
    let provider: any DatabaseProvider

    public init(provider: any DatabaseProvider) {
        self.provider = provider
    }

    struct Row: Codable, Sendable {
        var key: String
        var value: String
        var expiresAt: Double?
    }

    /// Inserts; `false` when the key is taken by a live value.
    public func create(key: String, value: String, expiresAt: Date?, now: Date) async throws -> Bool {
        try await provider.transaction { db in
            if try await Self.live(key, now: now, on: db) != nil { return false }
            try await db.delete(from: "key_values").where("key", .equal, key).run()
            try await db.insert(Row(key: key, value: value, expiresAt: expiresAt?.unixSeconds), into: "key_values")
            try await db.notify(.session(key: key))
            try await db.delete(from: "key_values").where("expires_at", .lessThan, now.unixSeconds).run()
            return true
        }
    }

    /// Inserts or replaces; `expiresAt == nil` keeps the current expiry of an existing value.
    public func set(key: String, value: String, expiresAt: Date?, now: Date) async throws {
        try await provider.transaction { db in
            let existing = try await Self.live(key, now: now, on: db)
            try await db.delete(from: "key_values").where("key", .equal, key).run()
            let expiry = expiresAt?.unixSeconds ?? existing?.expiresAt
            try await db.insert(Row(key: key, value: value, expiresAt: expiry), into: "key_values")
            try await db.notify(.session(key: key))
        }
    }

    public func get(key: String, now: Date) async throws -> (value: String, expiresAt: Date?)? {
        try await provider.read { db in try await Self.live(key, now: now, on: db) }
            .map { ($0.value, $0.expiresAt.map(Date.init(unixSeconds:))) }
    }

    public func remove(key: String) async throws {
        try await provider.transaction { db in
            try await db.delete(from: "key_values").where("key", .equal, key).run()
            try await db.notify(.session(key: key))
        }
    }

    static func live(_ key: String, now: Date, on db: any SQLDatabase) async throws -> Row? {
        guard let row = try await db.select().column("*").from("key_values").where("key", .equal, key)
            .first(decoding: Row.self, with: rowDecoder)
        else { return nil }
        if let expiry = row.expiresAt, expiry <= now.unixSeconds { return nil }
        return row
    }
}
