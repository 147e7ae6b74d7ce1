import Foundation
import LatchkeyCore
import SQLKit

struct CodeRow: Sendable {
    var digest: String
    var clientId: String
    var appId: String
    var userId: String
    var tenantId: String
    var redirectUri: String?
    var scopes: String
    var nonce: String?
    var codeChallenge: String?
    var authTime: Double
    var idp: String?
    var amr: String
    var sid: String?
    var expiresAt: Double
    var usedAt: Double?
    var familyId: String?
    var accessTokenId: String?
    var accessTokenExpiresAt: Double?

    init(_ code: AuthorizationCode) {
        digest = code.digest.hex
        clientId = code.clientID.rawValue
        appId = code.appID
        userId = code.userID
        tenantId = code.tenantID
        redirectUri = code.redirectURI
        scopes = code.scopes.joined(separator: " ")
        nonce = code.nonce
        codeChallenge = code.codeChallenge
        authTime = code.authTime.unixSeconds
        idp = code.authentication.identityProvider
        amr = code.authentication.methods.joined(separator: " ")
        sid = code.authentication.sessionID
        expiresAt = code.expiresAt.unixSeconds
    }

    /// Column by column: a decoder working through Codable's keys takes several times as long.
    init(row: any SQLRow) throws {
        digest = try row.decode(column: "digest")
        clientId = try row.decode(column: "client_id")
        appId = try row.decode(column: "app_id")
        userId = try row.decode(column: "user_id")
        tenantId = try row.decode(column: "tenant_id")
        redirectUri = try row.decode(column: "redirect_uri")
        scopes = try row.decode(column: "scopes")
        nonce = try row.decode(column: "nonce")
        codeChallenge = try row.decode(column: "code_challenge")
        authTime = try row.decode(column: "auth_time")
        idp = try row.decode(column: "idp")
        amr = try row.decode(column: "amr")
        sid = try row.decode(column: "sid")
        expiresAt = try row.decode(column: "expires_at")
        usedAt = try row.decode(column: "used_at")
        familyId = try row.decode(column: "family_id")
        accessTokenId = try row.decode(column: "access_token_id")
        accessTokenExpiresAt = try row.decode(column: "access_token_expires_at")
    }

    func code() throws -> AuthorizationCode {
        guard let digest = SecretDigest(hex: digest), let client = ClientID(clientId) else {
            throw StorageError.corruptRow(table: "authorization_codes", id: clientId)
        }
        return AuthorizationCode(
            digest: digest, clientID: client, appID: appId, userID: userId, tenantID: tenantId, redirectURI: redirectUri,
            scopes: scopes.split(separator: " ").map(String.init), nonce: nonce, codeChallenge: codeChallenge,
            authTime: Date(unixSeconds: authTime), authentication: Authentication(stored: idp, amr, sid), expiresAt: Date(unixSeconds: expiresAt)
        )
    }
}

struct RefreshRow: Sendable {
    var id: String
    var digest: String
    var familyId: String
    var clientId: String
    var appId: String
    var userId: String
    var tenantId: String
    var scopes: String
    var authTime: Double
    var idp: String?
    var amr: String
    var sid: String?
    var createdAt: Double
    var expiresAt: Double
    var rotatedAt: Double?
    var revokedAt: Double?

    init(_ grant: RefreshGrant) {
        id = grant.id
        digest = grant.digest.hex
        familyId = grant.familyID
        clientId = grant.clientID.rawValue
        appId = grant.appID
        userId = grant.userID
        tenantId = grant.tenantID
        scopes = grant.scopes.joined(separator: " ")
        authTime = grant.authTime.unixSeconds
        idp = grant.authentication.identityProvider
        amr = grant.authentication.methods.joined(separator: " ")
        sid = grant.authentication.sessionID
        createdAt = grant.createdAt.unixSeconds
        expiresAt = grant.expiresAt.unixSeconds
    }

    init(row: any SQLRow) throws {
        id = try row.decode(column: "id")
        digest = try row.decode(column: "digest")
        familyId = try row.decode(column: "family_id")
        clientId = try row.decode(column: "client_id")
        appId = try row.decode(column: "app_id")
        userId = try row.decode(column: "user_id")
        tenantId = try row.decode(column: "tenant_id")
        scopes = try row.decode(column: "scopes")
        authTime = try row.decode(column: "auth_time")
        idp = try row.decode(column: "idp")
        amr = try row.decode(column: "amr")
        sid = try row.decode(column: "sid")
        createdAt = try row.decode(column: "created_at")
        expiresAt = try row.decode(column: "expires_at")
        rotatedAt = try row.decode(column: "rotated_at")
        revokedAt = try row.decode(column: "revoked_at")
    }

    func grant() throws -> RefreshGrant {
        guard let digest = SecretDigest(hex: digest), let client = ClientID(clientId) else {
            throw StorageError.corruptRow(table: "refresh_tokens", id: id)
        }
        return RefreshGrant(
            id: id, digest: digest, familyID: familyId, clientID: client, appID: appId, userID: userId, tenantID: tenantId,
            scopes: scopes.split(separator: " ").map(String.init), authTime: Date(unixSeconds: authTime),
            authentication: Authentication(stored: idp, amr, sid), createdAt: Date(unixSeconds: createdAt), expiresAt: Date(unixSeconds: expiresAt)
        )
    }
}

