import Foundation
import Hummingbird
import LatchkeyCore

/// Apps: list, add and edit (with the seed's service check box and Client ID picker), submit for
/// approval; the operators' review queue; the seller's activity.
struct AppPages {
    let catalog: AppCatalog
    let registry: ClientRegistry
    let accounts: SellerAccounts
    let auditLog: any AuditStore
    let outbox: any EventOutbox
    let pages: Pages

    func addRoutes(to group: RouterGroup<WebContext>) {
        group.get("apps", use: list)
        group.get("apps/new", use: newForm)
        group.post("apps/new", use: create)
        group.get("apps/:appId", use: show)
        group.post("apps/:appId", use: update)
        group.post("apps/:appId/submit", use: submit)
        group.post("apps/:appId/delete", use: delete)
        group.get("review", use: reviewQueue)
        group.post("review/:appId/approve", use: approve)
        group.post("review/:appId/reject", use: reject)
        group.get("activity", use: activity)
    }

    // MARK: List

    struct AppRow: Sendable {
        let id: String
        let name: String
        let markets: String
        let clientName: String
        let needsClientID: Bool
        let status: String
        let reviewReason: String?
    }

    struct ListBody: Sendable {
        let apps: [AppRow]
    }

    @Sendable func list(_ request: Request, context: WebContext) async throws -> Response {
        let sellerID = try context.actor().sellerID
        let names = Dictionary(uniqueKeysWithValues: try await registry.clients(of: sellerID).map { ($0.id, $0.friendlyName) })
        let rows = try await catalog.apps(of: sellerID).map { app in
            AppRow(
                id: app.id, name: app.name, markets: app.markets.codes.joined(separator: ", "),
                clientName: app.clientID.flatMap { names[$0] } ?? (app.requiresServerToServerAuth ? "" : "—"),
                needsClientID: app.needsClientID, status: app.status.rawValue, reviewReason: app.reviewReason
            )
        }
        return pages.render("apps", title: "Apps", tab: .apps, body: ListBody(apps: rows), context: context)
    }

    // MARK: Form

    struct ClientOption: Sendable {
        let id: String
        let name: String
        let selected: Bool
    }

    struct FormBody: Sendable {
        let action: String
        let name: String
        let description: String
        let markets: String
        let serverToServer: Bool
        let worldwide: [ClientOption]
        let china: [ClientOption]
        let status: String?
        let reviewReason: String?
        let canSubmit: Bool
        let canDelete: Bool
        let errors: [ErrorLink]
        let nameError: String?
        let descriptionError: String?
        let marketsError: String?
        let clientError: String?
        let permissions: String
        let appOnlyPermissions: String
        let permissionsError: String?
        let appOnlyPermissionsError: String?
        let delegatedChoices: String
        let appOnlyChoices: String
        let eventsUrl: String
        let eventsUrlError: String?
        /// The stored app has an events URL: its deliveries are listed.
        let hasEvents: Bool
        let deliveries: [DeliveryRow]
    }

    struct DeliveryRow: Sendable {
        let type: String
        let tenant: String
        let created: String
        let status: String
        let attempts: Int
        let lastResult: String
        let next: String
    }

    /// What the form shows: the app as stored, or what the seller typed when it was refused.
    struct Values {
        var name = ""
        var description = ""
        var markets = ""
        var serverToServer = false
        var clientID = ""
        var permissions = ""
        var appOnlyPermissions = ""
        var eventsURL = ""

        init() {}

        init(_ app: AppListing) {
            name = app.name
            description = app.description
            markets = app.markets.codes.joined(separator: ", ")
            serverToServer = app.requiresServerToServerAuth
            clientID = app.clientID?.rawValue ?? ""
            permissions = app.permissions.joined(separator: " ")
            appOnlyPermissions = app.appOnlyPermissions.joined(separator: " ")
            eventsURL = app.eventsURL?.value ?? ""
        }

        init(form: [String: String]) {
            name = form["name"] ?? ""
            description = form["description"] ?? ""
            markets = form["markets"] ?? ""
            serverToServer = form["requiresServerToServerAuth"] == "on"
            clientID = form["clientId"] ?? ""
            permissions = form["permissions"] ?? ""
            appOnlyPermissions = form["appOnlyPermissions"] ?? ""
            eventsURL = form["eventsUrl"] ?? ""
        }

        var input: AppCatalog.AppInput {
            AppCatalog.AppInput(
                name: name, description: description,
                markets: markets.split(whereSeparator: { $0 == "," || $0 == " " }).map(String.init),
                requiresServerToServerAuth: serverToServer, clientID: .some(clientID.isEmpty ? nil : clientID),
                permissions: Self.names(permissions), appOnlyPermissions: Self.names(appOnlyPermissions), eventsURL: eventsURL
            )
        }

