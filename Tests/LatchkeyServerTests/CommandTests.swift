import Foundation
import LatchkeyCore
import LatchkeyServer
import Testing

@Suite("The CLI's clients, secrets and apps commands: the dashboard's actions, the API's JSON")
struct CommandTests {
    func object(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test func aClientMadeAndRotatedFromTheCommandLineWorksAtTheTokenEndpoint() async throws {
        try await Harness().run { api, _ in
            let (token, email) = try await api.newSeller()
            let json = ManagementCommands(latchkey: api.latchkey, json: true)
            let created = try object(try await json.createClient(
                seller: email, name: "trip calendar", appDomain: "app.contoso.com", redirectURL: "https://app.contoso.com/auth", availability: nil, validityYears: 2
            ))
            let clientID = try #require(created["clientId"] as? String)
            let first = try #require((created["secret"] as? [String: Any])?["value"] as? String)
            // The same client, as the API shows it to its seller.
            let shown = try await api.send(.get, "/api/v1/clients/\(clientID)", token: token)
            #expect(shown.string("friendlyName") == "trip calendar" && shown["secretValidityYears"] as? Int == 2)
            try await api.enable(clientID, sellerToken: token)
            #expect(try await api.token(clientID, first).status == .ok)

            let added = try object(try await json.addSecret(seller: email, client: clientID, validityYears: nil))
            let second = try #require(added["value"] as? String)
            let secondID = try #require(added["id"] as? String)
            #expect(try await api.token(clientID, second).status == .ok)
            let signing = try object(try await json.makeSigning(seller: email, client: clientID, secret: secondID))
            #expect(signing["signingSecretId"] as? String == secondID)
            let firstID = try #require((signing["secrets"] as? [[String: Any]])?.compactMap { $0["id"] as? String }.first { $0 != secondID })
            _ = try await json.deleteSecret(seller: email, client: clientID, secret: firstID)
            #expect(try await api.token(clientID, first).status == .unauthorized, "a secret deleted from the command line stops at once")
            #expect((try object(try await json.listClients(seller: email))["clients"] as? [[String: Any]])?.count == 1)

            // Text for a person: the new secret once, never a stored one.
            let text = ManagementCommands(latchkey: api.latchkey, json: false)
            let third = try await text.addSecret(seller: email, client: clientID, validityYears: 1)
            #expect(third.contains("(shown once): "))
            let listing = try await text.showClient(seller: email, id: clientID)
            #expect(listing.contains("signing") && !listing.contains(second) && !listing.contains(first))

            await #expect(throws: DomainError.self) { try await text.showClient(seller: "nobody@contoso.example", id: clientID) }
            let (_, otherEmail) = try await api.newSeller()
            await #expect(throws: DomainError.self) { try await text.deleteClient(seller: otherEmail, id: clientID) }
            _ = try await text.deleteClient(seller: email, id: clientID)
            #expect(try await api.token(clientID, second).status == .unauthorized)
        }
    }

    @Test func appsAreCreatedSubmittedAndReviewed() async throws {
        try await Harness().run { api, _ in
            let (token, email) = try await api.newSeller()
            let operatorToken = try await api.operatorToken()
            let reviewer = try #require(try await api.send(.get, "/api/v1/sellers/me", token: operatorToken).string("email"))
            let (clientID, _, _) = try await api.newClient(token: token)
            let commands = ManagementCommands(latchkey: api.latchkey, json: true)
            let app = try object(try await commands.createApp(
                seller: email, name: "Trip Calendar", description: "Trips", markets: ["US"], client: clientID, serverToServer: true,
                permissions: [], appOnlyPermissions: []
            ))
            let appID = try #require(app["id"] as? String)
            #expect(try object(try await commands.submitApp(seller: email, id: appID))["status"] as? String == "submitted")
            let queue = try object(try await commands.listApps(seller: reviewer))["apps"] as? [[String: Any]]
            #expect(queue?.contains { $0["id"] as? String == appID } == true)
            await #expect(throws: DomainError.self) { try await commands.reviewApp(reviewer: email, id: appID, approve: true, reason: nil) }
            #expect(try object(try await commands.reviewApp(reviewer: reviewer, id: appID, approve: true, reason: nil))["status"] as? String == "approved")
            #expect(try await api.send(.get, "/api/v1/apps/\(appID)", token: token).string("status") == "approved")
        }
    }
}
