import Foundation
import Hummingbird
import LatchkeyCore

// Request and response bodies of the management API. Field names are part of the contract
// (README, OpenAPI document); they are kept apart from storage rows and domain types.

struct SignUpRequest: Decodable {
    var email: String?
    var password: String?
    var displayName: String?
}

struct TokenRequest: Decodable {
    var email: String?
    var password: String?
    /// The token's lifetime, 1 to 365 days; 30 when absent.
    var expiresInDays: Int?
}

struct SignUpResponse: ResponseEncodable {
    let email: String
    let message: String

    init(email: String) {
        self.email = email
        self.message = "If this address had no account, it has one now: sign in with POST /api/v1/tokens. If it had one, nothing changed."
    }
}

struct SellerResponse: ResponseEncodable {
    let id: String
    let email: String
    let displayName: String
    let role: SellerRole
    let createdAt: Date

    init(_ seller: Seller) {
        id = seller.id
        email = seller.email
        displayName = seller.displayName
        role = seller.role
        createdAt = seller.createdAt
    }
}

struct APITokenResponse: ResponseEncodable {
    let token: String
    let tokenType = "Bearer"
    let id: String
    let expiresAt: Date
    let seller: SellerResponse
}

struct APITokenSummary: Encodable {
    let id: String
    let createdAt: Date
    let expiresAt: Date
    /// The token this request was sent with.
    let current: Bool

    init(_ record: APITokenRecord, current: Bool) {
        id = record.id
        createdAt = record.createdAt
        expiresAt = record.expiresAt
        self.current = current
    }
}

struct APITokenListResponse: ResponseEncodable {
    let tokens: [APITokenSummary]
}

struct CreateClientRequest: Decodable {
    var friendlyName: String?
    var appDomain: String?
    var redirectUrl: String?
    var secretValidityYears: Int?
    var availability: String?
    var idTokenSignedResponseAlg: String?
    var publicClient: Bool?
    var resourceServer: Bool?
    var pkceOptional: Bool?
    var postLogoutRedirectUris: [String]?
    var backchannelLogoutUri: String?
}

struct UpdateClientRequest: Decodable {
    var friendlyName: String?
    var appDomain: String?
    var redirectUrl: String?
    var idTokenSignedResponseAlg: String?
    var publicClient: Bool?
    var resourceServer: Bool?
    var pkceOptional: Bool?
    var postLogoutRedirectUris: [String]?
    /// An empty text clears it.
    var backchannelLogoutUri: String?
}

struct AddSecretRequest: Decodable {
    var validityYears: Int?
}

struct SigningSecretRequest: Decodable {
    var secretId: String?
}

/// A secret as listed: never its value.
struct SecretResponse: Encodable {
    let id: String
    let hint: String
    let createdAt: Date
    let startsAt: Date
    let endsAt: Date
    let isSigning: Bool
    let status: SecretStatus
    let expiresSoon: Bool
    let lastUsedAt: Date?

    init(_ secret: ClientSecret, signingID: String?, at now: Date) {
        id = secret.id
        hint = secret.hint
        createdAt = secret.createdAt
        startsAt = secret.startsAt
        endsAt = secret.endsAt
        isSigning = secret.id == signingID
        status = secret.status(at: now)
        expiresSoon = secret.expiresSoon(at: now)
        lastUsedAt = secret.lastUsedAt
    }
}

/// A new secret: the only response that carries `value` (docs/seed-model.md §1).
struct NewSecretResponse: ResponseEncodable {
    let id: String
    let value: String
    let hint: String
    let startsAt: Date
    let endsAt: Date
    let isSigning: Bool
    let status: SecretStatus

    init(_ issued: IssuedSecret, isSigning: Bool, at now: Date) {
        id = issued.secret.id
        value = issued.value
        hint = issued.secret.hint
        startsAt = issued.secret.startsAt
        endsAt = issued.secret.endsAt
        self.isSigning = isSigning
        status = issued.secret.status(at: now)
    }
}

struct ClientResponse: ResponseEncodable {
    let clientId: String
    let friendlyName: String
    let appDomain: String
    let redirectUrl: String
    let availability: Availability
    let secretValidityYears: Int
    let createdAt: Date
    let signingSecretId: String?
    let idTokenSignedResponseAlg: IDTokenAlgorithm
    let publicClient: Bool
    let resourceServer: Bool
    /// Whether its authorization requests may come without PKCE (a confidential client of an
    /// earlier era); PKCE is required otherwise.
    let pkceOptional: Bool
    /// Where users may be sent after signing out at the app's request, matched exactly.
    let postLogoutRedirectUris: [String]
    /// Where a logout token is posted when a user signed in to the app signs out.
    let backchannelLogoutUri: String?
    let secrets: [SecretResponse]
    /// Present only in the response that created the client.
    let secret: NewSecretResponse?

