import Foundation
import LatchkeyWire
import Testing

/// The wire contract the server and both kits read and write with one implementation.
@Suite("The wire contract: principals, bearer credentials, codecs")
struct WireTests {
    let realm = "3b5d1d3b-1111-2222-3333-444455556666"

    @Test func principalStringsRoundTrip() throws {
        let name = ACSPrincipal.name(ACSPrincipal.platform, host: "contoso.example:8443", realm: realm)
        #expect(name == "00000003-0000-0ff1-ce00-000000000000/contoso.example:8443@\(realm)")
        let parsed = try #require(PrincipalName(name))
        #expect(parsed == PrincipalName("00000003-0000-0FF1-CE00-000000000000/Contoso.Example:8443@\(realm.uppercased())"))
        #expect(parsed.id == ACSPrincipal.platform && parsed.host == "contoso.example:8443" && parsed.realm == realm)
        #expect(ACSPrincipal.name(ACSPrincipal.tokenService, realm: realm) == "00000001-0000-0000-c000-000000000000@\(realm)")
        let bare = try #require(PrincipalName("5f0c1a2b-0000-4000-8000-000000000001"))
        #expect(bare.host == nil && bare.realm == nil)
        #expect(PrincipalName("id@not-a-guid") == nil, "the realm is a GUID")
        #expect(PrincipalName("id/@\(realm)") == nil, "an empty host is refused")
    }

    @Test func bearerCredentialsAreReadOneWay() {
        #expect(BearerCredential.token(in: "Bearer abc.def") == "abc.def")
        #expect(BearerCredential.token(in: "bearer abc") == "abc", "the scheme is case-insensitive (RFC 7235 §2.1)")
        #expect(BearerCredential.token(in: "BEARER   abc  ") == "abc")
        for refused in [nil, "", "Bearer", "Bearer ", "Bearer    ", "Basic abc", "Bearerabc"] as [String?] {
            #expect(BearerCredential.token(in: refused) == nil, "\(refused ?? "nil")")
        }
    }

    @Test func base64URLIsStrict() throws {
        let bytes: [UInt8] = [0xfb, 0xff, 0x00, 0x3e]
        #expect(bytes.base64URLEncoded() == "-_8APg")
        #expect(try #require(Data(base64URL: "-_8APg")) == Data(bytes))
        for refused in ["+/8APg", "-_8APg==", "-_8 APg", "-_8APg\n"] {
            #expect(Data(base64URL: refused) == nil, "\(refused)")
        }
        #expect(Data(base64URL: "")?.isEmpty == true)
    }

    @Test func hexAndGUIDText() {
        #expect(Hex.encode([0x00, 0xab, 0xff]) == "00abff")
        #expect(Hex.decode("00ABff") == [0x00, 0xab, 0xff])
        #expect(Hex.decode("abc") == nil && Hex.decode("zz") == nil && Hex.decode("é0") == nil)
        #expect(GUIDText.canonical("3B5D1D3B-1111-2222-3333-444455556666") == realm)
        #expect(GUIDText.canonical("3b5d1d3b11112222333344445555666") == nil)
        let uuid = UUID()
        #expect(GUIDText.format(uuid) == uuid.uuidString.lowercased())
    }

