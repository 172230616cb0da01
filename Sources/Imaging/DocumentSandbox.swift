import FacepipeCore
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Runs `DocumentWork` on an untrusted document in a child process (issue 22): poppler and
/// libtiff parse hostile files there, never in the API or the worker, under limits the child
/// sets on itself before it reads a byte — CPU time and address space (`setrlimit`) — and a
/// wall-clock deadline the parent enforces by killing it. A document that hangs, spins or
/// balloons costs one child, not a thread written off for good or the whole process.
///
/// The child is this same executable (`facepipe document-child <request JSON>`): it answers
/// with one JSON line on standard output and writes a rendered page to the file named in the
/// request.
public struct DocumentSandbox: Sendable {
    public struct Limits: Sendable, Equatable, Codable {
        /// CPU seconds, and the wall-clock deadline.
        public var seconds: Int
        /// Address space, MiB.
        public var memoryMB: Int
        public init(seconds: Int = 60, memoryMB: Int = 3072) {
            self.seconds = seconds
            self.memoryMB = memoryMB
        }
    }

    public let executable: URL
    public let limits: Limits

    public init(executable: URL = DocumentSandbox.facepipeExecutable(), limits: Limits = Limits()) {
        self.executable = executable
        self.limits = limits
    }

    /// This process when it is `facepipe`; otherwise the `facepipe` built beside it (the test
    /// bundle lives in the same build folder).
    public static func facepipeExecutable() -> URL {
        let me = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        if me.lastPathComponent == "facepipe" { return me }
        return me.deletingLastPathComponent().appendingPathComponent("facepipe")
    }

    /// What the child is asked (the argument after `document-child`).
    public struct Request: Codable, Sendable {
        public enum Operation: String, Codable, Sendable { case probe, render }
        public var operation: Operation
        public var input: String
        public var type: MediaType
        public var page: Int?
        public var output: String?
        public var maxDimension: Int
        public var maxPixels: Int
        public var documentMaxPages: Int
        public var documentDPI: Double
        public var documentMaxPageDimension: Int
        public var limits: Limits

        var config: IngestConfig {
            var config = IngestConfig(maxDimension: maxDimension, maxPixels: maxPixels)
            config.documentMaxPages = documentMaxPages
            config.documentDPI = documentDPI
            config.documentMaxPageDimension = documentMaxPageDimension
            return config
        }
    }

    /// The child's one line of output.
    public struct Answer: Codable, Sendable {
        public var pages: Int?
        public var width: Int?
        public var height: Int?
        public var dpi: Double?
        public var type: MediaType?
        /// `tooManyPages`, `pageTooLarge`, `encrypted`, `unreadable`, `tooLarge`, `corrupt`.
        public var error: String?
        public var message: String?
        public var count: Int?
        public var limit: Int?
    }

    /// The document's page count, every page checked (`DocumentWork.probe`).
    public func probe(fileAt url: URL, type: MediaType, config: IngestConfig) async throws -> Int {
        let answer = try await run(request(.probe, url, type: type, page: nil, output: nil, config: config))
        guard let pages = answer.pages else { throw DocumentError.unreadable("no page count from the renderer") }
        return pages
    }

