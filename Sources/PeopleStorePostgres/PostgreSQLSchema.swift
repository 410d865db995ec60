import PeopleAPI

/// The PostgreSQL schema, as numbered migrations applied at start under an advisory lock:
/// ten processes starting at once migrate once, the others wait and find nothing to do.
enum PostgreSQLSchema {
    /// (classid, objid) of the session advisory lock that migrations hold. The two-key form
    /// never collides with the one-key locks that idempotency claims take.
    private static let migrationLock = "4242, 1"

    static let migrations: [(version: Int, description: String, sql: @Sendable () -> String)] = [
        (1, "people, idempotency records, operator tokens, the cursor key", {
            """
            -- `sequence` orders the newest-first list and backs its keyset cursor.
            CREATE TABLE person (
                sequence   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                id         text NOT NULL UNIQUE,
                name       text NOT NULL,
                email      text NOT NULL,
                email_key  text NOT NULL,
                age        integer,
                created_at text NOT NULL
            );
            -- The database, not a read-then-write in some process, decides that an email is taken.
            CREATE UNIQUE INDEX person_email_key ON person (email_key);
            -- Erasing a person takes the records holding a copy of them along.
            CREATE TABLE idempotency_key (
                key         text PRIMARY KEY,
                fingerprint text NOT NULL,
                person_id   text NOT NULL REFERENCES person (id) ON DELETE CASCADE,
                created_at  text NOT NULL
            );
            CREATE INDEX idempotency_key_person ON idempotency_key (person_id);
            -- Expiry finds the oldest records without a scan.
            CREATE INDEX idempotency_key_created ON idempotency_key (created_at);
            -- Only a token's SHA-256 digest is kept.
            CREATE TABLE operator_token (
                name       text PRIMARY KEY,
                digest     bytea NOT NULL UNIQUE,
                created_at text NOT NULL
            );
            CREATE TABLE server_secret (
                name  text PRIMARY KEY,
                value bytea NOT NULL
            );
            INSERT INTO server_secret (name, value) VALUES ('cursor', decode('\(Hex.encode(SecureRandom.bytes(32)))', 'hex'));
            """
        }),
        (2, "erased people's row versions vacuumed within a minute", {
            """
            -- Autovacuum's default waits until a fifth of a table is dead rows: an erased person's
            -- row version (name, email) could stay readable in the table's files for months. With
            -- no threshold, the next autovacuum round (autovacuum_naptime, 1 min by default)
            -- vacuums any table with a dead row.
            ALTER TABLE person SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 0);
            ALTER TABLE idempotency_key SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 0);
            """
        }),
    ]

    /// Applies the missing migrations, each in its own transaction, holding the migration lock.
    static func migrate(_ connection: PostgreSQLConnection) throws {
        try connection.execute("SELECT pg_advisory_lock(\(migrationLock))")
        defer { _ = try? connection.execute("SELECT pg_advisory_unlock(\(migrationLock))") }
        try connection.execute("""
            CREATE TABLE IF NOT EXISTS schema_migration (
                version     integer PRIMARY KEY,
                description text NOT NULL,
                applied_at  timestamptz NOT NULL DEFAULT now()
            )
            """)
        let applied = Set(try connection.execute("SELECT version FROM schema_migration").rows.compactMap { $0.first ?? nil })
        for migration in migrations where !applied.contains(String(migration.version)) {
            try connection.transaction {
                try connection.execute(migration.sql())
                try connection.execute(PostgreSQLStatement(
                    name: "record_migration", sql: "INSERT INTO schema_migration (version, description) VALUES ($1, $2)"),
                    [String(migration.version), migration.description])
            }
        }
    }
}
