import Foundation
import Hummingbird
import HummingbirdAuth
import LatchkeyCore
import LatchkeyOAuth
import LatchkeyStorage
import Logging
import NIOPosix
import ServiceLifecycle

/// Builds the HTTP application: routes, middleware, and the long-lived services (database,
/// last-used writer, grant pruner) under the application's service group, so that SIGTERM
/// drains requests, then flushes last-used times, then closes the database.
public func buildApplication(_ latchkey: Latchkey, logger: Logger) async throws -> some ApplicationProtocol {
    let (router, services) = try await buildRouter(latchkey, logger: logger)
    let configuration = latchkey.configuration
    return Application(
        router: router,
        server: try Transport.server(configuration),
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "latchkey"),
        services: services,
        eventLoopGroupProvider: configuration.tasksRunOnEventLoops
            ? .singleton : .shared(MultiThreadedEventLoopGroup(numberOfThreads: configuration.eventLoopThreads)),
        logger: logger
    )
}

/// Every route the server answers, as "METHOD /path/{capture}": what the OpenAPI document and
/// the authorization matrix are checked against.
public func routeDescriptions(_ latchkey: Latchkey, logger: Logger) async throws -> [String] {
    try await buildRouter(latchkey, logger: logger).router.routes.map { "\($0.method) \($0.path)" }
}

