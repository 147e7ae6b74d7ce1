import Foundation

extension Collection<UInt8> {
    /// base64url without padding (RFC 7515 §2), straight from the bytes: the token endpoint does
    /// this three times per token, and string replacement on base64 text was a visible cost.
    public func base64URLEncoded() -> String {
        let alphabet = Base64URL.alphabet
        var output: [UInt8] = []
        output.reserveCapacity((count * 4 + 2) / 3)
        var iterator = makeIterator()
        while let first = iterator.next() {
            let second = iterator.next()
            let third = iterator.next()
            output.append(alphabet[Int(first >> 2)])
            output.append(alphabet[Int((first & 0x03) << 4 | (second ?? 0) >> 4)])
            if let second { output.append(alphabet[Int((second & 0x0f) << 2 | (third ?? 0) >> 6)]) }
            if let third { output.append(alphabet[Int(third & 0x3f)]) }
        }
        return String(decoding: output, as: UTF8.self)
    }
}

extension Data {
    /// base64url without padding (RFC 7515 §2), read byte by byte: only the URL alphabet is
    /// taken (no `+`, `/`, `=` or spaces), so that one token has one spelling.
    public init?(base64URL text: some StringProtocol) {
        var base64 = [UInt8]()
        base64.reserveCapacity(text.utf8.count + 3)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "-"): base64.append(UInt8(ascii: "+"))
            case UInt8(ascii: "_"): base64.append(UInt8(ascii: "/"))
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"): base64.append(byte)
            default: return nil
            }
        }
        base64 += Array(repeating: UInt8(ascii: "="), count: (4 - base64.count % 4) % 4)
        self.init(base64Encoded: Data(base64))
    }
}

/// The base64url alphabet (RFC 4648 §5).
public enum Base64URL {
    public static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
}

/// Hexadecimal text, read and written byte by byte: what it reads is untrusted (a signature
/// header, a percent-encoded form), and stepping through it by Characters (where `é` may be one
/// or two) could run past its end.
public enum Hex {
    private static let digits = Array("0123456789abcdef".utf8)

    /// Lower-case hex of the bytes.
    public static func encode(_ bytes: some Sequence<UInt8>) -> String {
        var output: [UInt8] = []
        for byte in bytes {
            output.append(digits[Int(byte >> 4)])
            output.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// The bytes of an even number of hex digits (either case), or `nil`.
    public static func decode(_ text: some StringProtocol) -> [UInt8]? {
        let utf8 = Array(text.utf8)
        guard utf8.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(utf8.count / 2)
        for index in stride(from: 0, to: utf8.count, by: 2) {
            guard let high = value(of: utf8[index]), let low = value(of: utf8[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
        }
        return bytes
    }

    /// One hex digit's value.
    public static func value(of byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

/// GUID text without Foundation's formatted I/O, which the token endpoint paid for on every
/// request (sscanf to parse, printf to print).
public enum GUIDText {
    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// Lowercase `8-4-4-4-12` hex, or `nil` when `text` is not a GUID.
    public static func canonical(_ text: some StringProtocol) -> String? {
        var bytes = [UInt8](repeating: 0, count: 36)
        var index = 0
        for byte in text.utf8 {
            guard index < 36 else { return nil }
            switch byte {
            case UInt8(ascii: "-") where index == 8 || index == 13 || index == 18 || index == 23:
                bytes[index] = byte
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "f"):
                guard index != 8 && index != 13 && index != 18 && index != 23 else { return nil }
                bytes[index] = byte
            case UInt8(ascii: "A")...UInt8(ascii: "F"):
                guard index != 8 && index != 13 && index != 18 && index != 23 else { return nil }
                bytes[index] = byte + 32
            default:
                return nil
            }
            index += 1
        }
        guard index == 36 else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }

    public static func format(_ uuid: UUID) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(36)
        withUnsafeBytes(of: uuid.uuid) { raw in
            for (index, byte) in raw.enumerated() {
                if index == 4 || index == 6 || index == 8 || index == 10 { bytes.append(UInt8(ascii: "-")) }
                bytes.append(hexDigits[Int(byte >> 4)])
                bytes.append(hexDigits[Int(byte & 0x0f)])
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
