import Foundation

/// The platform's side (docs/seed-model.md §1 "Consent and access"): tenants and their users, the permissions
/// of the platform's API, installations and consents. Shared by the API, the pages and the CLI.
public struct TenantDirectory: Sendable {
    let tenants: any TenantStore
    let permissions: any PermissionStore
    let consents: any ConsentStore
    let apps: any AppStore
    let clients: any ClientStore
    let hasher: any PasswordHasher
    let clock: Clock

    public init(
        tenants: any TenantStore, permissions: any PermissionStore, consents: any ConsentStore, apps: any AppStore,
        clients: any ClientStore, hasher: any PasswordHasher, clock: @escaping Clock
    ) {
        self.tenants = tenants
        self.permissions = permissions
        self.consents = consents
        self.apps = apps
        self.clients = clients
        self.hasher = hasher
        self.clock = clock
    }

    static let operatorsOnly = DomainError.forbidden("Only platform operators manage tenants, users and permissions.")

    // MARK: Tenants

    public func createTenant(displayName: String?, region: String?, by actor: Actor) async throws -> Tenant {
        guard actor.role == .operator else { throw Self.operatorsOnly }
        let registration = try TenantRegistration(displayName: displayName, region: region)
        let now = clock()
        let tenant = Tenant(id: ObjectID.generate(), displayName: registration.displayName, region: registration.region, createdAt: now)
        try await tenants.insert(tenant, audit: actor.entry(.tenantCreate, objectType: "tenant", objectID: tenant.id, at: now, owner: tenant.id, detail: tenant.displayName))
        return tenant
    }

    public func tenants(for actor: Actor) async throws -> [Tenant] {
        guard actor.role == .operator else { throw Self.operatorsOnly }
        return try await tenants.tenants()
    }

    /// An operator reaches any tenant, a tenant admin their own; anyone else gets "not found".
    public func tenant(_ id: String, for actor: Actor) async throws -> Tenant {
        guard actor.administers(tenantID: id), let tenant = try await tenants.tenant(id) else { throw DomainError.notFound("tenant") }
        return tenant
    }

    // MARK: Users

    public func createUser(
        in tenantID: String, email: String?, displayName: String?, password: String?, isAdmin: Bool?, by actor: Actor
    ) async throws -> PlatformUser {
        guard actor.role == .operator else { throw Self.operatorsOnly }
        let tenant = try await tenant(tenantID, for: actor)
        let registration = try UserRegistration(email: email, displayName: displayName, password: password, isAdmin: isAdmin)
        let now = clock()
        let user = PlatformUser(
            id: ObjectID.generate(), tenantID: tenant.id, email: registration.email, displayName: registration.displayName,
            isAdmin: registration.isAdmin, createdAt: now
        )
        let hash = try await hasher.hash(registration.password)
        let detail = registration.isAdmin ? "\(user.email) (admin)" : user.email
        try await tenants.insert(user, passwordHash: hash, audit: actor.entry(.userCreate, objectType: "user", objectID: user.id, at: now, owner: tenant.id, detail: detail))
        return user
    }

    public func users(in tenantID: String, for actor: Actor) async throws -> [PlatformUser] {
        _ = try await tenant(tenantID, for: actor)
        return try await tenants.users(in: tenantID)
    }

    /// Deletes the user and revokes everything they granted.
    public func deleteUser(_ userID: String, in tenantID: String, by actor: Actor) async throws {
        guard actor.role == .operator else { throw Self.operatorsOnly }
        let now = clock()
        let effects = Effects(at: now, audit: actor.entry(.userDelete, objectType: "user", objectID: userID, at: now, owner: tenantID))
            .ending(RefreshTokenScope(userID: userID))
            .revoking(tenantID: tenantID, subject: userID)
        guard try await tenants.deleteUser(userID, in: tenantID, effects: effects) else { throw DomainError.notFound("user") }
    }

    public func user(_ id: String) async throws -> PlatformUser? {
        try await tenants.user(id)
    }

