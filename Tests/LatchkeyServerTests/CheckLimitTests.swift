import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import HTTPTypes
import Testing

@Suite("Limits on introspection, revocation and the revocation feed")
struct CheckLimitTests {
    let form: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]

    func basic(_ id: String, _ secret: String) -> String { "Basic " + Data("\(id):\(secret)".utf8).base64EncodedString() }

    @Test func perClientIntrospectionAndRevocationShareALimit() async throws {
        var harness = Harness()
        harness.rateLimits.checksPerClient = 5
        try await harness.run { api, _ in
            let (seller, _) = try await api.newSeller()
            let (id, secret, _) = try await api.newClient(token: seller)
            try await api.enable(id, sellerToken: seller)
            let token = try #require(try await api.token(id, secret).string("access_token"))
            var headers = form
            headers[.authorization] = basic(id, secret)
            for _ in 0..<4 {
                #expect(try await api.send(.post, "/oauth2/introspect", body: "token=\(token)", headers: headers).status == .ok)
            }
            #expect(try await api.send(.post, "/oauth2/revoke", body: "token=unknown", headers: headers).status == .ok)
            for path in ["/oauth2/introspect", "/oauth2/revoke"] {
                let refused = try await api.send(.post, path, body: "token=\(token)", headers: headers)
                #expect(refused.status == .tooManyRequests && refused.string("error") == "temporarily_unavailable", "\(path): \(refused.body)")
                let wait = Int(refused.headers[.retryAfter] ?? "") ?? 0
                #expect((1...60).contains(wait))
            }
            #expect(try await api.token(id, secret).status == .ok, "the token endpoint counts apart")
        }
    }

    @Test func perAddressAndLongPollsPerClient() async throws {
        var harness = Harness()
        harness.mode = .live
        harness.rateLimits.checksPerAddress = 6
        harness.rateLimits.longPollsPerClient = 1
        // A database of its own, even in the PostgreSQL run: a poll waits only while no rule
        // comes, and other tests publish rules all the time on a shared one.
        harness.adjust = { configuration in
            configuration.databaseURL = nil
            configuration.masterKey = nil
        }
        try await harness.run { api, _ in
            let operatorToken = try await api.operatorToken()
            let (server, serverSecret, _) = try await api.newClient(token: operatorToken, ["resourceServer": true])
            let authorization: HTTPFields = [.authorization: basic(server, serverSecret)]
            let first = try #require(try await api.send(.get, "/oauth2/revocations", headers: authorization).string("next_cursor"))
            // One long poll waits (on a connection of its own); a second at once is refused.
            let port = try #require(api.client.port)
            var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/oauth2/revocations?cursor=\(first)&wait=2")!)
            request.setValue(basic(server, serverSecret), forHTTPHeaderField: "Authorization")
            let waiting = Task { [request] in try await URLSession.shared.data(for: request) }
            try await Task.sleep(for: .milliseconds(500))
            let second = try await api.send(.get, "/oauth2/revocations?cursor=\(first)&wait=2", headers: authorization)
            #expect(second.status == .tooManyRequests && second.headers[.retryAfter] != nil, "\(second.status) \(second.body)")
            #expect((try await waiting.value.1 as? HTTPURLResponse)?.statusCode == 200)
            #expect(try await api.send(.get, "/oauth2/revocations?cursor=\(first)", headers: authorization).status == .ok)
            // Six requests from this address so far (the refused one counted too): the next is refused before authentication.
            for _ in 0..<2 { _ = try await api.send(.post, "/oauth2/introspect", body: "token=x", headers: form) }
            let refused = try await api.send(.get, "/oauth2/revocations", headers: authorization)
            #expect(refused.status == .tooManyRequests, "\(refused.status)")
        }
    }
}
