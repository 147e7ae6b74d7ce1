import Foundation
import Hummingbird
import LatchkeyCore
import LatchkeyOAuth
import LatchkeyStorage
import LatchkeyWire
import Prometheus
import Synchronization

/// Sees each request once it is answered: counts it for `/metrics` (route pattern, method,
/// status, latency) and, with the access log on, writes its one line at info — method, route
/// (the matched pattern, never the query or a path's secrets), status, duration, the client's
/// address and the request id the logger carries. After the forwarded-address and request-id
/// middleware, so that both are the caller's.
struct RequestObserver: RouterMiddleware {
    typealias Context = LatchkeyRequestContext
    let metrics: ServerMetrics
    let accessLog: Bool

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        do {
            let response = try await next(request, context)
            observe(request, context, status: Int(response.status.code), since: start)
            return response
        } catch {
            observe(request, context, status: Int((error as? any HTTPResponseError)?.status.code ?? 500), since: start)
            throw error
        }
    }

    private func observe(_ request: Request, _ context: Context, status: Int, since start: ContinuousClock.Instant) {
        let elapsed = start.duration(to: .now)
        let route = context.endpointPath ?? "unmatched"
        metrics.recordRequest(route: route, method: request.method.rawValue, status: status, duration: elapsed)
        guard accessLog else { return }
        // Milliseconds with two decimals, without printf.
        let hundredths = Int(elapsed.components.seconds) * 100_000 + Int(elapsed.components.attoseconds / 10_000_000_000_000)
        let fraction = hundredths % 100
        context.logger.info("request", metadata: [
            "method": .string(request.method.rawValue), "route": .string(route), "status": .stringConvertible(status),
            "ms": .string("\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"), "client": .string(context.remoteAddress ?? "-"),
        ])
    }
}

/// `GET /metrics`, for Prometheus. Open by default, like `/healthz`, for scrapers on the
/// operators' network; with `LATCHKEY_METRICS_TOKEN` set, only for `Authorization: Bearer {token}`.
