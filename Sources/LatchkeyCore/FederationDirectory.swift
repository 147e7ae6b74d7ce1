import Foundation

/// Reads an issuer's discovery document when a provider is connected, so that a mistyped issuer
/// is refused then rather than at the first user's sign-in.
public protocol ProviderCheck: Sendable {
    /// Throws an issue on `issuer` that says what is wrong (unreachable, not JSON, another issuer).
    func check(issuer: String) async throws(FieldIssue)
}

/// Tenants' identity providers and email domains, and what a federated sign-in does to the
/// tenant's users (docs/federation.md). Operators manage every tenant's; a tenant's admins
/// manage its providers. Domains are added by operators, whose word proves them.
public struct FederationDirectory: Sendable {
    let store: any FederationStore
    let tenants: any TenantStore
    let sealer: SecretSealer
    let providerCheck: any ProviderCheck
    /// The development switch: `http://` issuers on this machine.
    let allowHTTPIssuers: Bool
    let clock: Clock

    public init(
        store: any FederationStore, tenants: any TenantStore, sealer: SecretSealer, providerCheck: any ProviderCheck, allowHTTPIssuers: Bool,
        clock: @escaping Clock
    ) {
        self.store = store
        self.tenants = tenants
        self.sealer = sealer
        self.providerCheck = providerCheck
        self.allowHTTPIssuers = allowHTTPIssuers
        self.clock = clock
    }

    private func tenant(_ id: String, for actor: Actor) async throws -> Tenant {
        guard actor.administers(tenantID: id), let tenant = try await tenants.tenant(id) else { throw DomainError.notFound("tenant") }
        return tenant
    }

    // MARK: Providers

    /// Connects a provider once its discovery document names the same issuer.
    public func addProvider(
        to tenantID: String, issuer: String?, clientID: String?, clientSecret: String?, scopes: [String]?, claims: ClaimMapping?,
        allowLinking: Bool?, by actor: Actor
    ) async throws -> IdentityProvider {
        let tenant = try await tenant(tenantID, for: actor)
        let registration = try ProviderRegistration(
            issuer: issuer, clientID: clientID, clientSecret: clientSecret, scopes: scopes, claims: claims, allowLinking: allowLinking,
            allowHTTP: allowHTTPIssuers, secretRequired: true
        )
        try await check(registration.issuer)
        let now = clock()
        let provider = IdentityProvider(
            id: ObjectID.generate(), tenantID: tenant.id, issuer: registration.issuer, clientID: registration.clientID, scopes: registration.scopes,
            claims: registration.claims, allowLinking: registration.allowLinking, createdAt: now
        )
        let sealed = try sealer.seal(Data((registration.clientSecret ?? "").utf8))
        try await store.insert(
            provider, sealedSecret: sealed,
            audit: actor.entry(.providerCreate, objectType: "identity_provider", objectID: provider.id, at: now, owner: tenant.id, detail: provider.issuer)
        )
        return provider
    }

    private func check(_ issuer: String) async throws(DomainError) {
        do {
            try await providerCheck.check(issuer: issuer)
        } catch {
            throw .invalid([error])
        }
    }

    public func providers(in tenantID: String, for actor: Actor) async throws -> [IdentityProvider] {
        _ = try await tenant(tenantID, for: actor)
        return try await store.providers(in: tenantID)
    }

    public func provider(_ id: String, in tenantID: String, for actor: Actor) async throws -> IdentityProvider {
        _ = try await tenant(tenantID, for: actor)
        guard let found = try await store.provider(id), found.provider.tenantID == tenantID else { throw DomainError.notFound("identity provider") }
        return found.provider
    }

    /// Changes what is given; a new secret replaces the stored one, an absent one keeps it.
    public func updateProvider(
        _ id: String, in tenantID: String, issuer: String?, clientID: String?, clientSecret: String?, scopes: [String]?, claims: ClaimMapping?,
        allowLinking: Bool?, by actor: Actor
    ) async throws -> IdentityProvider {
        var provider = try await provider(id, in: tenantID, for: actor)
        let registration = try ProviderRegistration(
            issuer: issuer ?? provider.issuer, clientID: clientID ?? provider.clientID, clientSecret: clientSecret, scopes: scopes ?? provider.scopes,
            claims: claims ?? provider.claims, allowLinking: allowLinking ?? provider.allowLinking, allowHTTP: allowHTTPIssuers, secretRequired: false
        )
        if registration.issuer != provider.issuer { try await check(registration.issuer) }
        provider.issuer = registration.issuer
        provider.clientID = registration.clientID
        provider.scopes = registration.scopes
        provider.claims = registration.claims
        provider.allowLinking = registration.allowLinking
        let sealed = try registration.clientSecret.map { try sealer.seal(Data($0.utf8)) }
        let now = clock()
        try await store.update(
            provider, sealedSecret: sealed,
            audit: actor.entry(
                .providerUpdate, objectType: "identity_provider", objectID: provider.id, at: now, owner: tenantID,
                detail: sealed == nil ? provider.issuer : "\(provider.issuer), new client secret"
            )
        )
        return provider
    }

