import Foundation
import LatchkeyCore
@testable import LatchkeyServer
@testable import LatchkeyStorage
import Logging
import SQLKit
import Testing

/// docs/security.md: the master key only derives purpose keys; what earlier versions sealed under
/// the master key itself is sealed again at start-up.
@Suite("Purpose keys derived from the master key")
struct SealingKeyTests {
    @Test func dataSealedUnderTheMasterKeyIsSealedAgainUnderItsPurposeKey() async throws {
        try await Harness().run { api, _ in
            let latchkey = api.latchkey
            let master = try await MasterKey.resolve(latchkey.configuration) { true }
            let raw = try SecretSealer(masterKey: master)
            let (seller, _) = try await api.newSeller()
            let (clientID, secret, reply) = try await api.newClient(token: seller)
            let secretID = try #require((reply["secret"] as? [String: Any])?["id"] as? String)
            let webhook = try await api.send(.put, "/api/v1/sellers/me/webhook", token: seller, json: ["url": "https://ops.contoso.example/notices"])
            let webhookSecret = try #require(webhook.string("secret"))
            let sellerID = try #require(try await api.send(.get, "/api/v1/sellers/me", token: seller).string("id"))

            // What a database written before purpose keys holds: the same values under the master key.
            try await latchkey.database.transaction { db in
                try await db.update("client_secrets").set("sealed_value", to: SQLBind(try raw.seal(Data(secret.utf8)))).where("id", .equal, secretID).run()
                try await db.update("seller_webhooks").set("sealed_secret", to: SQLBind(try raw.seal(Data(webhookSecret.utf8)))).where("seller_id", .equal, sellerID).run()
                try await db.delete(from: "latchkey_migrations").where("version", .equal, SealedDataMigration.version).run()
            }
            // Still readable before the migration (a node of the earlier version may have written it).
            let id = try #require(ClientID(clientID))
            let stored = try #require(try await latchkey.clients.client(id)?.secrets.first { $0.id == secretID })
            #expect(latchkey.keys.clientSecrets.signingKey(of: stored) == Data(base64Encoded: secret))

            try await SealedDataMigration.run(latchkey.database, keys: latchkey.keys, logger: Logger(label: "test"))
            let purposeOnly = [
                "client secrets v1": raw.derived(for: "client secrets v1"), "webhook secrets v1": raw.derived(for: "webhook secrets v1"),
            ]
            let rows = try await latchkey.database.read { db in
                (
                    try await db.select().column("sealed_value").from("client_secrets").where("id", .equal, secretID).first()?.decode(column: "sealed_value", as: String.self),
                    try await db.select().column("sealed_secret").from("seller_webhooks").where("seller_id", .equal, sellerID).first()?.decode(column: "sealed_secret", as: String.self)
                )
            }
            let sealedSecret = try #require(rows.0)
            let sealedWebhook = try #require(rows.1)
            #expect(try purposeOnly["client secrets v1"]!.open(sealedSecret) == Data(secret.utf8))
            #expect(try purposeOnly["webhook secrets v1"]!.open(sealedWebhook) == Data(webhookSecret.utf8))
            #expect((try? raw.open(sealedSecret)) == nil && (try? raw.open(sealedWebhook)) == nil, "the master key itself opens nothing")
            #expect((try? purposeOnly["webhook secrets v1"]!.open(sealedSecret)) == nil, "one purpose's key opens no other's data")
            // Token-signing keys too.
            let signing = try await latchkey.database.read { db in
                try await db.select().column("sealed_private_key").from("signing_keys").all().map { try $0.decode(column: "sealed_private_key", as: String.self) }
            }
            #expect(!signing.isEmpty && signing.allSatisfy { (try? raw.derived(for: "token signing keys v1").open($0)) != nil })
        }
    }
}
