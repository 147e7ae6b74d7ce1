import Foundation
import Hummingbird
import LatchkeyCore
import LatchkeyOAuth
import LatchkeyStorage
import LatchkeyWire
import Prometheus
import Synchronization

/// What `GET /metrics` reports, in Prometheus's text format: requests by route, method and status
/// with their latency, tokens by endpoint, grant and outcome, cache hits and misses, change
/// notices received, and database connections in use. One registry per application.
final class ServerMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    private let latencyBuckets: [Duration] = [
        .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2.5), .milliseconds(5),
        .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
        .seconds(1), .seconds(2.5), .seconds(5),
    ]
    /// Counted values read from elsewhere at each scrape, and what was last reported of them.
    private let sampled = Mutex<[String: UInt64]>([:])

    init() {
        // Present from the start at zero, so that alerts on their rates see a series.
        for kind in ["app_event", "expiry_notice"] {
            for outcome in ["delivered", "retrying", "given_up"] { deliveries(kind: kind, outcome: outcome).increment(by: Int64(0)) }
        }
    }

    func recordRequest(route: String, method: String, status: Int, duration: Duration) {
        registry.makeCounter(
            descriptor: Self.name("http_requests", "total", "HTTP requests answered, by route pattern, method and status."),
            labels: [("route", route), ("method", method), ("status", String(status))]
        ).increment()
        registry.makeDurationHistogram(
            descriptor: Self.name("http_request_duration", "seconds", "Time from request head to response, by route pattern and method."),
            labels: [("route", route), ("method", method)], buckets: latencyBuckets
        ).record(duration)
    }

    /// `endpoint`: `oauth2` or `acs`; `outcome`: `issued` or the OAuth error code.
    func recordToken(endpoint: String, grant: String, outcome: String) {
        registry.makeCounter(
            descriptor: Self.name("tokens", "total", "Token requests by endpoint, grant type and outcome (issued, or the OAuth error)."),
            labels: [("endpoint", endpoint), ("grant_type", grant), ("outcome", outcome)]
        ).increment()
    }

    func recordDelivery(kind: String, outcome: String) {
        deliveries(kind: kind, outcome: outcome).increment()
    }

    private func deliveries(kind: String, outcome: String) -> Counter {
        registry.makeCounter(
            descriptor: Self.name("event_deliveries", "total", "Attempts to deliver app events and expiry notices, by kind and outcome (delivered, retrying, given_up)."),
            labels: [("kind", kind), ("outcome", outcome)]
        )
    }

    /// Brings the sampled values up to date, then writes everything out.
    func scrape(clients: ClientCache, access: CachedAuthorizationDirectory, database: any DatabaseProvider) -> [UInt8] {
        for (name, value) in [("clients", clients.statistics), ("authorization", access.statistics)] {
            advance(Self.name("cache_hits", "total", "Look-ups answered from memory."), labels: [("cache", name)], to: value.hits)
            advance(Self.name("cache_misses", "total", "Look-ups that read the database."), labels: [("cache", name)], to: value.misses)
        }
        advance(
            Self.name("change_notices_received", "total", "Change notices received from other nodes and CLI commands."), labels: [],
            to: UInt64(database.changes.noticesReceived)
        )
        registry.makeGauge(descriptor: Self.name("change_notices", "following", "1 while this node hears other nodes' change notices."))
            .set(Double(database.changes.isFollowing ? 1 : 0))
        registry.makeGauge(descriptor: Self.name("database_connections", "in_use", "Database connections lent out to requests and services."))
            .set(Double(database.connectionsInUse))
        registry.makeGauge(descriptor: Self.name("database_connections", "max", "The most database connections this node opens."))
            .set(Double(database.maximumConnections))
        return registry.emitToBuffer()
    }

    private static func name(_ metric: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "latchkey", metricName: metric, unitName: unit, helpText: help)
    }

    private func advance(_ descriptor: MetricNameDescriptor, labels: [(String, String)], to value: UInt64) {
        let key = descriptor.name + labels.map { "|\($0.0)=\($0.1)" }.joined()
        let delta = sampled.withLock { last in
            defer { last[key] = max(last[key] ?? 0, value) }
            return value &- min(last[key] ?? 0, value)
        }
        registry.makeCounter(descriptor: descriptor, labels: labels).increment(by: Int64(delta))
    }
}
