import Foundation
import HTTPTypes
import HummingbirdBcrypt
import LatchkeyCore
@testable import LatchkeyServer
import LatchkeyStorage
import SQLKit
import Logging
import Testing

/// The defects a security review found, each shown fixed (issue 9; defect 9 is `SpoofingTests`).
@Suite("Hardening: the review's defects")
struct HardeningTests {
    /// Every row of the sessions table: key, value, expiry.
    func sessionRows(_ api: API) async throws -> [(key: String, value: String, expiresAt: Double?)] {
        try await api.latchkey.database.read { db in
            try await db.select().columns("key", "value", "expires_at").from("key_values").all().map {
                (try $0.decode(column: "key", as: String.self), try $0.decode(column: "value", as: String.self), try $0.decode(column: "expires_at", as: Double?.self))
            }
        }
    }

    /// The session id a browser holds.
    func sessionID(_ browser: BrowserSession) -> String? {
        browser.cookie.flatMap { $0.split(separator: "=", maxSplits: 1).last.map(String.init) }
    }

    func signInToDashboard(_ browser: BrowserSession, email: String) async throws -> Reply {
        let page = try await browser.get("/dashboard/signin")
        return try await browser.post("/dashboard/signin", [("_csrf", BrowserSession.csrf(in: page.body)), ("email", email), ("password", "correct horse battery")])
    }

    // MARK: 1, 2, 11: sessions

    /// Defect 1: a session that expired or was removed is never written back, and none is
    /// written without an expiry.
    @Test func sessionsAreNeverResurrectedNorImmortal() async throws {
        // A database of its own: a value live by this test's clock is expired by the clock of
        // another test that moved its own two years on, and any session it writes sweeps it.
        var harness = Harness()
        harness.ownDatabase = true
        try await harness.run { api, _ in
            let store = SQLKeyValueStore(provider: api.latchkey.database)
            let now = Date()
            let key = "test-\(UUID().uuidString)"
            #expect(try await store.create(key: key, value: "{}", expiresAt: now.addingTimeInterval(60), now: now))
            #expect(try await store.update(key: key, value: "{\"a\":1}", now: now))
            try await store.remove(key: key)
            #expect(try await store.update(key: key, value: "{\"stolen\":1}", now: now) == false)
            #expect(try await store.get(key: key, now: now) == nil)

            #expect(try await store.create(key: key, value: "{}", expiresAt: now.addingTimeInterval(60), now: now))
            #expect(try await store.update(key: key, value: "{}", now: now.addingTimeInterval(61)) == false)
            #expect(try await store.get(key: key, now: now.addingTimeInterval(61)) == nil)

            let (_, email) = try await api.newSeller()
            let browser = BrowserSession(api: api)
            _ = try await signInToDashboard(browser, email: email)
            let rows = try await sessionRows(api)
            #expect(!rows.isEmpty && rows.allSatisfy { $0.expiresAt != nil })
        }
    }

    /// Defect 2: signing in again ends the session the browser had (a cookie copied before is
    /// worth nothing); the table holds digests of session ids, never the ids.
    @Test func signingInAgainEndsThePreviousSession() async throws {
        try await Harness().run { api, _ in
            let (_, email) = try await api.newSeller()
            let browser = BrowserSession(api: api)
            _ = try await signInToDashboard(browser, email: email)
            let first = try #require(sessionID(browser))
            #expect(try await browser.get("/dashboard/clients").status == .ok)
            let thief = BrowserSession(api: api, cookie: browser.cookie)
            #expect(try await thief.get("/dashboard/clients").status == .ok)

            // Signing out and in again on the same browser.
            let signOutForm = try await browser.get("/dashboard/clients")
            _ = try await browser.post("/dashboard/signout", [("_csrf", BrowserSession.csrf(in: signOutForm.body))])
            _ = try await signInToDashboard(browser, email: email)
            let second = try #require(sessionID(browser))
            #expect(second != first)
            #expect(try await browser.get("/dashboard/clients").status == .ok)
            let stolen = try await thief.get("/dashboard/clients")
            #expect((300..<400).contains(stolen.status.code) && stolen.headers[.location] == "/dashboard/signin")

            for row in try await sessionRows(api) {
                #expect(!row.key.contains(first) && !row.key.contains(second) && !row.value.contains(first) && !row.value.contains(second))
            }
        }
    }

