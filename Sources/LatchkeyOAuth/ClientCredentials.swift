import Foundation

/// The credentials a client presented, with the forms its secret may take.
public struct ClientCredentials: Sendable, Equatable {
    public let clientID: String
    /// The secret as sent, then its form-decoded form when different. docs/seed-model.md §2: clients differ in
    /// whether they form-encode Basic credentials (RFC 6749 §2.3.1 says they must), and a base64
    /// secret's `+ / =` survive only one of the two readings.
    public let secretCandidates: [String]
    public let method: Method

    public enum Method: String, Sendable {
        case clientSecretBasic = "client_secret_basic"
        case clientSecretPost = "client_secret_post"
        /// A public client naming itself by `client_id` alone (RFC 6749 §2.1, §4.1.3).
        case none
    }

    /// Reads `client_secret_basic` or `client_secret_post`; refuses both at once (RFC 6749 §2.3)
    /// and requests with neither.
    public static func extract(authorization: String?, form: FormParameters) throws(OAuthError) -> ClientCredentials {
        let postedID = try form.value("client_id")
        let postedSecret = try form.value("client_secret")
        if let authorization, let basic = try basicCredentials(authorization) {
            if postedSecret != nil {
                throw OAuthError(.invalidRequest, "Authenticate with one method: the Authorization header or client_secret in the body, not both.")
            }
            if let postedID, postedID != basic.clientID {
                throw OAuthError(.invalidRequest, "client_id in the body differs from the one in the Authorization header.")
            }
            return basic
        }
        guard let postedID else {
            throw OAuthError(.invalidClient, "Authenticate the client with HTTP Basic (client_secret_basic) or client_id and client_secret in the body (client_secret_post).")
        }
        guard let postedSecret else {
            return ClientCredentials(clientID: postedID, secretCandidates: [], method: .none)
        }
        return ClientCredentials(clientID: postedID, secretCandidates: [postedSecret], method: .clientSecretPost)
    }

    /// `nil` when the header uses another scheme (it is then ignored, as a bearer token would be).
    static func basicCredentials(_ header: String) throws(OAuthError) -> ClientCredentials? {
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "basic" else { return nil }
        guard let data = Data(base64Encoded: String(parts[1].drop { $0 == " " })),
            let decoded = String(data: data, encoding: .utf8),
            let colon = decoded.firstIndex(of: ":")
        else {
            throw OAuthError(.invalidClient, "The Basic credentials are not base64 of client_id:client_secret.")
        }
        let rawID = String(decoded[..<colon])
        let rawSecret = String(decoded[decoded.index(after: colon)...])
        let clientID = FormParameters.formDecode(rawID) ?? rawID
        var candidates = [rawSecret]
        if let decodedSecret = FormParameters.formDecode(rawSecret), decodedSecret != rawSecret {
            candidates.append(decodedSecret)
        }
        return ClientCredentials(clientID: clientID, secretCandidates: candidates, method: .clientSecretBasic)
    }
}
