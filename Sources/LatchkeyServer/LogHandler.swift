import Foundation
import LatchkeyOAuth
import Logging
import Synchronization
import LatchkeyWire

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
        let time = Self.timestamp()
        let line = switch format {
        case .json: Self.json(time: time, level: event.level, message: event.message.description, label: label, fields: fields)
        case .text: Self.text(time: time, level: event.level, message: event.message.description, fields: fields)
        }
        LogOutput.standardError.append(line, urgent: event.level > .info)
    }

    /// Now in UTC, `2026-12-07T16:09:27.310Z`, made by hand: Foundation's ISO 8601 style was a
    /// large part of an access-log line's cost.
    static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var parts = tm()
        var seconds = now.tv_sec
        gmtime_r(&seconds, &parts)
        var text = [UInt8]()
        text.reserveCapacity(24)
        func digits(_ value: Int, _ count: Int) {
            var divisor = 1
            for _ in 1..<count { divisor *= 10 }
            var value = value
            while divisor > 0 {
                text.append(UInt8(ascii: "0") + UInt8(value / divisor % 10))
                value %= divisor
                divisor /= 10
            }
        }
        digits(Int(parts.tm_year) + 1900, 4); text.append(UInt8(ascii: "-"))
        digits(Int(parts.tm_mon) + 1, 2); text.append(UInt8(ascii: "-"))
        digits(Int(parts.tm_mday), 2); text.append(UInt8(ascii: "T"))
        digits(Int(parts.tm_hour), 2); text.append(UInt8(ascii: ":"))
        digits(Int(parts.tm_min), 2); text.append(UInt8(ascii: ":"))
        digits(Int(parts.tm_sec), 2); text.append(UInt8(ascii: "."))
        digits(Int(now.tv_nsec) / 1_000_000, 3); text.append(UInt8(ascii: "Z"))
        return String(decoding: text, as: UTF8.self)
    }

    static func json(time: String, level: Logger.Level, message: String, label: String, fields: Logger.Metadata) -> String {
        var members = [("time", time), ("level", level.rawValue), ("message", message), ("logger", label)]
        for (key, value) in fields where !["time", "level", "message", "logger"].contains(key) { members.append((key, value.description)) }
        members.sort { $0.0 < $1.0 }
        var line = "{"
        line.reserveCapacity(256)
        for (index, (key, value)) in members.enumerated() {
            if index > 0 { line += "," }
            line += JSONText.string(key)
            line += ":"
            line += JSONText.string(value)
        }
        line += "}\n"
        return line
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

/// Where log lines go: standard error, written in batches. A line at notice or above is written
/// at once with everything before it; others (the access log) wait at most 100 ms, or until 16 KiB
/// gather, so that a busy node makes a few writes a second instead of one per request. What waits
/// is written when the process exits; a SIGKILL loses at most 100 ms of info lines.
final class LogOutput: Sendable {
    static let standardError = LogOutput(descriptor: STDERR_FILENO)

    private let descriptor: Int32
    private let pending = Mutex<[UInt8]>([])
    private static let batch = 16 * 1024

    private init(descriptor: Int32) {
        self.descriptor = descriptor
        let flusher = Thread { [self] in
            while true {
                Thread.sleep(forTimeInterval: 0.1)
                flush()
            }
        }
        flusher.name = "latchkey-log"
        flusher.start()
        atexit { LogOutput.standardError.flush() }
    }

    func append(_ line: String, urgent: Bool) {
        let due = pending.withLock { buffer in
            buffer.append(contentsOf: line.utf8)
            return urgent || buffer.count >= Self.batch
        }
        if due { flush() }
    }

    /// Writes what waits. Taken and written under one lock, so that batches keep their order.
    func flush() {
        writing.withLock { _ in
            let bytes = pending.withLock { buffer -> [UInt8] in
                defer { buffer.removeAll(keepingCapacity: true) }
                return buffer
            }
            var offset = 0
            while offset < bytes.count {
                let written = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress! + offset, bytes.count - offset) }
                if written < 0 && errno == EINTR { continue }
                guard written > 0 else { return }
                offset += written
            }
        }
    }

    private let writing = Mutex(())
}
