import Foundation
import HTTPTypes
import Hummingbird
import LatchkeyCore
import LatchkeyOAuth

/// The authorization server's JSON endpoints: token (RFC 6749 §3.2), introspection (RFC 7662),
/// revocation (RFC 7009), userinfo (OpenID Connect Core §5.3), metadata (RFC 8414, OpenID
/// Connect Discovery) and the JWK Set (RFC 7517). The authorization endpoint is a page
/// (`AuthorizePages`).
struct OAuthController {
    let tokenEndpoint: TokenEndpoint
    let introspection: IntrospectionEndpoint
    let revocation: RevocationEndpoint
    let userInfo: UserInfoEndpoint
    let issuer: String
    let grantTypes: [String]
    /// The delegated permissions as they are now, read at each request so that every node
    /// lists the same (`scopes_supported`).
    let scopes: @Sendable () async throws -> [String]
    let signer: TokenSigner
    let acs: ACSTokenEndpoint
    let metrics: ServerMetrics
    /// Token requests per remote address, checked before anything is read.
    let addressLimit: RateLimiter
    /// Introspection and revocation requests per remote address.
    let checksAddressLimit: RateLimiter

    func addRoutes(to router: some RouterMethods<LatchkeyRequestContext>) {
        router.post("oauth2/token", use: token)
        router.post("oauth2/introspect", use: introspect)
        router.post("oauth2/revoke", use: revoke)
        router.get("oauth2/userinfo", use: userinfo)
        router.post("oauth2/userinfo", use: userinfo)
        router.get(".well-known/oauth-authorization-server", use: serverMetadata)
        router.get(".well-known/openid-configuration", use: serverMetadata)
        router.get(".well-known/jwks.json", use: jwks)
        // The ACS low-trust profile (docs/seed-model.md §2): the realm-less token endpoint is what context
        // tokens name; clients that know the realm insert it before the path.
        router.post("tokens/OAuth/2", use: acsToken)
        router.post(":realm/tokens/OAuth/2", use: acsToken)
        router.get("metadata/json/1", use: acsMetadata)
    }

    @Sendable func acsToken(_ request: Request, context: LatchkeyRequestContext) async throws -> Response {
        try await Self.answer(request, context: context, counting: (metrics, "acs"), limit: addressLimit) { form, _ in
            var pathRealm: String?
            if let text = context.parameters.get("realm") {
                guard let realm = ObjectID.canonical(text) else {
                    throw OAuthError(.invalidRequest, "The path must be /{realm}/tokens/OAuth/2 with the tenant's id as realm, not \(text).")
                }
                pathRealm = realm
            }
            return Self.response(ByteBuffer(string: try await acs.respond(form: form, pathRealm: pathRealm)), status: .ok)
        }
    }

    @Sendable func acsMetadata(_ request: Request, context: LatchkeyRequestContext) async throws -> Response {
        guard let realm = request.uri.queryParameters.get("realm").flatMap({ ObjectID.canonical($0) }) else {
            let error = OAuthError(.invalidRequest, "Ask for /metadata/json/1?realm={tenant id}.")
            return Self.response(ByteBuffer(string: error.jsonText), status: .badRequest)
        }
        return Self.response(ByteBuffer(string: ACSTokenEndpoint.metadata(issuer: issuer, realm: realm)), status: .ok, cacheControl: "public, max-age=300")
    }

    @Sendable func token(_ request: Request, context: LatchkeyRequestContext) async throws -> Response {
        try await Self.answer(request, context: context, counting: (metrics, "oauth2"), limit: addressLimit) { form, authorization in
            let response = try await tokenEndpoint.respond(form: form, authorization: authorization)
            return Self.response(ByteBuffer(string: response.jsonText), status: .ok)
        }
    }

    @Sendable func introspect(_ request: Request, context: LatchkeyRequestContext) async throws -> Response {
        try await Self.answer(request, context: context, limit: checksAddressLimit) { form, authorization in
            try Self.json(try await introspection.respond(form: form, authorization: authorization), status: .ok)
        }
    }

    @Sendable func revoke(_ request: Request, context: LatchkeyRequestContext) async throws -> Response {
        try await Self.answer(request, context: context, limit: checksAddressLimit) { form, authorization in
            _ = try await revocation.respond(form: form, authorization: authorization)
            return Self.response(ByteBuffer(), status: .ok)
        }
    }

