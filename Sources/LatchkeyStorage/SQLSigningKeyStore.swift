import Foundation
import LatchkeyCore
import SQLKit

/// A token-signing key pair as stored: the private key sealed under its purpose key.
public struct StoredSigningKey: Sendable, Equatable {
    public let kid: String
    public let algorithm: String
    public let sealedPrivateKey: String
    public let createdAt: Date

    public init(kid: String, algorithm: String, sealedPrivateKey: String, createdAt: Date) {
        self.kid = kid
        self.algorithm = algorithm
        self.sealedPrivateKey = sealedPrivateKey
        self.createdAt = createdAt
    }
}

public struct SQLSigningKeyStore: Sendable {
    let provider: any DatabaseProvider

    public init(provider: any DatabaseProvider) {
        self.provider = provider
    }

    struct Row: Codable, Sendable {
        var kid: String
        var algorithm: String
        var sealedPrivateKey: String
        var createdAt: Double
    }

    /// Newest first.
    public func keys() async throws -> [StoredSigningKey] {
        try await provider.read { db in
            try await db.select().column("*").from("signing_keys").orderBy("created_at", .descending)
                .all(decoding: Row.self, with: rowDecoder)
        }.map { StoredSigningKey(kid: $0.kid, algorithm: $0.algorithm, sealedPrivateKey: $0.sealedPrivateKey, createdAt: Date(unixSeconds: $0.createdAt)) }
    }

    /// Stores a rotated key.
    public func insert(_ key: StoredSigningKey) async throws {
        try await provider.transaction { db in
            try await db.insert(Row(kid: key.kid, algorithm: key.algorithm, sealedPrivateKey: key.sealedPrivateKey, createdAt: key.createdAt.unixSeconds), into: "signing_keys")
            try await db.notify(.signingKeys)
        }
    }

    /// Stores the key unless one of its algorithm exists already, and returns the newest key of
    /// that algorithm: two nodes starting at once on an empty database agree on one key.
    public func insertFirstKey(_ key: StoredSigningKey) async throws -> StoredSigningKey {
        try await provider.transaction { db in
            if provider.engine == .postgres {
                try await db.raw("SELECT pg_advisory_xact_lock(7215002)").run()
            }
            if let existing = try await db.select().column("*").from("signing_keys").where("algorithm", .equal, key.algorithm)
                .orderBy("created_at", .descending).first(decoding: Row.self, with: rowDecoder)
            {
                return StoredSigningKey(kid: existing.kid, algorithm: existing.algorithm, sealedPrivateKey: existing.sealedPrivateKey, createdAt: Date(unixSeconds: existing.createdAt))
            }
            try await db.insert(Row(kid: key.kid, algorithm: key.algorithm, sealedPrivateKey: key.sealedPrivateKey, createdAt: key.createdAt.unixSeconds), into: "signing_keys")
            return key
        }
    }
}
