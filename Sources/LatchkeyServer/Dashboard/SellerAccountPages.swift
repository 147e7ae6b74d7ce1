import Hummingbird
import LatchkeyCore

/// Sellers' sign up, sign in and sign out, and their API tokens (`/dashboard/tokens`).
struct SellerAccountPages {
    let accounts: SellerAccounts
    let pages: Pages
    let limits: RateLimiters

    func addRoutes(to group: RouterGroup<WebContext>) {
        group.get("signin", use: signInForm)
        group.post("signin", use: signIn)
        group.get("signup", use: signUpForm)
        group.post("signup", use: signUp)
        group.post("signout", use: signOut)
        group.get("tokens", use: tokens)
        group.post("tokens/revoke-all", use: revokeAllTokens)
        group.post("tokens/{tokenId}/revoke", use: revokeToken)
        group.get("") { _, context in
            Response.redirect(to: context.seller == nil ? "/dashboard/signin" : "/dashboard/clients", type: .normal)
        }
    }

    struct SignInBody: Sendable {
        let email: String
        let error: String?
    }

    @Sendable func signInForm(_ request: Request, context: WebContext) async throws -> Response {
        if context.seller != nil { return .redirect(to: "/dashboard/clients", type: .normal) }
        return pages.render("signin", title: "Sign in", body: SignInBody(email: "", error: nil), context: context)
    }

    @Sendable func signIn(_ request: Request, context: WebContext) async throws -> Response {
        if let wait = limits.admitSignIn(email: context.field("email"), address: context.remoteAddress) {
            let body = SignInBody(email: context.field("email"), error: Pages.tooManyAttempts(wait))
            return Pages.retryAfter(wait, pages.render("signin", title: "Sign in", body: body, context: context, status: .tooManyRequests))
        }
        do {
            _ = try EmailAddress.normalized(context.field("email"))
        } catch {
            let issue = error
            return pages.render("signin", title: "Sign in", body: SignInBody(email: context.field("email"), error: issue.message), context: context, status: .unprocessableContent)
        }
        guard let seller = try await accounts.authenticate(email: context.field("email"), password: context.field("password")) else {
            let body = SignInBody(email: context.field("email"), error: "The email or password is wrong.")
            return pages.render("signin", title: "Sign in", body: body, context: context, status: .unauthorized)
        }
        startSession(for: seller, context: context)
        return .redirect(to: "/dashboard/clients", type: .normal)
    }

    struct SignUpBody: Sendable {
        let fields: [FieldView]
    }

    @Sendable func signUpForm(_ request: Request, context: WebContext) async throws -> Response {
        pages.render("signup", title: "Create a seller account", body: signUpBody(context: context, errors: FormErrors()), context: context)
    }

    @Sendable func signUp(_ request: Request, context: WebContext) async throws -> Response {
        if let wait = limits.admitSignIn(email: nil, address: context.remoteAddress) {
            context.notify(Pages.tooManyAttempts(wait))
            return Pages.retryAfter(wait, .redirect(to: "/dashboard/signup", type: .normal))
        }
        do {
            // The same page after, whether the email was new or taken: sign-up does not tell.
            let email = try await accounts.registerQuietly(
                email: context.field("email"), displayName: context.field("displayName"), password: context.field("password"),
                sourceIP: context.remoteAddress
            )
            context.notify("If \(email) had no account, it has one now: sign in with the password you chose.")
            return .redirect(to: "/dashboard/signin", type: .normal)
        } catch let error as DomainError {
            let body = signUpBody(context: context, errors: FormErrors(error))
            return pages.render("signup", title: "Create a seller account", body: body, context: context, status: .unprocessableContent)
        }
    }

    @Sendable func signOut(_ request: Request, context: WebContext) async throws -> Response {
        context.rotateSession { $0.sellerID = nil }
        return .redirect(to: "/dashboard/signin", type: .normal)
    }

    struct TokenRow: Sendable {
        let id: String
        let created: String
        let expires: String
    }

    struct TokensBody: Sendable {
        let tokens: [TokenRow]
    }

    @Sendable func tokens(_ request: Request, context: WebContext) async throws -> Response {
        let rows = try await accounts.tokens(of: try context.actor()).map {
            TokenRow(id: $0.id, created: DisplayDate.format($0.createdAt), expires: DisplayDate.format($0.expiresAt))
        }
        return pages.render("tokens", title: "API tokens", tab: .tokens, body: TokensBody(tokens: rows), context: context)
    }

    @Sendable func revokeToken(_ request: Request, context: WebContext) async throws -> Response {
        try await accounts.revoke(tokenID: try context.parameters.tokenID(), by: try context.actor())
        context.notify("The token was revoked: programs using it are refused from now on.")
        return .redirect(to: "/dashboard/tokens", type: .normal)
    }

    @Sendable func revokeAllTokens(_ request: Request, context: WebContext) async throws -> Response {
        let count = try await accounts.revokeAllTokens(by: try context.actor())
        context.notify(count == 1 ? "1 token was revoked." : "\(count) tokens were revoked.")
        return .redirect(to: "/dashboard/tokens", type: .normal)
    }

    private func startSession(for seller: Seller, context: WebContext) {
        context.rotateSession { $0.sellerID = seller.id }
    }

    private func signUpBody(context: WebContext, errors: FormErrors) -> SignUpBody {
        SignUpBody(fields: [
            FieldView(name: "email", label: "Email", hint: "", value: context.field("email"), error: errors["email"], type: "email", autocomplete: "username"),
            FieldView(name: "displayName", label: "Publisher name", hint: "Shown to users next to your apps.", value: context.field("displayName"), error: errors["displayName"], autocomplete: "organization"),
            FieldView(
                name: "password", label: "Password", hint: "At least \(SellerRegistration.minimumPasswordLength) characters.", value: "",
                error: errors["password"], type: "password", autocomplete: "new-password"
            ),
        ])
    }
}
