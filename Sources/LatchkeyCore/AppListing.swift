import Foundation

/// Review states of an app (docs/seed-model.md §1: draft → submitted → approved | rejected).
public enum AppStatus: String, Sendable, Codable {
    case draft
    case submitted
    case approved
    case rejected
}

/// A seller's app as the store lists it.
public struct AppListing: Sendable, Equatable {
    public let id: String
    public let sellerID: String
    public var name: String
    public var description: String
    public var markets: Markets
    /// The seed's check box "My app is a service and requires server to server authorization".
    public var requiresServerToServerAuth: Bool
    public var clientID: ClientID?
    public var status: AppStatus
    public var reviewReason: String?
    public let createdAt: Date
    public var updatedAt: Date
    /// Delegated permissions the app asks users (or their admin) for.
    public var permissions: [String]
    /// Permissions the app asks for itself, consented by a tenant admin (client credentials).
    public var appOnlyPermissions: [String]
    /// Where Latchkey posts signed events about the app (installed, consent granted, …).
    public var eventsURL: EventsURL?
    /// Counts material changes (docs/seed-model.md §1: what users see and consent to). An operator approves
    /// the revision they reviewed; a later change puts the app back into review.
    public var revision: Int

    public init(
        id: String, sellerID: String, name: String, description: String, markets: Markets,
        requiresServerToServerAuth: Bool, clientID: ClientID?, status: AppStatus, reviewReason: String?,
        createdAt: Date, updatedAt: Date, permissions: [String] = [], appOnlyPermissions: [String] = [], eventsURL: EventsURL? = nil,
        revision: Int = 1
    ) {
        self.revision = revision
        self.eventsURL = eventsURL
        self.permissions = permissions
        self.appOnlyPermissions = appOnlyPermissions
        self.id = id
        self.sellerID = sellerID
        self.name = name
        self.description = description
        self.markets = markets
        self.requiresServerToServerAuth = requiresServerToServerAuth
        self.clientID = clientID
        self.status = status
        self.reviewReason = reviewReason
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// A service app that lost its Client ID (deleted) needs a new one before it can get tokens.
    public var needsClientID: Bool { requiresServerToServerAuth && clientID == nil }
}

/// The editable part of an app, validated against the seed's rules.
public struct AppDetails: Sendable, Equatable {
    public let name: String
    public let description: String
    public let markets: Markets
    public let requiresServerToServerAuth: Bool
    public let clientID: ClientID?
    public let permissions: [String]
    public let appOnlyPermissions: [String]
    public let eventsURL: EventsURL?

    public static let nameLimit = 100
    public static let descriptionLimit = 4000

