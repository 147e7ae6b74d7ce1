import Hummingbird
import LatchkeyStorage

/// `GET /healthz`: the process answers. `GET /readyz`: and its database does too.
struct HealthController {
    let database: any DatabaseProvider

    func addRoutes(to router: some RouterMethods<LatchkeyRequestContext>) {
        router.get("healthz") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: #"{"status":"ok"}"#)))
        }
        router.get("readyz", use: ready)
    }

    @Sendable func ready(_ request: Request, context: LatchkeyRequestContext) async throws -> Response {
        do {
            try await database.read { db in try await db.raw("SELECT 1").run() }
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: #"{"status":"ready","database":"\#(database.engine.rawValue)"}"#)))
        } catch {
            context.logger.warning("readiness check failed", metadata: ["error": "\(String(reflecting: type(of: error)))"])
            return Response(status: .serviceUnavailable, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: #"{"status":"unavailable","database":"\#(database.engine.rawValue)"}"#)))
        }
    }
}