extension Authentication {
    /// As the grant tables keep it; rows written before the columns existed were passwords.
    init(stored idp: String?, _ amr: String, _ sid: String?) {
        let methods = amr.split(separator: " ").map(String.init)
        self = (idp == nil && methods.isEmpty ? .password : Authentication(identityProvider: idp, methods: methods)).inSession(sid)
    }
}

public struct SQLGrantStore: GrantStore {
    let provider: any DatabaseProvider

    public init(provider: any DatabaseProvider) {
        self.provider = provider
    }

    public func insert(_ code: AuthorizationCode, audit: AuditEntry) async throws {
        let row = CodeRow(code)
        try await provider.transaction { db in
            try await Self.insertCode.run(
                on: db, row.digest, row.clientId, row.appId, row.userId, row.tenantId, row.redirectUri, row.scopes, row.nonce,
                row.codeChallenge, row.authTime, row.idp, row.amr, row.sid, row.expiresAt
            )
            try await db.record(audit)
        }
    }

    private static let insertCode = FixedStatement.insert(
        into: "authorization_codes",
        columns: ["digest", "client_id", "app_id", "user_id", "tenant_id", "redirect_uri", "scopes", "nonce", "code_challenge", "auth_time", "idp", "amr", "sid", "expires_at"]
    )

    /// A refresh token's row, columns named (it is written with every grant).
    static func insertRefresh(_ grant: RefreshGrant, on db: any SQLDatabase) async throws {
        let row = RefreshRow(grant)
        try await insertRefreshRow.run(
            on: db, row.id, row.digest, row.familyId, row.clientId, row.appId, row.userId, row.tenantId, row.scopes, row.authTime,
            row.idp, row.amr, row.sid, row.createdAt, row.expiresAt
        )
    }

    private static let insertRefreshRow = FixedStatement.insert(
        into: "refresh_tokens",
        columns: ["id", "digest", "family_id", "client_id", "app_id", "user_id", "tenant_id", "scopes", "auth_time", "idp", "amr", "sid", "created_at", "expires_at"]
    )

    public func code(_ digest: SecretDigest) async throws -> (code: AuthorizationCode, used: Bool)? {
        try await provider.read { db in
            try await Self.selectCode.all(on: db, digest.hex).first.map(CodeRow.init(row:))
        }.map { (try $0.code(), $0.usedAt != nil) }
    }

    private static let selectCode = FixedStatement(placeholders: 1) { db, binds in
        db.select().column("*").from("authorization_codes").where("digest", .equal, binds[0]).limit(1).select
    }

    /// Marks a code used and records what it issued, only if nobody did first.
    private static let markCodeUsed = FixedStatement(placeholders: 5) { db, binds in
        db.update("authorization_codes")
            .set("used_at", to: binds[0]).set("family_id", to: binds[1]).set("access_token_id", to: binds[2])
            .set("access_token_expires_at", to: binds[3])
            .where("digest", .equal, binds[4]).where("used_at", .is, SQLLiteral.null)
            .returning("digest").query
    }

    public func redeem(
        _ digest: SecretDigest, issuing refreshToken: RefreshGrant?, accessTokenID: String, accessTokenExpiresAt: Date, at now: Date
    ) async throws -> Bool {
        try await provider.transaction { db in
            let marked = try await Self.markCodeUsed.all(
                on: db, now.unixSeconds, refreshToken?.familyID, accessTokenID, accessTokenExpiresAt.unixSeconds, digest.hex
            )
            guard !marked.isEmpty else { return false }
            if let refreshToken { try await Self.insertRefresh(refreshToken, on: db) }
            return true
        }
    }

    public func revokeIssued(byCode digest: SecretDigest, effects: Effects) async throws {
        let now = effects.at
        try await provider.transaction { db in
            guard let row = try await db.select().column("*").from("authorization_codes").where("digest", .equal, digest.hex)
                .first().map(CodeRow.init(row:))
            else { return }
            if let family = row.familyId {
                try await Self.revokeRefreshTokens(at: now, on: db) { $0.where("family_id", .equal, family) }
            }
            if let tokenID = row.accessTokenId, let expiry = row.accessTokenExpiresAt {
                try await Self.revokeAccessToken(tokenID, expiresAt: expiry, at: now, on: db)
            }
            try await db.write(effects)
        }
    }

    public func refreshGrant(_ digest: SecretDigest, at now: Date) async throws -> RefreshGrant? {
        try await provider.read { db in
            try await db.select().column("*").from("refresh_tokens").where("digest", .equal, digest.hex)
                .where("rotated_at", .is, SQLLiteral.null).where("revoked_at", .is, SQLLiteral.null)
                .where("expires_at", .greaterThan, now.unixSeconds).first().map(RefreshRow.init(row:))
        }.map { try $0.grant() }
    }

