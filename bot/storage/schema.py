"""The storage schema: an ordered list of migrations, run at start-up.

Both backends run the same statements (portable SQL: BIGINT, TEXT, DOUBLE PRECISION and
`ON CONFLICT` upserts), so the logical schema is the same in SQLite and PostgreSQL. Values are
JSON text, readable with the sqlite3 shell or psql; times are seconds since the epoch.

Adding a migration: append a `Migration` with the next version number and say why in `why`.
Never edit, renumber or remove one that has shipped: a database records every version it has
run in `schema_version` and runs only the newer ones, each in its own transaction. A statement
that must differ between the engines goes in `postgres=` as well (PostgreSQL then runs those
statements instead of `statements`).
"""

from __future__ import annotations

from dataclasses import dataclass

VERSION_TABLE = (
    "CREATE TABLE IF NOT EXISTS schema_version ("
    "version INTEGER PRIMARY KEY, applied_at DOUBLE PRECISION NOT NULL)"
)


@dataclass(frozen=True)
class Migration:
    version: int
    why: str
    statements: tuple[str, ...]
    postgres: tuple[str, ...] | None = None

    def for_dialect(self, dialect: str) -> tuple[str, ...]:
        """The statements this engine runs."""
        if dialect == "postgresql" and self.postgres is not None:
            return self.postgres
        return self.statements


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "python-telegram-bot's data (IF NOT EXISTS adopts a database from before versioning), "
        "the update inbox, and the bare ids of handled updates for deduplication",
        (
            "CREATE TABLE IF NOT EXISTS user_data (user_id BIGINT PRIMARY KEY, data TEXT NOT NULL)",
            "CREATE TABLE IF NOT EXISTS chat_data (chat_id BIGINT PRIMARY KEY, data TEXT NOT NULL)",
            "CREATE TABLE IF NOT EXISTS bot_data ("
            "id INTEGER PRIMARY KEY CHECK (id = 1), data TEXT NOT NULL)",
            "CREATE TABLE IF NOT EXISTS callback_data ("
            "id INTEGER PRIMARY KEY CHECK (id = 1), data TEXT NOT NULL)",
            "CREATE TABLE IF NOT EXISTS conversations ("
            "name TEXT NOT NULL, key TEXT NOT NULL, state TEXT NOT NULL, PRIMARY KEY (name, key))",
            "CREATE TABLE inbox ("
            "update_id BIGINT PRIMARY KEY, payload TEXT NOT NULL, "
            "received_at DOUBLE PRECISION NOT NULL)",
            "CREATE INDEX inbox_by_arrival ON inbox (received_at, update_id)",
            "CREATE TABLE handled ("
            "update_id BIGINT PRIMARY KEY, handled_at DOUBLE PRECISION NOT NULL)",
            "CREATE INDEX handled_by_time ON handled (handled_at)",
        ),
    ),
    Migration(
        2,
        "what the curators learn from (bot/storage/feedback.py): questions the bot declined, "
        "asked 'did you mean' about, or answered (kept a day for a vote, then only with a 👎), "
        "and the 👍/👎 votes; no user or chat id in either",
        (
            "CREATE TABLE feedback_questions ("
            "key TEXT PRIMARY KEY, text TEXT NOT NULL, decision TEXT NOT NULL, intent TEXT, "
            "score DOUBLE PRECISION NOT NULL, candidates TEXT NOT NULL, answer_id TEXT, "
            "vote TEXT, asked_at DOUBLE PRECISION NOT NULL)",
            "CREATE INDEX feedback_questions_by_time ON feedback_questions (asked_at)",
            "CREATE TABLE feedback_votes ("
            "key TEXT PRIMARY KEY, answer_id TEXT NOT NULL, vote TEXT NOT NULL, "
            "voted_at DOUBLE PRECISION NOT NULL)",
            "CREATE INDEX feedback_votes_by_time ON feedback_votes (voted_at)",
        ),
    ),
)

LATEST = MIGRATIONS[-1].version
