import Foundation
import Hummingbird
import LatchkeyCore
import LatchkeyOAuth

/// OpenID Connect RP-Initiated Logout 1.0 (`end_session_endpoint`): an app sends the user here
/// to be signed out, with an `id_token_hint` and, when it registered one, a
/// `post_logout_redirect_uri` (matched exactly) and its `state`. With a hint naming the user
/// signed in, the sign-out is at once; without one, or with one for someone else, the user is
/// asked first (a form with its CSRF token, so that no other site signs a user out unasked).
struct LogoutPages {
    let clients: any ClientDirectory
    let apps: any AuthorizationDirectory
    let signer: TokenSigner
    let issuer: String
    let pages: Pages
    let ending: SessionEnding

    func addRoutes(to group: RouterGroup<WebContext>) {
        group.get("oauth2/logout", use: logout)
        group.post("oauth2/logout", use: logout)
        group.post("oauth2/logout/confirm", use: confirm)
    }

    /// What the request asks, checked.
    struct Request: Sendable {
        var client: RegisteredClient?
        /// The `sub` of a hint this server signed for the client.
        var hintSubject: String?
        /// Where to go afterwards, `state` included.
        var destination: String?
        var parameters: [(String, String)]
    }

    struct Refusal: Error {
        let message: String
    }

    static let formFields = ["client_id", "post_logout_redirect_uri", "state"]

    func parse(_ form: FormParameters) async throws -> Request {
        func value(_ name: String) throws -> String? {
            do {
                return try form.value(name).flatMap { $0.isEmpty ? nil : $0 }
            } catch {
                throw Refusal(message: error.description)
            }
        }
        var request = Request(parameters: [])
        var clientID = try value("client_id")
        if let hint = try value("id_token_hint") {
            guard let claims = try? signer.verifyIDToken(hint), claims.iss == issuer else {
                throw Refusal(message: "The id_token_hint is not an ID token this platform issued, so the sign-out cannot say which app asked.")
            }
            if let clientID, clientID != claims.aud {
                throw Refusal(message: "The id_token_hint was issued to another app than client_id names.")
            }
            clientID = claims.aud
            request.hintSubject = claims.sub
        }
        if let clientID {
            guard let id = ClientID(clientID), let client = try await clients.client(id) else {
                throw Refusal(message: "client_id names no app of this platform.")
            }
            request.client = client
            request.parameters.append(("client_id", clientID))
        }
        if let uri = try value("post_logout_redirect_uri") {
            guard let client = request.client else {
                throw Refusal(message: "A post_logout_redirect_uri needs the app named, by id_token_hint or client_id.")
            }
            guard client.registration.postLogoutRedirectURIs.contains(where: { $0.value == uri }) else {
                throw Refusal(message: "The app has not registered \(uri) as a post-logout redirect URI; its seller adds it to postLogoutRedirectUris on its Client ID.")
            }
            let state = try value("state").map { [("state", $0)] } ?? []
            request.destination = state.isEmpty ? uri : FormParameters.append(state, to: uri)
            request.parameters += [("post_logout_redirect_uri", uri)] + state
        }
        return request
    }

    struct ConfirmBody: Sendable {
        struct Field: Sendable {
            let name: String
            let value: String
        }
        let appName: String?
        let email: String
        let hidden: [Field]
    }

    @Sendable func logout(_ request: HummingbirdCore.Request, context: WebContext) async throws -> Response {
        let form: FormParameters
        do {
            form = request.method == .post ? context.form : try FormParameters(request.uri.query ?? "")
        } catch {
            return refused(error.description, context: context)
        }
        let asked: Request
        do {
            asked = try await parse(form)
        } catch let refusal as Refusal {
            return refused(refusal.message, context: context)
        }
        guard let user = context.user else { return try await ending.end(context, continuingTo: asked.destination) }
        if let subject = asked.hintSubject, subject == user.id {
            return try await ending.end(context, continuingTo: asked.destination)
        }
        var appName: String?
        if let client = asked.client { appName = try await apps.approvedApp(for: client.id)?.name }
        let body = ConfirmBody(appName: appName, email: user.email, hidden: asked.parameters.map { ConfirmBody.Field(name: $0.0, value: $0.1) })
        return pages.render("signout", title: "Sign out", body: body, context: context)
    }

    /// The user's answer to the question: signed out, then where the app asked.
    @Sendable func confirm(_ request: HummingbirdCore.Request, context: WebContext) async throws -> Response {
        let asked: Request
        do {
            asked = try await parse(context.form)
        } catch let refusal as Refusal {
            return refused(refusal.message, context: context)
        }
        return try await ending.end(context, continuingTo: asked.destination)
    }

    private func refused(_ text: String, context: WebContext) -> Response {
        pages.message(status: .badRequest, title: "Sign-out cannot continue", text: text, context: context, account: true)
    }
}
