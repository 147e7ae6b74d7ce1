import Foundation

/// An approved app installed into a tenant (docs/seed-model.md §1: "installed where the token applies").
public struct Installation: Sendable, Equatable {
    public let tenantID: String
    public let appID: String
    public let installedAt: Date
    public let installedBy: String

    public init(tenantID: String, appID: String, installedAt: Date, installedBy: String) {
        self.tenantID = tenantID
        self.appID = appID
        self.installedAt = installedAt
        self.installedBy = installedBy
    }
}

/// One permission consented to one app, by a user for themself or by an admin for the tenant.
public struct Consent: Sendable, Equatable {
    public let tenantID: String
    /// `nil`: the tenant's admin consented for everyone in the tenant.
    public let userID: String?
    public let appID: String
    public let permission: String
    public let grantedAt: Date
    public let grantedBy: String

    public init(tenantID: String, userID: String?, appID: String, permission: String, grantedAt: Date, grantedBy: String) {
        self.tenantID = tenantID
        self.userID = userID
        self.appID = appID
        self.permission = permission
        self.grantedAt = grantedAt
        self.grantedBy = grantedBy
    }
}

/// An authorization code as stored: its digest, never its value (RFC 6749 §4.1.2, §10.5).
public struct AuthorizationCode: Sendable, Equatable {
    public let digest: SecretDigest
    public let clientID: ClientID
    public let appID: String
    public let userID: String
    public let tenantID: String
    /// The redirect_uri of the authorization request, when it carried one (RFC 6749 §4.1.3).
    public let redirectURI: String?
    public let scopes: [String]
    public let nonce: String?
    /// RFC 7636: the S256 challenge.
    public let codeChallenge: String?
    public let authTime: Date
    public let authentication: Authentication
    public let expiresAt: Date

    /// RFC 6749 §4.1.2 recommends at most ten minutes; a minute is enough for a server to redeem it.
    public static let lifetime: TimeInterval = 60

    public init(
        digest: SecretDigest, clientID: ClientID, appID: String, userID: String, tenantID: String, redirectURI: String?,
        scopes: [String], nonce: String?, codeChallenge: String?, authTime: Date, authentication: Authentication = .password, expiresAt: Date
    ) {
        self.authentication = authentication
        self.digest = digest
        self.clientID = clientID
        self.appID = appID
        self.userID = userID
        self.tenantID = tenantID
        self.redirectURI = redirectURI
        self.scopes = scopes
        self.nonce = nonce
        self.codeChallenge = codeChallenge
        self.authTime = authTime
        self.expiresAt = expiresAt
    }
}

/// How the user proved who they are (OpenID Connect `amr`, RFC 8176, and `idp`): Latchkey's
/// password, or a tenant's provider and the methods it reported.
public struct Authentication: Sendable, Equatable, Codable {
    /// The provider's issuer; `nil` for Latchkey's own password.
    public let identityProvider: String?
    public let methods: [String]
    /// The sign-in session (an ID token's `sid`), which a back-channel logout names.
    public let sessionID: String?

    public init(identityProvider: String?, methods: [String], sessionID: String? = nil) {
        self.identityProvider = identityProvider
        self.methods = methods
        self.sessionID = sessionID
    }

    /// The same, in the session `sessionID`.
    public func inSession(_ sessionID: String?) -> Authentication {
        Authentication(identityProvider: identityProvider, methods: methods, sessionID: sessionID)
    }

    public static let password = Authentication(identityProvider: nil, methods: ["pwd"])
}

/// A refresh token as stored. Every rotation makes a new one in the same family; presenting a
/// rotated one again revokes the family (RFC 9700 §4.14.2).
public struct RefreshGrant: Sendable, Equatable {
    public let id: String
    public let digest: SecretDigest
    public let familyID: String
    public let clientID: ClientID
    public let appID: String
    public let userID: String
    public let tenantID: String
    public let scopes: [String]
    public let authTime: Date
    public let authentication: Authentication
    public let createdAt: Date
    public let expiresAt: Date

    /// A refresh token lives 90 days, and each rotation starts that period again.
    public static let lifetime: TimeInterval = 90 * 86_400

