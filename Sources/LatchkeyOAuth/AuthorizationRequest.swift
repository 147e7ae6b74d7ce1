import Foundation
import LatchkeyCore
import LatchkeyWire

/// An authorization request (RFC 6749 §4.1.1, RFC 7636 §4.3, OpenID Connect Core §3.1.2.1),
/// checked in two steps: first the client and its redirect URI, after which errors can go back
/// to the client by redirect; then the rest.
public struct AuthorizationRequest: Sendable {
    public let client: RegisteredClient
    /// Where the response goes: the registered redirect URL.
    public let redirectURI: String
    /// Whether the request named it (then the token request must name it too).
    public let redirectURIGiven: Bool
    public let state: String?
    public let scopes: [String]
    public let nonce: String?
    public let codeChallenge: String?
    public let prompt: Set<String>
    /// OpenID Connect Core §3.1.2.1: the most seconds since the user last signed in.
    public let maxAge: Int?
    /// The request's parameters, to carry through sign-in and the consent form.
    public let parameters: [(String, String)]

    /// Why a request cannot even be answered by redirect (RFC 6749 §4.1.2.1: never redirect to
    /// an unverified URI); shown to the user instead.
    public struct Unredirectable: Error, Sendable {
        public let message: String
    }

    /// Steps 1 and 2: the errors of step 2 are delivered to `redirectURI` by the caller.
    public static func parse(
        _ form: FormParameters, directory: any ClientDirectory
    ) async throws -> Result<AuthorizationRequest, RedirectableError> {
        let clientText: String?
        do { clientText = try form.value("client_id") } catch { throw Unredirectable(message: error.description) }
        guard let clientText, let clientID = ClientID(clientText), let client = try await directory.client(clientID) else {
            throw Unredirectable(message: "The app sent you here with an unknown client_id, so Latchkey cannot send you back to it.")
        }
        let registered = client.registration.redirectURL.value
        let given: String?
        do { given = try form.value("redirect_uri") } catch { throw Unredirectable(message: error.description) }
        // RFC 9700 §4.1.3: exact string comparison with the registered URL.
        if let given, given != registered {
            throw Unredirectable(message: "The app asked to send you to \(given), which is not the redirect URL it registered, so Latchkey will not send you there.")
        }
        let state = (try? form.value("state")) ?? nil
        do {
            return .success(try validate(form, client: client, redirectURI: registered, redirectURIGiven: given != nil, state: state))
        } catch {
            return .failure(RedirectableError(error: error, redirectURI: registered, state: state))
        }
    }

    private static func validate(
        _ form: FormParameters, client: RegisteredClient, redirectURI: String, redirectURIGiven: Bool, state: String?
    ) throws(OAuthError) -> AuthorizationRequest {
        guard let responseType = try form.value("response_type") else {
            throw OAuthError(.invalidRequest, "response_type is missing; use response_type=code.")
        }
        guard responseType == "code" else {
            throw OAuthError(.unsupportedResponseType, "response_type \(responseType) is not supported; use response_type=code.")
        }
        let challenge = try form.value("code_challenge")
        let method = try form.value("code_challenge_method")
        if challenge != nil || method != nil {
            guard method == "S256" else {
                throw OAuthError(.invalidRequest, "code_challenge_method must be S256; plain is not accepted.")
            }
            guard let challenge, challenge.utf8.count == 43, challenge.utf8.allSatisfy(Self.isBase64URL) else {
                throw OAuthError(.invalidRequest, "code_challenge must be the base64url SHA-256 of the verifier: 43 characters.")
            }
        }
        // OAuth 2.1 §4.1.1, RFC 9700 §2.1.1: PKCE for every client, unless an earlier era's
        // confidential client is allowed without it.
        if client.registration.requiresPKCE && challenge == nil {
            throw OAuthError(
                .invalidRequest,
                client.registration.isPublic
                    ? "code_challenge is missing: this client is public, so it must use PKCE (S256)."
                    : "code_challenge is missing: Latchkey requires PKCE (S256) of every client; a confidential app that cannot send it asks its seller to set pkceOptional on its Client ID."
            )
        }
        let prompt = Set(Scopes.parse(try form.value("prompt")))
        let knownPrompts: Set<String> = ["none", "login", "consent", "select_account"]
        guard prompt.isSubset(of: knownPrompts), !(prompt.contains("none") && prompt.count > 1) else {
            throw OAuthError(.invalidRequest, "prompt must be none, or any of login and consent.")
        }
        let scopes = Scopes.parse(try form.value("scope"))
        guard !scopes.isEmpty else {
            throw OAuthError(.invalidScope, "scope is missing: ask for openid and the permissions the app needs, for example scope=openid Calendars.Read.")
        }
        let nonce = try form.value("nonce")
        var maxAge: Int?
        if let text = try form.value("max_age") {
            guard let seconds = Int(text), seconds >= 0 else {
                throw OAuthError(.invalidRequest, "max_age must be a whole number of seconds, 0 or more.")
            }
            maxAge = seconds
        }
        // Carried through sign-in and the consent form: prompt and max_age are satisfied by the
        // sign-in they cause, and are not asked again on the way back.
        var parameters: [(String, String)] = []
        for (name, values) in form.all.sorted(by: { $0.key < $1.key }) where !["_csrf", "decision", "for_organization", "prompt", "max_age"].contains(name) {
            if let value = values.first { parameters.append((name, value)) }
        }
        return AuthorizationRequest(
            client: client, redirectURI: redirectURI, redirectURIGiven: redirectURIGiven, state: state, scopes: scopes, nonce: nonce,
            codeChallenge: challenge, prompt: prompt, maxAge: maxAge, parameters: parameters
        )
    }

    /// RFC 6749 §4.1.2 with RFC 9207's `iss`.
    public func successRedirect(code: String, issuer: String) -> String {
        var parameters = [("code", code)]
        if let state { parameters.append(("state", state)) }
        parameters.append(("iss", issuer))
        return FormParameters.append(parameters, to: redirectURI)
    }

    public func errorRedirect(_ error: OAuthError, issuer: String) -> String {
        error.redirect(to: redirectURI, state: state, issuer: issuer)
    }

    static func isBase64URL(_ byte: UInt8) -> Bool {
        Base64URL.alphabet.contains(byte)
    }
}

/// An authorization error to be delivered to the client's verified redirect URI.
public struct RedirectableError: Error, Sendable {
    public let error: OAuthError
    public let redirectURI: String
    public let state: String?

    public func location(issuer: String) -> String {
        error.redirect(to: redirectURI, state: state, issuer: issuer)
    }
}
