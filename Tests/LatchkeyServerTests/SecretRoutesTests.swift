import Foundation
import HTTPTypes
import Testing

@Suite("Client secrets")
struct SecretRoutesTests {
    func secrets(_ api: API, _ token: String, _ id: String) async throws -> [[String: Any]] {
        try #require(try await api.send(.get, "/api/v1/clients/\(id)", token: token)["secrets"] as? [[String: Any]])
    }

    @Test func rotationWithTwoSecrets() async throws {
        try await Harness().run { api, _ in
            let (token, _) = try await api.newSeller()
            let (id, first, _) = try await api.newClient(token: token)
            try await api.enable(id, sellerToken: token)
            let added = try await api.send(.post, "/api/v1/clients/\(id)/secrets", token: token, json: [:])
            #expect(added.status == .created && added.headers[.cacheControl] == "no-store")
            let second = try #require(added.string("value"))
            let secondID = try #require(added.string("id"))
            #expect(second.count == 44 && second != first)
            #expect(added["isSigning"] as? Bool == false && added.string("status") == "active")

            // Any active secret works as the password, at once.
            #expect(try await api.token(id, first).status == .ok)
            #expect(try await api.token(id, second).status == .ok)

            let listed = try await secrets(api, token, id)
            #expect(listed.count == 2 && !listed.contains { $0["value"] != nil })
            let firstID = try #require(listed.first { $0["isSigning"] as? Bool == true }?["id"] as? String)

            // Deleting the signing secret hands signing to the other, and the deleted one stops working at once.
            let afterDelete = try await api.send(.delete, "/api/v1/clients/\(id)/secrets/\(firstID)", token: token)
            #expect(afterDelete.status == .ok && afterDelete.string("signingSecretId") == secondID)
            #expect(try await api.token(id, first).status == .unauthorized)
            #expect(try await api.token(id, second).status == .ok)
            #expect(try await api.send(.delete, "/api/v1/clients/\(id)/secrets/\(firstID)", token: token).status == .notFound)
        }
    }

    @Test func makeAnotherSecretSigning() async throws {
        try await Harness().run { api, _ in
            let (token, _) = try await api.newSeller()
            let (id, _, _) = try await api.newClient(token: token)
            try await api.enable(id, sellerToken: token)
            let added = try await api.send(.post, "/api/v1/clients/\(id)/secrets", token: token, json: ["validityYears": 3])
            let secondID = try #require(added.string("id"))
            let set = try await api.send(.put, "/api/v1/clients/\(id)/signing-secret", token: token, json: ["secretId": secondID])
            #expect(set.status == .ok && set.string("signingSecretId") == secondID)
            let flags = try await secrets(api, token, id).map { ($0["id"] as? String ?? "", $0["isSigning"] as? Bool ?? false) }
            #expect(flags.filter(\.1).map(\.0) == [secondID])

            let missing = try await api.send(.put, "/api/v1/clients/\(id)/signing-secret", token: token, json: [:])
            #expect(missing.status == .unprocessableContent && missing.issueFields == ["secretId"])
            let unknown = try await api.send(.put, "/api/v1/clients/\(id)/signing-secret", token: token, json: ["secretId": UUID().uuidString])
            #expect(unknown.status == .notFound)
            let badValidity = try await api.send(.post, "/api/v1/clients/\(id)/secrets", token: token, json: ["validityYears": 9])
            #expect(badValidity.status == .unprocessableContent && badValidity.issueFields == ["validityYears"])
        }
    }

    @Test func capIsEnforcedWithAClearError() async throws {
        var harness = Harness()
        harness.secretCap = 2
        try await harness.run { api, _ in
            let (token, _) = try await api.newSeller()
            let (id, _, _) = try await api.newClient(token: token)
            try await api.enable(id, sellerToken: token)
            #expect(try await api.send(.post, "/api/v1/clients/\(id)/secrets", token: token, json: [:]).status == .created)
            let third = try await api.send(.post, "/api/v1/clients/\(id)/secrets", token: token, json: [:])
            #expect(third.status == .conflict && third.string("error") == "secret_cap_reached")
            #expect(third.string("message")?.contains("Delete") == true)
            #expect(try await secrets(api, token, id).count == 2)
        }
    }

