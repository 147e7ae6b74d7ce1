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

    @Test func siteHostsLoopbackCallbacksAndWarnings() throws {
        let quiet = try Configuration.fromEnvironment([:])
        #expect(quiet.startupWarnings.isEmpty && !quiet.allowLoopbackCallbacks)
        #expect(quiet.siteHosts.admits("127.0.0.1:8080", realm: "r") && !quiet.siteHosts.admits("attacker.example", realm: "r"))
        let loud = try Configuration.fromEnvironment([
            "LATCHKEY_HOST": "0.0.0.0", "LATCHKEY_ALLOW_LOOPBACK_CALLBACKS": "true", "LATCHKEY_SITE_URL": "https://{realm}.sites.example/",
            "LATCHKEY_SITE_HOSTS": "contoso.example, Portal.Contoso.Example:8443",
        ])
        #expect(loud.allowLoopbackCallbacks)
        #expect(loud.startupWarnings.count == 2 && loud.startupWarnings.contains { $0.contains("LATCHKEY_METRICS_TOKEN") })
        #expect(loud.siteHosts.admits("r1.sites.example", realm: "r1") && !loud.siteHosts.admits("r2.sites.example", realm: "r1"))
        #expect(loud.siteHosts.admits("portal.contoso.example", realm: "r1") && loud.siteHosts.admits("CONTOSO.example:443", realm: "r1"))
        for (name, value) in [("LATCHKEY_ALLOW_LOOPBACK_CALLBACKS", "yes"), ("LATCHKEY_SITE_HOSTS", "https://x.example/path")] {
            #expect(throws: ConfigurationError.self) { try Configuration.fromEnvironment([name: value]) }
        }
    }
}
