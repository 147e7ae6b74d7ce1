// In-process cost of each stage of a client-credentials token, without HTTP: what the token
// endpoint's own code costs, to set against the whole request measured by token-endpoint.sh.
//
//   swift run -c release token-path-benchmark [iterations]
import Crypto
import Foundation
import LatchkeyCore
import LatchkeyOAuth
import LatchkeyWire

struct NoUses: SecretUseSink {
    func recordUse(secretID: String, at moment: Date) {}
}

struct OneClient: ClientDirectory {
    let client: RegisteredClient
    func client(_ id: ClientID) async throws -> RegisteredClient? { client }
}

/// One approved service app, installed in one tenant whose admin consented: what the
/// client-credentials grant checks, answered from memory as the server's caches do.
struct OneApp: AuthorizationDirectory {
    let app: AppListing
    let tenant: Tenant
    func approvedApp(for client: ClientID) async throws -> AppListing? { app }
    func approvedApp(id: String) async throws -> AppListing? { app.id == id ? app : nil }
    func access(appID: String, tenantID: String) async throws -> TenantAccess {
        TenantAccess(tenant: tenant, installed: true, tenantConsents: Set(app.appOnlyPermissions))
    }
    func user(_ id: String) async throws -> PlatformUser? { nil }
    func consentedPermissions(appID: String, tenantID: String, userID: String) async throws -> Set<String> { [] }
}

func measure(_ name: String, iterations: Int, _ body: () throws -> Void) rethrows {
    for _ in 0..<(iterations / 10) { try body() }
    let start = ContinuousClock.now
    for _ in 0..<iterations { try body() }
    let perCall = (ContinuousClock.now - start) / iterations
    let micros = Double(perCall.components.attoseconds) / 1e12 + Double(perCall.components.seconds) * 1e6
    print(name.padding(toLength: 34, withPad: " ", startingAt: 0), String(format: "%8.2f µs", micros))
}

func measureAsync(_ name: String, iterations: Int, _ body: () async throws -> Void) async rethrows {
    for _ in 0..<(iterations / 10) { try await body() }
    let start = ContinuousClock.now
    for _ in 0..<iterations { try await body() }
    let perCall = (ContinuousClock.now - start) / iterations
    let micros = Double(perCall.components.attoseconds) / 1e12 + Double(perCall.components.seconds) * 1e6
    print(name.padding(toLength: 34, withPad: " ", startingAt: 0), String(format: "%8.2f µs", micros))
}

/// Runs off the main actor: top-level code would hop to it for every call measured.
enum TokenPathBenchmark {
    static func run() async throws {
        let iterations = CommandLine.arguments.dropFirst().first.flatMap(Int.init) ?? 20_000
        let now = Date()
        let generated = GeneratedSecret.generate()
        var client = OAuthClient(
            id: .generate(), sellerID: "seller", friendlyName: "bench", appDomain: try AppDomain(validating: "bench.example"),
            redirectURL: RedirectURL(stored: "https://bench.example/cb"), availability: .worldwide, secretValidity: .recommended,
            createdAt: now, secrets: [], designatedSigningSecretID: nil
        )
        let keys = try SealingKeys(masterKey: SecretSealer.generateMasterKey())
        let sealer = keys.clientSecrets
        try client.addSecret(
            ClientSecret(
                id: "s1", hint: generated.hint, digest: generated.digest, sealedValue: try sealer.seal(Data(generated.value.utf8)), createdAt: now,
                startsAt: now - 60, endsAt: now + 86_400
            ),
            cap: 5, at: now
        )
        let signer = try await TokenSigner(keys: [.generate(.es256)])
        let tenant = Tenant(id: ObjectID.generate(), displayName: "Fabrikam", region: .worldwide, createdAt: now)
        let app = AppListing(
            id: ObjectID.generate(), sellerID: "seller", name: "bench", description: "", markets: try Markets(validating: ["US"]),
            requiresServerToServerAuth: true, clientID: client.id, status: .approved, reviewReason: nil, createdAt: now, updatedAt: now,
            appOnlyPermissions: ["Calendars.Read.All"]
        )
        let minter = TokenMinter(signer: signer, settings: IssuerSettings(issuer: "http://127.0.0.1:8080"), clock: { Date() })
        let endpoint = TokenEndpoint(
            authenticator: ClientAuthenticator(directory: OneClient(client: RegisteredClient(client)), uses: NoUses(), clock: { Date() }),
            grants: [ClientCredentialsGrant(minter: minter, directory: OneApp(app: app, tenant: tenant))]
        )
        let form = "grant_type=client_credentials&tenant=\(tenant.id)"
        let authorization = "Basic " + Data("\(client.id):\(generated.value)".utf8).base64EncodedString()
        let claims = AccessTokenClaims(iss: "http://127.0.0.1:8080", sub: client.id.rawValue, aud: ACSPrincipal.platform, exp: 2, iat: 1, jti: "j", clientID: client.id.rawValue)
        let key = P256.Signing.PrivateKey()
        let message = Data(repeating: 7, count: 400)

        print("method: \(iterations) calls per stage, one thread, release build")
        try await measureAsync("whole token endpoint (no HTTP)", iterations: iterations) {
            _ = try await endpoint.respond(form: FormParameters(form), authorization: authorization).jsonText
        }
        try measure("  parse form", iterations: iterations) { _ = try FormParameters(form) }
        try measure("  read Basic credentials", iterations: iterations) {
            _ = try ClientCredentials.extract(authorization: authorization, form: FormParameters(""))
        }
        measure("  SHA-256 of the secret", iterations: iterations) { _ = SecretDigest(of: generated.value) }
        let grant = ClientCredentialsGrant(minter: minter, directory: OneApp(app: app, tenant: tenant))
        let registered = RegisteredClient(client)
        try await measureAsync("  app, tenant and consent checks", iterations: iterations) {
            _ = try await grant.authorize(client: registered, tenant: tenant.id)
        }
        try measure("  sign the JWT (ES256)", iterations: iterations) { _ = try signer.sign(claims) }
        try measure("    of which P-256 signature", iterations: iterations) { _ = try key.signature(for: message) }
        let contextTokens = ContextTokenIssuer(keys: keys, refreshTokens: ACSRefreshTokens(keys: keys), issuer: "http://127.0.0.1:8080", clock: { Date() })
        let user = PlatformUser(id: ObjectID.generate(), tenantID: tenant.id, email: "uma@fabrikam.example", displayName: "Uma", isAdmin: false, createdAt: now)
        try measure("context token (launch)", iterations: iterations) {
            _ = try contextTokens.issue(client: registered, appID: app.id, user: user, scopes: ["Calendars.Read"], authTime: now)
        }
    }
}

try await TokenPathBenchmark.run()
