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
    ],
    targets: [
        // Domain types, validation, configuration types. No I/O.
        .target(
            name: "FacepipeCore",
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
        // The Hummingbird application.
        .target(
            name: "Server",
            dependencies: [
                "FacepipeCore",
                "Persistence",
                "Queue",
                "Observability",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
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
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "facepipe",
            dependencies: [
                "App",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        // Helpers shared by the test targets: scratch databases, the built binary.
        .target(
            name: "TestSupport",
            dependencies: [
                "FacepipeCore", "Persistence",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/TestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "FacepipeCoreTests",
            dependencies: ["FacepipeCore", "App"],
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
                "App", "Server", "Queue", "TestSupport", "Observability",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
