import Foundation
import HTTPTypes
import JWTKit
import LatchkeyOAuth
import Testing

@Suite("Token endpoint (RFC 6749, RFC 9068)")
struct TokenEndpointTests {
    let form: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]

    @Test func issuesAVerifiableJWT() async throws {
        try await Harness().run { api, clock in
            let (token, _) = try await api.newSeller()
            let (id, secret, _) = try await api.newClient(token: token)
            let enabled = try await api.enable(id, sellerToken: token)
            let reply = try await api.token(id, secret)
            #expect(reply.status == .ok)
            #expect(reply.headers[.cacheControl] == "no-store")
            #expect(reply.string("token_type") == "Bearer" && reply["expires_in"] as? Int == 3600)
            let jwt = try #require(reply.string("access_token"))

            let jwks = try await api.send(.get, "/.well-known/jwks.json")
            let keys = try await JWTKeyCollection().add(jwksJSON: jwks.body)
            let claims = try await keys.verify(jwt, as: AccessTokenClaims.self)
            #expect(claims.iss == "https://login.example.test")
            #expect(claims.sub == id && claims.clientID == id)
            #expect(claims.aud == "00000003-0000-0ff1-ce00-000000000000")
            #expect(claims.exp - claims.iat == 3600)
            // docs/seed-model.md §1: the token is the app's own in the tenant that installed it, for what the admin consented to.
            #expect(claims.tid == enabled.tenantID && claims.roles == ["Calendars.Read.All"] && claims.scp == nil)
            #expect(reply.string("scope") == "Calendars.Read.All")
            #expect(abs(Double(claims.iat) - clock.now.timeIntervalSince1970) < 2)
            let header = String(jwt.split(separator: ".")[0])
            #expect(header.contains("eyJ"))
            let headerJSON = try #require(Data(base64Encoded: header.padding(toLength: (header.count + 3) / 4 * 4, withPad: "=", startingAt: 0)))
            #expect(String(decoding: headerJSON, as: UTF8.self).contains("\"typ\":\"at+jwt\""))
        }
    }

    @Test func acceptsPostAndPercentEncodedBasicCredentials() async throws {
        try await Harness().run { api, _ in
            let (token, _) = try await api.newSeller()
            var (id, secret, _) = try await api.newClient(token: token)
            try await api.enable(id, sellerToken: token)
            // Make sure the secret exercises the characters clients encode differently.
            for _ in 0..<20 where !secret.contains(where: { "+/".contains($0) }) {
                let added = try await api.send(.post, "/api/v1/clients/\(id)/secrets", token: token, json: [:])
                if added.status != .created {
                    (id, secret, _) = try await api.newClient(token: token)
                    try await api.enable(id, sellerToken: token)
                } else {
                    secret = added.string("value") ?? secret
                }
            }
            let encoded = secret.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? secret
            #expect(try await api.token(id, encoded).status == .ok)
            #expect(try await api.token(id, secret).status == .ok)
            let tenant = try #require(api.tenants.tenant(of: id))
            let posted = try await api.send(.post, "/oauth2/token", body: "grant_type=client_credentials&tenant=\(tenant)&client_id=\(id)&client_secret=\(encoded)", headers: form)
            #expect(posted.status == .ok, "\(posted.body)")
            #expect(try await api.token(id.uppercased(), secret).status == .ok)
        }
    }

    @Test func errorsAreRFC6749Objects() async throws {
        try await Harness().run { api, _ in
            let (token, _) = try await api.newSeller()
            let (id, secret, _) = try await api.newClient(token: token)
            try await api.enable(id, sellerToken: token)
            let basic = "Basic " + Data("\(id):\(secret)".utf8).base64EncodedString()
            let tenant = try #require(api.tenants.tenant(of: id))
            let cases: [(String, HTTPFields, HTTPResponse.Status, String)] = [
                ("grant_type=client_credentials", [.authorization: "Basic " + Data("\(id):wrong".utf8).base64EncodedString()], .unauthorized, "invalid_client"),
                ("grant_type=client_credentials", [.authorization: "Basic " + Data("\(UUID().uuidString):\(secret)".utf8).base64EncodedString()], .unauthorized, "invalid_client"),
                ("grant_type=client_credentials", [.authorization: "Basic !!!notbase64"], .unauthorized, "invalid_client"),
                ("grant_type=client_credentials", [:], .unauthorized, "invalid_client"),
                ("grant_type=client_credentials&client_id=not-a-guid&client_secret=x", [:], .unauthorized, "invalid_client"),
                ("grant_type=password", [.authorization: basic], .badRequest, "unsupported_grant_type"),
                ("scope=x", [.authorization: basic], .badRequest, "invalid_request"),
                ("grant_type=client_credentials&grant_type=client_credentials", [.authorization: basic], .badRequest, "invalid_request"),
                ("grant_type=client_credentials&client_secret=\(secret)", [.authorization: basic], .badRequest, "invalid_request"),
                ("grant_type=client_credentials&tenant=\(tenant)&scope=calendars.read", [.authorization: basic], .badRequest, "invalid_scope"),
                ("grant_type=client_credentials", [.authorization: basic], .badRequest, "invalid_request"),
                ("grant_type=client_credentials&tenant=nope", [.authorization: basic], .badRequest, "invalid_request"),
                ("grant_type=client_credentials&tenant=\(UUID().uuidString)", [.authorization: basic], .badRequest, "invalid_request"),
            ]
            for (body, headers, status, code) in cases {
                var all = form
                all.append(contentsOf: headers)
                let reply = try await api.send(.post, "/oauth2/token", body: body, headers: all)
                #expect(reply.status == status, "\(body) \(headers)")
                #expect(reply.string("error") == code, "\(body): \(reply.body)")
                #expect(reply.string("error_description")?.isEmpty == false)
                #expect(reply.headers[.cacheControl] == "no-store")
                if status == .unauthorized {
                    #expect(reply.headers[.wwwAuthenticate]?.hasPrefix("Basic") == true)
                }
            }
            let json = try await api.send(.post, "/oauth2/token", json: ["grant_type": "client_credentials"], headers: [.authorization: basic])
            #expect(json.status == .badRequest && json.string("error") == "invalid_request")
        }
    }

    @Test func metadataDescribesTheEndpoints() async throws {
        try await Harness().run { api, _ in
            let reply = try await api.send(.get, "/.well-known/oauth-authorization-server")
            #expect(reply.status == .ok)
            #expect(reply.string("issuer") == "https://login.example.test")
            #expect(reply.string("token_endpoint") == "https://login.example.test/oauth2/token")
            #expect(reply.string("jwks_uri") == "https://login.example.test/.well-known/jwks.json")
            #expect(reply.string("introspection_endpoint") == "https://login.example.test/oauth2/introspect")
            #expect(reply["grant_types_supported"] as? [String] == ["authorization_code", "refresh_token", "client_credentials"])
            #expect(reply.string("authorization_endpoint") == "https://login.example.test/oauth2/authorize")
            #expect(reply["code_challenge_methods_supported"] as? [String] == ["S256"])
            let discovery = try await api.send(.get, "/.well-known/openid-configuration")
            #expect(discovery.string("userinfo_endpoint") == "https://login.example.test/oauth2/userinfo")
            #expect(discovery["id_token_signing_alg_values_supported"] as? [String] == ["ES256", "RS256"])

            #expect(reply["token_endpoint_auth_methods_supported"] as? [String] == ["client_secret_basic", "client_secret_post", "none"])
            let jwks = try await api.send(.get, "/.well-known/jwks.json")
            // Both algorithms' keys are published, without their private parts.
            #expect(Set((jwks["keys"] as? [[String: Any]] ?? []).compactMap { $0["alg"] as? String }) == ["ES256", "RS256"])
            let key = try #require((jwks["keys"] as? [[String: Any]])?.first { $0["alg"] as? String == "ES256" })
            #expect(key["kty"] as? String == "EC" && key["crv"] as? String == "P-256" && key["alg"] as? String == "ES256")
            #expect(key["d"] == nil)
        }
    }

    @Test func introspectionNeedsClientAuthAndAToken() async throws {
        try await Harness().run { api, _ in
            let (token, _) = try await api.newSeller()
            let (id, secret, _) = try await api.newClient(token: token)
            try await api.enable(id, sellerToken: token)
            var headers = form
            headers[.authorization] = "Basic " + Data("\(id):\(secret)".utf8).base64EncodedString()
            let missing = try await api.send(.post, "/oauth2/introspect", body: "", headers: headers)
            #expect(missing.status == .badRequest && missing.string("error") == "invalid_request")
            let garbage = try await api.send(.post, "/oauth2/introspect", body: "token=abc.def.ghi", headers: headers)
            #expect(garbage.status == .ok && garbage.body == #"{"active":false}"#)
            let anonymous = try await api.send(.post, "/oauth2/introspect", body: "token=abc", headers: form)
            #expect(anonymous.status == .unauthorized)
        }
    }
}

