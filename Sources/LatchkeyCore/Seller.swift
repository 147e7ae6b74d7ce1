import Foundation

public enum SellerRole: String, Sendable, Codable {
    /// Registers Client IDs and apps.
    case seller
    /// A platform operator: reviews submitted apps.
    case `operator`
}

public struct Seller: Sendable, Equatable {
    public let id: String
    public let email: String
    public let displayName: String
    public let role: SellerRole
    public let createdAt: Date

    public init(id: String, email: String, displayName: String, role: SellerRole, createdAt: Date) {
        self.id = id
        self.email = email
        self.displayName = displayName
        self.role = role
        self.createdAt = createdAt
    }
}

/// Sign-up input, validated together.
public struct SellerRegistration: Sendable {
    public let email: String
    public let displayName: String
    public let password: String?

    public static let minimumPasswordLength = 10
    /// bcrypt reads at most 72 bytes.
    /// bcrypt reads 72 bytes at most; passwords are hashed with SHA-256 first, so any length
    /// counts in full. This bounds the work a request can ask for.
    public static let maximumPasswordLength = 1024

    public init(email: String?, displayName: String?, password: String?, passwordRequired: Bool = true) throws(DomainError) {
        var issues = IssueCollector()
        let email = issues.check { () throws(FieldIssue) in try Self.validateEmail(email) }
        let name = (displayName ?? "").trimmingWhitespace()
        if name.isEmpty {
            issues.add(FieldIssue(field: "displayName", code: "required", message: "Enter the publisher name users will see next to your apps."))
        } else if (displayName ?? "").unicodeScalars.count > 100 {
            issues.add(FieldIssue(field: "displayName", code: "too_long", message: "Use at most 100 characters; this name has \((displayName ?? "").unicodeScalars.count)."))
        } else if name.unicodeScalars.contains(where: PlainText.isDisallowed) {
            // The publisher's name is shown on consent pages: no text-direction tricks.
            issues.add(FieldIssue(field: "displayName", code: "invalid_characters", message: "Remove line breaks, control characters and text-direction marks from the name."))
        }
        if password != nil || passwordRequired {
            issues.check { () throws(FieldIssue) in try Self.validatePassword(password) }
        }
        try issues.throwIfAny()
        guard let email else { throw .invalid(issues.issues) }
        self.email = email
        self.displayName = name
        self.password = password
    }

    public static func validateEmail(_ input: String?) throws(FieldIssue) -> String {
        let email = try EmailAddress.normalized(input)
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !parts[1].hasPrefix("."),
            !parts[1].hasSuffix("."), (input ?? "").unicodeScalars.count <= 254, !email.contains(where: \.isWhitespace)
        else {
            throw FieldIssue(field: "email", code: "invalid_email", message: "Enter an email address such as you@contoso.com.")
        }
        return email
    }

    public static func validatePassword(_ password: String?) throws(FieldIssue) {
        guard let password, password.unicodeScalars.count >= minimumPasswordLength else {
            throw FieldIssue(field: "password", code: "too_short", message: "Choose a password of at least \(minimumPasswordLength) characters.")
        }
        // bcrypt reads a password as a C string: everything after a NUL would be ignored.
        guard !password.unicodeScalars.contains("\u{0}") else {
            throw FieldIssue(field: "password", code: "invalid_character", message: "A password cannot contain the NUL character (U+0000).")
        }
        guard password.unicodeScalars.count <= maximumPasswordLength else {
            throw FieldIssue(field: "password", code: "too_long", message: "Choose a password of at most \(maximumPasswordLength) characters.")
        }
    }
}

/// The one form of an email that accounts are stored and found under and that the per-account
/// sign-in limit counts: spaces around it trimmed, lower case. An email holding a control, line
/// or paragraph separator character anywhere is refused, so no variant of an address reaches
/// the same account under another limiter key.
public enum EmailAddress {
    public static func normalized(_ input: String?) throws(FieldIssue) -> String {
        let text = input ?? ""
        guard !text.unicodeScalars.contains(where: isRefused) else {
            throw FieldIssue(
                field: "email", code: "invalid_characters", message: "Remove line breaks and control characters from the email address."
            )
        }
        return text.trimmingWhitespace().lowercased()
    }

    /// Controls, line and paragraph separators, and the invisible format characters that could
    /// make two spellings of an address look alike (the OpenAPI document's email patterns list
    /// the same set).
    static func isRefused(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F, 0xAD, 0x200B...0x200F, 0x202A...0x202E, 0x2028, 0x2029, 0x2060...0x2064, 0x2066...0x2069, 0xFEFF: true
        default: false
        }
    }
}
