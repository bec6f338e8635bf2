"""The Store: everything the bot keeps, on SQLite or PostgreSQL, behind one async interface.

What it keeps: python-telegram-bot's user, chat, bot and callback data and conversation states
(JSON, written after every update; the queries, and /forget's, in bot/storage/botdata.py), the
update inbox for durable delivery (bot/storage/updates.py) and the curators' kept questions and
votes (bot/storage/feedback.py). This module holds what they share: opening, migrating,
transactions, retries and the queue of failed saves.

Failures: a write is retried a few times with a short backoff. Data saves never raise: a save
that keeps failing stays queued in memory, is retried with every later write (and on close), and
the store reports itself unhealthy (`healthy`, `last_error`) until a write succeeds again; the
error is logged at most once a minute. Inbox operations raise StorageError after the retries,
since their caller must know (a webhook then answers 500 so that Telegram sends the update
again). Every write first writes what is queued, in the same transaction, so `done()` never
succeeds while the data that handling the update changed is still unsaved.

Backends implement the few abstract methods below; the SQL is written once, with `?`
placeholders, and both engines run it.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager, suppress
from typing import ClassVar, Protocol, TypeVar

from bot.storage.botdata import BotDataStore
from bot.storage.feedback import FeedbackStore
from bot.storage.schema import LATEST, MIGRATIONS, VERSION_TABLE
from bot.storage.updates import UpdateInbox

_LOGGER = logging.getLogger(__name__)

RETRY_DELAYS = (0.1, 0.4, 1.0)  # seconds before each retry of a failed write
WAIT = 0.5  # seconds one statement waits for a lock another connection holds
LOG_EVERY = 60.0  # seconds between two ERROR logs about the same failing storage

T = TypeVar("T")


class StorageError(Exception):
    """The storage cannot be used; the message is one sentence for the operator."""


class Transaction(Protocol):
    """One open transaction of a backend."""

    async def execute(self, sql: str, *params: object) -> int:
        """Run one statement; return how many rows it changed."""
        ...

    async def fetch(self, sql: str, *params: object) -> list[tuple]:
        """Run one query; return its rows."""
        ...


Work = Callable[[Transaction], Awaitable[T]]


class Store(BotDataStore, FeedbackStore, UpdateInbox, ABC):
    """Everything the bot keeps; open() before use, close() at the end (or `async with`).

    `exclusive=False` skips the lock that keeps a second bot process out: for a command such
    as `python -m bot review` that reads beside the running bot.
    """

    dialect: ClassVar[str]

    def __init__(
        self,
        *,
        retry_delays: Sequence[float] = RETRY_DELAYS,
        wait: float = WAIT,
        exclusive: bool = True,
    ):
        self.retry_delays = tuple(retry_delays)
        self.wait = wait
        self.exclusive = exclusive
        self._unsaved: dict[tuple, tuple[str, tuple]] = {}  # latest failed save per row
        self._written: dict[tuple, tuple[str, tuple]] = {}  # latest save written, per row
        self._deferring = 0  # inside deferred(): saves are queued, written once at its end
        self._write_lock = asyncio.Lock()
        self._last_error: str | None = None
        self._last_logged = -math.inf
        self._opened = False

    # -- what each backend provides ------------------------------------------------------

    @property
    @abstractmethod
    def description(self) -> str:
        """Where the data lives, for messages: "the SQLite file /srv/bot.sqlite3"."""

    @abstractmethod
    async def _connect(self) -> None:
        """Connect, check and take the lock that keeps a second process out."""

    @abstractmethod
    async def _disconnect(self) -> None:
        """Close every connection and release the lock; safe after a failed _connect."""

    @abstractmethod
    def _transaction(self) -> AbstractAsyncContextManager[Transaction]:
        """A transaction, committed when the block ends, rolled back if it raises."""

    @abstractmethod
    async def _fetch(self, sql: str, *params: object) -> list[tuple]:
        """Run one read-only query outside any transaction."""

    @abstractmethod
    def _explain(self, error: BaseException) -> str | None:
        """One sentence for the operator about a database error; None if it is not one."""

    # -- life cycle ----------------------------------------------------------------------

    async def open(self) -> None:
        """Connect, lock, create or migrate the schema; raise StorageError saying what is wrong."""
        if self._opened:
            return
        try:
            await self._connect()
            await self._migrate()
        except BaseException as error:
            await self._disconnect()
            sentence = str(error) if isinstance(error, StorageError) else self._explain(error)
            if sentence is None:
                raise
            raise StorageError(sentence) from None
        self._opened = True

    async def close(self) -> None:
        """Try the queued writes once more, then disconnect and release the lock."""
        if not self._opened:
            return
        if self._unsaved:
            try:
                await self._write()
            except StorageError:
                _LOGGER.error("storage: %d unsaved writes lost at close", len(self._unsaved))
        await self._disconnect()
        self._opened = False

    async def __aenter__(self) -> Store:
        await self.open()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def _migrate(self) -> None:
        async with self._transaction() as tx:
            await tx.execute(VERSION_TABLE)
            # Prove now that writing works: SQLite opens a read-only file without complaint.
            await tx.execute("UPDATE schema_version SET applied_at = applied_at")
        current = await self.schema_version()
        if current > LATEST:
            raise StorageError(
                f"{self.description} was set up by a newer version of the bot (schema {current}; "
                f"this one knows up to {LATEST}): run the newer version or restore a backup."
            )
        for migration in MIGRATIONS:
            if migration.version <= current:
                continue
            async with self._transaction() as tx:
                for statement in migration.for_dialect(self.dialect):
                    await tx.execute(statement)
                await tx.execute(
                    "INSERT INTO schema_version (version, applied_at) VALUES (?, ?)",
                    migration.version,
                    time.time(),
                )
            _LOGGER.info("storage: schema version %d: %s", migration.version, migration.why)

    async def schema_version(self) -> int:
        """The newest migration this database has run (0 for an empty one)."""
        [(version,)] = await self._fetch("SELECT MAX(version) FROM schema_version")
        return version or 0

    # -- health --------------------------------------------------------------------------

    @property
    def healthy(self) -> bool:
        """False while writes keep failing: the bot may forget what it is told meanwhile."""
        return self._last_error is None

    @property
    def last_error(self) -> str | None:
        """The sentence about the last failure, or None while the storage works."""
        return self._last_error

    @property
    def unsaved(self) -> int:
        """How many saves are queued in memory, waiting for the storage to work again."""
        return len(self._unsaved)

    async def check(self) -> bool:
        """Retry the queued writes, or run a trivial query; return whether the storage works."""
        try:
            if self._unsaved:
                await self._write()
            else:
                await self._attempts(lambda: self._fetch("SELECT 1"))
        except StorageError:
            return False
        return True

    def _failed(self, sentence: str) -> None:
        self._last_error = sentence
        now = time.monotonic()
        if now - self._last_logged >= LOG_EVERY:
            self._last_logged = now
            _LOGGER.error("storage: %s (%d saves waiting)", sentence, len(self._unsaved))
        else:
            _LOGGER.debug("storage still failing: %s", sentence)

    def _recovered(self) -> None:
        if self._last_error is not None:
            _LOGGER.warning("storage works again (it failed with: %s)", self._last_error)
            self._last_error = None

    async def _attempts(self, action: Callable[[], Awaitable[T]]) -> T:
        """Run action, retrying with backoff (once only while unhealthy); StorageError at last."""
        delays = self.retry_delays if self.healthy else ()
        for delay in (*delays, None):
            try:
                result = await action()
            except Exception as error:
                sentence = str(error) if isinstance(error, StorageError) else self._explain(error)
                if sentence is None:
                    raise
                if delay is None:
                    self._failed(sentence)
                    raise StorageError(sentence) from error
                _LOGGER.debug("storage: %s; retrying in %.1f s", sentence, delay)
                await asyncio.sleep(delay)
            else:
                self._recovered()
                return result
        raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises

    async def _write(self, work: Work[T] | None = None) -> T | None:
        """Write the queued saves, then run work, in one transaction (see the module's doc)."""
        async with self._write_lock:
            queued = dict(self._unsaved)

            async def attempt() -> T | None:
                async with self._transaction() as tx:
                    for sql, params in queued.values():
                        await tx.execute(sql, *params)
                    return await work(tx) if work else None

            result = await self._attempts(attempt)
            for key, statement in queued.items():  # keep what was queued meanwhile
                self._written[key] = statement
                if self._unsaved.get(key) is statement:
                    del self._unsaved[key]
            return result

    async def _save(self, key: tuple, sql: str, *params: object) -> None:
        """Queue a save of one row and write it (inside deferred(): at its end); if that
        fails it stays queued (no raise).

        A save the row holds already is skipped: python-telegram-bot saves the bot's data and
        every user's and chat's after each update, changed or not, and each write would cost
        a transaction (and widen the moment between a reply and its update's `done`)."""
        if key not in self._unsaved and self._written.get(key) == (sql, params):
            return
        self._unsaved[key] = (sql, params)
        if self._deferring:
            return
        with suppress(StorageError):  # _attempts has logged it and marked the store unhealthy
            await self._write()

    @asynccontextmanager
    async def deferred(self) -> AsyncIterator[None]:
        """The saves made inside are written together, in one transaction at the end (or by
        an earlier write, which writes what is queued first): after an update
        python-telegram-bot saves each user's and chat's data apart, and a transaction each
        would queue in front of the write that marks the update done. Failing, they stay
        queued, as a save does."""
        self._deferring += 1
        try:
            yield
        finally:
            self._deferring -= 1
        if not self._deferring and self._unsaved:
            with suppress(StorageError):
                await self._write()
