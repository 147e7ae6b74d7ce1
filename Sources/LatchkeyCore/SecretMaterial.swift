import Crypto
import Foundation
import LatchkeyWire

/// A freshly generated client secret: the only moment its value exists in clear.
public struct GeneratedSecret: Sendable {
    /// 32 bytes from the system CSPRNG, base64-encoded: 44 characters (docs/seed-model.md §1).
    public let value: String
    public let digest: SecretDigest

    public static let byteCount = 32

    public static func generate() -> GeneratedSecret {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<byteCount).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let value = Data(bytes).base64EncodedString()
        return GeneratedSecret(value: value, digest: SecretDigest(of: value))
    }

    /// A non-secret reminder of which secret this is: its first three characters (docs/seed-model.md §1).
    public var hint: String { String(value.prefix(3)) }
}

/// SHA-256 of a secret's text. A secret is 256 random bits, so a fast hash is as strong as a
/// slow one and keeps the token endpoint cheap; passwords, which people choose, get bcrypt.
public struct SecretDigest: Hashable, Sendable {
    public let bytes: [UInt8]

    public init(of secret: String) {
        self.bytes = Array(SHA256.hash(data: Data(secret.utf8)))
    }

    /// A digest computed elsewhere (an HMAC), to compare or print.
    public init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    public init?(hex: String) {
        guard hex.utf8.count == 64 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(32)
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            guard let byte = UInt8(hex[index..<next], radix: 16) else { return nil }
            bytes.append(byte)
            index = next
        }
        self.bytes = bytes
    }

    /// Lowercase hex, written by hand: `String(format:)` per byte was an eighth of a whole
    /// authorization flow's time.
    public var hex: String { Hex.encode(bytes) }

    /// Compares every byte whatever the first difference, so timing tells nothing of the value.
    public func constantTimeEquals(_ other: SecretDigest) -> Bool {
        guard bytes.count == other.bytes.count else { return false }
        var difference: UInt8 = 0
        for index in bytes.indices {
            difference |= bytes[index] ^ other.bytes[index]
        }
        return difference == 0
    }
}

/// Encrypts what must be recoverable (signing secrets, private keys) with AES-256-GCM (docs/security.md),
/// under a key derived from the master key for one kind of data (`SealingKeys`). The output is
/// base64 of nonce ‖ ciphertext ‖ tag.
public struct SecretSealer: Sendable {
    private let key: SymmetricKey
    /// The master key itself, which sealed this kind of data before purpose keys: opened, never
    /// sealed with, until the start-up migration has sealed everything again.
    private let legacy: SymmetricKey?

    public static let keyByteCount = 32

    public init(masterKey: [UInt8]) throws(FieldIssue) {
        guard masterKey.count == Self.keyByteCount else {
            throw FieldIssue(
                field: "LATCHKEY_MASTER_KEY",
                code: "invalid_length",
                message: "The master key must be 32 bytes, base64-encoded (openssl rand -base64 32); it has \(masterKey.count)."
            )
        }
        self.key = SymmetricKey(data: masterKey)
        self.legacy = nil
    }

    private init(key: SymmetricKey, legacy: SymmetricKey?) {
        self.key = key
        self.legacy = legacy
    }

    /// A sealer under a key derived from this one for a single purpose (HKDF-SHA256), so that
    /// what one purpose seals can never be opened as another's. `openingLegacy`: it also opens
    /// what this key sealed itself, for data written before purpose keys.
    public func derived(for purpose: String, openingLegacy: Bool = false) -> SecretSealer {
        SecretSealer(
            key: HKDF<SHA256>.deriveKey(inputKeyMaterial: key, info: Data("latchkey \(purpose)".utf8), outputByteCount: Self.keyByteCount),
            legacy: openingLegacy ? key : nil
        )
    }

    /// `sealed` sealed again under the purpose key when it opens only under the legacy key;
    /// `nil` when it is sealed under the purpose key already.
    public func resealed(_ sealed: String) throws -> String? {
        guard let data = Data(base64Encoded: sealed), let box = try? AES.GCM.SealedBox(combined: data) else { throw SealError.unsealable }
        if (try? AES.GCM.open(box, using: key)) != nil { return nil }
        guard let legacy, let plain = try? AES.GCM.open(box, using: legacy) else { throw SealError.unsealable }
        return try seal(plain)
    }

    /// HMAC-SHA256 under this sealer's key: a stable, opaque name for `data`.
    public func authenticationCode(for data: some DataProtocol) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: data, using: key))
    }

    public static func generateMasterKey() -> [UInt8] {
        SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }
    }

    public func seal(_ plaintext: some DataProtocol) throws -> String {
        let box = try AES.GCM.seal(plaintext, using: key)
        guard let combined = box.combined else { throw SealError.unsealable }
        return combined.base64EncodedString()
    }

    public func open(_ sealed: String) throws -> Data {
        guard let data = Data(base64Encoded: sealed) else { throw SealError.unsealable }
        let box = try AES.GCM.SealedBox(combined: data)
        guard let legacy else { return try AES.GCM.open(box, using: key) }
        if let plain = try? AES.GCM.open(box, using: key) { return plain }
        return try AES.GCM.open(box, using: legacy)
    }

    /// The key a client secret signs inbound data with (context tokens, events): the bytes its
    /// base64 value stands for; `nil` when it does not open under this master key.
    public func signingKey(of secret: ClientSecret) -> Data? {
        guard let text = try? open(secret.sealedValue) else { return nil }
        return Data(base64Encoded: text)
    }

    public enum SealError: Error {
        /// The stored text is not a sealed box, or was sealed under another master key.
        case unsealable
    }
}

/// The keys Latchkey seals with, each derived from the master key for one kind of data, so that
/// the master key itself seals nothing and what one kind seals cannot be opened as another
/// (docs/security.md lists them).
public struct SealingKeys: Sendable {
    /// Client secrets' values, for signing context tokens and events.
    public let clientSecrets: SecretSealer
    /// Sellers' expiry-notice webhook secrets.
    public let webhookSecrets: SecretSealer
    /// The private keys that sign access and ID tokens.
    public let signingKeys: SecretSealer
    /// ACS refresh tokens, which are sealed boxes handed to apps.
    public let acsRefreshTokens: SecretSealer
    /// The context token's `CacheKey`, a keyed digest.
    public let contextCacheKeys: SecretSealer
    /// Pages' CSRF tokens, keyed digests of a seed each session stores.
    public let csrfTokens: SecretSealer
    /// The client secrets tenants' identity providers issued to Latchkey.
    public let identityProviderSecrets: SecretSealer

    public init(masterKey: [UInt8]) throws(FieldIssue) {
        let master = try SecretSealer(masterKey: masterKey)
        clientSecrets = master.derived(for: "client secrets v1", openingLegacy: true)
        webhookSecrets = master.derived(for: "webhook secrets v1", openingLegacy: true)
        signingKeys = master.derived(for: "token signing keys v1", openingLegacy: true)
        acsRefreshTokens = master.derived(for: "acs refresh token v1")
        contextCacheKeys = master.derived(for: "context token cache key v1")
        csrfTokens = master.derived(for: "csrf tokens v1")
        identityProviderSecrets = master.derived(for: "identity provider client secrets v1")
    }
}
