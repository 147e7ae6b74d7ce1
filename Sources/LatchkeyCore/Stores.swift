import Foundation

// Storage concerns the core depends on, one protocol each. Implementations keep every method
// atomic: a change and its audit entry are written in one transaction or not at all.

public protocol SellerStore: Sendable {
    /// Throws `DomainError.conflict` on `email` when the address is taken.
    func insert(_ seller: Seller, passwordHash: String?, audit: AuditEntry) async throws
    func seller(email: String) async throws -> (seller: Seller, passwordHash: String?)?
    func seller(id: String) async throws -> Seller?
    /// Whether any account has the role (start-up says how to create the first operator).
    func exists(role: SellerRole) async throws -> Bool
    func updatePasswordHash(sellerID: String, to hash: String) async throws
}

public protocol APITokenStore: Sendable {
    func insert(_ token: APITokenRecord, digest: SecretDigest, audit: AuditEntry) async throws
    /// The seller of an unexpired token.
    func seller(forToken digest: SecretDigest, at now: Date) async throws -> (seller: Seller, tokenID: String)?
    /// The seller's unexpired tokens, newest first.
    func tokens(of sellerID: String, at now: Date) async throws -> [APITokenRecord]
    /// `false` when the seller has no such token.
    func revoke(tokenID: String, of sellerID: String, audit: AuditEntry) async throws -> Bool
    /// Revokes every token of the seller; returns how many.
    func revokeAll(of sellerID: String, audit: AuditEntry) async throws -> Int
}

public protocol ClientStore: Sendable {
    /// Throws `DomainError.conflict` when the id is taken (practically never: ids are random).
    func insert(_ client: OAuthClient, audit: AuditEntry) async throws
    func clients(ownedBy sellerID: String) async throws -> [OAuthClient]
    /// Any seller's client: the token endpoint's look-up.
    func client(_ id: ClientID) async throws -> OAuthClient?
    /// Loads the seller's client, applies `change`, saves what changed and the effects it
    /// returns, in one transaction. Throws `DomainError.notFound` when the seller has no such client.
    func modify<Result: Sendable>(
        _ id: ClientID, ownedBy sellerID: String,
        _ change: @Sendable (inout OAuthClient) throws -> (Result, Effects)
    ) async throws -> Result
    /// Deletes the client with its secrets and codes and detaches it from apps (docs/seed-model.md §1),
    /// writing `effects`; `false` if absent.
    func delete(_ id: ClientID, ownedBy sellerID: String, effects: Effects) async throws -> Bool
    /// Writes batched last-used times, keeping the later of stored and given.
    func recordSecretUse(_ uses: [String: Date]) async throws
}

public protocol AppStore: Sendable {
    func insert(_ app: AppListing, audit: AuditEntry) async throws
    func apps(ownedBy sellerID: String) async throws -> [AppListing]
    func apps(status: AppStatus) async throws -> [AppListing]
    /// The approved app that uses the Client ID, if any: the one a token for the client is for.
    func approvedApp(using clientID: ClientID) async throws -> AppListing?
    /// `ownedBy == nil` reaches any seller's app (operators).
    func app(_ id: String, ownedBy sellerID: String?) async throws -> AppListing?
    func modify<Result: Sendable>(
        _ id: String, ownedBy sellerID: String?,
        _ change: @Sendable (inout AppListing) throws -> (Result, AuditEntry)
    ) async throws -> Result
    /// Deletes the app with its consents and installations, writing `effects`; `false` if absent.
    func delete(_ id: String, ownedBy sellerID: String, effects: Effects) async throws -> Bool
}

public protocol AuditStore: Sendable {
    /// Newest first; `before` (an entry id) pages back from that entry.
    func entries(sellerID: String, before: String?, limit: Int) async throws -> [AuditEntry]
    /// Deletes the entries older than `cutoff`, unless a node (this one or another) did so less
    /// than `interval` before `now`: then `nil`. Otherwise the number deleted.
    func prune(olderThan cutoff: Date, at now: Date, interval: TimeInterval) async throws -> Int?
}

/// Password hashing is slow on purpose; implementations run it off the request threads.
public protocol PasswordHasher: Sendable {
    /// Both throw `ServiceBusy` when too many passwords wait to be checked.
    func hash(_ password: String) async throws -> String
    func verify(_ password: String, hash: String) async throws -> Bool
    /// Whether a stored hash was made at a lower cost than today's: then a successful sign-in
    /// stores the password hashed again.
    func needsRehash(_ hash: String) -> Bool
    /// A hash of no one's password, made at the same cost, verified against when an email is
    /// unknown so that the answer takes as long as for a wrong password.
    var decoyHash: String { get }
}

/// The time, injected so that every rule can be tested at any moment.
public typealias Clock = @Sendable () -> Date
