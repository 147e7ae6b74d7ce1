import Foundation
import LatchkeyCore
import Synchronization

/// The token endpoint's view of clients, kept in memory so that issuing a token touches no
/// database. Every change made through this node invalidates its entry at once; entries also
/// expire after `timeToLive`, which bounds how long a change made on another node takes to
/// reach this one. Concurrent misses for one client share a single load.
public final class ClientCache: ClientDirectory {
    private struct Entry {
        var client: RegisteredClient?
        var loadedAt: ContinuousClock.Instant
    }

    private struct State {
        var entries: [ClientID: Entry] = [:]
        var loads: [ClientID: Task<RegisteredClient?, any Error>] = [:]
        /// Bumped by every invalidation, so that a load begun before a change is not cached after it.
        var generation: UInt64 = 0
    }

    private let store: any ClientStore
    private let timeToLive: Duration
    private let capacity: Int
    private let state = Mutex(State())

    public init(store: any ClientStore, timeToLive: Duration = .seconds(1), capacity: Int = 100_000) {
        self.store = store
        self.timeToLive = timeToLive
        self.capacity = capacity
    }

    public func client(_ id: ClientID) async throws -> RegisteredClient? {
        let now = ContinuousClock.now
        enum Lookup {
            case hit(RegisteredClient?)
            case wait(Task<RegisteredClient?, any Error>, generation: UInt64)
        }
        let lookup: Lookup = state.withLock { state in
            if let entry = state.entries[id], entry.loadedAt.duration(to: now) < timeToLive {
                return .hit(entry.client)
            }
            if let load = state.loads[id] {
                return .wait(load, generation: state.generation)
            }
            let store = self.store
            let load = Task { try await store.client(id).map(RegisteredClient.init) }
            state.loads[id] = load
            return .wait(load, generation: state.generation)
        }
        switch lookup {
        case .hit(let client):
            return client
        case .wait(let load, let generation):
            do {
                let client = try await load.value
                state.withLock { state in
                    if state.loads[id] == load { state.loads[id] = nil }
                    guard state.generation == generation else { return }
                    if state.entries.count >= capacity { evict(&state, now: now) }
                    state.entries[id] = Entry(client: client, loadedAt: now)
                }
                return client
            } catch {
                state.withLock { state in
                    if state.loads[id] == load { state.loads[id] = nil }
                }
                throw error
            }
        }
    }

    /// Drops what is known of the client: the next request reads it afresh.
    public func invalidate(_ id: ClientID) {
        state.withLock { state in
            state.entries[id] = nil
            state.loads[id] = nil
            state.generation &+= 1
        }
    }

    private func evict(_ state: inout State, now: ContinuousClock.Instant) {
        state.entries = state.entries.filter { $0.value.loadedAt.duration(to: now) < timeToLive }
        if state.entries.count >= capacity { state.entries.removeAll(keepingCapacity: true) }
    }
}
