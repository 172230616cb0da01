// swift-tools-version: 6.1
import PackageDescription

let swiftSettings: [SwiftSetting] = [.swiftLanguageMode(.v6)]

let package = Package(
    name: "facepipe",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "facepipe", targets: ["facepipe"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-configuration", from: "1.4.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        // jwt-kit 5 needs swift-crypto 4; everything else here works with 3.12 or 4.
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        // Not used by the build: `make openapi` runs its command-line tool (scripts/generate-openapi.sh).
        // Exact, so the committed output is what any machine regenerates.
        .package(url: "https://github.com/apple/swift-openapi-generator", exact: "1.14.3"),
        .package(url: "https://github.com/apple/swift-openapi-runtime", from: "1.13.4"),
        .package(url: "https://github.com/hummingbird-project/swift-openapi-hummingbird", from: "2.1.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.5.0"),
        .package(url: "https://github.com/vapor/jwt-kit", from: "5.7.1"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
    ],
    targets: [
        // Domain types, validation, configuration types. No I/O.
        .target(
            name: "FacepipeCore",
            dependencies: ["CFaceScan"],
            swiftSettings: swiftSettings
        ),
        // AVX2 kernels (chosen at run time, portable C otherwise) for FaceVectorIndex's scans.
        .target(name: "CFaceScan"),
        // libvips, found with pkg-config (Debian libvips-dev).
        .systemLibrary(
            name: "CLibvips",
            pkgConfig: "vips",
            providers: [.apt(["libvips-dev"])]
        ),
        // Fixed-argument C wrappers around libvips' variadic API (Swift cannot call varargs).
        .target(
            name: "CVips",
            dependencies: ["CLibvips"]
        ),
        // Decode, orient, thumbnail, encode, pixels: the Swift face of libvips.
        .target(
            name: "Imaging",
            dependencies: [
                "FacepipeCore", "CVips",
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // MediaStore: local folder and S3 (Signature V4), signed URLs.
        .target(
            name: "Storage",
            dependencies: [
                "FacepipeCore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // ClamAV clamd client (INSTREAM).
        .target(
            name: "Scanning",
            dependencies: [
                "FacepipeCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),
        // The one write path for an image: its rows, stored files, registry, timeline and jobs.
        .target(
            name: "Catalog",
            dependencies: [
                "FacepipeCore", "Persistence", "Storage", "Queue",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // Taking in uploads: spool, scan, sniff, validate, dedupe, store, record, queue.
        .target(
            name: "Ingest",
            dependencies: [
                "FacepipeCore", "Imaging", "Storage", "Scanning", "Persistence", "Queue", "Catalog",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // Job handlers that compose imaging, storage and persistence.
        .target(
            name: "Pipeline",
            dependencies: [
                "FacepipeCore", "Imaging", "Storage", "Persistence", "Queue", "Faces", "Catalog",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // Outgoing webhooks: payloads, signing, queued delivery with retries.
        .target(
            name: "Webhooks",
            dependencies: [
                "FacepipeCore", "Queue",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // dlib face embeddings (Debian libdlib-dev + OpenBLAS) behind a plain C API:
        // 5-point alignment, 150 px chip, ResNet -> 128 floats. Swift sees only C.
        .target(
            name: "CDlib",
            cxxSettings: [
                // libdlib.so is built without asserts; SwiftPM's debug -DDEBUG=1 would enable them
                // in our object and trip dlib's build-consistency check at link time.
                .define("DLIB_DISABLE_ASSERTS"),
                // dlib's templates at -O0 are 3-25x slower (HOG: 4-14 s a photo): optimise in debug too.
                .unsafeFlags(["-O2"], .when(configuration: .debug)),
            ],
            // dlib's headers call BLAS/LAPACK (cblas_dgemm, dgesvd_) from our own object file.
            linkerSettings: [.linkedLibrary("dlib"), .linkedLibrary("blas"), .linkedLibrary("lapack"), .linkedLibrary("dl")]
        ),
        // ONNX Runtime's C API, opened with dlopen at run time (no headers or link-time library).
        .target(
            name: "COnnxRuntime",
            linkerSettings: [.linkedLibrary("dl")]
        ),
        // Face detection (CenterFace on ONNX Runtime) and the face types other steps share.
        .target(
            name: "Faces",
            dependencies: [
                "FacepipeCore", "Imaging", "COnnxRuntime", "CDlib",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // JSON-lines log handler shared by every command.
        .target(
            name: "Observability",
            dependencies: [
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: swiftSettings
        ),
        // Supervises a local PostgreSQL cluster (the embedded default).
        .target(
            name: "EmbeddedPostgres",
            dependencies: [
                "FacepipeCore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // PostgresClient set-up, migrations, repositories.
        .target(
            name: "Persistence",
            dependencies: [
                "FacepipeCore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: swiftSettings
        ),
        // The PostgreSQL job queue: enqueue, claim, lease, retry, wake-ups, worker pool.
        .target(
            name: "Queue",
            dependencies: [
                "FacepipeCore",
                "Persistence",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // What a caller may do: each service takes the caller, decides access once (the role
        // matrix in Core), writes the audit entry, and calls repositories, queue and pipeline.
        .target(
            name: "Services",
            dependencies: [
                "FacepipeCore", "Persistence", "Queue", "Storage", "Ingest", "Pipeline", "Faces", "Imaging", "Catalog",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // Server-rendered pages (swift-mustache templates, one stylesheet, a little JavaScript) that
        // call the same services as the JSON API.
        .target(
            name: "Web",
            dependencies: [
                "FacepipeCore", "Services", "Persistence", "Storage",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdAuth", package: "hummingbird-auth"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ],
            resources: [.copy("Templates"), .copy("Assets")],
            swiftSettings: swiftSettings
        ),
        // The Hummingbird application.
        .target(
            name: "Server",
            dependencies: [
                "FacepipeCore",
                "Persistence",
                "Queue",
                "Observability",
                "Ingest",
                "Storage",
                "Faces",
                "Pipeline",
                "Imaging",
                "Services",
                "Web",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "OpenAPIHummingbird", package: "swift-openapi-hummingbird"),
                .product(name: "HummingbirdAuth", package: "hummingbird-auth"),
            ],
            // Generated/ holds swift-openapi-generator's output for openapi.yaml, committed
            // (scripts/generate-openapi.sh, `make openapi`): see that script for why.
            exclude: ["Generated/openapi-generator-config.yaml"],
            resources: [.copy("openapi.yaml")],
            swiftSettings: swiftSettings
        ),
        // Wires configuration and services together: shared by commands and tests.
        .target(
            name: "App",
            dependencies: [
                "FacepipeCore",
                "EmbeddedPostgres",
                "Persistence",
                "Queue",
                "Server",
                "Observability",
                "Ingest",
                "Storage",
                "Scanning",
                "Imaging",
                "Pipeline",
                "Webhooks",
                "Faces",
                "Services",
                "Web",
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "facepipe",
            dependencies: [
                "App", "Pipeline", "Imaging", "FacepipeCore", "Persistence", "Faces", "Services",
                // SamplePDF for `bench documents`.
                "SampleMedia",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        // Sample files built in code (PDFs), for benchmarks and tests alike.
        .target(
            name: "SampleMedia",
            swiftSettings: swiftSettings
        ),
        // Helpers shared by the test targets: scratch databases, the built binary.
        .target(
            name: "TestSupport",
            dependencies: [
                "FacepipeCore", "Persistence", "SampleMedia",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/TestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "FacepipeCoreTests",
            dependencies: ["FacepipeCore", "App", "TestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ImagingTests",
            dependencies: ["Imaging", "FacepipeCore", "TestSupport", "CVips"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "StorageTests",
            dependencies: ["Storage", "FacepipeCore"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ScanningTests",
            dependencies: ["Scanning", "FacepipeCore", "TestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "WebhooksTests",
            dependencies: [
                "Webhooks", "Queue", "FacepipeCore", "Persistence", "TestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PipelineTests",
            dependencies: ["Pipeline", "Ingest", "Imaging", "Storage", "Persistence", "Queue", "FacepipeCore", "TestSupport", "Faces"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "FacesTests",
            dependencies: ["Faces", "Imaging", "FacepipeCore", "TestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "QueueTests",
            dependencies: ["Queue", "Persistence", "App", "EmbeddedPostgres", "TestSupport", "facepipe"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ServerTests",
            dependencies: [
                "App", "Server", "Queue", "TestSupport", "Observability", "Ingest", "Storage", "Scanning", "Imaging",
                "Persistence", "Faces", "Pipeline", "Services", "Web", "EmbeddedPostgres",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
