import Foundation

/// How long a client secret stays valid: 1, 2 or 3 years; 1 is the default and the recommended
/// period (seed: "a relatively easy time period to track in business processes").
public struct SecretValidity: Hashable, Sendable, Codable {
    public let years: Int

    public static let allowed = 1...3
    public static let recommended = SecretValidity(uncheckedYears: 1)

    public init(years: Int, field: String = "secretValidityYears") throws(FieldIssue) {
        guard Self.allowed.contains(years) else {
            throw FieldIssue(
                field: field,
                code: "out_of_range",
                message: "Choose 1, 2 or 3 years (1 year is recommended); \(years) is not allowed."
            )
        }
        self.years = years
    }

    init(uncheckedYears: Int) {
        self.years = uncheckedYears
    }

    /// The end of a period of this validity starting at `start`, in calendar years (UTC), so that
    /// a secret started on 29 February ends on 28 February.
    public func end(from start: Date) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar.date(byAdding: .year, value: years, to: start) ?? start.addingTimeInterval(Double(years) * 365 * 86_400)
    }

    public init(from decoder: any Decoder) throws {
        let years = try decoder.singleValueContainer().decode(Int.self)
        self = try SecretValidity(years: years)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(years)
    }
}
