import Foundation
import HTTPTypes
import Testing

@Suite("Sellers and API tokens")
struct SellerRoutesTests {
    @Test func signUpSignInAndRevoke() async throws {
        try await Harness().run { api, _ in
            let (token, email) = try await api.newSeller()
            #expect(token.hasPrefix("lks_"))
            let me = try await api.send(.get, "/api/v1/sellers/me", token: token)
            #expect(me.status == .ok && me.string("email") == email && me.string("role") == "seller")
            #expect(!me.body.contains("password"))

            #expect(try await api.send(.delete, "/api/v1/tokens/current", token: token).status == .noContent)
            let after = try await api.send(.get, "/api/v1/clients", token: token)
            #expect(after.status == .unauthorized && after.string("error") == "unauthenticated")
            #expect(after.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true)
        }
    }

    /// Defect 10: sign-up does not tell whether an email has an account; the account keeps its
    /// password.
    @Test func signUpAnswersAlikeForATakenEmail() async throws {
        try await Harness().run { api, _ in
            let (_, email) = try await api.newSeller()
            let fresh = "new-\(UUID().uuidString.prefix(8).lowercased())@contoso.example"
            let new = try await api.send(.post, "/api/v1/sellers", json: ["email": fresh, "password": "another password", "displayName": "X"])
            let again = try await api.send(.post, "/api/v1/sellers", json: ["email": email.uppercased(), "password": "another password", "displayName": "X"])
            #expect(new.status == .accepted && again.status == .accepted)
            #expect(Set(new.json.keys) == Set(again.json.keys) && new.string("message") == again.string("message"))
            #expect(again.string("email") == email)
            #expect(try await api.send(.post, "/api/v1/tokens", json: ["email": email, "password": "another password"]).status == .unauthorized)
            #expect(try await api.send(.post, "/api/v1/tokens", json: ["email": email, "password": "correct horse battery"]).status == .created)
            #expect(try await api.send(.post, "/api/v1/tokens", json: ["email": fresh, "password": "another password"]).status == .created)
        }
    }

    @Test func badSignUpNamesEveryField() async throws {
        try await Harness().run { api, _ in
            let reply = try await api.send(.post, "/api/v1/sellers", json: ["email": "nope", "password": "short", "displayName": ""])
            #expect(reply.status == .unprocessableContent)
            #expect(reply.issueFields == ["email", "password", "displayName"])
            let typed = try await api.send(.post, "/api/v1/sellers", json: ["email": 5])
            #expect(typed.status == .badRequest && typed.issueFields == ["email"])
            let garbage = try await api.send(.post, "/api/v1/sellers", body: "{not json", headers: [.contentType: "application/json"])
            #expect(garbage.status == .badRequest && garbage.string("error") == "bad_request")
        }
    }

    @Test func wrongPasswordAndUnknownEmailAnswerAlike() async throws {
        try await Harness().run { api, _ in
            let (_, email) = try await api.newSeller()
            let wrong = try await api.send(.post, "/api/v1/tokens", json: ["email": email, "password": "not the password"])
            let unknown = try await api.send(.post, "/api/v1/tokens", json: ["email": "nobody@contoso.example", "password": "whatever12"])
            #expect(wrong.status == .unauthorized && unknown.status == .unauthorized)
            #expect(wrong.string("message") == unknown.string("message"))
        }
    }

    @Test func garbageTokensAreRefused() async throws {
        try await Harness().run { api, _ in
            for header in ["Bearer lks_nope", "Bearer ", "Basic abc", "lks_x"] {
                let reply = try await api.send(.get, "/api/v1/clients", headers: [.authorization: header])
                #expect(reply.status == .unauthorized)
            }
        }
    }
}
