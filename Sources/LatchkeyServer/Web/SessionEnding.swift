import Foundation
import LatchkeyCore
import LatchkeyWire

/// Ending a user's sign-in: the session forgets the user (and gets a new id), and every app the
/// user signed in to during it that registered a back-channel logout URI is told, through the
/// event outbox and its retries (OpenID Connect Back-Channel Logout 1.0).
struct SessionEnding {
    let outbox: any EventOutbox
    let clock: Clock

    static func newSessionID() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<16).map { _ in UInt8.random(in: .min ... .max, using: &generator) }.base64URLEncoded()
    }

    func end(_ context: WebContext) async throws {
        let session = context.sessions.session
        if let user = context.user, let clients = session?.signedInClients, !clients.isEmpty {
            let notices = clients.map { LogoutNotice(clientID: $0, subject: user.id, sessionID: session?.sid, tenantID: user.tenantID) }
            try await outbox.enqueue(notices, at: clock())
        }
        context.rotateSession {
            $0.userID = nil
            $0.userAuthTime = nil
            $0.userAuthentication = nil
            $0.sid = nil
            $0.signedInClients = nil
        }
    }
}
