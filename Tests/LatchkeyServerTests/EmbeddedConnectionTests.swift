import Logging
import SQLKit
import Testing
@testable import LatchkeyStorage

@Suite("SQLite's embedded connection")
struct EmbeddedConnectionTests {
    let logger = Logger(label: "test")

    @Test func aKeptSelectSeesAColumnAddedAfterItWasPrepared() async throws {
        let database = try await SQLiteProvider.open(path: ":memory:", logger: logger)
        defer { Task { try? await database.close() } }
        try await database.transaction { db in
            try await db.raw("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)").run()
            try await db.raw("INSERT INTO notes (id, text) VALUES (1, 'first')").run()
        }
        let before = try await database.read { db in try await db.select().column("*").from("notes").all() }
        #expect(before.first?.allColumns == ["id", "text"])

        try await database.transaction { db in try await db.raw("ALTER TABLE notes ADD COLUMN author TEXT DEFAULT 'ops'").run() }
        let after = try await database.read { db in try await db.select().column("*").from("notes").all() }
        #expect(after.first?.allColumns == ["id", "text", "author"])
        #expect(try after.first?.decode(column: "author", as: String.self) == "ops")
    }

    @Test func aUniqueViolationIsRecognisedAndTheConnectionGoesOn() async throws {
        let database = try await SQLiteProvider.open(path: ":memory:", logger: logger)
        defer { Task { try? await database.close() } }
        try await database.transaction { db in try await db.raw("CREATE TABLE names (name TEXT PRIMARY KEY)").run() }
        try await database.transaction { db in try await db.insert(into: "names").columns("name").values(SQLBind("a")).run() }
        await #expect { try await database.transaction { db in try await db.insert(into: "names").columns("name").values(SQLBind("a")).run() } }
            throws: { isUniqueViolation($0) }
        let count = try await database.read { db in try await db.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from("names").first()?.decode(column: "n", as: Int.self) }
        #expect(count == 1)
    }
}
