import Crypto
import Foundation
import LatchkeyCore
import LatchkeyOAuth
import LatchkeyStorage

/// Loads the token-signing key, creating it on first start; the private key is stored sealed
/// under the master key and never leaves memory otherwise.
enum SigningKeys {
    static func load(store: SQLSigningKeyStore, sealer: SecretSealer, clock: Clock) async throws -> TokenSigner {
        let stored: StoredSigningKey
        if let newest = try await store.keys().first {
            stored = newest
        } else {
            let key = P256.Signing.PrivateKey()
            stored = try await store.insertFirstKey(StoredSigningKey(
                kid: ObjectID.generate(), algorithm: "ES256", sealedPrivateKey: try sealer.seal(key.rawRepresentation), createdAt: clock()
            ))
        }
        let raw = try sealer.open(stored.sealedPrivateKey)
        return try await TokenSigner(privateKey: P256.Signing.PrivateKey(rawRepresentation: raw))
    }
}
