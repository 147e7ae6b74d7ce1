import Foundation
import LatchkeyCore
import SQLKit
import Synchronization

/// Carries change notices to whatever this node keeps in memory: the notices of its own
/// transactions as soon as they commit, and those of other nodes (and of CLI commands) as the
/// database delivers them. `isFollowing` says whether other nodes' notices currently arrive;
/// while they do not, caches must not trust old entries.
public final class ChangeFeed: Sendable {
    public typealias Handler = @Sendable ([ChangeNotice]) -> Void

    /// Names this node in the notices it sends, so that it can tell its own from others'.
    public let nodeID: String
    private let handlers = Mutex<[Handler]>([])
    private let following = Atomic<Bool>(false)
    private let received = Atomic<Int>(0)

    public init(nodeID: String = UUID().uuidString.lowercased()) {
        self.nodeID = nodeID
    }

    /// Calls `handler` with every batch of notices, on whichever task delivers them.
    public func subscribe(_ handler: @escaping Handler) {
        handlers.withLock { $0.append(handler) }
    }

    public var isFollowing: Bool { following.load(ordering: .relaxed) }

    /// How many notices of other nodes this node has received.
    public var noticesReceived: Int { received.load(ordering: .relaxed) }

    func publish(_ notices: [ChangeNotice]) {
        guard !notices.isEmpty else { return }
        for handler in handlers.withLock({ $0 }) { handler(notices) }
    }

    /// A notice as it travels: `node|notice`. Own notices were applied at commit already.
    func receive(_ payload: some StringProtocol) {
        guard let separator = payload.firstIndex(of: "|") else { return }
        guard payload[..<separator] != nodeID else { return }
        guard let notice = ChangeNotice(text: payload[payload.index(after: separator)...]) else { return }
        received.add(1, ordering: .relaxed)
        publish([notice])
    }

    func payload(of notice: ChangeNotice) -> String {
        "\(nodeID)|\(notice.text)"
    }

    /// Following started (everything held may be stale: dropped) or stopped.
    func setFollowing(_ value: Bool) {
        guard following.exchange(value, ordering: .relaxed) != value else { return }
        if value { publish([.everything]) }
    }
}

/// The notices of the transaction under way, sent at COMMIT to this node's own feed.
final class PendingNotices: Sendable {
    @TaskLocal static var current: PendingNotices?

    let feed: ChangeFeed
    private let notices = Mutex<[ChangeNotice]>([])

    init(feed: ChangeFeed) {
        self.feed = feed
    }

    func append(_ notice: ChangeNotice) {
        notices.withLock { $0.append(notice) }
    }

    var all: [ChangeNotice] { notices.withLock { $0 } }
}

/// The channel of PostgreSQL's NOTIFY, and the table that carries notices on SQLite.
let changeChannel = "latchkey_changes"

extension SQLDatabase {
    /// Announces a change inside the writing transaction: other nodes hear of it only if it
    /// commits, and this node applies it right after its COMMIT.
    func notify(_ notice: ChangeNotice) async throws {
        guard let pending = PendingNotices.current else {
            preconditionFailure("notify(_:) is called inside DatabaseProvider.transaction")
        }
        pending.append(notice)
        let payload = pending.feed.payload(of: notice)
        if dialect.name == "postgresql" {
            try await raw("SELECT pg_notify(\(bind: changeChannel), \(bind: payload))").run()
        } else {
            try await insert(into: "change_notices").columns("payload", "created_at")
                .values(SQLBind(payload), SQLBind(Date().timeIntervalSince1970)).run()
        }
    }
}
