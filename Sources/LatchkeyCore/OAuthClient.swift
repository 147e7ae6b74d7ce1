import Foundation

/// A seller's OAuth Client ID with its secrets: the aggregate every secret rule of docs/seed-model.md §1 is
/// checked on. Mutations are pure; storage loads the aggregate, applies one, and saves it in
/// one transaction.
public struct OAuthClient: Sendable, Equatable {
    public let id: ClientID
    public let sellerID: String
    public var friendlyName: String
    public var appDomain: AppDomain
    public var redirectURL: RedirectURL
    public let availability: Availability
    /// The default validity of this client's secrets.
    public let secretValidity: SecretValidity
    public let createdAt: Date
    public private(set) var secrets: [ClientSecret]
    /// The secret chosen to sign. The effective signing secret at a moment is
    /// `signingSecret(at:)`, which falls back when this one is no longer active.
    public private(set) var designatedSigningSecretID: String?
    /// The algorithm of this client's ID tokens (OpenID Connect Registration's
    /// `id_token_signed_response_alg`): ES256 unless it only verifies RSA.
    public var idTokenAlgorithm: IDTokenAlgorithm
    /// A client that cannot keep a secret (a single-page or native app): it identifies itself
    /// by its id alone at the token endpoint, for the authorization code and refresh token
    /// grants, and must use PKCE (RFC 7636; RFC 9700 §2.1.1). Its secrets still sign inbound data.
    public var isPublic: Bool
    /// One of the platform's own APIs (set by an operator): it may introspect any client's
    /// tokens and follow the revocation feed. Other clients introspect only their own tokens.
    public var isResourceServer: Bool
    /// A confidential client of an earlier era allowed to ask for codes without PKCE. Every
    /// client uses PKCE by default (OAuth 2.1 §4.1.1; RFC 9700 §2.1.1); public clients always.
    public var isPKCEOptional: Bool
    /// Where users may be sent after signing out at the app's request (OpenID Connect
    /// RP-Initiated Logout `post_logout_redirect_uri`), matched exactly; none by default.
    public var postLogoutRedirectURIs: [RedirectURL]
    /// Where Latchkey posts a logout token when a user who signed in to the app signs out
    /// (OpenID Connect Back-Channel Logout 1.0); none by default.
    public var backchannelLogoutURI: EventsURL?

    public init(
        id: ClientID, sellerID: String, friendlyName: String, appDomain: AppDomain, redirectURL: RedirectURL,
        availability: Availability, secretValidity: SecretValidity, createdAt: Date,
        secrets: [ClientSecret], designatedSigningSecretID: String?, idTokenAlgorithm: IDTokenAlgorithm = .es256, isPublic: Bool = false,
        isResourceServer: Bool = false, isPKCEOptional: Bool = false, postLogoutRedirectURIs: [RedirectURL] = [],
        backchannelLogoutURI: EventsURL? = nil
    ) {
        self.backchannelLogoutURI = backchannelLogoutURI
        self.postLogoutRedirectURIs = postLogoutRedirectURIs
        self.isResourceServer = isResourceServer
        self.isPKCEOptional = isPKCEOptional
        self.idTokenAlgorithm = idTokenAlgorithm
        self.isPublic = isPublic
        self.id = id
        self.sellerID = sellerID
        self.friendlyName = friendlyName
        self.appDomain = appDomain
        self.redirectURL = redirectURL
        self.availability = availability
        self.secretValidity = secretValidity
        self.createdAt = createdAt
        self.secrets = secrets
        self.designatedSigningSecretID = designatedSigningSecretID
    }

    // MARK: Reading the rules

    public func activeSecrets(at now: Date) -> [ClientSecret] {
        secrets.filter { $0.isActive(at: now) }
    }

