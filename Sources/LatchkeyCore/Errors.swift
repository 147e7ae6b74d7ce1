/// One problem with one input field, phrased for the person who typed it.
public struct FieldIssue: Error, Sendable, Equatable, Codable {
    /// The field as the API names it (`appDomain`, `redirectUrl`, …).
    public let field: String
    /// A stable machine-readable code (`required`, `scheme_not_allowed`, …).
    public let code: String
    /// What is wrong and how to fix it.
    public let message: String

    public init(field: String, code: String, message: String) {
        self.field = field
        self.code = code
        self.message = message
    }
}

/// The closed set of ways a management operation fails. Every case says which object or field
/// is at fault; the HTTP layer maps each case to one status code.
/// Too much work already waits (password hashing under a flood of sign-ins): answered with
/// 503 and `Retry-After`, nothing changed.
public struct ServiceBusy: Error, Sendable {
    public let retryAfter: Int

    public init(retryAfter: Int) {
        self.retryAfter = retryAfter
    }
}

public enum DomainError: Error, Sendable, Equatable {
    /// The input breaks a rule: one issue per field (422).
    case invalid([FieldIssue])
    /// The input is well-formed but the object's state forbids the change (409).
    case conflict(FieldIssue)
    /// No such object, or it belongs to someone else (404).
    case notFound(String)
    /// The caller is known but may not do this (403).
    case forbidden(String)

    public static func invalid(field: String, code: String, message: String) -> DomainError {
        .invalid([FieldIssue(field: field, code: code, message: message)])
    }

    public static func conflict(field: String, code: String, message: String) -> DomainError {
        .conflict(FieldIssue(field: field, code: code, message: message))
    }
}

/// Collects field issues so that a form reports every mistake at once, not the first one only.
public struct IssueCollector: Sendable {
    public private(set) var issues: [FieldIssue] = []

    public init() {}

    /// Runs a validation; a `FieldIssue` it throws is recorded and `nil` returned.
    public mutating func check<T>(_ validate: () throws(FieldIssue) -> T) -> T? {
        do {
            return try validate()
        } catch {
            issues.append(error)
            return nil
        }
    }

    public mutating func add(_ issue: FieldIssue) {
        issues.append(issue)
    }

    /// Throws `DomainError.invalid` when anything was recorded.
    public func throwIfAny() throws(DomainError) {
        if !issues.isEmpty { throw .invalid(issues) }
    }
}
