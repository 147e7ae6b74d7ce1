import Foundation

/// The deployment's partitions (docs/seed-model.md §1 "Regions"): a tenant lives in one of them.
public enum Region: String, Sendable, Codable, CaseIterable {
    case worldwide
    case china

    public init(validating text: String?) throws(FieldIssue) {
        guard let text, let region = Region(rawValue: text.lowercased()) else {
            throw FieldIssue(
                field: "region", code: "invalid_choice",
                message: "Choose \"worldwide\" or \"china\"\(text.map { "; \"\($0)\" is not one of them" } ?? ""). A tenant lives in one partition."
            )
        }
        self = region
    }

    /// docs/seed-model.md §1: a China-only Client ID works only for China tenants, a worldwide one only outside.
    public func admits(_ availability: Availability) -> Bool {
        switch (self, availability) {
        case (.worldwide, .worldwide), (.china, .china): true
        default: false
        }
    }
}

/// An organization of the platform's users. Its id is the realm: a lowercase GUID.
public struct Tenant: Sendable, Equatable {
    public let id: String
    public let displayName: String
    public let region: Region
    public let createdAt: Date

    public init(id: String, displayName: String, region: Region, createdAt: Date) {
        self.id = id
        self.displayName = displayName
        self.region = region
        self.createdAt = createdAt
    }
}

/// A user of the platform, in one tenant; an admin consents and installs for the whole tenant.
public struct PlatformUser: Sendable, Equatable {
    public let id: String
    public let tenantID: String
    public let email: String
    public let displayName: String
    public let isAdmin: Bool
    public let createdAt: Date

    public init(id: String, tenantID: String, email: String, displayName: String, isAdmin: Bool, createdAt: Date) {
        self.id = id
        self.tenantID = tenantID
        self.email = email
        self.displayName = displayName
        self.isAdmin = isAdmin
        self.createdAt = createdAt
    }
}

/// A permission on the platform's API, defined by operators (docs/seed-model.md §1 "Consent and access").
public struct Permission: Sendable, Equatable {
    public let name: String
    /// Plain words for the consent page.
    public let description: String
    public let adminConsentRequired: Bool
    /// Granted to an app itself (client credentials), never to an app acting for a user.
    public let appOnly: Bool

    public init(name: String, description: String, adminConsentRequired: Bool, appOnly: Bool) {
        self.name = name
        self.description = description
        self.adminConsentRequired = adminConsentRequired
        self.appOnly = appOnly
    }

    /// Latchkey's own delegated permission: see and revoke the consents the user gave to any app
    /// (`/api/v1/me/consents`). Without it, a user's token manages nothing of other apps.
    public static let consentsReadWrite = "Consents.ReadWrite"

    /// OpenID Connect's scopes (Core §5.4, §11) and Latchkey's own permission, defined by Latchkey
    /// itself: apps ask for them without declaring them, and users consent to them like any other.
    public static let builtIn: [Permission] = [
        Permission(name: "openid", description: "Sign you in with your platform account.", adminConsentRequired: false, appOnly: false),
        Permission(name: "profile", description: "See your name.", adminConsentRequired: false, appOnly: false),
        Permission(name: "email", description: "See your email address.", adminConsentRequired: false, appOnly: false),
        Permission(name: "offline_access", description: "Keep access to what you allow while you are away.", adminConsentRequired: false, appOnly: false),
        Permission(
            name: consentsReadWrite, description: "See and revoke the access you gave to every app, this one and others.", adminConsentRequired: false,
            appOnly: false
        ),
    ]

    public static let builtInNames: Set<String> = Set(builtIn.map(\.name))

    public static let nameLimit = 100

