import Foundation
import LatchkeyOAuth
import Logging
import Synchronization

/// How log lines are written (`LATCHKEY_LOG_FORMAT`).
public enum LogFormat: String, Sendable {
    /// One JSON object per line, keys sorted: for a log collector.
    case json
    /// `time level message key=value …`: for a person at a terminal.
    case text
}

/// Writes one line per event to standard error: time, level, message, the logger's label and the
/// metadata (the request id among it), as JSON or as text. Nothing secret is ever passed to a
/// logger. Lines are built by hand: the access log writes one per request.
public struct LatchkeyLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    private let label: String
    private let format: LogFormat
    private static let output = Mutex(FileHandle.standardError)

    public init(label: String, level: Logger.Level, format: LogFormat) {
        self.label = label
        self.logLevel = level
        self.format = format
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: Logging.LogEvent) {
        var fields = metadata
        if let extra = event.metadata { fields.merge(extra) { $1 } }
        let time = Date().ISO8601Format(.iso8601.time(includingFractionalSeconds: true).year().month().day().dateTimeSeparator(.standard))
        let line = switch format {
        case .json: Self.json(time: time, level: event.level, message: event.message.description, label: label, fields: fields)
        case .text: Self.text(time: time, level: event.level, message: event.message.description, fields: fields)
        }
        Self.output.withLock { $0.write(Data(line.utf8)) }
    }

    static func json(time: String, level: Logger.Level, message: String, label: String, fields: Logger.Metadata) -> String {
        var object = fields.mapValues(\.description)
        object["time"] = time
        object["level"] = level.rawValue
        object["message"] = message
        object["logger"] = label
        var line = "{"
        for (index, key) in object.keys.sorted().enumerated() {
            if index > 0 { line += "," }
            line += JSONText.string(key) + ":" + JSONText.string(object[key]!)
        }
        return line + "}\n"
    }

    static func text(time: String, level: Logger.Level, message: String, fields: Logger.Metadata) -> String {
        var line = "\(time) \(level.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0)) \(message)"
        for key in fields.keys.sorted() {
            let value = fields[key]!.description
            line += " \(key)="
            if value.isEmpty || value.contains(where: { $0 == " " || $0 == "\"" || $0 == "=" || $0.isNewline }) {
                line += JSONText.string(value)
            } else {
                line += value
            }
        }
        return line + "\n"
    }
}