    /// Checks email and password with the same work for an unknown email as for a wrong password;
    /// both outcomes go to the tenant's audit log when the email names a user.
    public func authenticate(email: String?, password: String?, sourceIP: String?) async throws -> PlatformUser? {
        let normalized: String
        do { normalized = try EmailAddress.normalized(email) } catch { throw DomainError.invalid([error]) }
        let found = try await tenants.user(email: normalized)
        guard let found else {
            _ = try await hasher.verify(password ?? "", hash: hasher.decoyHash)
            return nil
        }
        // A user of an identity provider has no password: the same work, and a refusal.
        let federated = found.passwordHash.isEmpty
        let valid = try await hasher.verify(password ?? "", hash: federated ? hasher.decoyHash : found.passwordHash) && !federated
        let actor = Actor(user: found.user, sourceIP: sourceIP)
        try await tenants.record(actor.entry(valid ? .userSignIn : .userSignInFailed, objectType: "user", objectID: found.user.id, at: clock()))
        if valid, hasher.needsRehash(found.passwordHash), let password {
            try await tenants.updatePasswordHash(userID: found.user.id, to: try await hasher.hash(password))
        }
        return valid ? found.user : nil
    }

    // MARK: Permissions

    public func putPermission(name: String?, description: String?, adminConsentRequired: Bool?, appOnly: Bool?, by actor: Actor) async throws -> Permission {
        guard actor.role == .operator else { throw Self.operatorsOnly }
        let permission = try Permission(name: name, description: description, adminConsentRequired: adminConsentRequired, appOnly: appOnly)
        try await permissions.put(permission, audit: actor.entry(.permissionPut, objectType: "permission", objectID: permission.name, at: clock(), detail: permission.description))
        return permission
    }

    /// Operator-defined permissions, then OpenID Connect's.
    public func permissions() async throws -> [Permission] {
        try await permissions.permissions() + Permission.builtIn
    }

    // MARK: Installations

    /// docs/seed-model.md §1: an approved app whose Client ID's availability matches the tenant's region.
    public func install(appID: String, in tenantID: String, by actor: Actor) async throws -> Installation {
        let tenant = try await tenant(tenantID, for: actor)
        guard let app = try await apps.app(appID, ownedBy: nil), app.status == .approved else {
            throw DomainError.invalid(field: "appId", code: "not_approved", message: "Only an approved app can be installed; this id names none.")
        }
        guard let clientID = app.clientID, let client = try await clients.client(clientID) else {
            throw DomainError.invalid(field: "appId", code: "client_required", message: "This app has no Client ID, so it cannot sign anyone in; its publisher must pick one.")
        }
        guard tenant.region.admits(client.availability) else {
            throw DomainError.invalid(
                field: "appId", code: "region_mismatch",
                message: "This app's Client ID is for \(client.availability == .china ? "China only" : "worldwide use"), and this tenant is in the \(tenant.region.rawValue) partition: install the publisher's \(tenant.region == .china ? "China" : "worldwide") app instead."
            )
        }
        let now = clock()
        let installation = Installation(tenantID: tenant.id, appID: app.id, installedAt: now, installedBy: actor.name)
        try await consents.install(
            installation, audit: actor.entry(.appInstall, objectType: "app", objectID: app.id, at: now, owner: tenant.id, detail: app.name),
            event: AppEvent(type: .appInstalled, app: app, tenantID: tenant.id, occurredAt: now)
        )
        return installation
    }

    public func uninstall(appID: String, from tenantID: String, by actor: Actor) async throws {
        _ = try await tenant(tenantID, for: actor)
        let now = clock()
        let app = try await apps.app(appID, ownedBy: nil)
        // What the installation allowed ends with it: the tenant's refresh tokens and access tokens for the app.
        var effects = Effects(at: now, audit: actor.entry(.appUninstall, objectType: "app", objectID: appID, at: now, owner: tenantID))
            .sending(app.map { AppEvent(type: .appUninstalled, app: $0, tenantID: tenantID, occurredAt: now) })
            .ending(RefreshTokenScope(appID: appID, tenantID: tenantID))
        if let clientID = app?.clientID { effects = effects.revoking(clientID: clientID.rawValue, tenantID: tenantID) }
        guard try await consents.uninstall(appID: appID, from: tenantID, effects: effects) else { throw DomainError.notFound("installation") }
    }

    public func installations(in tenantID: String, for actor: Actor) async throws -> [Installation] {
        _ = try await tenant(tenantID, for: actor)
        return try await consents.installations(in: tenantID)
    }

    // MARK: Consents

