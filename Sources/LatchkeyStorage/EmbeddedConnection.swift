import Foundation
import Logging
import NIOCore
import NIOPosix
import SQLKit
import SQLiteKit
import SQLiteNIO
// The SQLite library SQLiteNIO builds and links (its own copy, symbols prefixed `sqlite_nio_`).
// SQLiteNIO runs every statement on a thread pool and hands the result back: two thread hops
// per statement, with the connection held across them. Latchkey's one connection is already
// held by one unit of work at a time, and a statement takes microseconds, so here it runs on the
// caller's thread and prepared statements are kept for reuse.
import VaporCSQLite

/// The embedded engine's connection, driven on the calling thread. Not safe for concurrent use:
/// `SQLiteProvider` lends it to one unit of work at a time.
final class EmbeddedConnection: @unchecked Sendable {
    private var handle: OpaquePointer?
    /// Prepared statements by their SQL text; SQLKit writes the same text for the same query.
    private var statements: [String: PreparedStatement] = [:]
    private static let maximumStatements = 512

    init(path: String) throws {
        var handle: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        let status = sqlite_nio_sqlite3_open_v2(path, &handle, flags, nil)
        guard status == SQLITE_OK, let handle else {
            let failure = SQLiteFailure(status: status, handle: handle)
            sqlite_nio_sqlite3_close(handle)
            throw failure
        }
        sqlite_nio_sqlite3_extended_result_codes(handle, 1)
        self.handle = handle
        // Replaces SQLite's automatic checkpoint (itself a write-ahead-log hook): the provider
        // checkpoints off the caller's thread when the count says so.
        sqlite_nio_sqlite3_wal_hook(handle, { context, _, _, pages in
            guard let context else { return SQLITE_OK }
            Unmanaged<EmbeddedConnection>.fromOpaque(context).takeUnretainedValue().walPages = Int(pages)
            return SQLITE_OK
        }, Unmanaged.passUnretained(self).toOpaque())
    }

    /// Pages in the write-ahead log after the last commit; the provider sets 0 after a checkpoint.
    var walPages = 0

    /// Runs one statement, calling `onRow` for each row it returns. A statement that changes the
    /// schema (a migration's) drops the kept ones: their result columns were read when they were
    /// prepared, and `SELECT *` would miss a column added since.
    func run(_ sql: String, _ binds: [SQLiteData], _ onRow: (EmbeddedRow) throws -> Void) throws {
        let firstWord = sql.drop(while: \.isWhitespace).prefix(while: \.isLetter).uppercased()
        let changesSchema = firstWord == "CREATE" || firstWord == "ALTER" || firstWord == "DROP"
        defer { if changesSchema { dropStatements() } }
        try step(sql, binds, onRow)
    }

    private func step(_ sql: String, _ binds: [SQLiteData], _ onRow: (EmbeddedRow) throws -> Void) throws {
        guard let handle else { throw SQLiteFailure(status: SQLITE_MISUSE, message: "the database connection is closed") }
        let statement = try prepared(sql, on: handle)
        defer {
            sqlite_nio_sqlite3_reset(statement.raw)
            sqlite_nio_sqlite3_clear_bindings(statement.raw)
        }
        for (index, value) in binds.enumerated() {
            try check(bind(value, at: Int32(index + 1), in: statement.raw), on: handle)
        }
        while true {
            let status = sqlite_nio_sqlite3_step(statement.raw)
            if status == SQLITE_DONE { return }
            guard status == SQLITE_ROW else { throw SQLiteFailure(status: status, handle: handle) }
            try onRow(EmbeddedRow(columns: statement.columns, values: statement.values()))
        }
    }

    private func dropStatements() {
        for statement in statements.values { sqlite_nio_sqlite3_finalize(statement.raw) }
        statements = [:]
    }