    init(_ client: OAuthClient, at now: Date, newSecret: IssuedSecret? = nil) {
        let signingID = client.signingSecret(at: now)?.id
        idTokenSignedResponseAlg = client.idTokenAlgorithm
        publicClient = client.isPublic
        resourceServer = client.isResourceServer
        pkceOptional = client.isPKCEOptional
        postLogoutRedirectUris = client.postLogoutRedirectURIs.map(\.value)
        backchannelLogoutUri = client.backchannelLogoutURI?.value
        clientId = client.id.rawValue
        friendlyName = client.friendlyName
        appDomain = client.appDomain.description
        redirectUrl = client.redirectURL.value
        availability = client.availability
        secretValidityYears = client.secretValidity.years
        createdAt = client.createdAt
        signingSecretId = signingID
        secrets = client.secrets.map { SecretResponse($0, signingID: signingID, at: now) }
        secret = newSecret.map { NewSecretResponse($0, isSigning: $0.secret.id == signingID || $0.secret.id == client.designatedSigningSecretID, at: now) }
    }
}

struct ClientListResponse: ResponseEncodable {
    let clients: [ClientResponse]
}

struct AppRequest: Decodable {
    var name: String?
    var description: String?
    var markets: [String]?
    var requiresServerToServerAuth: Bool?
    var clientId: Patch<String>
    var permissions: [String]?
    var appOnlyPermissions: [String]?
    var eventsUrl: Patch<String>

    enum CodingKeys: String, CodingKey {
        case name, description, markets, requiresServerToServerAuth, clientId, permissions, appOnlyPermissions, eventsUrl
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decodeIfPresent(String.self, forKey: .name)
        description = try container.decodeIfPresent(String.self, forKey: .description)
        markets = try container.decodeIfPresent([String].self, forKey: .markets)
        requiresServerToServerAuth = try container.decodeIfPresent(Bool.self, forKey: .requiresServerToServerAuth)
        clientId = try container.decodePatch(String.self, forKey: .clientId)
        permissions = try container.decodeIfPresent([String].self, forKey: .permissions)
        appOnlyPermissions = try container.decodeIfPresent([String].self, forKey: .appOnlyPermissions)
        eventsUrl = try container.decodePatch(String.self, forKey: .eventsUrl)
    }

    var input: AppCatalog.AppInput {
        AppCatalog.AppInput(
            name: name, description: description, markets: markets,
            requiresServerToServerAuth: requiresServerToServerAuth, clientID: clientId.update,
            permissions: permissions, appOnlyPermissions: appOnlyPermissions,
            eventsURL: eventsUrl.update.map { $0 ?? "" }
        )
    }
}

struct ReviewRequest: Decodable {
    var reason: String?
    /// The app's revision the operator reviewed; approving needs it.
    var revision: Int?
}

struct AppResponse: ResponseEncodable {
    let id: String
    let name: String
    let description: String
    let markets: [String]
    let requiresServerToServerAuth: Bool
    let clientId: String?
    let needsClientId: Bool
    let status: AppStatus
    let reviewReason: String?
    let createdAt: Date
    let updatedAt: Date
    let permissions: [String]
    let appOnlyPermissions: [String]
    let eventsUrl: String?
    let revision: Int

    init(_ app: AppListing) {
        revision = app.revision
        eventsUrl = app.eventsURL?.value
        permissions = app.permissions
        appOnlyPermissions = app.appOnlyPermissions
        id = app.id
        name = app.name
        description = app.description
        markets = app.markets.codes
        requiresServerToServerAuth = app.requiresServerToServerAuth
        clientId = app.clientID?.rawValue
        needsClientId = app.needsClientID
        status = app.status
        reviewReason = app.reviewReason
        createdAt = app.createdAt
        updatedAt = app.updatedAt
    }
}

struct AppListResponse: ResponseEncodable {
    let apps: [AppResponse]
}

