import Foundation
import Hummingbird
import HummingbirdAuth
import LatchkeyCore

/// What the dashboard keeps between requests, in the shared key-value table: who is signed in,
/// and the token every state-changing form must echo back.
struct DashboardSession: Codable, Sendable {
    var sellerID: String?
    var csrfToken: String
    /// A one-time message for the next page ("Client ID deleted").
    var notice: String?

    static func anonymous() -> DashboardSession {
        DashboardSession(sellerID: nil, csrfToken: GeneratedSecret.generate().value, notice: nil)
    }
}

/// The request context of `/dashboard` pages: the API context plus the session and the seller.
struct DashboardContext: ChildRequestContext, SessionRequestContext {
    typealias ParentContext = LatchkeyRequestContext

    var coreContext: CoreRequestContextStorage
    let sessions: SessionContext<DashboardSession>
    let remoteAddress: String?
    var seller: Seller?
    /// The form body, read once by the CSRF check and handed to the page.
    var form: [String: String] = [:]

    init(context: LatchkeyRequestContext) {
        self.coreContext = context.coreContext
        self.sessions = .init()
        self.remoteAddress = context.remoteAddress
    }

    var session: DashboardSession {
        if let session = sessions.session { return session }
        let fresh = DashboardSession.anonymous()
        sessions.createSession(fresh)
        return fresh
    }

    func actor() throws -> Actor {
        guard let seller else { throw DashboardRedirect.signIn }
        return Actor(seller: seller, sourceIP: remoteAddress)
    }

    func field(_ name: String) -> String {
        form[name] ?? ""
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
}

/// Leaving a page for another: sign-in when the session has no seller.
enum DashboardRedirect: Error {
    case signIn
}
