import Foundation
import LatchkeyCore
import SQLKit

public struct SQLRevocationStore: RevocationStore {
    let provider: any DatabaseProvider

    public init(provider: any DatabaseProvider) {
        self.provider = provider
    }

    struct Row: Codable, Sendable {
        var id: String
        var createdAt: Double
        var tokenId: String?
        var clientId: String?
        var tenantId: String?
        var subject: String?
        var secretId: String?
        var issuedBefore: Double
        var seq: Int64?
    }

    public func revocations(after sequence: Int64, limit: Int) async throws -> [Revocation] {
        try await provider.read { db in
            try await db.select().column("*").from("revocations").where("seq", .greaterThan, sequence)
                .orderBy("seq").limit(limit).all(decoding: Row.self, with: rowDecoder)
        }.map {
            var rule = Revocation(
                id: $0.id, createdAt: Date(unixSeconds: $0.createdAt), tokenID: $0.tokenId, clientID: $0.clientId, tenantID: $0.tenantId,
                subject: $0.subject, secretID: $0.secretId, issuedBefore: Date(unixSeconds: $0.issuedBefore)
            )
            rule.sequence = $0.seq
            return rule
        }
    }
}

extension SQLDatabase {
    /// Publishes a revocation rule inside the writing transaction, and wakes the feed's readers.
    /// Its sequence is the last one plus one, taken under a lock held to the commit (SQLite's
    /// writer lock; on PostgreSQL a transaction-scoped advisory lock), so rules become visible
    /// in sequence order and a reader's cursor never passes one that commits later.
    func publish(_ revocation: Revocation) async throws {
        if dialect.name == "postgresql" {
            try await raw("SELECT pg_advisory_xact_lock(7215004)").run()
        }
        let last = try await raw("SELECT MAX(seq) AS last FROM revocations").first()?.decode(column: "last", as: Int64?.self) ?? nil
        let row = SQLRevocationStore.Row(
            id: revocation.id, createdAt: revocation.createdAt.unixSeconds, tokenId: revocation.tokenID, clientId: revocation.clientID,
            tenantId: revocation.tenantID, subject: revocation.subject, secretId: revocation.secretID, issuedBefore: revocation.issuedBefore.unixSeconds,
            seq: (last ?? 0) + 1
        )
        try await insert(into: "revocations").model(row, with: rowEncoder).run()
        try await notify(.revocation)
    }

    /// The Client ID an app uses, if any: what its tokens name in `client_id`.
    func clientID(ofApp appID: String) async throws -> String? {
        try await select().column("client_id").from("apps").where("id", .equal, appID).first()?.decode(column: "client_id", as: String?.self) ?? nil
    }
}