    /// Its users can no longer sign in; they and their consents stay until an admin removes them.
    public func removeProvider(_ id: String, in tenantID: String, by actor: Actor) async throws {
        _ = try await tenant(tenantID, for: actor)
        let audit = actor.entry(.providerDelete, objectType: "identity_provider", objectID: id, at: clock(), owner: tenantID)
        guard try await store.deleteProvider(id, in: tenantID, audit: audit) else { throw DomainError.notFound("identity provider") }
    }

    /// The secret Latchkey authenticates to the provider with.
    public func clientSecret(of providerID: String) async throws -> String? {
        guard let sealed = try await store.provider(providerID)?.sealedSecret else { return nil }
        return String(decoding: try sealer.open(sealed), as: UTF8.self)
    }

    public func provider(_ id: String) async throws -> IdentityProvider? {
        try await store.provider(id)?.provider
    }

    // MARK: Domains

    static let operatorsOnly = DomainError.forbidden("Only platform operators add and remove a tenant's email domains.")

    /// An operator's word proves the domain the tenant's: it is verified at once.
    public func addDomain(_ name: String?, to tenantID: String, by actor: Actor) async throws -> TenantDomain {
        let tenant = try await tenant(tenantID, for: actor)
        guard actor.role == .operator else { throw Self.operatorsOnly }
        let domain: String
        do { domain = try TenantDomain.validate(name) } catch { throw DomainError.invalid([error]) }
        let now = clock()
        let record = TenantDomain(domain: domain, tenantID: tenant.id, verifiedAt: now)
        try await store.insert(record, audit: actor.entry(.domainAdd, objectType: "domain", objectID: domain, at: now, owner: tenant.id))
        return record
    }

    public func domains(in tenantID: String, for actor: Actor) async throws -> [TenantDomain] {
        _ = try await tenant(tenantID, for: actor)
        return try await store.domains(in: tenantID)
    }

    public func removeDomain(_ name: String, from tenantID: String, by actor: Actor) async throws {
        _ = try await tenant(tenantID, for: actor)
        guard actor.role == .operator else { throw Self.operatorsOnly }
        let domain = name.lowercased()
        let audit = actor.entry(.domainRemove, objectType: "domain", objectID: domain, at: clock(), owner: tenantID)
        guard try await store.deleteDomain(domain, in: tenantID, audit: audit) else { throw DomainError.notFound("domain") }
    }

    // MARK: Signing in

    /// Home-realm discovery: the provider an address signs in with, when its domain is claimed by
    /// a tenant that has one (the tenant's first, when it has several).
    public func homeProvider(forDomain domain: String) async throws -> IdentityProvider? {
        guard let claimed = try await store.domain(domain.lowercased()) else { return nil }
        return try await store.providers(in: claimed.tenantID).first
    }

    public func homeProvider(forEmail email: String) async throws -> IdentityProvider? {
        guard let at = email.lastIndex(of: "@") else { return nil }
        return try await homeProvider(forDomain: String(email[email.index(after: at)...]))
    }

    /// Whether a user signs in through a provider (and so never with a password).
    public func isFederated(_ userID: String) async throws -> Bool {
        try await store.providerID(ofUser: userID) != nil
    }