    /// Defect 11: pages without a form leave no session behind.
    @Test func anonymousVisitsCreateNoSessions() async throws {
        try await Harness().run { api, _ in
            let before = try await sessionRows(api).count
            for path in ["/account", "/dashboard/clients", "/account/organization", "/dashboard", "/oauth2/authorize?client_id=nobody", "/.well-known/openid-configuration"] {
                let reply = try await api.send(.get, path)
                #expect(reply.headers[.setCookie] == nil, "\(path)")
            }
            // On PostgreSQL every test shares the table, and others sign in meanwhile: only a
            // database of its own shows that none of these requests wrote a row.
            if Harness.postgresURL == nil {
                #expect(try await sessionRows(api).count == before)
            }
            // A sign-in form needs one.
            let form = try await api.send(.get, "/signin")
            #expect(form.headers[.setCookie]?.hasPrefix("latchkey_session=") == true)
        }
    }

    // MARK: 3: API tokens

    @Test func apiTokensExpireAndCanBeListedAndRevoked() async throws {
        try await Harness().run { api, clock in
            let (first, email) = try await api.newSeller()
            let issued = try await api.send(.post, "/api/v1/tokens", json: ["email": email, "password": "correct horse battery", "expiresInDays": 90])
            let second = try #require(issued.string("token"))
            let secondID = try #require(issued.string("id"))
            let expiresText = try #require(issued.string("expiresAt"))
            let expires = try #require(ISO8601DateFormatter().date(from: expiresText))
            #expect(abs(expires.timeIntervalSince(clock.now) - 90 * 86_400) < 5)
            let tooLong = try await api.send(.post, "/api/v1/tokens", json: ["email": email, "password": "correct horse battery", "expiresInDays": 400])
            #expect(tooLong.status == .unprocessableContent && tooLong.issueFields == ["expiresInDays"])

            let listed = try await api.send(.get, "/api/v1/tokens", token: first)["tokens"] as? [[String: Any]] ?? []
            #expect(listed.count == 2 && listed.filter { $0["current"] as? Bool == true }.count == 1)
            #expect(!String(describing: listed).contains(second) && !String(describing: listed).contains(first))

            // Another seller cannot revoke it; the owner can, by id.
            let (stranger, _) = try await api.newSeller()
            #expect(try await api.send(.delete, "/api/v1/tokens/\(secondID)", token: stranger).status == .notFound)
            #expect(try await api.send(.get, "/api/v1/sellers/me", token: second).status == .ok)
            #expect(try await api.send(.delete, "/api/v1/tokens/\(secondID)", token: first).status == .noContent)
            #expect(try await api.send(.get, "/api/v1/sellers/me", token: second).status == .unauthorized)

            // The default lifetime is 30 days.
            clock.advance(by: 31 * 86_400)
            #expect(try await api.send(.get, "/api/v1/sellers/me", token: first).status == .unauthorized)

            // Revoking all ends every one, the one it is sent with too.
            let a = try await api.signIn(email)
            let b = try await api.signIn(email)
            #expect(try await api.send(.delete, "/api/v1/tokens", token: a).status == .noContent)
            #expect(try await api.send(.get, "/api/v1/sellers/me", token: a).status == .unauthorized)
            #expect(try await api.send(.get, "/api/v1/sellers/me", token: b).status == .unauthorized)
            #expect(try await api.send(.get, "/api/v1/sellers/me", token: stranger).status == .unauthorized, "the stranger's token was 31 days old too")
        }
    }

    @Test func theDashboardListsAndRevokesAPITokens() async throws {
        try await Harness().run { api, _ in
            let (token, email) = try await api.newSeller()
            let browser = BrowserSession(api: api)
            _ = try await signInToDashboard(browser, email: email)
            let page = try await browser.get("/dashboard/tokens")
            #expect(page.status == .ok && page.body.contains("revoke all tokens") && !page.body.contains(token))
            _ = try await browser.post("/dashboard/tokens/revoke-all", [("_csrf", BrowserSession.csrf(in: page.body))])
            #expect(try await browser.get("/dashboard/tokens").body.contains("1 token was revoked."))
            #expect(try await api.send(.get, "/api/v1/sellers/me", token: token).status == .unauthorized)
        }
    }

    // MARK: 4, 5: review