        static func names(_ text: String) -> [String] {
            text.split(whereSeparator: { $0 == "," || $0.isWhitespace }).map(String.init)
        }
    }

    private func formBody(action: String, values: Values, app: AppListing?, errors: FormErrors, context: WebContext) async throws -> FormBody {
        let clients = try await registry.clients(of: try context.actor().sellerID)
        let defined = try await catalog.definedPermissions().values.sorted { $0.name < $1.name }
        let choices = { (appOnly: Bool) in
            let names = defined.filter { $0.appOnly == appOnly }.map(\.name)
            return names.isEmpty ? "none yet" : names.joined(separator: ", ")
        }
        let deliveries = if let app { try await outbox.deliveries(appID: app.id, limit: 20) } else { [EventDelivery]() }
        let option = { (client: OAuthClient) in ClientOption(id: client.id.rawValue, name: client.friendlyName, selected: client.id.rawValue == values.clientID) }
        return FormBody(
            action: action, name: values.name, description: values.description, markets: values.markets, serverToServer: values.serverToServer,
            worldwide: clients.filter { $0.availability == .worldwide }.map(option), china: clients.filter { $0.availability == .china }.map(option),
            status: app?.status.rawValue, reviewReason: app?.reviewReason,
            canSubmit: app.map { $0.status == .draft || $0.status == .rejected } ?? false, canDelete: app != nil,
            errors: errors.list, nameError: errors["name"], descriptionError: errors["description"], marketsError: errors["markets"],
            clientError: errors["clientId"] ?? errors["requiresServerToServerAuth"],
            permissions: values.permissions, appOnlyPermissions: values.appOnlyPermissions,
            permissionsError: errors["permissions"], appOnlyPermissionsError: errors["appOnlyPermissions"],
            delegatedChoices: choices(false), appOnlyChoices: choices(true),
            eventsUrl: values.eventsURL, eventsUrlError: errors["eventsUrl"], hasEvents: app?.eventsURL != nil,
            deliveries: deliveries.map {
                DeliveryRow(
                    type: $0.type.rawValue, tenant: $0.tenantID, created: DisplayDate.format($0.createdAt), status: $0.status.rawValue, attempts: $0.attempts,
                    lastResult: $0.lastResult ?? "—", next: $0.status == .pending ? $0.nextAttemptAt.map(DisplayDate.format) ?? "—" : "—"
                )
            }
        )
    }

    @Sendable func newForm(_ request: Request, context: WebContext) async throws -> Response {
        let body = try await formBody(action: "/dashboard/apps/new", values: Values(), app: nil, errors: FormErrors(), context: context)
        return pages.render("app-form", title: "Add an app", tab: .apps, body: body, context: context)
    }

    @Sendable func create(_ request: Request, context: WebContext) async throws -> Response {
        let values = Values(form: context.fields)
        do {
            let app = try await catalog.create(values.input, by: try context.actor())
            context.notify("\(app.name) was added as a draft. Submit it for approval when it is ready.")
            return .redirect(to: "/dashboard/apps/\(app.id)", type: .normal)
        } catch let error as DomainError where error.isFieldError {
            let body = try await formBody(action: "/dashboard/apps/new", values: values, app: nil, errors: FormErrors(error), context: context)
            return pages.render("app-form", title: "Add an app", tab: .apps, body: body, context: context, status: .unprocessableContent)
        }
    }

    @Sendable func show(_ request: Request, context: WebContext) async throws -> Response {
        let app = try await catalog.app(try context.parameters.appID(), of: try context.actor())
        guard app.sellerID == context.seller?.id else { throw DomainError.notFound("app") }
        let body = try await formBody(action: "/dashboard/apps/\(app.id)", values: Values(app), app: app, errors: FormErrors(), context: context)
        return pages.render("app-form", title: app.name, tab: .apps, body: body, context: context)
    }

    @Sendable func update(_ request: Request, context: WebContext) async throws -> Response {
        let id = try context.parameters.appID()
        let values = Values(form: context.fields)
        let actor = try context.actor()
        do {
            let app = try await catalog.update(id, values.input, by: actor)
            context.notify(app.status == .submitted ? "Saved. The Client ID or permissions changed, so the app is back in review." : "Saved.")
            return .redirect(to: "/dashboard/apps/\(id)", type: .normal)
        } catch let error as DomainError where error.isFieldError {
            let app = try await catalog.app(id, of: actor)
            let body = try await formBody(action: "/dashboard/apps/\(id)", values: values, app: app, errors: FormErrors(error), context: context)
            return pages.render("app-form", title: app.name, tab: .apps, body: body, context: context, status: .unprocessableContent)
        }
    }

