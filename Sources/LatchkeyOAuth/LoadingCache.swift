import Foundation
import Synchronization

/// A read-through cache for the protocol endpoints, so that issuing a token touches no database.
/// Every change made through this node invalidates what it affects at once; entries also expire
/// after `timeToLive`, which bounds how long a change made on another node takes to reach this
/// one. Concurrent misses for one key share a single load.
public final class LoadingCache<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private struct Entry {
        var value: Value
        var loadedAt: ContinuousClock.Instant
    }

    private enum Lookup {
        case hit(Value)
        case wait(Task<Value, any Error>, generation: UInt64)
    }

    private struct State {
        var entries: [Key: Entry] = [:]
        var loads: [Key: Task<Value, any Error>] = [:]
        /// Bumped by every invalidation, so that a load begun before a change is not cached after it.
        var generation: UInt64 = 0
    }

    private let load: @Sendable (Key) async throws -> Value
    private let timeToLive: Duration
    private let capacity: Int
    private let state = Mutex(State())

    public init(timeToLive: Duration, capacity: Int = 100_000, load: @escaping @Sendable (Key) async throws -> Value) {
        self.load = load
        self.timeToLive = timeToLive
        self.capacity = capacity
    }

    public func value(for key: Key) async throws -> Value {
        let now = ContinuousClock.now
        let lookup: Lookup = state.withLock { state in
            if let entry = state.entries[key], entry.loadedAt.duration(to: now) < timeToLive {
                return .hit(entry.value)
            }
            if let pending = state.loads[key] {
                return .wait(pending, generation: state.generation)
            }
            let load = self.load
            let pending = Task { try await load(key) }
            state.loads[key] = pending
            return .wait(pending, generation: state.generation)
        }
        switch lookup {
        case .hit(let value):
            return value
        case .wait(let pending, let generation):
            do {
                let value = try await pending.value
                state.withLock { state in
                    if state.loads[key] == pending { state.loads[key] = nil }
                    guard state.generation == generation else { return }
                    if state.entries.count >= capacity { evict(&state, now: now) }
                    state.entries[key] = Entry(value: value, loadedAt: now)
                }
                return value
            } catch {
                state.withLock { state in
                    if state.loads[key] == pending { state.loads[key] = nil }
                }
                throw error
            }
        }
    }

    /// Drops what is known of the key: the next request reads it afresh.
    public func invalidate(_ key: Key) {
        state.withLock { state in
            state.entries[key] = nil
            state.loads[key] = nil
            state.generation &+= 1
        }
    }

    /// Drops everything, for a change whose reach is not worth computing.
    public func invalidateAll() {
        state.withLock { state in
            state.entries.removeAll(keepingCapacity: true)
            state.loads.removeAll()
            state.generation &+= 1
        }
    }

    private func evict(_ state: inout State, now: ContinuousClock.Instant) {
        state.entries = state.entries.filter { $0.value.loadedAt.duration(to: now) < timeToLive }
        if state.entries.count >= capacity { state.entries.removeAll(keepingCapacity: true) }
    }
}
