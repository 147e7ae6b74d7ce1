import LatchkeyWire

/// An `application/x-www-form-urlencoded` body (RFC 6749 Appendix B), keeping every value so
/// that a repeated parameter can be refused (RFC 6749 §3.2).
public struct FormParameters: Sendable {
    private var values: [String: [String]] = [:]

    /// Every parameter's values, for what is forwarded as is (the authorization request).
    public var all: [String: [String]] { values }

    /// No parameters.
    public static let empty = FormParameters()

    private init() {}

    public init(_ body: String) throws(OAuthError) {
        // Split on bytes: `&` and `=` are ASCII, and splitting a String by Character would run
        // grapheme breaking over every byte of the body.
        let bytes = body.utf8
        for pair in bytes.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            let equals = pair.firstIndex(of: UInt8(ascii: "="))
            let rawName = equals.map { pair[pair.startIndex..<$0] } ?? pair[...]
            let rawValue = equals.map { pair[bytes.index(after: $0)...] } ?? pair[pair.endIndex...]
            guard let name = Self.formDecode(Substring(rawName)) else {
                throw OAuthError(.invalidRequest, "The request body is not valid form encoding.")
            }
            guard let value = Self.formDecode(Substring(rawValue)) else {
                throw OAuthError(.invalidRequest, "The value of \(name) is not valid form encoding.")
            }
            values[name, default: []].append(value)
        }
    }

    /// A parameter sent more than once, if any: forms that take each field once refuse the body.
    public var repeatedName: String? {
        values.first { $0.value.count > 1 }?.key
    }

    /// The single value of `name`; `nil` when absent or empty (RFC 6749 §3.1: an empty
    /// parameter is treated as omitted). Throws when it is repeated.
    public func value(_ name: String) throws(OAuthError) -> String? {
        guard let all = values[name] else { return nil }
        guard all.count == 1 else {
            throw OAuthError(.invalidRequest, "The parameter \(name) is repeated; send it once.")
        }
        return all[0].isEmpty ? nil : all[0]
    }

    /// `application/x-www-form-urlencoded` text of the pairs, in order.
    public static func encode(_ pairs: [(String, String)]) -> String {
        pairs.map { formEncode($0.0) + "=" + formEncode($0.1) }.joined(separator: "&")
    }

    /// The URI with the pairs added to its query (RFC 6749 §3.1.2: keep the query it has).
    public static func append(_ pairs: [(String, String)], to uri: String) -> String {
        uri + (uri.contains("?") ? "&" : "?") + encode(pairs)
    }

    /// Percent-encodes all but the unreserved characters of RFC 3986 §2.3.
    public static func formEncode(_ text: String) -> String {
        var output = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                output.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                output += "%" + String(byte >> 4, radix: 16, uppercase: true) + String(byte & 0x0f, radix: 16, uppercase: true)
            }
        }
        return output
    }

    /// Decodes `+` as a space and `%XX` escapes; `nil` on a broken escape or invalid UTF-8.
    public static func formDecode(_ text: some StringProtocol) -> String? {
        // Most names and values need no decoding: take them as they are.
        if !text.utf8.contains(where: { $0 == UInt8(ascii: "%") || $0 == UInt8(ascii: "+") }) { return String(text) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "+"):
                bytes.append(UInt8(ascii: " "))
            case UInt8(ascii: "%"):
                guard let high = iterator.next().flatMap(Hex.value), let low = iterator.next().flatMap(Hex.value) else { return nil }
                bytes.append(high << 4 | low)
            default:
                bytes.append(byte)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }
}
