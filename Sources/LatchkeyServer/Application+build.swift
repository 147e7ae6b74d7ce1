import Foundation
import Hummingbird
import HummingbirdAuth
import LatchkeyCore
import LatchkeyOAuth
import LatchkeyStorage
import Logging
import NIOPosix
import ServiceLifecycle

/// Builds the HTTP application of a node: the parts (`Node.build`), the router that mounts them,
/// and the node's services under the application's service group, so that SIGTERM drains
/// requests, then stops the services in reverse order: last-used times flushed, the database
/// closed, and the event-loop group this node created shut down last.
public func buildApplication(_ latchkey: Latchkey, logger: Logger) async throws -> some ApplicationProtocol {
    let configuration = latchkey.configuration
    let node = try await Node.build(latchkey, logger: logger)
    let loops = configuration.tasksRunOnEventLoops ? nil : MultiThreadedEventLoopGroup(numberOfThreads: configuration.eventLoopThreads)
    return Application(
        router: buildRouter(node),
        server: try Transport.server(configuration),
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "latchkey"),
        services: loops.map { [EventLoopGroupShutdown(group: $0)] + node.services } ?? node.services,
        eventLoopGroupProvider: loops.map { .shared($0) } ?? .singleton,
        logger: logger
    )
}

/// Every route the server answers, as "METHOD /path/{capture}": what the OpenAPI document and
/// the authorization matrix are checked against.
public func routeDescriptions(_ latchkey: Latchkey, logger: Logger) async throws -> [String] {
    buildRouter(try await Node.build(latchkey, logger: logger)).routes.map { "\($0.method) \($0.path)" }
}

/// Mounts the node's route groups behind their middleware; builds nothing.
func buildRouter(_ node: Node) -> Router<LatchkeyRequestContext> {
    let router = Router(context: LatchkeyRequestContext.self)
    if let forwardedFor = node.forwardedFor { router.add(middleware: forwardedFor) }
    router.add(middleware: node.requestID)
    router.add(middleware: node.observer)
    let routes = RouteTable()
    router.add(middleware: ErrorMiddleware(routes: routes))

    node.health.addRoutes(to: router)
    node.metricsEndpoint.addRoutes(to: router)
    node.revocationFeed.addRoutes(to: router)
    node.oauth.addRoutes(to: router)

    let api = router.group("api/v1")
    api.get("openapi.json") { [document = node.openAPI] _, _ in document.response }
    node.sellers.addPublicRoutes(to: api)
    node.me.addRoutes(to: api)
    let authenticated = api.group().add(middleware: node.sellerAuth)
    node.sellers.addRoutes(to: authenticated)
    for group in node.sellerAPI { group.addRoutes(to: authenticated) }

    // The pages: one session and CSRF layer for the dashboard and the users' pages.
    let web = router.group(context: WebContext.self)
        .add(middleware: SecurityHeadersMiddleware())
        .add(middleware: node.sessions)
        .add(middleware: node.formGuard)
    node.home.addRoutes(to: web)
    node.dashboard.addRoutes(to: web)
    let accountPages = web.group().add(middleware: AccountGuardMiddleware(pages: node.pages))
    node.authorize.addRoutes(to: accountPages)
    node.logout.addRoutes(to: accountPages)
    node.logout.ending.addRoutes(to: accountPages)
    node.userPages.addRoutes(to: accountPages)
    node.userPages.federated.addRoutes(to: accountPages)
    node.launch.addRoutes(to: accountPages)

    routes.fill(router.routes.map { ($0.method, $0.path.description) })
    return router
}

/// A group of the seller API's routes, behind seller authentication.
protocol SellerAPIRoutes {
    func addRoutes(to group: RouterGroup<LatchkeyRequestContext>)
}

extension ClientController: SellerAPIRoutes {}
extension AppController: SellerAPIRoutes {}
extension AuditController: SellerAPIRoutes {}
extension WebhookController: SellerAPIRoutes {}
extension TenantController: SellerAPIRoutes {}

/// The composition root of a node: every part built once, here, from the core (`Latchkey`) and
/// its configuration — the protocol endpoints, the pages, the limits and metrics — and the list
/// of long-lived services. The router only mounts what this builds.
struct Node {
    let forwardedFor: ForwardedForMiddleware?
    let requestID: RequestIDMiddleware
    let observer: RequestObserver
    let health: HealthController
    let metricsEndpoint: MetricsController
    let revocationFeed: RevocationFeedController
    let oauth: OAuthController
    let openAPI: OpenAPIDocument
    let sellers: SellerController
    let me: MeController
    let sellerAuth: SellerAuthMiddleware
    let sellerAPI: [any SellerAPIRoutes]
    let pages: Pages
    let sessions: WebSessionMiddleware
    let formGuard: FormGuardMiddleware
    let home: HomePage
    let dashboard: DashboardRoutes
    let authorize: AuthorizePages
    let userPages: UserPages
    let logout: LogoutPages
    let launch: LaunchPages
    /// In start order; stopped in reverse.
    let services: [any Service]

