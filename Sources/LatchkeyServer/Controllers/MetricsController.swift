import Foundation
import Hummingbird
import LatchkeyCore
import LatchkeyOAuth
import LatchkeyStorage
import LatchkeyWire
import Prometheus
import Synchronization

struct MetricsController {
    let metrics: ServerMetrics
    let token: String?
    let clients: ClientCache
    let access: CachedAuthorizationDirectory
    let database: any DatabaseProvider

    func addRoutes(to router: some RouterMethods<LatchkeyRequestContext>) {
        router.get("metrics") { request, _ in
            if let token {
                let given = BearerCredential.token(in: request.headers[.authorization]) ?? ""
                guard SecretDigest(of: given).constantTimeEquals(SecretDigest(of: token)) else {
                    return Response(status: .unauthorized, headers: [.wwwAuthenticate: "Bearer realm=\"metrics\""])
                }
            }
            let body = metrics.scrape(clients: clients, access: access, database: database)
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8", .cacheControl: "no-store"],
                body: .init(byteBuffer: ByteBuffer(bytes: body))
            )
        }
    }
}
