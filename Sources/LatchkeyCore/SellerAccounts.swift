import Foundation

/// A seller API token just issued: its value is returned once and stored only as a digest.
public struct IssuedAPIToken: Sendable {
    public let id: String
    public let value: String
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
        let hash: String? = if let password = registration.password { await hasher.hash(password) } else { nil }
        let actor = Actor(seller: seller, sourceIP: sourceIP)
        try await sellers.insert(seller, passwordHash: hash, audit: actor.entry(.sellerSignUp, objectType: "seller", objectID: seller.id, at: now, detail: role.rawValue))
        return seller
    }

    /// Checks email and password; the same answer, after the same work, for an unknown email
    /// and a wrong password.
    public func authenticate(email: String?, password: String?) async throws -> Seller? {
        let found = try await sellers.seller(email: (email ?? "").trimmingWhitespace().lowercased())
        guard let found, let hash = found.passwordHash else {
            _ = await hasher.verify(password ?? "", hash: hasher.decoyHash)
            return nil
        }
        return await hasher.verify(password ?? "", hash: hash) ? found.seller : nil
    }

    public func issueToken(for seller: Seller, sourceIP: String?) async throws -> IssuedAPIToken {
        let generated = GeneratedSecret.generate()
        let value = Self.tokenPrefix + generated.value.replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        let id = ObjectID.generate()
        let now = clock()
        let audit = Actor(seller: seller, sourceIP: sourceIP).entry(.tokenCreate, objectType: "api_token", objectID: id, at: now)
        try await tokens.insert(tokenID: id, digest: SecretDigest(of: value), sellerID: seller.id, createdAt: now, audit: audit)
        return IssuedAPIToken(id: id, value: value)
    }

    public func seller(forToken value: String) async throws -> (seller: Seller, tokenID: String)? {
        guard value.hasPrefix(Self.tokenPrefix) else { return nil }
        return try await tokens.seller(forToken: SecretDigest(of: value))
    }

    public func seller(id: String) async throws -> Seller? {
        try await sellers.seller(id: id)
    }

    /// The account signed in with `email` (any case), for offline commands.
    public func seller(email: String) async throws -> Seller? {
        try await sellers.seller(email: email.trimmingWhitespace().lowercased())?.seller
    }

    public func revoke(tokenID: String, by actor: Actor) async throws {
        try await tokens.revoke(tokenID: tokenID, audit: actor.entry(.tokenRevoke, objectType: "api_token", objectID: tokenID, at: clock()))
    }
}
