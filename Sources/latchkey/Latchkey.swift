import ArgumentParser
import Foundation
import Hummingbird
import LatchkeyCore
import LatchkeyServer
import LatchkeyStorage
import Logging
import NIOCore
import NIOPosix
import Synchronization

@main
struct LatchkeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "latchkey",
        abstract: "Client IDs, client secrets and OAuth 2.0 tokens for a platform's third-party apps.",
        discussion: "Configuration comes from LATCHKEY_* environment variables (README, docs/operations.md). Shell completion: latchkey --generate-completion-script bash|zsh|fish.",
        version: latchkeyVersion,
        subcommands: [
            Serve.self, Migrate.self, Sellers.self, Operators.self, Clients.self, Secrets.self, Apps.self, Tenants.self, Users.self, Permissions.self,
            Installations.self, IdentityProviders.self, Domains.self, Keys.self, Backup.self, Restore.self, MasterKeyCommand.self,
        ],
        defaultSubcommand: Serve.self
    )

    /// Parses and runs the command; a mistyped command word is named with the nearest one
    /// before the parser would read it as the default command's arguments.
    static func main() async {
        if let mistake = CommandSuggestion.mistake(in: Array(CommandLine.arguments.dropFirst()), root: Self.self) {
            FileHandle.standardError.write(Data("latchkey: \(mistake)\n".utf8))
            Self.exit(withError: ExitCode(64))
        }
        do {
            var command = try parseAsRoot()
            if var command = command as? any AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}

/// A domain rule's refusal, said in words: the message on standard error and exit status 1,
/// without the usage text (the command was well formed; what it asked for was refused).
struct CommandFailure: Error {
    let message: String

    init(_ message: String) { self.message = message }

    init(_ error: DomainError) {
        switch error {
        case .invalid(let issues): message = issues.map { "\($0.field): \($0.message)" }.joined(separator: "\n")
        case .conflict(let issue): message = "\(issue.field): \(issue.message)"
        case .notFound(let kind): message = "no such \(kind)"
        case .forbidden(let text): message = text
        }
    }

    /// Prints the message and gives the exit code to throw.
    var exitCode: ExitCode {
        FileHandle.standardError.write(Data("latchkey: \(message)\n".utf8))
        return ExitCode(1)
    }
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

    /// Opens the database as start-up does; a configuration mistake (a missing or wrong master
    /// key, an unreachable database) is said in words and exits 78.
    func open(_ configuration: Configuration) async throws -> Latchkey {
        try await Self.configurationMistakesExit { try await Latchkey.open(configuration: configuration, logger: logger(configuration)) }
    }

    static func configurationMistakesExit<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as ConfigurationError {
            FileHandle.standardError.write(Data("latchkey: \(error)\n".utf8))
            throw ExitCode(78)
        }
    }

    func logger(_ configuration: Configuration) -> Logger {
        let level = configuration.logLevel
        let format = configuration.logFormat
        Self.bootstrapped.withLock { done in
            guard !done else { return }
            LoggingSystem.bootstrap { LatchkeyLogHandler(label: $0, level: level, format: format) }
            done = true
        }
        return Logger(label: "latchkey")
    }

    /// The logging system takes one bootstrap per process.
    private static let bootstrapped = Mutex(false)
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
        try await maintenanceStep { try DataMaintenance.lockDataDirectory(configuration, exclusive: false) }
        let latchkey = try await environment.open(configuration)
        logger.info("Latchkey \(latchkeyVersion) serving \(latchkey.listeningURL) as issuer \(configuration.publicURL), data in \(latchkey.databaseDescription)")
        if try await !latchkey.accounts.hasOperator() {
            logger.notice(
                "no operator yet, so nobody can review apps or manage tenants: create one with `\(Self.invocation) operators create --email EMAIL --display-name NAME --password-stdin` (it prints an API token)"
            )
        }
        for warning in configuration.startupWarnings { logger.warning("\(warning)") }
        let app = try await EnvironmentOptions.configurationMistakesExit { try await buildApplication(latchkey, logger: logger) }
        do {
            try await app.runService()
        } catch where Self.isAddressInUse(error) {
            throw CommandFailure(
                "port \(configuration.port) on \(configuration.host) is in use by another program: stop it, or choose another port with LATCHKEY_PORT or --port."
            ).exitCode
        }
    }

    /// How a person at this terminal runs the CLI: from a checkout, through SwiftPM.
    static var invocation: String {
        CommandLine.arguments.first.map { $0.contains("/.build/") } == true ? "swift run latchkey" : "latchkey"
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
        let latchkey = try await environment.open(configuration)
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
        try await withLatchkey(environment) { latchkey in
            let password = passwordStdin ? readLine(strippingNewline: true) : nil
            let seller = try await latchkey.accounts.register(
                email: email, displayName: displayName, password: password, role: role, passwordRequired: false, sourceIP: nil
            )
            let token = try await latchkey.accounts.issueToken(for: seller, sourceIP: nil)
            print("created \(role.rawValue) \(seller.email) (id \(seller.id))")
            print("API token (shown once): \(token.value)")
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

/// Runs a maintenance step (a lock, a backup, a restore, a rotation), saying a configuration
/// mistake (exit 78) or the step's refusal (exit 1) in words.
func maintenanceStep<T>(_ body: () async throws -> T) async throws -> T {
    do {
        return try await EnvironmentOptions.configurationMistakesExit(body)
    } catch let error as DataMaintenance.Failure {
        throw CommandFailure(error.description).exitCode
    }
}

/// Opens the database, runs `body`, closes it, and reports a rule's refusal in words (exit 1).
func withLatchkey(_ environment: EnvironmentOptions, _ body: (Latchkey) async throws -> Void) async throws {
    let configuration = try environment.load()
    let latchkey = try await environment.open(configuration)
    do {
        try await body(latchkey)
        try await latchkey.close()
    } catch let error as DomainError {
        try? await latchkey.close()
        throw CommandFailure(error).exitCode
    } catch let error as CommandFailure {
        try? await latchkey.close()
        throw error.exitCode
    } catch {
        try? await latchkey.close()
        throw error
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
