import Foundation
import LatchkeyOAuth
import Testing

@Suite("Form bodies and client credentials (RFC 6749 §2.3.1, §3.2)")
struct ClientCredentialsTests {
    let secret = "ab+/cd=="

    func basic(_ id: String, _ secret: String) -> String {
        "Basic " + Data("\(id):\(secret)".utf8).base64EncodedString()
    }

    @Test func decodesFormEncoding() throws {
        let form = try FormParameters("grant_type=client_credentials&client_secret=a%2Bb%2F%3D+c&empty=")
        #expect(try form.value("grant_type") == "client_credentials")
        #expect(try form.value("client_secret") == "a+b/= c")
        #expect(try form.value("empty") == nil)
        #expect(try form.value("absent") == nil)
    }

    @Test func refusesRepeatedParameters() throws {
        let form = try FormParameters("grant_type=a&grant_type=b")
        #expect(throws: OAuthError.self) { try form.value("grant_type") }
    }

    @Test func refusesBrokenEscapes() {
        #expect(throws: OAuthError.self) { try FormParameters("a=%zz") }
        #expect(throws: OAuthError.self) { try FormParameters("a=%e2%82") }
    }

    @Test func basicCredentialsKeepRawAndDecodedSecret() throws {
        let raw = try ClientCredentials.extract(authorization: basic("id", secret), form: FormParameters(""))
        #expect(raw.clientID == "id" && raw.method == .clientSecretBasic)
        #expect(raw.secretCandidates.contains(secret))
        let encoded = try ClientCredentials.extract(authorization: basic("id", "ab%2B%2Fcd%3D%3D"), form: FormParameters(""))
        #expect(encoded.secretCandidates.contains(secret))
    }

    @Test func secretMayContainColons() throws {
        let credentials = try ClientCredentials.extract(authorization: basic("id", "a:b"), form: FormParameters(""))
        #expect(credentials.secretCandidates.first == "a:b")
    }

    @Test func postedCredentials() throws {
        let credentials = try ClientCredentials.extract(authorization: nil, form: FormParameters("client_id=id&client_secret=ab%2B%2Fcd%3D%3D"))
        #expect(credentials.method == .clientSecretPost && credentials.secretCandidates == [secret])
    }

    @Test func refusesTwoMethodsAtOnce() throws {
        #expect(throws: OAuthError(.invalidRequest, "Authenticate with one method: the Authorization header or client_secret in the body, not both.")) {
            try ClientCredentials.extract(authorization: basic("id", "s"), form: FormParameters("client_secret=s"))
        }
    }

    @Test func missingOrMalformedIsInvalidClient() throws {
        for (header, body) in [(nil, ""), ("Basic !!!", ""), ("Basic " + Data("nocolon".utf8).base64EncodedString(), "")] {
            #expect { try ClientCredentials.extract(authorization: header, form: FormParameters(body)) } throws: { error in
                (error as? OAuthError)?.code == .invalidClient
            }
        }
    }

    /// A client id without a secret is how a public client names itself (RFC 6749 §2.1); whether
    /// that is enough is the authenticator's call.
    @Test func clientIDAloneNamesAPublicClient() throws {
        let credentials = try ClientCredentials.extract(authorization: nil, form: FormParameters("client_id=id"))
        #expect(credentials.method == .none && credentials.clientID == "id" && credentials.secretCandidates.isEmpty)
    }

    @Test func invalidClientAnswers401WithChallenge() {
        let error = OAuthError(.invalidClient, "x")
        #expect(error.status == 401 && error.challenge?.hasPrefix("Basic") == true)
        #expect(OAuthError(.unsupportedGrantType, "x").status == 400)
        #expect(OAuthError(.unsupportedGrantType, "x").body == ["error": "unsupported_grant_type", "error_description": "x"])
    }
}

@Suite("Site hosts an ACS resource may name")
struct SiteHostsTests {
    @Test func patternsWithTheRealmAndWithout() {
        let hosts = SiteHosts(["{realm}.sites.example", "Contoso.example:443", "{realm}.{realm}.twice.example"])
        let realm = "6f2a9c1e-3b4d-4e5f-8a9b-0c1d2e3f4a5b"
        #expect(hosts.admits("\(realm).sites.example", realm: realm))
        #expect(hosts.admits("\(realm.uppercased()).SITES.example:8443", realm: realm), "case and port do not count")
        #expect(!hosts.admits("other.sites.example", realm: realm), "another realm's site")
        #expect(!hosts.admits("sites.example", realm: realm))
        #expect(hosts.admits("contoso.example", realm: realm))
        #expect(hosts.admits("\(realm).\(realm).twice.example", realm: realm), "every {realm} is the realm")
        #expect(!hosts.admits("evil.example", realm: realm))
    }
}
