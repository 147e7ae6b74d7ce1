import Foundation
import Hummingbird
import LatchkeyCore

extension Request {
    /// Decodes a JSON body; a malformed one is a 400 that names the field and the expected type.
    /// A body must say `Content-Type: application/json`: a browser posts `text/plain` or a form
    /// to another site without asking, never JSON.
    /// `bodyRequired`: as the operation's `requestBody.required` says; without it an empty
    /// body reads as `{}`.
    func decodeJSON<T: Decodable>(_ type: T.Type, context: LatchkeyRequestContext, bodyRequired: Bool = true) async throws -> T {
        var request = self
        let contentType = headers[.contentType]
        let isJSON = contentType.map(Self.isJSONMediaType) ?? false
        if contentType != nil && !isJSON || contentType == nil && !Self.hasNoBody(self) {
            throw APIError(
                status: .unsupportedMediaType, code: "unsupported_media_type",
                message: "Send the body as JSON with Content-Type: application/json.",
                issues: [FieldIssue(field: "Content-Type", code: "unsupported_media_type", message: "Must be application/json.")]
            )
        }
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: context.maxUploadSize)
        } catch {
            throw APIError(status: .contentTooLarge, code: "body_too_large", message: "The request body is larger than \(context.maxUploadSize / 1024) KiB.")
        }
        if buffer.readableBytes == 0 && bodyRequired {
            throw APIError.badRequest("Send a JSON object as the body, with Content-Type: application/json.")
        }
        let data = buffer.readableBytes == 0 ? Data("{}".utf8) : Data(buffer.readableBytesView)
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch let error as DecodingError {
            throw APIError.badRequest(error.explanation, field: error.fieldName)
        } catch let error as APIError {
            throw error
        }
    }
}

extension Request {
    /// `application/json`, any `+json` type, with or without parameters.
    static func isJSONMediaType(_ value: String) -> Bool {
        let type = value.split(separator: ";", maxSplits: 1).first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        return type == "application/json" || (type.hasPrefix("application/") && type.hasSuffix("+json"))
    }

    /// No body announced: no length, or a length of 0, and not chunked.
    static func hasNoBody(_ request: Request) -> Bool {
        if let length = request.headers[.contentLength] { return length == "0" }
        return request.headers[.transferEncoding] == nil
    }
}

extension DecodingError {
    var fieldName: String? {
        let path: [any CodingKey]
        switch self {
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            path = context.codingPath
        case .keyNotFound(let key, let context):
            path = context.codingPath + [key]
        @unknown default:
            path = []
        }
        let name = path.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        return name.isEmpty ? nil : name
    }

    var explanation: String {
        switch self {
        case .typeMismatch(let type, _):
            return "\(fieldName ?? "The body") must be \(Self.describe(type))."
        case .valueNotFound(let type, _):
            return "\(fieldName ?? "The body") must be \(Self.describe(type)), not null."
        case .keyNotFound:
            return "\(fieldName ?? "A field") is required."
        case .dataCorrupted(let context):
            if let fieldName { return "\(fieldName) is not valid: \(context.debugDescription)" }
            return "The body is not valid JSON: send a JSON object with Content-Type: application/json."
        @unknown default:
            return "The body could not be read as the expected JSON."
        }
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type: "a whole number"
        case is Bool.Type: "true or false"
        case is [String].Type: "an array of strings"
        default: "of the documented type"
        }
    }
}

/// A JSON field that distinguishes "absent" from "null" for PATCH: absent keeps the value,
/// null clears it.
enum Patch<Value: Decodable & Sendable>: Sendable {
    case keep
    case set(Value?)

    var update: Value?? {
        switch self {
        case .keep: nil
        case .set(let value): .some(value)
        }
    }
}

extension KeyedDecodingContainer {
    func decodePatch<Value: Decodable & Sendable>(_ type: Value.Type, forKey key: Key) throws -> Patch<Value> {
        guard contains(key) else { return .keep }
        return .set(try decodeIfPresent(Value.self, forKey: key))
    }
}
