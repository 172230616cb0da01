import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// glibc's malloc gives each thread that finds the others' arenas busy an arena of its own, up
/// to eight per core, and memory freed into one arena is not handed to another. facepipe's
/// threads (NIO's, Swift's pool, libvips' and ONNX Runtime's workers) allocate and free large
/// pixel buffers all day, so a long-running API or worker kept growing under steady load. With
/// two arenas it levels off (`make soak`; figures in the README). Sharp, the libvips binding,
/// documents the same fragmentation.
enum MallocArenas {
    /// glibc's `M_ARENA_MAX` (malloc.h, which Swift's Glibc module does not include).
    static let arenaMaxParameter: Int32 = -8
    static let defaultLimit: Int32 = 2

    /// Limits arenas to `defaultLimit` unless `MALLOC_ARENA_MAX` or the `glibc.malloc.arena_max`
    /// tunable is set (glibc reads those itself, so an operator's own choice stands). Called first thing in `main`, before any
    /// thread has asked for an arena.
    static func limit(environment: [String: String] = ProcessInfo.processInfo.environment) {
        guard environment["MALLOC_ARENA_MAX"] == nil, environment["GLIBC_TUNABLES"]?.contains("arena_max") != true else { return }
        #if canImport(Glibc)
        // Looked up rather than declared: malloc.h is not part of the Glibc module.
        typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
        guard let symbol = dlsym(nil, "mallopt") else { return }
        _ = unsafeBitCast(symbol, to: Mallopt.self)(arenaMaxParameter, defaultLimit)
        #endif
    }
}
