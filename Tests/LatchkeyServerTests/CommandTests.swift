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
            let revision = try #require(queue?.first { $0["id"] as? String == appID }?["revision"] as? Int)
            await #expect(throws: DomainError.self) { try await commands.reviewApp(reviewer: email, id: appID, approve: true, reason: nil, revision: revision) }
            // Approving names the revision reviewed, as the API does.
            await #expect(throws: DomainError.self) { try await commands.reviewApp(reviewer: reviewer, id: appID, approve: true, reason: nil) }
            #expect(try object(try await commands.reviewApp(reviewer: reviewer, id: appID, approve: true, reason: nil, revision: revision))["status"] as? String == "approved")
            #expect(try await api.send(.get, "/api/v1/apps/\(appID)", token: token).string("status") == "approved")
        }
    }

    /// The platform's side from the command line: a tenant, a user, an app-only permission, an
    /// installation and the tenant's app-only consent are enough for a client-credentials token,
    /// and uninstalling ends it; each command's JSON is the API's for the same action.
    @Test func thePlatformIsSetUpFromTheCommandLine() async throws {
        try await Harness().run { api, _ in
            let commands = ManagementCommands(latchkey: api.latchkey, json: true)
            let text = ManagementCommands(latchkey: api.latchkey, json: false)
            let operatorToken = try await api.operatorToken()
            let tenant = try #require(try object(try await commands.createTenant(name: "Northwind", region: "worldwide"))["id"] as? String)
            #expect(try await text.listTenants().contains("\(tenant)  worldwide  Northwind"))
            let listed = try await api.send(.get, "/api/v1/tenants/\(tenant)", token: operatorToken)
            #expect(listed.string("displayName") == "Northwind")

            let user = try object(try await commands.createUser(tenant: tenant, email: "Ann@Northwind.example", displayName: "Ann", password: "a long user password", isAdmin: true))
            let userID = try #require(user["id"] as? String)
            #expect(try await text.listUsers(tenant: tenant).contains("ann@northwind.example  Ann  (admin)"))

            let permission = try object(try await commands.definePermission(name: "Reports.Read.All", description: "Read every report", adminConsentRequired: nil, appOnly: true))
            #expect(permission["appOnly"] as? Bool == true)
            #expect(try await text.listPermissions().contains("Reports.Read.All  (app-only)  Read every report"))

            let (token, email) = try await api.newSeller()
            let (clientID, secret, _) = try await api.newClient(token: token)
            let app = try object(try await commands.createApp(
                seller: email, name: "Reports", description: "", markets: ["US"], client: clientID, serverToServer: true,
                permissions: [], appOnlyPermissions: ["Reports.Read.All"]
            ))
            let appID = try #require(app["id"] as? String)
            let submitted = try object(try await commands.submitApp(seller: email, id: appID))
            let reviewer = try #require(try await api.send(.get, "/api/v1/sellers/me", token: operatorToken).string("email"))
            _ = try await commands.reviewApp(reviewer: reviewer, id: appID, approve: true, reason: nil, revision: submitted["revision"] as? Int)

            let form = "grant_type=client_credentials&tenant=\(tenant)"
            #expect(try await api.token(clientID, secret, form: form).status == .badRequest, "not installed yet")
            #expect(try object(try await commands.install(tenant: tenant, app: appID))["appId"] as? String == appID)
            #expect(try await text.listInstallations(tenant: tenant).hasPrefix(appID))
            #expect(try object(try await commands.consentAppOnly(tenant: tenant, app: appID))["permissions"] as? [String] == ["Reports.Read.All"])
            let granted = try await api.token(clientID, secret, form: form)
            #expect(granted.status == .ok, "\(granted.body)")

            #expect(try await commands.uninstall(tenant: tenant, app: appID) == "{}")
            #expect(try await api.token(clientID, secret, form: form).status == .badRequest)
            #expect(try await text.deleteUser(tenant: tenant, user: userID) == "deleted user \(userID)")
            #expect(try await text.listUsers(tenant: tenant).isEmpty)
            await #expect(throws: DomainError.self) { try await text.listUsers(tenant: "not-a-tenant") }
        }
    }
}
