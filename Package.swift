// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "people-api",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "people-api", targets: ["people-api"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
    ],
    targets: [
        // libfcgi from Debian's libfcgi-dev; it ships no pkg-config file.
        .systemLibrary(name: "CFastCGI", path: "Sources/CFastCGI"),
        // jansson from Debian's libjansson-dev: the strict RFC 8259 reader of request bodies.
        .systemLibrary(name: "CJansson", path: "Sources/CJansson"),
        // libpq from Debian's libpq-dev: the PostgreSQL client, synchronous as a worker thread is.
        .systemLibrary(name: "CLibPQ", path: "Sources/CLibPQ"),
        // The request and response values that the server and the application share.
        .target(name: "HTTPMessages"),
        // Atomic loads and adds on words of a shared mapping (inline C).
        .target(name: "CScoreboard"),
        // The host's metrics: a shared-memory file of per-process slots, its hooks and its exposition.
        .target(name: "Scoreboard", dependencies: ["CScoreboard"]),
        // How many worker threads run request work at once; a thread waiting on a disk sync steps aside.
        .target(name: "WorkerSlots"),
        // A FastCGI responder server: sockets, worker threads, request and response values.
        .target(
            name: "FastCGI",
            dependencies: [
                "CFastCGI",
                "HTTPMessages",
                "Scoreboard",
                "WorkerSlots",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The application: validator, responder, the store protocols and memory stores. Knows
        // nothing of FastCGI, and links no database: each store is a module of its own.
        .target(
            name: "PeopleAPI",
            dependencies: [
                "CJansson",
                "HTTPMessages",
                "Scoreboard",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // The embedded store: people and tokens in an SQLite file, through GRDB.
        .target(
            name: "PeopleStoreSQLite",
            dependencies: [
                "PeopleAPI",
                "Scoreboard",
                "WorkerSlots",
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        // The shared store: people and tokens in a PostgreSQL database, through libpq.
        .target(
            name: "PeopleStorePostgres",
            dependencies: [
                "PeopleAPI",
                "CLibPQ",
                "Scoreboard",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "people-api",
            dependencies: [
                "FastCGI",
                "PeopleAPI",
                "PeopleStoreSQLite",
                "PeopleStorePostgres",
                "HTTPMessages",
                "Scoreboard",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // libFuzzer targets (scripts/fuzz.sh builds them with -sanitize=fuzzer); a corpus replayer otherwise.
        .executableTarget(
            name: "people-api-fuzz",
            dependencies: [
                "PeopleAPI",
                "HTTPMessages",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The application over the memory stores.
        .testTarget(name: "PeopleAPITests", dependencies: ["PeopleAPI", "HTTPMessages", "Scoreboard"]),
        // What the store tests share: the kinds of store, temporary folders, the PostgreSQL test server.
        .target(name: "StoreTestSupport", dependencies: ["PeopleAPI", "PeopleStoreSQLite", "PeopleStorePostgres"],
                path: "Tests/StoreTestSupport"),
        // One suite, run against every store: memory, SQLite (in memory and on a file), PostgreSQL.
        .testTarget(name: "StoreContractTests", dependencies: [
            "PeopleAPI", "PeopleStoreSQLite", "PeopleStorePostgres", "StoreTestSupport",
        ]),
        // What only one store has: WAL, checkpoints, claims in the file; PostgreSQL's outages.
        .testTarget(name: "SQLiteStoreTests", dependencies: [
            "PeopleAPI", "PeopleStoreSQLite", "StoreTestSupport", .product(name: "GRDB", package: "GRDB.swift"),
        ]),
        .testTarget(name: "PostgresStoreTests", dependencies: ["PeopleAPI", "PeopleStorePostgres", "StoreTestSupport"]),
        .testTarget(name: "FastCGITests", dependencies: ["FastCGI", "HTTPMessages"]),
        .testTarget(name: "ScoreboardTests", dependencies: ["Scoreboard"]),
    ],
    swiftLanguageModes: [.v6]
)
