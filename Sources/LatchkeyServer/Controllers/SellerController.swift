import Hummingbird
import LatchkeyCore

/// Sign-up and seller API tokens: `POST /api/v1/sellers`, `POST /api/v1/tokens`, and for the
/// token's holder `GET /api/v1/tokens`, `DELETE /api/v1/tokens/current`,
/// `DELETE /api/v1/tokens/{tokenId}`, `DELETE /api/v1/tokens` (all).
struct SellerController {
    let accounts: SellerAccounts
    let limits: RateLimiters

    func addPublicRoutes(to group: RouterGroup<LatchkeyRequestContext>) {
        group.post("sellers", use: signUp)
        group.post("tokens", use: issueToken)
    }

    func addRoutes(to group: RouterGroup<LatchkeyRequestContext>) {
        group.get("tokens", use: listTokens)
        group.delete("tokens", use: revokeAllTokens)
        group.delete("tokens/current", use: revokeCurrentToken)
        group.delete("tokens/{tokenId}", use: revokeToken)
        group.get("sellers/me", use: me)
    }

    /// The same answer, after the same work, whether the email was new or taken: sign-up does
    /// not tell who has an account. The new seller signs in with `POST /api/v1/tokens`.
    @Sendable func signUp(_ request: Request, context: LatchkeyRequestContext) async throws -> EditedResponse<SignUpResponse> {
        let body = try await request.decodeJSON(SignUpRequest.self, context: context)
        try Self.check(limits.admitSignIn(email: nil, address: context.remoteAddress))
        let email = try await accounts.registerQuietly(email: body.email, displayName: body.displayName, password: body.password, sourceIP: context.remoteAddress)
        return EditedResponse(status: .accepted, headers: [.cacheControl: "no-store"], response: SignUpResponse(email: email))
    }

    @Sendable func issueToken(_ request: Request, context: LatchkeyRequestContext) async throws -> EditedResponse<APITokenResponse> {
        let body = try await request.decodeJSON(TokenRequest.self, context: context)
        try Self.check(limits.admitSignIn(email: body.email, address: context.remoteAddress))
        guard let seller = try await accounts.authenticate(email: body.email, password: body.password) else {
            throw APIError(status: .unauthorized, code: "invalid_credentials", message: "The email or password is wrong.")
        }
        let token = try await accounts.issueToken(for: seller, days: body.expiresInDays, sourceIP: context.remoteAddress)
        return EditedResponse(
            status: .created, headers: [.cacheControl: "no-store"],
            response: APITokenResponse(token: token.value, id: token.id, expiresAt: token.record.expiresAt, seller: SellerResponse(seller))
        )
    }

    /// A refusal by rate limit: 429 with `Retry-After`.
    static func check(_ wait: Int?) throws {
        guard let wait else { return }
        throw APIError(
            status: .tooManyRequests, code: "too_many_attempts",
            message: "Too many attempts from here or for this account: wait \(wait) seconds, then try again.",
            headers: [.retryAfter: String(wait)]
        )
    }

    @Sendable func listTokens(_ request: Request, context: LatchkeyRequestContext) async throws -> APITokenListResponse {
        let tokens = try await accounts.tokens(of: try context.actor())
        return APITokenListResponse(tokens: tokens.map { APITokenSummary($0, current: $0.id == context.apiTokenID) })
    }

    @Sendable func revokeToken(_ request: Request, context: LatchkeyRequestContext) async throws -> HTTPResponse.Status {
        try await accounts.revoke(tokenID: try context.parameters.tokenID(), by: try context.actor())
        return .noContent
    }

    @Sendable func revokeAllTokens(_ request: Request, context: LatchkeyRequestContext) async throws -> HTTPResponse.Status {
        _ = try await accounts.revokeAllTokens(by: try context.actor())
        return .noContent
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
