import Foundation
import LatchkeyCore
import SQLKit

struct InstallationRow: Codable, Sendable {
    var tenantId: String
    var appId: String
    var installedAt: Double
    var installedBy: String
}

struct ConsentRow: Codable, Sendable {
    var tenantId: String
    /// Empty for the tenant-wide consent of an admin.
    var userId: String
    var appId: String
    var permission: String
    var grantedAt: Double
    var grantedBy: String

    var consent: Consent {
        Consent(
            tenantID: tenantId, userID: userId.isEmpty ? nil : userId, appID: appId, permission: permission,
            grantedAt: Date(unixSeconds: grantedAt), grantedBy: grantedBy
        )
    }
}

public struct SQLConsentStore: ConsentStore {
    let provider: any DatabaseProvider

    public init(provider: any DatabaseProvider) {
        self.provider = provider
    }

    public func install(_ installation: Installation, audit: AuditEntry, event: AppEvent) async throws {
        let row = InstallationRow(
            tenantId: installation.tenantID, appId: installation.appID, installedAt: installation.installedAt.unixSeconds, installedBy: installation.installedBy
        )
        do {
            try await provider.transaction { db in
                try await db.insert(row, into: "installations")
                try await db.notify(.grant(appID: installation.appID, tenantID: installation.tenantID, userID: nil))
                try await db.record(audit)
                try await db.enqueue(event)
            }
        } catch where isUniqueViolation(error) {
            throw DomainError.conflict(field: "appId", code: "already_installed", message: "This app is installed in this tenant already.")
        }
    }

    public func uninstall(appID: String, from tenantID: String, effects: Effects) async throws -> Bool {
        try await provider.transaction { db in
            let found = try await db.select().column("app_id").from("installations").where("tenant_id", .equal, tenantID)
                .where("app_id", .equal, appID).first()
            guard found != nil else { return false }
            for table in ["consents", "installations"] {
                try await db.delete(from: table).where("tenant_id", .equal, tenantID).where("app_id", .equal, appID).run()
            }
            try await db.notify(.grant(appID: appID, tenantID: tenantID, userID: nil))
            try await db.write(effects)
            return true
        }
    }

    public func installations(in tenantID: String) async throws -> [Installation] {
        try await provider.read { db in
            try await db.select().column("*").from("installations").where("tenant_id", .equal, tenantID).orderBy("installed_at")
                .all(decoding: InstallationRow.self, with: rowDecoder)
        }.map { Installation(tenantID: $0.tenantId, appID: $0.appId, installedAt: Date(unixSeconds: $0.installedAt), installedBy: $0.installedBy) }
    }

    public func isInstalled(appID: String, in tenantID: String) async throws -> Bool {
        try await provider.read { db in
            try await db.select().column("app_id").from("installations").where("tenant_id", .equal, tenantID).where("app_id", .equal, appID).first() != nil
        }
    }

    public func grant(_ consents: [Consent], audit: AuditEntry, event: AppEvent) async throws {
        try await provider.transaction { db in
            for consent in consents {
                let row = ConsentRow(
                    tenantId: consent.tenantID, userId: consent.userID ?? "", appId: consent.appID, permission: consent.permission,
                    grantedAt: consent.grantedAt.unixSeconds, grantedBy: consent.grantedBy
                )
                try await db.insert(into: "consents").model(row, with: rowEncoder).ignoringConflicts().run()
            }
            for notice in Set(consents.map { ChangeNotice.grant(appID: $0.appID, tenantID: $0.tenantID, userID: $0.userID) }) {
                try await db.notify(notice)
            }
            try await db.record(audit)
            try await db.enqueue(event)
        }
    }

    public func consentedPermissions(appID: String, tenantID: String, userID: String?) async throws -> Set<String> {
        let users = userID.map { ["", $0] } ?? [""]
        return try await provider.read { db in
            let rows = try await db.select().column("permission").from("consents").where("tenant_id", .equal, tenantID)
                .where("app_id", .equal, appID).where("user_id", .in, users).all()
            return Set(try rows.map { try $0.decode(column: "permission", as: String.self) })
        }
    }

    public func consents(tenantID: String, userID: String?) async throws -> [Consent] {
        try await provider.read { db in
            try await db.select().column("*").from("consents").where("tenant_id", .equal, tenantID).where("user_id", .equal, userID ?? "")
                .orderBy("app_id").orderBy("permission").all(decoding: ConsentRow.self, with: rowDecoder)
        }.map(\.consent)
    }

    public func revoke(appID: String, tenantID: String, userID: String?, effects: Effects) async throws -> Bool {
        try await provider.transaction { db in
            let found = try await db.select().column("permission").from("consents").where("tenant_id", .equal, tenantID)
                .where("app_id", .equal, appID).where("user_id", .equal, userID ?? "").first()
            guard found != nil else { return false }
            try await db.delete(from: "consents").where("tenant_id", .equal, tenantID).where("app_id", .equal, appID)
                .where("user_id", .equal, userID ?? "").run()
            try await db.notify(.grant(appID: appID, tenantID: tenantID, userID: userID))
            try await db.write(effects)
            return true
        }
    }
}
