import Foundation

/// A secret just made, with its value: the one response that carries it (docs/seed-model.md §1).
public struct IssuedSecret: Sendable {
    public let secret: ClientSecret
    public let value: String
}

public struct SecretPolicy: Sendable {
    /// The most unexpired secrets a Client ID may hold at once.
    public var cap: Int
    /// Seconds between creating a secret and its start (0: active at once).
    public var activationDelay: TimeInterval

    public init(cap: Int = 5, activationDelay: TimeInterval = 0) {
        self.cap = cap
        self.activationDelay = activationDelay
    }
}

/// The Client ID and secret use cases shared by the API, the dashboard and the CLI.
public struct ClientRegistry: Sendable {
    let store: any ClientStore
    let sealer: SecretSealer
    public let policy: SecretPolicy
    let clock: Clock

    public init(store: any ClientStore, sealer: SecretSealer, policy: SecretPolicy, clock: @escaping Clock) {
        self.store = store
        self.sealer = sealer
        self.policy = policy
        self.clock = clock
    }

    public struct NewClient: Sendable {
        public var friendlyName: String?
        public var appDomain: String?
        public var redirectURL: String?
        public var secretValidityYears: Int?
        public var availability: String?
        public var idTokenSignedResponseAlg: String?
        public var isPublic: Bool?
        public var isResourceServer: Bool?
        public var isPKCEOptional: Bool?
        public var postLogoutRedirectURIs: [String]?
        public var backchannelLogoutURI: String?

        public init(
            friendlyName: String?, appDomain: String?, redirectURL: String?, secretValidityYears: Int?, availability: String?,
            idTokenSignedResponseAlg: String? = nil, isPublic: Bool? = nil, isResourceServer: Bool? = nil, isPKCEOptional: Bool? = nil,
            postLogoutRedirectURIs: [String]? = nil, backchannelLogoutURI: String? = nil
        ) {
            self.backchannelLogoutURI = backchannelLogoutURI
            self.postLogoutRedirectURIs = postLogoutRedirectURIs
            self.isPKCEOptional = isPKCEOptional
            self.isResourceServer = isResourceServer
            self.idTokenSignedResponseAlg = idTokenSignedResponseAlg
            self.isPublic = isPublic
            self.friendlyName = friendlyName
            self.appDomain = appDomain
            self.redirectURL = redirectURL
            self.secretValidityYears = secretValidityYears
            self.availability = availability
        }
    }

    static let resourceServersByOperators = FieldIssue(
        field: "resourceServer", code: "operators_only",
        message: "Only platform operators register resource servers (clients that introspect other clients' tokens); leave it false."
    )

    /// docs/seed-model.md §1: the Client ID is generated together with its first secret, the signing one.
    public func create(_ input: NewClient, by actor: Actor) async throws -> (OAuthClient, IssuedSecret) {
        var issues = IssueCollector()
        var details: ClientDetails?
        do {
            details = try ClientDetails(friendlyName: input.friendlyName, appDomain: input.appDomain, redirectURL: input.redirectURL)
        } catch {
            if case .invalid(let found) = error { found.forEach { issues.add($0) } }
        }
        let validity = issues.check { () throws(FieldIssue) in
            try SecretValidity(years: input.secretValidityYears ?? SecretValidity.recommended.years)
        }
        let availability = issues.check { () throws(FieldIssue) in try Availability(validating: input.availability) }
        let idTokenAlgorithm = issues.check { () throws(FieldIssue) in try IDTokenAlgorithm(validating: input.idTokenSignedResponseAlg) }
        if input.isResourceServer == true && actor.role != .operator { issues.add(Self.resourceServersByOperators) }
        let postLogout = details.flatMap { details in
            issues.check { () throws(FieldIssue) in try OAuthClient.validatePostLogoutRedirectURIs(input.postLogoutRedirectURIs ?? [], appDomain: details.appDomain) }
        }
        let backchannel = details.flatMap { details in
            issues.check { () throws(FieldIssue) in try OAuthClient.validateBackchannelLogoutURI(input.backchannelLogoutURI ?? "", appDomain: details.appDomain) }
        }
        try issues.throwIfAny()
        guard let details, let validity, let availability, let idTokenAlgorithm, let postLogout else { throw DomainError.invalid(issues.issues) }
        // Well-formed fields at odds with each other: a conflict, as the API's other such rules.
        do {
            try OAuthClient.checkPKCEOptional(isPublic: input.isPublic ?? false, isPKCEOptional: input.isPKCEOptional ?? false)
        } catch {
            throw DomainError.conflict(error)
        }

        let now = clock()
        let issued = try makeSecret(validity: validity, at: now)
        var client = OAuthClient(
            id: .generate(), sellerID: actor.sellerID, friendlyName: details.friendlyName, appDomain: details.appDomain,
            redirectURL: details.redirectURL, availability: availability, secretValidity: validity, createdAt: now,
            secrets: [], designatedSigningSecretID: nil, idTokenAlgorithm: idTokenAlgorithm, isPublic: input.isPublic ?? false,
            isResourceServer: input.isResourceServer ?? false, isPKCEOptional: input.isPKCEOptional ?? false, postLogoutRedirectURIs: postLogout,
            backchannelLogoutURI: backchannel ?? nil
        )
        try client.addSecret(issued.secret, cap: policy.cap, at: now)
        try await store.insert(client, audit: actor.entry(.clientCreate, objectType: "client", objectID: client.id.rawValue, at: now, detail: client.friendlyName))
        return (client, issued)
    }

