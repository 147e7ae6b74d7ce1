import Hummingbird
import LatchkeyCore
import Logging

/// Turns every failure into the API's JSON error shape: domain errors by their case, framework
/// errors (unknown route, body too large) by their status, and anything unexpected into a 500
/// that names the request id and is logged without request data.
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = LatchkeyRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            return try error.response(from: request, context: context)
        } catch let error as DomainError {
            return try APIError(error).response(from: request, context: context)
        } catch let error as HTTPError {
            let code = error.status == .notFound ? "not_found" : "http_\(error.status.code)"
            let message = error.body ?? (error.status == .notFound ? "No route matches \(request.method) \(request.uri.path)." : error.status.reasonPhrase)
            return try APIError(status: error.status, code: code, message: message, headers: error.headers).response(from: request, context: context)
        } catch {
            context.logger.error("unexpected error", metadata: ["error": "\(String(reflecting: type(of: error)))", "path": "\(request.uri.path)"])
            return try APIError(
                status: .internalServerError, code: "internal_error",
                message: "Something went wrong on our side; nothing was changed. Quote request id \(context.id) when reporting it."
            ).response(from: request, context: context)
        }
    }
}

/// Echoes the request id so a client can quote it, and keeps responses out of shared caches.
struct RequestIDMiddleware: RouterMiddleware {
    typealias Context = LatchkeyRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        response.headers[.init("X-Request-Id")!] = context.id
        return response
    }
}
