import Foundation
import Hummingbird
import LatchkeyCore

/// The APPS tab's client ids: list, the ADD A CLIENT ID wizard, the Client ID summary page and
/// its secrets (docs/seed-model.md §1; the seed's pages and dialogs).
struct ClientPages {
    let registry: ClientRegistry
    let pages: Pages
    let policy: SecretPolicy
    let clock: Clock

    func addRoutes(to group: RouterGroup<WebContext>) {
        group.get("clients", use: list)
        group.get("clients/new", use: newForm)
        group.post("clients/new", use: create)
        group.get("clients/:clientId", use: show)
        group.post("clients/:clientId", use: update)
        group.post("clients/:clientId/delete", use: delete)
        group.get("clients/:clientId/secrets/new", use: newSecretForm)
        group.post("clients/:clientId/secrets/new", use: addSecret)
        group.post("clients/:clientId/secrets/:secretId/delete", use: deleteSecret)
        group.post("clients/:clientId/secrets/:secretId/signing", use: makeSigning)
    }

    // MARK: List

    struct ClientRow: Sendable {
        let id: String
        let friendlyName: String
        let appDomain: String
        let availability: String
        let secretCount: Int
        let nearestEnd: String
        let expiring: Bool
    }

    struct ListBody: Sendable {
        let clients: [ClientRow]
    }

    @Sendable func list(_ request: Request, context: WebContext) async throws -> Response {
        let now = clock()
        let rows = try await registry.clients(of: try context.actor().sellerID).map { client in
            let live = client.secrets.filter { $0.status(at: now) != .expired }
            let nearest = live.map(\.endsAt).min()
            return ClientRow(
                id: client.id.rawValue, friendlyName: client.friendlyName, appDomain: client.appDomain.description,
                availability: Self.availabilityLabel(client.availability), secretCount: client.secrets.count,
                nearestEnd: nearest.map(DisplayDate.format) ?? "no valid secret",
                expiring: live.contains { $0.expiresSoon(at: now) }
            )
        }
        return pages.render("clients", title: "Client IDs", tab: .clients, body: ListBody(clients: rows), context: context)
    }

    // MARK: Wizard

    struct ValidityChoice: Sendable {
        let years: Int
        let label: String
        let checked: Bool
        let recommended: Bool
    }

    struct NewBody: Sendable {
        let fields: [FieldView]
        let validity: [ValidityChoice]
        let validityError: String?
        let availabilityError: String?
        let china: Bool
        let errors: [ErrorLink]
    }

    @Sendable func newForm(_ request: Request, context: WebContext) async throws -> Response {
        pages.render("client-new", title: "Add a Client ID", tab: .clients, body: newBody(context, errors: FormErrors()), context: context)
    }

    struct SecretShownBody: Sendable {
        let isNewClient: Bool
        let clientID: String
        let secret: String
        let startsAt: String
        let endsAt: String
        let activation: String
    }

    @Sendable func create(_ request: Request, context: WebContext) async throws -> Response {
        do {
            let input = ClientRegistry.NewClient(
                friendlyName: context.field("friendlyName"), appDomain: context.field("appDomain"), redirectURL: context.field("redirectUrl"),
                secretValidityYears: Int(context.field("secretValidityYears")) ?? 1, availability: context.field("availability")
            )
            let (client, issued) = try await registry.create(input, by: try context.actor())
            return shown(issued, clientID: client.id, isNewClient: true, context: context)
        } catch let error as DomainError {
            let body = newBody(context, errors: FormErrors(error))
            return pages.render("client-new", title: "Add a Client ID", tab: .clients, body: body, context: context, status: .unprocessableContent)
        }
    }

    private func newBody(_ context: WebContext, errors: FormErrors) -> NewBody {
        let chosen = Int(context.field("secretValidityYears")) ?? SecretValidity.recommended.years
        return NewBody(
            fields: [
                FieldView(name: "friendlyName", label: "Friendly Client ID Name", hint: "A name that tells you which app uses this Client ID, for example \"calendar app\".", value: context.field("friendlyName"), error: errors["friendlyName"]),
                FieldView(name: "appDomain", label: "App Domain", hint: "The domain your app runs on, for example app.contoso.com: no http:// or https://, no path, no international domain name.", value: context.field("appDomain"), error: errors["appDomain"]),
                FieldView(name: "redirectUrl", label: "App Redirect URL", hint: "Where users go after they agree to your app's access in the consent dialog. It must start with https:// and be on the app domain.", value: context.field("redirectUrl"), error: errors["redirectUrl"]),
            ],
            validity: SecretValidity.allowed.map { years in
                ValidityChoice(years: years, label: Self.validityLabel(years: years), checked: years == chosen, recommended: years == SecretValidity.recommended.years)
            },
            validityError: errors["secretValidityYears"], availabilityError: errors["availability"],
            china: context.field("availability") == Availability.china.rawValue, errors: errors.list
        )
    }