    func close() {
        if let handle { sqlite_nio_sqlite3_wal_hook(handle, nil, nil) }
        dropStatements()
        sqlite_nio_sqlite3_close(handle)
        handle = nil
    }

    private func prepared(_ sql: String, on handle: OpaquePointer) throws -> PreparedStatement {
        if let statement = statements[sql] { return statement }
        var raw: OpaquePointer?
        let status = sqlite_nio_sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &raw, nil)
        guard status == SQLITE_OK, let raw else { throw SQLiteFailure(status: status, handle: handle) }
        let statement = PreparedStatement(raw: raw)
        // Latchkey's queries are a few hundred texts; one-off ones (migrations, VACUUM) pass
        // through. Bounded all the same: when full, all are dropped and prepared again.
        if statements.count >= Self.maximumStatements { dropStatements() }
        statements[sql] = statement
        return statement
    }

    private func bind(_ value: SQLiteData, at index: Int32, in statement: OpaquePointer) -> Int32 {
        switch value {
        case .integer(let value): sqlite_nio_sqlite3_bind_int64(statement, index, Int64(value))
        case .float(let value): sqlite_nio_sqlite3_bind_double(statement, index, value)
        case .null: sqlite_nio_sqlite3_bind_null(statement, index)
        case .text(let value):
            sqlite_nio_sqlite3_bind_text64(statement, index, value, UInt64(value.utf8.count), transient, UInt8(SQLITE_UTF8))
        case .blob(let value):
            value.withUnsafeReadableBytes {
                sqlite_nio_sqlite3_bind_blob64(statement, index, $0.baseAddress, UInt64($0.count), transient)
            }
        }
    }

    private func check(_ status: Int32, on handle: OpaquePointer) throws {
        guard status == SQLITE_OK else { throw SQLiteFailure(status: status, handle: handle) }
    }
}

/// SQLite copies a bound value before the call returns.
private let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

/// A statement compiled once, and its result columns by name.
private struct PreparedStatement {
    let raw: OpaquePointer
    let columns: EmbeddedRow.Columns

    init(raw: OpaquePointer) {
        self.raw = raw
        let count = sqlite_nio_sqlite3_column_count(raw)
        var names: [String] = []
        var positions: [String: Int] = [:]
        for index in 0..<count {
            let name = sqlite_nio_sqlite3_column_name(raw, index).map { String(cString: $0) } ?? ""
            names.append(name)
            if positions[name] == nil { positions[name] = Int(index) }
        }
        columns = EmbeddedRow.Columns(names: names, positions: positions)
    }

    func values() -> [SQLiteData] {
        (0..<Int32(columns.names.count)).map { index in
            switch sqlite_nio_sqlite3_column_type(raw, index) {
            case SQLITE_INTEGER: return .integer(SQLiteInt64(sqlite_nio_sqlite3_column_int64(raw, index)))
            case SQLITE_FLOAT: return .float(sqlite_nio_sqlite3_column_double(raw, index))
            case SQLITE_TEXT:
                guard let text = sqlite_nio_sqlite3_column_text(raw, index) else { return .null }
                let count = Int(sqlite_nio_sqlite3_column_bytes(raw, index))
                return .text(String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self))
            case SQLITE_BLOB:
                let count = Int(sqlite_nio_sqlite3_column_bytes(raw, index))
                var buffer = ByteBufferAllocator().buffer(capacity: count)
                if let bytes = sqlite_nio_sqlite3_column_blob(raw, index) {
                    buffer.writeBytes(UnsafeRawBufferPointer(start: bytes, count: count))
                }
                return .blob(buffer)
            default: return .null
            }
        }
    }
}

/// One result row, read out of the statement before it steps on.
struct EmbeddedRow: SQLRow {
    final class Columns: Sendable {
        let names: [String]
        let positions: [String: Int]
        init(names: [String], positions: [String: Int]) {
            self.names = names
            self.positions = positions
        }
    }

    let columns: Columns
    let values: [SQLiteData]
    static let decoder = SQLiteDataDecoder()

