import Foundation
import LatchkeyCore
import SQLKit

// Storage rows: the tables' shape, kept apart from the domain types and the wire format.

let rowDecoder = SQLRowDecoder(keyDecodingStrategy: .convertFromSnakeCase)
let rowEncoder = SQLQueryEncoder(keyEncodingStrategy: .convertToSnakeCase, nilEncodingStrategy: .asNil)

extension Date {
    var unixSeconds: Double { timeIntervalSince1970 }
    init(unixSeconds: Double) { self.init(timeIntervalSince1970: unixSeconds) }
}

struct SellerRow: Codable, Sendable {
    var id: String
    var email: String
    var displayName: String
    var role: String
    var passwordHash: String?
    var createdAt: Double

    var seller: Seller {
        Seller(id: id, email: email, displayName: displayName, role: SellerRole(rawValue: role) ?? .seller, createdAt: Date(unixSeconds: createdAt))
    }
}

struct ClientRow: Codable, Sendable {
    var id: String
    var sellerId: String
    var friendlyName: String
    var appDomain: String
    var redirectUrl: String
    var availability: String
    var secretValidityYears: Int
    var signingSecretId: String?
    var createdAt: Double
    var idTokenSignedResponseAlg: String
    var publicClient: Int
    var pkceOptional: Int
    var resourceServer: Int
    var postLogoutRedirectUris: String
    var backchannelLogoutUri: String?

    init(_ client: OAuthClient) {
        backchannelLogoutUri = client.backchannelLogoutURI?.value
        postLogoutRedirectUris = client.postLogoutRedirectURIs.map(\.value).joined(separator: " ")
        resourceServer = client.isResourceServer ? 1 : 0
        idTokenSignedResponseAlg = client.idTokenAlgorithm.rawValue
        publicClient = client.isPublic ? 1 : 0
        pkceOptional = client.isPKCEOptional ? 1 : 0
        id = client.id.rawValue
        sellerId = client.sellerID
        friendlyName = client.friendlyName
        appDomain = client.appDomain.description
        redirectUrl = client.redirectURL.value
        availability = client.availability.rawValue
        secretValidityYears = client.secretValidity.years
        signingSecretId = client.designatedSigningSecretID
        createdAt = client.createdAt.unixSeconds
    }

    func client(secrets: [SecretRow]) throws -> OAuthClient {
        guard let clientID = ClientID(id) else { throw StorageError.corruptRow(table: "clients", id: id) }
        return OAuthClient(
            id: clientID, sellerID: sellerId, friendlyName: friendlyName, appDomain: AppDomain(stored: appDomain),
            redirectURL: RedirectURL(stored: redirectUrl), availability: Availability(rawValue: availability) ?? .worldwide,
            secretValidity: (try? SecretValidity(years: secretValidityYears)) ?? .recommended,
            createdAt: Date(unixSeconds: createdAt), secrets: try secrets.map { try $0.secret() },
            designatedSigningSecretID: signingSecretId, idTokenAlgorithm: IDTokenAlgorithm(rawValue: idTokenSignedResponseAlg) ?? .es256,
            isPublic: publicClient != 0, isResourceServer: resourceServer != 0, isPKCEOptional: pkceOptional != 0,
            postLogoutRedirectURIs: postLogoutRedirectUris.split(separator: " ").map { RedirectURL(stored: String($0)) },
            backchannelLogoutURI: backchannelLogoutUri.map(EventsURL.init(stored:))
        )
    }
}

struct SecretRow: Codable, Sendable {
    var id: String
    var clientId: String
    var hint: String
    var valueDigest: String
    var sealedValue: String
    var createdAt: Double
    var startsAt: Double
    var endsAt: Double
    var lastUsedAt: Double?

    init(_ secret: ClientSecret, clientID: ClientID) {
        id = secret.id
        clientId = clientID.rawValue
        hint = secret.hint
        valueDigest = secret.digest.hex
        sealedValue = secret.sealedValue
        createdAt = secret.createdAt.unixSeconds
        startsAt = secret.startsAt.unixSeconds
        endsAt = secret.endsAt.unixSeconds
        lastUsedAt = secret.lastUsedAt?.unixSeconds
    }