    /// Records a user's consent, or with `forOrganization` an admin's for everyone in the tenant.
    public func consent(to app: AppListing, permissions names: [String], by user: PlatformUser, forOrganization: Bool, sourceIP: String?) async throws {
        guard !forOrganization || user.isAdmin else {
            throw DomainError.forbidden("Only a tenant admin consents on behalf of the organization.")
        }
        let now = clock()
        let records = names.map {
            Consent(tenantID: user.tenantID, userID: forOrganization ? nil : user.id, appID: app.id, permission: $0, grantedAt: now, grantedBy: user.email)
        }
        let detail = "\(app.name): \(names.joined(separator: " "))\(forOrganization ? " (for the organization)" : "")"
        try await consents.grant(
            records, audit: Actor(user: user, sourceIP: sourceIP).entry(.consentGrant, objectType: "app", objectID: app.id, at: now, detail: detail),
            event: AppEvent(type: .consentGranted, app: app, tenantID: user.tenantID, userID: forOrganization ? nil : user.id, permissions: names, occurredAt: now)
        )
    }

    /// A tenant admin consents to an app's app-only permissions (client credentials).
    public func consentAppOnly(appID: String, in tenantID: String, by actor: Actor) async throws -> [String] {
        _ = try await tenant(tenantID, for: actor)
        guard try await consents.isInstalled(appID: appID, in: tenantID), let app = try await apps.app(appID, ownedBy: nil) else {
            throw DomainError.invalid(field: "appId", code: "not_installed", message: "Install the app in this tenant first.")
        }
        let now = clock()
        let records = app.appOnlyPermissions.map {
            Consent(tenantID: tenantID, userID: nil, appID: app.id, permission: $0, grantedAt: now, grantedBy: actor.name)
        }
        try await consents.grant(
            records, audit: actor.entry(.consentGrant, objectType: "app", objectID: app.id, at: now, owner: tenantID, detail: "\(app.name): app-only \(app.appOnlyPermissions.joined(separator: " "))"),
            event: AppEvent(type: .consentGranted, app: app, tenantID: tenantID, permissions: app.appOnlyPermissions, occurredAt: now)
        )
        return app.appOnlyPermissions
    }

    public func consentedPermissions(appID: String, tenantID: String, userID: String?) async throws -> Set<String> {
        try await consents.consentedPermissions(appID: appID, tenantID: tenantID, userID: userID)
    }

    public func consents(tenantID: String, userID: String?) async throws -> [Consent] {
        try await consents.consents(tenantID: tenantID, userID: userID)
    }

    /// A user revokes their own consent, or (with `userID == nil`) a tenant admin the tenant's.
    public func revokeConsent(appID: String, tenantID: String, userID: String?, by actor: Actor) async throws {
        if userID == nil { _ = try await tenant(tenantID, for: actor) }
        let now = clock()
        let app = try await apps.app(appID, ownedBy: nil)
        // What the consent issued stops with it: the user's tokens for the app, or, for a
        // tenant-wide consent, every user's in the tenant.
        var effects = Effects(at: now, audit: actor.entry(.consentRevoke, objectType: "app", objectID: appID, at: now, owner: tenantID))
            .sending(app.map { AppEvent(type: .consentRevoked, app: $0, tenantID: tenantID, userID: userID, occurredAt: now) })
            .ending(RefreshTokenScope(appID: appID, tenantID: tenantID, userID: userID))
        if let clientID = app?.clientID { effects = effects.revoking(clientID: clientID.rawValue, tenantID: tenantID, subject: userID) }
        guard try await consents.revoke(appID: appID, tenantID: tenantID, userID: userID, effects: effects) else {
            throw DomainError.notFound("consent")
        }
    }

    public func tenant(_ id: String) async throws -> Tenant? {
        try await tenants.tenant(id)
    }

    /// Any seller's app, as named on consent and account pages.
    public func app(_ id: String) async throws -> AppListing? {
        try await apps.app(id, ownedBy: nil)
    }

    /// The approved apps installed in the user's organization: what they can open.
    public func launchableApps(for user: PlatformUser) async throws -> [AppListing] {
        var found: [AppListing] = []
        for installation in try await consents.installations(in: user.tenantID) {
            if let app = try await apps.app(installation.appID, ownedBy: nil), app.status == .approved { found.append(app) }
        }
        return found.sorted { $0.name < $1.name }
    }

    /// Approved apps a tenant in `region` can install.
    public func installableApps(for region: Region) async throws -> [AppListing] {
        var found: [AppListing] = []
        for app in try await apps.apps(status: .approved) {
            guard let clientID = app.clientID, let client = try await clients.client(clientID), region.admits(client.availability) else { continue }
            found.append(app)
        }
        return found
    }
}
