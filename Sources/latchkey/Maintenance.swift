import ArgumentParser
import Foundation
import LatchkeyServer

struct Backup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Copy the SQLite database to a file, consistently, while the server runs.",
        discussion: "The master key is not in the backup: keep master.key (or LATCHKEY_MASTER_KEY) apart from it. With PostgreSQL, prints the pg_dump command to use instead."
    )
    @OptionGroup var environment: EnvironmentOptions
    @Option(help: "The backup file to write (must not exist).") var to: String

    func run() async throws {
        let configuration = try environment.load()
        let report = try await maintenanceStep { try await DataMaintenance.backup(configuration, to: to, logger: environment.logger(configuration)) }
        print("backed up the database to \(report.path) (\(report.bytes) bytes)")
        if let keyFile = report.masterKeyFile {
            print("the master key is not in it: keep a copy of \(keyFile) apart from the backup; without it the backup's secrets cannot be opened")
        } else {
            print("the master key is not in it: keep LATCHKEY_MASTER_KEY apart from the backup")
        }
    }
}

struct Restore: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Put a backup in place of the SQLite database (the server stopped).",
        discussion: "Checks the backup and that the master key in place opens it before changing anything; the database it replaces is kept beside it, renamed. A backup of an older version is migrated."
    )
    @OptionGroup var environment: EnvironmentOptions
    @Option(help: "The backup file (from latchkey backup).") var from: String

    func run() async throws {
        let configuration = try environment.load()
        let report = try await maintenanceStep { try await DataMaintenance.restore(configuration, from: from, logger: environment.logger(configuration)) }
        print("restored \(from) (schema version \(report.schemaVersion))")
        if let replaced = report.replaced { print("the database it replaced is kept as \(replaced)") }
    }
}

struct MasterKeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "master-key", abstract: "Manage the master key.", subcommands: [Rotate.self])

    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Seal everything again under a new master key, offline (every node stopped).",
            discussion: """
                With the key in the data directory (master.key), a new one is generated and replaces it. With LATCHKEY_MASTER_KEY, give the new key with --new-key-file, \
                then set LATCHKEY_MASTER_KEY to it on every node before starting them. Afterwards the old key is refused. ACS refresh tokens apps hold stop working \
                (apps get new ones at their next launch).
                """
        )
        @OptionGroup var environment: EnvironmentOptions
        @Option(help: "A file holding the new key, base64 of 32 bytes (openssl rand -base64 32 > FILE); only with LATCHKEY_MASTER_KEY.") var newKeyFile: String?

        func run() async throws {
            let configuration = try environment.load()
            var newKey: [UInt8]?
            if let newKeyFile {
                guard let text = try? String(contentsOfFile: newKeyFile, encoding: .utf8),
                    let key = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines)), key.count == 32
                else { throw CommandFailure("\(newKeyFile) must hold base64 of 32 bytes (openssl rand -base64 32 > \(newKeyFile))").exitCode }
                newKey = Array(key)
            }
            let report = try await maintenanceStep { try await DataMaintenance.rotateMasterKey(configuration, newKey: newKey, logger: environment.logger(configuration)) }
            print("sealed \(report.resealed) values again under the new master key; the old key opens nothing now")
            if let keyFile = report.keyFile {
                print("the new key is in \(keyFile): back it up now, in place of the old one")
            } else {
                print("set LATCHKEY_MASTER_KEY to the new key on every node, then start them")
            }
        }
    }
}
