import Hummingbird
import LatchkeyCore

/// The platform's side for operators: tenants, their users, installations and app-only consent
/// (`/api/v1/tenants…`), and the permissions of the platform's API (`/api/v1/permissions…`).
struct TenantController {
    let directory: TenantDirectory
    let auditLog: any AuditStore

    func addRoutes(to group: RouterGroup<LatchkeyRequestContext>) {
        group.post("tenants", use: createTenant)
        group.get("tenants", use: listTenants)
        group.get("tenants/:tenantId", use: showTenant)
        group.post("tenants/:tenantId/users", use: createUser)
        group.get("tenants/:tenantId/users", use: listUsers)
        group.delete("tenants/:tenantId/users/:userId", use: deleteUser)
        group.post("tenants/:tenantId/installations", use: install)
        group.get("tenants/:tenantId/installations", use: listInstallations)
        group.delete("tenants/:tenantId/installations/:appId", use: uninstall)
        group.post("tenants/:tenantId/installations/:appId/app-only-consent", use: consentAppOnly)
        group.get("tenants/:tenantId/consents", use: tenantConsents)
        group.delete("tenants/:tenantId/consents/:appId", use: revokeTenantConsent)
        group.get("tenants/:tenantId/audit", use: audit)
        group.get("permissions", use: listPermissions)
        group.put("permissions/:name", use: putPermission)
    }

    @Sendable func createTenant(_ request: Request, context: LatchkeyRequestContext) async throws -> EditedResponse<TenantResponse> {
        let body = try await request.decodeJSON(TenantRequest.self, context: context)
        let tenant = try await directory.createTenant(displayName: body.displayName, region: body.region, by: try context.actor())
        return EditedResponse(status: .created, headers: [.location: "/api/v1/tenants/\(tenant.id)"], response: TenantResponse(tenant))
    }

    @Sendable func listTenants(_ request: Request, context: LatchkeyRequestContext) async throws -> TenantListResponse {
        TenantListResponse(tenants: try await directory.tenants(for: try context.actor()).map(TenantResponse.init))
    }

    @Sendable func showTenant(_ request: Request, context: LatchkeyRequestContext) async throws -> TenantResponse {
        TenantResponse(try await directory.tenant(try context.parameters.tenantID(), for: try context.actor()))
    }

    @Sendable func createUser(_ request: Request, context: LatchkeyRequestContext) async throws -> EditedResponse<UserResponse> {
        let tenantID = try context.parameters.tenantID()
        let body = try await request.decodeJSON(UserRequest.self, context: context)
        let user = try await directory.createUser(
            in: tenantID, email: body.email, displayName: body.displayName, password: body.password, isAdmin: body.isAdmin, by: try context.actor()
        )
        return EditedResponse(status: .created, headers: [.location: "/api/v1/tenants/\(tenantID)/users/\(user.id)"], response: UserResponse(user))
    }

    @Sendable func listUsers(_ request: Request, context: LatchkeyRequestContext) async throws -> UserListResponse {
        UserListResponse(users: try await directory.users(in: try context.parameters.tenantID(), for: try context.actor()).map(UserResponse.init))
    }

    @Sendable func deleteUser(_ request: Request, context: LatchkeyRequestContext) async throws -> HTTPResponse.Status {
        try await directory.deleteUser(try context.parameters.userID(), in: try context.parameters.tenantID(), by: try context.actor())
        return .noContent
    }

    @Sendable func install(_ request: Request, context: LatchkeyRequestContext) async throws -> EditedResponse<InstallationResponse> {
        let tenantID = try context.parameters.tenantID()
        let actor = try context.actor()
        // Whose the tenant is comes before what the body says.
        _ = try await directory.tenant(tenantID, for: actor)
        let body = try await request.decodeJSON(InstallationRequest.self, context: context)
        guard let appID = body.appId.flatMap({ ObjectID.canonical($0) }) else {
            throw DomainError.invalid(field: "appId", code: "required", message: "Name the approved app to install: {\"appId\": \"…\"}.")
        }
        let installation = try await directory.install(appID: appID, in: tenantID, by: actor)
        return EditedResponse(status: .created, response: InstallationResponse(installation))
    }

    @Sendable func listInstallations(_ request: Request, context: LatchkeyRequestContext) async throws -> InstallationListResponse {
        let list = try await directory.installations(in: try context.parameters.tenantID(), for: try context.actor())
        return InstallationListResponse(installations: list.map(InstallationResponse.init))
    }

    @Sendable func uninstall(_ request: Request, context: LatchkeyRequestContext) async throws -> HTTPResponse.Status {
        try await directory.uninstall(appID: try context.parameters.appID(), from: try context.parameters.tenantID(), by: try context.actor())
        return .noContent
    }

    @Sendable func consentAppOnly(_ request: Request, context: LatchkeyRequestContext) async throws -> AppOnlyConsentResponse {
        let appID = try context.parameters.appID()
        let granted = try await directory.consentAppOnly(appID: appID, in: try context.parameters.tenantID(), by: try context.actor())
        return AppOnlyConsentResponse(appId: appID, permissions: granted)
    }

    @Sendable func tenantConsents(_ request: Request, context: LatchkeyRequestContext) async throws -> ConsentListResponse {
        let tenant = try await directory.tenant(try context.parameters.tenantID(), for: try context.actor())
        return ConsentListResponse(consents: ConsentResponse.grouped(try await directory.consents(tenantID: tenant.id, userID: nil)))
    }

    @Sendable func revokeTenantConsent(_ request: Request, context: LatchkeyRequestContext) async throws -> HTTPResponse.Status {
        try await directory.revokeConsent(appID: try context.parameters.appID(), tenantID: try context.parameters.tenantID(), userID: nil, by: try context.actor())
        return .noContent
    }

    /// The tenant's log: sign-ins, consents, installations, grants, replays and revocations.
    @Sendable func audit(_ request: Request, context: LatchkeyRequestContext) async throws -> AuditListResponse {
        let tenant = try await directory.tenant(try context.parameters.tenantID(), for: try context.actor())
        return try await AuditController.page(request, owner: tenant.id, store: auditLog)
    }

    @Sendable func listPermissions(_ request: Request, context: LatchkeyRequestContext) async throws -> PermissionListResponse {
        PermissionListResponse(permissions: try await directory.permissions().map(PermissionResponse.init))
    }

    @Sendable func putPermission(_ request: Request, context: LatchkeyRequestContext) async throws -> PermissionResponse {
        let body = try await request.decodeJSON(PermissionRequest.self, context: context)
        let permission = try await directory.putPermission(
            name: context.parameters.get("name"), description: body.description, adminConsentRequired: body.adminConsentRequired,
            appOnly: body.appOnly, by: try context.actor()
        )
        return PermissionResponse(permission)
    }
}