func buildRouter(_ latchkey: Latchkey, logger: Logger) async throws -> (router: Router<LatchkeyRequestContext>, services: [any Service]) {
    let configuration = latchkey.configuration
    let clock = latchkey.clock
    let keys = latchkey.signingKeys
    let signer = try await TokenSigner(keys: try await keys.load())
    let recorder = SecretUseRecorder(
        store: latchkey.clients, interval: configuration.lastUsedFlushInterval, granularity: configuration.lastUsedGranularity, logger: logger
    )
    let settings = IssuerSettings(issuer: configuration.publicURL)
    let limits = RateLimiters(configuration.rateLimits)
    let authenticator = ClientAuthenticator(directory: latchkey.cache, uses: recorder, clock: clock)
    // The token endpoints count each authenticated client's requests; introspection,
    // revocation and the feed do not.
    let tokenAuthenticator = authenticator.limited { limits.tokensPerClient.admit($0.rawValue) }
    // Introspection, revocation and the feed count on limits of their own.
    let checkAuthenticator = authenticator.limited { limits.checksPerClient.admit($0.rawValue) }
    let minter = TokenMinter(signer: signer, settings: settings, clock: clock)
    let clientCredentials = ClientCredentialsGrant(minter: minter, directory: latchkey.access)
    let authorizationCode = AuthorizationCodeGrant(minter: minter, directory: latchkey.access, grants: latchkey.grants, clock: clock)
    let acsRefreshTokens = ACSRefreshTokens(keys: latchkey.keys)
    let tokenEndpoint = TokenEndpoint(authenticator: tokenAuthenticator, grants: [
        authorizationCode,
        RefreshTokenGrant(minter: minter, directory: latchkey.access, grants: latchkey.grants, clock: clock),
        clientCredentials,
    ])
    let validator = AccessTokenValidator(signer: signer, settings: settings, clients: latchkey.cache, directory: latchkey.access, revokedTokens: latchkey.revokedTokens, clock: clock)

    let metrics = ServerMetrics()
    let router = Router(context: LatchkeyRequestContext.self)
    if !configuration.trustedProxies.isEmpty {
        router.add(middleware: ForwardedForMiddleware(proxies: configuration.trustedProxies))
    }
    router.add(middleware: RequestIDMiddleware(strictTransportSecurity: configuration.publicURL.hasPrefix("https://")))
    router.add(middleware: RequestObserver(metrics: metrics, accessLog: configuration.accessLog))
    let routes = RouteTable()
    router.add(middleware: ErrorMiddleware(routes: routes))

    HealthController(database: latchkey.database).addRoutes(to: router)
    MetricsController(metrics: metrics, latchkey: latchkey).addRoutes(to: router)
    RevocationFeedController(
        authenticator: checkAuthenticator, store: latchkey.revocations, wakeup: RevocationWakeup(changes: latchkey.database.changes),
        addressLimit: limits.checksPerAddress, longPolls: limits.longPolls
    ).addRoutes(to: router)
    OAuthController(
        tokenEndpoint: tokenEndpoint,
        introspection: IntrospectionEndpoint(authenticator: checkAuthenticator, validator: validator, grants: latchkey.grants, clock: clock),
        revocation: RevocationEndpoint(authenticator: checkAuthenticator, signer: signer, grants: latchkey.grants, acsRefreshTokens: acsRefreshTokens, clock: clock),
        userInfo: UserInfoEndpoint(validator: validator, directory: latchkey.access),
        issuer: configuration.publicURL, grantTypes: tokenEndpoint.grantTypes,
        scopes: { [directory = latchkey.directory] in try await directory.permissions().filter { !$0.appOnly }.map(\.name) },
        signer: signer,
        acs: ACSTokenEndpoint(
            authenticator: tokenAuthenticator, clientCredentials: clientCredentials, authorizationCode: authorizationCode, directory: latchkey.access,
            refreshTokens: acsRefreshTokens, minter: minter, siteHosts: configuration.siteHosts, revoked: latchkey.revokedTokens, clock: clock
        ),
        metrics: metrics, addressLimit: limits.tokensPerAddress, checksAddressLimit: limits.checksPerAddress
    ).addRoutes(to: router)

    let api = router.group("api/v1")
    let document = try OpenAPIDocument.load()
    api.get("openapi.json") { _, _ in document.response }
    let sellers = SellerController(accounts: latchkey.accounts, limits: limits)
    sellers.addPublicRoutes(to: api)
    MeController(validator: validator, directory: latchkey.directory).addRoutes(to: api)

    let authenticated = api.group().add(middleware: SellerAuthMiddleware(accounts: latchkey.accounts))
    sellers.addRoutes(to: authenticated)
    ClientController(registry: latchkey.registry, clock: clock).addRoutes(to: authenticated)
    AppController(catalog: latchkey.catalog, outbox: latchkey.outbox).addRoutes(to: authenticated)
    AuditController(store: latchkey.auditLog).addRoutes(to: authenticated)
    WebhookController(notices: latchkey.expiryNotices).addRoutes(to: authenticated)
    TenantController(directory: latchkey.directory, auditLog: latchkey.auditLog).addRoutes(to: authenticated)

    // The pages: one session and CSRF layer for the dashboard and the users' pages.
    let pages = try await Pages.load(csrfKey: latchkey.keys.csrfTokens)
    let sessionCookie = SessionCookieParameters(
        name: "latchkey_session", path: "/", secure: configuration.publicURL.hasPrefix("https://"), sameSite: .lax
    )
    let web = router.group(context: WebContext.self)
        .add(middleware: SecurityHeadersMiddleware())
        .add(middleware: WebSessionMiddleware(
            driver: SessionPersistDriver(store: SQLKeyValueStore(provider: latchkey.database), clock: clock, lifetime: latchkey.cacheLifetime, changes: latchkey.database.changes),
            cookie: sessionCookie, keyPrefix: "session.", lifetime: SessionPersistDriver.defaultLifetime
        ))
        .add(middleware: FormGuardMiddleware(accounts: latchkey.accounts, users: latchkey.access, pages: pages))
    HomePage(issuer: configuration.publicURL, pages: pages).addRoutes(to: web)
    DashboardRoutes.add(to: web, latchkey: latchkey, pages: pages, limits: limits)
    let accountPages = web.group().add(middleware: AccountGuardMiddleware(pages: pages))
    let decision = AuthorizationDecision(
        directory: latchkey.access, definedPermissions: { [catalog = latchkey.catalog] in try await catalog.definedPermissions() }, clock: clock
    )
    let authorizationIssuer = AuthorizationIssuer(
        tenants: latchkey.directory, codes: authorizationCode,
        contextTokens: ContextTokenIssuer(keys: latchkey.keys, refreshTokens: acsRefreshTokens, issuer: configuration.publicURL, clock: clock)
    )
    let consentPage = ConsentPage(accounts: latchkey.accounts, pages: pages)
    AuthorizePages(
        clients: latchkey.cache, decision: decision, issuer: authorizationIssuer, consentPage: consentPage, issuerURL: configuration.publicURL, pages: pages
    ).addRoutes(to: accountPages)
    UserPages(directory: latchkey.directory, pages: pages, clock: clock, limits: limits).addRoutes(to: accountPages)
    LaunchPages(
        clients: latchkey.cache, access: latchkey.access, decision: decision, issuer: authorizationIssuer, consentPage: consentPage,
        configuration: configuration, pages: pages
    ).addRoutes(to: accountPages)

    routes.fill(router.routes.map { ($0.method, $0.path.description) })
    let services: [any Service] = [
        latchkey.database, ChangeFollower(database: latchkey.database), recorder, GrantPruner(grants: latchkey.grants, clock: clock, logger: logger),
        AuditPruner(store: latchkey.auditLog, retentionDays: configuration.auditRetentionDays, clock: clock, logger: logger),
        SigningKeyRefresher(keys: keys, signer: signer, interval: .seconds(60), changes: latchkey.database.changes, logger: logger),
    ] + (configuration.deliversEvents ? try deliveryServices(latchkey, metrics: metrics, logger: logger) : [])
    return (router, services)
}

/// Delivering app events and expiry notices, and scanning for the latter.
func deliveryServices(_ latchkey: Latchkey, metrics: ServerMetrics, logger: Logger) throws -> [any Service] {
    let configuration = latchkey.configuration
    return [
        try EventDeliverer(
            outbox: latchkey.outbox, apps: latchkey.apps, clients: latchkey.clients, webhooks: latchkey.webhooks, keys: latchkey.keys,
            clock: latchkey.clock, interval: configuration.eventPollInterval, outbound: latchkey.outbound, logger: logger,
            recordAttempt: { metrics.recordDelivery(kind: $0, outcome: $1) }
        ),
        ExpiryNoticeScanner(notices: latchkey.expiryNotices, interval: configuration.expiryScanInterval, logger: logger),
    ]
}