    @Test func approvalFollowsWhatWasReviewed() async throws {
        try await Harness().run { api, _ in
            let operatorToken = try await api.operatorToken()
            let (seller, _) = try await api.newSeller()
            let (clientID, _, _) = try await api.newClient(token: seller)
            let appID = try await api.approvedApp(clientID: clientID, sellerToken: seller, operatorToken: operatorToken)

            // A new name puts it back into review with a new revision.
            let renamed = try await api.send(.patch, "/api/v1/apps/\(appID)", token: seller, json: ["name": "Trip Planner"])
            let reviewed = try #require(renamed["revision"] as? Int)
            #expect(renamed.string("status") == "submitted")
            // Changed again while in the queue: the revision the operator saw is not approved.
            _ = try await api.send(.patch, "/api/v1/apps/\(appID)", token: seller, json: ["description": "Now with ads."])
            let stale = try await api.send(.post, "/api/v1/apps/\(appID)/approve", token: operatorToken, json: ["revision": reviewed])
            #expect(stale.status == .conflict && stale.issueFields == ["revision"])
            let current = try #require(try await api.send(.get, "/api/v1/apps/\(appID)", token: seller)["revision"] as? Int)
            #expect(try await api.send(.post, "/api/v1/apps/\(appID)/approve", token: operatorToken, json: ["revision": current]).string("status") == "approved")

            // The Client ID's redirect URL or domain is part of what was approved.
            let moved = try await api.send(.patch, "/api/v1/clients/\(clientID)", token: seller, json: ["redirectUrl": "https://app.contoso.com/other"])
            #expect(moved.status == .ok)
            let after = try await api.send(.get, "/api/v1/apps/\(appID)", token: seller)
            #expect(after.string("status") == "submitted" && after["revision"] as? Int == current + 1)
            // A friendly name is the seller's own label: no review.
            let approvedAgain = try await api.send(.post, "/api/v1/apps/\(appID)/approve", token: operatorToken, json: ["revision": current + 1])
            #expect(approvedAgain.string("status") == "approved")
            _ = try await api.send(.patch, "/api/v1/clients/\(clientID)", token: seller, json: ["friendlyName": "renamed"])
            #expect(try await api.send(.get, "/api/v1/apps/\(appID)", token: seller).string("status") == "approved")
        }
    }

    @Test func operatorsDoNotReviewTheirOwnAppsAndStayAnonymousInSellersLogsButNotTheirOwn() async throws {
        try await Harness().run { api, _ in
            let operatorToken = try await api.operatorToken()
            let own = try await api.send(.post, "/api/v1/apps", token: operatorToken, json: ["name": "Ops tool", "markets": ["US"]])
            let ownID = try #require(own.string("id"))
            let submitted = try await api.send(.post, "/api/v1/apps/\(ownID)/submit", token: operatorToken)
            let refused = try await api.send(.post, "/api/v1/apps/\(ownID)/approve", token: operatorToken, json: ["revision": submitted["revision"] as? Int ?? 0])
            #expect(refused.status == .forbidden)

            let (seller, _) = try await api.newSeller()
            let (clientID, _, _) = try await api.newClient(token: seller)
            let appID = try await api.approvedApp(clientID: clientID, sellerToken: seller, operatorToken: operatorToken)
            let entries = try await api.send(.get, "/api/v1/audit", token: seller)["entries"] as? [[String: Any]] ?? []
            let approval = try #require(entries.first { $0["action"] as? String == "app.approve" && $0["objectId"] as? String == appID })
            #expect(approval["actor"] as? String == "platform operator" && approval["sourceIp"] == nil)
            #expect(!String(describing: entries).contains("@platform.example"))
            // The operator's own log says which operator it was.
            let operators = try await api.send(.get, "/api/v1/audit", token: operatorToken)["entries"] as? [[String: Any]] ?? []
            let logged = try #require(operators.first { $0["action"] as? String == "app.approve" && $0["objectId"] as? String == appID }, "\(operators)")
            let me = try await api.send(.get, "/api/v1/sellers/me", token: operatorToken)
            #expect(logged["actor"] as? String == me.string("email") && logged["at"] as? String == approval["at"] as? String)
        }
    }

    // MARK: 6: tokens of a deleted secret

