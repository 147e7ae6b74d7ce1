import Foundation
import HTTPTypes
import LatchkeyServer
import Logging
import Testing

@Suite("Operations: health, audit, OpenAPI")
struct OperationsTests {
    @Test func metricsAreOpenOrBehindTheirToken() async throws {
        try await Harness().run { api, _ in
            _ = try await api.send(.get, "/healthz")
            let page = try await api.send(.get, "/metrics")
            #expect(page.status == .ok && page.body.contains(#"latchkey_http_requests_total{route="/healthz",method="GET",status="200"} 1"#), "\(page.body.prefix(400))")
        }
        var guarded = Harness()
        guarded.metricsToken = "scrape-token-0123456789"
        try await guarded.run { api, _ in
            #expect(try await api.send(.get, "/metrics").status == .unauthorized)
            #expect(try await api.send(.get, "/metrics", token: "wrong").status == .unauthorized)
            let page = try await api.send(.get, "/metrics", token: "scrape-token-0123456789")
            #expect(page.status == .ok && page.body.contains("# TYPE latchkey_http_requests_total counter"))
        }
    }

    @Test func healthAndReadiness() async throws {
        try await Harness().run { api, _ in
            let health = try await api.send(.get, "/healthz")
            #expect(health.status == .ok && health.string("status") == "ok")
            #expect(health.headers[HTTPField.Name("X-Request-Id")!]?.isEmpty == false)
            let ready = try await api.send(.get, "/readyz")
            #expect(ready.status == .ok && ready.string("status") == "ready")
            let missing = try await api.send(.get, "/nowhere")
            #expect(missing.status == .notFound && missing.string("error") == "not_found")
        }
    }

    @Test func auditRecordsEveryChangeForItsSellerOnly() async throws {
        try await Harness().run { api, clock in
            let (token, email) = try await api.newSeller()
            let (other, _) = try await api.newSeller()
            clock.advance(by: 1)
            let (id, _, _) = try await api.newClient(token: token)
            clock.advance(by: 1)
            let secret = try await api.send(.post, "/api/v1/clients/\(id)/secrets", token: token, json: [:])
            let secretID = try #require(secret.string("id"))
            clock.advance(by: 1)
            _ = try await api.send(.put, "/api/v1/clients/\(id)/signing-secret", token: token, json: ["secretId": secretID])
            clock.advance(by: 1)
            _ = try await api.send(.delete, "/api/v1/clients/\(id)", token: token)

            let log = try await api.send(.get, "/api/v1/audit", token: token)
            let entries = try #require(log["entries"] as? [[String: Any]])
            let actions = entries.compactMap { $0["action"] as? String }
            #expect(actions.prefix(4) == ["client.delete", "secret.make_signing", "secret.create", "client.create"])
            #expect(Set(actions.dropFirst(4)) == ["api_token.create", "seller.sign_up"])
            #expect(entries.allSatisfy { $0["actor"] as? String == email && $0["at"] is String })
            #expect(entries.first?["objectId"] as? String == id)

            let page = try await api.send(.get, "/api/v1/audit?limit=2", token: token)
            #expect((page["entries"] as? [Any])?.count == 2)
            let before = try #require(page.string("nextBefore"))
            let next = try await api.send(.get, "/api/v1/audit?limit=2&before=\(before)", token: token)
            #expect((next["entries"] as? [[String: Any]])?.first?["action"] as? String == "secret.create")
            #expect(try await api.send(.get, "/api/v1/audit?limit=0", token: token).issueFields == ["limit"])

            let theirs = try await api.send(.get, "/api/v1/audit", token: other)
            #expect(!theirs.body.contains(id))
        }
    }

    /// The document and the router agree in both directions: every operation it lists is a
    /// route that answers a status it documents, and every route under /api/v1 is in it.
    @Test func openAPIDocumentMatchesTheRoutes() async throws {
        try await Harness().run { api, _ in
            let reply = try await api.send(.get, "/api/v1/openapi.json")
            #expect(reply.status == .ok && reply.string("openapi") == "3.1.0")
            let paths = try #require(reply["paths"] as? [String: [String: Any]])
            let (_, email) = try await api.newSeller()
            var documented: Set<String> = []
            let operationIDs = paths.values.flatMap { item in item.compactMap { ($0.value as? [String: Any])?["operationId"] as? String } }
            #expect(operationIDs.count == Set(operationIDs).count, "operation ids are unique")
            for (path, item) in paths {
                let concrete = path.replacingOccurrences(of: "{clientId}", with: UUID().uuidString.lowercased())
                    .replacingOccurrences(of: "{secretId}", with: UUID().uuidString.lowercased())
                    .replacingOccurrences(of: "{appId}", with: UUID().uuidString.lowercased())
                    .replacingOccurrences(of: "{tenantId}", with: UUID().uuidString.lowercased())
                    .replacingOccurrences(of: "{userId}", with: UUID().uuidString.lowercased())
                    .replacingOccurrences(of: "{tokenId}", with: UUID().uuidString.lowercased())
                    .replacingOccurrences(of: "{providerId}", with: UUID().uuidString.lowercased())
                    .replacingOccurrences(of: "{domain}", with: "fabrikam.example")
                    .replacingOccurrences(of: "{name}", with: "Calendars.Read")
                for method in item.keys where method != "parameters" {
                    documented.insert("\(method.uppercased()) /api/v1\(path)")
                    // A fresh token each time: some operations revoke the token they are sent with.
                    let token = try await api.signIn(email)
                    let answer = try await api.send(HTTPRequest.Method(method.uppercased())!, "/api/v1" + concrete, token: token, json: [:])
                    #expect(!answer.body.contains("No route matches") && answer.status != .methodNotAllowed, "\(method) \(path)")
                    let statuses = (item[method] as? [String: Any])?["responses"] as? [String: Any] ?? [:]
                    #expect(statuses.keys.contains(String(answer.status.code)), "\(method) \(path) answered \(answer.status.code)")
                }
            }
            // The router's patterns name captures as the document does, with :name or {name}.
            let routed = Set(try await routeDescriptions(api.latchkey, logger: Logger(label: "routes")).filter { $0.contains(" /api/v1/") }.map {
                $0.replacing(/:([A-Za-z]+)/) { "{\($0.1)}" }
            })
            #expect(routed.subtracting(documented).sorted() == [], "routes the document does not describe")
            #expect(documented.subtracting(routed).sorted() == [], "operations no route serves")
            #expect(documented.count == 57)
        }
    }
}

