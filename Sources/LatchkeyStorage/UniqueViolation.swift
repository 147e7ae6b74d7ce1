import PostgresNIO
import SQLiteNIO

/// True when the error is a UNIQUE constraint failure on either engine.
func isUniqueViolation(_ error: any Error) -> Bool {
    if let sqlite = error as? SQLiteError {
        return sqlite.reason == .constraintUniqueFailed || sqlite.reason == .constraintPrimaryKeyFailed
    }
    if let postgres = error as? PSQLError {
        return postgres.serverInfo?[.sqlState] == "23505"
    }
    return false
}
