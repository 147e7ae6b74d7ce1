import Foundation
import HummingbirdBcrypt
import LatchkeyCore
import NIOPosix
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// bcrypt over the SHA-256 of the password (so that every byte of a long password counts:
/// bcrypt alone reads 72), stored as `sha256+$2b$…`; hashes made before, bcrypt of the password
/// itself, still verify and are replaced at the next sign-in.
///
/// On a thread of its own at a low scheduling priority (nice 10: against busy event loops it
/// gets about a tenth of a processor, so a flood of sign-ins hardly slows token issuance, and
/// sign-ins still progress on a busy machine). At most `maximumWaiting` checks wait, and none
/// for longer than `maximumWait`; past either a request is refused (`ServiceBusy`, 503 with
/// `Retry-After`), so a flood grows neither memory nor latency without bound.
final class BcryptHasher: PasswordHasher {
    let cost: UInt8
    let decoyHash: String
    private let pool: NIOThreadPool
    private let waiting = Atomic<Int>(0)
    let maximumWaiting: Int

    let maximumWait: Duration

    init(cost: UInt8, threads: Int = 1, maximumWaiting: Int = 256, maximumWait: Duration = .seconds(10)) {
        self.cost = cost
        self.maximumWait = maximumWait
        self.decoyHash = Self.prefix + Bcrypt.hash(Self.prehash(GeneratedSecret.generate().value), cost: cost)
        self.maximumWaiting = maximumWaiting
        let pool = NIOThreadPool(numberOfThreads: threads)
        pool.start()
        for _ in 0..<threads {
            pool.submit { _ in Self.lowerPriority() }
        }
        self.pool = pool
    }

    static let prefix = "sha256+"

    /// The SHA-256 of the password, base64: 44 characters, within bcrypt's 72 bytes.
    static func prehash(_ password: String) -> String {
        Data(SecretDigest(of: password).bytes).base64EncodedString()
    }

    func hash(_ password: String) async throws -> String {
        let cost = self.cost
        return try await run { Self.prefix + Bcrypt.hash(Self.prehash(password), cost: cost) }
    }

    /// A hash of the old form, or of a lower cost (`$2b$10$...`: the cost is the second field).
    func needsRehash(_ hash: String) -> Bool {
        guard hash.hasPrefix(Self.prefix) else { return true }
        let fields = hash.dropFirst(Self.prefix.count).split(separator: "$")
        guard fields.count >= 3, let stored = UInt8(fields[1]) else { return true }
        return stored < cost
    }

    func verify(_ password: String, hash: String) async throws -> Bool {
        guard hash.hasPrefix(Self.prefix) else { return try await run { Bcrypt.verify(password, hash: hash) } }
        let bcrypt = String(hash.dropFirst(Self.prefix.count))
        return try await run { Bcrypt.verify(Self.prehash(password), hash: bcrypt) }
    }

    /// Whether another hash would be refused now.
    var isSaturated: Bool { waiting.load(ordering: .relaxed) >= maximumWaiting }

    private func run<T: Sendable>(_ work: @escaping @Sendable () -> T) async throws -> T {
        guard waiting.add(1, ordering: .relaxed).newValue <= maximumWaiting else {
            waiting.subtract(1, ordering: .relaxed)
            throw ServiceBusy(retryAfter: 5)
        }
        defer { waiting.subtract(1, ordering: .relaxed) }
        let queued = ContinuousClock.now
        let maximumWait = self.maximumWait
        let result: T? = try await pool.runIfActive {
            queued.duration(to: .now) > maximumWait ? nil : work()
        }
        guard let result else { throw ServiceBusy(retryAfter: 5) }
        return result
    }

    /// nice 10 for the calling thread (Linux schedules threads by their own nice value).
    private static func lowerPriority() {
        #if canImport(Glibc)
        var buffer = [CChar](repeating: 0, count: 64)
        let length = readlink("/proc/thread-self", &buffer, 63)
        guard length > 0 else { return }
        let text = String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        guard let id = text.split(separator: "/").last.flatMap({ id_t($0) }) else { return }
        _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), id, 10)
        #endif
    }
}
