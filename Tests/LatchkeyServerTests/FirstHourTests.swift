import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LatchkeyCore
@testable import LatchkeyServer
import Logging
import Testing

/// What a new operator meets in the first hour: the home page, the start-up lines, the access
/// log and request ids, the command line's answers, and a master key that is never silently
/// replaced.
@Suite("The first hour: home page, start-up, access log, command line, master key")
struct FirstHourTests {
    @Test func timesShowTwoDigitMinutes() throws {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let date = try #require(calendar.date(from: DateComponents(year: 2026, month: 12, day: 7, hour: 11, minute: 5)))
        #expect(DisplayDate.format(date) == "7 Dec 2026 at 11:05 UTC")
        #expect(DisplayDate.format(date.addingTimeInterval(-11 * 3600 - 5 * 60)) == "7 Dec 2026 at 00:00 UTC")
        #expect(DisplayDate.format(nil as Date?) == "never")
    }

    @Test func theHomePageSaysWhereToGo() async throws {
        try await Harness().run { api, _ in
            let reply = try await api.send(.get, "/")
            #expect(reply.status == .ok)
            #expect(reply.headers[.contentType] == "text/html; charset=utf-8")
            #expect(reply.headers[.setCookie] == nil, "a visit creates no session")
            for link in ["/dashboard", "/account", "/.well-known/openid-configuration", "/api/v1/openapi.json", "/.well-known/jwks.json"] {
                #expect(reply.body.contains("href=\"\(link)\""), "\(link)")
            }
            #expect(reply.body.contains("https://login.example.test"))
            #expect(reply.body.contains("docs/operations.md"))
        }
    }

    // MARK: The binary

