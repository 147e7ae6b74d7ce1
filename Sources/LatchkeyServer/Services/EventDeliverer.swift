import Foundation
import LatchkeyCore
import LatchkeyWire
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

/// Posts queued app events to the apps' events URLs (docs/seed-model.md §4), signed with the app's Client ID's
/// signing secret at the moment of each attempt, and expiry notices to sellers' webhook URLs,
/// signed with the webhook's secret; retries failures with backoff. Every attempt and its
/// outcome goes to the seller's audit log and shows on the app's (or the notices) page. Any
/// node may run it: each delivery is claimed before it is sent.
struct EventDeliverer: Service {
    let outbox: any EventOutbox
    let apps: any AppStore
    let clients: any ClientStore
    let webhooks: any SellerWebhookStore
    let keys: SealingKeys
    let clock: Clock
    let interval: Duration
    let logger: Logger
    /// Where deliveries may go: checked again at every attempt, and the connection made to the
    /// address checked (docs/security.md).
    let outbound: OutboundPolicy
    let client: PinnedHTTPClient
    /// Counts each attempt: the kind (`app_event`, `expiry_notice`) and the outcome
    /// (`delivered`, `retrying`, `given_up`), for `/metrics`.
    let recordAttempt: @Sendable (_ kind: String, _ outcome: String) -> Void
    /// Signs a back-channel logout token for a notice, at each attempt.
    let logoutToken: @Sendable (LogoutNotice) throws -> String

    /// Long enough for the slowest attempt to finish before another node may try the delivery.
    static let lease: TimeInterval = 60
    static let timeout: TimeInterval = 10

    init(
        outbox: any EventOutbox, apps: any AppStore, clients: any ClientStore, webhooks: any SellerWebhookStore, keys: SealingKeys, clock: @escaping Clock,
        interval: Duration, outbound: OutboundPolicy, logger: Logger, recordAttempt: @escaping @Sendable (String, String) -> Void = { _, _ in },
        logoutToken: @escaping @Sendable (LogoutNotice) throws -> String
    ) throws {
        self.logoutToken = logoutToken
        self.recordAttempt = recordAttempt
        self.outbox = outbox
        self.apps = apps
        self.clients = clients
        self.webhooks = webhooks
        self.keys = keys
        self.clock = clock
        self.interval = interval
        self.logger = logger
        self.outbound = outbound
        self.client = try PinnedHTTPClient(timeout: .seconds(Self.timeout))
    }

    /// Deliveries under way at once, per node.
    static let concurrency = 32

    /// Claims due deliveries whenever one under way ends (and every `interval`), so that a slow
    /// events URL holds up only its own deliveries, not a whole round. On shutdown, deliveries
    /// under way finish (each within its timeout) and are recorded; only the wait is cut short.
    func run() async throws {
        enum Ended { case delivery, wait }
        await withTaskGroup(of: Ended.self) { group in
            var underWay = 0
            var waiting = false
            while !Task.isShuttingDownGracefully && !Task.isCancelled {
                for delivery in await claimDue(limit: Self.concurrency - underWay) {
                    underWay += 1
                    group.addTask {
                        await deliver(delivery)
                        return .delivery
                    }
                }
                if !waiting {
                    waiting = true
                    group.addTask {
                        try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
                        return .wait
                    }
                }
                switch await group.next() {
                case .delivery: underWay -= 1
                case .wait: waiting = false
                case nil: return
                }
            }
        }
    }

    func claimDue(limit: Int) async -> [EventDelivery] {
        guard limit > 0 else { return [] }
        do {
            return try await outbox.claimDue(at: clock(), lease: Self.lease, limit: limit)
        } catch {
            logger.warning("could not read the event outbox", metadata: ["error": "\(String(reflecting: type(of: error)))"])
            return []
        }
    }