    public init(
        id: String, digest: SecretDigest, familyID: String, clientID: ClientID, appID: String, userID: String, tenantID: String,
        scopes: [String], authTime: Date, authentication: Authentication = .password, createdAt: Date, expiresAt: Date
    ) {
        self.authentication = authentication
        self.id = id
        self.digest = digest
        self.familyID = familyID
        self.clientID = clientID
        self.appID = appID
        self.userID = userID
        self.tenantID = tenantID
        self.scopes = scopes
        self.authTime = authTime
        self.createdAt = createdAt
        self.expiresAt = expiresAt
    }
}

/// What presenting a single-use credential found.
public enum Redemption<Record: Sendable>: Sendable {
    /// First use: the record, now marked used.
    case redeemed(Record)
    /// Used before: what it issued has just been revoked.
    case replayed
    /// Unknown or expired.
    case invalid
}

/// Tenants and their users.
public protocol TenantStore: Sendable {
    func insert(_ tenant: Tenant, audit: AuditEntry) async throws
    func tenants() async throws -> [Tenant]
    func tenant(_ id: String) async throws -> Tenant?
    /// Throws `DomainError.conflict` on `email` when the address is taken.
    func insert(_ user: PlatformUser, passwordHash: String, audit: AuditEntry) async throws
    func users(in tenantID: String) async throws -> [PlatformUser]
    func user(_ id: String) async throws -> PlatformUser?
    func user(email: String) async throws -> (user: PlatformUser, passwordHash: String)?
    func updatePasswordHash(userID: String, to hash: String) async throws
    /// Deletes the user with their consents and codes, writing `effects`; `false` if absent.
    func deleteUser(_ id: String, in tenantID: String, effects: Effects) async throws -> Bool
    /// Writes an entry that goes with no change (a sign-in).
    func record(_ entry: AuditEntry) async throws
}

public protocol PermissionStore: Sendable {
    func put(_ permission: Permission, audit: AuditEntry) async throws
    /// Operator-defined permissions, by name.
    func permissions() async throws -> [Permission]
}

/// Installations and consents, the two things a token for a tenant needs besides an approved app.
/// Each change writes its audit entry, and its event for the app (when the app has an events
/// URL), in its own transaction.
public protocol ConsentStore: Sendable {
    /// Throws `DomainError.conflict` when the app is installed already.
    func install(_ installation: Installation, audit: AuditEntry, event: AppEvent) async throws
    /// Removes the installation with the tenant's consents to the app, writing `effects`.
    func uninstall(appID: String, from tenantID: String, effects: Effects) async throws -> Bool
    func installations(in tenantID: String) async throws -> [Installation]
    func isInstalled(appID: String, in tenantID: String) async throws -> Bool
    /// Adds consents (those already given are kept as they were).
    func grant(_ consents: [Consent], audit: AuditEntry, event: AppEvent) async throws
    /// The permissions consented to the app for the user: theirs and the tenant's.
    /// `userID == nil`: the tenant-wide consents only.
    func consentedPermissions(appID: String, tenantID: String, userID: String?) async throws -> Set<String>
    /// A user's own consents (`userID` set) or a tenant's tenant-wide ones (`userID == nil`).
    func consents(tenantID: String, userID: String?) async throws -> [Consent]
    /// Deletes the consents of the user (or, with `userID == nil`, the tenant-wide ones) to the
    /// app, writing `effects`. `false` when there were none.
    func revoke(appID: String, tenantID: String, userID: String?, effects: Effects) async throws -> Bool
}

/// Authorization codes (RFC 6749 §4.1): issued, redeemed once, and a replay's consequences.
public protocol AuthorizationCodeStore: Sendable {
    func insert(_ code: AuthorizationCode, audit: AuditEntry) async throws
    /// The code with this digest and whether it was used; `nil` when unknown.
    func code(_ digest: SecretDigest) async throws -> (code: AuthorizationCode, used: Bool)?
    /// Marks the unused code used and stores what it issued (its refresh token, its access
    /// token's id) in the same transaction; `false` when it had been used meanwhile.
    func redeem(_ digest: SecretDigest, issuing refreshToken: RefreshGrant?, accessTokenID: String, accessTokenExpiresAt: Date, at now: Date) async throws -> Bool
    /// A used code presented again (RFC 6749 §4.1.2): revokes the refresh-token family and the
    /// access token it issued, and writes `effects` (`AuthorizationCode.replayed`).
    func revokeIssued(byCode digest: SecretDigest, effects: Effects) async throws
}

