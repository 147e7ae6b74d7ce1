import Foundation
import LatchkeyCore
import LatchkeyStorage
import Logging
import SQLKit

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Backups, restores and master-key rotation: what an operator does to the data itself
/// (docs/operations.md). On the embedded SQLite database `serve` holds a shared lock on the
/// data directory's `latchkey.lock`, and restore and rotation take it exclusively, so neither
/// runs under a server.
public enum DataMaintenance {
    static let lockFile = "latchkey.lock"

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
        init(_ description: String) { self.description = description }
    }

    // MARK: The data directory's lock

    /// Holds the data directory's lock for the life of the process (`serve`: shared, so that CLI
    /// commands and a server work side by side; restore and rotation: exclusive).
    public static func lockDataDirectory(_ configuration: Configuration, exclusive: Bool) throws {
        guard !configuration.usesPostgres else { return }
        let directory = configuration.dataDirectory
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let path = configuration.dataFile(lockFile)
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw Failure("cannot open \(path): \(String(cString: strerror(errno)))") }
        guard flock(descriptor, (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB) == 0 else {
            close(descriptor)
            throw Failure(
                exclusive
                    ? "a server (or another maintenance command) is using \(directory): stop it first (systemctl stop latchkey), then run this again"
                    : "\(directory) is being restored or re-keyed by a maintenance command: start the server when it has finished"
            )
        }
        // Kept open until the process ends; the kernel releases the lock then, however it ends.
    }

    // MARK: Backup

    /// What `latchkey backup` did, for the operator.
    public struct BackupReport: Sendable {
        public let path: String
        public let bytes: Int
        public let masterKeyFile: String?
    }

    /// An online, consistent copy of the SQLite database (`VACUUM INTO`: one read transaction,
    /// so a server may keep writing meanwhile). The master key is not in it.
    public static func backup(_ configuration: Configuration, to path: String, logger: Logger) async throws -> BackupReport {
        if let url = configuration.databaseURL {
            throw Failure(postgresBackupAdvice(url, to: path))
        }
        let database = configuration.sqlitePath
        guard FileManager.default.fileExists(atPath: database) else { throw Failure("there is no database at \(database): check LATCHKEY_DATA_DIR or --data-dir") }
        guard !FileManager.default.fileExists(atPath: path) else { throw Failure("\(path) exists: name a new file, so that no backup is overwritten") }
        let provider = try await SQLiteProvider.open(path: database, logger: logger)
        do {
            try await provider.read { db in try await db.raw("VACUUM INTO \(bind: path)").run() }
            try await provider.close()
        } catch {
            try? await provider.close()
            throw Failure("cannot write \(path): \(error)")
        }
        chmod(path, 0o600)
        let bytes = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        return BackupReport(
            path: path, bytes: bytes,
            masterKeyFile: configuration.masterKey == nil ? configuration.masterKeyPath : nil
        )
    }

    /// With PostgreSQL the database's own tools make the backup: the command, for this database.
    static func postgresBackupAdvice(_ url: String, to path: String) -> String {
        var components = URLComponents(string: url)
        components?.password = nil
        let target = components?.string ?? "postgres://USER@HOST/DATABASE"
        return """
            with PostgreSQL, back up with pg_dump (a consistent snapshot while Latchkey serves), giving the password in PGPASSWORD or ~/.pgpass:
              pg_dump --format=custom --file '\(path)' '\(target)'
            and restore into an empty database with:
              pg_restore --no-owner --dbname '\(target)' '\(path)'
            Keep LATCHKEY_MASTER_KEY apart from the dump: without it the dump's secrets cannot be opened.
            """
    }

    // MARK: Restore

    /// What `latchkey restore` did.
    public struct RestoreReport: Sendable {
        public let replaced: String?
        public let schemaVersion: Int
    }

    /// Puts a backup in place of the data directory's database, offline: the backup is checked
    /// (a Latchkey database, intact, sealed under this master key) before anything is touched,
    /// and the database it replaces is kept beside it, renamed.
    public static func restore(_ configuration: Configuration, from backup: String, logger: Logger) async throws -> RestoreReport {
        guard !configuration.usesPostgres else {
            throw Failure("with PostgreSQL, restore with pg_restore: run `latchkey backup --to FILE` for the exact commands")
        }
        try lockDataDirectory(configuration, exclusive: true)
        let database = configuration.sqlitePath
        let staging = database + ".restoring"
        guard FileManager.default.isReadableFile(atPath: backup) else { throw Failure("cannot read \(backup)") }
        for stale in withJournals(staging) { try? FileManager.default.removeItem(atPath: stale) }
        try FileManager.default.copyItem(atPath: backup, toPath: staging)
        chmod(staging, 0o600)

        let provider = try await SQLiteProvider.open(path: staging, logger: logger)
        do {
            let check = try await provider.read { db in
                try await db.raw("PRAGMA integrity_check").first()?.decode(column: "integrity_check", as: String.self)
            }
            guard check == "ok" else { throw Failure("\(backup) is damaged (integrity check: \(check ?? "no answer")); nothing was changed") }
            guard try await Migrations.schemaVersion(provider) != nil else { throw Failure("\(backup) is not a Latchkey database; nothing was changed") }
            try await checkKey(configuration, opens: provider, backup: backup)
            try await provider.close()
        } catch {
            try? await provider.close()
            try? FileManager.default.removeItem(atPath: staging)
            throw error as? Failure ?? Failure("\(backup) is not a Latchkey database (\(error)); nothing was changed")
        }

        var replaced: String?
        if FileManager.default.fileExists(atPath: database) {
            let stamp = Date().ISO8601Format(.iso8601.year().month().day().time(includingFractionalSeconds: false)).replacingOccurrences(of: ":", with: "")
            let aside = database + ".replaced-" + stamp
            for (file, moved) in zip(withJournals(database), withJournals(aside)) where FileManager.default.fileExists(atPath: file) {
                try FileManager.default.moveItem(atPath: file, toPath: moved)
            }
            replaced = aside
        }
        try FileManager.default.moveItem(atPath: staging, toPath: database)
        for leftover in withJournals(staging).dropFirst() { try? FileManager.default.removeItem(atPath: leftover) }

        // A backup of an older version is brought up to this one's schema now, not at first start.
        let latchkey = try await Latchkey.open(configuration: configuration, logger: logger)
        let version = try await Migrations.schemaVersion(latchkey.database) ?? 0
        try await latchkey.close()
        return RestoreReport(replaced: replaced, schemaVersion: version)
    }

    /// A SQLite file and the write-ahead log and shared-memory files that go with it.
    private static func withJournals(_ path: String) -> [String] {
        [path, path + "-wal", path + "-shm"]
    }

    /// The backup's sealed data must open under the master key in place: else the restore would
    /// leave a database whose secrets nobody can read.
    private static func checkKey(_ configuration: Configuration, opens provider: SQLiteProvider, backup: String) async throws {
        guard try await SealedDataMigration.holdsSealedData(provider) else { return }
        let key: [UInt8]
        if let configured = configuration.masterKey {
            key = configured
        } else {
            let path = configuration.masterKeyPath
            guard FileManager.default.fileExists(atPath: path) else {
                throw Failure("\(backup) holds data sealed under a master key, and \(path) is missing: put the master.key kept with this backup there (mode 0600) first; nothing was changed")
            }
            key = try MasterKey.read(path)
        }
        let keys = try SealingKeys(masterKey: key)
        do {
            try await SigningKeys(store: SQLSigningKeyStore(provider: provider), sealer: keys.signingKeys, clock: { Date() }).checkMasterKey(named: "LATCHKEY_MASTER_KEY")
        } catch {
            throw Failure("\(backup) was sealed under another master key than the one in place: put the master.key (or LATCHKEY_MASTER_KEY) of the time of this backup in place first; nothing was changed")
        }
    }

    // MARK: Master key rotation

    /// What `latchkey master-key rotate` did.
    public struct RotationReport: Sendable {
        public let resealed: Int
        /// The new key file, when the key lives in the data directory.
        public let keyFile: String?
    }

    /// Seals everything again under a new master key, offline (no node may be running: a running
    /// node keeps the old key). With the key in the data directory the new one is generated and
    /// replaces `master.key` once the database has committed; with `LATCHKEY_MASTER_KEY` the new
    /// key comes from `newKey`, and the operator sets it on every node.
    public static func rotateMasterKey(_ configuration: Configuration, newKey given: [UInt8]?, logger: Logger) async throws -> RotationReport {
        try lockDataDirectory(configuration, exclusive: true)
        let latchkey = try await Latchkey.open(configuration: configuration, logger: logger)
        let keyFile = configuration.masterKey == nil ? configuration.masterKeyPath : nil
        var committed = false
        do {
            let newKey: [UInt8]
            if let keyFile {
                guard given == nil else { throw Failure("the master key is the data directory's master.key: rotation generates the new one itself; leave out --new-key-file") }
                newKey = SecretSealer.generateMasterKey()
                try MasterKey.write(newKey, to: keyFile + ".new")
            } else {
                guard let given else { throw Failure("LATCHKEY_MASTER_KEY is set: give the new key with --new-key-file FILE (base64 of 32 bytes: openssl rand -base64 32 > FILE)") }
                guard given != configuration.masterKey else { throw Failure("the new key is the current one: generate another (openssl rand -base64 32)") }
                newKey = given
            }
            let resealed = try await MasterKeyRotation.reseal(latchkey.database, from: latchkey.keys, to: try SealingKeys(masterKey: newKey))
            committed = true
            if let keyFile {
                guard rename(keyFile + ".new", keyFile) == 0 else {
                    throw Failure("the database is sealed under the new key, but \(keyFile).new could not replace \(keyFile) (\(String(cString: strerror(errno)))): move it there by hand before starting")
                }
                MasterKey.syncDirectory(configuration.dataDirectory)
            }
            try await latchkey.close()
            return RotationReport(resealed: resealed, keyFile: keyFile)
        } catch {
            try? await latchkey.close()
            // A new key that sealed nothing goes; after the commit the database needs it.
            if let keyFile, !committed { try? FileManager.default.removeItem(atPath: keyFile + ".new") }
            throw error
        }
    }
}