    /// RFC 6749 §3.3 scope-token characters, without the space that separates them; a dot-
    /// separated name such as `Calendars.ReadWrite` is the usual shape.
    public static func validateName(_ input: String?) throws(FieldIssue) -> String {
        let name = (input ?? "").trimmingWhitespace()
        guard !name.isEmpty, name.utf8.count <= nameLimit else {
            throw FieldIssue(field: "name", code: "invalid_name", message: "Name the permission with 1 to \(nameLimit) characters, for example Calendars.Read.")
        }
        guard name.unicodeScalars.allSatisfy({ $0.isASCII && $0.value > 0x20 && $0 != "\"" && $0 != "\\" && $0.value != 0x7f }) else {
            throw FieldIssue(field: "name", code: "invalid_name", message: "Use letters, digits and punctuation without spaces, quotes or backslashes, for example Calendars.Read.")
        }
        guard !builtInNames.contains(name) else {
            throw FieldIssue(field: "name", code: "reserved", message: "\(name) is a permission Latchkey defines itself; choose another name.")
        }
        return name
    }

    public init(name: String?, description: String?, adminConsentRequired: Bool?, appOnly: Bool?) throws(DomainError) {
        var issues = IssueCollector()
        let name = issues.check { () throws(FieldIssue) in try Self.validateName(name) }
        let text = issues.check { () throws(FieldIssue) in try PlainText.validate(description, field: "description", limit: 300, required: true) }
        try issues.throwIfAny()
        guard let name, let text else { throw .invalid(issues.issues) }
        self.init(name: name, description: text, adminConsentRequired: adminConsentRequired ?? false, appOnly: appOnly ?? false)
    }
}

/// Text people read in lists and on the consent page: trimmed, bounded, without control
/// characters or bidirectional overrides, which can disguise what a reader sees.
public enum PlainText {
    public static func validate(_ input: String?, field: String, limit: Int, required: Bool, multiline: Bool = false) throws(FieldIssue) -> String {
        let text = (input ?? "").trimmingWhitespace()
        if required && text.isEmpty {
            throw FieldIssue(field: field, code: "required", message: "Enter the \(field); it is shown to users.")
        }
        // Counted as the API's schema counts maxLength: code points of what was sent.
        let length = (input ?? "").unicodeScalars.count
        guard length <= limit else {
            throw FieldIssue(field: field, code: "too_long", message: "Use at most \(limit) characters; this has \(length).")
        }
        let allowed: Set<Unicode.Scalar> = multiline ? ["\n", "\r", "\t"] : []
        guard !text.unicodeScalars.contains(where: { isDisallowed($0) && !allowed.contains($0) }) else {
            throw FieldIssue(field: field, code: "invalid_characters", message: "Remove line breaks, control characters and text-direction marks from the \(field).")
        }
        return text
    }

    public static func isDisallowed(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.properties.generalCategory == .control { return true }
        // U+202A…U+202E embeddings and overrides, U+2066…U+2069 isolates.
        return (0x202A...0x202E).contains(scalar.value) || (0x2066...0x2069).contains(scalar.value)
    }
}

/// A new tenant, validated.
public struct TenantRegistration: Sendable {
    public let displayName: String
    public let region: Region

    public init(displayName: String?, region: String?) throws(DomainError) {
        var issues = IssueCollector()
        let name = issues.check { () throws(FieldIssue) in try PlainText.validate(displayName, field: "displayName", limit: 100, required: true) }
        let region = issues.check { () throws(FieldIssue) in try Region(validating: region) }
        try issues.throwIfAny()
        guard let name, let region else { throw .invalid(issues.issues) }
        self.displayName = name
        self.region = region
    }
}

/// A new platform user, validated with the same email and password rules as sellers.
public struct UserRegistration: Sendable {
    public let email: String
    public let displayName: String
    public let password: String
    public let isAdmin: Bool

    public init(email: String?, displayName: String?, password: String?, isAdmin: Bool?) throws(DomainError) {
        var issues = IssueCollector()
        let email = issues.check { () throws(FieldIssue) in try SellerRegistration.validateEmail(email) }
        let name = issues.check { () throws(FieldIssue) in try PlainText.validate(displayName, field: "displayName", limit: 100, required: true) }
        issues.check { () throws(FieldIssue) in try SellerRegistration.validatePassword(password) }
        try issues.throwIfAny()
        guard let email, let name, let password else { throw .invalid(issues.issues) }
        self.email = email
        self.displayName = name
        self.password = password
        self.isAdmin = isAdmin ?? false
    }
}
