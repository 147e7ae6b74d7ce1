import Foundation
import LatchkeyCore
import SQLKit

struct IdentityProviderRow: Codable, Sendable {
    var id: String
    var tenantId: String
    var issuer: String
    var clientId: String
    var sealedClientSecret: String
    var scopes: String
    var claims: String
    var allowLinking: Int
    var createdAt: Double

    init(_ provider: IdentityProvider, sealedSecret: String) throws {
        id = provider.id
        tenantId = provider.tenantID
        issuer = provider.issuer
        clientId = provider.clientID
        sealedClientSecret = sealedSecret
        scopes = provider.scopes.joined(separator: " ")
        claims = String(decoding: try JSONEncoder().encode(provider.claims), as: UTF8.self)
        allowLinking = provider.allowLinking ? 1 : 0
        createdAt = provider.createdAt.unixSeconds
    }

    var provider: IdentityProvider {
        IdentityProvider(
            id: id, tenantID: tenantId, issuer: issuer, clientID: clientId, scopes: scopes.split(separator: " ").map(String.init),
            claims: (try? JSONDecoder().decode(ClaimMapping.self, from: Data(claims.utf8))) ?? .standard, allowLinking: allowLinking != 0,
            createdAt: Date(unixSeconds: createdAt)
        )
    }
}

struct TenantDomainRow: Codable, Sendable {
    var domain: String
    var tenantId: String
    var verifiedAt: Double

    var record: TenantDomain { TenantDomain(domain: domain, tenantID: tenantId, verifiedAt: Date(unixSeconds: verifiedAt)) }
}

/// Identity providers, claimed domains, and the link from a provider's subject to a user.
public struct SQLFederationStore: FederationStore {
    let provider: any DatabaseProvider

    public init(provider: any DatabaseProvider) {
        self.provider = provider
    }

    public func insert(_ identityProvider: IdentityProvider, sealedSecret: String, audit: AuditEntry) async throws {
        let row = try IdentityProviderRow(identityProvider, sealedSecret: sealedSecret)
        try await provider.transaction { db in
            try await db.insert(row, into: "identity_providers")
            try await db.record(audit)
        }
    }

    public func providers(in tenantID: String) async throws -> [IdentityProvider] {
        try await provider.read { db in
            try await db.select().column("*").from("identity_providers").where("tenant_id", .equal, tenantID).orderBy("created_at").orderBy("id")
                .all(decoding: IdentityProviderRow.self, with: rowDecoder)
        }.map(\.provider)
    }

    public func provider(_ id: String) async throws -> (provider: IdentityProvider, sealedSecret: String)? {
        try await provider.read { db in
            try await db.select().column("*").from("identity_providers").where("id", .equal, id).first(decoding: IdentityProviderRow.self, with: rowDecoder)
        }.map { ($0.provider, $0.sealedClientSecret) }
    }

    public func update(_ identityProvider: IdentityProvider, sealedSecret: String?, audit: AuditEntry) async throws {
        let row = try IdentityProviderRow(identityProvider, sealedSecret: sealedSecret ?? "")
        try await provider.transaction { db in
            var update = db.update("identity_providers")
                .set("issuer", to: row.issuer).set("client_id", to: row.clientId).set("scopes", to: row.scopes).set("claims", to: row.claims)
                .set("allow_linking", to: row.allowLinking)
            if let sealedSecret { update = update.set("sealed_client_secret", to: sealedSecret) }
            try await update.where("id", .equal, row.id).run()
            try await db.record(audit)
        }
    }

    public func deleteProvider(_ id: String, in tenantID: String, audit: AuditEntry) async throws -> Bool {
        try await provider.transaction { db in
            guard try await db.select().column("id").from("identity_providers").where("id", .equal, id).where("tenant_id", .equal, tenantID).first() != nil
            else { return false }
            try await db.delete(from: "identity_providers").where("id", .equal, id).run()
            try await db.record(audit)
            return true
        }
    }

