import SQLKit
import Synchronization

/// A statement run on every grant, whose SQL never changes: SQLKit writes its text once per
/// engine and each run only binds values, in the order of the placeholders. Writing an INSERT of
/// fourteen columns through SQLKit's expression tree takes longer than SQLite takes to run it
/// (docs/performance.md, "Where the time goes").
final class FixedStatement: Sendable {
    private let placeholders: Int
    private let build: @Sendable (any SQLDatabase, [SQLBind]) -> any SQLExpression
    /// The text by dialect name: the same statement reads `?1` in SQLite and `$1` in PostgreSQL.
    private let texts = Mutex<[String: String]>([:])

    /// `build` writes the statement with the placeholders it is given, in bind order.
    init(placeholders: Int, _ build: @escaping @Sendable (any SQLDatabase, [SQLBind]) -> any SQLExpression) {
        self.placeholders = placeholders
        self.build = build
    }

    /// `INSERT INTO table (columns…) VALUES (?, …)`.
    static func insert(into table: String, columns: [String]) -> FixedStatement {
        FixedStatement(placeholders: columns.count) { _, binds in
            var insert = SQLInsert(table: SQLIdentifier(table))
            insert.columns = columns.map { SQLIdentifier($0) }
            insert.values = [binds]
            return insert
        }
    }

    func run(on db: any SQLDatabase, _ values: any Encodable & Sendable...) async throws {
        try await db.execute(sql: bound(values, on: db)) { _ in }
    }

    func all(on db: any SQLDatabase, _ values: any Encodable & Sendable...) async throws -> [any SQLRow] {
        let rows = Rows()
        try await db.execute(sql: bound(values, on: db)) { rows.append($0) }
        return rows.all
    }

    private func bound(_ values: [any Encodable & Sendable], on db: any SQLDatabase) -> Bound {
        precondition(values.count == placeholders, "a fixed statement takes \(placeholders) values")
        let dialect = db.dialect.name
        if let text = texts.withLock({ $0[dialect] }) { return Bound(text: text, values: values) }
        let (text, binds) = db.serialize(build(db, (0..<placeholders).map { _ in SQLBind(0) }))
        precondition(binds.count == placeholders, "a fixed statement's text binds each value once")
        texts.withLock { $0[dialect] = text }
        return Bound(text: text, values: values)
    }

    /// The kept text with this run's values, as SQLKit would have written them.
    private struct Bound: SQLExpression {
        let text: String
        let values: [any Encodable & Sendable]

        func serialize(to serializer: inout SQLSerializer) {
            precondition(serializer.binds.isEmpty, "a fixed statement is a whole query")
            serializer.write(text)
            serializer.binds.append(contentsOf: values)
        }
    }

    /// Rows as the driver hands them over, one statement's worth.
    private final class Rows: Sendable {
        private let rows = Mutex<[any SQLRow]>([])
        func append(_ row: any SQLRow) { rows.withLock { $0.append(row) } }
        var all: [any SQLRow] { rows.withLock { $0 } }
    }
}
