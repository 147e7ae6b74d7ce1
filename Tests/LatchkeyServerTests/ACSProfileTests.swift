import Foundation
import HTTPTypes
import JWTKit
import LatchkeyOAuth
import Testing

@Suite("ACS low-trust profile: realm token endpoint and metadata (docs/seed-model.md §2)")
struct ACSProfileTests {
    let form: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
    let platform = "00000003-0000-0ff1-ce00-000000000000"

    func post(_ api: API, _ path: String, _ fields: [(String, String)]) async throws -> Reply {
        try await api.send(.post, path, body: fields.map { "\($0.0)=\(BrowserSession.encode($0.1))" }.joined(separator: "&"), headers: form)
    }

    @Test func clientIDAndResourceFormsAndStringNumbers() async throws {
        try await Harness().run { api, _ in
            let (seller, _) = try await api.newSeller()
            let (id, secret, _) = try await api.newClient(token: seller)
            let realm = try await api.enable(id, sellerToken: seller).tenantID
            let resource = "\(platform)/sites.fabrikam.example@\(realm)"
            let cases: [(String, [(String, String)])] = [
                ("/\(realm)/tokens/OAuth/2", [("client_id", "\(id)@\(realm)"), ("resource", resource), ("scope", resource)]),
                ("/\(realm)/tokens/OAuth/2", [("client_id", "\(id)/app.contoso.com@\(realm)"), ("resource", "\(platform)/sites.fabrikam.example:8443@\(realm)")]),
                ("/tokens/OAuth/2", [("client_id", "\(id)@\(realm)"), ("resource", resource)]),
                ("/\(realm)/tokens/OAuth/2", [("client_id", id), ("resource", resource)]),
            ]
            for (path, fields) in cases {
                let reply = try await post(api, path, [("grant_type", "client_credentials")] + fields + [("client_secret", secret)])
                #expect(reply.status == .ok, "\(path) \(fields): \(reply.body)")
                #expect(reply.body.hasPrefix(#"{"token_type":"Bearer","expires_in":"3600","not_before":""#), "\(reply.body)")
                for key in ["expires_in", "not_before", "expires_on", "resource", "access_token"] {
                    #expect(reply[key] is String, "\(key) must be a string")
                }
                let expiresOn = Int(reply.string("expires_on") ?? "") ?? 0
                let notBefore = Int(reply.string("not_before") ?? "") ?? 0
                #expect(expiresOn - notBefore == 3600)
                let keys = try await JWTKeyCollection().add(jwksJSON: try await api.send(.get, "/.well-known/jwks.json").body)
                let claims = try await keys.verify(try #require(reply.string("access_token")), as: AccessTokenClaims.self)
                #expect(claims.aud == reply.string("resource") && claims.tid == realm && claims.roles == ["Calendars.Read.All"])
            }
        }
    }

    @Test func errorsBeginWithErrorAndNameWhatIsWrong() async throws {
        try await Harness().run { api, _ in
            let (seller, _) = try await api.newSeller()
            let (id, secret, _) = try await api.newClient(token: seller)
            let realm = try await api.enable(id, sellerToken: seller).tenantID
            let other = UUID().uuidString.lowercased()
            let resource = "\(platform)/sites.fabrikam.example@\(realm)"
            let cases: [(String, [(String, String)], HTTPResponse.Status, String)] = [
                ("/\(realm)/tokens/OAuth/2", [("client_id", "\(id)@\(realm)"), ("client_secret", "d3Jvbmc="), ("resource", resource)], .unauthorized, "invalid_client"),
                ("/\(other)/tokens/OAuth/2", [("client_id", "\(id)@\(realm)"), ("client_secret", secret), ("resource", resource)], .badRequest, "invalid_request"),
                ("/tokens/OAuth/2", [("client_id", id), ("client_secret", secret), ("resource", "\(platform)/sites.fabrikam.example")], .badRequest, "invalid_request"),
                ("/\(realm)/tokens/OAuth/2", [("client_id", id), ("client_secret", secret), ("resource", "https://graph.example/")], .badRequest, "invalid_request"),
                ("/\(realm)/tokens/OAuth/2", [("client_id", id), ("client_secret", secret)], .badRequest, "invalid_request"),
                ("/not-a-realm/tokens/OAuth/2", [("client_id", id), ("client_secret", secret), ("resource", resource)], .badRequest, "invalid_request"),
                ("/\(other)/tokens/OAuth/2", [("client_id", "\(id)@\(other)"), ("client_secret", secret), ("resource", "\(platform)/h@\(other)")], .badRequest, "invalid_request"),
            ]
            for (path, fields, status, error) in cases {
                let reply = try await post(api, path, [("grant_type", "client_credentials")] + fields)
                #expect(reply.status == status && reply.string("error") == error, "\(path) \(fields): \(reply.status) \(reply.body)")
                #expect(reply.body.hasPrefix(#"{"error""#))
            }
            let password = try await post(api, "/\(realm)/tokens/OAuth/2", [("grant_type", "password"), ("client_id", id), ("client_secret", secret), ("resource", resource)])
            #expect(password.string("error") == "unsupported_grant_type")
            let refresh = try await post(api, "/\(realm)/tokens/OAuth/2", [("grant_type", "refresh_token"), ("client_id", id), ("client_secret", secret), ("resource", resource)])
            #expect(refresh.string("error") == "invalid_request" && refresh.string("error_description")?.contains("refresh_token") == true)
        }
    }

    @Test func metadataHasExactlyOneOAuth2Endpoint() async throws {
        try await Harness().run { api, _ in
            let realm = UUID().uuidString.lowercased()
            let reply = try await api.send(.get, "/metadata/json/1?realm=\(realm.uppercased())")
            #expect(reply.status == .ok)
            let endpoints = try #require(reply["endpoints"] as? [[String: Any]])
            #expect(endpoints.filter { $0["protocol"] as? String == "OAuth2" }.map { $0["location"] as? String } == ["https://login.example.test/\(realm)/tokens/OAuth/2"])
            #expect(reply.string("issuer") == "00000001-0000-0000-c000-000000000000@\(realm)")
            #expect(try await api.send(.get, "/metadata/json/1").status == .badRequest)
        }
    }
}
