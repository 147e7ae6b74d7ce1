import Hummingbird
import LatchkeyCore
import LatchkeyOAuth

/// `GET/DELETE /api/v1/me/consents…`: a platform user, with an access token from Latchkey, sees
/// and revokes the consents they gave.
struct MeController {
    let validator: AccessTokenValidator
    let directory: TenantDirectory

    func addRoutes(to group: RouterGroup<LatchkeyRequestContext>) {
        group.get("me/consents", use: list)
        group.delete("me/consents/:appId", use: revoke)
    }

    private func user(_ request: Request) async throws -> PlatformUser {
        guard let token = UserInfoEndpoint.bearerToken(request.headers[.authorization]), let claims = try await validator.activeClaims(token),
            !claims.isAppOnly, let user = try await directory.user(claims.sub)
        else {
            throw APIError(status: .unauthorized, code: "unauthenticated", message: "Send a user's access token from Latchkey as Authorization: Bearer <token>.", headers: [.wwwAuthenticate: "Bearer"])
        }
        return user
    }

    @Sendable func list(_ request: Request, context: LatchkeyRequestContext) async throws -> ConsentListResponse {
        let user = try await user(request)
        return ConsentListResponse(consents: ConsentResponse.grouped(try await directory.consents(tenantID: user.tenantID, userID: user.id)))
    }

    @Sendable func revoke(_ request: Request, context: LatchkeyRequestContext) async throws -> HTTPResponse.Status {
        let user = try await user(request)
        try await directory.revokeConsent(appID: try context.parameters.appID(), tenantID: user.tenantID, userID: user.id, by: Actor(user: user, sourceIP: context.remoteAddress))
        return .noContent
    }
}