    public func clients(of sellerID: String) async throws -> [OAuthClient] {
        try await store.clients(ownedBy: sellerID)
    }

    public func client(_ id: ClientID, of sellerID: String) async throws -> OAuthClient {
        guard let client = try await store.client(id), client.sellerID == sellerID else { throw DomainError.notFound("client") }
        return client
    }

    public struct ClientEdit: Sendable {
        public var friendlyName: String?
        public var appDomain: String?
        public var redirectURL: String?
        public var idTokenSignedResponseAlg: String?
        public var isPublic: Bool?
        public var isResourceServer: Bool?
        public var isPKCEOptional: Bool?
        public var postLogoutRedirectURIs: [String]?
        public var backchannelLogoutURI: String?

        public init(
            friendlyName: String? = nil, appDomain: String? = nil, redirectURL: String? = nil, idTokenSignedResponseAlg: String? = nil,
            isPublic: Bool? = nil, isResourceServer: Bool? = nil, isPKCEOptional: Bool? = nil, postLogoutRedirectURIs: [String]? = nil,
            backchannelLogoutURI: String? = nil
        ) {
            self.backchannelLogoutURI = backchannelLogoutURI
            self.postLogoutRedirectURIs = postLogoutRedirectURIs
            self.isPKCEOptional = isPKCEOptional
            self.isResourceServer = isResourceServer
            self.idTokenSignedResponseAlg = idTokenSignedResponseAlg
            self.isPublic = isPublic
            self.friendlyName = friendlyName
            self.appDomain = appDomain
            self.redirectURL = redirectURL
        }
    }

    /// Edits the details; fields left `nil` keep their value, and the result obeys the same rules.
    public func update(_ id: ClientID, _ edit: ClientEdit, by actor: Actor) async throws -> OAuthClient {
        let now = clock()
        var issues = IssueCollector()
        let algorithm = edit.idTokenSignedResponseAlg.flatMap { text in
            issues.check { () throws(FieldIssue) in try IDTokenAlgorithm(validating: text) }
        }
        if edit.isResourceServer == true && actor.role != .operator { issues.add(Self.resourceServersByOperators) }
        try issues.throwIfAny()
        let updated = try await change(id, by: actor, at: now) { client in
            let details = try ClientDetails(
                friendlyName: edit.friendlyName ?? client.friendlyName,
                appDomain: edit.appDomain ?? client.appDomain.description,
                redirectURL: edit.redirectURL ?? client.redirectURL.value
            )
            client.friendlyName = details.friendlyName
            client.appDomain = details.appDomain
            client.redirectURL = details.redirectURL
            if let algorithm { client.idTokenAlgorithm = algorithm }
            if let isPublic = edit.isPublic { client.isPublic = isPublic }
            if let isResourceServer = edit.isResourceServer { client.isResourceServer = isResourceServer }
            if let optional = edit.isPKCEOptional { client.isPKCEOptional = optional }
            // Checked again against the app domain as it is now.
            do {
                client.postLogoutRedirectURIs = try OAuthClient.validatePostLogoutRedirectURIs(
                    edit.postLogoutRedirectURIs ?? client.postLogoutRedirectURIs.map(\.value), appDomain: client.appDomain
                )
                client.backchannelLogoutURI = try OAuthClient.validateBackchannelLogoutURI(
                    edit.backchannelLogoutURI ?? client.backchannelLogoutURI?.value ?? "", appDomain: client.appDomain
                )
            } catch let issue as FieldIssue {
                throw DomainError.invalid([issue])
            }
            do {
                try OAuthClient.checkPKCEOptional(isPublic: client.isPublic, isPKCEOptional: client.isPKCEOptional)
            } catch let issue as FieldIssue {
                throw DomainError.conflict(issue)
            }
            return (client, actor.entry(.clientUpdate, objectType: "client", objectID: id.rawValue, at: now, detail: details.friendlyName))
        }
        return updated
    }