    /// - Parameter clientAvailability: the availability of the named Client ID, looked up by the
    ///   caller among the seller's own clients (`nil` when `clientID` names none of them).
    public init(
        name: String?, description: String?, markets: [String]?, requiresServerToServerAuth: Bool?,
        clientID: String?, clientAvailability: (ClientID) -> Availability?,
        permissions: [String]? = nil, appOnlyPermissions: [String]? = nil, definedPermissions: [String: Permission] = [:],
        eventsURL: String? = nil
    ) throws(DomainError) {
        var issues = IssueCollector()
        let events = issues.check { () throws(FieldIssue) -> EventsURL? in
            guard let eventsURL, !eventsURL.isEmpty else { return nil }
            return try EventsURL(validating: eventsURL)
        } ?? nil
        let trimmedName = issues.check { () throws(FieldIssue) in try PlainText.validate(name, field: "name", limit: Self.nameLimit, required: true) } ?? ""
        let text = issues.check { () throws(FieldIssue) in
            try PlainText.validate(description, field: "description", limit: Self.descriptionLimit, required: false, multiline: true)
        } ?? ""
        let delegated = Self.checkPermissions(permissions ?? [], field: "permissions", appOnly: false, defined: definedPermissions, into: &issues)
        let appOnly = Self.checkPermissions(appOnlyPermissions ?? [], field: "appOnlyPermissions", appOnly: true, defined: definedPermissions, into: &issues)
        let markets = issues.check { () throws(FieldIssue) in try Markets(validating: markets) }
        let serverToServer = requiresServerToServerAuth ?? false

        var client: ClientID?
        if let raw = clientID, !raw.isEmpty {
            if !serverToServer {
                issues.add(FieldIssue(
                    field: "clientId", code: "requires_server_to_server",
                    message: "Only a service app uses a Client ID: set requiresServerToServerAuth to true, or leave clientId out."
                ))
            } else if let parsed = ClientID(raw), let availability = clientAvailability(parsed) {
                client = parsed
                if let markets {
                    Self.checkAvailability(availability, markets: markets, into: &issues)
                }
            } else {
                issues.add(FieldIssue(
                    field: "clientId", code: "unknown_client",
                    message: "No Client ID \(raw) is registered to you; pick one from GET /api/v1/clients."
                ))
            }
        }
        try issues.throwIfAny()
        guard let markets else { throw .invalid(issues.issues) }
        self.name = trimmedName
        self.description = text
        self.markets = markets
        self.requiresServerToServerAuth = serverToServer
        self.clientID = client
        self.permissions = delegated
        self.appOnlyPermissions = appOnly
        self.eventsURL = events
    }

    /// Each name must be a permission operators defined, of the right kind; OpenID Connect's
    /// scopes need no declaring. Sorted, without duplicates.
    static func checkPermissions(
        _ names: [String], field: String, appOnly: Bool, defined: [String: Permission], into issues: inout IssueCollector
    ) -> [String] {
        var accepted: Set<String> = []
        for raw in names {
            let name = raw.trimmingWhitespace()
            if Permission.builtInNames.contains(name) { continue }
            guard let permission = defined[name] else {
                issues.add(FieldIssue(field: field, code: "unknown_permission", message: "\(name) is not a permission of the platform's API; see GET /api/v1/permissions."))
                continue
            }
            guard permission.appOnly == appOnly else {
                let fix = appOnly ? "list it under permissions (delegated) instead" : "list it under appOnlyPermissions instead"
                issues.add(FieldIssue(field: field, code: "wrong_permission_kind", message: "\(name) is \(permission.appOnly ? "an app-only" : "a delegated") permission: \(fix)."))
                continue
            }
            accepted.insert(name)
        }
        return accepted.sorted()
    }

    /// docs/seed-model.md §1: an app in China uses a China-only Client ID and is offered in China only; a
    /// worldwide app must not use a China-only Client ID.
    static func checkAvailability(_ availability: Availability, markets: Markets, into issues: inout IssueCollector) {
        switch availability {
        case .china where !markets.isChinaOnly:
            issues.add(FieldIssue(
                field: "markets", code: "china_client_requires_china_market",
                message: "This Client ID is for China only, so the app's markets must be [\"CN\"] alone; use a worldwide Client ID for other markets."
            ))
        case .worldwide where markets.includesChina:
            issues.add(FieldIssue(
                field: "clientId", code: "china_market_requires_china_client",
                message: "An app offered in China uses a China-only Client ID and China as its only market: add a separate app for China with a China-only Client ID."
            ))
        default:
            break
        }
    }
}

extension AppListing {
    /// Applies an edit. A material change — what the review saw: name, description, markets,
    /// the service flag, the Client ID, the permissions, the events URL — counts a new revision
    /// and puts an approved app back into review (the seed's rule for the Client ID; the rest is what
    /// users are shown and consent to, and where Latchkey sends what happens in their tenants).
    public mutating func apply(_ details: AppDetails, at now: Date) {
        let material = details.name != name || details.description != description || details.markets != markets
            || details.requiresServerToServerAuth != requiresServerToServerAuth || details.clientID != clientID
            || details.permissions != permissions || details.appOnlyPermissions != appOnlyPermissions || details.eventsURL != eventsURL
        name = details.name
        description = details.description
        markets = details.markets
        requiresServerToServerAuth = details.requiresServerToServerAuth
        clientID = details.clientID
        permissions = details.permissions
        appOnlyPermissions = details.appOnlyPermissions
        eventsURL = details.eventsURL
        updatedAt = now
        if material { changedMaterially() }
    }

