import Foundation
import LatchkeyWire

/// Where a seller hears that a secret is about to end: an https URL (http only for localhost)
/// and the secret that signs what is posted there, kept sealed and shown once.
public struct SellerWebhook: Sendable, Equatable {
    public let sellerID: String
    public let url: EventsURL
    public let sealedSecret: String
    public let secretHint: String
    public let createdAt: Date
    public let updatedAt: Date

    public init(sellerID: String, url: EventsURL, sealedSecret: String, secretHint: String, createdAt: Date, updatedAt: Date) {
        self.sellerID = sellerID
        self.url = url
        self.sealedSecret = sealedSecret
        self.secretHint = secretHint
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// A secret that ends within the notice window, with what the notice tells of it.
public struct ExpiringSecret: Sendable, Equatable {
    public let secretID: String
    public let hint: String
    public let endsAt: Date
    public let clientID: ClientID
    public let friendlyName: String
    public let sellerID: String

    public init(secretID: String, hint: String, endsAt: Date, clientID: ClientID, friendlyName: String, sellerID: String) {
        self.secretID = secretID
        self.hint = hint
        self.endsAt = endsAt
        self.clientID = clientID
        self.friendlyName = friendlyName
        self.sellerID = sellerID
    }
}

public protocol SellerWebhookStore: Sendable {
    func webhook(sellerID: String) async throws -> SellerWebhook?
    func put(_ webhook: SellerWebhook, audit: AuditEntry) async throws
    func deleteWebhook(sellerID: String, audit: AuditEntry) async throws -> Bool
    /// Active secrets ending in `(now, until]` whose seller has a webhook.
    func expiringSecrets(at now: Date, until: Date) async throws -> [ExpiringSecret]
    /// Records that the notice for (secret, threshold) is sent and queues its delivery, in one
    /// transaction; `false` (and nothing queued) when it was recorded before, by any node.
    func recordNotice(secretID: String, thresholdDays: Int, delivery: EventDelivery) async throws -> Bool
    /// The seller's notice deliveries, newest first.
    func deliveries(sellerID: String, limit: Int) async throws -> [EventDelivery]
}

/// Expiry notices: one signed webhook per secret and threshold (30, 7 and 1 days before its
/// end), to the URL its seller set; never sent twice, whichever nodes scan.
public struct ExpiryNotices: Sendable {
    public static let thresholdDays = [30, 7, 1]

    let store: any SellerWebhookStore
    let sealer: SecretSealer
    /// Where a webhook URL may point (docs/security.md).
    let outbound: OutboundPolicy
    let clock: Clock
    /// Scans completed by this node, each of them over the clock's time when it began: what a
    /// test waits on to know that a scan came after a moment.
    public let completedScans = ScanCount()

    public init(store: any SellerWebhookStore, sealer: SecretSealer, outbound: OutboundPolicy, clock: @escaping Clock) {
        self.store = store
        self.sealer = sealer
        self.outbound = outbound
        self.clock = clock
    }

    /// The most urgent threshold crossed (days), `nil` while more than 30 days remain or once ended.
    public static func threshold(endsAt: Date, at now: Date) -> Int? {
        let left = endsAt.timeIntervalSince(now)
        guard left > 0 else { return nil }
        return thresholdDays.reversed().first { left <= TimeInterval($0) * 86_400 }
    }

    public func webhook(of actor: Actor) async throws -> SellerWebhook? {
        try await store.webhook(sellerID: actor.sellerID)
    }

    /// Sets the URL. A new signing secret is made (and returned, the only time it is seen) for
    /// the first webhook or when `rotateSecret`; otherwise the secret stays.
    public func setWebhook(url input: String?, rotateSecret: Bool, by actor: Actor) async throws -> (SellerWebhook, newSecret: String?) {
        let url: EventsURL
        do {
            url = try EventsURL(validating: input ?? "")
        } catch {
            throw DomainError.invalid([FieldIssue(field: "url", code: error.code, message: error.message.replacingOccurrences(of: "events URL", with: "webhook URL"))])
        }
        try await outbound.check(url, field: "url", noun: "webhook URL")
        let now = clock()
        let existing = try await store.webhook(sellerID: actor.sellerID)
        var secret: GeneratedSecret?
        if existing == nil || rotateSecret { secret = GeneratedSecret.generate() }
        let webhook = SellerWebhook(
            sellerID: actor.sellerID, url: url, sealedSecret: try secret.map { try sealer.seal(Data($0.value.utf8)) } ?? existing!.sealedSecret,
            secretHint: secret?.hint ?? existing!.secretHint, createdAt: existing?.createdAt ?? now, updatedAt: now
        )
        let detail = "\(url.value)" + (secret == nil ? "" : ", new signing secret \(webhook.secretHint)…")
        try await store.put(webhook, audit: actor.entry(.webhookSet, objectType: "webhook", objectID: actor.sellerID, at: now, detail: detail))
        return (webhook, secret?.value)
    }

    public func removeWebhook(by actor: Actor) async throws {
        let audit = actor.entry(.webhookDelete, objectType: "webhook", objectID: actor.sellerID, at: clock())
        guard try await store.deleteWebhook(sellerID: actor.sellerID, audit: audit) else { throw DomainError.notFound("webhook") }
    }

    public func deliveries(of actor: Actor, limit: Int = 50) async throws -> [EventDelivery] {
        try await store.deliveries(sellerID: actor.sellerID, limit: limit)
    }

    /// Queues the notices due now; returns how many were queued.
    @discardableResult
    public func scan() async throws -> Int {
        let now = clock()
        var queued = 0
        for secret in try await store.expiringSecrets(at: now, until: now.addingTimeInterval(TimeInterval(Self.thresholdDays[0]) * 86_400)) {
            guard let days = Self.threshold(endsAt: secret.endsAt, at: now) else { continue }
            let id = ObjectID.generate()
            let delivery = EventDelivery(
                id: id, appID: "", sellerID: secret.sellerID, tenantID: "", type: .secretExpiring, payload: Self.payload(id: id, secret, days: days, at: now),
                createdAt: now, status: .pending, attempts: 0, nextAttemptAt: now, lastAttemptAt: nil, lastResult: nil
            )
            if try await store.recordNotice(secretID: secret.secretID, thresholdDays: days, delivery: delivery) { queued += 1 }
        }
        completedScans.increment()
        return queued
    }

    /// `{"id","type":"secret.expiring","created","data":{clientId,friendlyName,secretId,hint,endsAt,threshold}}`.
    static func payload(id: String, _ secret: ExpiringSecret, days: Int, at now: Date) -> String {
        EventEnvelope(
            id: id, type: AppEventType.secretExpiring.rawValue, created: Int(now.timeIntervalSince1970),
            data: SecretExpiryDetails(
                clientId: secret.clientID.rawValue, friendlyName: secret.friendlyName, secretId: secret.secretID, hint: secret.hint,
                endsAt: Int(secret.endsAt.timeIntervalSince1970), thresholdDays: days
            )
        ).json
    }
}

/// A count shared by copies of the struct that keeps it.
public final class ScanCount: @unchecked Sendable {
    // Guarded by `lock`.
    private let lock = NSLock()
    private var count = 0

    public init() {}

    public var value: Int { lock.withLock { count } }

    func increment() {
        lock.withLock { count += 1 }
    }
}
