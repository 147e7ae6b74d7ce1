import Foundation
import Hummingbird
import HummingbirdAuth
import LatchkeyStorage

/// Mounts the Seller Dashboard under `/dashboard`: pages behind the shared web layer (sessions,
/// CSRF, security headers), the seller guard, and its own stylesheet and script.
struct DashboardRoutes {
    let pages: Pages
    let accounts: SellerAccountPages
    let clients: ClientPages
    let apps: AppPages
    let notices: NoticePages

    func addRoutes(to web: RouterGroup<WebContext>) {
        let group = web.group("dashboard").add(middleware: DashboardGuardMiddleware(pages: pages))
        group.get("assets/dashboard.css") { [pages] _, _ in Self.asset(pages.assets["dashboard.css"] ?? "", type: "text/css; charset=utf-8") }
        group.get("assets/dashboard.js") { [pages] _, _ in Self.asset(pages.assets["dashboard.js"] ?? "", type: "text/javascript; charset=utf-8") }
        accounts.addRoutes(to: group)
        clients.addRoutes(to: group)
        apps.addRoutes(to: group)
        notices.addRoutes(to: group)
    }

    static func asset(_ text: String, type: String) -> Response {
        Response(
            status: .ok, headers: [.contentType: type, .cacheControl: "public, max-age=3600"],
            body: .init(byteBuffer: ByteBuffer(string: text))
        )
    }
}
