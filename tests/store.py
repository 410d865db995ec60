"""The one place the Python tests read the store directly, to check what the API cannot show
(a failed create left nothing behind, a 201 survived a crash)."""
import sqlite3
from pathlib import Path


def count_people(database: Path, email: str | None = None) -> int:
    with sqlite3.connect(database) as db:
        if email is None:
            return db.execute("SELECT count(*) FROM person").fetchone()[0]
        return db.execute("SELECT count(*) FROM person WHERE email_key = lower(?)", (email,)).fetchone()[0]


def emails(database: Path) -> list[str]:
    with sqlite3.connect(database) as db:
        return [row[0] for row in db.execute("SELECT email FROM person")]


def claim_idempotency_key(database: Path, key: str) -> None:
    """Holds a key as a create in flight in another responder process would."""
    with sqlite3.connect(database) as db:
        db.execute("INSERT INTO idempotency_claim (key, claimed_ms) VALUES (?, CAST(strftime('%s','now') AS INTEGER) * 1000)", (key,))
