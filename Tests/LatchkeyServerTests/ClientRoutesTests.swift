import Foundation
import HTTPTypes
import Testing

@Suite("Client IDs")
struct ClientRoutesTests {
    @Test func createReturnsTheSecretOnceAndNeverAgain() async throws {
        try await Harness().run { api, _ in
            let (token, _) = try await api.newSeller()
            let (id, secret, reply) = try await api.newClient(token: token, ["secretValidityYears": 2, "availability": "china"])
            #expect(id == id.lowercased() && UUID(uuidString: id) != nil)
            #expect(secret.count == 44 && Data(base64Encoded: secret)?.count == 32)
            #expect(reply.headers[.cacheControl] == "no-store")
            let json = reply.json
            #expect(json["friendlyName"] as? String == "calendar app")
            #expect(json["availability"] as? String == "china")
            #expect(json["secretValidityYears"] as? Int == 2)
            let new = try #require(json["secret"] as? [String: Any])
            #expect(new["isSigning"] as? Bool == true && new["hint"] as? String == String(secret.prefix(3)))
            let starts = try #require(ISO8601DateFormatter().date(from: new["startsAt"] as? String ?? ""))
            let ends = try #require(ISO8601DateFormatter().date(from: new["endsAt"] as? String ?? ""))
            #expect((729...731).contains(Int(ends.timeIntervalSince(starts) / 86_400)))

            let shown = try await api.send(.get, "/api/v1/clients/\(id)", token: token)
            #expect(shown.status == .ok && !shown.body.contains(secret) && shown["secret"] == nil)
            let secrets = try #require(shown["secrets"] as? [[String: Any]])
            #expect(secrets.count == 1 && secrets[0]["status"] as? String == "active" && secrets[0]["value"] == nil)
            let listed = try await api.send(.get, "/api/v1/clients", token: token)
            #expect(!listed.body.contains(secret) && (listed["clients"] as? [Any])?.count == 1)
            let audit = try await api.send(.get, "/api/v1/audit", token: token)
            #expect(!audit.body.contains(secret))
        }
    }

    @Test func invalidInputNamesTheFieldsAndCreatesNothing() async throws {
        try await Harness().run { api, _ in
            let (token, _) = try await api.newSeller()
            let cases: [([String: any Sendable], Set<String>)] = [
                (["appDomain": "https://app.contoso.com", "redirectUrl": "http://app.contoso.com/auth"], ["appDomain", "redirectUrl"]),
                (["appDomain": "app.contoso.com/path"], ["appDomain"]),
                (["appDomain": "xn--bcher-kva.example", "redirectUrl": "https://xn--bcher-kva.example/"], ["appDomain"]),
                (["appDomain": "bücher.example"], ["appDomain"]),
                (["secretValidityYears": 4], ["secretValidityYears"]),
                (["availability": "mars"], ["availability"]),
                (["friendlyName": "  "], ["friendlyName"]),
                (["redirectUrl": "https://elsewhere.example/auth"], ["redirectUrl"]),
            ]
            for (fields, expected) in cases {
                var body: [String: any Sendable] = ["friendlyName": "calendar app", "appDomain": "app.contoso.com", "redirectUrl": "https://app.contoso.com/auth"]
                body.merge(fields) { $1 }
                let reply = try await api.send(.post, "/api/v1/clients", token: token, json: body)
                // A redirect URL off the app domain is well formed but at odds with it: 409.
                #expect(reply.status == (expected == ["redirectUrl"] && fields["redirectUrl"] != nil ? .conflict : .unprocessableContent), "\(fields)")
                #expect(reply.issueFields == expected, "\(fields): \(reply.body)")
            }
            let idn = try await api.send(.post, "/api/v1/clients", token: token, json: ["friendlyName": "x", "appDomain": "xn--bcher-kva.example", "redirectUrl": "https://a.example"])
            #expect(idn.body.contains("Internationalized"))
            let listed = try await api.send(.get, "/api/v1/clients", token: token)
            #expect((listed["clients"] as? [Any])?.isEmpty == true)
        }
    }