    /// The tenant's user the provider vouched for: found by (provider, subject), never by email
    /// alone; linked, when the tenant allows it, to a built-in user with the same verified email;
    /// or created just in time. Name, email and admin status follow the provider at every sign-in.
    public func signIn(_ identity: UpstreamIdentity, through provider: IdentityProvider, sourceIP: String?) async throws -> PlatformUser {
        let now = clock()
        let via = "through \(provider.issuer)"
        if let known = try await store.user(provider: provider.id, subject: identity.subject) {
            let email = try await usableEmail(identity, keeping: known)
            let name = displayName(identity, email: email)
            let user = PlatformUser(id: known.id, tenantID: known.tenantID, email: email, displayName: name, isAdmin: identity.isAdmin, createdAt: known.createdAt)
            let audit = Actor(user: user, sourceIP: sourceIP).entry(.userSignIn, objectType: "user", objectID: user.id, at: now, detail: via)
            try await store.refresh(user, audit: audit)
            return user
        }
        let refused = { (refusal: FederatedSignInRefusal) async throws -> FederatedSignInRefusal in
            try await self.recordRefusal(refusal.reason, subject: identity.subject, provider: provider, sourceIP: sourceIP)
            return refusal
        }
        guard let raw = identity.email, let email = try? EmailAddress.normalized(raw), email.contains("@") else { throw try await refused(.noEmail) }
        let domain = String(email[email.index(after: email.lastIndex(of: "@")!)...])
        let claimed = try await store.domain(domain)
        if let claimed, claimed.tenantID != provider.tenantID { throw try await refused(.domainOfAnotherTenant) }
        if let existing = try await tenants.user(email: email) {
            guard existing.user.tenantID == provider.tenantID, try await store.providerID(ofUser: existing.user.id) == nil else {
                throw try await refused(.emailTakenElsewhere)
            }
            guard provider.allowLinking, identity.emailVerified else { throw try await refused(.emailTakenInTenant(linkingAllowed: provider.allowLinking)) }
            // Only in a domain an operator verified as the tenant's: a provider a tenant admin
            // connected cannot take over any built-in account of the tenant by saying its email.
            guard claimed?.tenantID == provider.tenantID else { throw try await refused(.linkOutsideClaimedDomains) }
            let user = PlatformUser(
                id: existing.user.id, tenantID: existing.user.tenantID, email: email, displayName: displayName(identity, email: email),
                isAdmin: identity.isAdmin, createdAt: existing.user.createdAt
            )
            let actor = Actor(user: user, sourceIP: sourceIP)
            try await store.link(
                userID: user.id, provider: provider.id, subject: identity.subject,
                audit: actor.entry(.userLink, objectType: "user", objectID: user.id, at: now, detail: "\(email) linked \(via)")
            )
            try await store.refresh(user, audit: actor.entry(.userSignIn, objectType: "user", objectID: user.id, at: now, detail: via))
            return user
        }
        let user = PlatformUser(
            id: ObjectID.generate(), tenantID: provider.tenantID, email: email, displayName: displayName(identity, email: email), isAdmin: identity.isAdmin,
            createdAt: now
        )
        let actor = Actor(user: user, sourceIP: sourceIP)
        let detail = identity.isAdmin ? "\(email) (admin), just in time \(via)" : "\(email), just in time \(via)"
        do {
            try await store.insertFederatedUser(
                user, provider: provider.id, subject: identity.subject, audit: actor.entry(.userCreate, objectType: "user", objectID: user.id, at: now, detail: detail)
            )
        } catch let error as DomainError {
            // Another sign-in of the same subject, or a user with the email, came first.
            if let raced = try await store.user(provider: provider.id, subject: identity.subject) { return raced }
            if case .conflict = error { throw try await refused(.emailTakenElsewhere) }
            throw error
        }
        try await tenants.record(actor.entry(.userSignIn, objectType: "user", objectID: user.id, at: now, detail: via))
        return user
    }

    /// A sign-in through the provider that ended before a user was known (a token that did not
    /// verify, a state that did not match, a refusal above), in the tenant's log.
    public func recordRefusal(_ reason: String, subject: String?, provider: IdentityProvider, sourceIP: String?) async throws {
        let actor = Actor(sellerID: provider.tenantID, name: subject.map { "\($0) at \(provider.issuer)" } ?? provider.issuer, role: .seller, sourceIP: sourceIP)
        try await tenants.record(actor.entry(.federatedSignInRefused, objectType: "identity_provider", objectID: provider.id, at: clock(), detail: reason))
    }

    /// The provider's email when it gives one no one else holds, in a domain no other tenant
    /// claims; else the one the user has.
    private func usableEmail(_ identity: UpstreamIdentity, keeping user: PlatformUser) async throws -> String {
        guard let raw = identity.email, let email = try? EmailAddress.normalized(raw), let at = email.lastIndex(of: "@"), email != user.email else {
            return user.email
        }
        if let claimed = try await store.domain(String(email[email.index(after: at)...])), claimed.tenantID != user.tenantID { return user.email }
        return try await tenants.user(email: email) == nil ? email : user.email
    }

    private func displayName(_ identity: UpstreamIdentity, email: String) -> String {
        (try? PlainText.validate(identity.name, field: "name", limit: 100, required: true)) ?? email
    }
}
