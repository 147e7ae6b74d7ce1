/// Where an app using the Client ID is distributed (docs/seed-model.md §1, seed: "available worldwide" or
/// "available in China only").
public enum Availability: String, Sendable, Codable, CaseIterable {
    case worldwide
    case china

    public static let field = "availability"

    public init(validating text: String?) throws(FieldIssue) {
        guard let text, !text.isEmpty else {
            self = .worldwide
            return
        }
        guard let value = Availability(rawValue: text.lowercased()) else {
            throw FieldIssue(
                field: Self.field,
                code: "invalid_choice",
                message: "Choose \"worldwide\" or \"china\" (China only); \"\(text)\" is not one of them."
            )
        }
        self = value
    }
}
