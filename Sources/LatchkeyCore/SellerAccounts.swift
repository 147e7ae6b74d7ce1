import Foundation

/// A seller API token just issued: its value is returned once and stored only as a digest.
public struct IssuedAPIToken: Sendable {
    public let record: APITokenRecord
    public let value: String
    public var id: String { record.id }
}

/// What is kept of a seller API token: never its value.
public struct APITokenRecord: Sendable, Equatable {
    public let id: String
    public let sellerID: String
    public let createdAt: Date
    public let expiresAt: Date

    public init(id: String, sellerID: String, createdAt: Date, expiresAt: Date) {
        self.id = id
        self.sellerID = sellerID
        self.createdAt = createdAt
        self.expiresAt = expiresAt
    }

    /// 30 days unless asked otherwise; from 1 to 365.
    public static let defaultLifetimeDays = 30
    public static let lifetimeDays = 1...365

    public static func validateLifetime(days: Int?) throws(DomainError) -> Int {
        let days = days ?? defaultLifetimeDays
        guard lifetimeDays.contains(days) else {
            throw .invalid(field: "expiresInDays", code: "out_of_range", message: "Choose a lifetime from \(lifetimeDays.lowerBound) to \(lifetimeDays.upperBound) days (default \(defaultLifetimeDays)).")
        }
        return days
    }
}

/// Sign-up, sign-in and API tokens.
public struct SellerAccounts: Sendable {
    let sellers: any SellerStore
    let tokens: any APITokenStore
    let hasher: any PasswordHasher
    let clock: Clock

    /// Prefix that makes a leaked token easy to recognise in logs and scanners.
    public static let tokenPrefix = "lks_"

    public init(sellers: any SellerStore, tokens: any APITokenStore, hasher: any PasswordHasher, clock: @escaping Clock) {
        self.sellers = sellers
        self.tokens = tokens
        self.hasher = hasher
        self.clock = clock
    }

    public func register(
        email: String?, displayName: String?, password: String?, role: SellerRole = .seller,
        passwordRequired: Bool = true, sourceIP: String?
    ) async throws -> Seller {
        let registration = try SellerRegistration(email: email, displayName: displayName, password: password, passwordRequired: passwordRequired)
        let now = clock()
        let seller = Seller(id: ObjectID.generate(), email: registration.email, displayName: registration.displayName, role: role, createdAt: now)
        let hash: String? = if let password = registration.password { try await hasher.hash(password) } else { nil }
        let actor = Actor(seller: seller, sourceIP: sourceIP)
        try await sellers.insert(seller, passwordHash: hash, audit: actor.entry(.sellerSignUp, objectType: "seller", objectID: seller.id, at: now, detail: role.rawValue))
        return seller
    }

    /// Sign-up that does not tell whether the email was taken: the same work and the same
    /// answer (the normalized email) either way. Invalid input is still an error.
    public func registerQuietly(email: String?, displayName: String?, password: String?, sourceIP: String?) async throws -> String {
        do {
            return try await register(email: email, displayName: displayName, password: password, sourceIP: sourceIP).email
        } catch DomainError.conflict(let issue) where issue.field == "email" {
            return (try? EmailAddress.normalized(email)) ?? ""
        }
    }

    /// Checks email and password; the same answer, after the same work, for an unknown email
    /// and a wrong password.
    public func authenticate(email: String?, password: String?) async throws -> Seller? {
        let normalized: String
        do { normalized = try EmailAddress.normalized(email) } catch { throw DomainError.invalid([error]) }
        let found = try await sellers.seller(email: normalized)
        guard let found, let hash = found.passwordHash else {
            _ = try await hasher.verify(password ?? "", hash: hasher.decoyHash)
            return nil
        }
        guard try await hasher.verify(password ?? "", hash: hash) else { return nil }
        if hasher.needsRehash(hash), let password {
            try await sellers.updatePasswordHash(sellerID: found.seller.id, to: try await hasher.hash(password))
        }
        return found.seller
    }

    /// A new API token, valid `days` (default 30).
    public func issueToken(for seller: Seller, days: Int? = nil, sourceIP: String?) async throws -> IssuedAPIToken {
        let days = try APITokenRecord.validateLifetime(days: days)
        let generated = GeneratedSecret.generate()
        let value = Self.tokenPrefix + generated.value.replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        let now = clock()
        let record = APITokenRecord(id: ObjectID.generate(), sellerID: seller.id, createdAt: now, expiresAt: now.addingTimeInterval(Double(days) * 86_400))
        let audit = Actor(seller: seller, sourceIP: sourceIP).entry(.tokenCreate, objectType: "api_token", objectID: record.id, at: now)
        try await tokens.insert(record, digest: SecretDigest(of: value), audit: audit)
        return IssuedAPIToken(record: record, value: value)
    }

    public func seller(forToken value: String) async throws -> (seller: Seller, tokenID: String)? {
        guard value.hasPrefix(Self.tokenPrefix) else { return nil }
        return try await tokens.seller(forToken: SecretDigest(of: value), at: clock())
    }

    public func tokens(of actor: Actor) async throws -> [APITokenRecord] {
        try await tokens.tokens(of: actor.sellerID, at: clock())
    }

    public func seller(id: String) async throws -> Seller? {
        try await sellers.seller(id: id)
    }

    /// The account signed in with `email` (any case), for offline commands.
    public func seller(email: String) async throws -> Seller? {
        guard let email = try? EmailAddress.normalized(email) else { return nil }
        return try await sellers.seller(email: email)?.seller
    }

    /// Whether an operator exists: until one does, nobody can review apps or manage tenants.
    public func hasOperator() async throws -> Bool {
        try await sellers.exists(role: .operator)
    }

    /// Revokes one of the actor's own tokens; `notFound` for any other id.
    public func revoke(tokenID: String, by actor: Actor) async throws {
        let audit = actor.entry(.tokenRevoke, objectType: "api_token", objectID: tokenID, at: clock())
        guard try await tokens.revoke(tokenID: tokenID, of: actor.sellerID, audit: audit) else { throw DomainError.notFound("api token") }
    }

    /// Revokes every token of the actor (a leaked one unknown by id, or leaving): returns how many.
    public func revokeAllTokens(by actor: Actor) async throws -> Int {
        try await tokens.revokeAll(of: actor.sellerID, audit: actor.entry(.tokenRevoke, objectType: "api_token", objectID: "all", at: clock(), detail: "all tokens"))
    }
}
