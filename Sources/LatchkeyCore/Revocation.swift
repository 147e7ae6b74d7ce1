import Foundation

/// A rule that ends access tokens before they expire, published to resource servers (the
/// revocation feed, whose entry and matching rule are `RevocationEntry` in the wire module)
/// so that they stop honouring them without introspecting each call: every
/// token whose claims match all the fields given and that was issued no later than
/// `issuedBefore` is revoked. A revoked token names its `jti`; a revoked consent names the
/// client, tenant and user; an uninstallation the client and tenant; a deleted user the user;
/// a deleted client secret the client and the secret's id (`client_secret_id`).
public struct Revocation: Sendable, Equatable, Codable {
    public let id: String
    public let createdAt: Date
    public let tokenID: String?
    public let clientID: String?
    public let tenantID: String?
    /// The token's `sub`: a user, or the client for app-only tokens.
    public let subject: String?
    /// The token's `client_secret_id`: the secret it was obtained with.
    public let secretID: String?
    public let issuedBefore: Date
    /// Its place in the feed, given by the store when it is written: strictly increasing in
    /// the order rules commit, on every engine and node.
    public var sequence: Int64?

    public init(
        id: String = ObjectID.generate(), createdAt: Date, tokenID: String? = nil, clientID: String? = nil, tenantID: String? = nil,
        subject: String? = nil, secretID: String? = nil, issuedBefore: Date? = nil
    ) {
        self.secretID = secretID
        self.id = id
        self.createdAt = createdAt
        self.tokenID = tokenID
        self.clientID = clientID
        self.tenantID = tenantID
        self.subject = subject
        self.issuedBefore = issuedBefore ?? createdAt
    }

    /// How long rules are kept: the longest an access token lives.
    public static let retention: TimeInterval = 3600
}

/// Where revocation rules are read by the feed, each written by the store in the transaction of
/// the change that caused it.
public protocol RevocationStore: Sendable {
    /// Rules after `sequence` (0: every rule kept), in sequence order, at most `limit`.
    func revocations(after sequence: Int64, limit: Int) async throws -> [Revocation]
}