    @Sendable func userinfo(_ request: Request, context: LatchkeyRequestContext) async throws -> Response {
        do {
            // RFC 6750 §2.2: a POST may carry the token in a form body.
            let isForm = request.headers[.contentType]?.lowercased().hasPrefix("application/x-www-form-urlencoded") == true
            let form = request.method == .post && isForm ? try await Self.form(of: request, context: context) : nil
            return try Self.json(try await userInfo.respond(authorization: request.headers[.authorization], form: form), status: .ok)
        } catch let error as OAuthError {
            return Self.failure(error)
        }
    }

    /// Reads the form and hands it with the Authorization header to `body`; an `OAuthError` from
    /// either becomes its RFC 6749 §5.2 JSON response. `counting` names the token endpoint whose
    /// outcomes `/metrics` counts by grant type.
    static func answer(
        _ request: Request, context: LatchkeyRequestContext, counting: (ServerMetrics, String)? = nil, limit: RateLimiter? = nil,
        _ body: (FormParameters, String?) async throws -> Response
    ) async throws -> Response {
        var grant = "none"
        do {
            try limit?.check(address: context.remoteAddress)
            let form = try await form(of: request, context: context)
            if counting != nil { grant = Self.grantLabel(try? form.value("grant_type")) }
            let response = try await body(form, request.headers[.authorization])
            counting.map { $0.0.recordToken(endpoint: $0.1, grant: grant, outcome: "issued") }
            return response
        } catch let error as OAuthError {
            counting.map { $0.0.recordToken(endpoint: $0.1, grant: grant, outcome: error.code.rawValue) }
            return failure(error)
        }
    }

    /// The grant types a label may name: anything else a client sends counts as `other`.
    static func grantLabel(_ grant: String?) -> String {
        switch grant {
        case nil: "none"
        case "client_credentials", "authorization_code", "refresh_token": grant!
        default: "other"
        }
    }

    @Sendable func serverMetadata(_ request: Request, context: LatchkeyRequestContext) async throws -> Response {
        let metadata = ServerMetadata(issuer: issuer, grantTypes: grantTypes, scopes: try await scopes())
        return try Self.json(metadata, status: .ok, cacheControl: "public, max-age=300")
    }

    @Sendable func jwks(_ request: Request, context: LatchkeyRequestContext) async throws -> Response {
        try Self.json(signer.jwks, status: .ok, cacheControl: "public, max-age=300")
    }

    /// RFC 6749 §3.2: parameters come form-encoded in the body.
    static func form(of request: Request, context: LatchkeyRequestContext) async throws -> FormParameters {
        let contentType = request.headers[.contentType]?.lowercased() ?? ""
        guard contentType.hasPrefix("application/x-www-form-urlencoded") else {
            throw OAuthError(.invalidRequest, "Send the parameters form-encoded, with Content-Type: application/x-www-form-urlencoded.")
        }
        var request = request
        guard let body = try? await request.collectBody(upTo: 16 * 1024) else {
            throw OAuthError(.invalidRequest, "The request body is larger than 16 KiB.")
        }
        return try FormParameters(String(decoding: body.readableBytesView, as: UTF8.self))
    }

    static func json(_ value: some Encodable, status: HTTPResponse.Status, challenge: String? = nil, cacheControl: String = "no-store") throws -> Response {
        response(ByteBuffer(bytes: try LatchkeyRequestContext.encoder.encode(value)), status: status, challenge: challenge, cacheControl: cacheControl)
    }

    /// Token responses are never cached (RFC 6749 §5.1).
    static func response(_ body: ByteBuffer, status: HTTPResponse.Status, challenge: String? = nil, cacheControl: String = "no-store") -> Response {
        var headers: HTTPFields = [.contentType: "application/json", .cacheControl: cacheControl]
        if cacheControl == "no-store" { headers[Self.pragma] = "no-cache" }
        if let challenge { headers[.wwwAuthenticate] = challenge }
        return Response(status: status, headers: headers, body: .init(byteBuffer: body))
    }

    /// An error as RFC 6749 §5.2 JSON, with its challenge, and `Retry-After` when rate limited.
    static func failure(_ error: OAuthError) -> Response {
        var response = response(ByteBuffer(string: error.jsonText), status: .init(code: error.status), challenge: error.challenge)
        if let wait = error.retryAfter { response.headers[.retryAfter] = String(wait) }
        return response
    }

    static let pragma = HTTPField.Name("Pragma")!
}
