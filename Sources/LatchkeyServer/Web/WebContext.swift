import Foundation
import Hummingbird
import HummingbirdAuth
import LatchkeyCore
import LatchkeyOAuth
import NIOConcurrencyHelpers

/// What the web pages keep between requests, in the shared key-value table: who is signed in
/// (a seller to the dashboard, a platform user to sign-in, consent and account pages, or
/// both), and the token every state-changing form must echo back.
struct WebSession: Codable, Sendable {
    var sellerID: String?
    var userID: String?
    /// When the user last entered their password (OpenID Connect `auth_time`).
    var userAuthTime: Date?
    /// A random value the session's CSRF token is made of (`Pages.csrfToken(of:)`); the token
    /// itself is never stored.
    var csrfSeed: String
    /// A one-time message for the next page ("Client ID deleted").
    var notice: String?
    /// How the user signed in, when through their organization's provider.
    var userAuthentication: Authentication?
    /// A sign-in waiting for the user's own organization's provider to answer.
    var federation: PendingFederation?
    /// This sign-in's session id (ID tokens' `sid`), new at every sign-in.
    var sid: String?
    /// The Client IDs with a back-channel logout URI given a code in this sign-in: told when it ends.
    var signedInClients: [String]?
    /// The organization's provider the user signed in through (its id).
    var userProviderID: String?
    /// A sign-out waiting for that provider to send the user back.
    var signOut: SessionEnding.Pending?

    enum CodingKeys: String, CodingKey {
        case sellerID, userID, userAuthTime, userAuthentication, notice, federation, sid, signedInClients, userProviderID, signOut
        // Sessions written before the seed kept the token itself here: it serves as a seed.
        case csrfSeed = "csrfToken"
    }

    static func anonymous() -> WebSession {
        WebSession(sellerID: nil, userID: nil, userAuthTime: nil, csrfSeed: GeneratedSecret.generate().value, notice: nil)
    }
}

/// The request context of every page: the API context plus the session, and the seller or user
/// it names.
struct WebContext: ChildRequestContext, SessionRequestContext {
    typealias ParentContext = LatchkeyRequestContext

    var coreContext: CoreRequestContextStorage
    let sessions: SessionContext<WebSession>
    let remoteAddress: String?
    var seller: Seller?
    var user: PlatformUser?
    /// The form body, read once by the CSRF check and handed to the page; no field is repeated.
    var form = FormParameters.empty
    /// Set when a sign-in replaced the session: the one the request came with is deleted.
    let retiresSession = NIOLockedValueBox(false)

    init(context: LatchkeyRequestContext) {
        self.coreContext = context.coreContext
        self.sessions = .init()
        self.remoteAddress = context.remoteAddress
    }

    var session: WebSession {
        if let session = sessions.session { return session }
        let fresh = WebSession.anonymous()
        sessions.createSession(fresh)
        return fresh
    }

    func actor() throws -> Actor {
        guard let seller else { throw PageRedirect.sellerSignIn }
        return Actor(seller: seller, sourceIP: remoteAddress)
    }

    /// The signed-in platform user; without one, sign-in then back to `returnTo`.
    func user(returningTo returnTo: String) throws -> PlatformUser {
        guard let user else { throw PageRedirect.userSignIn(returnTo: returnTo) }
        return user
    }

    /// The signed-in platform user and when they signed in, as the authorization decision reads them.
    var signedIn: SignedInUser? {
        guard let user, let authTime = sessions.session?.userAuthTime else { return nil }
        let authentication = (sessions.session?.userAuthentication ?? .password).inSession(sessions.session?.sid)
        return SignedInUser(user: user, authTime: authTime, authentication: authentication)
    }

    /// The answer posted by the consent form.
    var consentAnswer: AuthorizationAttempt.Answer {
        field("decision") == "allow" ? .allow(forOrganization: field("for_organization") == "on") : .deny
    }

    /// The field's value; empty when absent.
    func field(_ name: String) -> String {
        form.all[name]?.first ?? ""
    }

    /// Every field of the form, by name.
    var fields: [String: String] {
        form.all.compactMapValues(\.first)
    }

    /// Sets the one-time notice shown by the next page.
    func notify(_ text: String) {
        var session = self.session
        session.notice = text
        _ = sessions.updateSession(session)
    }

    /// Reads and clears the one-time notice.
    func takeNotice() -> String? {
        guard var session = sessions.session, let notice = session.notice else { return nil }
        session.notice = nil
        _ = sessions.updateSession(session)
        return notice
    }

    /// Remembers that `client` was given a code in this sign-in.
    func recordSignIn(to client: ClientID) {
        var session = self.session
        var clients = session.signedInClients ?? []
        guard !clients.contains(client.rawValue) else { return }
        clients.append(client.rawValue)
        session.signedInClients = clients
        _ = sessions.updateSession(session)
    }

    /// A fresh session id at every sign-in, so that a session fixed before it is worth nothing
    /// (the previous one is deleted); the other identity signed in on this browser stays signed in.
    func rotateSession(_ change: (inout WebSession) -> Void) {
        var session = sessions.session ?? WebSession.anonymous()
        session.csrfSeed = GeneratedSecret.generate().value
        session.notice = nil
        change(&session)
        sessions.clearSession()
        sessions.createSession(session)
        retiresSession.withLockedValue { $0 = true }
    }
}

/// Leaving a page for a sign-in page.
enum PageRedirect: Error {
    case sellerSignIn
    case userSignIn(returnTo: String)
}
