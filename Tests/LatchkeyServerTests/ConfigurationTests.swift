import LatchkeyServer
import LatchkeyStorage
import Testing

@Suite("Configuration from the environment")
struct ConfigurationTests {
    @Test func defaults() throws {
        let configuration = try Configuration.fromEnvironment([:])
        #expect(configuration.host == "127.0.0.1" && configuration.port == 8080)
        #expect(configuration.publicURL == "http://127.0.0.1:8080")
        #expect(configuration.dataDirectory == "./latchkey-data")
        #expect(configuration.databaseURL == nil && configuration.masterKey == nil)
        #expect(configuration.secretCap == 5 && configuration.secretActivationDelay == 0)
    }

    @Test func publicURLFollowsTheListeningAddressUnlessSet() throws {
        var configuration = try Configuration.fromEnvironment(["LATCHKEY_PORT": "9000"])
        configuration.host = "0.0.0.0"
        #expect(configuration.publicURL == "http://0.0.0.0:9000")
        let set = try Configuration.fromEnvironment(["LATCHKEY_PUBLIC_URL": "https://login.contoso.com/"])
        #expect(set.publicURL == "https://login.contoso.com")
    }

    @Test(arguments: [
        (["LATCHKEY_PORT": "eighty"], "LATCHKEY_PORT"),
        (["LATCHKEY_PORT": "70000"], "LATCHKEY_PORT"),
        (["LATCHKEY_PUBLIC_URL": "login.contoso.com"], "LATCHKEY_PUBLIC_URL"),
        (["LATCHKEY_DATABASE_URL": "mysql://x"], "LATCHKEY_DATABASE_URL"),
        (["LATCHKEY_DATABASE_URL": "postgres://u@h/db"], "LATCHKEY_MASTER_KEY"),
        (["LATCHKEY_MASTER_KEY": "c2hvcnQ="], "LATCHKEY_MASTER_KEY"),
        (["LATCHKEY_SECRET_CAP": "0"], "LATCHKEY_SECRET_CAP"),
        (["LATCHKEY_SECRET_ACTIVATION_DELAY": "-5"], "LATCHKEY_SECRET_ACTIVATION_DELAY"),
        (["LATCHKEY_LOG_LEVEL": "loud"], "LATCHKEY_LOG_LEVEL"),
    ])
    func badValuesNameTheirVariable(_ environment: [String: String], variable: String) {
        #expect {
            try Configuration.fromEnvironment(environment)
        } throws: { error in
            (error as? ConfigurationError)?.variable == variable && !((error as? ConfigurationError)?.message.isEmpty ?? true)
        }
    }

    @Test func postgresWithAMasterKey() throws {
        let configuration = try Configuration.fromEnvironment([
            "LATCHKEY_DATABASE_URL": "postgres://u@h/db", "LATCHKEY_MASTER_KEY": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
        ])
        #expect(configuration.usesPostgres && configuration.masterKey?.count == 32)
    }
}
