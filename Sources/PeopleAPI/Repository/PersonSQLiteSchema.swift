import GRDB

/// The SQLite schema, as numbered migrations that run at start-up.
enum PersonSQLiteSchema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            // `sequence` orders the newest-first list and backs its keyset cursor.
            try db.execute(sql: """
                CREATE TABLE person (
                    sequence   INTEGER PRIMARY KEY AUTOINCREMENT,
                    id         TEXT NOT NULL UNIQUE,
                    name       TEXT NOT NULL,
                    email      TEXT NOT NULL,
                    email_key  TEXT NOT NULL,
                    age        INTEGER,
                    created_at TEXT NOT NULL
                );
                -- The database, not a read-then-write, decides that an email is taken.
                CREATE UNIQUE INDEX person_email_key ON person(email_key);
                CREATE TABLE idempotency_key (
                    key         TEXT PRIMARY KEY NOT NULL,
                    fingerprint TEXT NOT NULL,
                    person_id   TEXT NOT NULL REFERENCES person(id),
                    created_at  TEXT NOT NULL
                ) WITHOUT ROWID;
                """)
        }
        return migrator
    }
}