    @Test func deletingASecretEndsTheTokensItObtained() async throws {
        try await Harness().run { api, _ in
            let (seller, _) = try await api.newSeller()
            let (clientID, first, _) = try await api.newClient(token: seller)
            try await api.enable(clientID, sellerToken: seller)
            let added = try await api.send(.post, "/api/v1/clients/\(clientID)/secrets", token: seller, json: [:])
            let second = try #require(added.string("value"))
            let fromFirst = try #require(try await api.token(clientID, first).string("access_token"))
            let fromSecond = try #require(try await api.token(clientID, second).string("access_token"))
            let introspect = { (token: String) in
                try await api.send(
                    .post, "/oauth2/introspect", body: "token=\(token)",
                    headers: [.authorization: "Basic " + Data("\(clientID):\(second)".utf8).base64EncodedString(), .contentType: "application/x-www-form-urlencoded"]
                )["active"] as? Bool
            }
            #expect(try await introspect(fromFirst) == true)
            #expect(try await introspect(fromSecond) == true)
            let secrets = try await api.send(.get, "/api/v1/clients/\(clientID)", token: seller)["secrets"] as? [[String: Any]] ?? []
            let firstID = try #require(secrets.first { $0["id"] as? String != added.string("id") }?["id"] as? String)
            #expect(try await api.send(.put, "/api/v1/clients/\(clientID)/signing-secret", token: seller, json: ["secretId": added.string("id")!]).status == .ok)
            #expect(try await api.send(.delete, "/api/v1/clients/\(clientID)/secrets/\(firstID)", token: seller).status == .ok)
            #expect(try await introspect(fromFirst) == false, "the deleted secret's token ends with it")
            #expect(try await introspect(fromSecond) == true, "the other secret's token lives on")
            let rules = try await api.latchkey.revocations.revocations(after: 0, limit: 10_000_000)
            #expect(rules.contains { $0.secretID == firstID && $0.clientID == clientID })
        }
    }

    // MARK: 7: the master key file

