import Foundation

/// The claims of a context token (docs/acs-wire.md §6.2), as the server writes them and the app
/// kit reads them: one definition, so that the two cannot disagree.
public struct ContextTokenClaims: Sendable, Equatable {
    /// `{clientId}/{app host}@{realm}`.
    public let audience: String
    /// The token service's principal in the realm.
    public let issuer: String
    public let notBefore: Int
    public let expiresAt: Int
    /// `appctxsender`: the platform's principal in the realm.
    public let sender: String
    /// `appctx.CacheKey`: stable per user, app and realm.
    public let cacheKey: String
    /// `appctx.SecurityTokenServiceUri`: where the refresh token is exchanged.
    public let securityTokenServiceURI: String
    public let refreshToken: String

    public init(
        audience: String, issuer: String, notBefore: Int, expiresAt: Int, sender: String, cacheKey: String, securityTokenServiceURI: String,
        refreshToken: String
    ) {
        self.audience = audience
        self.issuer = issuer
        self.notBefore = notBefore
        self.expiresAt = expiresAt
        self.sender = sender
        self.cacheKey = cacheKey
        self.securityTokenServiceURI = securityTokenServiceURI
        self.refreshToken = refreshToken
    }

    /// The payload in the order of the documented example; `nbf` and `exp` as numbers, `appctx`
    /// a JSON object written as a string (§6.4).
    public var json: String {
        let context = JSONText.object(["CacheKey": .string(cacheKey), "SecurityTokenServiceUri": .string(securityTokenServiceURI)])
        return JSONText.object([
            "aud": .string(audience), "iss": .string(issuer), "nbf": .integer(notBefore), "exp": .integer(expiresAt),
            "appctxsender": .string(sender), "appctx": .string(context), "refreshtoken": .string(refreshToken),
            "isbrowserhostedapp": .string("true"),
        ])
    }

    /// Why a payload is not a context token's; says which claim.
    public struct Malformed: Error, Sendable, Equatable, CustomStringConvertible {
        public let description: String
    }

    /// Reads a payload. `nbf` and `exp` are numbers, or numeric strings as in the documented
    /// example; `appctx` is a JSON string holding `CacheKey` and `SecurityTokenServiceUri`.
    public init(json data: Data) throws(Malformed) {
        let payload: Payload
        do {
            payload = try JSONDecoder().decode(Payload.self, from: data)
        } catch {
            throw Malformed(description: "its claims are not a context token's (\(Self.describe(error)))")
        }
        guard let context = try? JSONDecoder().decode(AppContext.self, from: Data(payload.appctx.utf8)) else {
            throw Malformed(description: "appctx must be a JSON string with CacheKey and SecurityTokenServiceUri")
        }
        self.init(
            audience: payload.aud, issuer: payload.iss, notBefore: payload.nbf.value, expiresAt: payload.exp.value, sender: payload.appctxsender,
            cacheKey: context.CacheKey, securityTokenServiceURI: context.SecurityTokenServiceUri, refreshToken: payload.refreshtoken
        )
    }

    /// Which claim was wrong, in words.
    private static func describe(_ error: any Error) -> String {
        switch error as? DecodingError {
        case .keyNotFound(let key, _): "\(key.stringValue) is missing"
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            context.codingPath.isEmpty ? "not JSON" : "\(context.codingPath.map(\.stringValue).joined(separator: ".")) has the wrong type"
        default: "not JSON"
        }
    }

    private struct Payload: Decodable {
        let aud: String
        let iss: String
        let nbf: Seconds
        let exp: Seconds
        let appctxsender: String
        let appctx: String
        let refreshtoken: String
    }

    private struct AppContext: Decodable {
        let CacheKey: String
        let SecurityTokenServiceUri: String
    }

    /// A number of seconds, or its decimal text.
    private struct Seconds: Decodable {
        let value: Int

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let number = try? container.decode(Int.self) {
                value = number
            } else if let number = Int(try container.decode(String.self)) {
                value = number
            } else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "not a number of seconds")
            }
        }
    }
}
