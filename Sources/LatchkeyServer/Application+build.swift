import Foundation
import Hummingbird
import NIOPosix
import LatchkeyCore
import LatchkeyOAuth
import LatchkeyStorage
import Logging
import ServiceLifecycle

/// Builds the HTTP application: routes, middleware, and the long-lived services (database,
/// last-used writer) under the application's service group, so that SIGTERM drains requests,
/// then flushes last-used times, then closes the database.
public func buildApplication(_ latchkey: Latchkey, logger: Logger) async throws -> some ApplicationProtocol {
    let configuration = latchkey.configuration
    let signer = try await SigningKeys.load(store: SQLSigningKeyStore(provider: latchkey.database), sealer: latchkey.sealer, clock: latchkey.clock)
    let recorder = SecretUseRecorder(store: latchkey.clients, interval: configuration.lastUsedFlushInterval, logger: logger)
    let settings = IssuerSettings(issuer: configuration.publicURL)

    let router = Router(context: LatchkeyRequestContext.self)
    router.add(middleware: RequestIDMiddleware())
    router.add(middleware: LogRequestsMiddleware(.debug))
    router.add(middleware: ErrorMiddleware())

    HealthController(database: latchkey.database).addRoutes(to: router)
    OAuthController(
        tokenEndpoint: TokenEndpoint(directory: latchkey.cache, signer: signer, settings: settings, uses: recorder, clock: latchkey.clock),
        introspection: IntrospectionEndpoint(directory: latchkey.cache, signer: signer, settings: settings, uses: recorder, clock: latchkey.clock),
        metadata: ServerMetadata(issuer: configuration.publicURL),
        signer: signer
    ).addRoutes(to: router)

    let api = router.group("api/v1")
    api.get("openapi.json") { _, _ in OpenAPIDocument.response }
    let sellers = SellerController(accounts: latchkey.accounts)
    sellers.addPublicRoutes(to: api)

    let authenticated = api.group().add(middleware: SellerAuthMiddleware(accounts: latchkey.accounts))
    sellers.addRoutes(to: authenticated)
    ClientController(registry: latchkey.registry, clock: latchkey.clock).addRoutes(to: authenticated)
    AppController(catalog: latchkey.catalog).addRoutes(to: authenticated)
    AuditController(store: latchkey.auditLog).addRoutes(to: authenticated)

    try DashboardRoutes.add(to: router, latchkey: latchkey)

    var services: [any Service] = []
    if let database = latchkey.database as? any Service { services.append(database) }
    services.append(recorder)
    return Application(
        router: router,
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "latchkey"),
        services: services,
        eventLoopGroupProvider: .shared(MultiThreadedEventLoopGroup(numberOfThreads: configuration.eventLoopThreads)),
        logger: logger
    )
}
