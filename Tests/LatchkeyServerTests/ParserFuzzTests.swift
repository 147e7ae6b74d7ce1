import Crypto
import Foundation
import LatchkeyAppKit
import LatchkeyCore
@testable import LatchkeyOAuth
@testable import LatchkeyResourceKit
import LatchkeyWire
import Testing

/// A seeded generator (SplitMix64), so that a failing run can be replayed with its seed.
struct FuzzRandom: RandomNumberGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Inputs made from a valid sample: bytes replaced, inserted, deleted, repeated or cut, with the
/// characters parsers trip on (multi-byte letters, NUL, separators, escapes, padding).
struct Mutator {
    var random: FuzzRandom
    static let tricky: [String] = [
        "é", "\u{0}", "\n", "\r\n", " ", ",", ";", "=", ".", "%", "%2", "%zz", "+", "/", "@", "#", "?", "&", "\"", "\\", ":", "\u{2028}", "\u{FEFF}",
        "👩‍👩‍👧", "e\u{301}", "\u{7f}", "==", "-", "_", "{", "}", "[", "]", "0", "f", "F", "g", "Bearer ", "Basic ", "t=", "v1=",
    ]

    mutating func mutate(_ sample: String) -> String {
        var scalars = Array(sample.unicodeScalars)
        for _ in 0..<Int.random(in: 1...4, using: &random) {
            let position = scalars.isEmpty ? 0 : Int.random(in: 0...scalars.count, using: &random)
            switch Int.random(in: 0..<7, using: &random) {
            case 0 where position < scalars.count:
                scalars.remove(at: position)
            case 1:
                scalars.insert(contentsOf: Self.tricky.randomElement(using: &random)!.unicodeScalars, at: position)
            case 2 where position < scalars.count:
                scalars[position] = Unicode.Scalar(UInt8.random(in: 0...127, using: &random))
            case 3:
                scalars = Array(scalars.prefix(position))
            case 4 where !scalars.isEmpty:
                let start = Int.random(in: 0..<scalars.count, using: &random)
                let piece = scalars[start..<min(scalars.count, start + Int.random(in: 1...40, using: &random))]
                scalars.insert(contentsOf: Array(repeating: piece, count: Int.random(in: 1...50, using: &random)).joined(), at: position)
            case 5:
                let letters = (0..<Int.random(in: 0...80, using: &random)).map { _ in Self.tricky.randomElement(using: &random)! }.joined()
                scalars.insert(contentsOf: letters.unicodeScalars, at: position)
            default:
                if let scalar = Unicode.Scalar(UInt32.random(in: 0x80...0x2FFFF, using: &random)) { scalars.insert(scalar, at: position) }
            }
        }
        var text = String.UnicodeScalarView()
        text.append(contentsOf: scalars)
        return String(text)
    }
}

/// Every parser that reads untrusted text, in both kits and in the server, against generated
/// inputs: none may crash or hang, whatever it is sent. `LATCHKEY_FUZZ_CASES` sets the inputs
/// per parser (5,000 by default; the reliability suite's long form runs 100,000), and
/// `LATCHKEY_FUZZ_SEED` replays a run: each test prints the seed it used.
@Suite("Parsers of untrusted text: generated inputs", .serialized)
struct ParserFuzzTests {
    static let cases = Int(ProcessInfo.processInfo.environment["LATCHKEY_FUZZ_CASES"] ?? "") ?? 5000
    static let seed = UInt64(ProcessInfo.processInfo.environment["LATCHKEY_FUZZ_SEED"] ?? "") ?? UInt64.random(in: 1...UInt64.max)

    func run(_ name: String, samples: [String], _ parse: (String) async throws -> Void) async rethrows {
        print("fuzz \(name): \(Self.cases) inputs, LATCHKEY_FUZZ_SEED=\(Self.seed)")
        // Each parser its own stream from the one seed (FNV-1a of its name).
        let stream = name.utf8.reduce(UInt64(0xcbf2_9ce4_8422_2325)) { ($0 ^ UInt64($1)) &* 0x100_0000_01b3 }
        var mutator = Mutator(random: FuzzRandom(state: Self.seed ^ stream))
        for number in 0..<Self.cases {
            let sample = samples[number % samples.count]
            try await parse(number < samples.count ? sample : mutator.mutate(sample))
        }
    }

    static let secret = Data((0..<32).map { UInt8($0) }).base64EncodedString()

    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    @Test(.timeLimit(.minutes(10))) func eventSignatureHeaders() async throws {
        let body = #"{"type":"app.installed","id":"e1","created":1,"data":{"appId":"a","tenantId":"t","permissions":[]}}"#
        let now = Date()
        let valid = EventSignature.sign(body: body, key: Array(Data(base64Encoded: Self.secret)!), timestamp: Int(now.timeIntervalSince1970))
        let verifier = try EventVerifier(secrets: [Self.secret], now: { now })
        // The header that once trapped: 62 hex digits and a two-byte letter make 64 bytes.
        let trap = "t=\(Int(now.timeIntervalSince1970)),v1=" + String(repeating: "a", count: 62) + "é"
        #expect(throws: EventSignatureError.self) { try verifier.verify(body: Data(body.utf8), signature: trap) }
        #expect(try verifier.verify(body: Data(body.utf8), signature: valid).id == "e1")
        await run("event signature", samples: [valid, trap, "t=1,v1=" + String(repeating: "0", count: 64)]) { header in
            _ = try? verifier.verify(body: Data(body.utf8), signature: header)
        }
    }

