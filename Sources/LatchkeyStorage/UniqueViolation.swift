import PostgresNIO

/// True when the error is a UNIQUE constraint failure on either engine.
func isUniqueViolation(_ error: any Error) -> Bool {
    if let sqlite = error as? SQLiteFailure {
        return sqlite.isUniqueViolation
    }
    if let postgres = error as? PSQLError {
        return postgres.serverInfo?[.sqlState] == "23505"
    }
    return false
}
