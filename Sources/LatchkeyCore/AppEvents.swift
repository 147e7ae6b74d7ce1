import Crypto
import Foundation
import LatchkeyWire

/// What happens to an app that its publisher is told of, at the app's events URL (docs/seed-model.md §4);
/// and `secret.expiring`, told at the seller's webhook URL (`ExpiryNotices`).
public enum AppEventType: String, Sendable, Codable, CaseIterable {
    case appInstalled = "app.installed"
    case appUninstalled = "app.uninstalled"
    case consentGranted = "consent.granted"
    case consentRevoked = "consent.revoked"
    case secretExpiring = "secret.expiring"
    /// A user's session ended: an OpenID Connect Back-Channel Logout token, posted to the
    /// Client ID's back-channel logout URI.
    case backchannelLogout = "backchannel.logout"
}

/// A sign-out an app is told of (OpenID Connect Back-Channel Logout 1.0): who, which session,
/// and the Client ID whose back-channel logout URI hears it. The logout token is signed at each
/// attempt, so that a retried one is fresh.
public struct LogoutNotice: Sendable, Equatable, Codable {
    public let clientID: String
    public let subject: String
    public let sessionID: String?
    public let tenantID: String

    public init(clientID: String, subject: String, sessionID: String?, tenantID: String) {
        self.clientID = clientID
        self.subject = subject
        self.sessionID = sessionID
        self.tenantID = tenantID
    }

    public var payload: String {
        String(decoding: (try? JSONEncoder().encode(self)) ?? Data(), as: UTF8.self)
    }

    public init?(payload: String) {
        guard let notice = try? JSONDecoder().decode(LogoutNotice.self, from: Data(payload.utf8)) else { return nil }
        self = notice
    }
}

/// One event, as it is posted: `{"id","type","created","data":{…}}`.
public struct AppEvent: Sendable, Equatable {
    public let id: String
    public let type: AppEventType
    public let appID: String
    public let clientID: ClientID?
    public let tenantID: String
    /// The user who consented or revoked for themself; `nil` for the organization.
    public let userID: String?
    public let permissions: [String]
    public let occurredAt: Date

    public init(
        id: String = ObjectID.generate(), type: AppEventType, app: AppListing, tenantID: String, userID: String? = nil,
        permissions: [String] = [], occurredAt: Date
    ) {
        self.id = id
        self.type = type
        self.appID = app.id
        self.clientID = app.clientID
        self.tenantID = tenantID
        self.userID = userID
        self.permissions = permissions
        self.occurredAt = occurredAt
    }

    /// The body posted to the events URL (`EventEnvelope`, which the app kit reads).
    public var payload: String {
        EventEnvelope(
            id: id, type: type.rawValue, created: Int(occurredAt.timeIntervalSince1970),
            data: AppEventDetails(appId: appID, clientId: clientID?.rawValue, tenantId: tenantID, userId: userID, permissions: permissions)
        ).json
    }
}

public enum DeliveryStatus: String, Sendable, Codable {
    /// Not yet delivered; tried again at `nextAttemptAt`.
    case pending
    case delivered
    /// Given up after the last retry.
    case failed
}

/// An event on its way to an app's events URL, with how its attempts went.
public struct EventDelivery: Sendable, Equatable {
    public let id: String
    public let appID: String
    public let sellerID: String
    public let tenantID: String
    public let type: AppEventType
    public let payload: String
    public let createdAt: Date
    public let status: DeliveryStatus
    public let attempts: Int
    public let nextAttemptAt: Date?
    public let lastAttemptAt: Date?
    /// What the last attempt got: `HTTP 200`, `HTTP 500`, `timed out`, ….
    public let lastResult: String?

    public init(
        id: String, appID: String, sellerID: String, tenantID: String, type: AppEventType, payload: String, createdAt: Date,
        status: DeliveryStatus, attempts: Int, nextAttemptAt: Date?, lastAttemptAt: Date?, lastResult: String?
    ) {
        self.id = id
        self.appID = appID
        self.sellerID = sellerID
        self.tenantID = tenantID
        self.type = type
        self.payload = payload
        self.createdAt = createdAt
        self.status = status
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt
        self.lastAttemptAt = lastAttemptAt
        self.lastResult = lastResult
    }

    /// Seconds to wait after each failed attempt: at once, then 10 s, 1 min, 5 min, 30 min,
    /// 2 h, 6 h and 12 h; after the eighth failure the delivery has failed (about 21 h in all).
    public static let retryDelays: [TimeInterval] = [10, 60, 300, 1800, 7200, 21_600, 43_200]

    /// When to try again after `attempts` failed attempts; `nil` when it is time to give up.
    public static func nextAttempt(afterFailedAttempts attempts: Int, at now: Date) -> Date? {
        guard attempts >= 1, attempts <= retryDelays.count else { return nil }
        return now.addingTimeInterval(retryDelays[attempts - 1])
    }
}

/// Where events wait for delivery. Events are added by the consent store, in the transaction
/// of the change they report; apps without an events URL get none.
public protocol EventOutbox: Sendable {
    /// Pending deliveries due at `now`, each claimed until `now + lease` so that no other node
    /// sends it meanwhile.
    func claimDue(at now: Date, lease: TimeInterval, limit: Int) async throws -> [EventDelivery]
    /// Records an attempt: delivered, to be retried at `retryAt`, or (both false/nil) failed.
    func recordAttempt(_ id: String, delivered: Bool, result: String, retryAt: Date?, at now: Date, audit: AuditEntry) async throws
    /// An app's deliveries, newest first.
    func deliveries(appID: String, limit: Int) async throws -> [EventDelivery]
    /// Queues a logout token for each notice whose Client ID has a back-channel logout URI.
    func enqueue(_ notices: [LogoutNotice], at now: Date) async throws
}
