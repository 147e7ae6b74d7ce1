import Foundation
import HTTPTypes
import Hummingbird
import LatchkeyCore

/// A management API error: a status and a JSON body that names the field at fault and says how
/// to fix it. Every failure of the API reaches the client in this one shape:
/// `{"error": code, "message": text, "issues": [{"field", "code", "message"}]}`.
struct APIError: HTTPResponseError {
    let status: HTTPResponse.Status
    let code: String
    let message: String
    var issues: [FieldIssue] = []
    var headers: HTTPFields = [:]

    struct Body: Encodable {
        let error: String
        let message: String
        let issues: [FieldIssue]
        let requestId: String
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers = self.headers
        headers[.contentType] = "application/json; charset=utf-8"
        headers[.cacheControl] = "no-store"
        let body = Body(error: code, message: message, issues: issues, requestId: context.id)
        let data = try LatchkeyRequestContext.encoder.encode(body)
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static let unauthenticated = APIError(
        status: .unauthorized, code: "unauthenticated",
        message: "Send a seller API token as Authorization: Bearer <token>; POST /api/v1/tokens with your email and password issues one.",
        headers: [.wwwAuthenticate: "Bearer realm=\"latchkey\""]
    )

    static func badRequest(_ message: String, field: String? = nil) -> APIError {
        APIError(
            status: .badRequest, code: "bad_request", message: message,
            issues: field.map { [FieldIssue(field: $0, code: "invalid", message: message)] } ?? []
        )
    }

    init(status: HTTPResponse.Status, code: String, message: String, issues: [FieldIssue] = [], headers: HTTPFields = [:]) {
        self.status = status
        self.code = code
        self.message = message
        self.issues = issues
        self.headers = headers
    }

    /// Issues about the relation of a well-formed value to stored objects or to another field.
    static let conflictCodes: Set<String> = [
        "unknown_client", "unknown_permission", "wrong_permission_kind", "china_client_requires_china_market", "china_market_requires_china_client",
        "requires_server_to_server", "client_required", "not_approved", "not_installed", "region_mismatch", "reserved", "host_mismatch",
        "operators_only", "discovery_failed", "incomplete",
    ]

    init(_ error: DomainError) {
        switch error {
        case .invalid(let issues):
            let summary = issues.count == 1 ? issues[0].message : "\(issues.count) fields need fixing: " + issues.map(\.field).joined(separator: ", ") + "."
            // 422: the body breaks a rule the OpenAPI document states; 409: it is well formed
            // but conflicts with what is stored or with another field (no schema can say so).
            let conflicts = issues.allSatisfy { Self.conflictCodes.contains($0.code) }
            self.init(status: conflicts ? .conflict : .unprocessableContent, code: conflicts ? "conflict" : "validation_failed", message: summary, issues: issues)
        case .conflict(let issue):
            self.init(status: .conflict, code: issue.code, message: issue.message, issues: [issue])
        case .notFound(let kind):
            self.init(status: .notFound, code: "not_found", message: "No such \(kind) among yours: check the id in the URL.")
        case .forbidden(let message):
            self.init(status: .forbidden, code: "forbidden", message: message)
        }
    }
}
