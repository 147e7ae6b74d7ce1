import Foundation
import HTTPTypes
import Hummingbird
import LatchkeyWire

/// A request context that carries the caller's verified token.
public protocol AccessTokenRequestContext: RequestContext {
    var accessToken: VerifiedAccessToken? { get set }
}

/// Requires `Authorization: Bearer <Latchkey access token>` on every route behind it (RFC 6750):
/// without one, 401 with a `Bearer` challenge; with a bad one, 401 `invalid_token`.
public struct BearerTokenMiddleware<Context: AccessTokenRequestContext>: RouterMiddleware {
    let verifier: AccessTokenVerifier
    /// The `realm` of the challenge.
    let realm: String

    public init(verifier: AccessTokenVerifier, realm: String = "latchkey") {
        self.verifier = verifier
        self.realm = realm
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let token = BearerCredential.token(in: request.headers[.authorization]) else {
            throw BearerError.challenge(realm: realm, error: nil, description: "Send an access token from Latchkey as Authorization: Bearer <token>.")
        }
        var context = context
        do {
            context.accessToken = try await verifier.verify(token)
        } catch {
            throw BearerError.challenge(realm: realm, error: "invalid_token", description: error.description)
        }
        return try await next(request, context)
    }
}

/// RFC 6750 §3 errors: the status, the `Bearer` challenge, and a JSON body of the OAuth shape.
public struct BearerError: Error, HTTPResponseError, Sendable {
    public let status: HTTPResponse.Status
    public let challenge: String
    public let error: String
    public let description: String

    public static func challenge(realm: String, error: String?, description: String) -> BearerError {
        var value = "Bearer realm=\"\(realm)\""
        if let error { value += ", error=\"\(error)\", error_description=\"\(description.replacingOccurrences(of: "\"", with: "'"))\"" }
        return BearerError(status: .unauthorized, challenge: value, error: error ?? "invalid_request", description: description)
    }

    /// 403 `insufficient_scope`: the token is good but lacks the permission.
    public static func insufficientScope(_ permissions: [String]) -> BearerError {
        BearerError(
            status: .forbidden, challenge: "Bearer error=\"insufficient_scope\", scope=\"\(permissions.joined(separator: " "))\"",
            error: "insufficient_scope",
            description: "The access token lacks the permission \(permissions.joined(separator: " or ")); ask for it and have it consented."
        )
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let object = ["error": error, "error_description": description]
        let body = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        return Response(
            status: status, headers: [.wwwAuthenticate: challenge, .contentType: "application/json", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(bytes: body))
        )
    }
}

extension AccessTokenRequestContext {
    /// The verified token when it grants any of the permissions; 403 `insufficient_scope` otherwise.
    public func requireAny(of permissions: String...) throws -> VerifiedAccessToken {
        guard let token = accessToken else {
            throw BearerError.challenge(realm: "latchkey", error: nil, description: "Send an access token from Latchkey as Authorization: Bearer <token>.")
        }
        guard permissions.contains(where: token.grants) else { throw BearerError.insufficientScope(permissions) }
        return token
    }
}