    @Test func patchFollowsTheSameRules() async throws {
        try await Harness().run { api, _ in
            let (token, _) = try await api.newSeller()
            let (id, _, _) = try await api.newClient(token: token)
            let renamed = try await api.send(.patch, "/api/v1/clients/\(id)", token: token, json: ["friendlyName": "trip calendar"])
            #expect(renamed.status == .ok && renamed.string("friendlyName") == "trip calendar")
            let bad = try await api.send(.patch, "/api/v1/clients/\(id)", token: token, json: ["appDomain": "other.example"])
            #expect(bad.status == .conflict && bad.issueFields == ["redirectUrl"])
            let both = try await api.send(.patch, "/api/v1/clients/\(id)", token: token, json: ["appDomain": "other.example", "redirectUrl": "https://other.example/cb"])
            #expect(both.status == .ok && both.string("appDomain") == "other.example")
            let shown = try await api.send(.get, "/api/v1/clients/\(id)", token: token)
            #expect(shown.string("friendlyName") == "trip calendar" && shown.string("redirectUrl") == "https://other.example/cb")
        }
    }

    @Test func anotherSellersClientIsNotFound() async throws {
        try await Harness().run { api, _ in
            let (owner, _) = try await api.newSeller()
            let (intruder, _) = try await api.newSeller()
            let (id, secret, _) = try await api.newClient(token: owner)
            try await api.enable(id, sellerToken: owner)
            let secretID = try #require((try await api.send(.get, "/api/v1/clients/\(id)", token: owner)["secrets"] as? [[String: Any]])?.first?["id"] as? String)
            let attempts: [(HTTPRequest.Method, String, [String: any Sendable]?)] = [
                (.get, "/api/v1/clients/\(id)", nil),
                (.patch, "/api/v1/clients/\(id)", ["friendlyName": "mine"]),
                (.delete, "/api/v1/clients/\(id)", nil),
                (.post, "/api/v1/clients/\(id)/secrets", [:]),
                (.delete, "/api/v1/clients/\(id)/secrets/\(secretID)", nil),
                (.put, "/api/v1/clients/\(id)/signing-secret", ["secretId": secretID]),
            ]
            // The owner's view of the Client ID, but for when its secrets were last used (the
            // token requests below write that).
            func ownersView() async throws -> String {
                withoutLastUse(try await api.send(.get, "/api/v1/clients/\(id)", token: owner).body)
            }
            for (method, path, body) in attempts {
                let before = try await ownersView()
                let reply = try await api.send(method, path, token: intruder, json: body)
                #expect(reply.status == .notFound, "\(method) \(path)")
                #expect(try await ownersView() == before, "\(method) \(path) changed the owner's Client ID")
                let check = try await api.token(id, secret)
                #expect(check.status == .ok, "after \(method) \(path): \(check.body)")
            }
            #expect(try await api.token(id, secret).status == .ok)
            #expect(try await api.send(.get, "/api/v1/clients/not-a-guid", token: owner).status == .notFound)
        }
    }

    @Test func deletingAClientRevokesItsSecretsAndTokens() async throws {
        try await Harness().run { api, _ in
            let (token, _) = try await api.newSeller()
            let (id, secret, _) = try await api.newClient(token: token)
            let (otherID, otherSecret, _) = try await api.newClient(token: token)
            let enabled = try await api.enable(id, sellerToken: token)
            let issued = try #require(try await api.token(id, secret).string("access_token"))
            let introspect = { (clientID: String, secret: String) in
                try await api.send(
                    .post, "/oauth2/introspect", body: "token=\(issued)",
                    headers: [.authorization: "Basic " + Data("\(clientID):\(secret)".utf8).base64EncodedString(), .contentType: "application/x-www-form-urlencoded"]
                )
            }
            #expect(try await introspect(id, secret)["active"] as? Bool == true)
            // Defect 6: another client learns nothing of the token; a resource server does.
            let unseen = try await introspect(otherID, otherSecret)
            #expect(unseen.status == .ok && unseen.json.count == 1 && unseen["active"] as? Bool == false)
            let (resourceServer, resourceSecret, _) = try await api.newClient(token: enabled.operatorToken, ["resourceServer": true])
            let seen = try await introspect(resourceServer, resourceSecret)
            #expect(seen["active"] as? Bool == true && seen.string("client_id") == id && seen.string("token_type") == "Bearer")

            #expect(try await api.send(.delete, "/api/v1/clients/\(id)", token: token).status == .noContent)
            #expect(try await api.token(id, secret).status == .unauthorized)
            #expect(try await api.send(.get, "/api/v1/clients/\(id)", token: token).status == .notFound)
            #expect(try await api.send(.delete, "/api/v1/clients/\(id)", token: token).status == .notFound)
            // The deleted client can no longer ask; its token is inactive to everyone.
            #expect(try await introspect(id, secret).status == .unauthorized)
            #expect(try await introspect(otherID, otherSecret)["active"] as? Bool == false)
        }
    }
}