    /// The one page that shows a secret's value; never cached (the security middleware sets no-store).
    private func shown(_ issued: IssuedSecret, clientID: ClientID, isNewClient: Bool, context: WebContext) -> Response {
        let now = clock()
        let activation = issued.secret.isActive(at: now)
            ? "The new secret is active now, everywhere."
            : "The new secret becomes active on \(DisplayDate.format(issued.secret.startsAt))."
        let body = SecretShownBody(
            isNewClient: isNewClient, clientID: clientID.rawValue, secret: issued.value,
            startsAt: DisplayDate.format(issued.secret.startsAt), endsAt: DisplayDate.format(issued.secret.endsAt), activation: activation
        )
        return pages.render("secret-shown", title: isNewClient ? "Obtain client secret" : "New client secret", tab: .clients, body: body, context: context, status: .created)
    }

    // MARK: Summary page

    struct SecretRow: Sendable {
        let id: String
        let clientID: String
        let hint: String
        let startsAt: String
        let endsAt: String
        let status: String
        let lastUsed: String
        let isSigning: Bool
        let canSign: Bool
        let expiresSoon: Bool
        let isLastActive: Bool
    }

    struct ShowBody: Sendable {
        let id: String
        let friendlyName: String
        let availability: String
        let validity: String
        let createdAt: String
        let fields: [FieldView]
        let errors: [ErrorLink]
        let secrets: [SecretRow]
        let deleteError: String?
        let isPublic: Bool
        let pkceOptional: Bool
        let rs256: Bool
    }

    @Sendable func show(_ request: Request, context: WebContext) async throws -> Response {
        let client = try await registry.client(try context.parameters.clientID(), of: try context.actor().sellerID)
        return summary(client, context: context, edits: nil, errors: FormErrors(), deleteError: nil)
    }

    @Sendable func update(_ request: Request, context: WebContext) async throws -> Response {
        let id = try context.parameters.clientID()
        let actor = try context.actor()
        do {
            let edit = ClientRegistry.ClientEdit(
                friendlyName: context.field("friendlyName"), appDomain: context.field("appDomain"), redirectURL: context.field("redirectUrl"),
                idTokenSignedResponseAlg: context.fields["idTokenSignedResponseAlg"], isPublic: context.field("publicClient") == "on",
                isPKCEOptional: context.field("pkceOptional") == "on"
            )
            _ = try await registry.update(id, edit, by: actor)
            context.notify("Details saved.")
            return .redirect(to: "/dashboard/clients/\(id)", type: .normal)
        } catch let error as DomainError where error.isFieldError {
            let client = try await registry.client(id, of: actor.sellerID)
            return summary(client, context: context, edits: context.fields, errors: FormErrors(error), deleteError: nil, status: .unprocessableContent)
        }
    }

    @Sendable func delete(_ request: Request, context: WebContext) async throws -> Response {
        let id = try context.parameters.clientID()
        let actor = try context.actor()
        let client = try await registry.client(id, of: actor.sellerID)
        guard context.field("confirmName").trimmingCharacters(in: .whitespaces) == client.friendlyName else {
            let message = "Type the friendly name exactly as shown, \(client.friendlyName), to delete this Client ID."
            return summary(client, context: context, edits: nil, errors: FormErrors(), deleteError: message, status: .unprocessableContent)
        }
        try await registry.delete(id, by: actor)
        context.notify("\(client.friendlyName) was deleted with its secrets. Apps that used it now need a new Client ID.")
        return .redirect(to: "/dashboard/clients", type: .normal)
    }

