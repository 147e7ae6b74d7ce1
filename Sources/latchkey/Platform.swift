import ArgumentParser
import Foundation
import LatchkeyServer

/// The platform's side, as an operator: tenants, their users and installed apps, and the
/// permissions of the platform's APIs. Offline commands on the database, like the API's
/// operator routes; the audit log names `cli`.
struct Tenants: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manage tenants (organizations of the platform's users).", subcommands: [Create.self, List.self]
    )

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a tenant and print its id (the realm).")
        @OptionGroup var output: OutputOptions
        @Option(help: "The organization's name.") var name: String
        @Option(help: "worldwide or china.") var region: String = "worldwide"
        func run() async throws { try await output.run { try await $0.createTenant(name: name, region: region) } }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the tenants: id, region, name.")
        @OptionGroup var output: OutputOptions
        func run() async throws { try await output.run { try await $0.listTenants() } }
    }
}

struct Users: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Manage the platform's users.", subcommands: [Create.self, List.self, Delete.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a user in a tenant and print their id; the password comes from standard input.")
        @OptionGroup var output: OutputOptions
        @Option(help: "The tenant's id.") var tenant: String
        @Option(help: "Email address (the sign-in name).") var email: String
        @Option(help: "Name shown to apps the user consents to.") var displayName: String
        @Flag(help: "A tenant admin: installs apps and consents for the organization.") var admin = false
        @Flag(help: "Read the password from standard input (required).") var passwordStdin = false

        func validate() throws {
            guard passwordStdin else { throw ValidationError("--password-stdin is required: users sign in with a password.") }
        }

        func run() async throws {
            let password = readLine(strippingNewline: true)
            try await output.run { try await $0.createUser(tenant: tenant, email: email, displayName: displayName, password: password, isAdmin: admin) }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a tenant's users: id, email, name.")
        @OptionGroup var output: OutputOptions
        @Option(help: "The tenant's id.") var tenant: String
        func run() async throws { try await output.run { try await $0.listUsers(tenant: tenant) } }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a user: their consents and grants end, their refresh tokens stop at once.")
        @OptionGroup var output: OutputOptions
        @Option(help: "The tenant's id.") var tenant: String
        @Argument(help: "The user's id.") var userId: String
        func run() async throws { try await output.run { try await $0.deleteUser(tenant: tenant, user: userId) } }
    }
}

struct Permissions: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Define the permissions of the platform's APIs that apps may ask for.", subcommands: [Define.self, List.self]
    )

    struct Define: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Define or change a permission (such as Calendars.Read).")
        @OptionGroup var output: OutputOptions
        @Argument(help: "The permission's name, as scopes and tokens carry it.") var name: String
        @Option(help: "What it allows, as the consent page shows it.") var description: String
        @Flag(inversion: .prefixedNo, help: "Only a tenant admin may consent to it, for the whole organization.") var adminConsentRequired: Bool?
        @Flag(inversion: .prefixedNo, help: "Granted to apps acting as themselves (client credentials), by a tenant admin's consent.") var appOnly: Bool?
        func run() async throws {
            try await output.run { try await $0.definePermission(name: name, description: description, adminConsentRequired: adminConsentRequired, appOnly: appOnly) }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the permissions, built-in ones included.")
        @OptionGroup var output: OutputOptions
        func run() async throws { try await output.run { try await $0.listPermissions() } }
    }
}

