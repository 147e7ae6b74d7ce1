import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LatchkeyCore
import LatchkeyServer
import LatchkeyStorage
import Logging
import SQLKit
import NIOCore
import Synchronization
import Testing

/// A clock the tests move by hand, to reach a secret's start or end without waiting.
final class TestClock: Sendable {
    private let current: Mutex<Date>

    init(at start: Date = Date()) {
        current = Mutex(start)
    }

    var now: Date { current.withLock { $0 } }

    func advance(by interval: TimeInterval) {
        current.withLock { $0 += interval }
    }

    var clock: Clock { { self.now } }
}

/// One server per test: SQLite in a fresh temporary directory, or, when
/// `LATCHKEY_TEST_POSTGRES_URL` is set, the PostgreSQL database it names (tests then keep apart
/// by using their own sellers).
struct Harness {
    static let postgresURL = ProcessInfo.processInfo.environment["LATCHKEY_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }
    /// A fixed key, so that every test, in this run and the next on the same database, can open
    /// the signing key the first one stored.
    static let masterKey = Array(repeating: UInt8(0x4c), count: SecretSealer.keyByteCount)

    var clock = TestClock()
    /// A data directory to start from (copied): an earlier release's, for upgrades. Always
    /// SQLite, whatever the suite runs on.
    var fixture: URL?
    var secretCap = 5
    var activationDelay: TimeInterval = 0
    /// `.live` serves on a real port, for clients that make their own HTTP requests.
    var mode: TestingSetup = .router
    var metricsToken: String?
    /// Whether this test's server delivers events and expiry notices. On PostgreSQL all tests
    /// share one outbox, so only the events tests (which run one at a time) deliver.
    var deliversEvents = false
    /// Off unless a test is about them: suites sign the same seller in many times a minute.
    var rateLimits = RateLimits.off
    /// Whether the test needs a database no other test writes to: on PostgreSQL a sibling
    /// database made for it and dropped after (the SQLite run gives every test its own anyway).
    var ownDatabase = false
    /// Any other setting a test needs.
    var adjust: @Sendable (inout Configuration) -> Void = { _ in }

    func run(_ test: @Sendable (API, TestClock) async throws -> Void) async throws {
        if ownDatabase, let shared = Self.postgresURL {
            try await SiblingDatabase.with(shared) { url in try await run(on: url, test) }
        } else {
            try await run(on: Self.postgresURL, test)
        }
    }

    private func run(on databaseURL: String?, _ test: @Sendable (API, TestClock) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("latchkey-test-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        var configuration = Configuration(
            publicURL: "https://login.example.test", dataDirectory: directory.path, databaseURL: databaseURL, masterKey: databaseURL == nil ? nil : Self.masterKey,
            secretCap: secretCap, secretActivationDelay: activationDelay, passwordHashCost: 4,
            lastUsedFlushInterval: .milliseconds(50)
        )
        // Sixty servers share one PostgreSQL in the parallel run: small pools.
        configuration.databasePool = 3
        configuration.eventPollInterval = .milliseconds(50)
        configuration.expiryScanInterval = .milliseconds(50)
        configuration.metricsToken = metricsToken
        configuration.deliversEvents = deliversEvents
        configuration.rateLimits = rateLimits
        configuration.extraSiteHosts = ["sites.fabrikam.example"]
        // Events and webhooks go to receivers the tests run on this machine.
        configuration.allowLoopbackCallbacks = true
        if let fixture {
            try FileManager.default.copyItem(at: fixture, to: directory)
            // Git keeps no modes: the key file is private again, as the release left it.
            try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: directory.path)
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: directory.appendingPathComponent("master.key").path)
            configuration.databaseURL = nil
            configuration.masterKey = nil
        }
        adjust(&configuration)
        var logger = Logger(label: "latchkey-test")
        logger.logLevel = .warning
        let latchkey = try await Latchkey.open(configuration: configuration, logger: logger, clock: clock.clock)
        let clock = self.clock
        do {
            let app = try await buildApplication(latchkey, logger: logger)
            try await app.test(mode) { client in
                try await test(API(client: client, latchkey: latchkey), clock)
            }
        } catch {
            try? await latchkey.close()
            throw error
        }
        // Router tests run no services, so the database's own shutdown never comes.
        try await latchkey.close()
    }

    /// Two nodes on one database (the same SQLite file, or the PostgreSQL database), each with
    /// its own caches and change feed, served live. Caches live ten minutes, and as long while a
    /// node does not follow notices (unless a test sets `cacheTTLUnfollowed`), so that only
    /// change notices can carry a change from one node to the other in the time a test allows.
    func runTwoNodes(
        cacheTTLUnfollowed: Duration = .seconds(600), deliversEvents: Bool = false, _ test: @Sendable (_ a: API, _ b: API, TestClock) async throws -> Void
    ) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("latchkey-test-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        var configuration = Configuration(
            publicURL: "https://login.example.test", dataDirectory: directory.path, databaseURL: Self.postgresURL,
            masterKey: Self.masterKey, passwordHashCost: 4, cacheTTL: .seconds(600), cacheTTLUnfollowed: cacheTTLUnfollowed
        )
        configuration.databasePool = 3
        configuration.noticeHeartbeat = .seconds(1)
        configuration.eventPollInterval = .milliseconds(50)
        configuration.expiryScanInterval = .milliseconds(50)
        configuration.deliversEvents = deliversEvents
        configuration.rateLimits = .off
        configuration.extraSiteHosts = ["sites.fabrikam.example"]
        configuration.allowLoopbackCallbacks = true
        var logger = Logger(label: "latchkey-test")
        logger.logLevel = .error
        let nodeA = try await Latchkey.open(configuration: configuration, logger: logger, clock: clock.clock)
        let nodeB = try await Latchkey.open(configuration: configuration, logger: logger, clock: clock.clock)
        let clock = self.clock
        let appA = try await buildApplication(nodeA, logger: logger)
        let appB = try await buildApplication(nodeB, logger: logger)
        try await appA.test(.live) { clientA in
            try await appB.test(.live) { clientB in
                try await test(API(client: clientA, latchkey: nodeA), API(client: clientB, latchkey: nodeB), clock)
            }
        }
    }
}