    @Sendable func submit(_ request: Request, context: WebContext) async throws -> Response {
        let id = try context.parameters.appID()
        do {
            _ = try await catalog.submit(id, by: try context.actor())
            context.notify("Submitted for approval.")
        } catch let error as DomainError where error.isFieldError {
            context.notify(FormErrors(error).list.first?.message ?? "The app cannot be submitted now.")
        }
        return .redirect(to: "/dashboard/apps/\(id)", type: .normal)
    }

    @Sendable func delete(_ request: Request, context: WebContext) async throws -> Response {
        try await catalog.delete(try context.parameters.appID(), by: try context.actor())
        context.notify("The app was deleted.")
        return .redirect(to: "/dashboard/apps", type: .normal)
    }

    // MARK: Review

    struct ReviewRow: Sendable {
        let id: String
        let name: String
        let publisher: String
        let description: String
        let markets: String
        let serverToServer: String
        let client: String
        let permissions: String
        let appOnlyPermissions: String
        let revision: Int
    }

    struct ReviewBody: Sendable {
        let apps: [ReviewRow]
    }

    @Sendable func reviewQueue(_ request: Request, context: WebContext) async throws -> Response {
        var rows: [ReviewRow] = []
        for app in try await catalog.reviewQueue(for: try context.actor()) {
            let publisher = try await accounts.seller(id: app.sellerID)
            var client = "—"
            if let clientID = app.clientID, let found = try? await registry.client(clientID, of: app.sellerID) {
                client = "\(found.friendlyName) (\(ClientPages.availabilityLabel(found.availability)), \(clientID))"
            }
            rows.append(ReviewRow(
                id: app.id, name: app.name, publisher: publisher.map { "\($0.displayName) <\($0.email)>" } ?? app.sellerID,
                description: app.description, markets: app.markets.codes.joined(separator: ", "),
                serverToServer: app.requiresServerToServerAuth ? "yes" : "no", client: client,
                permissions: app.permissions.isEmpty ? "—" : app.permissions.joined(separator: " "),
                appOnlyPermissions: app.appOnlyPermissions.isEmpty ? "—" : app.appOnlyPermissions.joined(separator: " "),
                revision: app.revision
            ))
        }
        return pages.render("review", title: "Review", tab: .review, body: ReviewBody(apps: rows), context: context)
    }

    @Sendable func approve(_ request: Request, context: WebContext) async throws -> Response {
        try await decide(approve: true, context: context)
    }

    @Sendable func reject(_ request: Request, context: WebContext) async throws -> Response {
        try await decide(approve: false, context: context)
    }

    private func decide(approve: Bool, context: WebContext) async throws -> Response {
        do {
            let app = try await catalog.review(
                try context.parameters.appID(), approve: approve, reason: context.field("reason"), revision: Int(context.field("revision")), by: try context.actor()
            )
            context.notify("\(app.name) was \(approve ? "approved" : "rejected").")
        } catch let error as DomainError where error.isFieldError {
            context.notify(FormErrors(error).list.first?.message ?? "The app cannot be reviewed now.")
        }
        return .redirect(to: "/dashboard/review", type: .normal)
    }

    // MARK: Activity

    struct EntryRow: Sendable {
        let at: String
        let actor: String
        let action: String
        let detail: String?
        let objectType: String
        let objectID: String
        let sourceIP: String
    }

    struct ActivityBody: Sendable {
        let entries: [EntryRow]
        let next: String?
    }

    @Sendable func activity(_ request: Request, context: WebContext) async throws -> Response {
        let limit = 50
        let before = request.uri.queryParameters.get("before").flatMap { ObjectID.canonical($0) }
        let entries = try await auditLog.entries(sellerID: try context.actor().sellerID, before: before, limit: limit)
        let rows = entries.map { entry in
            EntryRow(
                at: DisplayDate.format(entry.at), actor: entry.actor, action: entry.action.rawValue, detail: entry.detail,
                objectType: entry.objectType, objectID: entry.objectID, sourceIP: entry.sourceIP ?? "—"
            )
        }
        let body = ActivityBody(entries: rows, next: entries.count == limit ? entries.last?.id : nil)
        return pages.render("activity", title: "Activity", tab: .activity, body: body, context: context)
    }
}
