import Foundation
import HTTPTypes
import Hummingbird
import LatchkeyCore
import LatchkeyOAuth
import Logging
import NIOConcurrencyHelpers

/// Turns every failure into the API's JSON error shape — or, under the protocol's paths, RFC
/// 6749 §5.2's (`error`, `error_description`): domain errors by their case, framework errors
/// (body too large) by their status, a known path asked with another method into `405` with
/// `Allow`, and anything unexpected into a 500 that names the request id and is logged without
/// request data.
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = LatchkeyRequestContext
    /// Every route's path and methods, filled in once the router is built.
    let routes: RouteTable

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            return try shaped(error, request: request, context: context)
        } catch let error as DomainError {
            return try shaped(APIError(error), request: request, context: context)
        } catch let error as ServiceBusy {
            return try shaped(
                APIError(
                    status: .serviceUnavailable, code: "busy", message: "Too many requests wait for a password check: retry after \(error.retryAfter) s.",
                    headers: [.retryAfter: String(error.retryAfter)]
                ),
                request: request, context: context
            )
        } catch let error as HTTPError {
            if error.status == .notFound, let allowed = routes.methods(matching: request.uri.path), !allowed.contains(request.method) {
                let allow = allowed.map(\.rawValue).sorted().joined(separator: ", ")
                return try shaped(
                    APIError(
                        status: .methodNotAllowed, code: "method_not_allowed",
                        message: "\(request.uri.path) does not take \(request.method); it takes \(allow).", headers: [.allow: allow]
                    ),
                    request: request, context: context
                )
            }
            let code = error.status == .notFound ? "not_found" : "http_\(error.status.code)"
            let message = error.body ?? (error.status == .notFound ? "No route matches \(request.method) \(request.uri.path)." : error.status.reasonPhrase)
            return try shaped(APIError(status: error.status, code: code, message: message, headers: error.headers), request: request, context: context)
        } catch {
            context.logger.error("unexpected error", metadata: ["error": "\(String(reflecting: type(of: error)))", "path": "\(request.uri.path)"])
            return try shaped(
                APIError(
                    status: .internalServerError, code: "internal_error",
                    message: "Something went wrong on our side; nothing was changed. Quote request id \(context.id) when reporting it."
                ),
                request: request, context: context
            )
        }
    }

    /// The protocol endpoints' clients parse RFC 6749's shape only.
    static func isProtocolPath(_ path: String) -> Bool {
        path.hasPrefix("/oauth2/") || path.hasSuffix("/tokens/OAuth/2") || path == "/tokens/OAuth/2"
    }

    private func shaped(_ error: APIError, request: Request, context: Context) throws -> Response {
        guard Self.isProtocolPath(request.uri.path) else { return try error.response(from: request, context: context) }
        let code: OAuthError.Code = error.status.code >= 500 ? .serverError : .invalidRequest
        var response = OAuthController.failure(OAuthError(code, error.message))
        response.status = error.status
        for field in error.headers { response.headers.append(field) }
        return response
    }
}

/// The router's routes by path, for answering `405` with the methods a path does take.
final class RouteTable: Sendable {
    private let entries = NIOLockedValueBox<[(segments: [Substring], methods: Set<HTTPRequest.Method>)]>([])

    /// `patterns`: "METHOD /path/{capture}" as Hummingbird describes its routes.
    func fill(_ routes: [(method: HTTPRequest.Method, path: String)]) {
        var byPath: [String: Set<HTTPRequest.Method>] = [:]
        for route in routes { byPath[route.path, default: []].insert(route.method) }
        entries.withLockedValue { $0 = byPath.map { (Self.segments($0.key), $0.value) } }
    }

    /// The methods of the routes whose pattern matches `path`; nil when none does.
    func methods(matching path: String) -> Set<HTTPRequest.Method>? {
        let given = Self.segments(path)
        let found = entries.withLockedValue { entries in
            entries.filter { entry in
                entry.segments.count == given.count
                    && zip(entry.segments, given).allSatisfy { pattern, part in
                        pattern == part || pattern.hasPrefix("{") || pattern.hasPrefix(":") || pattern == "*"
                    }
            }
        }
        guard !found.isEmpty else { return nil }
        return found.reduce(into: Set<HTTPRequest.Method>()) { $0.formUnion($1.methods) }
    }

    private static func segments(_ path: String) -> [Substring] {
        path.split(separator: "/", omittingEmptySubsequences: true)
    }
}

/// Names the request (the caller's `X-Request-Id` when it is a plain token of at most 128
/// characters, else a generated one) in every log line of the request and in the response, so
/// that a client, a proxy and the logs quote the same id; and sets what every response carries:
/// no content sniffing, and HSTS when the public URL is https.
struct RequestIDMiddleware: RouterMiddleware {
    typealias Context = LatchkeyRequestContext
    var strictTransportSecurity = false

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        if let given = request.headers[Self.requestID], Self.isUsable(given) {
            context.logger[metadataKey: "hb.request.id"] = .string(given)
        }
        var response = try await next(request, context)
        response.headers[Self.requestID] = context.id
        response.headers[.xContentTypeOptions] = "nosniff"
        if strictTransportSecurity { response.headers[Self.strictTransportSecurity] = "max-age=31536000" }
        return response
    }

    /// Letters, digits and `-._:/+=@`, 1 to 128 of them: what request ids are made of, and
    /// nothing that could forge a log line or a header.
    static func isUsable(_ id: String) -> Bool {
        let utf8 = id.utf8
        return (1...128).contains(utf8.count) && utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): true
            case UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: ":"), UInt8(ascii: "/"), UInt8(ascii: "+"), UInt8(ascii: "="), UInt8(ascii: "@"): true
            default: false
            }
        }
    }

    static let requestID = HTTPField.Name("X-Request-Id")!
    static let strictTransportSecurity = HTTPField.Name("Strict-Transport-Security")!
}