/// A PostgreSQL database of a test's own, beside the shared one: made, handed over, dropped.
enum SiblingDatabase {
    static func with(_ sharedURL: String, _ body: (String) async throws -> Void) async throws {
        let name = "latchkey_own_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        let admin = try PostgresProvider(url: sharedURL, maximumConnections: 1, logger: Logger(label: "latchkey-test"))
        try await admin.read { db in try await db.raw("CREATE DATABASE \(unsafeRaw: name)").run() }
        var url = URLComponents(string: sharedURL)!
        url.path = "/" + name
        do {
            try await body(url.string!)
        } catch {
            try? await admin.read { db in try await db.raw("DROP DATABASE \(unsafeRaw: name) WITH (FORCE)").run() }
            try? await admin.close()
            throw error
        }
        try await admin.read { db in try await db.raw("DROP DATABASE \(unsafeRaw: name) WITH (FORCE)").run() }
        try await admin.close()
    }
}

/// A reply, with its body kept as text so that tests can also check what it does not contain.
struct Reply: Sendable {
    let status: HTTPResponse.Status
    let headers: HTTPFields
    let body: String

    var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:]
    }

    subscript(key: String) -> Any? { json[key] }

    func string(_ key: String) -> String? { json[key] as? String }

    /// The `field` of each issue in an API error.
    var issueFields: Set<String> {
        Set((json["issues"] as? [[String: Any]] ?? []).compactMap { $0["field"] as? String })
    }

    var issueCodes: Set<String> {
        Set((json["issues"] as? [[String: Any]] ?? []).compactMap { $0["code"] as? String })
    }
}

