/// When a loader gives up on damaged input (libvips' `VipsFailOn`).
public enum DecodeStrictness: Int32, Sendable, Hashable, CaseIterable {
    /// Decode whatever can be decoded (grey or garbage where data is missing).
    case lenient = 0
    /// Fail on truncated data (libvips `VIPS_FAIL_ON_TRUNCATED`).
    case truncated = 1
    /// Fail on truncation and on serious decoder errors.
    case error = 2
    /// Fail on anything, even decoder warnings.
    case warning = 3
}
