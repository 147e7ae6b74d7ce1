import Foundation
import Hummingbird
import HummingbirdAuth
import LatchkeyStorage

/// Mounts the Seller Dashboard under `/dashboard`: pages behind the shared web layer (sessions,
/// CSRF, security headers), the seller guard, and its own stylesheet and script.
enum DashboardRoutes {
    static func add(to web: RouterGroup<WebContext>, latchkey: Latchkey, pages: Pages, limits: RateLimiters) {
        let group = web.group("dashboard").add(middleware: DashboardGuardMiddleware(pages: pages))
        group.get("assets/dashboard.css") { _, _ in asset(pages.assets["dashboard.css"] ?? "", type: "text/css; charset=utf-8") }
        group.get("assets/dashboard.js") { _, _ in asset(pages.assets["dashboard.js"] ?? "", type: "text/javascript; charset=utf-8") }
        SellerAccountPages(accounts: latchkey.accounts, pages: pages, limits: limits).addRoutes(to: group)
        ClientPages(registry: latchkey.registry, pages: pages, policy: latchkey.registry.policy, clock: latchkey.clock).addRoutes(to: group)
        AppPages(catalog: latchkey.catalog, registry: latchkey.registry, accounts: latchkey.accounts, auditLog: latchkey.auditLog, outbox: latchkey.outbox, pages: pages).addRoutes(to: group)
        NoticePages(notices: latchkey.expiryNotices, pages: pages).addRoutes(to: group)
    }

    static func asset(_ text: String, type: String) -> Response {
        Response(
            status: .ok, headers: [.contentType: type, .cacheControl: "public, max-age=3600"],
            body: .init(byteBuffer: ByteBuffer(string: text))
        )
    }
}
