import Crypto
import Foundation

/// The `Latchkey-Signature` header of events and expiry notices (docs/apps.md): `t={seconds},
/// v1={hex HMAC-SHA256}` over `"{t}.{body}"`, keyed with the base64-decoded signing secret. The
/// server signs with it and LatchkeyAppKit reads it, so the two cannot disagree.
public enum EventSignature {
    public static let header = "Latchkey-Signature"

    /// The header's value for `body`, signed at `timestamp`.
    public static func sign(body: String, key: [UInt8], timestamp: Int) -> String {
        let code = HMAC<SHA256>.authenticationCode(for: signedBytes(body: Data(body.utf8), timestamp: timestamp), using: SymmetricKey(data: key))
        return "t=\(timestamp),v1=" + Hex.encode(code)
    }

    /// What the code authenticates: `"{t}."` and the body's bytes as received.
    public static func signedBytes(body: Data, timestamp: Int) -> Data {
        Data("\(timestamp).".utf8) + body
    }

    /// A header's timestamp and every well-formed `v1` code (32 bytes); `nil` when a part is not
    /// `name=value`, or when the timestamp or every code is missing. Other names are ignored.
    public static func parse(_ value: String) -> (timestamp: Int, codes: [[UInt8]])? {
        var timestamp: Int?
        var codes: [[UInt8]] = []
        for part in value.split(separator: ",") {
            let pair = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2 else { return nil }
            if pair[0] == "t" { timestamp = Int(pair[1]) }
            if pair[0] == "v1", pair[1].utf8.count == 64, let code = Hex.decode(pair[1]) { codes.append(code) }
        }
        guard let timestamp, !codes.isEmpty else { return nil }
        return (timestamp, codes)
    }
}
