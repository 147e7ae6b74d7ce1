import Crypto
import Foundation
import Hummingbird
import LatchkeyCore
import LatchkeyOAuth
import LatchkeyWire

/// A sign-in sent to a tenant's provider, kept in the browser's session until the provider sends
/// the browser back: it is used once, and only by the browser that started it.
struct PendingFederation: Codable, Sendable {
    var state: String
    var nonce: String
    var verifier: String
    var providerID: String
    var returnTo: String
    var startedAt: Date
}

/// Signing in through a tenant's own OpenID provider (docs/federation.md): home-realm discovery
/// sends the user there with the code flow, PKCE, `state` and `nonce`; the callback checks the
/// answer, redeems the code, verifies the ID token and signs the user in to Latchkey.
struct FederatedSignIn {
    let federation: FederationDirectory
    let providers: UpstreamProviders
    let pages: Pages
    let clock: Clock
    /// Latchkey's own callback, which each provider must list for Latchkey's client.
    let redirectURI: String

    /// How long the provider may take to send the user back.
    static let patience: TimeInterval = 600
    static let callbackPath = "/signin/federated/callback"

    func addRoutes(to group: RouterGroup<WebContext>) {
        group.get("signin/federated/callback", use: callback)
    }

    /// The provider for a sign-in hint: an email's domain, or a domain itself.
    func provider(email: String?, domain: String?) async throws -> IdentityProvider? {
        if let email, !email.isEmpty, let normalized = try? EmailAddress.normalized(email), let found = try await federation.homeProvider(forEmail: normalized) {
            return found
        }
        if let domain, !domain.isEmpty { return try await federation.homeProvider(forDomain: domain) }
        return nil
    }

    /// Sends the browser to the provider; a provider that cannot be read gets a page.
    func start(_ provider: IdentityProvider, loginHint: String?, returnTo: String, context: WebContext) async throws -> Response {
        let metadata: ProviderMetadata
        do {
            metadata = try await providers.metadata(provider.issuer)
        } catch {
            try await federation.recordRefusal(error.message, subject: nil, provider: provider, sourceIP: context.remoteAddress)
            return unreachable(provider, error, context: context)
        }
        let pending = PendingFederation(
            state: OpaqueToken.generate().value, nonce: OpaqueToken.generate().value, verifier: OpaqueToken.generate().value, providerID: provider.id, returnTo: returnTo, startedAt: clock()
        )
        var session = context.session
        session.federation = pending
        _ = context.sessions.updateSession(session)
        var parameters = [
            ("response_type", "code"), ("client_id", provider.clientID), ("redirect_uri", redirectURI), ("scope", provider.scopes.joined(separator: " ")),
            ("state", pending.state), ("nonce", pending.nonce),
            ("code_challenge", Array(SHA256.hash(data: Data(pending.verifier.utf8))).base64URLEncoded()), ("code_challenge_method", "S256"),
        ]
        if let loginHint, !loginHint.isEmpty { parameters.append(("login_hint", loginHint)) }
        return .redirect(to: FormParameters.append(parameters, to: metadata.authorizationEndpoint), type: .normal)
    }

    private func unreachable(_ provider: IdentityProvider, _ error: ProviderUnreachable, context: WebContext) -> Response {
        pages.message(
            status: .badGateway, title: "Your organization's sign-in is unavailable",
            text: "Latchkey cannot reach your organization's sign-in service (\(provider.issuer)) now: \(error.message) Try again in a few minutes, or tell your administrator.",
            context: context, account: true
        )
    }

    private func refused(_ text: String, context: WebContext, status: HTTPResponse.Status = .forbidden) -> Response {
        pages.message(status: status, title: "Sign-in did not complete", text: text, context: context, account: true)
    }

