import Foundation

/// Who did what to which object, when and from where (docs/seed-model.md §4: every change is audited).
public struct AuditEntry: Sendable, Equatable {
    public let id: String
    /// The log this entry belongs to: a seller's, or a tenant's (its id).
    public let sellerID: String
    /// The account that acted (a seller, an operator, or `cli` for offline commands).
    public let actor: String
    public let action: AuditAction
    public let objectType: String
    public let objectID: String
    public let at: Date
    public let sourceIP: String?
    /// A short human-readable note (never a secret value).
    public let detail: String?
    /// When an operator acted on another's object: the same entry for the operator's own log,
    /// naming them and their address (the owner's entry says only "platform operator"). Written
    /// with this entry, in the same transaction.
    public let actorsCopy: Copy?

    /// The operator's log and name for `actorsCopy`; the rest is the entry's own.
    public struct Copy: Sendable, Equatable {
        public let sellerID: String
        public let actor: String
        public let sourceIP: String?
    }

    public init(
        id: String = ObjectID.generate(), sellerID: String, actor: String, action: AuditAction,
        objectType: String, objectID: String, at: Date, sourceIP: String?, detail: String? = nil, actorsCopy: Copy? = nil
    ) {
        self.id = id
        self.sellerID = sellerID
        self.actor = actor
        self.action = action
        self.objectType = objectType
        self.objectID = objectID
        self.at = at
        self.sourceIP = sourceIP
        self.detail = detail
        self.actorsCopy = actorsCopy
    }

    /// The entry as the acting operator's log keeps it, if it has a copy there.
    public var copyForActor: AuditEntry? {
        actorsCopy.map {
            AuditEntry(sellerID: $0.sellerID, actor: $0.actor, action: action, objectType: objectType, objectID: objectID, at: at, sourceIP: $0.sourceIP, detail: detail)
        }
    }
}

public enum AuditAction: String, Sendable, Codable, CaseIterable {
    case sellerSignUp = "seller.sign_up"
    case tokenCreate = "api_token.create"
    case tokenRevoke = "api_token.revoke"
    case clientCreate = "client.create"
    case clientUpdate = "client.update"
    case clientDelete = "client.delete"
    case secretCreate = "secret.create"
    case secretDelete = "secret.delete"
    case signingSecretSet = "secret.make_signing"
    case appCreate = "app.create"
    case appUpdate = "app.update"
    case appDelete = "app.delete"
    case appSubmit = "app.submit"
    case appApprove = "app.approve"
    case appReject = "app.reject"
    case tenantCreate = "tenant.create"
    case userCreate = "user.create"
    case userDelete = "user.delete"
    case userSignIn = "user.sign_in"
    case userSignInFailed = "user.sign_in_failed"
    case userLink = "user.link"
    case federatedSignInRefused = "user.federated_sign_in_refused"
    case providerCreate = "identity_provider.create"
    case providerUpdate = "identity_provider.update"
    case providerDelete = "identity_provider.delete"
    case domainAdd = "domain.add"
    case domainRemove = "domain.remove"
    case permissionPut = "permission.put"
    case appInstall = "app.install"
    case appUninstall = "app.uninstall"
    case consentGrant = "consent.grant"
    case consentRevoke = "consent.revoke"
    case grantIssue = "grant.issue"
    case grantReplay = "grant.replay"
    case grantRevoke = "grant.revoke"
    case eventDelivery = "event.delivery"
    case webhookSet = "webhook.set"
    case webhookDelete = "webhook.delete"
}

/// Who is making a change, and from where: what every audit entry needs.
public struct Actor: Sendable {
    public let sellerID: String
    public let name: String
    public let role: SellerRole
    public let sourceIP: String?
    /// The tenant this actor administers, when a tenant admin.
    public private(set) var tenantAdminOf: String?
    /// The platform user acting, when one is.
    public private(set) var userID: String?

    /// May this actor manage the tenant (install apps, see and revoke tenant-wide consents)?
    public func administers(tenantID: String) -> Bool {
        role == .operator || tenantAdminOf == tenantID
    }

    public init(sellerID: String, name: String, role: SellerRole, sourceIP: String?) {
        self.sellerID = sellerID
        self.name = name
        self.role = role
        self.sourceIP = sourceIP
    }

    public init(seller: Seller, sourceIP: String?) {
        self.init(sellerID: seller.id, name: seller.email, role: seller.role, sourceIP: sourceIP)
    }

    /// A platform user acting in their tenant: the entries go to the tenant's log.
    public init(user: PlatformUser, sourceIP: String?) {
        self.init(sellerID: user.tenantID, name: user.email, role: .seller, sourceIP: sourceIP)
        self.tenantAdminOf = user.isAdmin ? user.tenantID : nil
        self.userID = user.id
    }

    /// An entry for `owner`'s log (the actor's own by default). An operator acting on a
    /// seller's object appears there as "platform operator", without e-mail or address; the
    /// operator's own log gets the entry with both.
    public func entry(
        _ action: AuditAction, objectType: String, objectID: String, at now: Date, owner: String? = nil, detail: String? = nil
    ) -> AuditEntry {
        let onOthers = owner.map { $0 != sellerID } ?? false
        let anonymous = onOthers && role == .operator
        return AuditEntry(
            sellerID: owner ?? sellerID, actor: anonymous ? Self.operatorName : name, action: action, objectType: objectType, objectID: objectID,
            at: now, sourceIP: anonymous ? nil : sourceIP, detail: detail,
            actorsCopy: anonymous ? AuditEntry.Copy(sellerID: sellerID, actor: name, sourceIP: sourceIP) : nil
        )
    }

    /// How operators appear in a seller's activity.
    public static let operatorName = "platform operator"
}
