/// Why a scan produced no verdict. None of these mean the content is clean.
public enum ScanError: Error, Sendable, Equatable {
    /// The scanner could not be connected to (refused, no such socket, connect timed out).
    case unreachable(String)
    /// No complete answer within the scan timeout.
    case timeout
    /// The stream was longer than the scanner accepts (clamd's StreamMaxLength).
    case sizeLimitExceeded
    /// The scanner answered with an error, e.g. clamd's `... ERROR`; carries its text.
    case scannerError(String)
    /// The answer did not follow the protocol, or the connection broke mid-exchange.
    case protocolError(String)
}