    static func latchkey(_ arguments: [String], environment: [String: String] = [:], stdin: String? = nil) throws -> (status: Int32, output: String, errors: String) {
        let process = Process()
        process.executableURL = TransportTests.binary
        process.arguments = arguments
        process.environment = ["PATH": "/usr/bin:/bin", "LATCHKEY_BCRYPT_COST": "4"].merging(environment) { $1 }
        let out = Pipe(), err = Pipe(), input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        let output = out.fileHandleForReading.readDataToEndOfFile()
        let errors = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self), String(decoding: errors, as: UTF8.self))
    }

    @Test func aMistypedCommandIsNamedWithTheNearest() throws {
        let root = try Self.latchkey(["clinets", "list"])
        #expect(root.status == 64)
        #expect(root.errors.contains("'clinets' is not a command of latchkey. Did you mean 'clients'?"), "\(root.errors)")
        let nested = try Self.latchkey(["installations", "ad", "--tenant", "x"])
        #expect(nested.status == 64)
        #expect(nested.errors.contains("Did you mean 'add'?"), "\(nested.errors)")
        #expect(!nested.errors.contains("USAGE"))
        let version = try Self.latchkey(["--version"])
        #expect(version.status == 0 && version.output == latchkeyVersion + "\n")
    }

    @Test func aRefusedCommandSaysWhyAndExitsOne() throws {
        let directory = try TransportTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let refused = try Self.latchkey(["users", "list", "--tenant", "nope", "--data-dir", directory.path])
        #expect(refused.status == 1)
        #expect(refused.errors == "latchkey: tenant: nope is not a tenant's id (a GUID; tenants list shows them).\n", "\(refused.errors)")
        let approve = try Self.latchkey(["apps", "approve", UUID().uuidString, "--seller", "ops@platform.example", "--data-dir", directory.path])
        #expect(approve.status == 64 && approve.errors.contains("--revision"), "approving names the revision reviewed: \(approve.errors)")
    }

    static func waitForHealth(port: Int) async throws {
        for _ in 0..<300 {
            if try curl(["http://127.0.0.1:\(port)/healthz"]).headers.hasPrefix("HTTP/1.1 200") { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("the server never answered on port \(port)")
    }

    /// curl's answer: the response headers, lower-cased names and all.
    static func curl(_ arguments: [String]) throws -> (headers: String, status: Int32) {
        let run = try TransportTests.run("/usr/bin/curl", ["-s", "-o", "/dev/null", "-D", "-", "--max-time", "5"] + arguments)
        return (run.output, run.status)
    }

    static func header(_ name: String, in headers: String) -> String? {
        headers.split(separator: "\r\n").first { $0.lowercased().hasPrefix(name.lowercased() + ":") }
            .map { String($0.dropFirst(name.count + 1)).trimmingCharacters(in: .whitespaces) }
    }

    /// Starts `latchkey serve` and reads its output until `until` appears (or it ends).
    static func serveUntil(_ environment: [String: String], _ until: String) async throws -> (Process, String) {
        let (process, pipe) = try await TransportTests.serve(environment)
        // A read waits for output: a server that never says `until` is stopped, which ends it.
        let watchdog = Task {
            try await Task.sleep(for: .seconds(30))
            if process.isRunning { process.terminate() }
        }
        defer { watchdog.cancel() }
        var output = ""
        let deadline = ContinuousClock.now + .seconds(30)
        while !output.contains(until) && process.isRunning && ContinuousClock.now < deadline {
            let chunk = pipe.fileHandleForReading.availableData
            if chunk.isEmpty { try await Task.sleep(for: .milliseconds(50)) }
            output += String(decoding: chunk, as: UTF8.self)
        }
        return (process, output)
    }

    @Test func startUpSaysWhereItServesAndHowToBegin() async throws {
        let directory = try TransportTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let port = try LoopbackSocket.freePort()
        let environment = ["LATCHKEY_DATA_DIR": directory.path, "LATCHKEY_PORT": String(port), "LATCHKEY_LOG_LEVEL": "info", "LATCHKEY_LOG_FORMAT": "text"]
        let (process, output) = try await Self.serveUntil(environment, "operators create")
        process.terminate()
        process.waitUntilExit()
        #expect(output.contains("serving http://127.0.0.1:\(port) as issuer http://127.0.0.1:\(port), data in SQLite at \(directory.path)/latchkey.sqlite"), "\(output)")
        #expect(output.contains("no operator yet"))
        #expect(output.contains("operators create --email EMAIL --display-name NAME --password-stdin"))
        #expect(!output.contains("applied migration"), "migrations speak at debug")

        // With an operator, the hint is gone.
        _ = try Self.latchkey(["operators", "create", "--email", "ops@platform.example", "--display-name", "Ops", "--data-dir", directory.path])
        let (again, second) = try await Self.serveUntil(environment, "serving")
        try await Task.sleep(for: .milliseconds(300))
        again.terminate()
        again.waitUntilExit()
        #expect(second.contains("serving") && !second.contains("no operator yet"), "\(second)")
    }

    @Test func eachRequestIsLoggedOnceWithItsRequestID() async throws {
        let directory = try TransportTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let port = try LoopbackSocket.freePort()
        let (process, pipe) = try await TransportTests.serve([
            "LATCHKEY_DATA_DIR": directory.path, "LATCHKEY_PORT": String(port), "LATCHKEY_LOG_LEVEL": "info", "LATCHKEY_LOG_FORMAT": "json",
        ])
        defer { if process.isRunning { process.terminate() } }
        try await Self.waitForHealth(port: port)
        let base = "http://127.0.0.1:\(port)"

        let echoed = try Self.curl(["-H", "X-Request-Id: trace-0123:abc", "\(base)/healthz"])
        #expect(Self.header("X-Request-Id", in: echoed.headers) == "trace-0123:abc", "\(echoed.headers)")

        let replaced = try Self.curl(["-H", "X-Request-Id: bad id\" injected", "\(base)/healthz"])
        let generated = try #require(Self.header("X-Request-Id", in: replaced.headers))
        #expect(generated != "bad id\" injected" && !generated.isEmpty)

        // A token request whose secret and code must never reach the log.
        _ = try Self.curl([
            "-u", "5f0c0000-0000-0000-0000-000000000000:secret-value-xyz", "-d", "grant_type=authorization_code&code=body-code-value",
            "\(base)/oauth2/token?code=query-code-value",
        ])

        process.terminate()
        process.waitUntilExit()
        let lines = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).split(separator: "\n")
        let requests = try lines.compactMap { line -> [String: String]? in
            guard let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String] else { return nil }
            return object["message"] == "request" ? object : nil
        }
        let first = try #require(requests.first { $0["hb.request.id"] == "trace-0123:abc" })
        #expect(first["method"] == "GET" && first["route"] == "/healthz" && first["status"] == "200" && first["client"] == "127.0.0.1")
        #expect(Double(first["ms"] ?? "") != nil)
        #expect(requests.filter { $0["hb.request.id"] == "trace-0123:abc" }.count == 1, "one line per request")
        #expect(requests.contains { $0["hb.request.id"] == generated })
        let tokenLine = try #require(requests.first { $0["route"] == "/oauth2/token" })
        #expect(tokenLine["status"] == "401")
        let everything = lines.joined(separator: "\n")
        for secret in ["secret-value-xyz", "query-code-value", "body-code-value", "Basic "] {
            #expect(!everything.contains(secret), "\(secret) is in the log")
        }
    }

    @Test func theAccessLogCanBeTurnedOff() async throws {
        let directory = try TransportTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let port = try LoopbackSocket.freePort()
        let (process, pipe) = try await TransportTests.serve([
            "LATCHKEY_DATA_DIR": directory.path, "LATCHKEY_PORT": String(port), "LATCHKEY_LOG_LEVEL": "info", "LATCHKEY_ACCESS_LOG": "false",
        ])
        try await Self.waitForHealth(port: port)
        process.terminate()
        process.waitUntilExit()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(output.contains("serving") && !output.contains("\"message\":\"request\""), "\(output)")
    }

    @Test func aMissingMasterKeyBesideSealedDataStopsStartUp() async throws {
        let directory = try TransportTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        // A database that has served holds its signing keys, sealed.
        let latchkey = try await Latchkey.open(configuration: Configuration(dataDirectory: directory.path, passwordHashCost: 4), logger: logger)
        _ = try await buildApplication(latchkey, logger: logger)
        try await latchkey.close()
        let keyFile = directory.appendingPathComponent("master.key").path
        try FileManager.default.removeItem(atPath: keyFile)

        let run = try Self.latchkey(["migrate", "--data-dir", directory.path])
        #expect(run.status == 78)
        #expect(run.errors.contains("master.key is missing, but the database beside it holds client secrets and signing keys sealed under it"), "\(run.errors)")
        #expect(run.errors.contains("Restore master.key from your backup"))
        #expect(!FileManager.default.fileExists(atPath: keyFile), "no new key was generated")
    }
}
