import PeopleAPI
import Foundation
import GRDB

/// The SQLite schema, as numbered migrations that run at start-up.
enum SQLiteSchema {
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
        migrator.registerMigration("v2: operator tokens, erasure, signed cursors") { db in
            // Only a token's SHA-256 digest is kept; the token itself is shown once, at creation.
            try db.execute(sql: """
                CREATE TABLE operator_token (
                    name       TEXT PRIMARY KEY NOT NULL,
                    digest     BLOB NOT NULL UNIQUE,
                    created_at TEXT NOT NULL
                ) WITHOUT ROWID;
                -- Erasing a person finds the idempotency records that hold a copy of them.
                CREATE INDEX idempotency_key_person ON idempotency_key(person_id);
                CREATE TABLE server_secret (
                    name  TEXT PRIMARY KEY NOT NULL,
                    value BLOB NOT NULL
                ) WITHOUT ROWID;
                """)
            try db.execute(sql: "INSERT INTO server_secret (name, value) VALUES ('cursor', ?)",
                           arguments: [Data(SecureRandom.bytes(32))])
        }
        migrator.registerMigration("v3: idempotency claims") { db in
            // A key whose first create is still being handled, by any process on this file.
            try db.execute(sql: """
                CREATE TABLE idempotency_claim (
                    key        TEXT PRIMARY KEY NOT NULL,
                    claimed_ms INTEGER NOT NULL
                ) WITHOUT ROWID;
                """)
        }
        migrator.registerMigration("v4: idempotency records expire") { db in
            // Expiry finds the oldest records without a scan.
            try db.execute(sql: "CREATE INDEX idempotency_key_created ON idempotency_key(created_at)")
        }
        migrator.registerMigration("v5: claim owners") { db in
            // The claiming process ("pid:starttime"), so that a claim whose owner was killed is not "in use".
            try db.execute(sql: "ALTER TABLE idempotency_claim ADD COLUMN owner TEXT")
        }
        return migrator
    }
}
