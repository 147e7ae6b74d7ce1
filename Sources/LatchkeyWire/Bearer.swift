/// The bearer credential of an `Authorization` header (RFC 6750 §2.1): the scheme in any case,
/// spaces around the token ignored; `nil` for another scheme or an empty token. The one reading
/// for the server's endpoints, the management API and the resource kit.
public enum BearerCredential {
    public static func token(in header: String?) -> String? {
        guard let header else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let token = parts[1].drop { $0 == " " || $0 == "\t" }
        let trimmed = token.reversed().drop { $0 == " " || $0 == "\t" }
        return trimmed.isEmpty ? nil : String(trimmed.reversed())
    }
}
