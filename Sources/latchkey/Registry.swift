import ArgumentParser
import LatchkeyServer

/// Options of the commands that act as a seller (or an operator) on the registry.
struct AccountOptions: ParsableArguments {
    @OptionGroup var output: OutputOptions
    @Option(help: "The email of the account to act as (a seller; an operator to review).") var seller: String

    func run(_ body: (ManagementCommands) async throws -> String) async throws { try await output.run(body) }
}

/// The database to open and how to print: what every management command takes.
struct OutputOptions: ParsableArguments {
    @OptionGroup var environment: EnvironmentOptions
    @Flag(help: "Print the management API's JSON for the same action.") var json = false

    /// Opens the database, runs the command on the core, prints its output.
    func run(_ body: (ManagementCommands) async throws -> String) async throws {
        try await withLatchkey(environment) { latchkey in
            print(try await body(ManagementCommands(latchkey: latchkey, json: json)))
        }
    }
}

struct Clients: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manage Client IDs, as the Seller Dashboard does.", subcommands: [Create.self, List.self, Show.self, Delete.self]
    )

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Register a Client ID; prints its first secret once.")
        @OptionGroup var account: AccountOptions
        @Option(help: "A name for the seller's own use.") var name: String
        @Option(help: "The app's domain, such as app.contoso.com.") var appDomain: String
        @Option(help: "The app's redirect URL (https, or http://localhost).") var redirectUrl: String
        @Option(help: "worldwide or china.") var availability: String?
        @Option(help: "How long secrets stay valid: 1, 2 or 3 years.") var validityYears: Int?

        func run() async throws {
            try await account.run {
                try await $0.createClient(
                    seller: account.seller, name: name, appDomain: appDomain, redirectURL: redirectUrl, availability: availability, validityYears: validityYears
                )
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the seller's Client IDs.")
        @OptionGroup var account: AccountOptions
        func run() async throws { try await account.run { try await $0.listClients(seller: account.seller) } }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a Client ID and its secrets (never their values).")
        @OptionGroup var account: AccountOptions
        @Argument(help: "The Client ID.") var clientId: String
        func run() async throws { try await account.run { try await $0.showClient(seller: account.seller, id: clientId) } }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a Client ID: its secrets stop at once, and what it was granted is revoked.")
        @OptionGroup var account: AccountOptions
        @Argument(help: "The Client ID.") var clientId: String
        func run() async throws { try await account.run { try await $0.deleteClient(seller: account.seller, id: clientId) } }
    }
}

struct Secrets: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Rotate a Client ID's secrets.", subcommands: [Add.self, Delete.self, MakeSigning.self]
    )

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a secret; prints its value once.")
        @OptionGroup var account: AccountOptions
        @Option(help: "The Client ID.") var client: String
        @Option(help: "Validity in years (1, 2 or 3); the Client ID's setting by default.") var validityYears: Int?
        func run() async throws { try await account.run { try await $0.addSecret(seller: account.seller, client: client, validityYears: validityYears) } }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a secret: it stops working on every node at once.")
        @OptionGroup var account: AccountOptions
        @Option(help: "The Client ID.") var client: String
        @Argument(help: "The secret's id.") var secretId: String
        func run() async throws { try await account.run { try await $0.deleteSecret(seller: account.seller, client: client, secret: secretId) } }
    }

    struct MakeSigning: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "make-signing", abstract: "Make a secret the one that signs context tokens and events.")
        @OptionGroup var account: AccountOptions
        @Option(help: "The Client ID.") var client: String
        @Argument(help: "The secret's id.") var secretId: String
        func run() async throws { try await account.run { try await $0.makeSigning(seller: account.seller, client: client, secret: secretId) } }
    }
}

struct Apps: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manage apps and their review.", subcommands: [List.self, Create.self, Submit.self, Approve.self, Reject.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A seller's apps; for an operator, the review queue.")
        @OptionGroup var account: AccountOptions
        func run() async throws { try await account.run { try await $0.listApps(seller: account.seller) } }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an app (a draft) tied to a Client ID.")
        @OptionGroup var account: AccountOptions
        @Option(help: "The app's name, as users see it.") var name: String
        @Option(help: "What it does.") var description: String = ""
        @Option(help: "Markets, comma-separated country codes (US,FR).") var markets: String
        @Option(help: "The Client ID it signs in with.") var client: String?
        @Flag(help: "It calls the platform's APIs as itself (client credentials).") var serverToServer = false
        @Option(help: "Delegated permissions, comma-separated.") var permissions: String = ""
        @Option(help: "App-only permissions, comma-separated.") var appOnlyPermissions: String = ""

        func run() async throws {
            func list(_ text: String) -> [String] { text.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }
            try await account.run {
                try await $0.createApp(
                    seller: account.seller, name: name, description: description, markets: list(markets), client: client, serverToServer: serverToServer,
                    permissions: list(permissions), appOnlyPermissions: list(appOnlyPermissions)
                )
            }
        }
    }

    struct Submit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Send an app for review.")
        @OptionGroup var account: AccountOptions
        @Argument(help: "The app's id.") var appId: String
        func run() async throws { try await account.run { try await $0.submitApp(seller: account.seller, id: appId) } }
    }

    struct Approve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Approve an app in review (operators).")
        @OptionGroup var account: AccountOptions
        @Argument(help: "The app's id.") var appId: String
        @Option(help: "The revision you reviewed (apps list shows it); refused if the app changed since.") var revision: Int
        func run() async throws {
            try await account.run { try await $0.reviewApp(reviewer: account.seller, id: appId, approve: true, reason: nil, revision: revision) }
        }
    }

    struct Reject: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Reject an app in review, saying why (operators).")
        @OptionGroup var account: AccountOptions
        @Argument(help: "The app's id.") var appId: String
        @Option(help: "What the seller must change.") var reason: String
        func run() async throws { try await account.run { try await $0.reviewApp(reviewer: account.seller, id: appId, approve: false, reason: reason) } }
    }
}
