import Foundation
import Hummingbird
import LatchkeyCore
import LatchkeyOAuth

/// Ending a user's sign-in: the session forgets the user (and gets a new id); every app the user
/// signed in to during it that registered a back-channel logout URI is told, through the event
/// outbox and its retries (OpenID Connect Back-Channel Logout 1.0); and a user who came through
/// their organization's provider is sent to sign out there too when it offers an
/// `end_session_endpoint`, and comes back to `/signout/federated/done`.
struct SessionEnding {
    let outbox: any EventOutbox
    let federation: FederationDirectory
    let providers: UpstreamProviders
    let pages: Pages
    let clock: Clock
    /// Where the provider sends the user back (to register at the provider as a post-logout
    /// redirect URI).
    let returnURI: String

    static let returnPath = "/signout/federated/done"

    /// A sign-out waiting for the user's provider to send them back.
    struct Pending: Codable, Sendable {
        var state: String
        /// Where to go then; `nil` for the signed-out page.
        var destination: String?
    }

    func addRoutes(to group: RouterGroup<WebContext>) {
        group.get("signout/federated/done", use: done)
    }

    /// Signs the user out and answers with where to go: the provider's sign-out first, when
    /// there is one, else `destination` (or the signed-out page).
    func end(_ context: WebContext, continuingTo destination: String?) async throws -> Response {
        let session = context.sessions.session
        if let user = context.user, let clients = session?.signedInClients, !clients.isEmpty {
            let notices = clients.map { LogoutNotice(clientID: $0, subject: user.id, sessionID: session?.sid, tenantID: user.tenantID) }
            try await outbox.enqueue(notices, at: clock())
        }
        var upstream: (endpoint: String, clientID: String)?
        if context.user != nil, let providerID = session?.userProviderID, let provider = try await federation.provider(providerID),
            let endpoint = try? await providers.metadata(provider.issuer).endSessionEndpoint
        {
            upstream = (endpoint, provider.clientID)
        }
        let pending = upstream.map { _ in Pending(state: OpaqueToken.generate().value, destination: destination) }
        context.rotateSession {
            $0.userID = nil
            $0.userAuthTime = nil
            $0.userAuthentication = nil
            $0.userProviderID = nil
            $0.sid = nil
            $0.signedInClients = nil
            $0.signOut = pending
        }
        if let upstream, let pending {
            let parameters = [("client_id", upstream.clientID), ("post_logout_redirect_uri", returnURI), ("state", pending.state)]
            return .redirect(to: FormParameters.append(parameters, to: upstream.endpoint), type: .normal)
        }
        return finish(destination, context: context)
    }

    /// `GET /signout/federated/done`: back from the provider's sign-out.
    @Sendable func done(_ request: Request, context: WebContext) async throws -> Response {
        guard var session = context.sessions.session, let pending = session.signOut,
            let state = request.uri.queryParameters.get("state"), SecretDigest(of: state).constantTimeEquals(SecretDigest(of: pending.state))
        else {
            return finish(nil, context: context)
        }
        session.signOut = nil
        _ = context.sessions.updateSession(session)
        return finish(pending.destination, context: context)
    }

    private func finish(_ destination: String?, context: WebContext) -> Response {
        if let destination { return .redirect(to: destination, type: .normal) }
        return pages.message(
            status: .ok, title: "You are signed out",
            text: "You are signed out of the platform. Apps you used may keep you signed in to themselves until you sign out there.", context: context,
            account: true
        )
    }
}
