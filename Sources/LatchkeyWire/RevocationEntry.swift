/// One rule of the revocation feed (`GET /oauth2/revocations`) as the server writes it and the
/// resource kit reads it: every field it names must match the token, and the token must have
/// been issued at or before `issued_before`.
public struct RevocationEntry: Codable, Sendable, Equatable {
    public let id: String
    /// When the rule was written, seconds since the epoch.
    public let created: Double
    public let jti: String?
    public let clientID: String?
    public let tenantID: String?
    public let subject: String?
    /// The client secret the token was obtained with (`client_secret_id`).
    public let secretID: String?
    /// Seconds since the epoch: tokens issued after it are not covered.
    public let issuedBefore: Int

    public init(id: String, created: Double, jti: String?, clientID: String?, tenantID: String?, subject: String?, secretID: String?, issuedBefore: Int) {
        self.id = id
        self.created = created
        self.jti = jti
        self.clientID = clientID
        self.tenantID = tenantID
        self.subject = subject
        self.secretID = secretID
        self.issuedBefore = issuedBefore
    }

    enum CodingKeys: String, CodingKey {
        case id, created, jti
        case clientID = "client_id"
        case tenantID = "tid"
        case subject = "sub"
        case secretID = "client_secret_id"
        case issuedBefore = "issued_before"
    }

    /// Whether the rule covers a token with these claims, issued at `issuedAt` (seconds).
    public func covers(tokenID: String?, clientID: String, tenantID: String?, subject: String, secretID: String?, issuedAt: Double) -> Bool {
        issuedAt <= Double(issuedBefore)
            && (jti.map { $0 == tokenID } ?? true)
            && (self.clientID.map { $0 == clientID } ?? true)
            && (self.tenantID.map { $0 == tenantID } ?? true)
            && (self.subject.map { $0 == subject } ?? true)
            && (self.secretID.map { $0 == secretID } ?? true)
    }
}
