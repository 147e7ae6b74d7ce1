import Crypto
import Foundation
import LatchkeyWire

/// An event Latchkey posted to the app's events URL, after its signature was checked:
/// `type` is `app.installed`, `app.uninstalled`, `consent.granted` or `consent.revoked`; `id` is
/// unique per event (a receiver that saw it already ignores a retry); `data` names the app, the
/// tenant and, for a user's own consent, the user. The server writes the same type.
public typealias AppEvent = EventEnvelope<AppEventDetails>

/// Why an event was refused. The description says what to check.
public enum EventSignatureError: Error, Sendable, Equatable, CustomStringConvertible {
    case missingSignature
    case malformedSignature(String)
    /// None of the configured secrets signed it.
    case badSignature(secretsTried: Int)
    /// Signed too long ago (or in the future): a replay, or a wrong clock.
    case staleTimestamp(Int)
    case malformedBody

    public var description: String {
        switch self {
        case .missingSignature: "The request has no Latchkey-Signature header."
        case .malformedSignature(let value): "The Latchkey-Signature header is not t=…,v1=…: \(value)."
        case .badSignature(let count):
            "The event's signature matches none of the \(count) configured client secret\(count == 1 ? "" : "s"); configure the app's current secrets (primary and secondary)."
        case .staleTimestamp(let t): "The event was signed at \(t), outside the accepted window: a replay, or this machine's clock is wrong."
        case .malformedBody: "The event's body is not the JSON Latchkey sends."
        }
    }
}

/// Checks the `Latchkey-Signature` of an event: `t={seconds},v1={hex HMAC-SHA256}` over
/// `"{t}.{body}"` keyed with the base64-decoded signing secret, trying each configured secret,
/// and refusing timestamps more than `tolerance` away from now (replays).
public struct EventVerifier: Sendable {
    let keys: [SymmetricKey]
    let tolerance: TimeInterval
    let now: @Sendable () -> Date

    public init(secrets: [String], tolerance: TimeInterval = 300, now: @escaping @Sendable () -> Date = { Date() }) throws(EventSignatureError) {
        var keys: [SymmetricKey] = []
        for secret in secrets {
            guard let bytes = Data(base64Encoded: secret.trimmingCharacters(in: .whitespacesAndNewlines)) else { throw .malformedSignature("a configured secret is not base64") }
            keys.append(SymmetricKey(data: bytes))
        }
        self.keys = keys
        self.tolerance = tolerance
        self.now = now
    }

    /// The event, if `signature` (the header's value) signs `body` (the raw request body).
    public func verify(body: Data, signature: String?) throws(EventSignatureError) -> AppEvent {
        try decode(AppEvent.self, body: body, signature: signature)
    }

    /// A seller's expiry notice, verified the same way with the webhook's secret.
    public func verifyNotice(body: Data, signature: String?) throws(EventSignatureError) -> SecretExpiryNotice {
        try decode(SecretExpiryNotice.self, body: body, signature: signature)
    }

    private func decode<Body: Decodable>(_ type: Body.Type, body: Data, signature: String?) throws(EventSignatureError) -> Body {
        guard let signature, !signature.isEmpty else { throw .missingSignature }
        guard let (timestamp, codes) = EventSignature.parse(signature) else { throw .malformedSignature(signature) }
        guard abs(now().timeIntervalSince1970 - TimeInterval(timestamp)) <= tolerance else { throw .staleTimestamp(timestamp) }
        let signed = EventSignature.signedBytes(body: body, timestamp: timestamp)
        let valid = keys.contains { key in codes.contains { HMAC<SHA256>.isValidAuthenticationCode($0, authenticating: signed, using: key) } }
        guard valid else { throw .badSignature(secretsTried: keys.count) }
        guard let decoded = try? JSONDecoder().decode(Body.self, from: body) else { throw .malformedBody }
        return decoded
    }
}

/// What a seller's webhook receives before a client secret ends (30, 7 and 1 days before):
/// `type` is `secret.expiring`.
public typealias SecretExpiryNotice = EventEnvelope<SecretExpiryDetails>
