import ArgumentParser
import Foundation
import Hummingbird
import LatchkeyCore
import LatchkeyServer
import LatchkeyStorage
import Logging
import NIOCore
import NIOPosix

@main
struct LatchkeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "latchkey",
        abstract: "Client IDs, client secrets and OAuth 2.0 tokens for a platform's third-party apps.",
        discussion: "Configuration comes from LATCHKEY_* environment variables; see the README.",
        subcommands: [Serve.self, Migrate.self, Sellers.self, Operators.self, Clients.self, Secrets.self, Apps.self, Tenants.self, Users.self, Keys.self],
        defaultSubcommand: Serve.self
    )
}

/// Options shared by every command that opens the database.
struct EnvironmentOptions: ParsableArguments {
    @Option(help: "Data directory (overrides LATCHKEY_DATA_DIR).")
    var dataDir: String?

    func load() throws -> Configuration {
        do {
            var configuration = try Configuration.fromEnvironment()
            if let dataDir { configuration.dataDirectory = dataDir }
            return configuration
        } catch {
            // A configuration mistake, not a usage one: say which variable, skip the usage text.
            FileHandle.standardError.write(Data("latchkey: \(error)\n".utf8))
            throw ExitCode(78)
        }
    }

    func logger(_ configuration: Configuration) -> Logger {
        let level = configuration.logLevel
        LoggingSystem.bootstrap { JSONLogHandler(label: $0, level: level) }
        return Logger(label: "latchkey")
    }
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the server (migrating the database first).")

    @OptionGroup var environment: EnvironmentOptions
    @Option(help: "Address to listen on (overrides LATCHKEY_HOST).") var host: String?
    @Option(help: "Port to listen on (overrides LATCHKEY_PORT).") var port: Int?

    func run() async throws {
        // First, before any task is enqueued: Swift's tasks then run on NIO's event loops, and a
        // request's handler no longer hops between the I/O thread and Swift's own pool
        // (measured 14–17 % more tokens per second on two cores). An explicit
        // LATCHKEY_IO_THREADS keeps the separate I/O threads it asks for.
        let onEventLoops = ProcessInfo.processInfo.environment["LATCHKEY_IO_THREADS"] == nil
            && NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        var configuration = try environment.load()
        configuration.tasksRunOnEventLoops = onEventLoops
        if let host { configuration.host = host }
        if let port { configuration.port = port }
        let logger = environment.logger(configuration)
        let latchkey: Latchkey
        do {
            latchkey = try await Latchkey.open(configuration: configuration, logger: logger)
        } catch let error as ConfigurationError {
            FileHandle.standardError.write(Data("latchkey: \(error)\n".utf8))
            throw ExitCode(78)
        }
        logger.info("starting", metadata: [
            "database": "\(latchkey.database.engine.rawValue)", "issuer": "\(configuration.publicURL)",
            "address": "\(configuration.host):\(configuration.port)",
        ])
        for warning in configuration.startupWarnings { logger.warning("\(warning)") }
        let app: any ApplicationProtocol
        do {
            app = try await buildApplication(latchkey, logger: logger)
        } catch let error as ConfigurationError {
            FileHandle.standardError.write(Data("latchkey: \(error)\n".utf8))
            throw ExitCode(78)
        }
        do {
            try await app.runService()
        } catch where Self.isAddressInUse(error) {
            FileHandle.standardError.write(Data(
                "latchkey: port \(configuration.port) on \(configuration.host) is in use by another program: stop it, or choose another port with LATCHKEY_PORT or --port.\n".utf8
            ))
            throw ExitCode(1)
        }
    }

    /// A failed bind because the address is taken (EADDRINUSE), however the service group
    /// wrapped it.
    static func isAddressInUse(_ error: any Error) -> Bool {
        if let error = error as? IOError { return error.errnoCode == EADDRINUSE }
        return String(describing: error).contains("Address already in use")
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply pending database migrations and exit.")

    @OptionGroup var environment: EnvironmentOptions

    func run() async throws {
        let configuration = try environment.load()
        let latchkey = try await Latchkey.open(configuration: configuration, logger: environment.logger(configuration))
        try await latchkey.close()
        print("database is up to date (\(latchkey.database.engine.rawValue))")
    }
}

/// Creates an account offline and prints an API token for it.
struct AccountCreation: ParsableArguments {
    @OptionGroup var environment: EnvironmentOptions
    @Option(help: "Email address (the sign-in name).") var email: String
    @Option(help: "Name shown to users.") var displayName: String
    @Flag(help: "Read a password from standard input, to sign in to the API and dashboard too.") var passwordStdin = false