    private func summary(
        _ client: OAuthClient, context: WebContext, edits: [String: String]?, errors: FormErrors, deleteError: String?,
        status: HTTPResponse.Status = .ok
    ) -> Response {
        let now = clock()
        let signingID = client.signingSecret(at: now)?.id
        let active = client.activeSecrets(at: now)
        let secrets = client.secrets.sorted { $0.createdAt < $1.createdAt }.map { secret in
            SecretRow(
                id: secret.id, clientID: client.id.rawValue, hint: secret.hint, startsAt: DisplayDate.format(secret.startsAt),
                endsAt: DisplayDate.format(secret.endsAt), status: secret.status(at: now).rawValue, lastUsed: DisplayDate.format(secret.lastUsedAt),
                isSigning: secret.id == signingID, canSign: secret.id != signingID && secret.isActive(at: now),
                expiresSoon: secret.expiresSoon(at: now), isLastActive: active.count == 1 && active[0].id == secret.id
            )
        }
        let value = { (name: String, current: String) in edits?[name] ?? current }
        let body = ShowBody(
            id: client.id.rawValue, friendlyName: client.friendlyName, availability: Self.availabilityLabel(client.availability),
            validity: Self.validityLabel(years: client.secretValidity.years),
            createdAt: DisplayDate.format(client.createdAt),
            fields: [
                FieldView(name: "friendlyName", label: "Friendly Client ID Name", hint: "", value: value("friendlyName", client.friendlyName), error: errors["friendlyName"]),
                FieldView(name: "appDomain", label: "App Domain", hint: "", value: value("appDomain", client.appDomain.description), error: errors["appDomain"]),
                FieldView(name: "redirectUrl", label: "App Redirect URL", hint: "", value: value("redirectUrl", client.redirectURL.value), error: errors["redirectUrl"]),
            ],
            errors: errors.list, secrets: secrets, deleteError: deleteError,
            isPublic: edits.map { $0["publicClient"] == "on" } ?? client.isPublic,
            pkceOptional: edits.map { $0["pkceOptional"] == "on" } ?? client.isPKCEOptional,
            rs256: (edits?["idTokenSignedResponseAlg"] ?? client.idTokenAlgorithm.rawValue) == IDTokenAlgorithm.rs256.rawValue
        )
        return pages.render("client", title: client.friendlyName, tab: .clients, body: body, context: context, status: status)
    }

    // MARK: Secrets

    struct NewSecretBody: Sendable {
        let id: String
        let friendlyName: String
        let validity: String
        let activation: String
        let error: String?
    }

    @Sendable func newSecretForm(_ request: Request, context: WebContext) async throws -> Response {
        let client = try await registry.client(try context.parameters.clientID(), of: try context.actor().sellerID)
        return pages.render("secret-new", title: "Add a client secret", tab: .clients, body: newSecretBody(client, error: nil), context: context)
    }

    @Sendable func addSecret(_ request: Request, context: WebContext) async throws -> Response {
        let id = try context.parameters.clientID()
        let actor = try context.actor()
        do {
            let (_, issued) = try await registry.addSecret(to: id, validityYears: nil, by: actor)
            return shown(issued, clientID: id, isNewClient: false, context: context)
        } catch let error as DomainError where error.isFieldError {
            let client = try await registry.client(id, of: actor.sellerID)
            let body = newSecretBody(client, error: FormErrors(error).list.first?.message)
            return pages.render("secret-new", title: "Add a client secret", tab: .clients, body: body, context: context, status: .conflict)
        }
    }

    private func newSecretBody(_ client: OAuthClient, error: String?) -> NewSecretBody {
        NewSecretBody(
            id: client.id.rawValue, friendlyName: client.friendlyName,
            validity: Self.validityLabel(years: client.secretValidity.years),
            activation: policy.activationDelay > 0
                ? "It becomes active \(Int(policy.activationDelay)) seconds after you generate it."
                : "It is active as soon as you generate it.",
            error: error
        )
    }

    @Sendable func deleteSecret(_ request: Request, context: WebContext) async throws -> Response {
        let id = try context.parameters.clientID()
        _ = try await registry.deleteSecret(try context.parameters.secretID(), of: id, by: try context.actor())
        context.notify("The client secret was deleted; it no longer works.")
        return .redirect(to: "/dashboard/clients/\(id)", type: .normal)
    }

    @Sendable func makeSigning(_ request: Request, context: WebContext) async throws -> Response {
        let id = try context.parameters.clientID()
        do {
            _ = try await registry.makeSigningSecret(try context.parameters.secretID(), of: id, by: try context.actor())
            context.notify("The signing secret was changed: data sent to your app is now signed with it.")
        } catch let error as DomainError where error.isFieldError {
            context.notify(FormErrors(error).list.first?.message ?? "That secret cannot sign.")
        }
        return .redirect(to: "/dashboard/clients/\(id)", type: .normal)
    }

    static func validityLabel(years: Int) -> String {
        years == 1 ? "1 year" : "\(years) years"
    }

    static func availabilityLabel(_ availability: Availability) -> String {
        availability == .china ? "China only" : "worldwide"
    }
}

extension DomainError {
    /// A mistake in what was typed or chosen, shown beside the form rather than as an error page.
    var isFieldError: Bool {
        switch self {
        case .invalid, .conflict: true
        case .notFound, .forbidden: false
        }
    }
}
