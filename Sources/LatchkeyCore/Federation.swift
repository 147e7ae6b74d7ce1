import Foundation

/// Which claims of a provider's ID token say who the user is (docs/federation.md): the email, the
/// display name, and the claim and value that make a user an admin of the tenant.
public struct ClaimMapping: Sendable, Equatable, Codable {
    public var email: String
    public var name: String
    /// A claim (a string, or an array of strings such as `groups`) and the value in it that makes
    /// the user a tenant admin; without it, no user of the provider is an admin.
    public var adminClaim: String?
    public var adminValue: String?

    public init(email: String = "email", name: String = "name", adminClaim: String? = nil, adminValue: String? = nil) {
        self.email = email
        self.name = name
        self.adminClaim = adminClaim
        self.adminValue = adminValue
    }

    public static let standard = ClaimMapping()
}

/// A tenant's OpenID provider: Latchkey is its relying party, with a client id and secret the
/// provider issued. The secret is stored sealed and never shown again.
public struct IdentityProvider: Sendable, Equatable {
    public let id: String
    public let tenantID: String
    public var issuer: String
    public var clientID: String
    public var scopes: [String]
    public var claims: ClaimMapping
    /// Whether a user already in the tenant with the provider's (verified) email becomes the
    /// provider's user, rather than being refused.
    public var allowLinking: Bool
    public let createdAt: Date

    public init(id: String, tenantID: String, issuer: String, clientID: String, scopes: [String], claims: ClaimMapping, allowLinking: Bool, createdAt: Date) {
        self.id = id
        self.tenantID = tenantID
        self.issuer = issuer
        self.clientID = clientID
        self.scopes = scopes
        self.claims = claims
        self.allowLinking = allowLinking
        self.createdAt = createdAt
    }

    public static let defaultScopes = ["openid", "profile", "email"]
}

/// An email domain a tenant holds: an address there signs in through the tenant's provider.
public struct TenantDomain: Sendable, Equatable {
    public let domain: String
    public let tenantID: String
    /// When it was proved the tenant's: an operator's word, given when the operator added it.
    public let verifiedAt: Date

    public init(domain: String, tenantID: String, verifiedAt: Date) {
        self.domain = domain
        self.tenantID = tenantID
        self.verifiedAt = verifiedAt
    }

    /// A DNS name of at least two labels, lowercased: `fabrikam.example`.
    public static func validate(_ input: String?) throws(FieldIssue) -> String {
        let text = (input ?? "").trimmingWhitespace().lowercased()
        let name = text.hasSuffix(".") ? String(text.dropLast()) : text
        let labels = name.split(separator: ".", omittingEmptySubsequences: false)
        let wellFormed =
            name.utf8.count <= 253 && labels.count >= 2
            && labels.allSatisfy { label in
                (1...63).contains(label.utf8.count) && label.first != "-" && label.last != "-"
                    && label.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }
            }
        guard wellFormed else {
            throw FieldIssue(
                field: "domain", code: "invalid_domain",
                message: "Name an email domain such as fabrikam.example: letters, digits and hyphens, in labels separated by dots (an internationalized name in its xn-- form)."
            )
        }
        return name
    }
}

/// What an operator or a tenant admin asks for when connecting a provider, checked.
public struct ProviderRegistration: Sendable {
    public let issuer: String
    public let clientID: String
    public let clientSecret: String?
    public let scopes: [String]
    public let claims: ClaimMapping
    public let allowLinking: Bool

    /// Checks every field. `allowHTTP`: an `http://` issuer on this machine is accepted (the
    /// development switch, LATCHKEY_ALLOW_LOOPBACK_CALLBACKS). `secretRequired`: creating needs
    /// one; a change may keep the stored one.
    public init(
        issuer: String?, clientID: String?, clientSecret: String?, scopes: [String]?, claims: ClaimMapping?, allowLinking: Bool?,
        allowHTTP: Bool, secretRequired: Bool
    ) throws(DomainError) {
        var issues = IssueCollector()
        let issuer = issues.check { () throws(FieldIssue) in try Self.validateIssuer(issuer, allowHTTP: allowHTTP) }
        let clientID = issues.check { () throws(FieldIssue) in
            try Self.validateToken(clientID, field: "clientId", what: "the client id the provider issued to Latchkey")
        }
        var secret: String?
        if let clientSecret, !clientSecret.isEmpty || secretRequired {
            secret = issues.check { () throws(FieldIssue) in
                try Self.validateToken(clientSecret, field: "clientSecret", what: "the client secret the provider issued to Latchkey", limit: 1000)
            }
        } else if secretRequired {
            issues.add(FieldIssue(field: "clientSecret", code: "required", message: "Enter the client secret the provider issued to Latchkey."))
        }
        let scopes = issues.check { () throws(FieldIssue) in try Self.validateScopes(scopes) }
        let claims = issues.check { () throws(FieldIssue) in try Self.validateClaims(claims ?? .standard) }
        try issues.throwIfAny()
        guard let issuer, let clientID, let scopes, let claims else { throw .invalid(issues.issues) }
        self.issuer = issuer
        self.clientID = clientID
        self.clientSecret = secret
        self.scopes = scopes
        self.claims = claims
        self.allowLinking = allowLinking ?? false
    }

