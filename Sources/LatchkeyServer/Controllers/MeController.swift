import Hummingbird
import LatchkeyCore
import LatchkeyOAuth
import LatchkeyWire

/// `GET/DELETE /api/v1/me/consents…`: a platform user sees and revokes the consents they gave,
/// through an app they granted `Consents.ReadWrite` (`BearerEndpoints.myConsents`).
struct MeController {
    let validator: AccessTokenValidator
    let directory: TenantDirectory

    func addRoutes(to group: RouterGroup<LatchkeyRequestContext>) {
        group.get("me/consents", use: list)
        group.delete("me/consents/:appId", use: revoke)
    }

    private func user(_ request: Request) async throws -> PlatformUser {
        do {
            let claims = try await BearerEndpoints.myConsents.admit(BearerCredential.token(in: request.headers[.authorization]), validator: validator)
            guard let user = try await directory.user(claims.sub) else {
                throw OAuthError(.invalidToken, "The user of this access token no longer exists.")
            }
            return user
        } catch let error as OAuthError {
            throw APIError(status: .init(code: error.status), code: error.code.rawValue, message: error.description, headers: [.wwwAuthenticate: error.challenge ?? "Bearer"])
        }
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
