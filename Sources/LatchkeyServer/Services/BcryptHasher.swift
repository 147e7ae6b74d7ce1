import Foundation
import HummingbirdBcrypt
import LatchkeyCore
import NIOPosix
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// bcrypt for passwords, on threads of its own at the lowest scheduling priority: a flood of
/// sign-ins queues here and takes the processors only when the event loops that serve tokens
/// leave them idle. At most `maximumWaiting` hashes wait; more are refused at once
/// (`ServiceBusy`, 503), so a flood cannot grow memory or latency without bound either.
final class BcryptHasher: PasswordHasher {
    let cost: UInt8
    let decoyHash: String
    private let pool: NIOThreadPool
    private let waiting = Atomic<Int>(0)
    let maximumWaiting: Int

    init(cost: UInt8, threads: Int = 1, maximumWaiting: Int = 256) {
        self.cost = cost
        self.decoyHash = Bcrypt.hash(GeneratedSecret.generate().value, cost: cost)
        self.maximumWaiting = maximumWaiting
        let pool = NIOThreadPool(numberOfThreads: threads)
        pool.start()
        for _ in 0..<threads {
            pool.submit { _ in Self.lowerPriority() }
        }
        self.pool = pool
    }

    func hash(_ password: String) async throws -> String {
        let cost = self.cost
        return try await run { Bcrypt.hash(password, cost: cost) }
    }

    /// `$2b$10$...`: the cost is the third field.
    func needsRehash(_ hash: String) -> Bool {
        let fields = hash.split(separator: "$")
        guard fields.count >= 3, let stored = UInt8(fields[1]) else { return true }
        return stored < cost
    }

    func verify(_ password: String, hash: String) async throws -> Bool {
        try await run { Bcrypt.verify(password, hash: hash) }
    }

    /// Whether another hash would be refused now.
    var isSaturated: Bool { waiting.load(ordering: .relaxed) >= maximumWaiting }

    private func run<T: Sendable>(_ work: @escaping @Sendable () -> T) async throws -> T {
        guard waiting.add(1, ordering: .relaxed).newValue <= maximumWaiting else {
            waiting.subtract(1, ordering: .relaxed)
            throw ServiceBusy(retryAfter: 5)
        }
        defer { waiting.subtract(1, ordering: .relaxed) }
        return try await pool.runIfActive(work)
    }

    /// nice 19 for the calling thread (Linux schedules threads by their own nice value).
    private static func lowerPriority() {
        #if canImport(Glibc)
        var buffer = [CChar](repeating: 0, count: 64)
        let length = readlink("/proc/thread-self", &buffer, 63)
        guard length > 0 else { return }
        let text = String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        guard let id = text.split(separator: "/").last.flatMap({ id_t($0) }) else { return }
        _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), id, 19)
        #endif
    }
}
