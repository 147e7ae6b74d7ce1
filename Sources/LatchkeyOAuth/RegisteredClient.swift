import Foundation
import LatchkeyCore

/// What the protocol endpoints know of a client: its secrets' checks to authenticate it, and
/// the registration itself for redirect URIs, availability and the signing secret.
public struct RegisteredClient: Sendable {
    public let id: ClientID
    public let sellerID: String
    public let secrets: [SecretCheck]
    public let registration: OAuthClient
    /// The secret this request authenticated with (nil for a public client or before
    /// authentication): tokens minted now name it, and stop working when it is deleted.
    public internal(set) var authenticatedSecretID: String?

    public struct SecretCheck: Sendable {
        public let id: String
        public let digest: SecretDigest
        public let startsAt: Date
        public let endsAt: Date
    }

    public init(_ client: OAuthClient) {
        self.id = client.id
        self.sellerID = client.sellerID
        self.registration = client
        self.secrets = client.secrets.map { SecretCheck(id: $0.id, digest: $0.digest, startsAt: $0.startsAt, endsAt: $0.endsAt) }
    }

    /// The id of the active secret matching one of the candidates (docs/seed-model.md §1: any active secret
    /// authenticates; pending and expired ones never do). Every active secret is compared, in
    /// constant time, whatever matched first.
    public func authenticate(_ candidates: [String], at now: Date) -> String? {
        let presented = candidates.map(SecretDigest.init(of:))
        var matched: String?
        for secret in secrets where secret.startsAt <= now && now < secret.endsAt {
            for digest in presented where secret.digest.constantTimeEquals(digest) {
                matched = secret.id
            }
        }
        return matched
    }

    /// Whether a secret of this id is still registered (active or not).
    public func hasSecret(_ id: String) -> Bool {
        secrets.contains { $0.id == id }
    }
}

/// Looks clients up for the protocol endpoints.
public protocol ClientDirectory: Sendable {
    func client(_ id: ClientID) async throws -> RegisteredClient?
}

/// Receives successful authentications so that last-used times can be written later, off the
/// request path.
public protocol SecretUseSink: Sendable {
    func recordUse(secretID: String, at moment: Date)
}
