"""Looking into and interfering with a test database from outside the Store under test."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg

from bot.storage.sqlite import sqlite_path

QUICK = {"retry_delays": (0.05, 0.1, 0.2), "wait": 0.1}  # retries and lock waits in tests


async def table_rows(url: str) -> dict[str, list[tuple]]:
    """Every row of every table, read straight from the database (not through the Store)."""
    if url.startswith("sqlite:"):
        with sqlite3.connect(sqlite_path(url)) as db:
            names = db.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
            return {n: db.execute(f"SELECT * FROM {n}").fetchall() for (n,) in names}  # noqa: S608
    connection = await asyncpg.connect(url)
    try:
        names = await connection.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
        )
        return {
            name: [tuple(row) for row in await connection.fetch(f"SELECT * FROM {name}")]  # noqa: S608
            for (name,) in names
        }
    finally:
        await connection.close()


async def run_sql(url: str, sql: str) -> None:
    """Run one statement straight on the database, as an operator or another program would."""
    if url.startswith("sqlite:"):
        with sqlite3.connect(sqlite_path(url)) as db:
            db.execute(sql)
        return
    connection = await asyncpg.connect(url)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


async def everything_stored(url: str) -> str:
    """The whole database as one text, to look for what must not be there."""
    return repr(await table_rows(url))


class HeldLock:
    """Another connection holding the bot's tables locked, until release()."""

    def __init__(self, release) -> None:
        self._release = release
        self.released = False

    async def release(self) -> None:
        if not self.released:
            self.released = True
            await self._release()


@asynccontextmanager
async def write_lock_held(url: str) -> AsyncIterator[HeldLock]:
    """Lock the tables as a sqlite3 shell, a migration or a backup would."""
    if url.startswith("sqlite:"):
        db = sqlite3.connect(sqlite_path(url), isolation_level=None)
        db.execute("BEGIN EXCLUSIVE")

        async def release() -> None:
            db.execute("ROLLBACK")
            db.close()
    else:
        connection = await asyncpg.connect(url)
        transaction = connection.transaction()
        await transaction.start()
        await connection.execute("LOCK TABLE user_data, inbox IN ACCESS EXCLUSIVE MODE")

        async def release() -> None:
            await transaction.rollback()
            await connection.close()

    lock = HeldLock(release)
    try:
        yield lock
    finally:
        await lock.release()
