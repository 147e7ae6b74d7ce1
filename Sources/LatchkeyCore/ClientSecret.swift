import Foundation

/// Where a secret stands at a moment (docs/seed-model.md §1: a secret authenticates only while
/// start ≤ now < end).
public enum SecretStatus: String, Sendable, Codable {
    case pending
    case active
    case expired
}

/// A client secret as stored: never its value, only what identifies and checks it.
public struct ClientSecret: Sendable, Equatable, Identifiable {
    public let id: String
    /// The first three characters of the value, to tell secrets apart.
    public let hint: String
    public let digest: SecretDigest
    /// The value encrypted under the master key, kept for signing context tokens.
    public let sealedValue: String
    public let createdAt: Date
    public let startsAt: Date
    public let endsAt: Date
    public var lastUsedAt: Date?

    /// How close to its end a secret is flagged as expiring (docs/seed-model.md §4).
    public static let expiringWindow: TimeInterval = 30 * 86_400

    public init(
        id: String, hint: String, digest: SecretDigest, sealedValue: String,
        createdAt: Date, startsAt: Date, endsAt: Date, lastUsedAt: Date? = nil
    ) {
        self.id = id
        self.hint = hint
        self.digest = digest
        self.sealedValue = sealedValue
        self.createdAt = createdAt
        self.startsAt = startsAt
        self.endsAt = endsAt
        self.lastUsedAt = lastUsedAt
    }

    public func status(at now: Date) -> SecretStatus {
        if now < startsAt { return .pending }
        if now >= endsAt { return .expired }
        return .active
    }

    public func isActive(at now: Date) -> Bool {
        status(at: now) == .active
    }

    /// Ends within the expiring window and has not ended yet.
    public func expiresSoon(at now: Date) -> Bool {
        now < endsAt && endsAt.timeIntervalSince(now) <= Self.expiringWindow
    }
}
