"""The PostgreSQL backend, through asyncpg: for platforms whose disk does not survive a restart.

DATABASE_URL is handed to asyncpg as it is (`postgresql://user:password@host:port/db`, also
`postgres://`, with query options such as `?sslmode=require`). A pool serves the queries; one
more connection, held for the process's life, holds a session advisory lock, so a second bot
process on the same database is refused. If that connection drops (a server restart), the next
write takes the lock again, or fails while another process has taken it.

Statements wait at most `wait` seconds for a lock another session holds (`lock_timeout`), so a
stuck table shows as a failing write instead of a silent hang.
"""

from __future__ import annotations

import hashlib
import logging
import os
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from functools import cache
from urllib.parse import unquote, urlsplit

import asyncpg

from bot.storage.store import StorageError, Store, Transaction

_LOGGER = logging.getLogger(__name__)

CONNECT_TIMEOUT = 10.0  # seconds
POOL_SIZE = 4  # inbox writes may run beside the handlers' saves
# The advisory lock's key: any fixed 64-bit number; derived from a name so it explains itself.
LOCK_KEY = int.from_bytes(hashlib.sha256(b"glutamine-bot: one process").digest()[:8], "big") >> 1


@cache
def numbered(sql: str) -> str:
    """The statement with `?` placeholders as PostgreSQL's $1, $2, ..."""
    first, *rest = sql.split("?")
    return first + "".join(f"${n}{part}" for n, part in enumerate(rest, start=1))


class _PostgresTransaction(Transaction):
    def __init__(self, connection: asyncpg.Connection) -> None:
        self._connection = connection

    async def execute(self, sql: str, *params: object) -> int:
        status = await self._connection.execute(numbered(sql), *params)
        count = status.rsplit(" ", 1)[-1]  # "INSERT 0 1", "DELETE 3", "CREATE TABLE"
        return int(count) if count.isdigit() else 0

    async def fetch(self, sql: str, *params: object) -> list[tuple]:
        return [tuple(row) for row in await self._connection.fetch(numbered(sql), *params)]


class PostgresStore(Store):
    """The Store in a PostgreSQL database."""

    dialect = "postgresql"

    def __init__(self, url: str, **options) -> None:
        super().__init__(**options)
        self.url = url
        parts = urlsplit(url)
        self.user = unquote(parts.username or "") or None
        self.database = unquote(parts.path.lstrip("/")) or self.user or "postgres"
        self.server = f"{parts.hostname}:{parts.port or 5432}" if parts.hostname else None
        self._pool: asyncpg.Pool | None = None
        self._lock_connection: asyncpg.Connection | None = None

    @property
    def description(self) -> str:
        where = f" at {self.server}" if self.server else ""
        return f"the PostgreSQL database {self.database!r}{where}"

    def _settings(self) -> dict:
        return {
            "timeout": CONNECT_TIMEOUT,
            "server_settings": {
                "application_name": "glutamine-bot",
                "lock_timeout": f"{int(self.wait * 1000)}ms",
            },
        }

    async def _connect(self) -> None:
        if self.exclusive:
            await self._take_lock()
        self._pool = await asyncpg.create_pool(
            self.url, min_size=1, max_size=POOL_SIZE, **self._settings()
        )

    async def _take_lock(self) -> None:
        connection = await asyncpg.connect(self.url, **self._settings())
        if not await connection.fetchval("SELECT pg_try_advisory_lock($1)", LOCK_KEY):
            await connection.close()
            raise StorageError(
                f"Another bot process is already using {self.description} (it holds the bot's "
                "advisory lock), so this one stops: only one process may serve the bot at a time."
            )
        self._lock_connection = connection

    async def _ensure_lock(self) -> None:
        """Take the lock again if its connection dropped (a restarted server frees it)."""
        if not self.exclusive:
            return
        if self._lock_connection is not None and not self._lock_connection.is_closed():
            return
        _LOGGER.warning("storage: the connection holding the lock dropped; taking it again")
        self._lock_connection = None
        await self._take_lock()

    async def _disconnect(self) -> None:
        if self._pool is not None:
            with suppress(Exception):  # closing a pool whose server is gone may fail too
                await self._pool.close()
            self._pool = None
        if self._lock_connection is not None:
            with suppress(Exception):
                await self._lock_connection.close()  # ends the session: frees the lock
            self._lock_connection = None

    def _ready_pool(self) -> asyncpg.Pool:
        if self._pool is None:
            raise RuntimeError(f"{self.description} is not open")
        return self._pool

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[Transaction]:
        pool = self._ready_pool()
        await self._ensure_lock()
        async with pool.acquire() as connection, connection.transaction():
            yield _PostgresTransaction(connection)

    async def _fetch(self, sql: str, *params: object) -> list[tuple]:
        return [tuple(row) for row in await self._ready_pool().fetch(numbered(sql), *params)]

    def _explain(self, error: BaseException) -> str | None:
        if isinstance(error, asyncpg.PostgresError):
            return self._explain_server(error)
        server = self.server or "in DATABASE_URL"
        if isinstance(error, socket.gaierror):
            host = self.server.rsplit(":", 1)[0] if self.server else "in DATABASE_URL"
            return (
                f"Cannot find the PostgreSQL server {host} ({error.strerror}): check DATABASE_URL."
            )
        if isinstance(error, TimeoutError):
            return (
                f"The PostgreSQL server {server} did not answer within {CONNECT_TIMEOUT:g} s: "
                "check DATABASE_URL and that the server is running."
            )
        if isinstance(error, OSError):
            reason = os.strerror(error.errno).lower() if error.errno else str(error)
            return (
                f"Cannot reach the PostgreSQL server {server} ({reason}): check the host and "
                "port in DATABASE_URL and that the server is running."
            )
        if isinstance(error, asyncpg.InterfaceError):
            return f"Lost the connection to {self.description} ({error})."
        return None

    def _explain_server(self, error: asyncpg.PostgresError) -> str:
        user = repr(self.user) if self.user else "the default user"
        message = getattr(error, "message", str(error))
        if isinstance(error, asyncpg.InvalidPasswordError):
            return f"PostgreSQL refused {user}: wrong password (check DATABASE_URL)."
        if isinstance(error, asyncpg.InvalidAuthorizationSpecificationError):
            return f"PostgreSQL refused {user} ({message}): check the user in DATABASE_URL."
        if isinstance(error, asyncpg.InvalidCatalogNameError):
            server = f" at {self.server}" if self.server else ""
            return (
                f"The PostgreSQL server{server} has no database {self.database!r}: create it "
                f"(createdb {self.database}) or fix the database name in DATABASE_URL."
            )
        if isinstance(error, asyncpg.InsufficientPrivilegeError):
            return (
                f"PostgreSQL does not let {user} change {self.description} ({message}): make "
                "that user the database's owner, or use its owner in DATABASE_URL."
            )
        if isinstance(error, asyncpg.ReadOnlySQLTransactionError):
            return f"{self.description} is read-only (a standby?): use the primary server."
        if isinstance(error, asyncpg.LockNotAvailableError):
            return (
                f"A table in {self.description} is locked by another session (waited "
                f"{self.wait:g} s)."
            )
        if isinstance(error, asyncpg.PostgresConnectionError | asyncpg.AdminShutdownError):
            return f"Lost the connection to {self.description} ({message})."
        return f"PostgreSQL failed on {self.description}: {message}."
