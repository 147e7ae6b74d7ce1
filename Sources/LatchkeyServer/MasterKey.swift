import Foundation
import LatchkeyCore
import LatchkeyStorage

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The master key that seals signing secrets and private keys (docs/seed-model.md §4): from the environment,
/// or, in embedded mode, a key file generated on first start and readable by its owner only.
///
/// The file is created with `O_CREAT | O_EXCL` and mode 0600 in one step (never a moment at the
/// umask's mode); when two nodes start at once, the one that loses the race reads the winner's
/// key. A key file or data directory that others may read or write is refused.
enum MasterKey {

    /// The key, read or, for a database that holds nothing sealed yet, generated: a key file
    /// missing beside sealed data is restored by the operator, never silently replaced (a new key
    /// would leave every signing secret and signing key unreadable).
    static func resolve(_ configuration: Configuration, holdsSealedData: () async throws -> Bool) async throws -> [UInt8] {
        if let key = configuration.masterKey { return key }
        let directory = configuration.dataDirectory
        let path = configuration.masterKeyPath
        try checkPermissions(directory, allowed: 0o755, what: "the data directory")
        if access(path, F_OK) != 0, try await holdsSealedData() {
            throw ConfigurationError(
                variable: "LATCHKEY_DATA_DIR",
                message: "\(path) is missing, but the database beside it holds client secrets and signing keys sealed under it. Restore master.key from your backup into \(directory) (mode 0600), or set LATCHKEY_MASTER_KEY to it; no new key is generated, as it could open none of them"
            )
        }
        let key = SecretSealer.generateMasterKey()
        do {
            try write(key, to: path)
            return key
        } catch is KeyFileExists {
            return try read(path)
        }
    }

    struct KeyFileExists: Error {}

    /// Writes a new key file: created with `O_EXCL` and mode 0600 in one step, synced.
    /// `KeyFileExists` when the file is there already (another node won the race).
    static func write(_ key: [UInt8], to path: String) throws {
        let text = Array((Data(key).base64EncodedString() + "\n").utf8)
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            if errno == EEXIST { throw KeyFileExists() }
            throw ConfigurationError(variable: "LATCHKEY_DATA_DIR", message: "cannot create \(path): \(String(cString: strerror(errno))); check the directory's owner and permissions")
        }
        defer { close(descriptor) }
        let written = text.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
        guard written == text.count, fsync(descriptor) == 0 else {
            unlink(path)
            throw ConfigurationError(variable: "LATCHKEY_DATA_DIR", message: "cannot write \(path): \(String(cString: strerror(errno)))")
        }
        syncDirectory((path as NSString).deletingLastPathComponent)
    }

    /// Makes a file's creation or renaming in `directory` durable.
    static func syncDirectory(_ directory: String) {
        let descriptor = open(directory.isEmpty ? "." : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        fsync(descriptor)
        close(descriptor)
    }

    /// Reads an existing key file, after checking that only its owner can read it. A file still
    /// empty is another node's, being written: read again shortly.
    static func read(_ path: String) throws -> [UInt8] {
        try checkPermissions(path, allowed: 0o600, what: "the master key file")
        for attempt in 0..<50 {
            let text = try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            if text.isEmpty && attempt < 49 {
                usleep(20_000)
                continue
            }
            guard let key = Data(base64Encoded: text), key.count == SecretSealer.keyByteCount else {
                throw ConfigurationError(variable: "LATCHKEY_DATA_DIR", message: "\(path) does not hold base64 of 32 bytes; restore it from backup")
            }
            return Array(key)
        }
        throw ConfigurationError(variable: "LATCHKEY_DATA_DIR", message: "\(path) stayed empty; remove it only if this is a new installation")
    }

    /// Refuses a path whose mode grants more than `allowed`: a key file others may read, a
    /// directory others may write (and so replace the key in).
    static func checkPermissions(_ path: String, allowed: mode_t, what: String) throws {
        var status = stat()
        guard stat(path, &status) == 0 else {
            throw ConfigurationError(variable: "LATCHKEY_DATA_DIR", message: "cannot read \(what) \(path): \(String(cString: strerror(errno)))")
        }
        let mode = status.st_mode & 0o777
        guard mode & ~allowed == 0 else {
            throw ConfigurationError(
                variable: "LATCHKEY_DATA_DIR",
                message: "\(what) \(path) has mode \(String(mode, radix: 8)), open to other users; run chmod \(String(allowed & 0o700 == allowed ? allowed : 0o700, radix: 8)) \(path)"
            )
        }
    }
}
