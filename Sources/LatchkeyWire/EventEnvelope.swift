import Foundation

/// The body Latchkey posts for an event (docs/seed-model.md §4): `{"created","data","id","type"}`
/// with sorted members, written by the server and read by the app kit with this one type.
public struct EventEnvelope<Details: Codable & Sendable & Equatable>: Codable, Sendable, Equatable {
    /// Unique per event: a receiver that saw it already ignores a retry of it.
    public let id: String
    /// `app.installed`, `app.uninstalled`, `consent.granted`, `consent.revoked` or `secret.expiring`.
    public let type: String
    /// When it happened, in Unix seconds.
    public let created: Int
    public let data: Details

    public init(id: String, type: String, created: Int, data: Details) {
        self.id = id
        self.type = type
        self.created = created
        self.data = data
    }

    /// The body as posted: members sorted, slashes not escaped, absent values left out.
    public var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(self)) ?? Data(), as: UTF8.self)
    }
}

/// What an app event tells: the app, and the tenant (and user) it happened in.
public struct AppEventDetails: Codable, Sendable, Equatable {
    public let appId: String
    public let clientId: String?
    /// The tenant (realm) the event happened in.
    public let tenantId: String
    /// The user who consented or revoked for themself; absent for the whole organization.
    public let userId: String?
    public let permissions: [String]

    public init(appId: String, clientId: String?, tenantId: String, userId: String?, permissions: [String]) {
        self.appId = appId
        self.clientId = clientId
        self.tenantId = tenantId
        self.userId = userId
        self.permissions = permissions
    }
}

/// What a seller's webhook is told before a client secret ends (30, 7 and 1 days before).
public struct SecretExpiryDetails: Codable, Sendable, Equatable {
    public let clientId: String
    public let friendlyName: String
    public let secretId: String
    /// The secret's first three characters.
    public let hint: String
    /// When the secret ends, in Unix seconds.
    public let endsAt: Int
    /// 30, 7 or 1: the secret ends within this many days.
    public let thresholdDays: Int

    public init(clientId: String, friendlyName: String, secretId: String, hint: String, endsAt: Int, thresholdDays: Int) {
        self.clientId = clientId
        self.friendlyName = friendlyName
        self.secretId = secretId
        self.hint = hint
        self.endsAt = endsAt
        self.thresholdDays = thresholdDays
    }
}