    /// What the review saw has changed (here, or in the Client ID the app uses): a new revision,
    /// and an approved app goes back into review.
    public mutating func changedMaterially() {
        revision += 1
        if status == .approved {
            status = .submitted
            reviewReason = nil
        }
    }

    public mutating func submit(at now: Date) throws(DomainError) {
        switch status {
        case .draft, .rejected:
            break
        case .submitted:
            throw .conflict(field: "status", code: "already_submitted", message: "This app is already waiting for review.")
        case .approved:
            throw .conflict(field: "status", code: "already_approved", message: "This app is approved; edit it to change it.")
        }
        if needsClientID {
            throw .invalid(field: "clientId", code: "client_required", message: "A service app needs a Client ID before it is submitted: pick one with PATCH, then submit.")
        }
        status = .submitted
        reviewReason = nil
        updatedAt = now
    }

    /// An operator's decision on the revision they reviewed: approving needs it, and it must
    /// still be the app's (a change made while the app waited means reviewing it again).
    public mutating func review(approve: Bool, reason input: String?, revision reviewed: Int?, at now: Date) throws(DomainError) {
        guard status == .submitted else {
            throw .conflict(field: "status", code: "not_submitted", message: "Only a submitted app can be reviewed; this one is \(status.rawValue).")
        }
        if approve && reviewed == nil {
            throw .invalid(field: "revision", code: "required", message: "Send the revision you reviewed (the app's \"revision\", now \(revision)), so that only what you saw is approved.")
        }
        if let reviewed, reviewed != revision {
            throw .conflict(field: "revision", code: "changed_since_review", message: "The app changed since you opened it (revision \(reviewed), now \(revision)): review it again.")
        }
        let reason: String
        do {
            reason = try PlainText.validate(input, field: "reason", limit: 1000, required: false, multiline: true)
        } catch {
            throw .invalid([error])
        }
        if !approve && reason.isEmpty {
            throw .invalid(field: "reason", code: "required", message: "Say why the app is rejected, so that the seller can fix it.")
        }
        status = approve ? .approved : .rejected
        reviewReason = reason.isEmpty ? nil : reason
        updatedAt = now
    }
}

/// An app's events URL: absolute, `https://` (or `http://localhost` during development, as
/// redirect URLs), without credentials or a fragment.
public struct EventsURL: Hashable, Sendable, CustomStringConvertible {
    public let value: String

    public var description: String { value }

    public static let field = "eventsUrl"
    public static let limit = 2048

    public init(validating input: String) throws(FieldIssue) {
        // The redirect URL's rules, without its app domain: one parser for every URL we call.
        let url: RedirectURL
        do {
            url = try RedirectURL(validating: input, appDomain: nil)
        } catch {
            throw FieldIssue(field: Self.field, code: error.code, message: error.message.replacingOccurrences(of: "redirect URL", with: "events URL"))
        }
        // A name, not an address: the last label of a host name begins with a letter, and every
        // numeric spelling of an IPv4 address (127.1, 2130706433, 0x7f000001) ends in a digit label.
        let last = url.host.split(separator: ".").last
        guard let first = last?.unicodeScalars.first, ("a"..."z").contains(first) else {
            throw FieldIssue(
                field: Self.field, code: "host_name_required",
                message: "Name the events URL's host (such as events.contoso.com), not an address: Latchkey checks what the name resolves to at each delivery."
            )
        }
        self.value = url.value
    }

    public init(stored: String) {
        self.value = stored
    }

    /// The host Latchkey connects to, lower case.
    public var host: String { URLComponents(string: value)?.host?.lowercased() ?? "" }
}
