import Foundation
import LatchkeyCore
import LatchkeyStorage

/// The master key that seals signing secrets and private keys (SPEC §4): from the environment,
/// or, in embedded mode, a key file generated on first start and readable by its owner only.
enum MasterKey {
    static let fileName = "master.key"

    static func resolve(_ configuration: Configuration) throws -> [UInt8] {
        if let key = configuration.masterKey { return key }
        let path = URL(fileURLWithPath: configuration.dataDirectory).appendingPathComponent(fileName).path
        let files = FileManager.default
        if files.fileExists(atPath: path) {
            let text = try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            guard let key = Data(base64Encoded: text), key.count == SecretSealer.keyByteCount else {
                throw ConfigurationError(variable: "LATCHKEY_DATA_DIR", message: "\(path) does not hold base64 of 32 bytes; restore it from backup")
            }
            return Array(key)
        }
        let key = SecretSealer.generateMasterKey()
        let created = files.createFile(
            atPath: path, contents: Data((Data(key).base64EncodedString() + "\n").utf8),
            attributes: [.posixPermissions: 0o600]
        )
        guard created else {
            throw ConfigurationError(variable: "LATCHKEY_DATA_DIR", message: "cannot write \(path); check the directory's permissions")
        }
        return key
    }
}
