import Foundation

/// An OAuth Client ID: a GUID, always written in lowercase (docs/seed-model.md §1).
public struct ClientID: Hashable, Sendable, Codable, CustomStringConvertible {
    public let rawValue: String

    /// Accepts any GUID spelling and keeps its canonical lowercase form; `nil` for anything else.
    public init?(_ text: some StringProtocol) {
        guard let canonical = GUIDText.canonical(text) else { return nil }
        self.rawValue = canonical
    }

    public static func generate() -> ClientID {
        ClientID(uuid: UUID())
    }

    public init(uuid: UUID) {
        self.rawValue = GUIDText.format(uuid)
    }

    public var description: String { rawValue }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let id = ClientID(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a GUID"))
        }
        self = id
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

/// Lowercase GUIDs for every other object (secrets, apps, sellers, audit entries).
public enum ObjectID {
    public static func generate() -> String {
        GUIDText.format(UUID())
    }

    /// The canonical form of a GUID path parameter, or `nil` when it is not one.
    public static func canonical(_ text: some StringProtocol) -> String? {
        GUIDText.canonical(text)
    }
}

/// GUID text without Foundation's formatted I/O, which the token endpoint paid for on every
/// request (sscanf to parse, printf to print).
enum GUIDText {
    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// Lowercase `8-4-4-4-12` hex, or `nil` when `text` is not a GUID.
    static func canonical(_ text: some StringProtocol) -> String? {
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

    static func format(_ uuid: UUID) -> String {
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
