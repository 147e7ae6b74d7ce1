import Foundation
import LatchkeyCore

/// The token endpoint's view of clients, kept in memory (see `LoadingCache`).
public final class ClientCache: ClientDirectory {
    private let cache: LoadingCache<ClientID, RegisteredClient?>

    public init(store: any ClientStore, timeToLive: Duration = .seconds(1), capacity: Int = 100_000) {
        self.cache = LoadingCache(timeToLive: timeToLive, capacity: capacity) { id in
            try await store.client(id).map(RegisteredClient.init)
        }
    }

    public func client(_ id: ClientID) async throws -> RegisteredClient? {
        try await cache.value(for: id)
    }

    /// Drops what is known of the client: the next request reads it afresh.
    public func invalidate(_ id: ClientID) {
        cache.invalidate(id)
    }
}