    public func insert(_ domain: TenantDomain, audit: AuditEntry) async throws {
        do {
            try await provider.transaction { db in
                try await db.insert(TenantDomainRow(domain: domain.domain, tenantId: domain.tenantID, verifiedAt: domain.verifiedAt.unixSeconds), into: "tenant_domains")
                try await db.record(audit)
            }
        } catch where isUniqueViolation(error) {
            throw DomainError.conflict(
                field: "domain", code: "domain_taken", message: "\(domain.domain) is claimed already, by this tenant or another; a domain signs in through one tenant only."
            )
        }
    }

    public func domains(in tenantID: String) async throws -> [TenantDomain] {
        try await provider.read { db in
            try await db.select().column("*").from("tenant_domains").where("tenant_id", .equal, tenantID).orderBy("domain")
                .all(decoding: TenantDomainRow.self, with: rowDecoder)
        }.map(\.record)
    }

    public func domain(_ name: String) async throws -> TenantDomain? {
        try await provider.read { db in
            try await db.select().column("*").from("tenant_domains").where("domain", .equal, name).first(decoding: TenantDomainRow.self, with: rowDecoder)
        }?.record
    }

    public func deleteDomain(_ name: String, in tenantID: String, audit: AuditEntry) async throws -> Bool {
        try await provider.transaction { db in
            guard try await db.select().column("domain").from("tenant_domains").where("domain", .equal, name).where("tenant_id", .equal, tenantID).first() != nil
            else { return false }
            try await db.delete(from: "tenant_domains").where("domain", .equal, name).run()
            try await db.record(audit)
            return true
        }
    }

    public func user(provider id: String, subject: String) async throws -> PlatformUser? {
        try await provider.read { db in
            try await db.select().column("*").from("users").where("identity_provider_id", .equal, id).where("upstream_subject", .equal, subject)
                .first(decoding: UserRow.self, with: rowDecoder)
        }?.user
    }

    public func providerID(ofUser userID: String) async throws -> String? {
        try await provider.read { db in
            try await db.select().column("identity_provider_id").from("users").where("id", .equal, userID).first()?
                .decode(column: "identity_provider_id", as: String?.self)
        }
    }

    public func insertFederatedUser(_ user: PlatformUser, provider id: String, subject: String, audit: AuditEntry) async throws {
        let row = UserRow(
            id: user.id, tenantId: user.tenantID, email: user.email, displayName: user.displayName, isAdmin: user.isAdmin ? 1 : 0, passwordHash: "",
            createdAt: user.createdAt.unixSeconds
        )
        do {
            try await provider.transaction { db in
                try await db.insert(row, into: "users")
                try await db.update("users").set("identity_provider_id", to: id).set("upstream_subject", to: subject).where("id", .equal, user.id).run()
                try await db.record(audit)
            }
        } catch where isUniqueViolation(error) {
            throw DomainError.conflict(field: "email", code: "email_taken", message: "A user with this email, or this provider's subject, exists already.")
        }
    }

    public func link(userID: String, provider id: String, subject: String, audit: AuditEntry) async throws {
        try await provider.transaction { db in
            // The password no longer signs the user in: the provider does.
            try await db.update("users").set("identity_provider_id", to: id).set("upstream_subject", to: subject).set("password_hash", to: "")
                .where("id", .equal, userID).run()
            try await db.notify(.user(id: userID))
            try await db.record(audit)
        }
    }

    public func refresh(_ user: PlatformUser, audit: AuditEntry) async throws {
        try await provider.transaction { db in
            try await db.update("users").set("email", to: user.email).set("display_name", to: user.displayName).set("is_admin", to: user.isAdmin ? 1 : 0)
                .where("id", .equal, user.id).run()
            try await db.notify(.user(id: user.id))
            try await db.record(audit)
        }
    }
}