    /// Page `page` (from 1) rendered as stored (`DocumentWork.render`).
    public func render(fileAt url: URL, type: MediaType, page: Int, config: IngestConfig) async throws -> DocumentWork.RenderedPage {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("facepipe-page-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: output) }
        let answer = try await run(request(.render, url, type: type, page: page, output: output.path, config: config))
        guard let width = answer.width, let height = answer.height, let type = answer.type else {
            throw DocumentError.unreadable("no page from the renderer")
        }
        return DocumentWork.RenderedPage(data: try Data(contentsOf: output), type: type, width: width, height: height, dpi: answer.dpi)
    }

    func request(_ operation: Request.Operation, _ url: URL, type: MediaType, page: Int?, output: String?, config: IngestConfig)
        -> Request
    {
        Request(operation: operation, input: url.path, type: type, page: page, output: output, maxDimension: config.maxDimension,
                maxPixels: config.maxPixels, documentMaxPages: config.documentMaxPages, documentDPI: config.documentDPI,
                documentMaxPageDimension: config.documentMaxPageDimension, limits: limits)
    }

    /// Starts the child, waits at most `limits.seconds` (then kills it), and turns its answer
    /// back into the errors `DocumentWork` would have thrown in process.
    func run(_ request: Request) async throws -> Answer {
        let process = Process()
        process.executableURL = executable
        process.arguments = ["document-child", String(decoding: try JSONEncoder().encode(request), as: UTF8.self)]
        process.environment = Self.childEnvironment(ProcessInfo.processInfo.environment)
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        let (exits, continuation) = AsyncStream<Int32>.makeStream()
        process.terminationHandler = {
            continuation.yield($0.terminationReason == .uncaughtSignal ? -$0.terminationStatus : $0.terminationStatus)
            continuation.finish()
        }
        try process.run()
        let pid = process.processIdentifier
        // The deadline: a child still running then is killed, whatever it is doing.
        let deadline = Task {
            try await Task.sleep(for: .seconds(limits.seconds))
            kill(pid, SIGKILL)
        }
        let read = Task.detached { (output.fileHandleForReading.readDataToEndOfFile(), errors.fileHandleForReading.readDataToEndOfFile()) }
        var status: Int32 = 0
        for await code in exits { status = code }
        deadline.cancel()
        let (stdout, stderr) = await read.value
        let line = String(decoding: stdout, as: UTF8.self).split(separator: "\n").last.map(String.init) ?? ""
        if let answer = try? JSONDecoder().decode(Answer.self, from: Data(line.utf8)) {
            if let error = answer.error { throw Self.error(error, answer) }
            if status == 0 { return answer }
        }
        let detail = String(decoding: stderr.suffix(500), as: UTF8.self)
        throw DocumentError.unreadable(status < 0
            ? "the renderer was stopped (signal \(-status): over \(limits.seconds) s or \(limits.memoryMB) MiB)"
            : "the renderer failed (status \(status)) \(detail)")
    }

    static func error(_ kind: String, _ answer: Answer) -> any Error {
        switch kind {
        case "tooManyPages": DocumentError.tooManyPages(answer.count ?? 0, limit: answer.limit ?? 0)
        case "pageTooLarge": DocumentError.pageTooLarge(width: Double(answer.width ?? 0), height: Double(answer.height ?? 0))
        case "encrypted": DocumentError.encrypted
        case "tooLarge": ImagingError.tooLarge(width: answer.width ?? 0, height: answer.height ?? 0)
        case "corrupt": ImagingError.invalidImage(answer.message ?? "corrupt")
        default: DocumentError.unreadable(answer.message ?? "unreadable")
        }
    }

    /// AddressSanitizer and ThreadSanitizer map terabytes of shadow memory when the process
    /// starts, so in a `make sanitize` build an address-space limit makes every later allocation
    /// fail; there the child keeps its CPU limit and the parent's deadline only. Known by symbol:
    /// a sanitized build exports its runtime's entry point, an ordinary build has none.
    static var runsUnderSanitizer: Bool {
        let entryPoints: [String] = ["__asan_init", "__tsan_init"]
        return entryPoints.contains { dlsym(nil, $0) != nil }
    }

    /// Nothing of the parent's environment but a sanitizer's options (`make sanitize` turns leak
    /// reports off, and a child that reported leaks would exit 1 and fail every document).
    static func childEnvironment(_ parent: [String: String]) -> [String: String] {
        var environment = ["PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"]
        for name in ["ASAN_OPTIONS", "TSAN_OPTIONS", "LSAN_OPTIONS"] { environment[name] = parent[name] }
        return environment
    }

    /// The child's whole life: limits first, then the work, then one line of JSON.
    public static func childMain(_ argument: String) -> Int32 {
        func answer(_ value: Answer) -> Int32 {
            let line = (try? JSONEncoder().encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
            FileHandle.standardOutput.write(Data((line + "\n").utf8))
            return 0
        }
        guard let request = try? JSONDecoder().decode(Request.self, from: Data(argument.utf8)) else {
            return answer(Answer(error: "unreadable", message: "bad request"))
        }
        var cpu = rlimit(rlim_cur: rlim_t(request.limits.seconds), rlim_max: rlim_t(request.limits.seconds + 1))
        var memory = rlimit(rlim_cur: rlim_t(request.limits.memoryMB) << 20, rlim_max: rlim_t(request.limits.memoryMB) << 20)
        guard setrlimit(__rlimit_resource_t(RLIMIT_CPU.rawValue), &cpu) == 0,
              runsUnderSanitizer || setrlimit(__rlimit_resource_t(RLIMIT_AS.rawValue), &memory) == 0
        else {
            FileHandle.standardError.write(Data("cannot set limits: \(String(cString: strerror(errno)))\n".utf8))
            return 70
        }
        do {
            // Single-threaded libvips: the limits are per process, and a page needs no more.
            try VipsRuntime.start(.init(concurrency: 1))
            switch request.operation {
            case .probe:
                return answer(Answer(pages: try DocumentWork.probe(fileAt: URL(fileURLWithPath: request.input), type: request.type,
                                                                    config: request.config)))
            case .render:
                let bytes = try Data(contentsOf: URL(fileURLWithPath: request.input))
                let page = try DocumentWork.render(bytes, type: request.type, page: request.page ?? 1, config: request.config)
                try page.data.write(to: URL(fileURLWithPath: request.output ?? "/dev/null"))
                return answer(Answer(width: page.width, height: page.height, dpi: page.dpi, type: page.type))
            }
        } catch let error as DocumentError {
            switch error {
            case .tooManyPages(let count, let limit): return answer(Answer(error: "tooManyPages", count: count, limit: limit))
            case .pageTooLarge(let width, let height): return answer(Answer(width: Int(width), height: Int(height), error: "pageTooLarge"))
            case .encrypted: return answer(Answer(error: "encrypted"))
            case .unreadable(let message): return answer(Answer(error: "unreadable", message: message))
            }
        } catch let error as ImagingError {
            if case .tooLarge(let width, let height) = error { return answer(Answer(width: width, height: height, error: "tooLarge")) }
            return answer(Answer(error: "corrupt", message: "\(error)"))
        } catch {
            return answer(Answer(error: "unreadable", message: "\(error)"))
        }
    }
}
