import Foundation
import LatchkeyCore

/// The token endpoint's view of clients, kept in memory (see `LoadingCache`).
public final class ClientCache: ClientDirectory {
    private let cache: LoadingCache<ClientID, RegisteredClient?>

    public init(store: any ClientStore, lifetime: CacheLifetime = .fixed(.seconds(1)), capacity: Int = 1_000_000) {
        self.cache = LoadingCache(lifetime: lifetime, capacity: capacity) { id in
            try await store.client(id).map(RegisteredClient.init)
        }
    }

    public func client(_ id: ClientID) async throws -> RegisteredClient? {
        try await cache.value(for: id)
    }

    /// Drops what a change notice makes stale: the next request reads it afresh.
    public func apply(_ notice: ChangeNotice) {
        switch notice {
        case .client(let id): cache.invalidate(id)
        case .everything: cache.invalidateAll()
        case .app, .grant, .user, .session, .signingKeys, .accessTokenRevoked, .revocation: break
        }
    }

    public var statistics: (hits: UInt64, misses: UInt64) { cache.statistics }
}