    /// An https URL without query or fragment (OpenID Connect Discovery §2), kept exactly as
    /// written: ID tokens must name it character for character. `http://` only for this
    /// machine, under the development switch.
    static func validateIssuer(_ input: String?, allowHTTP: Bool) throws(FieldIssue) -> String {
        let issuer = (input ?? "").trimmingWhitespace()
        guard let url = URLComponents(string: issuer), let scheme = url.scheme?.lowercased(), let host = url.host, !host.isEmpty,
            url.query == nil, url.fragment == nil, url.user == nil
        else {
            throw FieldIssue(
                field: "issuer", code: "invalid_issuer",
                message: "Enter the provider's issuer: an https URL without query or fragment, as its discovery document's \"issuer\" says (https://login.fabrikam.example)."
            )
        }
        let loopback = host == "localhost" || host == "[::1]" || host == "::1" || host.hasPrefix("127.")
        switch scheme {
        case "https": return issuer
        case "http" where loopback && allowHTTP: return issuer
        case "http" where loopback:
            throw FieldIssue(
                field: "issuer", code: "https_required",
                message: "An issuer on this machine may be http only under the development switch LATCHKEY_ALLOW_LOOPBACK_CALLBACKS=true; otherwise use https."
            )
        default:
            throw FieldIssue(field: "issuer", code: "https_required", message: "The issuer must be an https URL: ID tokens and secrets travel to it.")
        }
    }

    /// Text without control characters or text-direction marks, trimmed, not empty.
    static func validateToken(_ input: String?, field: String, what: String, limit: Int = 255) throws(FieldIssue) -> String {
        let text = (input ?? "").trimmingWhitespace()
        guard !text.isEmpty else { throw FieldIssue(field: field, code: "required", message: "Enter \(what).") }
        guard (input ?? "").unicodeScalars.count <= limit, !text.unicodeScalars.contains(where: PlainText.isDisallowed) else {
            throw FieldIssue(field: field, code: "invalid_characters", message: "Enter \(what): up to \(limit) characters, without control characters.")
        }
        return text
    }

    /// Scope names, a space between two (an item may hold several); openid first when missing.
    static func validateScopes(_ input: [String]?) throws(FieldIssue) -> [String] {
        guard let input else { return IdentityProvider.defaultScopes }
        var scopes: [String] = []
        for item in input {
            guard !item.unicodeScalars.contains(where: PlainText.isDisallowed), item.unicodeScalars.count <= 100 else {
                throw FieldIssue(field: "scopes", code: "invalid_scope", message: "Each scope is a word of up to 100 characters, such as openid or email, without control characters.")
            }
            for scope in item.split(whereSeparator: { $0.isWhitespace }).map(String.init) where !scopes.contains(scope) {
                scopes.append(scope)
            }
        }
        // Without openid the provider sends no ID token: it is always asked for.
        return scopes.contains("openid") ? scopes : ["openid"] + scopes
    }

    static func validateClaims(_ claims: ClaimMapping) throws(FieldIssue) -> ClaimMapping {
        func name(_ text: String?, _ field: String) throws(FieldIssue) -> String? {
            guard let text else { return nil }
            let trimmed = text.trimmingWhitespace()
            guard !trimmed.isEmpty, text.unicodeScalars.count <= 100, !trimmed.unicodeScalars.contains(where: PlainText.isDisallowed) else {
                throw FieldIssue(field: "claims.\(field)", code: "invalid_claim", message: "Name a claim of the provider's ID token: up to 100 characters, such as email.")
            }
            return trimmed
        }
        let mapping = ClaimMapping(
            email: try name(claims.email, "email") ?? "email", name: try name(claims.name, "name") ?? "name",
            adminClaim: try name(claims.adminClaim, "adminClaim"), adminValue: claims.adminValue.map { $0.trimmingWhitespace() }.flatMap { $0.isEmpty ? nil : $0 }
        )
        guard (mapping.adminClaim == nil) == (mapping.adminValue == nil) else {
            throw FieldIssue(
                field: mapping.adminClaim == nil ? "claims.adminClaim" : "claims.adminValue", code: "incomplete",
                message: "Give both adminClaim and adminValue (for example groups and latchkey-admins), or neither."
            )
        }
        return mapping
    }
}

