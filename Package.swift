// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "Tugboat",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "tug", targets: ["Tug"]),
        .executable(name: "tug-shim", targets: ["TugShim"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket.git", from: "2.8.1"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/grpc/grpc-swift-2.git", from: "2.4.3"),
        .package(url: "https://github.com/grpc/grpc-swift-nio-transport.git", from: "2.9.2"),
        .package(url: "https://github.com/grpc/grpc-swift-protobuf.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-protobuf.git", from: "1.39.0"),
    ],
    targets: [
        .target(name: "TugAPI"),
        .target(name: "TugStore", dependencies: ["TugAPI"]),
        .target(name: "TugYAML", dependencies: ["TugAPI", .product(name: "Yams", package: "Yams")]),
        .target(name: "TugStoreSQLite", dependencies: [
            "TugStore",
            .product(name: "GRDB", package: "GRDB.swift"),
        ]),
        .target(name: "TugAPIServer", dependencies: [
            "TugAPI", "TugStore", "TugYAML",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Yams", package: "Yams"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
            .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            "CZlib",
        ]),
        /// The system zlib (SPDY header compression for `kubectl port-forward`); needs zlib1g-dev.
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
        .target(name: "TugClient", dependencies: [
            "TugAPI",
            .product(name: "Yams", package: "Yams"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "TugScheduler", dependencies: [
            "TugClient",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
        .target(name: "TugControllers", dependencies: [
            "TugClient",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
        .target(name: "TugRuntime"),
        .target(name: "TugRuntimeSimulated", dependencies: ["TugRuntime"]),
        .target(name: "TugAgent", dependencies: [
            "TugClient", "TugRuntime", "TugYAML",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
        ]),
        /// The process runtime's per-container supervisor and launcher: Glibc only (no Foundation), so
        /// `tug-shim` starts in a millisecond or two.
        .target(name: "TugShimKit"),
        // Statically linked Swift runtime: one shim per container start, and the dynamic linker's
        // work for libswiftCore was a third of each start.
        .executableTarget(name: "TugShim", dependencies: ["TugShimKit"], linkerSettings: [.unsafeFlags(["-static-stdlib"])]),
        .target(name: "TugRuntimeProcess", dependencies: [
            "TugRuntime", "TugShimKit",
            .product(name: "Logging", package: "swift-log"),
        ]),
        /// containerd around the node: config.toml, registry hosts, the supervised daemon, the pause image, ctr import/list.
        .target(name: "TugContainerd", dependencies: [
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        /// Service proxy (nftables), cluster DNS, CNI config: everything a node does for Services.
        .target(name: "TugNetwork", dependencies: [
            "TugAPI", "TugClient",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
        /// containerd (or any CRI v1 runtime) over gRPC on a unix socket; streaming over its WebSocket server.
        .target(name: "TugRuntimeCRI", dependencies: [
            "TugRuntime",
            .product(name: "GRPCCore", package: "grpc-swift-2"),
            .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
            .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
            .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOCore", package: "swift-nio"),
        ]),
        .target(name: "TugInProcess", dependencies: ["TugAPIServer", "TugClient"]),
        .executableTarget(name: "Tug", dependencies: [
            "TugAPI", "TugStore", "TugStoreSQLite", "TugAPIServer", "TugClient", "TugInProcess", "TugControllers", "TugScheduler", "TugAgent", "TugRuntime", "TugRuntimeSimulated", "TugRuntimeProcess",
            "TugRuntimeCRI", "TugContainerd", "TugNetwork",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
        ]),
        .testTarget(name: "TugAPITests", dependencies: ["TugAPI"]),
        .testTarget(name: "TugRuntimeTests", dependencies: ["TugRuntime"]),
        .testTarget(name: "TugAgentTests", dependencies: [
            "TugAgent", "TugClient", "TugInProcess", "TugAPIServer", "TugStore", "TugRuntime", "TugRuntimeSimulated",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "TugAgentProbeTests", dependencies: [
            "TugAgent", "TugRuntime", "TugAPI",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
        ]),
        .testTarget(name: "TugRuntimeProcessTests", dependencies: [
            "TugRuntimeProcess", "TugRuntime", "TugShimKit",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "TugContainerdTests", dependencies: [
            "TugContainerd",
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
        .testTarget(name: "TugNetworkTests", dependencies: [
            "TugNetwork", "TugContainerd", "TugAPI", "TugClient", "TugInProcess", "TugAPIServer", "TugStore",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "TugRuntimeCRITests", dependencies: [
            "TugRuntimeCRI", "TugRuntime",
            .product(name: "GRPCCore", package: "grpc-swift-2"),
            .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
            .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOCore", package: "swift-nio"),
        ]),
        .testTarget(name: "TugStoreTests", dependencies: ["TugStore", "TugStoreSQLite"]),
        .testTarget(name: "TugClientTests", dependencies: [
            "TugClient", "TugInProcess", "TugAPIServer", "TugStore",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "TugSchedulerTests", dependencies: ["TugScheduler"]),
        .testTarget(name: "TugControllersTests", dependencies: [
            "TugControllers", "TugClient", "TugInProcess", "TugAPIServer", "TugStore",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "TugStreamingTests", dependencies: [
            "TugAPIServer", "TugStore", "TugAgent", "TugRuntime",
            .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
        ]),
        .testTarget(name: "TugAPIServerTests", dependencies: [
            "TugAPIServer", "TugStore",
            .product(name: "HummingbirdTesting", package: "hummingbird"),
        ]),
    ]
)
