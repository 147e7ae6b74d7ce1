import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LatchkeyResourceKit
import Testing

/// The resource kit on its own, with no issuer running: what it refuses without asking anyone.
@Suite("The resource kit refuses what it can without the issuer")
struct ResourceKitUnitTests {
    struct Context: AccessTokenRequestContext {
        var coreContext: CoreRequestContextStorage
        var accessToken: VerifiedAccessToken?

        init(source: ApplicationRequestContextSource) {
            coreContext = .init(source: source)
        }
    }

    /// An issuer nobody listens at: any fetch of its key set would fail the test's expectations.
    static let verifier = AccessTokenVerifier(configuration: .init(issuer: "http://127.0.0.1:9"))

    @Test func malformedTokensAreRefusedWithoutFetchingTheKeySet() async {
        for token in ["", "abc", "a.b", "a.b.c", "eyJhbGciOiJub25lIn0.e30.", "\u{0}.\u{0}.\u{0}"] {
            await #expect(throws: AccessTokenError.self, "\(token)") { try await Self.verifier.verify(token) }
        }
        #expect(Self.verifier.keySetFetches == 0)
    }

    @Test func theMiddlewareChallengesWithTheBearerScheme() async throws {
        let router = Router(context: Context.self)
        router.group().add(middleware: BearerTokenMiddleware<Context>(verifier: Self.verifier)).get("calendar") { _, _ in "ok" }
        try await Application(router: router).test(.router) { client in
            // No credentials: a challenge without an error (RFC 6750 §3.1).
            try await client.execute(uri: "/calendar", method: .get) { response in
                #expect(response.status == .unauthorized)
                #expect(response.headers[.wwwAuthenticate] == #"Bearer realm="latchkey""#)
            }
            // A bad token: invalid_token, and the key set is still not fetched.
            try await client.execute(uri: "/calendar", method: .get, headers: [.authorization: "Bearer not-a-jwt"]) { response in
                #expect(response.status == .unauthorized)
                #expect(response.headers[.wwwAuthenticate]?.contains(#"error="invalid_token""#) == true)
            }
            // Another scheme is no bearer token.
            try await client.execute(uri: "/calendar", method: .get, headers: [.authorization: "Basic YTpi"]) { response in
                #expect(response.status == .unauthorized)
            }
        }
        #expect(Self.verifier.keySetFetches == 0)
    }
}