struct AuditEntryResponse: Encodable {
    let id: String
    let actor: String
    let action: AuditAction
    let objectType: String
    let objectId: String
    let at: Date
    let sourceIp: String?
    let detail: String?

    init(_ entry: AuditEntry) {
        id = entry.id
        actor = entry.actor
        action = entry.action
        objectType = entry.objectType
        objectId = entry.objectID
        at = entry.at
        sourceIp = entry.sourceIP
        detail = entry.detail
    }
}

struct AuditListResponse: ResponseEncodable {
    let entries: [AuditEntryResponse]
    /// The last entry's id: pass as `before` to read the next, older page; absent on the last page.
    let nextBefore: String?
}

struct TenantRequest: Decodable {
    var displayName: String?
    var region: String?
}

struct TenantResponse: ResponseEncodable {
    let id: String
    let displayName: String
    let region: Region
    let createdAt: Date

    init(_ tenant: Tenant) {
        id = tenant.id
        displayName = tenant.displayName
        region = tenant.region
        createdAt = tenant.createdAt
    }
}

struct TenantListResponse: ResponseEncodable {
    let tenants: [TenantResponse]
}

struct UserRequest: Decodable {
    var email: String?
    var displayName: String?
    var password: String?
    var isAdmin: Bool?
}

struct UserResponse: ResponseEncodable {
    let id: String
    let tenantId: String
    let email: String
    let displayName: String
    let isAdmin: Bool
    let createdAt: Date

    init(_ user: PlatformUser) {
        id = user.id
        tenantId = user.tenantID
        email = user.email
        displayName = user.displayName
        isAdmin = user.isAdmin
        createdAt = user.createdAt
    }
}

struct UserListResponse: ResponseEncodable {
    let users: [UserResponse]
}

struct PermissionRequest: Decodable {
    var description: String?
    var adminConsentRequired: Bool?
    var appOnly: Bool?
}

struct PermissionResponse: ResponseEncodable {
    let name: String
    let description: String
    let adminConsentRequired: Bool
    let appOnly: Bool
    let builtIn: Bool

    init(_ permission: Permission) {
        name = permission.name
        description = permission.description
        adminConsentRequired = permission.adminConsentRequired
        appOnly = permission.appOnly
        builtIn = Permission.builtInNames.contains(permission.name)
    }
}

struct PermissionListResponse: ResponseEncodable {
    let permissions: [PermissionResponse]
}

struct InstallationRequest: Decodable {
    var appId: String?
}

struct InstallationResponse: ResponseEncodable {
    let tenantId: String
    let appId: String
    let installedAt: Date
    let installedBy: String

    init(_ installation: Installation) {
        tenantId = installation.tenantID
        appId = installation.appID
        installedAt = installation.installedAt
        installedBy = installation.installedBy
    }
}

struct InstallationListResponse: ResponseEncodable {
    let installations: [InstallationResponse]
}

struct ConsentResponse: ResponseEncodable {
    let appId: String
    let permissions: [String]
    let grantedAt: Date
    let forOrganization: Bool

    static func grouped(_ consents: [Consent]) -> [ConsentResponse] {
        Dictionary(grouping: consents, by: \.appID).sorted { $0.key < $1.key }.map { appID, group in
            ConsentResponse(
                appId: appID, permissions: group.map(\.permission).sorted(), grantedAt: group.map(\.grantedAt).min() ?? Date(),
                forOrganization: group.first?.userID == nil
            )
        }
    }
}

struct ConsentListResponse: ResponseEncodable {
    let consents: [ConsentResponse]
}

struct AppOnlyConsentResponse: ResponseEncodable {
    let appId: String
    let permissions: [String]
}

struct EventDeliveryResponse: Encodable {
    let id: String
    let type: AppEventType
    let tenantId: String
    let createdAt: Date
    let status: DeliveryStatus
    let attempts: Int
    let nextAttemptAt: Date?
    let lastAttemptAt: Date?
    let lastResult: String?
    let payload: String

    init(_ delivery: EventDelivery) {
        id = delivery.id
        type = delivery.type
        tenantId = delivery.tenantID
        createdAt = delivery.createdAt
        status = delivery.status
        attempts = delivery.attempts
        nextAttemptAt = delivery.nextAttemptAt
        lastAttemptAt = delivery.lastAttemptAt
        lastResult = delivery.lastResult
        payload = delivery.payload
    }
}

struct EventDeliveryListResponse: ResponseEncodable {
    let deliveries: [EventDeliveryResponse]
}
