/// What a seller types to create or edit a Client ID, validated together so that every
/// mistake is reported at once (docs/seed-model.md §1: every error names the field and says how to fix it).
public struct ClientDetails: Sendable, Equatable {
    public let friendlyName: String
    public let appDomain: AppDomain
    public let redirectURL: RedirectURL

    public static let friendlyNameLimit = 100

    public init(friendlyName: String?, appDomain: String?, redirectURL: String?) throws(DomainError) {
        var issues = IssueCollector()
        let name = issues.check { () throws(FieldIssue) in try Self.validateFriendlyName(friendlyName) }
        let domain = issues.check { () throws(FieldIssue) in try AppDomain(validating: appDomain ?? "") }
        let redirect = issues.check { () throws(FieldIssue) in
            try RedirectURL(validating: redirectURL ?? "", appDomain: domain)
        }
        try issues.throwIfAny()
        // Each is non-nil when no issue was recorded.
        guard let name, let domain, let redirect else { throw .invalid(issues.issues) }
        self.friendlyName = name
        self.appDomain = domain
        self.redirectURL = redirect
    }

    public static func validateFriendlyName(_ input: String?) throws(FieldIssue) -> String {
        let name = (input ?? "").trimmingWhitespace()
        guard !name.isEmpty else {
            throw FieldIssue(
                field: "friendlyName", code: "required",
                message: "Enter a name that tells you which app uses this Client ID, for example \"calendar app\"."
            )
        }
        let length = (input ?? "").unicodeScalars.count
        guard length <= friendlyNameLimit else {
            throw FieldIssue(
                field: "friendlyName", code: "too_long",
                message: "Use at most \(friendlyNameLimit) characters; this name has \(length)."
            )
        }
        guard !name.unicodeScalars.contains(where: PlainText.isDisallowed) else {
            throw FieldIssue(field: "friendlyName", code: "invalid_characters", message: "Remove line breaks, control characters and text-direction marks from the name.")
        }
        return name
    }
}