    /// docs/seed-model.md §1: exactly one active secret signs. The designated one while it is active; else the
    /// next valid secret: the active one with the latest end date, ties to the newest.
    public func signingSecret(at now: Date) -> ClientSecret? {
        if let id = designatedSigningSecretID, let designated = secrets.first(where: { $0.id == id }),
            designated.isActive(at: now)
        {
            return designated
        }
        return Self.nextValidSecret(among: activeSecrets(at: now))
    }

    static func nextValidSecret(among candidates: [ClientSecret]) -> ClientSecret? {
        candidates.max { lhs, rhs in
            if lhs.endsAt != rhs.endsAt { return lhs.endsAt < rhs.endsAt }
            if lhs.createdAt != rhs.createdAt { return lhs.createdAt < rhs.createdAt }
            return lhs.id < rhs.id
        }
    }

    /// What deleting this secret would cost the app, for the confirmation dialog.
    public func deletionWarnings(secretID: String, at now: Date) -> [SecretDeletionWarning] {
        var warnings: [SecretDeletionWarning] = []
        if signingSecret(at: now)?.id == secretID { warnings.append(.isSigningSecret) }
        let active = activeSecrets(at: now)
        if active.count == 1, active.first?.id == secretID { warnings.append(.isLastActiveSecret) }
        return warnings
    }

    // MARK: Changing

    /// Records the signing secret in force now as the designated one, so that a secret added
    /// later does not silently take over after a fallback (the fallback happened at expiry).
    public mutating func settleSigningSecret(at now: Date) {
        if let current = signingSecret(at: now) {
            designatedSigningSecretID = current.id
        } else if let id = designatedSigningSecretID, !secrets.contains(where: { $0.id == id }) {
            designatedSigningSecretID = nil
        }
    }

    /// Adds a secret under the cap (docs/seed-model.md §1). The first secret of a client is its signing secret.
    public mutating func addSecret(_ secret: ClientSecret, cap: Int, at now: Date) throws(DomainError) {
        settleSigningSecret(at: now)
        let live = secrets.filter { $0.status(at: now) != .expired }
        guard live.count < cap else {
            throw .conflict(
                field: "secrets",
                code: "secret_cap_reached",
                message: "This Client ID already has \(live.count) unexpired secrets, the most allowed (\(cap)). Delete one you no longer use, then add the new one."
            )
        }
        secrets.append(secret)
        if designatedSigningSecretID == nil { designatedSigningSecretID = secret.id }
    }

    /// Deletes a secret. docs/seed-model.md §1: when it was the signing secret, the next valid one signs.
    public mutating func deleteSecret(id: String, at now: Date) throws(DomainError) {
        guard secrets.contains(where: { $0.id == id }) else { throw .notFound("secret") }
        settleSigningSecret(at: now)
        secrets.removeAll { $0.id == id }
        if designatedSigningSecretID == id {
            designatedSigningSecretID = Self.nextValidSecret(among: activeSecrets(at: now))?.id
        }
    }

    /// Makes another active secret the signing one (docs/seed-model.md §1).
    public mutating func makeSigningSecret(id: String, at now: Date) throws(DomainError) {
        guard let secret = secrets.first(where: { $0.id == id }) else { throw .notFound("secret") }
        let status = secret.status(at: now)
        guard status == .active else {
            throw .conflict(
                field: "secretId",
                code: "secret_not_active",
                message: "Only an active secret can sign; this one is \(status.rawValue)."
                    + (status == .pending ? " Wait until its start date." : " Add a new secret instead.")
            )
        }
        designatedSigningSecretID = id
    }
}

public enum SecretDeletionWarning: String, Sendable, Codable {
    /// Inbound data will be signed with another secret from now on.
    case isSigningSecret = "signing_secret"
    /// The app will lose access until a new secret is added.
    case isLastActiveSecret = "last_active_secret"
}

/// The algorithms an ID token may be signed with.
public enum IDTokenAlgorithm: String, Sendable, Codable, CaseIterable {
    case es256 = "ES256"
    case rs256 = "RS256"

    public static let field = "idTokenSignedResponseAlg"

