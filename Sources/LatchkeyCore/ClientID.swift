import Foundation
import LatchkeyWire

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