struct Installations: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Install approved apps into tenants, as a tenant admin does on /account/organization.",
        subcommands: [Add.self, List.self, Remove.self, ConsentAppOnly.self]
    )

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Install an approved app into a tenant.")
        @OptionGroup var output: OutputOptions
        @Option(help: "The tenant's id.") var tenant: String
        @Argument(help: "The app's id.") var appId: String
        func run() async throws { try await output.run { try await $0.install(tenant: tenant, app: appId) } }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the apps installed in a tenant.")
        @OptionGroup var output: OutputOptions
        @Option(help: "The tenant's id.") var tenant: String
        func run() async throws { try await output.run { try await $0.listInstallations(tenant: tenant) } }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Uninstall an app from a tenant: its consents there end, and its tokens stop.")
        @OptionGroup var output: OutputOptions
        @Option(help: "The tenant's id.") var tenant: String
        @Argument(help: "The app's id.") var appId: String
        func run() async throws { try await output.run { try await $0.uninstall(tenant: tenant, app: appId) } }
    }

    struct ConsentAppOnly: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "consent-app-only", abstract: "Consent, for the tenant, to the app-only permissions an installed app asks for (client credentials)."
        )
        @OptionGroup var output: OutputOptions
        @Option(help: "The tenant's id.") var tenant: String
        @Argument(help: "The app's id.") var appId: String
        func run() async throws { try await output.run { try await $0.consentAppOnly(tenant: tenant, app: appId) } }
    }
}

struct IdentityProviders: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "identity-providers", abstract: "Connect tenants to their own OpenID providers (docs/federation.md).",
        subcommands: [Add.self, List.self, Remove.self]
    )

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Connect an OpenID provider to a tenant. The client secret is read from standard input, so that it stays out of the shell's history."
        )
        @OptionGroup var output: OutputOptions
        @Option(help: "The tenant's id.") var tenant: String
        @Option(help: "The provider's issuer, exactly as its discovery document writes it.") var issuer: String
        @Option(help: "The client id the provider issued to Latchkey.") var clientId: String
        @Option(help: "Scopes to ask for, space-separated (default: openid profile email).") var scopes: String?
        @Option(help: "The ID token claim holding the email (default: email).") var emailClaim: String?
        @Option(help: "The ID token claim holding the display name (default: name).") var nameClaim: String?
        @Option(help: "A claim that makes a user a tenant admin when it holds --admin-value (for example groups).") var adminClaim: String?
        @Option(help: "The value of --admin-claim that makes a user a tenant admin.") var adminValue: String?
        @Flag(help: "Join a built-in user with the same email, when the provider says the email is verified.") var allowLinking = false

        func run() async throws {
            let secret = readLine(strippingNewline: true) ?? ""
            try await output.run {
                try await $0.addIdentityProvider(
                    tenant: tenant, issuer: issuer, clientID: clientId, clientSecret: secret, scopes: scopes.map { $0.split(separator: " ").map(String.init) },
                    emailClaim: emailClaim, nameClaim: nameClaim, adminClaim: adminClaim, adminValue: adminValue, allowLinking: allowLinking
                )
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a tenant's identity providers (never their secrets).")
        @OptionGroup var output: OutputOptions
        @Option(help: "The tenant's id.") var tenant: String
        func run() async throws { try await output.run { try await $0.listIdentityProviders(tenant: tenant) } }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Disconnect a provider: its users can no longer sign in; they stay until removed.")
        @OptionGroup var output: OutputOptions
        @Option(help: "The tenant's id.") var tenant: String
        @Argument(help: "The identity provider's id.") var id: String
        func run() async throws { try await output.run { try await $0.removeIdentityProvider(tenant: tenant, id: id) } }
    }
}

struct Domains: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Claim email domains for tenants: an address there signs in through the tenant's provider. The operator's word verifies the domain.",
        subcommands: [Add.self, List.self, Remove.self]
    )

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Claim a domain for a tenant.")
        @OptionGroup var output: OutputOptions
        @Option(help: "The tenant's id.") var tenant: String
        @Argument(help: "The email domain, such as fabrikam.example.") var domain: String
        func run() async throws { try await output.run { try await $0.addDomain(tenant: tenant, domain: domain) } }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a tenant's domains.")
        @OptionGroup var output: OutputOptions
        @Option(help: "The tenant's id.") var tenant: String
        func run() async throws { try await output.run { try await $0.listDomains(tenant: tenant) } }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Release a tenant's domain.")
        @OptionGroup var output: OutputOptions
        @Option(help: "The tenant's id.") var tenant: String
        @Argument(help: "The email domain.") var domain: String
        func run() async throws { try await output.run { try await $0.removeDomain(tenant: tenant, domain: domain) } }
    }
}
