import Foundation
import Hummingbird
import HummingbirdAuth
import LatchkeyStorage

/// Mounts the Seller Dashboard under `/dashboard`: pages, sessions in the database, CSRF checks
/// and security headers, and its own stylesheet and script.
enum DashboardRoutes {
    static func add(to router: Router<LatchkeyRequestContext>, latchkey: Latchkey) throws {
        let pages = try DashboardPages()
        let sessionCookie = SessionCookieParameters(
            name: "latchkey_session", path: "/dashboard", secure: latchkey.configuration.publicURL.hasPrefix("https://"), sameSite: .lax
        )
        let group = router.group("dashboard", context: DashboardContext.self)
            .add(middleware: SecurityHeadersMiddleware())
            .add(middleware: SessionMiddleware(
                storage: SessionPersistDriver(store: SQLKeyValueStore(provider: latchkey.database), clock: latchkey.clock),
                configuration: .init(sessionCookieParameters: sessionCookie, keyPrefix: "session.", defaultSessionExpiration: .seconds(12 * 3600))
            ))
            .add(middleware: DashboardGuardMiddleware(accounts: latchkey.accounts, pages: pages))

        group.get("assets/dashboard.css") { _, _ in asset(Assets.css, type: "text/css; charset=utf-8") }
        group.get("assets/dashboard.js") { _, _ in asset(Assets.script, type: "text/javascript; charset=utf-8") }
        AccountPages(accounts: latchkey.accounts, pages: pages).addRoutes(to: group)
        ClientPages(registry: latchkey.registry, pages: pages, policy: latchkey.registry.policy, clock: latchkey.clock).addRoutes(to: group)
        AppPages(catalog: latchkey.catalog, registry: latchkey.registry, accounts: latchkey.accounts, auditLog: latchkey.auditLog, pages: pages).addRoutes(to: group)
    }

    static func asset(_ text: String, type: String) -> Response {
        Response(
            status: .ok, headers: [.contentType: type, .cacheControl: "public, max-age=3600"],
            body: .init(byteBuffer: ByteBuffer(string: text))
        )
    }
}
