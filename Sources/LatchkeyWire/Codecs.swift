import Foundation

extension Collection<UInt8> {
    /// base64url without padding (RFC 7515 §2), straight from the bytes: the token endpoint does
    /// this three times per token, and string replacement on base64 text was a visible cost.
    /// Inlined into the caller, which hands contiguous bytes to one loop over a buffer (going
    /// through a generic collection's iterator from another module was a tenth of a launch).
    @inlinable
    public func base64URLEncoded() -> String {
        if let encoded = withContiguousStorageIfAvailable({ Base64URL.encode(UnsafeRawBufferPointer($0)) }) { return encoded }
        return Array(self).withUnsafeBytes { Base64URL.encode($0) }
    }
}

extension Data {
    /// base64url without padding (RFC 7515 §2), read byte by byte: only the URL alphabet is
    /// taken (no `+`, `/`, `=` or spaces), so that one token has one spelling.
    /// Inlined into the caller, which hands the text's contiguous UTF-8 to one loop over a
    /// buffer (a generic iterator across the module boundary was most of its cost).
    @inlinable
    public init?(base64URL text: some StringProtocol) {
        let decoded = text.utf8.withContiguousStorageIfAvailable { Base64URL.decode(UnsafeRawBufferPointer($0)) }
            ?? Array(text.utf8).withUnsafeBytes { Base64URL.decode($0) }
        guard let decoded else { return nil }
        self = decoded
    }
}

/// The base64url alphabet (RFC 4648 §5).
public enum Base64URL {
    public static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    /// Each byte's value in the alphabet; 0xff for every byte outside it.
    static let values: [UInt8] = {
        var values = [UInt8](repeating: 0xff, count: 256)
        for (index, byte) in alphabet.enumerated() { values[Int(byte)] = UInt8(index) }
        return values
    }()

    /// The bytes of unpadded base64url text, or `nil` for a byte outside the URL alphabet or a
    /// length no encoding has (one more than a multiple of four). Bits left over after the last
    /// byte are ignored, as Foundation's base64 decoding ignores them.
    public static func decode(_ text: UnsafeRawBufferPointer) -> Data? {
        let count = text.count
        guard count % 4 != 1 else { return nil }
        let length = count / 4 * 3 + max(0, count % 4 - 1)
        var output = Data(count: length)
        let valid = values.withUnsafeBufferPointer { (table: UnsafeBufferPointer<UInt8>) -> Bool in
            output.withUnsafeMutableBytes { (bytes: UnsafeMutableRawBufferPointer) -> Bool in
                var read = 0
                var written = 0
                while read < count {
                    let remaining = min(4, count - read)
                    var group: UInt32 = 0
                    for offset in 0..<4 {
                        var value: UInt8 = 0
                        if offset < remaining {
                            value = table[Int(text[read + offset])]
                            if value == 0xff { return false }
                        }
                        group = group << 6 | UInt32(value)
                    }
                    bytes[written] = UInt8(group >> 16 & 0xff)
                    if remaining > 2 { bytes[written + 1] = UInt8(group >> 8 & 0xff) }
                    if remaining > 3 { bytes[written + 2] = UInt8(group & 0xff) }
                    read += 4
                    written += remaining - 1
                }
                return true
            }
        }
        return valid ? output : nil
    }

    /// base64url without padding of the bytes, written straight into the string's storage.
    public static func encode(_ bytes: UnsafeRawBufferPointer) -> String {
        let count = bytes.count
        guard count > 0 else { return "" }
        let length = (count * 4 + 2) / 3
        return alphabet.withUnsafeBufferPointer { table in
            String(unsafeUninitializedCapacity: length) { output in
                var read = 0
                var written = 0
                while read + 3 <= count {
                    let value = UInt32(bytes[read]) << 16 | UInt32(bytes[read + 1]) << 8 | UInt32(bytes[read + 2])
                    output[written] = table[Int(value >> 18)]
                    output[written + 1] = table[Int(value >> 12 & 0x3f)]
                    output[written + 2] = table[Int(value >> 6 & 0x3f)]
                    output[written + 3] = table[Int(value & 0x3f)]
                    read += 3
                    written += 4
                }
                switch count - read {
                case 1:
                    let value = UInt32(bytes[read]) << 16
                    output[written] = table[Int(value >> 18)]
                    output[written + 1] = table[Int(value >> 12 & 0x3f)]
                    written += 2
                case 2:
                    let value = UInt32(bytes[read]) << 16 | UInt32(bytes[read + 1]) << 8
                    output[written] = table[Int(value >> 18)]
                    output[written + 1] = table[Int(value >> 12 & 0x3f)]
                    output[written + 2] = table[Int(value >> 6 & 0x3f)]
                    written += 3
                default:
                    break
                }
                return written
            }
        }
    }
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

    /// Lowercase `8-4-4-4-12` hex, or `nil` when `text` is not a GUID. Inlined, so that the
    /// caller's string type is read directly rather than through a generic iterator.
    @inlinable
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
