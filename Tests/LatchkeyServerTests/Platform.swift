import Foundation
import HTTPTypes
import LatchkeyCore
import Synchronization
import Testing

/// Which tenant a test's client was enabled in.
final class TenantBook: Sendable {
    private let byClient = Mutex<[String: String]>([:])

    func tenant(of clientID: String) -> String? { byClient.withLock { $0[clientID] } }
    func record(_ tenant: String, for clientID: String) { byClient.withLock { $0[clientID] = tenant } }
}

/// An approved app with its tenant, as `API.enable` and `API.delegatedApp` leave them.
struct EnabledApp: Sendable {
    let appID: String
    let tenantID: String
    let operatorToken: String
}

extension API {
    /// An operator's API token (operators are made offline, as the CLI does).
    func operatorToken() async throws -> String {
        let seller = try await latchkey.accounts.register(
            email: "operator-\(UUID().uuidString.prefix(8).lowercased())@platform.example", displayName: "Platform review", password: nil,
            role: .operator, passwordRequired: false, sourceIP: nil
        )
        return try await latchkey.accounts.issueToken(for: seller, sourceIP: nil).value
    }

    /// Defines a platform permission (PUT is idempotent, so tests on one database share it).
    func definePermission(_ name: String, operatorToken: String, appOnly: Bool = false, adminConsentRequired: Bool = false, description: String? = nil) async throws {
        let reply = try await send(
            .put, "/api/v1/permissions/\(name)", token: operatorToken,
            json: ["description": description ?? "Read \(name)", "appOnly": appOnly, "adminConsentRequired": adminConsentRequired]
        )
        #expect(reply.status == .ok, "\(reply.body)")
    }

    /// Creates, submits and approves an app tied to the client.
    func approvedApp(
        clientID: String, sellerToken: String, operatorToken: String, serviceApp: Bool = true, china: Bool = false,
        permissions: [String] = [], appOnlyPermissions: [String] = []
    ) async throws -> String {
        let created = try await send(.post, "/api/v1/apps", token: sellerToken, json: [
            "name": "Trip Calendar", "description": "Your trips on your calendar.", "markets": china ? ["CN"] : ["US", "FR"],
            "requiresServerToServerAuth": serviceApp, "clientId": clientID, "permissions": permissions, "appOnlyPermissions": appOnlyPermissions,
        ])
        #expect(created.status == .created, "\(created.body)")
        let appID = try #require(created.string("id"))
        #expect(try await send(.post, "/api/v1/apps/\(appID)/submit", token: sellerToken).status == .ok)
        let approved = try await send(.post, "/api/v1/apps/\(appID)/approve", token: operatorToken, json: [:])
        #expect(approved.status == .ok, "\(approved.body)")
        return appID
    }

    func newTenant(operatorToken: String, region: String = "worldwide") async throws -> String {
        let reply = try await send(.post, "/api/v1/tenants", token: operatorToken, json: ["displayName": "Fabrikam", "region": region])
        #expect(reply.status == .created, "\(reply.body)")
        return try #require(reply.string("id"))
    }

    func install(_ appID: String, in tenantID: String, operatorToken: String) async throws {
        let reply = try await send(.post, "/api/v1/tenants/\(tenantID)/installations", token: operatorToken, json: ["appId": appID])
        #expect(reply.status == .created, "\(reply.body)")
    }

    /// SPEC §1: what a client needs before client credentials give it a token — an approved
    /// service app, installed in a tenant whose admin consented to its app-only permission.
    @discardableResult
    func enable(_ clientID: String, sellerToken: String, china: Bool = false) async throws -> EnabledApp {
        let operatorToken = try await operatorToken()
        try await definePermission("Calendars.Read.All", operatorToken: operatorToken, appOnly: true)
        let appID = try await approvedApp(clientID: clientID, sellerToken: sellerToken, operatorToken: operatorToken, china: china, appOnlyPermissions: ["Calendars.Read.All"])
        let tenantID = try await newTenant(operatorToken: operatorToken, region: china ? "china" : "worldwide")
        try await install(appID, in: tenantID, operatorToken: operatorToken)
        let consent = try await send(.post, "/api/v1/tenants/\(tenantID)/installations/\(appID)/app-only-consent", token: operatorToken)
        #expect(consent.status == .ok, "\(consent.body)")
        tenants.record(tenantID, for: clientID.lowercased())
        return EnabledApp(appID: appID, tenantID: tenantID, operatorToken: operatorToken)
    }
}
