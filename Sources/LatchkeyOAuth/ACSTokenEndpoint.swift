import Foundation
import LatchkeyCore

/// The token endpoint of the ACS "low-trust" profile (SPEC §2; shared/ACS-WIRE.md §4), at
/// `POST /{realm}/tokens/OAuth/2` and `POST /tokens/OAuth/2`, for apps written for the seed's
/// system. `client_credentials` only so far: the app-only token of an approved service app
/// installed in the realm's tenant whose admin consented, with the `resource` as its audience.
/// Every number of the response is a string, and errors begin with `{"error"` (§4.4, §4.5).
public struct ACSTokenEndpoint: Sendable {
    let authenticator: ClientAuthenticator
    let clientCredentials: ClientCredentialsGrant
    let minter: TokenMinter

    public static let platformPrincipal = "00000003-0000-0ff1-ce00-000000000000"
    public static let tokenServicePrincipal = "00000001-0000-0000-c000-000000000000"

    public init(authenticator: ClientAuthenticator, clientCredentials: ClientCredentialsGrant, minter: TokenMinter) {
        self.authenticator = authenticator
        self.clientCredentials = clientCredentials
        self.minter = minter
    }

    /// A principal string, `{id}[/{host}]@{realm}` (ACS-WIRE §0), or a bare id.
    struct Principal: Equatable {
        let id: String
        let host: String?
        let realm: String?

        init?(_ text: String) {
            var rest = Substring(text)
            var realm: String?
            if let at = rest.lastIndex(of: "@") {
                guard let parsed = ObjectID.canonical(rest[rest.index(after: at)...]) else { return nil }
                realm = parsed
                rest = rest[..<at]
            }
            var host: String?
            if let slash = rest.firstIndex(of: "/") {
                host = String(rest[rest.index(after: slash)...]).lowercased()
                rest = rest[..<slash]
                guard host?.isEmpty == false else { return nil }
            }
            self.id = String(rest).lowercased()
            self.host = host
            self.realm = realm
        }
    }

    public func respond(form: FormParameters, pathRealm: String?) async throws -> String {
        guard let grantType = try form.value("grant_type") else {
            throw OAuthError(.invalidRequest, "grant_type is missing; this endpoint supports grant_type=client_credentials.")
        }
        guard grantType == "client_credentials" else {
            throw OAuthError(.unsupportedGrantType, "grant_type \(grantType) is not supported at this endpoint yet; use client_credentials, or /oauth2/token.")
        }
        guard let clientText = try form.value("client_id"), let client = Principal(clientText) else {
            throw OAuthError(.invalidClient, "client_id is missing or not {client id}[/{host}]@{realm}.")
        }
        guard let resourceText = try form.value("resource") else {
            throw OAuthError(.invalidRequest, "resource is missing: send 00000003-0000-0ff1-ce00-000000000000/{host}@{realm}.")
        }
        guard let resource = Principal(resourceText), resource.id == Self.platformPrincipal, let host = resource.host else {
            throw OAuthError(.invalidRequest, "resource must be 00000003-0000-0ff1-ce00-000000000000/{host}@{realm}, not \(resourceText).")
        }
        // The realm: from the path, the client id or the resource; where several say it, they agree.
        let realms = Set([pathRealm, client.realm, resource.realm].compactMap { $0 })
        guard realms.count == 1, let realm = realms.first else {
            throw OAuthError(.invalidRequest, realms.isEmpty ? "No realm: post to /{realm}/tokens/OAuth/2 or send client_id as {client id}@{realm}." : "The realms of the path, client_id and resource differ.")
        }
        // ACS-WIRE §4.3: `scope`, when sent, repeats the resource; anything else is refused.
        if let scope = try form.value("scope"), Principal(scope)?.id != Self.platformPrincipal {
            throw OAuthError(.invalidScope, "scope must be the resource or left out.")
        }
        let credentials = ClientCredentials(clientID: client.id, secretCandidates: [try form.value("client_secret") ?? ""], method: .clientSecretPost)
        let registered = try await authenticator.authenticate(credentials)
        let (tenantID, roles) = try await clientCredentials.authorize(client: registered, tenant: realm)
        let audience = "\(Self.platformPrincipal)/\(host)@\(tenantID)"
        let token = try minter.appOnlyToken(client: registered.id, tenantID: tenantID, roles: roles, audience: audience)
        let notBefore = token.notBefore ?? 0
        // §4.4: the fields of a real response, in its order, every number a string.
        return JSONText.object([
            "token_type": .string("Bearer"), "expires_in": .string(String(token.expiresIn)), "not_before": .string(String(notBefore)),
            "expires_on": .string(String(notBefore + token.expiresIn)), "resource": .string(audience), "access_token": .token(token.accessToken),
        ])
    }

    /// `GET /metadata/json/1?realm=` (ACS-WIRE §3): exactly one `OAuth2` endpoint.
    public static func metadata(issuer: String, realm: String) -> String {
        let endpoint = JSONText.object([
            "location": .string("\(issuer)/\(realm)/tokens/OAuth/2"), "protocol": .string("OAuth2"), "usage": .string("issuance"),
        ])
        let head = JSONText.object([
            "version": .string("1.0"), "name": .string("Latchkey"), "realm": .token(realm), "serviceName": .string("Latchkey token service"),
            "issuer": .string("\(tokenServicePrincipal)@\(realm)"),
        ])
        return String(head.dropLast()) + ",\"allowedAudiences\":[\"\(platformPrincipal)/*@\(realm)\"],\"endpoints\":[\(endpoint)],\"keys\":[]}"
    }
}
