import Foundation
import LatchkeyCore
import LatchkeyStorage
@testable import LatchkeyServer
import SQLKit
import Testing

@Suite("Audit log retention (LATCHKEY_AUDIT_RETENTION_DAYS)")
struct AuditRetentionTests {
    @Test func entriesOlderThanTheRetentionGoOncePerInterval() async throws {
        // A database of its own even in the PostgreSQL run: every other server on a shared one
        // prunes entries older than 400 days too, this test's among them.
        var harness = Harness()
        harness.adjust = { configuration in
            configuration.databaseURL = nil
            configuration.masterKey = nil
        }
        try await harness.run { api, clock in
            let (token, _) = try await api.newSeller()
            let sellerID = try #require(try await api.send(.get, "/api/v1/sellers/me", token: token).string("id"))
            let now = clock.now
            // An entry written 500 days ago, beside today's.
            try await api.latchkey.database.transaction { db in
                try await db.insert(into: "audit_log").columns("id", "seller_id", "actor", "action", "object_type", "object_id", "at", "source_ip", "detail")
                    .values(
                        SQLBind(UUID().uuidString.lowercased()), SQLBind(sellerID), SQLBind("seller"), SQLBind("client.create"), SQLBind("client"),
                        SQLBind("old"), SQLBind(now.timeIntervalSince1970 - 500 * 86_400), SQLBind(String?.none), SQLBind(String?.none)
                    ).run()
            }
            func entries() async throws -> [AuditEntry] { try await api.latchkey.auditLog.entries(sellerID: sellerID, before: nil, limit: 100) }
            #expect(try await entries().contains { $0.objectID == "old" })
            let cutoff = now.addingTimeInterval(-400 * 86_400)
            // Other servers on a shared database prune too, each at its own clock's time: the
            // moments here are later than any of theirs, and the mark is removed at the end.
            let later = now.addingTimeInterval(86_400)
            func removeMark() async throws {
                try await api.latchkey.database.transaction { db in try await db.delete(from: "key_values").where("key", .equal, "audit.pruned_at").run() }
            }
            try await removeMark()
            let deleted = try await api.latchkey.auditLog.prune(olderThan: cutoff, at: later, interval: 0)
            #expect((deleted ?? 0) >= 1)
            let kept = try await entries()
            #expect(!kept.contains { $0.objectID == "old" } && !kept.isEmpty, "today's entries stay")
            #expect(try await api.latchkey.auditLog.prune(olderThan: cutoff, at: later.addingTimeInterval(60), interval: 3600) == nil, "one prune an hour")
            #expect(try await api.latchkey.auditLog.prune(olderThan: cutoff, at: later.addingTimeInterval(3601), interval: 3600) != nil)
            try await removeMark()
        }
    }

    @Test func theRetentionIsConfigured() throws {
        #expect(try Configuration.fromEnvironment([:]).auditRetentionDays == 400)
        #expect(try Configuration.fromEnvironment(["LATCHKEY_AUDIT_RETENTION_DAYS": "30"]).auditRetentionDays == 30)
        #expect(throws: ConfigurationError.self) { try Configuration.fromEnvironment(["LATCHKEY_AUDIT_RETENTION_DAYS": "0"]) }
    }
}