    func deliver(_ delivery: EventDelivery) async {
        var target = "no events URL"
        var result: String
        var delivered = false
        do {
            let (url, headers, body) = try await request(for: delivery)
            target = url.absoluteString
            let addresses: [IPAddress]
            do {
                addresses = try await outbound.addresses(of: url.host?.lowercased() ?? "")
            } catch let refusal {
                throw Undeliverable("refused: Latchkey does not send to \(refusal.reason)")
            }
            let status = try await client.post(url, to: addresses[0], headers: headers, body: body)
            delivered = (200..<300).contains(status)
            result = "HTTP \(status)"
        } catch let error as Undeliverable {
            result = error.reason
        } catch PinnedHTTPClient.Failure.timedOut {
            result = "timed out after \(Int(Self.timeout)) s"
        } catch is NIOConnectionError, is ChannelError, is IOError {
            result = "could not connect"
        } catch {
            result = "failed: \(String(reflecting: type(of: error)))"
        }
        let now = clock()
        let retryAt = delivered ? nil : EventDelivery.nextAttempt(afterFailedAttempts: delivery.attempts + 1, at: now)
        let outcome = delivered ? "delivered" : retryAt.map { "retry at \(DisplayDate.format($0))" } ?? "failed, no more retries"
        let isNotice = delivery.type == .secretExpiring
        let kind = isNotice ? "expiry_notice" : delivery.type == .backchannelLogout ? "backchannel_logout" : "app_event"
        recordAttempt(kind, delivered ? "delivered" : retryAt == nil ? "given_up" : "retrying")
        let audit = AuditEntry(
            sellerID: delivery.sellerID, actor: "latchkey", action: .eventDelivery, objectType: isNotice ? "webhook" : "app",
            objectID: isNotice ? delivery.sellerID : delivery.appID, at: now, sourceIP: nil,
            detail: "\(delivery.type.rawValue) \(delivery.id) to \(target), attempt \(delivery.attempts + 1): \(result); \(outcome)"
        )
        do {
            try await outbox.recordAttempt(delivery.id, delivered: delivered, result: result, retryAt: retryAt, at: now, audit: audit)
        } catch {
            logger.warning("could not record an event delivery", metadata: ["delivery": "\(delivery.id)", "error": "\(String(reflecting: type(of: error)))"])
        }
    }

    /// What an attempt sends: an event, signed with the app's or the seller's key; or a logout
    /// token, signed by Latchkey, as a form (Back-Channel Logout §2.5).
    private func request(for delivery: EventDelivery) async throws -> (URL, [(String, String)], Data) {
        if delivery.type == .backchannelLogout {
            guard let notice = LogoutNotice(payload: delivery.payload), let clientID = ClientID(notice.clientID),
                let client = try await clients.client(clientID), let url = client.backchannelLogoutURI.flatMap({ URL(string: $0.value) })
            else {
                throw Undeliverable("the Client ID has no back-channel logout URI any more")
            }
            let body = "logout_token=" + (try logoutToken(notice))
            return (url, [("Content-Type", "application/x-www-form-urlencoded"), ("User-Agent", "Latchkey-Events/1")], Data(body.utf8))
        }
        let (url, key) = try await destination(of: delivery)
        let timestamp = Int(clock().timeIntervalSince1970)
        let headers = [
            ("Content-Type", "application/json"), ("User-Agent", "Latchkey-Events/1"), ("Latchkey-Event-Id", delivery.id),
            ("Latchkey-Event-Type", delivery.type.rawValue),
            (EventSignature.header, EventSignature.sign(body: delivery.payload, key: Array(key), timestamp: timestamp)),
        ]
        return (url, headers, Data(delivery.payload.utf8))
    }

    /// Where a delivery goes and the key that signs it, as they are at this attempt.
    private func destination(of delivery: EventDelivery) async throws -> (URL, Data) {
        if delivery.type == .secretExpiring {
            guard let webhook = try await webhooks.webhook(sellerID: delivery.sellerID), let url = URL(string: webhook.url.value) else {
                throw Undeliverable("the seller has no webhook URL any more")
            }
            guard let value = try? keys.webhookSecrets.open(webhook.sealedSecret), let key = Data(base64Encoded: value) else {
                throw Undeliverable("the webhook's secret cannot be opened with this master key")
            }
            return (url, key)
        }
        guard let app = try await apps.app(delivery.appID, ownedBy: nil), let url = app.eventsURL.flatMap({ URL(string: $0.value) }) else {
            throw Undeliverable("the app has no events URL any more")
        }
        guard let clientID = app.clientID, let client = try await clients.client(clientID), let secret = client.signingSecret(at: clock()),
            let key = keys.clientSecrets.signingKey(of: secret)
        else {
            throw Undeliverable("the app's Client ID has no active secret to sign with")
        }
        return (url, key)
    }

    struct Undeliverable: Error {
        let reason: String
        init(_ reason: String) { self.reason = reason }
    }
}
