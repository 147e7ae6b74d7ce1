import Foundation
import Hummingbird
import LatchkeyCore
import LatchkeyOAuth

/// `GET|POST /oauth2/authorize` (RFC 6749 §4.1, OpenID Connect Core §3.1.2): reads the request,
/// asks `AuthorizationDecision` what to do, and renders its answer — the sign-in page, the consent
/// form, an error sent back to the app or shown here, or the redirect with a new code. Works as
/// plain HTML forms, without JavaScript.
struct AuthorizePages {
    let clients: any ClientDirectory
    let decision: AuthorizationDecision
    let issuer: AuthorizationIssuer
    let consentPage: ConsentPage
    let issuerURL: String
    let pages: Pages

    func addRoutes(to group: RouterGroup<WebContext>) {
        group.get("oauth2/authorize", use: authorize)
        group.post("oauth2/authorize", use: authorize)
    }

    @Sendable func authorize(_ request: Request, context: WebContext) async throws -> Response {
        let isAnswer = request.method == .post
        let form: FormParameters
        do {
            form = isAnswer ? context.form : try FormParameters(request.uri.query ?? "")
        } catch {
            return problem("The sign-in link is malformed: \(error.description)", context: context)
        }
        let authorization: AuthorizationRequest
        do {
            switch try await AuthorizationRequest.parse(form, directory: clients) {
            case .failure(let error): return .redirect(to: error.location(issuer: issuerURL), type: .found)
            case .success(let found): authorization = found
            }
        } catch let error as AuthorizationRequest.Unredirectable {
            return problem(error.message, context: context)
        }
        let answer: AuthorizationAttempt.Answer? = isAnswer ? context.consentAnswer : nil
        switch try await decision.decide(AuthorizationAttempt(authorization, answer: answer), signedIn: context.signedIn) {
        case .signIn:
            // Back to the same request without `prompt` and `max_age`, so that it does not ask again.
            // login_hint and domain_hint (an email, a domain) may go straight to the user's own provider.
            var signIn = [("return", "/oauth2/authorize?" + FormParameters.encode(authorization.parameters))]
            for name in ["login_hint", "domain_hint"] {
                if let hint = try? form.value(name), !hint.isEmpty { signIn.append((name, hint)) }
            }
            return .redirect(to: "/signin?" + FormParameters.encode(signIn), type: .normal)
        case .askConsent(let question):
            return try await consentPage.render(question, action: "/oauth2/authorize", hidden: authorization.parameters, context: context)
        case .refuse(let refusal) where refusal.goesToClient:
            return .redirect(to: authorization.errorRedirect(refusal.error, issuer: issuerURL), type: .found)
        case .refuse(let refusal):
            return problem(refusal.error.description, context: context, status: HTTPResponse.Status(code: refusal.pageStatus))
        case .issue(let grant):
            let location = try await issuer.code(for: grant, request: authorization, issuer: issuerURL, sourceIP: context.remoteAddress)
            // Only an app with a back channel is told of the sign-out: no session write for others.
            if grant.client.registration.backchannelLogoutURI != nil { context.recordSignIn(to: grant.client.id) }
            return .redirect(to: location, type: .found)
        }
    }

    private func problem(_ text: String, context: WebContext, status: HTTPResponse.Status = .badRequest) -> Response {
        pages.message(status: status, title: "Sign-in cannot continue", text: text, context: context, account: true)
    }
}