    @Test(.timeLimit(.minutes(10))) func contextTokens() async throws {
        let clientID = "11111111-2222-3333-4444-555555555555"
        let realm = "66666666-7777-8888-9999-000000000000"
        let token = Self.contextToken(clientID: clientID, realm: realm)
        let validator = try await ContextTokenValidator(clientID: clientID, secrets: [Self.secret])
        #expect(try await validator.validate(token, host: "app.contoso.com").realm == realm)
        try await run("context token", samples: [token, "a.b.c", "..", ""]) { text in
            _ = try? await validator.validate(text, host: "app.contoso.com")
        }
    }

    /// A context token as Latchkey issues it (docs/apps.md), signed with `secret`; `iss` and
    /// `appctxsender` may be replaced.
    static func contextToken(clientID: String, realm: String, iss: String? = nil, sender: String? = nil) -> String {
        let now = Int(Date().timeIntervalSince1970)
        let header = base64URL(Data(#"{"typ":"JWT","alg":"HS256"}"#.utf8))
        let appctx = #"{\"CacheKey\":\"k\",\"SecurityTokenServiceUri\":\"https://login.example.test/tokens/OAuth/2\"}"#
        let issuer = iss ?? "00000001-0000-0000-c000-000000000000@\(realm)"
        let appctxsender = sender ?? "00000003-0000-0ff1-ce00-000000000000@\(realm)"
        let claims = base64URL(Data("""
            {"aud":"\(clientID)/app.contoso.com@\(realm)","iss":"\(issuer)","nbf":\(now),"exp":\(now + 3600),\
            "appctxsender":"\(appctxsender)","appctx":"\(appctx)","refreshtoken":"r","isbrowserhostedapp":"true"}
            """.utf8))
        let input = header + "." + claims
        let signature = HMAC<SHA256>.authenticationCode(for: Data(input.utf8), using: SymmetricKey(data: Data(base64Encoded: secret)!))
        return input + "." + base64URL(Data(signature))
    }

    @Test func contextTokensNameTheTokenServiceAndThePlatform() async throws {
        let clientID = "11111111-2222-3333-4444-555555555555"
        let realm = "66666666-7777-8888-9999-000000000000"
        let validator = try await ContextTokenValidator(clientID: clientID, secrets: [Self.secret])
        #expect(try await validator.validate(Self.contextToken(clientID: clientID, realm: realm), host: "app.contoso.com").sender.hasPrefix("00000003-"))
        for (iss, sender) in [
            ("attacker@\(realm)", nil), ("00000003-0000-0ff1-ce00-000000000000@\(realm)", nil), ("00000001-0000-0000-c000-000000000000@not-a-realm", nil),
            (nil, "00000001-0000-0000-c000-000000000000@\(realm)"), (nil, "00000003-0000-0ff1-ce00-000000000000@00000000-0000-0000-0000-000000000000"),
        ] as [(String?, String?)] {
            let token = Self.contextToken(clientID: clientID, realm: realm, iss: iss, sender: sender)
            do {
                _ = try await validator.validate(token, host: "app.contoso.com")
                Issue.record("accepted iss \(iss ?? "-") appctxsender \(sender ?? "-")")
            } catch {
                if case .wrongIssuer = error {} else if case .wrongAudience = error {} else { Issue.record("\(error)") }
            }
        }
    }

    @Test(.timeLimit(.minutes(10))) func bearerAndBasicHeaders() async throws {
        let basic = "Basic " + Data("11111111-2222-3333-4444-555555555555:\(Self.secret)".utf8).base64EncodedString()
        let empty = try FormParameters("")
        try await run("authorization headers", samples: ["Bearer abc.def.ghi", "bearer  token", basic, "Basic Og==", "Basic", "Bearer "]) { header in
            _ = BearerCredential.token(in: header)
            _ = try? ClientCredentials.extract(authorization: header, form: empty)
        }
    }

    @Test(.timeLimit(.minutes(10))) func formBodiesAndPrincipals() async throws {
        let body = "grant_type=client_credentials&client_id=a%40b&client_secret=c%2Bd%3D&scope=openid+profile&resource=00000003-0000-0ff1-ce00-000000000000%2Fh%40r"
        try await run("form bodies and ACS principals", samples: [body, "a=&=b&&c", "00000003-0000-0ff1-ce00-000000000000/host@66666666-7777-8888-9999-000000000000"]) { text in
            if let form = try? FormParameters(text) {
                _ = try? form.value("client_id")
                _ = form.all
            }
            _ = PrincipalName(text)
            _ = FormParameters.formDecode(text)
        }
    }

    @Test(.timeLimit(.minutes(10))) func jwtSegments() async throws {
        let signer = try await TokenSigner(keys: [try SigningKeyMaterial.generate(.es256)])
        let now = Int(Date().timeIntervalSince1970)
        let token = try signer.sign(AccessTokenClaims(iss: "https://login.example.test", sub: "s", aud: "a", exp: now + 60, iat: now, jti: "j", clientID: "c"))
        #expect(AccessTokenVerifier.parse(token) != nil)
        try await run("JWT segments", samples: [token, "e30.e30.", "a.b", "...."]) { text in
            _ = try? await signer.verify(text)
            _ = AccessTokenVerifier.parse(text)
        }
    }
}