    @Test func expiredSecretsStopWorkingAndSigningFallsBack() async throws {
        try await Harness().run { api, clock in
            let (_, email) = try await api.newSeller()
                // The clock jumps past API tokens' lifetime: a fresh one for each call.
                let token = { try await api.signIn(email) }
            let (id, first, _) = try await api.newClient(token: try await token())
            try await api.enable(id, sellerToken: try await token())
            clock.advance(by: 100 * 86_400)
            let added = try await api.send(.post, "/api/v1/clients/\(id)/secrets", token: try await token(), json: ["validityYears": 2])
            let second = try #require(added.string("value"))
            let secondID = try #require(added.string("id"))

            clock.advance(by: 250 * 86_400)  // 350 days: the first ends within 30 days
            let soon = try await secrets(api, try await token(), id)
            #expect(soon.first { $0["isSigning"] as? Bool == true }?["expiresSoon"] as? Bool == true)

            clock.advance(by: 16 * 86_400)  // past the first secret's end
            #expect(try await api.token(id, first).status == .unauthorized)
            #expect(try await api.token(id, second).status == .ok)
            let after = try await secrets(api, try await token(), id)
            #expect(after.first { $0["status"] as? String == "expired" } != nil)
            #expect(after.first { $0["isSigning"] as? Bool == true }?["id"] as? String == secondID)
            let expiredID = try #require(after.first { $0["status"] as? String == "expired" }?["id"] as? String)
            let refused = try await api.send(.put, "/api/v1/clients/\(id)/signing-secret", token: try await token(), json: ["secretId": expiredID])
            #expect(refused.status == .conflict && refused.string("error") == "secret_not_active")
        }
    }

    @Test func activationDelayKeepsNewSecretsPending() async throws {
        var harness = Harness()
        harness.activationDelay = 600
        try await harness.run { api, clock in
            let (token, _) = try await api.newSeller()
            let (id, secret, reply) = try await api.newClient(token: token)
            try await api.enable(id, sellerToken: token)
            #expect((reply["secret"] as? [String: Any])?["status"] as? String == "pending")
            #expect(try await api.token(id, secret).status == .unauthorized)
            clock.advance(by: 601)
            #expect(try await api.token(id, secret).status == .ok)
        }
    }

    @Test func lastUsedIsRecordedOffTheRequestPath() async throws {
        try await Harness().run { api, clock in
            let (token, _) = try await api.newSeller()
            let (id, secret, _) = try await api.newClient(token: token)
            try await api.enable(id, sellerToken: token)
            #expect(try await secrets(api, token, id).first?["lastUsedAt"] == nil)
            #expect(try await api.token(id, secret).status == .ok)
            var recorded: Any?
            for _ in 0..<40 where recorded == nil {
                try await Task.sleep(for: .milliseconds(50))
                recorded = try await secrets(api, token, id).first?["lastUsedAt"]
            }
            #expect(recorded is String)

            // Written again once a minute at most (the dashboard shows it to the minute). A
            // witness proves the writer ran after the use: a new secret of another client, used
            // just after it, whose first use is always written (the writer takes all it has).
            let (witness, _, _) = try await api.newClient(token: token)
            try await api.enable(witness, sellerToken: token)
            func lastUsed(after use: TimeInterval) async throws -> String? {
                clock.advance(by: use)
                #expect(try await api.token(id, secret).status == .ok)
                let added = try await api.send(.post, "/api/v1/clients/\(witness)/secrets", token: token, json: [:])
                let witnessID = try #require(added.string("id"))
                #expect(try await api.token(witness, try #require(added.string("value"))).status == .ok)
                let written = try await elapsedUntil(.seconds(5)) {
                    try await secrets(api, token, witness).first { $0["id"] as? String == witnessID }?["lastUsedAt"] is String
                }
                #expect(written != nil, "the writer ran after the use")
                return try await secrets(api, token, id).first?["lastUsedAt"] as? String
            }
            #expect(try await lastUsed(after: 30) == recorded as? String, "a use 30 s later is not written")
            let later = try await lastUsed(after: 31)
            #expect(later != nil && later != recorded as? String, "a use a minute after the last write is")
        }
    }
}