    var allColumns: [String] { columns.names }

    func contains(column: String) -> Bool { columns.positions[column] != nil }

    func decodeNil(column: String) throws -> Bool {
        guard let position = columns.positions[column] else { return true }
        return values[position] == .null
    }

    func decode<D: Decodable>(column: String, as type: D.Type) throws -> D {
        guard let position = columns.positions[column] else { throw MissingColumn(column: column) }
        return try Self.decoder.decode(D.self, from: values[position])
    }
}

struct MissingColumn: Error, CustomStringConvertible {
    let column: String
    var description: String { "the result has no column \(column)" }
}

/// An SQLite result code other than success, with the library's message.
struct SQLiteFailure: Error, CustomStringConvertible {
    /// The extended result code (`SQLITE_CONSTRAINT_UNIQUE` is 2067).
    let status: Int32
    let message: String

    init(status: Int32, message: String) {
        self.status = status
        self.message = message
    }

    init(status: Int32, handle: OpaquePointer?) {
        self.status = handle.map { sqlite_nio_sqlite3_extended_errcode($0) } ?? status
        self.message = handle.flatMap { sqlite_nio_sqlite3_errmsg($0) }.map { String(cString: $0) }
            ?? sqlite_nio_sqlite3_errstr(status).map { String(cString: $0) } ?? "SQLite error \(status)"
    }

    var isUniqueViolation: Bool { status == 2067 || status == 1555 } // SQLITE_CONSTRAINT_UNIQUE, _PRIMARYKEY
    var description: String { "SQLite error \(status): \(message)" }
}

/// SQLKit's view of the embedded connection: queries are serialised in SQLite's dialect, bound
/// through SQLiteKit's encoder, and run at once on the calling thread.
struct EmbeddedSQLDatabase: SQLDatabase {
    let connection: EmbeddedConnection
    let logger: Logger
    let eventLoop: any EventLoop
    var dialect: any SQLDialect { SQLiteDialect() }
    var queryLogLevel: Logger.Level? { nil }
    private static let encoder = SQLiteDataEncoder()

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> ()) -> EventLoopFuture<Void> {
        do {
            try run(query, onRow)
            return eventLoop.makeSucceededVoidFuture()
        } catch {
            return eventLoop.makeFailedFuture(error)
        }
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> ()) async throws {
        let (sql, values) = try statement(query)
        // A batch's statements only change pages in memory; its commit writes them all to the
        // log, which for a few hundred scattered rows takes milliseconds.
        if BackgroundWork.isActive, sql == "COMMIT" {
            try await NIOThreadPool.singleton.runIfActive { try connection.run(sql, values) { onRow($0) } }
        } else {
            try connection.run(sql, values) { onRow($0) }
        }
    }

    private func run(_ query: any SQLExpression, _ onRow: (any SQLRow) -> ()) throws {
        let (sql, values) = try statement(query)
        try connection.run(sql, values) { onRow($0) }
    }

    /// The query's SQL in SQLite's dialect and its values as SQLite's.
    private func statement(_ query: any SQLExpression) throws -> (sql: String, values: [SQLiteData]) {
        let (sql, binds) = serialize(query)
        return (sql, try binds.map { try Self.encoder.encode($0) })
    }
}

/// The database work of a background service: batches of writes and sweeps. On SQLite their
/// commits run on a thread of the pool rather than on the event loop the service's task happens
/// to be on, so that the requests of that loop do not wait for a batch's pages to be written.
/// The statements before run where they are: moving each to the pool would hold the connection
/// across two thread hops per statement. PostgreSQL's statements never run on the caller's
/// thread, so there it changes nothing.
public enum BackgroundWork {
    @TaskLocal static var isActive = false

    public static func run<T: Sendable>(_ body: () async throws -> T) async rethrows -> T {
        try await $isActive.withValue(true) { try await body() }
    }
}