    public init(validating text: String?) throws(FieldIssue) {
        guard let text else {
            self = .es256
            return
        }
        guard let value = IDTokenAlgorithm(rawValue: text.uppercased()) else {
            throw FieldIssue(field: Self.field, code: "invalid_choice", message: "Choose ES256 (the default) or RS256 for clients that only verify RSA signatures; \"\(text)\" is not one of them.")
        }
        self = value
    }
}

extension OAuthClient {
    public static let postLogoutField = "postLogoutRedirectUris"

    /// Each one a redirect URL by the same rules as `redirectUrl` (https, or http on localhost;
    /// the app domain's host or a subdomain; no fragment), at most ten.
    public static func validatePostLogoutRedirectURIs(_ input: [String], appDomain: AppDomain) throws(FieldIssue) -> [RedirectURL] {
        guard input.count <= 10 else {
            throw FieldIssue(field: postLogoutField, code: "too_many", message: "Register at most 10 post-logout redirect URIs; this has \(input.count).")
        }
        var urls: [RedirectURL] = []
        for text in input {
            do {
                let url = try RedirectURL(validating: text, appDomain: appDomain)
                if !urls.contains(url) { urls.append(url) }
            } catch {
                throw FieldIssue(field: postLogoutField, code: error.code, message: error.message.replacingOccurrences(of: "The redirect URL", with: "Each post-logout redirect URI"))
            }
        }
        return urls
    }

    public static let backchannelField = "backchannelLogoutUri"

    /// An events URL (a host name, https or http on localhost) whose host is the app domain's
    /// or a subdomain's (Back-Channel Logout §2.2: the same site as the redirect URI); an empty
    /// text clears it.
    public static func validateBackchannelLogoutURI(_ input: String, appDomain: AppDomain) throws(FieldIssue) -> EventsURL? {
        guard !input.trimmingWhitespace().isEmpty else { return nil }
        do {
            _ = try RedirectURL(validating: input, appDomain: appDomain)
            return try EventsURL(validating: input)
        } catch {
            let message = error.message.replacingOccurrences(of: "The redirect URL", with: "The back-channel logout URI")
                .replacingOccurrences(of: "events URL", with: "back-channel logout URI")
            throw FieldIssue(field: backchannelField, code: error.code, message: message)
        }
    }

    /// Whether its authorization requests must carry a PKCE challenge.
    public var requiresPKCE: Bool { isPublic || !isPKCEOptional }

    /// A public client cannot do without PKCE: nothing else proves it is the one that asked.
    public static func checkPKCEOptional(isPublic: Bool, isPKCEOptional: Bool) throws(FieldIssue) {
        if isPublic && isPKCEOptional {
            throw FieldIssue(field: "pkceOptional", code: "public_client_needs_pkce", message: "A public client must use PKCE; leave pkceOptional off, or make the client confidential.")
        }
    }

    /// Whether `self` differs from `before` in what operators approved with its apps: the app
    /// domain, the redirect URL, and whether the client is public (a public client's codes and
    /// refresh tokens redeem with `client_id` alone). Such a change sends its apps back to review.
    public func differsMateriallyFrom(_ before: OAuthClient) -> Bool {
        appDomain != before.appDomain || redirectURL != before.redirectURL || isPublic != before.isPublic
    }

    /// What changing `before` into `self` brings with it: whatever a deleted secret obtained ends
    /// with it (it may have been stolen), and a material change sends the apps back to review.
    public func effects(replacing before: OAuthClient, at now: Date, audit: AuditEntry) -> Effects {
        var effects = Effects(at: now, audit: audit)
        let kept = Set(secrets.map(\.id))
        for removed in before.secrets.map(\.id) where !kept.contains(removed) {
            effects = effects.revoking(clientID: id.rawValue, secretID: removed)
        }
        if differsMateriallyFrom(before) { effects = effects.returningAppsToReview(using: id) }
        return effects
    }
}