    /// docs/seed-model.md §1: deleting a Client ID revokes every grant, refresh token and code issued to it.
    public func delete(_ id: ClientID, by actor: Actor) async throws {
        let now = clock()
        let effects = Effects(at: now, audit: actor.entry(.clientDelete, objectType: "client", objectID: id.rawValue, at: now))
            .ending(RefreshTokenScope(clientID: id))
            .revoking(clientID: id.rawValue)
        guard try await store.delete(id, ownedBy: actor.sellerID, effects: effects) else { throw DomainError.notFound("client") }
    }

    /// Applies `body` to the seller's client in the store's transaction, with what the change
    /// brings (`OAuthClient.effects(replacing:at:audit:)`).
    private func change<Result: Sendable>(
        _ id: ClientID, by actor: Actor, at now: Date, _ body: @escaping @Sendable (inout OAuthClient) throws -> (Result, AuditEntry)
    ) async throws -> Result {
        try await store.modify(id, ownedBy: actor.sellerID) { client in
            let before = client
            let (result, audit) = try body(&client)
            return (result, client.effects(replacing: before, at: now, audit: audit))
        }
    }

    /// docs/seed-model.md §1: an additional secret follows the same rules; the client's validity is the default.
    /// Returns the client as it is after the change, with the new secret's value.
    public func addSecret(to id: ClientID, validityYears: Int?, by actor: Actor) async throws -> (OAuthClient, IssuedSecret) {
        let now = clock()
        var issues = IssueCollector()
        let requested = validityYears.flatMap { years in
            issues.check { () throws(FieldIssue) in try SecretValidity(years: years, field: "validityYears") }
        }
        try issues.throwIfAny()
        let result = try await change(id, by: actor, at: now) { client in
            let issued = try makeSecret(validity: requested ?? client.secretValidity, at: now)
            try client.addSecret(issued.secret, cap: policy.cap, at: now)
            return ((client, issued), actor.entry(.secretCreate, objectType: "secret", objectID: issued.secret.id, at: now, detail: "client \(id) hint \(issued.secret.hint)"))
        }
        return result
    }

    public func deleteSecret(_ secretID: String, of id: ClientID, by actor: Actor) async throws -> OAuthClient {
        let now = clock()
        let updated = try await change(id, by: actor, at: now) { client in
            let warnings = client.deletionWarnings(secretID: secretID, at: now)
            try client.deleteSecret(id: secretID, at: now)
            let detail = (["client \(id)"] + warnings.map(\.rawValue)).joined(separator: "; ")
            return (client, actor.entry(.secretDelete, objectType: "secret", objectID: secretID, at: now, detail: detail))
        }
        return updated
    }

    public func makeSigningSecret(_ secretID: String, of id: ClientID, by actor: Actor) async throws -> OAuthClient {
        let now = clock()
        let updated = try await change(id, by: actor, at: now) { client in
            try client.makeSigningSecret(id: secretID, at: now)
            return (client, actor.entry(.signingSecretSet, objectType: "secret", objectID: secretID, at: now, detail: "client \(id)"))
        }
        return updated
    }

    func makeSecret(validity: SecretValidity, at now: Date) throws -> IssuedSecret {
        let generated = GeneratedSecret.generate()
        // Whole seconds: they survive every storage round trip exactly, so a secret read back
        // is active at the very moment it was created.
        let start = Date(timeIntervalSince1970: (now.timeIntervalSince1970 + policy.activationDelay).rounded(.down))
        let secret = ClientSecret(
            id: ObjectID.generate(), hint: generated.hint, digest: generated.digest,
            sealedValue: try sealer.seal(Data(generated.value.utf8)),
            createdAt: now, startsAt: start, endsAt: validity.end(from: start)
        )
        return IssuedSecret(secret: secret, value: generated.value)
    }
}