    func create(role: SellerRole) async throws {
        let configuration = try environment.load()
        let latchkey = try await Latchkey.open(configuration: configuration, logger: environment.logger(configuration))
        do {
            let password = passwordStdin ? readLine(strippingNewline: true) : nil
            let seller = try await latchkey.accounts.register(
                email: email, displayName: displayName, password: password, role: role, passwordRequired: false, sourceIP: nil
            )
            let token = try await latchkey.accounts.issueToken(for: seller, sourceIP: nil)
            try await latchkey.close()
            print("created \(role.rawValue) \(seller.email) (id \(seller.id))")
            print("API token (shown once): \(token.value)")
        } catch let error as DomainError {
            try? await latchkey.close()
            throw ValidationError(Self.describe(error))
        } catch {
            try? await latchkey.close()
            throw error
        }
    }

    static func describe(_ error: DomainError) -> String {
        switch error {
        case .invalid(let issues): issues.map { "\($0.field): \($0.message)" }.joined(separator: "\n")
        case .conflict(let issue): "\(issue.field): \(issue.message)"
        case .notFound(let kind): "no such \(kind)"
        case .forbidden(let message): message
        }
    }
}

struct Sellers: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Manage seller accounts.", subcommands: [Create.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a seller and print an API token.")
        @OptionGroup var account: AccountCreation
        func run() async throws { try await account.create(role: .seller) }
    }
}

struct Operators: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Manage platform operators (they review apps).", subcommands: [Create.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an operator and print an API token.")
        @OptionGroup var account: AccountCreation
        func run() async throws { try await account.create(role: .operator) }
    }
}

/// The operator behind offline commands, for the audit log.
extension Actor {
    static let cli = Actor(sellerID: "cli", name: "cli", role: .operator, sourceIP: nil)
}

/// Opens the database, runs `body`, closes it, and reports a rule's failure as a usage error.
func withLatchkey(_ environment: EnvironmentOptions, _ body: (Latchkey) async throws -> Void) async throws {
    let configuration = try environment.load()
    let latchkey = try await Latchkey.open(configuration: configuration, logger: environment.logger(configuration))
    do {
        try await body(latchkey)
        try await latchkey.close()
    } catch let error as DomainError {
        try? await latchkey.close()
        throw ValidationError(AccountCreation.describe(error))
    } catch {
        try? await latchkey.close()
        throw error
    }
}

struct Tenants: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Manage tenants (organizations of the platform's users).", subcommands: [Create.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a tenant and print its id (the realm).")
        @OptionGroup var environment: EnvironmentOptions
        @Option(help: "The organization's name.") var name: String
        @Option(help: "worldwide or china.") var region: String = "worldwide"

        func run() async throws {
            try await withLatchkey(environment) { latchkey in
                let tenant = try await latchkey.directory.createTenant(displayName: name, region: region, by: .cli)
                print(tenant.id)
            }
        }
    }
}

struct Users: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Manage the platform's users.", subcommands: [Create.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a user in a tenant and print their id; the password comes from standard input.")
        @OptionGroup var environment: EnvironmentOptions
        @Option(help: "The tenant's id.") var tenant: String
        @Option(help: "Email address (the sign-in name).") var email: String
        @Option(help: "Name shown to apps the user consents to.") var displayName: String
        @Flag(help: "A tenant admin: installs apps and consents for the organization.") var admin = false
        @Flag(help: "Read the password from standard input (required).") var passwordStdin = false

        func run() async throws {
            guard passwordStdin else { throw ValidationError("--password-stdin is required: users sign in with a password.") }
            let password = readLine(strippingNewline: true)
            try await withLatchkey(environment) { latchkey in
                guard let tenantID = ObjectID.canonical(tenant) else { throw ValidationError("--tenant must be a tenant's id (a GUID).") }
                let user = try await latchkey.directory.createUser(
                    in: tenantID, email: email, displayName: displayName, password: password, isAdmin: admin, by: .cli
                )
                print(user.id)
            }
        }
    }
}

struct Keys: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Manage the token-signing keys.", subcommands: [Rotate.self])

    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add newer ES256 and RS256 signing keys.",
            discussion: "Running servers start signing with them at once (a change notice; at the latest within a minute); the old keys stay in the JWK Set for two hours, until every token they signed has expired."
        )
        @OptionGroup var environment: EnvironmentOptions

        func run() async throws {
            try await withLatchkey(environment) { latchkey in
                for key in try await latchkey.rotateSigningKeys() { print(key) }
            }
        }
    }
}
