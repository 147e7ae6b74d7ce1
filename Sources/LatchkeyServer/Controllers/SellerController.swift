import Hummingbird
import LatchkeyCore

/// Sign-up and seller API tokens: `POST /api/v1/sellers`, `POST /api/v1/tokens`,
/// `DELETE /api/v1/tokens/current`.
struct SellerController {
    let accounts: SellerAccounts

    func addPublicRoutes(to group: RouterGroup<LatchkeyRequestContext>) {
        group.post("sellers", use: signUp)
        group.post("tokens", use: issueToken)
    }

    func addRoutes(to group: RouterGroup<LatchkeyRequestContext>) {
        group.delete("tokens/current", use: revokeCurrentToken)
        group.get("sellers/me", use: me)
    }

    @Sendable func signUp(_ request: Request, context: LatchkeyRequestContext) async throws -> EditedResponse<SellerResponse> {
        let body = try await request.decodeJSON(SignUpRequest.self, context: context)
        let seller = try await accounts.register(email: body.email, displayName: body.displayName, password: body.password, sourceIP: context.remoteAddress)
        return EditedResponse(status: .created, response: SellerResponse(seller))
    }

    @Sendable func issueToken(_ request: Request, context: LatchkeyRequestContext) async throws -> EditedResponse<APITokenResponse> {
        let body = try await request.decodeJSON(TokenRequest.self, context: context)
        guard let seller = try await accounts.authenticate(email: body.email, password: body.password) else {
            throw APIError(status: .unauthorized, code: "invalid_credentials", message: "The email or password is wrong.")
        }
        let token = try await accounts.issueToken(for: seller, sourceIP: context.remoteAddress)
        return EditedResponse(status: .created, headers: [.cacheControl: "no-store"], response: APITokenResponse(token: token.value, seller: SellerResponse(seller)))
    }

    @Sendable func revokeCurrentToken(_ request: Request, context: LatchkeyRequestContext) async throws -> HTTPResponse.Status {
        guard let tokenID = context.apiTokenID else { throw APIError.unauthenticated }
        try await accounts.revoke(tokenID: tokenID, by: try context.actor())
        return .noContent
    }

    @Sendable func me(_ request: Request, context: LatchkeyRequestContext) async throws -> SellerResponse {
        guard let seller = context.seller else { throw APIError.unauthenticated }
        return SellerResponse(seller)
    }
}