@Suite("Client credentials need an approved, installed, consented service app (docs/seed-model.md §1)")
struct ClientCredentialsRulesTests {
    func ask(_ api: API, _ id: String, _ secret: String, tenant: String) async throws -> Reply {
        try await api.token(id, secret, form: "grant_type=client_credentials&tenant=\(tenant)")
    }

    @Test func eachMissingStepIsNamed() async throws {
        try await Harness().run { api, _ in
            let (seller, _) = try await api.newSeller()
            let (id, secret, _) = try await api.newClient(token: seller)
            let operatorToken = try await api.operatorToken()
            try await api.definePermission("Calendars.Read.All", operatorToken: operatorToken, appOnly: true)
            let tenant = try await api.newTenant(operatorToken: operatorToken)

            // A Client ID alone gets no token.
            let bare = try await ask(api, id, secret, tenant: tenant)
            #expect(bare.status == .badRequest && bare.string("error") == "unauthorized_client")
            #expect(bare.string("error_description")?.contains("no approved app") == true)

            // Approved, but not installed in the tenant.
            let appID = try await api.approvedApp(clientID: id, sellerToken: seller, operatorToken: operatorToken, appOnlyPermissions: ["Calendars.Read.All"])
            let uninstalled = try await ask(api, id, secret, tenant: tenant)
            #expect(uninstalled.string("error") == "unauthorized_client" && uninstalled.string("error_description")?.contains("not installed") == true)

            // Installed, but the admin has not consented to its app-only permission.
            try await api.install(appID, in: tenant, operatorToken: operatorToken)
            let unconsented = try await ask(api, id, secret, tenant: tenant)
            #expect(unconsented.string("error") == "unauthorized_client" && unconsented.string("error_description")?.contains("Calendars.Read.All") == true)

            // Consented: a token for this tenant, and for no other.
            #expect(try await api.send(.post, "/api/v1/tenants/\(tenant)/installations/\(appID)/app-only-consent", token: operatorToken).status == .ok)
            #expect(try await ask(api, id, secret, tenant: tenant).status == .ok)
            let elsewhere = try await ask(api, id, secret, tenant: try await api.newTenant(operatorToken: operatorToken))
            #expect(elsewhere.string("error") == "unauthorized_client")

            // Revoking the tenant-wide consent stops it at once, and the app-only token at introspection.
            let token = try #require(try await ask(api, id, secret, tenant: tenant).string("access_token"))
            let introspect = { try await api.send(.post, "/oauth2/introspect", body: "token=\(token)", headers: [.authorization: "Basic " + Data("\(id):\(secret)".utf8).base64EncodedString(), .contentType: "application/x-www-form-urlencoded"]) }
            #expect(try await introspect()["active"] as? Bool == true)
            #expect(try await api.send(.delete, "/api/v1/tenants/\(tenant)/consents/\(appID)", token: operatorToken).status == .noContent)
            #expect(try await ask(api, id, secret, tenant: tenant).string("error") == "unauthorized_client")
            #expect(try await introspect()["active"] as? Bool == false)
        }
    }
}
