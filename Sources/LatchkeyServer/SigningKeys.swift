import Foundation
import LatchkeyCore
import LatchkeyOAuth
import LatchkeyStorage
import Logging
import ServiceLifecycle

/// The token-signing keys: one ES256 and one RS256 key are created on first start; `latchkey
/// keys rotate` adds newer ones. Private keys are stored sealed under the master key and never
/// leave memory otherwise. The newest key of each algorithm signs; an older one stays published
/// in the JWK Set for `retention` after its successor appeared, so that every token it signed
/// expires while it can still be verified.
struct SigningKeys: Sendable {
    let store: SQLSigningKeyStore
    let sealer: SecretSealer
    let clock: Clock

    /// Longer than any token signed with these keys lives (access and ID tokens: one hour).
    static let retention: TimeInterval = 2 * 3600

    /// The keys to publish now, newest first; creates the first key of an algorithm that has none.
    func load() async throws -> [SigningKeyMaterial] {
        var stored = try await store.keys()
        for algorithm in SigningAlgorithm.allCases where !stored.contains(where: { $0.algorithm == algorithm.rawValue }) {
            stored.append(try await store.insertFirstKey(try seal(.generate(algorithm))))
        }
        return try Self.published(stored, at: clock()).map(open)
    }

    /// Fails in words when the stored keys do not open under this master key (another
    /// installation's key, or a typo): nothing sealed in this database could be read.
    func checkMasterKey(named variable: String) async throws {
        guard let newest = try await store.keys().max(by: { $0.createdAt < $1.createdAt }) else { return }
        do {
            _ = try sealer.open(newest.sealedPrivateKey)
        } catch {
            throw ConfigurationError(
                variable: variable,
                message: "the master key does not match this database: the signing keys stored in it were sealed with another key. Use the key this database was created with"
                    + (variable == "LATCHKEY_DATA_DIR" ? ": restore its master.key file from your backup" : "") + "."
            )
        }
    }

    /// Adds a newer key of every algorithm; returns their ids.
    func rotate() async throws -> [String] {
        var kids: [String] = []
        for algorithm in SigningAlgorithm.allCases {
            let key = try SigningKeyMaterial.generate(algorithm)
            try await store.insert(try seal(key))
            kids.append("\(algorithm.rawValue) \(key.kid)")
        }
        return kids
    }

    static func published(_ keys: [StoredSigningKey], at now: Date) -> [StoredSigningKey] {
        var published: [StoredSigningKey] = []
        for algorithm in SigningAlgorithm.allCases {
            let newestFirst = keys.filter { $0.algorithm == algorithm.rawValue }.sorted { $0.createdAt > $1.createdAt }
            for (index, key) in newestFirst.enumerated() where index == 0 || now < newestFirst[index - 1].createdAt.addingTimeInterval(retention) {
                published.append(key)
            }
        }
        return published.sorted { $0.createdAt > $1.createdAt }
    }

    private func seal(_ key: SigningKeyMaterial) throws -> StoredSigningKey {
        StoredSigningKey(kid: key.kid, algorithm: key.algorithm.rawValue, sealedPrivateKey: try sealer.seal(key.privateBytes), createdAt: clock())
    }

    private func open(_ stored: StoredSigningKey) throws -> SigningKeyMaterial {
        guard let algorithm = SigningAlgorithm(rawValue: stored.algorithm) else { throw TokenSigner.SignerError.unusableKey }
        return try SigningKeyMaterial.restore(algorithm: algorithm, privateBytes: try sealer.open(stored.sealedPrivateKey))
    }
}
