import Foundation

/// The live refresh tokens a change ends: those matching every field given.
public struct RefreshTokenScope: Sendable, Equatable {
    public var clientID: ClientID?
    public var appID: String?
    public var tenantID: String?
    public var userID: String?

    public init(clientID: ClientID? = nil, appID: String? = nil, tenantID: String? = nil, userID: String? = nil) {
        self.clientID = clientID
        self.appID = appID
        self.tenantID = tenantID
        self.userID = userID
    }
}

/// What a change brings with it, decided by the use case and stamped by its clock: the audit
/// entries, the app events, the revocation rules published to resource servers, the refresh
/// tokens that end, and the Client IDs whose apps go back into review. A store writes it in the
/// change's own transaction, so that all of it happens or none, and decides none of it.
public struct Effects: Sendable {
    public let at: Date
    public private(set) var audit: [AuditEntry] = []
    public private(set) var events: [AppEvent] = []
    public private(set) var revocations: [Revocation] = []
    public private(set) var endedRefreshTokens: [RefreshTokenScope] = []
    /// Client IDs whose approved (or submitted) apps count a new revision and go back into review.
    public private(set) var appsToReview: [ClientID] = []

    public init(at: Date, audit: AuditEntry? = nil) {
        self.at = at
        if let audit { self.audit = [audit] }
    }

    public func auditing(_ entry: AuditEntry) -> Effects {
        var copy = self
        copy.audit.append(entry)
        return copy
    }

    public func sending(_ event: AppEvent?) -> Effects {
        var copy = self
        if let event { copy.events.append(event) }
        return copy
    }

    /// Publishes a rule that ends what was issued before now to the tokens it matches.
    public func revoking(clientID: String? = nil, tenantID: String? = nil, subject: String? = nil, secretID: String? = nil) -> Effects {
        var copy = self
        copy.revocations.append(Revocation(createdAt: at, clientID: clientID, tenantID: tenantID, subject: subject, secretID: secretID, issuedBefore: at))
        return copy
    }

    public func ending(_ scope: RefreshTokenScope) -> Effects {
        var copy = self
        copy.endedRefreshTokens.append(scope)
        return copy
    }

    public func returningAppsToReview(using clientID: ClientID) -> Effects {
        var copy = self
        copy.appsToReview.append(clientID)
        return copy
    }
}
