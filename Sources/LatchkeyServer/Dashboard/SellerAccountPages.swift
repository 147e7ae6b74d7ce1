import Hummingbird
import LatchkeyCore

/// Sellers' sign up, sign in and sign out.
struct SellerAccountPages {
    let accounts: SellerAccounts
    let pages: Pages

    func addRoutes(to group: RouterGroup<WebContext>) {
        group.get("signin", use: signInForm)
        group.post("signin", use: signIn)
        group.get("signup", use: signUpForm)
        group.post("signup", use: signUp)
        group.post("signout", use: signOut)
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
        do {
            let seller = try await accounts.register(
                email: context.field("email"), displayName: context.field("displayName"), password: context.field("password"),
                sourceIP: context.remoteAddress
            )
            startSession(for: seller, context: context)
            context.notify("Welcome, \(seller.displayName). Add your first Client ID below.")
            return .redirect(to: "/dashboard/clients", type: .normal)
        } catch let error as DomainError {
            let body = signUpBody(context: context, errors: FormErrors(error))
            return pages.render("signup", title: "Create a seller account", body: body, context: context, status: .unprocessableContent)
        }
    }

    @Sendable func signOut(_ request: Request, context: WebContext) async throws -> Response {
        context.rotateSession { $0.sellerID = nil }
        return .redirect(to: "/dashboard/signin", type: .normal)
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