/// Refresh-token families (RFC 6749 §6, RFC 9700 §4.14.2).
public protocol RefreshTokenStore: Sendable {
    /// Marks the client's token rotated and stores the successor `issue` makes of it, in one
    /// transaction: a crash leaves either both or neither. `issue` runs inside it and must not
    /// touch the database; its error rolls everything back. A rotated token presented again
    /// revokes its whole family and writes `replayed(grant)` (`replayed`).
    func rotateRefreshToken<Issued: Sendable>(
        _ digest: SecretDigest, clientID: ClientID, at now: Date, replayed: @Sendable (RefreshGrant) -> Effects,
        issuing issue: @Sendable (RefreshGrant) throws -> (Issued, RefreshGrant?)
    ) async throws -> Redemption<Issued>
    /// The live (not rotated, revoked or expired) refresh token with this digest.
    func refreshGrant(_ digest: SecretDigest, at now: Date) async throws -> RefreshGrant?
    /// Revokes the family of the refresh token with this digest, if the client owns it, and
    /// writes `effects(grant)`; `false` when there is no such token.
    func revokeRefreshToken(_ digest: SecretDigest, clientID: ClientID, effects: @Sendable (RefreshGrant) -> Effects) async throws -> Bool
}

/// Access tokens (and the ACS profile's refresh tokens) revoked before they expire (RFC 7009).
public protocol TokenRevocationStore: Sendable {
    /// Revokes an access token until it expires; `audit` goes to the tenant's log. A token
    /// revoked already is left as it is (no second rule, no second entry).
    func revokeAccessToken(id: String, expiresAt: Date, at now: Date, audit: AuditEntry?) async throws
    /// Revokes an ACS refresh token by its id until it expires; no feed rule, since only
    /// Latchkey reads refresh tokens. `false` when it was revoked already.
    @discardableResult
    func revokeACSRefreshToken(id: String, expiresAt: Date, at now: Date, audit: AuditEntry?) async throws -> Bool
    func isAccessTokenRevoked(id: String) async throws -> Bool
}

/// Every grant artifact, in one store; each user takes the narrow protocol it needs.
public protocol GrantStore: AuthorizationCodeStore, RefreshTokenStore, TokenRevocationStore {
    /// Deletes expired codes, refresh tokens and revocation records.
    func prune(before now: Date) async throws
}

extension AuditEntry {
    /// What a client's grant did or had done to it, in the tenant's log.
    static func byClient(
        _ clientID: ClientID, _ action: AuditAction, tenantID: String, object: String, id: String, at now: Date, detail: String
    ) -> AuditEntry {
        AuditEntry(sellerID: tenantID, actor: "client \(clientID)", action: action, objectType: object, objectID: id, at: now, sourceIP: nil, detail: detail)
    }
}

extension AuthorizationCode {
    /// A used code presented again: what it issued is revoked, and the tenant's log says so.
    public func replayed(at now: Date) -> Effects {
        Effects(at: now, audit: .byClient(
            clientID, .grantReplay, tenantID: tenantID, object: "authorization_code", id: digest.hex, at: now,
            detail: "a used code was presented again; what it issued is revoked (user \(userID))"
        ))
    }
}

extension RefreshGrant {
    /// RFC 9700 §4.14.2: a rotated refresh token presented again means it leaked; its family ends.
    public func replayed(at now: Date) -> Effects {
        Effects(at: now, audit: .byClient(
            clientID, .grantReplay, tenantID: tenantID, object: "refresh_token", id: familyID, at: now,
            detail: "a rotated refresh token was presented again; its family is revoked (user \(userID))"
        ))
    }

    /// RFC 7009: the client revoked it; its family ends.
    public func revokedByClient(at now: Date) -> Effects {
        Effects(at: now, audit: .byClient(
            clientID, .grantRevoke, tenantID: tenantID, object: "refresh_token", id: familyID, at: now, detail: "revoked by the client (RFC 7009); user \(userID)"
        ))
    }
}
