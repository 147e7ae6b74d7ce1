/// Writes the few fixed-shape JSON objects of the token path directly: JSONEncoder was a tenth of
/// the token endpoint's time. Strings are escaped per RFC 8259 §7.
enum JSONText {
    static func string(_ value: String) -> String {
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
    static func object(_ members: KeyValuePairs<String, Value>) -> String {
        object(members.map { ($0.key, $0.value) })
    }

    static func object(_ members: [(String, Value)]) -> String {
        var output = "{"
        for (index, (key, value)) in members.enumerated() {
            if index > 0 { output += "," }
            output += string(key) + ":"
            switch value {
            case .string(let text): output += string(text)
            case .integer(let number): output += String(number)
            case .strings(let texts): output += "[" + texts.map(string).joined(separator: ",") + "]"
            }
        }
        return output + "}"
    }

    enum Value {
        case string(String)
        case integer(Int)
        case strings([String])
    }
}

extension TokenResponse {
    /// The RFC 6749 §5.1 body.
    public var jsonText: String {
        var members: [(String, JSONText.Value)] = [("access_token", .string(accessToken)), ("expires_in", .integer(expiresIn))]
        if let idToken { members.append(("id_token", .string(idToken))) }
        if let refreshToken { members.append(("refresh_token", .string(refreshToken))) }
        if let scope { members.append(("scope", .string(scope))) }
        members.append(("token_type", .string(tokenType)))
        return JSONText.object(members)
    }
}
