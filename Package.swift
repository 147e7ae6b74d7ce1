// swift-tools-version:6.0
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny")
]

let package = Package(
    name: "latchkey",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "latchkey", targets: ["latchkey"]),
        // For the platform's own APIs: validates Latchkey's access tokens (Hummingbird middleware).
        .library(name: "LatchkeyResourceKit", targets: ["LatchkeyResourceKit"]),
        // For apps: validates context tokens and signed events, and obtains access tokens.
        .library(name: "LatchkeyAppKit", targets: ["LatchkeyAppKit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.8.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/vapor/sql-kit.git", from: "3.36.0"),
        .package(url: "https://github.com/vapor/sqlite-kit.git", from: "4.5.2"),
        .package(url: "https://github.com/vapor/postgres-kit.git", from: "2.17.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/vapor/sqlite-nio.git", from: "1.13.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
    ],
    targets: [
        // The wire contract the server and both kits share: principals, bearer credentials,
        // base64url, hex and GUID text, the event signature. Foundation and Crypto only.
        .target(name: "LatchkeyWire", dependencies: [.product(name: "Crypto", package: "swift-crypto")], swiftSettings: strict),
        // The seed's rules: pure values and functions, no web framework, no SQL.
        .target(
            name: "LatchkeyCore",
            dependencies: [
                "LatchkeyWire",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        // SQL schema, migrations and repositories for SQLite and PostgreSQL.
        .target(
            name: "LatchkeyStorage",
            dependencies: [
                "LatchkeyCore",
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "SQLiteKit", package: "sqlite-kit"),
                .product(name: "PostgresKit", package: "postgres-kit"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        // OAuth 2.0 protocol: grants, token formats, discovery. No SQL, no HTTP framework.
        .target(
            name: "LatchkeyOAuth",
            dependencies: [
                "LatchkeyWire",
                "LatchkeyCore",
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        // HTTP: Hummingbird application, controllers, middleware, services.
        .target(
            name: "LatchkeyServer",
            dependencies: [
                "LatchkeyWire",
                "LatchkeyCore",
                "LatchkeyStorage",
                "LatchkeyOAuth",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HummingbirdAuth", package: "hummingbird-auth"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "SQLKit", package: "sql-kit"),
            ],
            resources: [.copy("Resources")],
            swiftSettings: strict
        ),
        // URLSession requests that a cancelled task cannot hang (server, and both kits).
        .target(name: "LatchkeyHTTP", swiftSettings: strict),
        // For resource servers: access-token validation as Hummingbird middleware.
        .target(
            name: "LatchkeyResourceKit",
            dependencies: [
                "LatchkeyWire",
                "LatchkeyHTTP",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "JWTKit", package: "jwt-kit"),
            ],
            swiftSettings: strict
        ),
        // For apps written for the platform: context tokens, signed events, the token service.
        .target(
            name: "LatchkeyAppKit",
            dependencies: [
                "LatchkeyWire",
                "LatchkeyHTTP",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "TripCalendar",
            dependencies: ["LatchkeyAppKit", .product(name: "Hummingbird", package: "hummingbird")],
            path: "Examples/TripCalendar",
            swiftSettings: strict
        ),
        .executableTarget(
            name: "CalendarAPI",
            dependencies: ["LatchkeyResourceKit", .product(name: "Hummingbird", package: "hummingbird")],
            path: "Examples/CalendarAPI",
            swiftSettings: strict
        ),
        .executableTarget(
            name: "latchkey",
            dependencies: [
                "LatchkeyCore",
                "LatchkeyServer",
                "LatchkeyStorage",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "token-path-benchmark",
            dependencies: ["LatchkeyWire", "LatchkeyCore", "LatchkeyOAuth", .product(name: "Crypto", package: "swift-crypto")],
            path: "Benchmarks/TokenPath",
            swiftSettings: strict
        ),
        // For the unit suites: the core and the protocol directory on in-memory SQLite, a manual clock.
        .target(
            name: "LatchkeyTestSupport",
            dependencies: [
                "LatchkeyCore",
                "LatchkeyOAuth",
                "LatchkeyStorage",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Tests/LatchkeyTestSupport",
            swiftSettings: strict
        ),
        .testTarget(
            name: "LatchkeyCoreTests",
            dependencies: ["LatchkeyCore", "LatchkeyStorage", "LatchkeyTestSupport"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "LatchkeyOAuthTests",
            dependencies: [
                "LatchkeyOAuth", "LatchkeyCore", "LatchkeyWire", "LatchkeyTestSupport", .product(name: "JWTKit", package: "jwt-kit"), .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        .testTarget(name: "LatchkeyWireTests", dependencies: ["LatchkeyWire"], swiftSettings: strict),
        .testTarget(
            name: "LatchkeyAppKitTests",
            dependencies: ["LatchkeyAppKit", "LatchkeyWire", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "LatchkeyResourceKitTests",
            dependencies: [
                "LatchkeyResourceKit",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "LatchkeyServerTests",
            dependencies: [
                "LatchkeyWire",
                "LatchkeyCore",
                "LatchkeyOAuth",
                "LatchkeyServer",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                "LatchkeyResourceKit",
                "LatchkeyAppKit",
                "LatchkeyHTTP",
                "LatchkeyStorage",
                .product(name: "SQLKit", package: "sql-kit"),
            ],
            swiftSettings: strict
        ),
    ]
)
