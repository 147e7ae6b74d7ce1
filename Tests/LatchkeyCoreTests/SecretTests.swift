import Foundation
import LatchkeyCore
import Testing

@Suite("Identifiers")
struct IdentifierTests {
    @Test func clientIDsAreLowercaseGUIDs() {
        for _ in 0..<100 {
            let uuid = UUID()
            let id = ClientID(uuid: uuid)
            #expect(id.rawValue == uuid.uuidString.lowercased())
            #expect(ClientID(uuid.uuidString) == id)
            #expect(ObjectID.canonical(uuid.uuidString) == id.rawValue)
        }
        for bad in ["", "not-a-guid", "0123456789abcdef0123456789abcdef0123", "01234567-89ab-cdef-0123-456789abcdeg", "01234567-89ab-cdef-0123-456789abcdef0"] {
            #expect(ClientID(bad) == nil, "\(bad)")
        }
    }
}

@Suite("Secret material (docs/seed-model.md §1, §4)")
struct SecretMaterialTests {
    @Test func secretsAre32RandomBytesInBase64() {
        let secrets = (0..<50).map { _ in GeneratedSecret.generate() }
        for secret in secrets {
            #expect(secret.value.count == 44)
            #expect(Data(base64Encoded: secret.value)?.count == 32)
            #expect(secret.hint == String(secret.value.prefix(3)))
        }
        #expect(Set(secrets.map(\.value)).count == secrets.count)
    }

    @Test func digestIsSHA256AndComparesEqualOnlyForTheSameValue() {
        let secret = GeneratedSecret.generate()
        #expect(secret.digest == SecretDigest(of: secret.value))
        #expect(secret.digest.constantTimeEquals(SecretDigest(of: secret.value)))
        #expect(!secret.digest.constantTimeEquals(SecretDigest(of: secret.value + "x")))
        #expect(SecretDigest(hex: secret.digest.hex) == secret.digest)
        #expect(SecretDigest(of: "abc").hex == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SecretDigest(hex: "zz") == nil)
    }

    @Test func sealerRoundTripsAndRefusesAnotherKey() throws {
        let sealer = try SecretSealer(masterKey: SecretSealer.generateMasterKey())
        let other = try SecretSealer(masterKey: SecretSealer.generateMasterKey())
        let sealed = try sealer.seal(Data("the secret".utf8))
        // The box's bytes hold no trace of the plaintext (base64 text could never contain its space).
        let box = try #require(Data(base64Encoded: sealed))
        #expect(box.count == 12 + 10 + 16, "nonce, ciphertext of the same length, tag")
        #expect(box.range(of: Data("the secret".utf8)) == nil && box.range(of: Data("secret".utf8)) == nil)
        #expect(try sealer.open(sealed) == Data("the secret".utf8))
        #expect(throws: (any Error).self) { try other.open(sealed) }
        #expect(try sealer.seal(Data("x".utf8)) != sealer.seal(Data("x".utf8)))
    }

    @Test func masterKeyMustBe32Bytes() {
        #expect(throws: FieldIssue.self) { try SecretSealer(masterKey: [1, 2, 3]) }
    }
}

/// Builds secrets at fixed moments for the rule tests.
struct Fixture {
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)
    static let day: TimeInterval = 86_400

    static func secret(_ id: String, created: TimeInterval = 0, start: TimeInterval = 0, end: TimeInterval = 365 * day) -> ClientSecret {
        ClientSecret(
            id: id, hint: "abc", digest: SecretDigest(of: id), sealedValue: "sealed",
            createdAt: t0 + created, startsAt: t0 + start, endsAt: t0 + end
        )
    }

    static func client(_ secrets: [ClientSecret] = []) throws -> OAuthClient {
        var client = OAuthClient(
            id: .generate(), sellerID: "s", friendlyName: "calendar app", appDomain: try AppDomain(validating: "app.contoso.com"),
            redirectURL: try RedirectURL(validating: "https://app.contoso.com/auth", appDomain: nil), availability: .worldwide,
            secretValidity: .recommended, createdAt: t0, secrets: [], designatedSigningSecretID: nil
        )
        for secret in secrets { try client.addSecret(secret, cap: 5, at: secret.createdAt) }
        return client
    }
}

@Suite("Secret lifetime (docs/seed-model.md §1)")
struct SecretLifetimeTests {
    let t0 = Fixture.t0

    @Test func activeFromStartUntilEnd() {
        let secret = Fixture.secret("a", start: 100, end: 200)
        #expect(secret.status(at: t0 + 99) == .pending)
        #expect(secret.status(at: t0 + 100) == .active)
        #expect(secret.status(at: t0 + 199.999) == .active)
        #expect(secret.status(at: t0 + 200) == .expired)
    }

    @Test func expiresSoonWithin30Days() {
        let secret = Fixture.secret("a", end: 100 * Fixture.day)
        #expect(!secret.expiresSoon(at: t0 + 69 * Fixture.day))
        #expect(secret.expiresSoon(at: t0 + 71 * Fixture.day))
        #expect(!secret.expiresSoon(at: t0 + 100 * Fixture.day))
    }
}

