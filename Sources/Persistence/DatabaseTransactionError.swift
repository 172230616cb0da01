/// What went wrong in `DatabaseClient.withTransaction`, as PostgresNIO's
/// `PostgresTransactionError` reports it (whose initializer is not public): the error of
/// `BEGIN`, of the caller's closure (then whether `ROLLBACK` failed too), or of `COMMIT`.
/// Every transaction in facepipe goes through that call, so this is the only transaction error
/// the error middleware and the outage check need to look inside.
public struct DatabaseTransactionError: Error {
    public var file: String
    public var line: Int
    public var beginError: (any Error)?
    public var closureError: (any Error)?
    public var rollbackError: (any Error)?
    public var commitError: (any Error)?

    init(file: String, line: Int, beginError: (any Error)? = nil) {
        self.file = file
        self.line = line
        self.beginError = beginError
    }
}
