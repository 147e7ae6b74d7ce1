import Hummingbird
import LatchkeyCore

/// Resolves `Authorization: Bearer <seller API token>` to the seller, or answers 401.
struct SellerAuthMiddleware: RouterMiddleware {
    typealias Context = LatchkeyRequestContext
    let accounts: SellerAccounts

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization] else { throw APIError.unauthenticated }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer",
            let found = try await accounts.seller(forToken: String(parts[1]).trimmingCharacters(in: .whitespaces))
        else { throw APIError.unauthenticated }
        var context = context
        context.seller = found.seller
        context.apiTokenID = found.tokenID
        return try await next(request, context)
    }
}