    public func rotateRefreshToken<Issued: Sendable>(
        _ digest: SecretDigest, clientID: ClientID, at now: Date, replayed: @Sendable (RefreshGrant) -> Effects,
        issuing issue: @Sendable (RefreshGrant) throws -> (Issued, RefreshGrant?)
    ) async throws -> Redemption<Issued> {
        try await provider.transaction { db in
            var query = db.select().column("*").from("refresh_tokens").where("digest", .equal, digest.hex)
                .where("client_id", .equal, clientID.rawValue)
            if provider.engine == .postgres { query = query.for(.update) }
            guard let row = try await query.first().map(RefreshRow.init(row:)), row.revokedAt == nil else { return .invalid }
            if row.rotatedAt != nil {
                // RFC 9700 §4.14.2: a rotated refresh token presented again means it leaked.
                let effects = replayed(try row.grant())
                try await Self.revokeRefreshTokens(at: effects.at, on: db) { $0.where("family_id", .equal, row.familyId) }
                try await db.write(effects)
                return .replayed
            }
            guard row.expiresAt > now.unixSeconds else { return .invalid }
            let (issued, successor) = try issue(try row.grant())
            try await db.update("refresh_tokens").set("rotated_at", to: now.unixSeconds).where("id", .equal, row.id).run()
            if let successor { try await Self.insertRefresh(successor, on: db) }
            return .redeemed(issued)
        }
    }

    public func revokeRefreshToken(_ digest: SecretDigest, clientID: ClientID, effects: @Sendable (RefreshGrant) -> Effects) async throws -> Bool {
        try await provider.transaction { db in
            guard let row = try await db.select().column("*").from("refresh_tokens").where("digest", .equal, digest.hex)
                .where("client_id", .equal, clientID.rawValue).first().map(RefreshRow.init(row:))
            else { return false }
            let effects = effects(try row.grant())
            try await Self.revokeRefreshTokens(at: effects.at, on: db) { $0.where("family_id", .equal, row.familyId) }
            try await db.write(effects)
            return true
        }
    }

    public func revokeAccessToken(id: String, expiresAt: Date, at now: Date, audit: AuditEntry?) async throws {
        try await provider.transaction { db in
            // A token revoked before is not revoked again: no second rule, no second entry.
            guard try await Self.revokeAccessToken(id, expiresAt: expiresAt.unixSeconds, at: now, on: db) else { return }
            if let audit { try await db.record(audit) }
        }
    }

    @discardableResult
    public func revokeACSRefreshToken(id: String, expiresAt: Date, at now: Date, audit: AuditEntry?) async throws -> Bool {
        try await provider.transaction { db in
            guard try await Self.revokeAccessToken(id, expiresAt: expiresAt.unixSeconds, at: now, publishing: false, on: db) else { return false }
            if let audit { try await db.record(audit) }
            return true
        }
    }

    public func isAccessTokenRevoked(id: String) async throws -> Bool {
        try await provider.read { db in
            try await db.select().column("id").from("revoked_access_tokens").where("id", .equal, id).first() != nil
        }
    }

    public func prune(before now: Date) async throws {
        try await provider.transaction { db in
            try await db.delete(from: "authorization_codes").where("expires_at", .lessThan, now.unixSeconds - 3600).run()
            try await db.delete(from: "refresh_tokens").where("expires_at", .lessThan, now.unixSeconds).run()
            try await db.delete(from: "revoked_access_tokens").where("expires_at", .lessThan, now.unixSeconds).run()
            // The newest rule stays, so that sequences never start again below a follower's cursor.
            try await db.raw(
                "DELETE FROM revocations WHERE created_at < \(bind: now.unixSeconds - Revocation.retention - 300) AND seq < (SELECT MAX(seq) FROM revocations)"
            ).run()
        }
    }

    /// Returns false when the token was revoked already (nothing is written then). Without
    /// `publishing`, no feed rule: for what only Latchkey reads (ACS refresh tokens).
    @discardableResult
    static func revokeAccessToken(_ id: String, expiresAt: Double, at now: Date, publishing: Bool = true, on db: any SQLDatabase) async throws -> Bool {
        guard try await db.select().column("id").from("revoked_access_tokens").where("id", .equal, id).first() == nil else { return false }
        try await db.insert(into: "revoked_access_tokens").columns("id", "expires_at")
            .values(SQLBind(id), SQLBind(expiresAt)).ignoringConflicts().run()
        try await db.notify(.accessTokenRevoked(id: id))
        if publishing {
            try await db.publish(Revocation(createdAt: now, tokenID: id, issuedBefore: Date(unixSeconds: expiresAt)))
        }
        return true
    }

    /// Marks the matching live refresh tokens revoked, inside the caller's transaction.
    static func revokeRefreshTokens(at now: Date, on db: any SQLDatabase, _ filter: (SQLUpdateBuilder) -> SQLUpdateBuilder) async throws {
        let update = db.update("refresh_tokens").set("revoked_at", to: now.unixSeconds).where("revoked_at", .is, SQLLiteral.null)
        try await filter(update).run()
    }
}