    @Test func theMasterKeyFileIsPrivateRefusedWhenLaxAndNamedWhenWrong() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("latchkey-key-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let configuration = Configuration(dataDirectory: directory.path, passwordHashCost: 4)

        // Eight nodes starting at once on one directory agree on one key.
        let keys = try await withThrowingTaskGroup(of: [UInt8].self) { group in
            for _ in 0..<8 { group.addTask { try await MasterKey.resolve(configuration) { false } } }
            return try await group.reduce(into: Set<[UInt8]>()) { $0.insert($1) }
        }
        #expect(keys.count == 1)
        let path = directory.appendingPathComponent("master.key").path
        let mode = try #require(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
        #expect(mode == 0o600)

        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
        await #expect {
            try await MasterKey.resolve(configuration) { false }
        } throws: { error in
            String(describing: error).contains("chmod 600")
        }
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)

        // Another key for this database: said in words.
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let opened = try await Latchkey.open(configuration: configuration, logger: logger)
        _ = try await opened.rotateSigningKeys()
        try await opened.close()
        try (Data(SecretSealer.generateMasterKey()).base64EncodedString() + "\n").write(toFile: path, atomically: false, encoding: .utf8)
        await #expect {
            try await Latchkey.open(configuration: configuration, logger: logger).close()
        } throws: { error in
            String(describing: error).contains("the master key does not match this database")
        }
    }

    // MARK: 10: content types, password hashes

    @Test func jsonEndpointsRefuseOtherContentTypes() async throws {
        try await Harness().run { api, _ in
            let (seller, _) = try await api.newSeller()
            let body = #"{"friendlyName":"x","appDomain":"app.contoso.com","redirectUrl":"https://app.contoso.com/auth"}"#
            for type in ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"] {
                let reply = try await api.send(.post, "/api/v1/clients", token: seller, body: body, headers: [.contentType: type])
                #expect(reply.status == .unsupportedMediaType && reply.issueFields == ["Content-Type"], "\(type)")
            }
            let untyped = try await api.send(.post, "/api/v1/clients", token: seller, body: body)
            #expect(untyped.status == .unsupportedMediaType)
            #expect((try await api.send(.get, "/api/v1/clients", token: seller)["clients"] as? [Any])?.isEmpty == true, "nothing was created")
            let typed = try await api.send(.post, "/api/v1/clients", token: seller, body: body, headers: [.contentType: "application/json; charset=utf-8"])
            #expect(typed.status == .created)
        }
    }

    @Test func raisingTheBcryptCostRehashesAtTheNextSignIn() async throws {
        try await Harness().run { api, _ in
            let (_, email) = try await api.newSeller()
            let store = SQLSellerStore(provider: api.latchkey.database)
            #expect(try await store.seller(email: email)?.passwordHash?.hasPrefix("sha256+$2b$04$") == true)
            let stronger = SellerAccounts(sellers: store, tokens: store, hasher: BcryptHasher(cost: 5), clock: { Date() })
            #expect(try await stronger.authenticate(email: email, password: "wrong password!") == nil)
            #expect(try await store.seller(email: email)?.passwordHash?.hasPrefix("sha256+$2b$04$") == true, "a failed sign-in changes nothing")
            #expect(try await stronger.authenticate(email: email, password: "correct horse battery") != nil)
            let rehashed = try #require(try await store.seller(email: email)?.passwordHash)
            #expect(rehashed.hasPrefix("sha256+$2b$05$"))

            // A hash of the earlier form (bcrypt of the password itself) verifies once and is
            // replaced by the current form.
            let legacy = Bcrypt.hash("correct horse battery", cost: 5)
            try await store.updatePasswordHash(sellerID: try #require(try await store.seller(email: email)?.seller.id), to: legacy)
            #expect(try await stronger.authenticate(email: email, password: "correct horse battery") != nil)
            #expect(try await store.seller(email: email)?.passwordHash?.hasPrefix("sha256+$2b$05$") == true)
            // Every character of a long password counts (bcrypt alone stops at 72 bytes).
            let long = String(repeating: "long password ", count: 10)
            let (_, other) = try await api.newSeller(password: long + "A")
            #expect(try await api.send(.post, "/api/v1/tokens", json: ["email": other, "password": long + "B"]).status == .unauthorized)
            #expect(try await api.send(.post, "/api/v1/tokens", json: ["email": other, "password": long + "A"]).status == .created)
        }
    }

    // MARK: 12: headers, error shapes, methods

    @Test func everyResponseSaysNosniffAndProtocolErrorsKeepTheProtocolsShape() async throws {
        try await Harness().run { api, _ in
            let (seller, _) = try await api.newSeller()
            for reply in [
                try await api.send(.get, "/api/v1/clients", token: seller), try await api.send(.post, "/oauth2/token", body: "grant_type=x"),
                try await api.send(.get, "/.well-known/jwks.json"), try await api.send(.get, "/healthz"),
            ] {
                #expect(reply.headers[.xContentTypeOptions] == "nosniff")
            }
            let get = try await api.send(.get, "/oauth2/token")
            #expect(get.status == .methodNotAllowed && get.headers[.allow] == "POST")
            #expect(get.string("error") == "invalid_request" && get.string("error_description")?.contains("POST") == true && get["requestId"] == nil)
            let unknown = try await api.send(.post, "/oauth2/nothing-here")
            #expect(unknown.status == .notFound && unknown.string("error") == "invalid_request" && unknown.string("error_description") != nil)
            let large = try await api.send(.post, "/oauth2/token", body: String(repeating: "a=b&", count: 10_000), headers: [.contentType: "application/x-www-form-urlencoded"])
            #expect(large.status == .badRequest && large.string("error") == "invalid_request")

            let put = try await api.send(.put, "/api/v1/clients", token: seller, json: [:])
            #expect(put.status == .methodNotAllowed && put.headers[.allow] == "GET, POST" && put.string("error") == "method_not_allowed")
            let onOne = try await api.send(.post, "/api/v1/clients/\(UUID().uuidString.lowercased())", token: seller, json: [:])
            #expect(onOne.status == .methodNotAllowed && onOne.headers[.allow] == "DELETE, GET, PATCH")
            #expect(try await api.send(.get, "/api/v1/nothing", token: seller).status == .notFound)

            // Found by the fuzz generator: a page form larger than any form was a 500.
            let huge = try await api.send(.post, "/oauth2/authorize", body: "a=" + String(repeating: "x", count: 70_000), headers: [.contentType: "application/x-www-form-urlencoded"])
            #expect(huge.status == .contentTooLarge && huge.body.contains("This form is too large"))
        }
    }
}