    static func build(_ latchkey: Latchkey, logger: Logger) async throws -> Node {
        let configuration = latchkey.configuration
        let clock = latchkey.clock
        let issuer = configuration.publicURL

        // The protocol: signing, client authentication under the rate limits, the grants.
        let signer = try await TokenSigner(keys: try await latchkey.signingKeys.load())
        let recorder = SecretUseRecorder(
            store: latchkey.clients, interval: configuration.lastUsedFlushInterval, granularity: configuration.lastUsedGranularity, logger: logger
        )
        let settings = IssuerSettings(issuer: issuer)
        let limits = RateLimiters(configuration.rateLimits)
        let metrics = ServerMetrics()
        let authenticator = ClientAuthenticator(directory: latchkey.cache, uses: recorder, clock: clock)
        // The token endpoints count each authenticated client's requests; introspection,
        // revocation and the feed count on limits of their own.
        let tokenAuthenticator = authenticator.limited { limits.tokensPerClient.admit($0.rawValue) }
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
        let validator = AccessTokenValidator(
            signer: signer, settings: settings, clients: latchkey.cache, directory: latchkey.access, revokedTokens: latchkey.revokedTokens, clock: clock
        )
        // Sign-in and launch: one decision, one issuer.
        let decision = AuthorizationDecision(
            directory: latchkey.access, definedPermissions: { [catalog = latchkey.catalog] in try await catalog.definedPermissions() }, clock: clock
        )
        let authorizationIssuer = AuthorizationIssuer(
            tenants: latchkey.directory, codes: authorizationCode,
            contextTokens: ContextTokenIssuer(keys: latchkey.keys, refreshTokens: acsRefreshTokens, issuer: issuer, clock: clock)
        )

        let pages = try await Pages.load(csrfKey: latchkey.keys.csrfTokens)
        let ending = SessionEnding(
            outbox: latchkey.outbox, federation: latchkey.federation, providers: latchkey.upstream, pages: pages, clock: clock,
            returnURI: issuer + SessionEnding.returnPath
        )
        // Back-Channel Logout §2.4: a short-lived token, signed when it is sent.
        let logoutTokens: @Sendable (LogoutNotice) throws -> String = { [signer] notice in
            let now = Int(clock().timeIntervalSince1970)
            return try signer.sign(LogoutTokenClaims(
                iss: issuer, aud: notice.clientID, iat: now, exp: now + 120, jti: ObjectID.generate(), sub: notice.subject, sid: notice.sessionID,
                tid: notice.tenantID
            ))
        }
        let consentPage = ConsentPage(accounts: latchkey.accounts, pages: pages)
        let sessionCookie = SessionCookieParameters(name: "latchkey_session", path: "/", secure: issuer.hasPrefix("https://"), sameSite: .lax)

        let services: [any Service] = [
            latchkey.database, ChangeFollower(database: latchkey.database), InBackground(recorder),
            InBackground(GrantPruner(grants: latchkey.grants, clock: clock, logger: logger)),
            InBackground(AuditPruner(store: latchkey.auditLog, retentionDays: configuration.auditRetentionDays, clock: clock, logger: logger)),
            SigningKeyRefresher(keys: latchkey.signingKeys, signer: signer, interval: .seconds(60), changes: latchkey.database.changes, logger: logger),
        ] + (configuration.deliversEvents ? try deliveryServices(latchkey, metrics: metrics, logger: logger, logoutToken: logoutTokens) : [])

        return Node(
            forwardedFor: configuration.trustedProxies.isEmpty ? nil : ForwardedForMiddleware(proxies: configuration.trustedProxies),
            requestID: RequestIDMiddleware(strictTransportSecurity: issuer.hasPrefix("https://")),
            observer: RequestObserver(metrics: metrics, accessLog: configuration.accessLog),
            health: HealthController(database: latchkey.database),
            metricsEndpoint: MetricsController(
                metrics: metrics, token: configuration.metricsToken, clients: latchkey.cache, access: latchkey.access, database: latchkey.database
            ),
            revocationFeed: RevocationFeedController(
                authenticator: checkAuthenticator, store: latchkey.revocations, wakeup: RevocationWakeup(changes: latchkey.database.changes),
                addressLimit: limits.checksPerAddress, longPolls: limits.longPolls
            ),
            oauth: OAuthController(
                tokenEndpoint: tokenEndpoint,
                introspection: IntrospectionEndpoint(authenticator: checkAuthenticator, validator: validator, grants: latchkey.grants, clock: clock),
                revocation: RevocationEndpoint(
                    authenticator: checkAuthenticator, signer: signer, grants: latchkey.grants, acsRefreshTokens: acsRefreshTokens, clock: clock
                ),
                userInfo: UserInfoEndpoint(validator: validator, directory: latchkey.access),
                issuer: issuer, grantTypes: tokenEndpoint.grantTypes,
                scopes: { [directory = latchkey.directory] in try await directory.permissions().filter { !$0.appOnly }.map(\.name) },
                signer: signer,
                acs: ACSTokenEndpoint(
                    authenticator: tokenAuthenticator, clientCredentials: clientCredentials, authorizationCode: authorizationCode,
                    directory: latchkey.access, refreshTokens: acsRefreshTokens, minter: minter, siteHosts: configuration.siteHosts,
                    revoked: latchkey.revokedTokens, clock: clock
                ),
                metrics: metrics, addressLimit: limits.tokensPerAddress, checksAddressLimit: limits.checksPerAddress
            ),
            openAPI: try OpenAPIDocument.load(),
            sellers: SellerController(accounts: latchkey.accounts, limits: limits),
            me: MeController(validator: validator, directory: latchkey.directory),
            sellerAuth: SellerAuthMiddleware(accounts: latchkey.accounts),
            sellerAPI: [
                ClientController(registry: latchkey.registry, clock: clock),
                AppController(catalog: latchkey.catalog, outbox: latchkey.outbox),
                AuditController(store: latchkey.auditLog),
                WebhookController(notices: latchkey.expiryNotices),
                TenantController(directory: latchkey.directory, auditLog: latchkey.auditLog),
                FederationController(federation: latchkey.federation, issuer: issuer),
            ],
            pages: pages,
            sessions: WebSessionMiddleware(
                driver: SessionPersistDriver(
                    store: SQLKeyValueStore(provider: latchkey.database), clock: clock, lifetime: latchkey.cacheLifetime, changes: latchkey.database.changes
                ),
                cookie: sessionCookie, keyPrefix: "session.", lifetime: SessionPersistDriver.defaultLifetime
            ),
            formGuard: FormGuardMiddleware(accounts: latchkey.accounts, users: latchkey.access, pages: pages),
            home: HomePage(issuer: issuer, pages: pages),
            dashboard: DashboardRoutes(
                pages: pages,
                accounts: SellerAccountPages(accounts: latchkey.accounts, pages: pages, limits: limits),
                clients: ClientPages(registry: latchkey.registry, pages: pages, policy: latchkey.registry.policy, clock: clock),
                apps: AppPages(
                    catalog: latchkey.catalog, registry: latchkey.registry, accounts: latchkey.accounts, auditLog: latchkey.auditLog,
                    outbox: latchkey.outbox, pages: pages
                ),
                notices: NoticePages(notices: latchkey.expiryNotices, pages: pages)
            ),
            authorize: AuthorizePages(
                clients: latchkey.cache, decision: decision, issuer: authorizationIssuer, consentPage: consentPage, issuerURL: issuer, pages: pages
            ),
            userPages: UserPages(
                directory: latchkey.directory, pages: pages, clock: clock, limits: limits, ending: ending,
                federated: FederatedSignIn(
                    federation: latchkey.federation, providers: latchkey.upstream, pages: pages, clock: clock,
                    redirectURI: issuer + FederatedSignIn.callbackPath
                )
            ),
            logout: LogoutPages(clients: latchkey.cache, apps: latchkey.access, signer: signer, issuer: issuer, pages: pages, ending: ending),
            launch: LaunchPages(
                clients: latchkey.cache, access: latchkey.access, decision: decision, issuer: authorizationIssuer, consentPage: consentPage,
                configuration: configuration, pages: pages
            ),
            services: services
        )
    }
}

/// Delivering app events, logout tokens and expiry notices, and scanning for the latter.
func deliveryServices(
    _ latchkey: Latchkey, metrics: ServerMetrics, logger: Logger, logoutToken: @escaping @Sendable (LogoutNotice) throws -> String
) throws -> [any Service] {
    let configuration = latchkey.configuration
    return [
        InBackground(try EventDeliverer(
            outbox: latchkey.outbox, apps: latchkey.apps, clients: latchkey.clients, webhooks: latchkey.webhooks, keys: latchkey.keys,
            clock: latchkey.clock, interval: configuration.eventPollInterval, outbound: latchkey.outbound, logger: logger,
            recordAttempt: { metrics.recordDelivery(kind: $0, outcome: $1) }, logoutToken: logoutToken
        )),
        InBackground(ExpiryNoticeScanner(notices: latchkey.expiryNotices, interval: configuration.expiryScanInterval, logger: logger)),
    ]
}