    func secret() throws -> ClientSecret {
        guard let digest = SecretDigest(hex: valueDigest) else { throw StorageError.corruptRow(table: "client_secrets", id: id) }
        return ClientSecret(
            id: id, hint: hint, digest: digest, sealedValue: sealedValue, createdAt: Date(unixSeconds: createdAt),
            startsAt: Date(unixSeconds: startsAt), endsAt: Date(unixSeconds: endsAt), lastUsedAt: lastUsedAt.map(Date.init(unixSeconds:))
        )
    }
}

struct AppRow: Codable, Sendable {
    var id: String
    var sellerId: String
    var name: String
    var description: String
    /// Country codes joined by commas.
    var markets: String
    var requiresServerToServerAuth: Int
    var clientId: String?
    var status: String
    var reviewReason: String?
    var createdAt: Double
    var updatedAt: Double
    /// Permission names joined by spaces.
    var permissions: String
    var appOnlyPermissions: String
    var eventsUrl: String?
    var revision: Int

    init(_ app: AppListing) {
        revision = app.revision
        eventsUrl = app.eventsURL?.value
        permissions = app.permissions.joined(separator: " ")
        appOnlyPermissions = app.appOnlyPermissions.joined(separator: " ")
        id = app.id
        sellerId = app.sellerID
        name = app.name
        description = app.description
        markets = app.markets.codes.joined(separator: ",")
        requiresServerToServerAuth = app.requiresServerToServerAuth ? 1 : 0
        clientId = app.clientID?.rawValue
        status = app.status.rawValue
        reviewReason = app.reviewReason
        createdAt = app.createdAt.unixSeconds
        updatedAt = app.updatedAt.unixSeconds
    }

    var app: AppListing {
        AppListing(
            id: id, sellerID: sellerId, name: name, description: description,
            markets: Markets(stored: markets.split(separator: ",").map(String.init)),
            requiresServerToServerAuth: requiresServerToServerAuth != 0, clientID: clientId.flatMap { ClientID($0) },
            status: AppStatus(rawValue: status) ?? .draft, reviewReason: reviewReason,
            createdAt: Date(unixSeconds: createdAt), updatedAt: Date(unixSeconds: updatedAt),
            permissions: permissions.split(separator: " ").map(String.init),
            appOnlyPermissions: appOnlyPermissions.split(separator: " ").map(String.init),
            eventsURL: eventsUrl.map(EventsURL.init(stored:)), revision: revision
        )
    }
}

struct AuditRow: Codable, Sendable {
    var id: String
    var sellerId: String
    var actor: String
    var action: String
    var objectType: String
    var objectId: String
    var at: Double
    var sourceIp: String?
    var detail: String?

    init(_ entry: AuditEntry) {
        id = entry.id
        sellerId = entry.sellerID
        actor = entry.actor
        action = entry.action.rawValue
        objectType = entry.objectType
        objectId = entry.objectID
        at = entry.at.unixSeconds
        sourceIp = entry.sourceIP
        detail = entry.detail
    }

    func entry() throws -> AuditEntry {
        guard let action = AuditAction(rawValue: action) else { throw StorageError.corruptRow(table: "audit_log", id: id) }
        return AuditEntry(
            id: id, sellerID: sellerId, actor: actor, action: action, objectType: objectType, objectID: objectId,
            at: Date(unixSeconds: at), sourceIP: sourceIp, detail: detail
        )
    }
}

public enum StorageError: Error, CustomStringConvertible {
    case corruptRow(table: String, id: String)

    public var description: String {
        switch self {
        case .corruptRow(let table, let id): "row \(id) of \(table) cannot be read"
        }
    }
}

extension SQLDatabase {
    func insert(_ row: some Encodable & Sendable, into table: String) async throws {
        try await self.insert(into: table).model(row, with: rowEncoder).run()
    }

    /// Columns named here rather than encoded from the row: the audit entry is written with
    /// every grant, and the encoder's key conversion showed in the authorization flow's profile.
    func record(_ entry: AuditEntry) async throws {
        try await recordOne(entry)
        if let copy = entry.copyForActor { try await recordOne(copy) }
    }

    private func recordOne(_ entry: AuditEntry) async throws {
        try await insertAuditEntry.run(
            on: self, entry.id, entry.sellerID, entry.actor, entry.action.rawValue, entry.objectType, entry.objectID, entry.at.unixSeconds,
            entry.sourceIP, entry.detail
        )
    }
}

private let insertAuditEntry = FixedStatement.insert(
    into: "audit_log", columns: ["id", "seller_id", "actor", "action", "object_type", "object_id", "at", "source_ip", "detail"]
)
