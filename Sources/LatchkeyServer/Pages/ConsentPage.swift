import Foundation
import Hummingbird
import LatchkeyCore
import LatchkeyOAuth

/// The consent dialog (docs/seed-model.md §1): the app, its publisher and each permission in words, offered
/// to admins for their whole organization. Sign-in (`/oauth2/authorize`) and launch
/// (`/apps/{id}/launch`) both ask with it; the form posts back to `action` with `hidden`.
struct ConsentPage {
    let accounts: SellerAccounts
    let pages: Pages

    struct PermissionLine: Sendable {
        let name: String
        let description: String
        let adminOnly: Bool
    }

    struct Hidden: Sendable {
        let name: String
        let value: String
    }

    struct Body: Sendable {
        let appName: String
        let publisher: String
        let description: String
        let permissions: [PermissionLine]
        let action: String
        let hidden: [Hidden]
        let isAdmin: Bool
        let organization: String
        let redirectHost: String
    }

    func render(_ question: ConsentQuestion, action: String, hidden: [(String, String)], context: WebContext) async throws -> Response {
        let app = question.app
        let words = Dictionary(Permission.builtIn.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first }).merging(question.defined) { $1 }
        let publisher = try await accounts.seller(id: app.sellerID)?.displayName ?? "an unknown publisher"
        let body = Body(
            appName: app.name, publisher: publisher, description: app.description,
            permissions: question.asking.map { PermissionLine(name: $0, description: words[$0]?.description ?? $0, adminOnly: words[$0]?.adminConsentRequired ?? false) },
            action: action, hidden: hidden.map { Hidden(name: $0.0, value: $0.1) }, isAdmin: question.mayConsentForOrganization,
            organization: question.tenant.displayName, redirectHost: question.client.registration.redirectURL.host
        )
        return pages.render("consent", title: "Allow \(app.name)?", body: body, context: context)
    }
}
