import Foundation
import HTTPTypes
import LatchkeyServer
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// What an operator meets starting `latchkey serve`, and what the network sees of it: rate
/// limits, slow clients, TLS, a database that is down, a port that is taken.
@Suite("Transport, limits and start-up", .serialized)
struct TransportTests {
    // MARK: Rate limits

    @Test func tokenRequestsPastAClientsLimitAreRefusedWith429AndRetryAfter() async throws {
        var harness = Harness()
        harness.rateLimits.tokensPerClient = 5
        try await harness.run { api, _ in
            let (seller, _) = try await api.newSeller()
            let (busy, busySecret, _) = try await api.newClient(token: seller)
            let (quiet, quietSecret, _) = try await api.newClient(token: seller)
            try await api.enable(busy, sellerToken: seller)
            try await api.enable(quiet, sellerToken: seller)
            for _ in 0..<5 { #expect(try await api.token(busy, busySecret).status == .ok) }
            let refused = try await api.token(busy, busySecret)
            #expect(refused.status == .tooManyRequests && refused.string("error") == "temporarily_unavailable")
            #expect(Int(refused.headers[.retryAfter] ?? "") ?? 0 >= 1)
            #expect(try await api.token(quiet, quietSecret).status == .ok, "another client is not slowed")
            // A wrong secret is refused as such, and costs the client nothing.
            #expect(try await api.token(quiet, "wrong").status == .unauthorized)
        }
    }

    @Test func signInsPastAnAccountsLimitAreRefusedEvenWithTheRightPassword() async throws {
        var harness = Harness()
        harness.rateLimits.signInsPerAccount = 3
        try await harness.run { api, _ in
            let (_, email) = try await api.newSeller()  // one attempt
            for _ in 0..<2 {
                #expect(try await api.send(.post, "/api/v1/tokens", json: ["email": email, "password": "guess guess guess"]).status == .unauthorized)
            }
            let refused = try await api.send(.post, "/api/v1/tokens", json: ["email": email, "password": "correct horse battery"])
            #expect(refused.status == .tooManyRequests && refused.headers[.retryAfter] != nil && refused.string("error") == "too_many_attempts")
            // The page says it too.
            let browser = BrowserSession(api: api)
            let form = try await browser.get("/dashboard/signin")
            let page = try await browser.post("/dashboard/signin", [("_csrf", BrowserSession.csrf(in: form.body)), ("email", email), ("password", "x")])
            #expect(page.status == .tooManyRequests && page.body.contains("Too many sign-in attempts"))
        }
    }

    @Test func signInsAndSignUpsPastAnAddresssLimitAreRefused() async throws {
        var harness = Harness()
        harness.mode = .live
        harness.rateLimits.signInsPerAddress = 4
        try await harness.run { api, _ in
            for attempt in 0..<4 {
                let reply = try await api.send(.post, "/api/v1/tokens", json: ["email": "nobody-\(attempt)@contoso.example", "password": "whatever password"])
                #expect(reply.status == .unauthorized)
            }
            let signUp = try await api.send(.post, "/api/v1/sellers", json: ["email": "new@contoso.example", "password": "a long password", "displayName": "X"])
            #expect(signUp.status == .tooManyRequests)
        }
    }

    // MARK: Slow clients

    /// A client that sends a header a byte at a time (which an idle timer alone would allow for
    /// ever) is cut off at the read timeout.
    @Test func aTricklingClientIsDisconnected() async throws {
        var harness = Harness()
        harness.mode = .live
        harness.adjust = { $0.readTimeout = .seconds(1) }
        try await harness.run { api, _ in
            let port = try #require(api.client.port)
            let socket = try LoopbackSocket(port: port)
            defer { socket.close() }
            let started = ContinuousClock.now
            var closedAfter: Duration?
            for byte in Array("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ".utf8) + Array(repeating: UInt8(ascii: "a"), count: 40) {
                guard socket.send([byte]) else {
                    closedAfter = started.duration(to: .now)
                    break
                }
                try await Task.sleep(for: .milliseconds(100))
                if socket.isClosedByPeer() {
                    closedAfter = started.duration(to: .now)
                    break
                }
            }
            let after = try #require(closedAfter, "the connection stayed open")
            #expect(after < .seconds(3))
            // A well-behaved request on a fresh connection is served.
            let fresh = try LoopbackSocket(port: port)
            defer { fresh.close() }
            #expect(fresh.send(Array("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".utf8)))
            #expect(fresh.readAll().hasPrefix("HTTP/1.1 200"))
        }
    }

    // MARK: The binary, as an operator runs it

    /// `latchkey` built beside the tests.
    static var binary: URL {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("latchkey")
        if FileManager.default.isExecutableFile(atPath: beside.path) { return beside }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(".build/debug/latchkey")
    }

    struct Run {
        let status: Int32
        let output: String
    }

    /// Runs `latchkey serve` with `environment` until it exits or `timeout` passes.
    static func serve(_ environment: [String: String], timeout: Duration = .seconds(20)) async throws -> (Process, Pipe) {
        let process = Process()
        process.executableURL = binary
        process.arguments = ["serve"]
        process.environment = ["PATH": "/usr/bin:/bin", "LATCHKEY_BCRYPT_COST": "4", "LATCHKEY_LOG_LEVEL": "warning"].merging(environment) { $1 }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        return (process, pipe)
    }

    /// Runs a tool to its end: its exit status and what it printed on standard output.
    static func run(_ tool: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = Pipe()
        try process.run()
        let output = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self))
    }

    static func finish(_ process: Process, _ pipe: Pipe, within timeout: Duration) async throws -> Run {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(100)) }
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        return Run(status: process.terminationStatus, output: output)
    }

    static func temporaryDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("latchkey-serve-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        return directory
    }

    @Test func aTakenPortIsSaidInWords() async throws {
        let holder = try LoopbackSocket.listening()
        defer { holder.close() }
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (process, pipe) = try await Self.serve(["LATCHKEY_DATA_DIR": directory.path, "LATCHKEY_PORT": String(holder.port)])
        let run = try await Self.finish(process, pipe, within: .seconds(30))
        #expect(run.status != 0)
        #expect(run.output.contains("port \(holder.port) on 127.0.0.1 is in use"), "\(run.output)")
        #expect(!run.output.contains("bind(descriptor"))
    }

    @Test func aDatabaseThatIsDownEndsStartUpNamingItsHost() async throws {
        let closed = try LoopbackSocket.listening()
        let port = closed.port
        closed.close()  // nothing listens there now
        let started = ContinuousClock.now
        let (process, pipe) = try await Self.serve([
            "LATCHKEY_DATABASE_URL": "postgres://latchkey@127.0.0.1:\(port)/latchkey", "LATCHKEY_MASTER_KEY": Data(repeating: 7, count: 32).base64EncodedString(),
            "LATCHKEY_DATABASE_WAIT": "2",
        ])
        let run = try await Self.finish(process, pipe, within: .seconds(30))
        #expect(started.duration(to: .now) < .seconds(15))
        #expect(run.status == 78)
        #expect(run.output.contains("cannot reach PostgreSQL at 127.0.0.1:\(port)/latchkey"), "\(run.output)")
        #expect(run.output.contains("database not reachable yet"), "a warning while it waits")
    }

    /// With a certificate and key the server speaks HTTPS; HSTS and Secure cookies come with it.
    @Test func servesTLSWithHSTSAndSecureCookies() async throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let certificate = directory.appendingPathComponent("cert.pem").path
        let key = directory.appendingPathComponent("key.pem").path
        let openssl = try Self.run("/usr/bin/openssl", [
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1", "-subj", "/CN=localhost",
            "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", key, "-out", certificate,
        ])
        try #require(openssl.status == 0)
        let port = try LoopbackSocket.freePort()
        let (process, pipe) = try await Self.serve([
            "LATCHKEY_DATA_DIR": directory.appendingPathComponent("data").path, "LATCHKEY_PORT": String(port),
            "LATCHKEY_TLS_CERT": certificate, "LATCHKEY_TLS_KEY": key,
        ])
        defer { if process.isRunning { process.terminate() } }
        var headers = ""
        for _ in 0..<100 {
            let curl = try Self.run("/usr/bin/curl", ["-s", "-D", "-", "-o", "/dev/null", "--cacert", certificate, "https://127.0.0.1:\(port)/dashboard/signin"])
            headers = curl.output
            if curl.status == 0 { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        let lower = headers.lowercased()
        #expect(lower.hasPrefix("http/1.1 200"), "\(headers)")
        #expect(lower.contains("strict-transport-security: max-age=31536000"))
        #expect(lower.contains("set-cookie: latchkey_session=") && lower.contains("; secure"))
        // Plain HTTP on the TLS port gets nothing useful.
        let plain = try Self.run("/usr/bin/curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "3", "http://127.0.0.1:\(port)/healthz"])
        #expect(plain.output != "200")
        process.terminate()
        _ = try await Self.finish(process, pipe, within: .seconds(10))
    }
}

/// A raw TCP connection to 127.0.0.1, for what an HTTP client library would not do.
final class LoopbackSocket: @unchecked Sendable {
    let descriptor: Int32
    let port: Int

    init(port: Int) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.port = port
        var address = Self.address(port: port)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw POSIXError(.ECONNREFUSED) }
    }

    private init(descriptor: Int32, port: Int) {
        self.descriptor = descriptor
        self.port = port
    }

    /// A socket listening on a free loopback port.
    static func listening() throws -> LoopbackSocket {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = address(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(descriptor, 1) == 0 else { throw POSIXError(.EADDRINUSE) }
        var actual = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &actual) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        return LoopbackSocket(descriptor: descriptor, port: Int(UInt16(bigEndian: actual.sin_port)))
    }

    static func freePort() throws -> Int {
        let socket = try listening()
        defer { socket.close() }
        return socket.port
    }

    static func address(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }

    /// `false` once the peer has closed the connection.
    func send(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } == bytes.count
    }

    /// Whether the peer closed: a read that would not block returns 0.
    func isClosedByPeer() -> Bool {
        var byte: UInt8 = 0
        let read = recv(descriptor, &byte, 1, Int32(MSG_DONTWAIT))
        return read == 0 || (read < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
    }

    /// Everything the peer sends until it closes.
    func readAll() -> String {
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = recv(descriptor, &buffer, buffer.count, 0)
            guard count > 0 else { break }
            data += buffer[..<count]
        }
        return String(decoding: data, as: UTF8.self)
    }

    func close() {
        _ = Glibc.close(descriptor)
    }
}
