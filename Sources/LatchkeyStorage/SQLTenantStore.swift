import Foundation
import LatchkeyCore
import SQLKit

struct TenantRow: Codable, Sendable {
    var id: String
    var displayName: String
    var region: String
    var createdAt: Double

    var tenant: Tenant {
        Tenant(id: id, displayName: displayName, region: Region(rawValue: region) ?? .worldwide, createdAt: Date(unixSeconds: createdAt))
    }
}

struct UserRow: Codable, Sendable {
    var id: String
    var tenantId: String
    var email: String
    var displayName: String
    var isAdmin: Int
    var passwordHash: String
    var createdAt: Double

    var user: PlatformUser {
        PlatformUser(id: id, tenantID: tenantId, email: email, displayName: displayName, isAdmin: isAdmin != 0, createdAt: Date(unixSeconds: createdAt))
    }
}

struct PermissionRow: Codable, Sendable {
    var name: String
    var description: String
    var adminConsentRequired: Int
    var appOnly: Int
}

public struct SQLTenantStore: TenantStore, PermissionStore {
    let provider: any DatabaseProvider

    public init(provider: any DatabaseProvider) {
        self.provider = provider
    }

    public func insert(_ tenant: Tenant, audit: AuditEntry) async throws {
        try await provider.transaction { db in
            try await db.insert(TenantRow(id: tenant.id, displayName: tenant.displayName, region: tenant.region.rawValue, createdAt: tenant.createdAt.unixSeconds), into: "tenants")
            try await db.record(audit)
        }
    }

    public func tenants() async throws -> [Tenant] {
        try await provider.read { db in
            try await db.select().column("*").from("tenants").orderBy("created_at").orderBy("id").all(decoding: TenantRow.self, with: rowDecoder)
        }.map(\.tenant)
    }

    public func tenant(_ id: String) async throws -> Tenant? {
        try await provider.read { db in
            try await db.select().column("*").from("tenants").where("id", .equal, id).first(decoding: TenantRow.self, with: rowDecoder)
        }?.tenant
    }

    public func insert(_ user: PlatformUser, passwordHash: String, audit: AuditEntry) async throws {
        let row = UserRow(
            id: user.id, tenantId: user.tenantID, email: user.email, displayName: user.displayName, isAdmin: user.isAdmin ? 1 : 0,
            passwordHash: passwordHash, createdAt: user.createdAt.unixSeconds
        )
        do {
            try await provider.transaction { db in
                try await db.insert(row, into: "users")
                try await db.record(audit)
            }
        } catch where isUniqueViolation(error) {
            throw DomainError.conflict(field: "email", code: "email_taken", message: "A user with this email exists already; each user signs in with their own address.")
        }
    }

    public func users(in tenantID: String) async throws -> [PlatformUser] {
        try await provider.read { db in
            try await db.select().column("*").from("users").where("tenant_id", .equal, tenantID).orderBy("created_at").orderBy("id")
                .all(decoding: UserRow.self, with: rowDecoder)
        }.map(\.user)
    }

    public func user(_ id: String) async throws -> PlatformUser? {
        try await provider.read { db in
            try await db.select().column("*").from("users").where("id", .equal, id).first(decoding: UserRow.self, with: rowDecoder)
        }?.user
    }

    public func user(email: String) async throws -> (user: PlatformUser, passwordHash: String)? {
        try await provider.read { db in
            try await db.select().column("*").from("users").where("email", .equal, email).first(decoding: UserRow.self, with: rowDecoder)
        }.map { ($0.user, $0.passwordHash) }
    }

    public func updatePasswordHash(userID: String, to hash: String) async throws {
        try await provider.transaction { db in
            try await db.update("users").set("password_hash", to: hash).where("id", .equal, userID).run()
        }
    }

    public func deleteUser(_ id: String, in tenantID: String, effects: Effects) async throws -> Bool {
        try await provider.transaction { db in
            guard try await db.select().column("id").from("users").where("id", .equal, id).where("tenant_id", .equal, tenantID).first() != nil else {
                return false
            }
            try await db.delete(from: "authorization_codes").where("user_id", .equal, id).run()
            try await db.delete(from: "consents").where("user_id", .equal, id).run()
            try await db.delete(from: "users").where("id", .equal, id).run()
            try await db.notify(.user(id: id))
            try await db.write(effects)
            return true
        }
    }

    public func record(_ entry: AuditEntry) async throws {
        try await provider.transaction { db in try await db.record(entry) }
    }

    public func put(_ permission: Permission, audit: AuditEntry) async throws {
        let row = PermissionRow(
            name: permission.name, description: permission.description, adminConsentRequired: permission.adminConsentRequired ? 1 : 0,
            appOnly: permission.appOnly ? 1 : 0
        )
        try await provider.transaction { db in
            try await db.insert(into: "permissions").model(row, with: rowEncoder)
                .onConflict(with: ["name"]) { try $0.set(excludedContentOf: row, with: rowEncoder) }.run()
            try await db.record(audit)
        }
    }

    public func permissions() async throws -> [Permission] {
        try await provider.read { db in
            try await db.select().column("*").from("permissions").orderBy("name").all(decoding: PermissionRow.self, with: rowDecoder)
        }.map { Permission(name: $0.name, description: $0.description, adminConsentRequired: $0.adminConsentRequired != 0, appOnly: $0.appOnly != 0) }
    }
}
