/// Writes the few fixed-shape JSON objects of the wire directly (token responses, context-token
/// claims): JSONEncoder was a tenth of the token endpoint's time. Strings are escaped per
/// RFC 8259 §7. Shared by the server's modules; not part of the kits' public API.
package enum JSONText {
    package static func string(_ value: String) -> String {
        var needsEscaping = false
        for byte in value.utf8 where byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
            needsEscaping = true
            break
        }
        guard needsEscaping else { return "\"" + value + "\"" }
        var output = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                output += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: output.unicodeScalars.append(scalar)
            }
        }
        return output + "\""
    }

    /// An object of the members, in the order given.
    package static func object(_ members: KeyValuePairs<String, Value>) -> String {
        object(members.map { ($0.key, $0.value) })
    }

    /// Appends every piece to one buffer: building the token response's JSON out of temporary
    /// strings was 6 % of a token's time.
    package static func object(_ members: [(String, Value)]) -> String {
        var output = "{"
        output.reserveCapacity(members.count * 48 + members.reduce(0) { $0 + $1.1.sizeHint })
        for (index, (key, value)) in members.enumerated() {
            if index > 0 { output.append(",") }
            output.append("\"")
            output.append(key)
            output.append("\":")
            switch value {
            case .string(let text): append(text, to: &output)
            case .token(let text):
                output.append("\"")
                output.append(text)
                output.append("\"")
            case .integer(let number): output.append(String(number))
            case .raw(let json): output.append(json)
            case .strings(let texts):
                output.append("[")
                for (offset, text) in texts.enumerated() {
                    if offset > 0 { output.append(",") }
                    append(text, to: &output)
                }
                output.append("]")
            }
        }
        output.append("}")
        return output
    }

    private static func append(_ text: String, to output: inout String) {
        if text.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            output.append(string(text))
        } else {
            output.append("\"")
            output.append(text)
            output.append("\"")
        }
    }

    package enum Value {
        case string(String)
        /// Text made by this server of characters that never need escaping (base64url tokens,
        /// GUIDs): written as is, without scanning it.
        case token(String)
        case integer(Int)
        case strings([String])
        /// JSON this server wrote itself, placed as it is (an object member's value).
        case raw(String)

        package var sizeHint: Int {
            switch self {
            case .string(let text), .token(let text), .raw(let text): text.utf8.count
            case .integer: 20
            case .strings(let texts): texts.reduce(0) { $0 + $1.utf8.count + 3 }
            }
        }
    }
}