/// Who a provider says signed in, from an ID token already verified.
public struct UpstreamIdentity: Sendable, Equatable {
    public let subject: String
    public let email: String?
    public let emailVerified: Bool
    public let name: String?
    /// Whether the admin claim holds the admin value.
    public let isAdmin: Bool
    public let authTime: Date?
    public let methods: [String]

    public init(subject: String, email: String?, emailVerified: Bool, name: String?, isAdmin: Bool, authTime: Date?, methods: [String]) {
        self.subject = subject
        self.email = email
        self.emailVerified = emailVerified
        self.name = name
        self.isAdmin = isAdmin
        self.authTime = authTime
        self.methods = methods
    }
}

/// Why a federated sign-in ends on a page instead of in a session; each is audited.
public enum FederatedSignInRefusal: Error, Sendable, Equatable {
    /// The provider sent no usable email for a user Latchkey does not know yet.
    case noEmail
    /// A built-in user of the tenant has the email, and linking is off or the email unverified.
    case emailTakenInTenant(linkingAllowed: Bool)
    /// A user of another tenant, or another provider, has the email.
    case emailTakenElsewhere
    /// The email's domain is claimed by another tenant.
    case domainOfAnotherTenant
    /// Linking would join a built-in user whose email is not in a domain the tenant claims.
    case linkOutsideClaimedDomains

    public var reason: String {
        switch self {
        case .noEmail: "the provider's ID token has no email claim"
        case .emailTakenInTenant(true): "a built-in user has this email and the provider did not say it is verified"
        case .emailTakenInTenant(false): "a built-in user has this email and the provider does not link accounts"
        case .emailTakenElsewhere: "another organization's user, or another provider's, has this email"
        case .domainOfAnotherTenant: "the email's domain belongs to another organization"
        case .linkOutsideClaimedDomains: "a built-in user has this email, outside the domains the organization claims, so it is not linked"
        }
    }

    /// For the person signing in.
    public var message: String {
        switch self {
        case .noEmail:
            "Your organization's sign-in service did not say your email address. Ask your administrator to release the email claim to Latchkey."
        case .emailTakenInTenant(true):
            "An account with your email exists already. It can be joined to your organization's sign-in only when that service says your email is verified; ask your administrator."
        case .emailTakenInTenant(false):
            "An account with your email exists already and signs in with a password. Ask your administrator to allow linking, or sign in with your password."
        case .emailTakenElsewhere:
            "Another organization's account uses your email address, so this sign-in cannot create yours. Ask your administrator."
        case .domainOfAnotherTenant:
            "Your email address belongs to another organization's domain, so this organization's sign-in cannot create your account."
        case .linkOutsideClaimedDomains:
            "An account with your email exists already. It can be joined to your organization's sign-in only for addresses in your organization's own domains; ask your administrator."
        }
    }
}

public protocol FederationStore: Sendable {
    func insert(_ provider: IdentityProvider, sealedSecret: String, audit: AuditEntry) async throws
    /// The tenant's providers, oldest first.
    func providers(in tenantID: String) async throws -> [IdentityProvider]
    func provider(_ id: String) async throws -> (provider: IdentityProvider, sealedSecret: String)?
    /// Replaces the provider's settings, and its secret when `sealedSecret` is given.
    func update(_ provider: IdentityProvider, sealedSecret: String?, audit: AuditEntry) async throws
    func deleteProvider(_ id: String, in tenantID: String, audit: AuditEntry) async throws -> Bool
    /// Throws `DomainError.conflict` on `domain` when a tenant holds it already.
    func insert(_ domain: TenantDomain, audit: AuditEntry) async throws
    func domains(in tenantID: String) async throws -> [TenantDomain]
    func domain(_ name: String) async throws -> TenantDomain?
    func deleteDomain(_ name: String, in tenantID: String, audit: AuditEntry) async throws -> Bool
    /// The user a provider's subject is, whichever their email now.
    func user(provider: String, subject: String) async throws -> PlatformUser?
    /// The provider a user signs in with, when not a built-in user.
    func providerID(ofUser userID: String) async throws -> String?
    /// Creates a user of the provider (no password).
    func insertFederatedUser(_ user: PlatformUser, provider: String, subject: String, audit: AuditEntry) async throws
    /// Makes a built-in user the provider's: their password no longer signs them in.
    func link(userID: String, provider: String, subject: String, audit: AuditEntry) async throws
    /// Brings the name, email and admin status the provider gives at a sign-in into the record.
    func refresh(_ user: PlatformUser, audit: AuditEntry) async throws
}
