import Hummingbird

/// `GET /`: what this deployment is and where to go from here, for a person who opened its
/// address. It creates no session.
struct HomePage {
    let issuer: String
    let pages: Pages

    struct Body: Sendable {
        let issuer: String
    }

    func addRoutes(to group: RouterGroup<WebContext>) {
        group.get("/") { _, context in
            pages.render("home", title: "Latchkey", body: Body(issuer: issuer), context: context)
        }
    }
}
