import Foundation
import Synchronization

/// How long cached entries are trusted: long while change notices arrive (every change then
/// drops what it affects, on every node), short while they may not (the listening connection
/// is down), which bounds how stale a node can be. Shared by all of a node's caches.
public final class CacheLifetime: Sendable {
    public let whileFollowing: Duration
    public let whileNotFollowing: Duration
    /// Whether notices arrive now: the change feed's own state, read at each look-up.
    private let isFollowing: @Sendable () -> Bool

    public init(whileFollowing: Duration, whileNotFollowing: Duration, isFollowing: @escaping @Sendable () -> Bool) {
        self.whileFollowing = whileFollowing
        self.whileNotFollowing = whileNotFollowing
        self.isFollowing = isFollowing
    }

    /// One lifetime whatever the notices do.
    public static func fixed(_ duration: Duration) -> CacheLifetime {
        CacheLifetime(whileFollowing: duration, whileNotFollowing: duration) { true }
    }

    public var current: Duration {
        isFollowing() ? whileFollowing : whileNotFollowing
    }
}

/// A read-through cache for the protocol endpoints, so that issuing a token touches no database.
/// Change notices drop what they affect (`invalidate`); entries also expire after the shared
/// `CacheLifetime`. Concurrent misses for one key share a single load.
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
    private let lifetime: CacheLifetime
    private let capacity: Int
    private let state = Mutex(State())
    private let lookups = Atomic<UInt64>(0)
    private let missCount = Atomic<UInt64>(0)

    public init(lifetime: CacheLifetime, capacity: Int = 1_000_000, load: @escaping @Sendable (Key) async throws -> Value) {
        self.load = load
        self.lifetime = lifetime
        self.capacity = capacity
    }

    /// Look-ups answered from memory and look-ups that read the database, since start.
    public var statistics: (hits: UInt64, misses: UInt64) {
        let misses = missCount.load(ordering: .relaxed)
        return (lookups.load(ordering: .relaxed) &- misses, misses)
    }

    public func value(for key: Key) async throws -> Value {
        let now = ContinuousClock.now
        let timeToLive = lifetime.current
        lookups.add(1, ordering: .relaxed)
        let lookup: Lookup = state.withLock { state in
            if let entry = state.entries[key], entry.loadedAt.duration(to: now) < timeToLive {
                return .hit(entry.value)
            }
            if let pending = state.loads[key] {
                return .wait(pending, generation: state.generation)
            }
            let load = self.load
            missCount.add(1, ordering: .relaxed)
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
                    if state.entries.count >= capacity { evict(&state, now: now, timeToLive: timeToLive) }
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

    /// Drops the entries `affected` picks (by key and value).
    public func invalidate(where affected: (Key, Value) -> Bool) {
        state.withLock { state in
            state.entries = state.entries.filter { !affected($0.key, $0.value.value) }
            // A load under way may be of an affected entry: it finishes, but is not kept.
            state.loads.removeAll()
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

    private func evict(_ state: inout State, now: ContinuousClock.Instant, timeToLive: Duration) {
        state.entries = state.entries.filter { $0.value.loadedAt.duration(to: now) < timeToLive }
        if state.entries.count >= capacity { state.entries.removeAll(keepingCapacity: true) }
    }
}
