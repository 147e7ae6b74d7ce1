import Foundation

/// The app use cases: a seller's apps and the operators' review (docs/seed-model.md §1 "Apps").
public struct AppCatalog: Sendable {
    let apps: any AppStore
    let clients: any ClientStore
    let permissions: any PermissionStore
    /// Where an events URL may point (docs/security.md).
    let outbound: OutboundPolicy
    let clock: Clock

    public init(apps: any AppStore, clients: any ClientStore, permissions: any PermissionStore, outbound: OutboundPolicy, clock: @escaping Clock) {
        self.apps = apps
        self.clients = clients
        self.permissions = permissions
        self.outbound = outbound
        self.clock = clock
    }

    public struct AppInput: Sendable {
        public var name: String?
        public var description: String?
        public var markets: [String]?
        public var requiresServerToServerAuth: Bool?
        /// `.some(nil)` or `.some("")` clears the Client ID on edit; `nil` keeps it.
        public var clientID: String??
        public var permissions: [String]?
        public var appOnlyPermissions: [String]?
        /// `""` clears the events URL on edit; `nil` keeps it.
        public var eventsURL: String?

        public init(
            name: String? = nil, description: String? = nil, markets: [String]? = nil, requiresServerToServerAuth: Bool? = nil,
            clientID: String?? = nil, permissions: [String]? = nil, appOnlyPermissions: [String]? = nil, eventsURL: String? = nil
        ) {
            self.eventsURL = eventsURL
            self.permissions = permissions
            self.appOnlyPermissions = appOnlyPermissions
            self.name = name
            self.description = description
            self.markets = markets
            self.requiresServerToServerAuth = requiresServerToServerAuth
            self.clientID = clientID
        }
    }

    public func create(_ input: AppInput, by actor: Actor) async throws -> AppListing {
        let owned = try await availabilities(of: actor.sellerID)
        let defined = try await definedPermissions()
        let details = try AppDetails(
            name: input.name, description: input.description, markets: input.markets,
            requiresServerToServerAuth: input.requiresServerToServerAuth, clientID: input.clientID ?? nil,
            clientAvailability: { owned[$0] }, permissions: input.permissions, appOnlyPermissions: input.appOnlyPermissions,
            definedPermissions: defined, eventsURL: input.eventsURL
        )
        if let url = details.eventsURL { try await outbound.check(url, field: EventsURL.field, noun: "events URL") }
        let now = clock()
        let app = AppListing(
            id: ObjectID.generate(), sellerID: actor.sellerID, name: details.name, description: details.description,
            markets: details.markets, requiresServerToServerAuth: details.requiresServerToServerAuth,
            clientID: details.clientID, status: .draft, reviewReason: nil, createdAt: now, updatedAt: now,
            permissions: details.permissions, appOnlyPermissions: details.appOnlyPermissions, eventsURL: details.eventsURL
        )
        try await apps.insert(app, audit: actor.entry(.appCreate, objectType: "app", objectID: app.id, at: now, detail: app.name))
        return app
    }

    public func apps(of sellerID: String) async throws -> [AppListing] {
        try await apps.apps(ownedBy: sellerID)
    }

    public func app(_ id: String, of actor: Actor) async throws -> AppListing {
        let owner = actor.role == .operator ? nil : actor.sellerID
        guard let app = try await apps.app(id, ownedBy: owner) else { throw DomainError.notFound("app") }
        return app
    }

    public func update(_ id: String, _ input: AppInput, by actor: Actor) async throws -> AppListing {
        if let text = input.eventsURL, !text.isEmpty, let url = try? EventsURL(validating: text) {
            try await outbound.check(url, field: EventsURL.field, noun: "events URL")
        }
        let owned = try await availabilities(of: actor.sellerID)
        let defined = try await definedPermissions()
        let now = clock()
        let updated = try await apps.modify(id, ownedBy: actor.sellerID) { app in
            let details = try AppDetails(
                name: input.name ?? app.name,
                description: input.description ?? app.description,
                markets: input.markets ?? app.markets.codes,
                requiresServerToServerAuth: input.requiresServerToServerAuth ?? app.requiresServerToServerAuth,
                clientID: input.clientID ?? app.clientID?.rawValue,
                clientAvailability: { owned[$0] },
                permissions: input.permissions ?? app.permissions, appOnlyPermissions: input.appOnlyPermissions ?? app.appOnlyPermissions,
                definedPermissions: defined, eventsURL: input.eventsURL ?? app.eventsURL?.value
            )
            let wasApproved = app.status == .approved
            app.apply(details, at: now)
            let detail = wasApproved && app.status == .submitted ? "back to review" : nil
            return (app, actor.entry(.appUpdate, objectType: "app", objectID: id, at: now, detail: detail))
        }
        return updated
    }

    public func delete(_ id: String, by actor: Actor) async throws {
        let app = try await self.app(id, of: actor)
        let now = clock()
        var effects = Effects(at: now, audit: actor.entry(.appDelete, objectType: "app", objectID: id, at: now)).ending(RefreshTokenScope(appID: id))
        if let clientID = app.clientID { effects = effects.revoking(clientID: clientID.rawValue) }
        guard try await apps.delete(id, ownedBy: actor.sellerID, effects: effects) else { throw DomainError.notFound("app") }
    }

    public func submit(_ id: String, by actor: Actor) async throws -> AppListing {
        let now = clock()
        return try await apps.modify(id, ownedBy: actor.sellerID) { app in
            try app.submit(at: now)
            return (app, actor.entry(.appSubmit, objectType: "app", objectID: id, at: now))
        }
    }

    /// An operator's decision; the audit entry goes to the app's seller's log.
    public func review(_ id: String, approve: Bool, reason: String?, revision: Int?, by actor: Actor) async throws -> AppListing {
        guard actor.role == .operator else { throw DomainError.forbidden("Only platform operators review apps.") }
        let now = clock()
        let reviewed = try await apps.modify(id, ownedBy: nil) { app in
            guard app.sellerID != actor.sellerID else {
                throw DomainError.forbidden("Operators do not review their own apps: another operator must.")
            }
            try app.review(approve: approve, reason: reason, revision: revision, at: now)
            let entry = actor.entry(approve ? .appApprove : .appReject, objectType: "app", objectID: id, at: now, owner: app.sellerID, detail: app.reviewReason)
            return (app, entry)
        }
        return reviewed
    }

    /// The permissions operators defined, by name.
    public func definedPermissions() async throws -> [String: Permission] {
        Dictionary(try await permissions.permissions().map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    public func reviewQueue(for actor: Actor) async throws -> [AppListing] {
        guard actor.role == .operator else { throw DomainError.forbidden("Only platform operators review apps.") }
        return try await apps.apps(status: .submitted)
    }

    private func availabilities(of sellerID: String) async throws -> [ClientID: Availability] {
        Dictionary(uniqueKeysWithValues: try await clients.clients(ownedBy: sellerID).map { ($0.id, $0.availability) })
    }
}
