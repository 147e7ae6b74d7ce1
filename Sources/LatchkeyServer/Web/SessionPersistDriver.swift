import Foundation
import Hummingbird
import LatchkeyCore
import LatchkeyOAuth
import LatchkeyStorage

/// HummingbirdAuth's session middleware over our key-value table, so that every node sees every
/// session. Values are stored as JSON under the SHA-256 of the session id (the database never
/// holds a cookie's value). Every session has an expiry; a session that expired or was removed
/// is never written back. Reads are cached like clients and consents: each write's change notice
/// drops the session's entry on every node.
struct SessionPersistDriver: PersistDriver {
    let store: SQLKeyValueStore
    let clock: @Sendable () -> Date
    let cache: LoadingCache<String, Stored?>

    struct Stored: Sendable {
        let value: String
        let expiresAt: Date?
    }

    init(store: SQLKeyValueStore, clock: @escaping @Sendable () -> Date, lifetime: CacheLifetime, changes: ChangeFeed) {
        self.store = store
        self.clock = clock
        let cache = LoadingCache<String, Stored?>(lifetime: lifetime) { key in
            try await store.get(key: key, now: clock()).map { Stored(value: $0.value, expiresAt: $0.expiresAt) }
        }
        self.cache = cache
        changes.subscribe { notices in
            for notice in notices {
                switch notice {
                case .session(let key): cache.invalidate(key)
                case .everything: cache.invalidateAll()
                default: break
                }
            }
        }
    }

    func create<Object: Codable & Sendable>(key: String, value: Object, expires: Duration?) async throws {
        let created = try await store.create(key: Self.storageKey(key), value: try encode(value), expiresAt: expiry(expires), now: clock())
        guard created else { throw PersistError.duplicate }
    }

    /// With an expiry: a live session given a new expiry, or else a new one — the middleware
    /// passes an expiry only when it saves a session under an id it has just drawn (the pages
    /// never set one on an existing session). Without: an update of a live session, which does
    /// nothing once it has expired or was signed out: it is never written back.
    func set<Object: Codable & Sendable>(key: String, value: Object, expires: Duration?) async throws {
        let stored = Self.storageKey(key)
        let text = try encode(value)
        if let expires {
            let expiresAt = expiry(expires)
            if try await store.update(key: stored, value: text, expiresAt: expiresAt, now: clock()) { return }
            _ = try await store.create(key: stored, value: text, expiresAt: expiresAt, now: clock())
        } else {
            _ = try await store.update(key: stored, value: text, now: clock())
        }
    }

    func get<Object: Codable & Sendable>(key: String, as: Object.Type) async throws -> Object? {
        try await getWithTTL(key: key, as: Object.self)?.object
    }

    func getWithTTL<Object: Codable & Sendable>(key: String, as: Object.Type) async throws -> (object: Object, ttl: Duration?)? {
        let now = clock()
        guard let stored = try await cache.value(for: Self.storageKey(key)), stored.expiresAt.map({ $0 > now }) ?? true else { return nil }
        let object = try JSONDecoder().decode(Object.self, from: Data(stored.value.utf8))
        return (object, stored.expiresAt.map { .seconds($0.timeIntervalSince(now)) })
    }

    func remove(key: String) async throws {
        try await store.remove(key: Self.storageKey(key))
    }

    /// What the table keeps for a session id: its SHA-256, hex.
    static func storageKey(_ key: String) -> String {
        SecretDigest(of: key).hex
    }

    private func encode(_ value: some Encodable) throws -> String {
        String(decoding: try JSONEncoder().encode(value), as: UTF8.self)
    }

    /// A session without a lifetime gets the shortest one the middleware uses.
    private func expiry(_ duration: Duration?) -> Date {
        clock().addingTimeInterval(Double((duration ?? Self.defaultLifetime).components.seconds))
    }

    static let defaultLifetime = Duration.seconds(12 * 3600)
}
