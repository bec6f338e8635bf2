"""Storage: what the bot keeps, on SQLite or PostgreSQL. No Telegram here.

`store_for(DATABASE_URL)` gives the Store; `await store.open()` checks it, locks it against a
second process and creates or migrates the schema, raising StorageError with one sentence for
the operator when something is wrong. See store.py for the interface and what it guarantees,
schema.py for the tables and how to add a migration.
"""

from __future__ import annotations

from bot.storage.botdata import Forgotten, mentioned_users
from bot.storage.sqlite import MEMORY, SQLiteStore, sqlite_path
from bot.storage.store import StorageError, Store
from bot.storage.updates import InboxUpdate

POSTGRES_SCHEMES = ("postgresql", "postgres")

__all__ = [
    "MEMORY",
    "Forgotten",
    "InboxUpdate",
    "SQLiteStore",
    "StorageError",
    "Store",
    "mentioned_users",
    "store_for",
]


def scheme_of(url: str) -> str:
    """The URL's scheme in lower case; "" for a plain file path."""
    return url.split("://", 1)[0].lower() if "://" in url else ""


def store_for(url: str, **options) -> Store:
    """The Store a DATABASE_URL names, not yet opened: PostgreSQL, or else a SQLite file."""
    scheme = scheme_of(url)
    if scheme in POSTGRES_SCHEMES:
        from bot.storage.postgres import PostgresStore  # asyncpg only when it is used

        return PostgresStore(url, **options)
    if scheme in ("", "sqlite"):
        return SQLiteStore(sqlite_path(url), **options)
    raise StorageError(f"DATABASE_URL uses {scheme!r}, but only SQLite and PostgreSQL work.")
