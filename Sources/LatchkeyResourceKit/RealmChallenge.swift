import Foundation
import HTTPTypes
import Hummingbird
import LatchkeyWire

/// Realm discovery of the ACS profile (docs/seed-model.md §2; docs/acs-wire.md §2): a request whose
/// `Authorization` is missing, `Bearer` or `Bearer ` (GET, HEAD or POST alike) is answered 401
/// with the challenge clients of the seed's system parse by position — `realm` first, quoted,
/// a 36-character lowercase GUID, parameters separated by a bare comma. Other requests pass.
public struct RealmChallengeMiddleware<Context: RequestContext>: RouterMiddleware {
    let challenge: String

    public init(realm: String, authorizationURI: String? = nil) {
        var value = "Bearer realm=\"\(realm.lowercased())\",client_id=\"\(ACSPrincipal.platform)\","
            + "trusted_issuers=\"\(ACSPrincipal.name(ACSPrincipal.tokenService, realm: "*"))\""
        if let authorizationURI { value += ",authorization_uri=\"\(authorizationURI)\"" }
        self.challenge = value
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let header = request.headers[.authorization]?.trimmingCharacters(in: .whitespaces) ?? ""
        guard header.isEmpty || header.lowercased() == "bearer" else { return try await next(request, context) }
        return Response(status: .unauthorized, headers: [.wwwAuthenticate: challenge, .contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: #"{"error":"invalid_request","error_description":"Send an access token as Authorization: Bearer <token>."}"#)))
    }
}
