import Foundation
import LatchkeyHTTP
import LatchkeyWire

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// An access token from the token service, for the platform host named by `resource`.
public struct AccessToken: Sendable {
    public let value: String
    public let resource: String
    public let expiresOn: Date
    /// Returned by the authorization code grant only.
    public let refreshToken: String?
}

/// The token service refused a request, or answered with something that is not a token.
public struct TokenServiceError: Error, Sendable, CustomStringConvertible {
    public let status: Int
    /// The OAuth error code (`invalid_grant`, `invalid_client`, …), when the service sent one.
    public let error: String?
    public let errorDescription: String?

    public var description: String {
        "The token service answered \(status)" + (error.map { ": \($0)" } ?? "") + (errorDescription.map { " — \($0)" } ?? "")
    }
}

/// Obtains access tokens the way apps of the seed's system do (docs/acs-wire.md §4): for the user who
/// opened the app, by exchanging the context token's refresh token; for the app itself, with
/// client credentials. Both at the token service the context token names, for the platform
/// host the app calls (`resourceHost`, the authority of `SPHostUrl`).
public struct TokenServiceClient: Sendable {
    public let clientID: String
    let clientSecret: String
    let session: URLSession


    /// `clientSecret`: any active secret of the Client ID, as issued.
    public init(clientID: String, clientSecret: String, session: URLSession = .shared) {
        self.clientID = clientID.lowercased()
        self.clientSecret = clientSecret
        self.session = session
    }

    /// A user+app token for the user who opened the app (the `refresh_token` grant).
    public func userAccessToken(for token: ContextToken, resourceHost: String) async throws -> AccessToken {
        try await request(token.securityTokenServiceURI, realm: token.realm, resourceHost: resourceHost, grant: [
            ("grant_type", "refresh_token"), ("refresh_token", token.refreshToken),
        ])
    }

    /// An app-only token in `realm` (the `client_credentials` grant); the tenant's admin must
    /// have consented to the app's app-only permissions.
    public func appOnlyAccessToken(realm: String, resourceHost: String, tokenServiceURI: URL) async throws -> AccessToken {
        try await request(tokenServiceURI, realm: realm, resourceHost: resourceHost, grant: [("grant_type", "client_credentials")])
    }

    /// A user+app token and a refresh token for a code from the authorization endpoint.
    public func redeem(code: String, redirectURI: String, realm: String, resourceHost: String, tokenServiceURI: URL) async throws -> AccessToken {
        try await request(tokenServiceURI, realm: realm, resourceHost: resourceHost, grant: [
            ("grant_type", "authorization_code"), ("code", code), ("redirect_uri", redirectURI),
        ])
    }

    private func request(_ endpoint: URL, realm: String, resourceHost: String, grant: [(String, String)]) async throws -> AccessToken {
        let resource = ACSPrincipal.name(ACSPrincipal.platform, host: resourceHost.lowercased(), realm: realm)
        let fields = grant + [("client_id", "\(clientID)@\(realm)"), ("client_secret", clientSecret), ("resource", resource)]
        var request = URLRequest(url: endpoint)
        request.httpMethod = "POST"
        request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
        request.httpBody = Data(fields.map { "\(Self.encode($0.0))=\(Self.encode($0.1))" }.joined(separator: "&").utf8)
        let (data, response) = try await session.cancellableData(for: request)
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
        guard status == 200, let value = json["access_token"] as? String else {
            throw TokenServiceError(status: status, error: json["error"] as? String, errorDescription: json["error_description"] as? String)
        }
        // The profile sends every number as a string.
        let expiresOn = (json["expires_on"] as? String).flatMap(TimeInterval.init).map(Date.init(timeIntervalSince1970:)) ?? Date()
        return AccessToken(value: value, resource: json["resource"] as? String ?? resource, expiresOn: expiresOn, refreshToken: json["refresh_token"] as? String)
    }

    static func encode(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")) ?? text
    }
}