    @Test func eventSignaturesParseAsTheyAreWritten() throws {
        let key = Array(repeating: UInt8(7), count: 32)
        let header = EventSignature.sign(body: #"{"id":"e1"}"#, key: key, timestamp: 1_764_432_000)
        let (timestamp, codes) = try #require(EventSignature.parse(header))
        #expect(timestamp == 1_764_432_000 && codes.count == 1 && codes[0].count == 32)
        #expect(header == "t=1764432000,v1=" + Hex.encode(codes[0]))
        // A second code (a receiver holding two secrets sees both), spaces, unknown names: read.
        #expect(EventSignature.parse("t=5, v1=\(Hex.encode(codes[0])), v0=x, v1=\(Hex.encode(codes[0]))")?.codes.count == 2)
        for malformed in ["", "t=5", "v1=\(Hex.encode(codes[0]))", "t=5,v1=abc", "t=5,junk,v1=\(Hex.encode(codes[0]))", "t=x,v1=\(Hex.encode(codes[0]))"] {
            #expect(EventSignature.parse(malformed) == nil, "\(malformed)")
        }
    }

    @Test func revocationEntriesKeepTheFeedsShapeAndMatchEveryFieldTheyName() throws {
        let entry = RevocationEntry(id: "r1", created: 10, jti: nil, clientID: "c", tenantID: "t", subject: nil, secretID: "s1", issuedBefore: 100)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        #expect(String(decoding: try encoder.encode(entry), as: UTF8.self)
            == #"{"client_id":"c","client_secret_id":"s1","created":10,"id":"r1","issued_before":100,"tid":"t"}"#)
        #expect(try JSONDecoder().decode(RevocationEntry.self, from: encoder.encode(entry)) == entry)
        #expect(entry.covers(tokenID: "j", clientID: "c", tenantID: "t", subject: "u", secretID: "s1", issuedAt: 100))
        #expect(!entry.covers(tokenID: "j", clientID: "c", tenantID: "t", subject: "u", secretID: "s1", issuedAt: 100.5), "issued after the rule")
        #expect(!entry.covers(tokenID: "j", clientID: "c", tenantID: "t", subject: "u", secretID: "s2", issuedAt: 50), "another secret's token")
        #expect(!entry.covers(tokenID: "j", clientID: "d", tenantID: "t", subject: "u", secretID: "s1", issuedAt: 50), "another client")
        #expect(!entry.covers(tokenID: "j", clientID: "c", tenantID: nil, subject: "u", secretID: "s1", issuedAt: 50), "no tenant")
    }

    @Test func contextTokenClaimsAreReadAsTheyAreWritten() throws {
        let claims = ContextTokenClaims(
            audience: "c/app.contoso.com@r", issuer: "00000001-0000-0000-c000-000000000000@r", notBefore: 100, expiresAt: 200,
            sender: "00000003-0000-0ff1-ce00-000000000000@r", cacheKey: "k\"ey", securityTokenServiceURI: "https://login.example/tokens/OAuth/2",
            refreshToken: "rt"
        )
        // The documented example's order; appctx is a string holding JSON.
        #expect(claims.json.hasPrefix(#"{"aud":"c/app.contoso.com@r","iss":"00000001-0000-0000-c000-000000000000@r","nbf":100,"exp":200,"appctxsender":"#))
        #expect(claims.json.contains(#""appctx":"{\"CacheKey\":\"k\\\"ey\",\"SecurityTokenServiceUri\":\"https://login.example/tokens/OAuth/2\"}""#))
        #expect(try ContextTokenClaims(json: Data(claims.json.utf8)) == claims)
        // nbf and exp as numeric strings, as in the documented example, are read too.
        let strings = claims.json.replacingOccurrences(of: #""nbf":100"#, with: #""nbf":"100""#)
        #expect(try ContextTokenClaims(json: Data(strings.utf8)).notBefore == 100)
        // A missing or mistyped claim is named.
        for (payload, named) in [
            (claims.json.replacingOccurrences(of: #""refreshtoken""#, with: #""refresh""#), "refreshtoken is missing"),
            (claims.json.replacingOccurrences(of: #""exp":200"#, with: #""exp":"soon""#), "exp"),
            (claims.json.replacingOccurrences(of: "CacheKey", with: "Key"), "appctx"),
            ("[1]", "not"),
        ] {
            #expect(throws: ContextTokenClaims.Malformed.self) { try ContextTokenClaims(json: Data(payload.utf8)) }
            do {
                _ = try ContextTokenClaims(json: Data(payload.utf8))
            } catch {
                #expect(error.description.contains(named), "\(error.description)")
            }
        }
    }

    @Test func eventEnvelopesHaveOneShape() throws {
        let event = EventEnvelope(
            id: "e1", type: "consent.granted", created: 1_764_432_000,
            data: AppEventDetails(appId: "a1", clientId: nil, tenantId: "t1", userId: "u/1", permissions: ["Calendars.Read"])
        )
        // Sorted members, slashes as they are, absent values left out.
        #expect(event.json == #"{"created":1764432000,"data":{"appId":"a1","permissions":["Calendars.Read"],"tenantId":"t1","userId":"u/1"},"id":"e1","type":"consent.granted"}"#)
        #expect(try JSONDecoder().decode(EventEnvelope<AppEventDetails>.self, from: Data(event.json.utf8)) == event)
    }

    /// The decoder reads a buffer in one loop; it answers exactly as Foundation's base64 after
    /// mapping the URL alphabet (what it did before), for every text, valid or not.
    @Test func base64URLDecodingAgreesWithFoundation() {
        func reference(_ text: String) -> Data? {
            var base64 = ""
            for character in text {
                switch character {
                case "-": base64.append("+")
                case "_": base64.append("/")
                case "A"..."Z", "a"..."z", "0"..."9": base64.append(character)
                default: return nil
                }
            }
            return Data(base64Encoded: base64 + String(repeating: "=", count: (4 - base64.count % 4) % 4))
        }
        var generator = SystemRandomNumberGenerator()
        let letters = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_+/=. é")
        for length in 0..<48 {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            #expect(Data(base64URL: bytes.base64URLEncoded()) == Data(bytes))
            for _ in 0..<20 {
                let text = String((0..<length).map { _ in letters[Int.random(in: 0..<(Int.random(in: 0..<8) == 0 ? letters.count : 64), using: &generator)] })
                #expect(Data(base64URL: text) == reference(text), "\(text)")
                #expect(Data(base64URL: Substring(text)) == reference(text))
            }
        }
    }
}