@Suite("Signing secret (docs/seed-model.md §1)")
struct SigningSecretTests {
    let t0 = Fixture.t0
    let day = Fixture.day

    @Test func firstSecretSigns() throws {
        let client = try Fixture.client([Fixture.secret("a"), Fixture.secret("b", created: 10, end: 700 * day)])
        #expect(client.signingSecret(at: t0 + 20)?.id == "a")
        #expect(client.activeSecrets(at: t0 + 20).count == 2)
    }

    @Test func deletingTheSigningSecretPromotesTheLatestEnding() throws {
        var client = try Fixture.client([
            Fixture.secret("a"), Fixture.secret("b", created: 10, end: 700 * day), Fixture.secret("c", created: 20, end: 400 * day),
        ])
        try client.deleteSecret(id: "a", at: t0 + 30)
        #expect(client.signingSecret(at: t0 + 30)?.id == "b")
        #expect(client.secrets.map(\.id) == ["b", "c"])
    }

    @Test func tiesGoToTheNewest() throws {
        var client = try Fixture.client([Fixture.secret("a"), Fixture.secret("b", created: 10, end: 500 * day), Fixture.secret("c", created: 20, end: 500 * day)])
        try client.deleteSecret(id: "a", at: t0 + 30)
        #expect(client.signingSecret(at: t0 + 30)?.id == "c")
    }

    @Test func expiryHandsSigningToTheNextValidSecretAndItStays() throws {
        var client = try Fixture.client([Fixture.secret("a", end: 100 * day), Fixture.secret("b", created: 10, end: 300 * day)])
        #expect(client.signingSecret(at: t0 + 50 * day)?.id == "a")
        #expect(client.signingSecret(at: t0 + 100 * day)?.id == "b")
        // A secret added after the fallback, ending later still, does not take over.
        try client.addSecret(Fixture.secret("c", created: 150 * day, start: 150 * day, end: 800 * day), cap: 5, at: t0 + 150 * day)
        #expect(client.signingSecret(at: t0 + 150 * day)?.id == "b")
    }

    @Test func noActiveSecretMeansNoSigningSecret() throws {
        let client = try Fixture.client([Fixture.secret("a", end: 10)])
        #expect(client.signingSecret(at: t0 + 10) == nil)
    }

    @Test func makeSigningNeedsAnActiveSecret() throws {
        var client = try Fixture.client([
            Fixture.secret("a"), Fixture.secret("pending", created: 1, start: 1000), Fixture.secret("b", created: 2),
        ])
        try client.makeSigningSecret(id: "b", at: t0 + 10)
        #expect(client.signingSecret(at: t0 + 10)?.id == "b")
        #expect { try client.makeSigningSecret(id: "pending", at: t0 + 10) } throws: { error in
            if case .conflict(let issue) = error as? DomainError { return issue.code == "secret_not_active" }
            return false
        }
        #expect(throws: DomainError.notFound("secret")) { try client.makeSigningSecret(id: "nope", at: t0) }
    }

    @Test func pendingSecretNeverSigns() throws {
        var client = try Fixture.client([Fixture.secret("a", end: 100)])
        try client.addSecret(Fixture.secret("b", created: 50, start: 1000, end: 5000), cap: 5, at: t0 + 50)
        #expect(client.signingSecret(at: t0 + 500) == nil)
        #expect(client.signingSecret(at: t0 + 1000)?.id == "b")
    }

    @Test func capCountsUnexpiredSecrets() throws {
        var client = try Fixture.client([Fixture.secret("a", end: 100), Fixture.secret("b", created: 1)])
        try client.addSecret(Fixture.secret("c", created: 200), cap: 2, at: t0 + 200)
        #expect { try client.addSecret(Fixture.secret("d", created: 300), cap: 2, at: t0 + 300) } throws: { error in
            if case .conflict(let issue) = error as? DomainError { return issue.code == "secret_cap_reached" && issue.message.contains("Delete") }
            return false
        }
        #expect(client.secrets.count == 3)
    }

    @Test func deletionWarnsAboutSigningAndLastActive() throws {
        let one = try Fixture.client([Fixture.secret("a")])
        #expect(Set(one.deletionWarnings(secretID: "a", at: t0 + 1)) == [.isSigningSecret, .isLastActiveSecret])
        let two = try Fixture.client([Fixture.secret("a"), Fixture.secret("b", created: 1)])
        #expect(two.deletionWarnings(secretID: "a", at: t0 + 2) == [.isSigningSecret])
        #expect(two.deletionWarnings(secretID: "b", at: t0 + 2) == [])
    }

    @Test func deletingUnknownSecretIsNotFound() throws {
        var client = try Fixture.client([Fixture.secret("a")])
        #expect(throws: DomainError.notFound("secret")) { try client.deleteSecret(id: "zzz", at: t0) }
    }
}