struct API: Sendable {
    let client: any TestClientProtocol
    /// The server's core services, for what only the CLI does (making operators).
    let latchkey: Latchkey
    /// The tenant each enabled client's app is installed in.
    let tenants = TenantBook()

    func send(
        _ method: HTTPRequest.Method, _ path: String, token: String? = nil, json: [String: any Sendable]? = nil,
        body: String? = nil, headers: HTTPFields = [:]
    ) async throws -> Reply {
        var headers = headers
        var buffer: ByteBuffer?
        if let json {
            headers[.contentType] = "application/json"
            buffer = ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: json))
        } else if let body {
            buffer = ByteBuffer(string: body)
        }
        if let token { headers[.authorization] = "Bearer \(token)" }
        let response = try await client.execute(uri: path, method: method, headers: headers, body: buffer)
        return Reply(status: response.status, headers: response.headers, body: String(buffer: response.body))
    }

    /// Signs a new seller up and returns an API token.
    func newSeller(password: String = "correct horse battery") async throws -> (token: String, email: String) {
        let email = "seller-\(UUID().uuidString.prefix(8).lowercased())@contoso.example"
        let created = try await send(.post, "/api/v1/sellers", json: ["email": email, "password": password, "displayName": "Contoso"])
        #expect(created.status == .accepted, "\(created.body)")
        let token = try await send(.post, "/api/v1/tokens", json: ["email": email, "password": password])
        #expect(token.status == .created, "\(token.body)")
        return (try #require(token.string("token")), email)
    }

    /// A new API token for a seller made by `newSeller`.
    func signIn(_ email: String, password: String = "correct horse battery") async throws -> String {
        try #require(try await send(.post, "/api/v1/tokens", json: ["email": email, "password": password]).string("token"))
    }

    func newClient(token: String, _ fields: [String: any Sendable] = [:]) async throws -> (id: String, secret: String, reply: Reply) {
        var body: [String: any Sendable] = ["friendlyName": "calendar app", "appDomain": "app.contoso.com", "redirectUrl": "https://app.contoso.com/auth"]
        body.merge(fields) { $1 }
        let reply = try await send(.post, "/api/v1/clients", token: token, json: body)
        #expect(reply.status == .created, "\(reply.body)")
        let id = try #require(reply.string("clientId"))
        let secret = try #require((reply["secret"] as? [String: Any])?["value"] as? String)
        return (id, secret, reply)
    }

    /// Asks for a client-credentials token with client_secret_basic, for the tenant the client's
    /// app was installed in by `enable` (when it was).
    func token(_ clientID: String, _ secret: String, form: String = "grant_type=client_credentials") async throws -> Reply {
        let basic = Data("\(clientID):\(secret)".utf8).base64EncodedString()
        var form = form
        if let tenant = tenants.tenant(of: clientID.lowercased()), !form.contains("tenant=") { form += "&tenant=\(tenant)" }
        return try await send(
            .post, "/oauth2/token", body: form,
            headers: [.authorization: "Basic \(basic)", .contentType: "application/x-www-form-urlencoded"]
        )
    }
}

/// A JSON body without when secrets were last used (written in the background, not by the
/// request at hand), keys sorted: what the owner of an object sees of it, to compare.
func withoutLastUse(_ body: String) -> String {
    func strip(_ value: Any) -> Any {
        if let object = value as? [String: Any] {
            return object.filter { $0.key != "lastUsedAt" }.mapValues(strip)
        }
        if let array = value as? [Any] { return array.map(strip) }
        return value
    }
    guard let parsed = try? JSONSerialization.jsonObject(with: Data(body.utf8)),
        let data = try? JSONSerialization.data(withJSONObject: strip(parsed), options: [.sortedKeys])
    else { return body }
    return String(decoding: data, as: UTF8.self)
}