    /// `GET /signin/federated/callback`: the provider's answer (RFC 6749 §4.1.2, RFC 9207).
    @Sendable func callback(_ request: Request, context: WebContext) async throws -> Response {
        let query = request.uri.queryParameters
        // Used once, whatever happens next: a replayed or second answer finds nothing.
        guard var session = context.sessions.session, let pending = session.federation else {
            return refused("This sign-in was already used or never started here. Start again from the sign-in page.", context: context, status: .badRequest)
        }
        session.federation = nil
        _ = context.sessions.updateSession(session)
        guard let state = query.get("state"), SecretDigest(of: state).constantTimeEquals(SecretDigest(of: pending.state)) else {
            return refused("The answer from your organization's sign-in service does not belong to this sign-in (state). Start again from the sign-in page.", context: context, status: .badRequest)
        }
        guard let provider = try await federation.provider(pending.providerID) else {
            return refused("Your organization no longer signs in through this service. Ask your administrator.", context: context)
        }
        let audit = { (reason: String) in try await federation.recordRefusal(reason, subject: nil, provider: provider, sourceIP: context.remoteAddress) }
        guard clock().timeIntervalSince(pending.startedAt) <= Self.patience else {
            try await audit("the provider sent the user back after more than \(Int(Self.patience / 60)) minutes")
            return refused("The sign-in took too long. Start again from the sign-in page.", context: context, status: .badRequest)
        }
        if let error = query.get("error") {
            let description = query.get("error_description").map { ": \($0)" } ?? ""
            try await audit("the provider answered \(error)\(description)")
            return refused("Your organization's sign-in service did not sign you in (\(error)\(description)).", context: context)
        }
        let metadata: ProviderMetadata
        do {
            metadata = try await providers.metadata(provider.issuer)
        } catch {
            try await audit(error.message)
            return unreachable(provider, error, context: context)
        }
        // RFC 9207 §2.4: an iss that is there must be the provider's; one it promises must be there.
        let iss = query.get("iss")
        if let iss, iss != provider.issuer {
            try await audit("the authorization response's iss is \(iss), not the provider's issuer")
            return refused("The answer came from another sign-in service than your organization's (iss). Start again from the sign-in page.", context: context, status: .badRequest)
        }
        if iss == nil, metadata.issParameterSupported == true {
            try await audit("the authorization response has no iss, which the provider promises")
            return refused("The answer does not say which sign-in service sent it (iss). Start again from the sign-in page.", context: context, status: .badRequest)
        }
        guard let code = query.get("code"), !code.isEmpty else {
            try await audit("the authorization response has no code")
            return refused("Your organization's sign-in service sent no code. Start again from the sign-in page.", context: context, status: .badRequest)
        }
        let identity: UpstreamIdentity
        do {
            guard let secret = try await federation.clientSecret(of: provider.id) else { throw ProviderUnreachable(message: "the provider is gone") }
            identity = try await providers.redeem(
                code: code, verifier: pending.verifier, redirectURI: redirectURI, nonce: pending.nonce, provider: provider, secret: secret
            )
        } catch let error as UpstreamTokenRefusal {
            try await audit(error.reason)
            return refused("Latchkey could not verify who your organization's sign-in service says you are: \(error.reason). Tell your administrator.", context: context)
        } catch let error as ProviderUnreachable {
            try await audit(error.message)
            return unreachable(provider, error, context: context)
        }
        let user: PlatformUser
        do {
            user = try await federation.signIn(identity, through: provider, sourceIP: context.remoteAddress)
        } catch let refusal as FederatedSignInRefusal {
            return refused(refusal.message, context: context)
        }
        context.rotateSession {
            $0.userID = user.id
            $0.userAuthTime = Date(timeIntervalSince1970: (identity.authTime ?? clock()).timeIntervalSince1970.rounded(.down))
            $0.userAuthentication = Authentication(identityProvider: provider.issuer, methods: identity.methods)
            $0.userProviderID = provider.id
            $0.federation = nil
            $0.sid = OpaqueToken.generate().value
            $0.signedInClients = nil
        }
        return .redirect(to: UserPages.safeReturn(pending.returnTo), type: .normal)
    }
}
