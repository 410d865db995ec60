"""The one place the Python tests read the store directly, to check what the API cannot show
(a failed create left nothing behind, a 201 survived a crash). A stack's `database` is an
SQLite file's path or a PostgreSQL URL, as the responder's `--database` is."""
import contextlib
import sqlite3
import subprocess
from pathlib import Path

import postgres


def is_postgres(database) -> bool:
    return str(database).startswith(("postgresql://", "postgres://"))


def count_people(database, email: str | None = None) -> int:
    if is_postgres(database):
        if email is None:
            return int(postgres.psql(database, "SELECT count(*) FROM person"))
        return int(postgres.psql(database, "SELECT count(*) FROM person WHERE email_key = lower(:'email')", email=email))
    with sqlite3.connect(database) as db:
        if email is None:
            return db.execute("SELECT count(*) FROM person").fetchone()[0]
        return db.execute("SELECT count(*) FROM person WHERE email_key = lower(?)", (email,)).fetchone()[0]


def emails(database) -> list[str]:
    if is_postgres(database):
        return [line for line in postgres.psql(database, "SELECT email FROM person").splitlines() if line]
    with sqlite3.connect(database) as db:
        return [row[0] for row in db.execute("SELECT email FROM person")]


@contextlib.contextmanager
def idempotency_key_claimed_elsewhere(database, key: str):
    """Holds a key as a create in flight in another responder process would, for the block."""
    if is_postgres(database):
        # Another host's create: a transaction holding the key's advisory lock, until its session ends.
        holder = subprocess.Popen(["psql", database, "-X", "-q", "-v", "ON_ERROR_STOP=1"], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, text=True)
        try:
            holder.stdin.write(f"BEGIN; SELECT pg_advisory_xact_lock(hashtextextended('{key}', 0)); \\echo held\n")
            holder.stdin.flush()
            for line in holder.stdout:  # the lock's result row, then the marker
                if line.strip() == "held":
                    break
            else:
                raise RuntimeError("psql ended before it held the key")
            yield
        finally:
            holder.stdin.close()
            holder.wait(timeout=30)
        return
    with sqlite3.connect(database) as db:
        db.execute("INSERT INTO idempotency_claim (key, claimed_ms) VALUES (?, CAST(strftime('%s','now') AS INTEGER) * 1000)", (key,))
    try:
        yield
    finally:
        with sqlite3.connect(database) as db:
            db.execute("DELETE FROM idempotency_claim WHERE key = ?", (key,))
