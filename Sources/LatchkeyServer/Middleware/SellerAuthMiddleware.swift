import Hummingbird
import LatchkeyCore
import LatchkeyWire

/// Resolves `Authorization: Bearer <seller API token>` to the seller, or answers 401.
struct SellerAuthMiddleware: RouterMiddleware {
    typealias Context = LatchkeyRequestContext
    let accounts: SellerAccounts

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let token = BearerCredential.token(in: request.headers[.authorization]), let found = try await accounts.seller(forToken: token) else {
            throw APIError.unauthenticated
        }
        var context = context
        context.seller = found.seller
        context.apiTokenID = found.tokenID
        return try await next(request, context)
    }
}
