import Foundation
import HTTPTypes
import Hummingbird
import LatchkeyCore
import LatchkeyStorage

/// Replaces the request context's address with the forwarded client's when the peer is a trusted
/// proxy. Added only when `LATCHKEY_TRUSTED_PROXIES` names one.
struct ForwardedForMiddleware: RouterMiddleware {
    typealias Context = LatchkeyRequestContext
    let proxies: TrustedProxies

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let forwarded = request.headers[values: .xForwardedFor]
        guard !forwarded.isEmpty, let peer = context.peerAddress.flatMap(IPAddress.init) else { return try await next(request, context) }
        var context = context
        context.forwardedClient = proxies.client(peer: peer, forwardedFor: forwarded).description
        return try await next(request, context)
    }
}
