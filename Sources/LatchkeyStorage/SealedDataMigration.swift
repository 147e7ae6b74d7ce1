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
            logger.debug("applied migration", metadata: ["version": "\(version)", "name": "\(name)", "resealed": "\(resealed)"])
        }
    }

    /// The tables and columns that hold data sealed under the master key's purpose keys.
    static let sealedColumns: [(table: String, key: String, column: String)] = [
        ("client_secrets", "id", "sealed_value"), ("seller_webhooks", "seller_id", "sealed_secret"), ("signing_keys", "kid", "sealed_private_key"),
        ("identity_providers", "id", "sealed_client_secret"),
    ]

    /// Whether the database holds anything sealed under a master key: then a missing key must be
    /// restored, never replaced.
    public static func holdsSealedData(_ provider: any DatabaseProvider) async throws -> Bool {
        try await provider.read { db in
            // A backup of an earlier release may lack a table: it holds nothing there.
            for sealed in sealedColumns {
                let row = try? await db.select().column(SQLIdentifier(sealed.key)).from(sealed.table).limit(1).first()
                if row != nil { return true }
            }
            return false
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

/// Seals everything sealed under one master key's purpose keys again under another's, in one
/// transaction (`latchkey master-key rotate`): after it commits, the old key opens nothing.
public enum MasterKeyRotation {
    public struct Unopenable: Error, CustomStringConvertible {
        public let table: String
        public let row: String
        public var description: String {
            "\(table) row \(row) does not open under the current master key; nothing was changed"
        }
    }

    /// Returns how many values were sealed again. Nothing changes when any value does not open
    /// under `old`.
    public static func reseal(_ provider: any DatabaseProvider, from old: SealingKeys, to new: SealingKeys) async throws -> Int {
        let sealers: [String: (old: SecretSealer, new: SecretSealer)] = [
            "client_secrets": (old.clientSecrets, new.clientSecrets),
            "seller_webhooks": (old.webhookSecrets, new.webhookSecrets),
            "signing_keys": (old.signingKeys, new.signingKeys),
            "identity_providers": (old.identityProviderSecrets, new.identityProviderSecrets),
        ]
        return try await provider.transaction { db in
            try await Migrations.lockAgainstOtherNodes(db, engine: provider.engine)
            var count = 0
            for sealed in SealedDataMigration.sealedColumns {
                let (from, to) = sealers[sealed.table]!
                let rows = try await db.select().column(SQLIdentifier(sealed.key)).column(SQLIdentifier(sealed.column)).from(sealed.table).all()
                for row in rows {
                    let id = try row.decode(column: sealed.key, as: String.self)
                    let value = try row.decode(column: sealed.column, as: String.self)
                    guard let plain = try? from.open(value) else { throw Unopenable(table: sealed.table, row: id) }
                    try await db.update(sealed.table).set(SQLIdentifier(sealed.column), to: SQLBind(try to.seal(plain)))
                        .where(SQLIdentifier(sealed.key), .equal, SQLBind(id)).run()
                    count += 1
                }
            }
            return count
        }
    }
}
