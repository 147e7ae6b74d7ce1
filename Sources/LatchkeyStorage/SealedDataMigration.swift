import Foundation
import LatchkeyCore
import Logging
import SQLKit

/// Seals again, under their purpose keys (`SealingKeys`), the client secrets, webhook secrets
/// and token-signing keys that were sealed under the master key itself before purpose keys.
/// Runs once per cluster at start-up, after the schema migrations, recorded like them; a row
/// already under its purpose key is left as it is.
public enum SealedDataMigration {
    static let version = 1000
    static let name = "reseal_under_purpose_keys"

    public static func run(_ provider: any DatabaseProvider, keys: SealingKeys, logger: Logger) async throws {
        let resealed = try await provider.transaction { db -> Int? in
            try await Migrations.lockAgainstOtherNodes(db, engine: provider.engine)
            let done = try await db.select().column("version").from("latchkey_migrations").where("version", .equal, version).first()
            guard done == nil else { return nil }
            var count = 0
            count += try await reseal(db, table: "client_secrets", key: "id", column: "sealed_value", with: keys.clientSecrets)
            count += try await reseal(db, table: "seller_webhooks", key: "seller_id", column: "sealed_secret", with: keys.webhookSecrets)
            count += try await reseal(db, table: "signing_keys", key: "kid", column: "sealed_private_key", with: keys.signingKeys)
            try await db.insert(into: "latchkey_migrations").columns("version", "name", "applied_at")
                .values(SQLBind(version), SQLBind(name), SQLBind(Date().timeIntervalSince1970)).run()
            return count
        }
        if let resealed {
            logger.info("applied migration", metadata: ["version": "\(version)", "name": "\(name)", "resealed": "\(resealed)"])
        }
    }

    private static func reseal(_ db: any SQLDatabase, table: String, key: String, column: String, with sealer: SecretSealer) async throws -> Int {
        let rows = try await db.select().column(SQLIdentifier(key)).column(SQLIdentifier(column)).from(table).all()
        var count = 0
        for row in rows {
            let id = try row.decode(column: key, as: String.self)
            // A row that opens under neither key belongs to another master key: start-up names that.
            guard let sealed = try? row.decode(column: column, as: String.self), let again = try? sealer.resealed(sealed) else { continue }
            try await db.update(table).set(SQLIdentifier(column), to: SQLBind(again)).where(SQLIdentifier(key), .equal, SQLBind(id)).run()
            count += 1
        }
        return count
    }
}
