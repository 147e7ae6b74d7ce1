import Foundation
import LatchkeyCore
import SQLKit

public struct SQLClientStore: ClientStore {
    let provider: any DatabaseProvider

    public init(provider: any DatabaseProvider) {
        self.provider = provider
    }

    public func insert(_ client: OAuthClient, audit: AuditEntry) async throws {
        do {
            try await provider.transaction { db in
                try await db.insert(ClientRow(client), into: "clients")
                for secret in client.secrets {
                    try await db.insert(SecretRow(secret, clientID: client.id), into: "client_secrets")
                }
                try await db.notify(.client(client.id))
                try await db.record(audit)
            }
        } catch where isUniqueViolation(error) {
            throw DomainError.conflict(field: "clientId", code: "id_taken", message: "That Client ID exists already; try again.")
        }
    }

    public func clients(ownedBy sellerID: String) async throws -> [OAuthClient] {
        try await provider.read { db in
            let rows = try await db.select().column("*").from("clients").where("seller_id", .equal, sellerID)
                .orderBy("created_at").orderBy("id").all(decoding: ClientRow.self, with: rowDecoder)
            guard !rows.isEmpty else { return [] }
            let secrets = try await db.select().column("*").from("client_secrets")
                .where("client_id", .in, rows.map(\.id)).orderBy("created_at").orderBy("id")
                .all(decoding: SecretRow.self, with: rowDecoder)
            let byClient = Dictionary(grouping: secrets, by: \.clientId)
            return try rows.map { try $0.client(secrets: byClient[$0.id] ?? []) }
        }
    }

    public func client(_ id: ClientID) async throws -> OAuthClient? {
        try await provider.read { db in try await Self.load(id, on: db, lock: false) }
    }

    static func load(_ id: ClientID, on db: any SQLDatabase, lock: Bool) async throws -> OAuthClient? {
        var query = db.select().column("*").from("clients").where("id", .equal, id.rawValue)
        if lock { query = query.for(.update) }
        guard let row = try await query.first(decoding: ClientRow.self, with: rowDecoder) else { return nil }
        let secrets = try await db.select().column("*").from("client_secrets").where("client_id", .equal, id.rawValue)
            .orderBy("created_at").orderBy("id").all(decoding: SecretRow.self, with: rowDecoder)
        return try row.client(secrets: secrets)
    }

    public func modify<Result: Sendable>(
        _ id: ClientID, ownedBy sellerID: String,
        _ change: @Sendable (inout OAuthClient) throws -> (Result, Effects)
    ) async throws -> Result {
        try await provider.transaction { db in
            // FOR UPDATE serialises concurrent changes on PostgreSQL; SQLite's BEGIN IMMEDIATE already does.
            guard let before = try await Self.load(id, on: db, lock: provider.engine == .postgres), before.sellerID == sellerID else {
                throw DomainError.notFound("client")
            }
            var after = before
            let (result, effects) = try change(&after)
            try await Self.save(after, replacing: before, on: db)
            try await db.notify(.client(id))
            try await db.write(effects)
            return result
        }
    }

    /// Writes the difference between two states of one client.
    static func save(_ after: OAuthClient, replacing before: OAuthClient, on db: any SQLDatabase) async throws {
        let beforeIDs = Set(before.secrets.map(\.id))
        let afterIDs = Set(after.secrets.map(\.id))
        for removed in beforeIDs.subtracting(afterIDs) {
            try await db.delete(from: "client_secrets").where("id", .equal, removed).run()
        }
        for secret in after.secrets where !beforeIDs.contains(secret.id) {
            try await db.insert(SecretRow(secret, clientID: after.id), into: "client_secrets")
        }
        let row = ClientRow(after)
        try await db.update("clients")
            .set("friendly_name", to: row.friendlyName)
            .set("app_domain", to: row.appDomain)
            .set("redirect_url", to: row.redirectUrl)
            .set("signing_secret_id", to: row.signingSecretId)
            .set("id_token_signed_response_alg", to: row.idTokenSignedResponseAlg)
            .set("public_client", to: row.publicClient)
            .set("pkce_optional", to: row.pkceOptional)
            .set("resource_server", to: row.resourceServer)
            .set("post_logout_redirect_uris", to: row.postLogoutRedirectUris)
            .set("backchannel_logout_uri", to: row.backchannelLogoutUri)
            .where("id", .equal, row.id)
            .run()
    }

    public func delete(_ id: ClientID, ownedBy sellerID: String, effects: Effects) async throws -> Bool {
        try await provider.transaction { db in
            guard let row = try await db.select().column("seller_id").from("clients").where("id", .equal, id.rawValue).first(),
                try row.decode(column: "seller_id", as: String.self) == sellerID
            else { return false }
            // Explicit rather than trusting ON DELETE actions, which SQLite skips when foreign keys are off.
            try await db.update("apps").set("client_id", to: SQLLiteral.null).where("client_id", .equal, id.rawValue).run()
            try await db.delete(from: "client_secrets").where("client_id", .equal, id.rawValue).run()
            try await db.delete(from: "authorization_codes").where("client_id", .equal, id.rawValue).run()
            try await db.delete(from: "clients").where("id", .equal, id.rawValue).run()
            try await db.notify(.client(id))
            try await db.write(effects)
            return true
        }
    }

    public func recordSecretUse(_ uses: [String: Date]) async throws {
        guard !uses.isEmpty else { return }
        try await provider.transaction { db in
            for (secretID, moment) in uses {
                try await db.update("client_secrets")
                    .set("last_used_at", to: moment.unixSeconds)
                    .where("id", .equal, secretID)
                    .where { $0.where("last_used_at", .is, SQLLiteral.null).orWhere("last_used_at", .lessThan, moment.unixSeconds) }
                    .run()
            }
        }
    }
}
