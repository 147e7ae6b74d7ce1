import Foundation
import LatchkeyCore
import LatchkeyHTTP
import Logging
import ServiceLifecycle

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Posts queued app events to the apps' events URLs (SPEC §4), signed with the app's Client ID's
/// signing secret at the moment of each attempt, and expiry notices to sellers' webhook URLs,
/// signed with the webhook's secret; retries failures with backoff. Every attempt and its
/// outcome goes to the seller's audit log and shows on the app's (or the notices) page. Any
/// node may run it: each delivery is claimed before it is sent.
struct EventDeliverer: Service {
    let outbox: any EventOutbox
    let apps: any AppStore
    let clients: any ClientStore
    let webhooks: any SellerWebhookStore
    let sealer: SecretSealer
    let clock: Clock
    let interval: Duration
    let logger: Logger
    let session: URLSession

    /// Long enough for the slowest attempt to finish before another node may try the delivery.
    static let lease: TimeInterval = 60
    static let timeout: TimeInterval = 10

    init(
        outbox: any EventOutbox, apps: any AppStore, clients: any ClientStore, webhooks: any SellerWebhookStore, sealer: SecretSealer, clock: @escaping Clock,
        interval: Duration, logger: Logger
    ) {
        self.outbox = outbox
        self.apps = apps
        self.clients = clients
        self.webhooks = webhooks
        self.sealer = sealer
        self.clock = clock
        self.interval = interval
        self.logger = logger
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = Self.timeout
        configuration.timeoutIntervalForResource = Self.timeout
        self.session = URLSession(configuration: configuration, delegate: NoRedirects(), delegateQueue: nil)
    }

    /// An event goes to the URL the seller registered and nowhere else: a redirect is an answer
    /// (not a 2xx, so the delivery is retried), never followed to another host.
    final class NoRedirects: NSObject, URLSessionTaskDelegate, Sendable {
        func urlSession(
            _ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse, newRequest request: URLRequest,
            completionHandler: @escaping @Sendable (URLRequest?) -> Void
        ) {
            completionHandler(nil)
        }
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
            let (url, key) = try await destination(of: delivery)
            target = url.absoluteString
            var request = URLRequest(url: url)
            request.httpMethod = "POST"
            request.httpBody = Data(delivery.payload.utf8)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.setValue("Latchkey-Events/1", forHTTPHeaderField: "User-Agent")
            request.setValue(delivery.id, forHTTPHeaderField: "Latchkey-Event-Id")
            request.setValue(delivery.type.rawValue, forHTTPHeaderField: "Latchkey-Event-Type")
            let timestamp = Int(clock().timeIntervalSince1970)
            request.setValue(EventSignature.sign(body: delivery.payload, key: Array(key), timestamp: timestamp), forHTTPHeaderField: EventSignature.header)
            let (_, response) = try await session.cancellableData(for: request)
            let status = (response as? HTTPURLResponse)?.statusCode ?? 0
            delivered = (200..<300).contains(status)
            result = "HTTP \(status)"
        } catch let error as Undeliverable {
            result = error.reason
        } catch let error as URLError {
            result = error.code == .timedOut ? "timed out after \(Int(Self.timeout)) s" : "could not connect (\(error.code.rawValue))"
        } catch {
            result = "failed: \(String(reflecting: type(of: error)))"
        }
        let now = clock()
        let retryAt = delivered ? nil : EventDelivery.nextAttempt(afterFailedAttempts: delivery.attempts + 1, at: now)
        let outcome = delivered ? "delivered" : retryAt.map { "retry at \(DisplayDate.format($0))" } ?? "failed, no more retries"
        let isNotice = delivery.type == .secretExpiring
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

    /// Where a delivery goes and the key that signs it, as they are at this attempt.
    private func destination(of delivery: EventDelivery) async throws -> (URL, Data) {
        if delivery.type == .secretExpiring {
            guard let webhook = try await webhooks.webhook(sellerID: delivery.sellerID), let url = URL(string: webhook.url.value) else {
                throw Undeliverable("the seller has no webhook URL any more")
            }
            guard let value = try? sealer.open(webhook.sealedSecret), let key = Data(base64Encoded: value) else {
                throw Undeliverable("the webhook's secret cannot be opened with this master key")
            }
            return (url, key)
        }
        guard let app = try await apps.app(delivery.appID, ownedBy: nil), let url = app.eventsURL.flatMap({ URL(string: $0.value) }) else {
            throw Undeliverable("the app has no events URL any more")
        }
        guard let clientID = app.clientID, let client = try await clients.client(clientID), let secret = client.signingSecret(at: clock()),
            let key = sealer.signingKey(of: secret)
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
