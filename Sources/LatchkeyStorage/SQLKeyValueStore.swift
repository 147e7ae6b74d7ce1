import Foundation
import LatchkeyCore
import SQLKit

/// Short-lived values shared by every node (dashboard sessions): text under a key, with an
/// expiry. Expired values read as absent and are swept on write.
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

    /// Inserts; `false` when the key is taken by a live value. Every value has an expiry.
    public func create(key: String, value: String, expiresAt: Date, now: Date) async throws -> Bool {
        try await provider.transaction { db in
            if try await Self.live(key, now: now, on: db) != nil { return false }
            try await db.delete(from: "key_values").where("key", .equal, key).run()
            try await db.insert(Row(key: key, value: value, expiresAt: expiresAt.unixSeconds), into: "key_values")
            try await db.notify(.session(key: key))
            try await db.delete(from: "key_values").where("expires_at", .lessThan, now.unixSeconds).run()
            return true
        }
    }

    /// Replaces the value of a live key, keeping its expiry (or setting a new one); `false`, and
    /// nothing written, when the key has expired or was removed: a value is never brought back.
    public func update(key: String, value: String, expiresAt: Date? = nil, now: Date) async throws -> Bool {
        try await provider.transaction { db in
            guard try await Self.live(key, now: now, on: db) != nil else { return false }
            var update = db.update("key_values").set("value", to: value)
            if let expiresAt { update = update.set("expires_at", to: expiresAt.unixSeconds) }
            try await update.where("key", .equal, key).run()
            try await db.notify(.session(key: key))
            return true
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
