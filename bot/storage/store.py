"""The Store: everything the bot keeps, on SQLite or PostgreSQL, behind one async interface.

What it keeps: python-telegram-bot's user, chat, bot and callback data and conversation states
(JSON, written after every update), the update inbox for durable delivery (its queries in
bot/storage/updates.py) and the curators' kept questions and votes (bot/storage/feedback.py).

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
import json
import logging
import math
import time
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, suppress
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol, TypeVar

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


@dataclass(frozen=True)
class Forgotten:
    """How many stored things held the user's id, all now deleted."""

    user_data: int
    chat_data: int
    conversations: int
    inbox: int

    @property
    def total(self) -> int:
        return self.user_data + self.chat_data + self.conversations + self.inbox


class Transaction(Protocol):
    """One open transaction of a backend."""

    async def execute(self, sql: str, *params: object) -> int:
        """Run one statement; return how many rows it changed."""
        ...

    async def fetch(self, sql: str, *params: object) -> list[tuple]:
        """Run one query; return its rows."""
        ...


Work = Callable[[Transaction], Awaitable[T]]


def mentioned_users(value: object) -> set[int]:
    """Every user id in an update's JSON: users, private chats, and `user_id` fields."""
    found: set[int] = set()
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            known_id = item.get("id")
            if isinstance(known_id, int) and ("is_bot" in item or item.get("type") == "private"):
                found.add(known_id)
            if isinstance(item.get("user_id"), int):
                found.add(item["user_id"])
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


def _upsert(table: str, key: str) -> str:
    return (
        f"INSERT INTO {table} ({key}, data) VALUES (?, ?) "  # noqa: S608 - fixed names
        f"ON CONFLICT ({key}) DO UPDATE SET data = excluded.data"
    )


class Store(FeedbackStore, UpdateInbox, ABC):
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
        """Queue a save of one row and write it; if that fails it stays queued (no raise).

        A save the row holds already is skipped: python-telegram-bot saves the bot's data and
        every user's and chat's after each update, changed or not, and each write would cost
        a transaction (and widen the moment between a reply and its update's `done`)."""
        if key not in self._unsaved and self._written.get(key) == (sql, params):
            return
        self._unsaved[key] = (sql, params)
        with suppress(StorageError):  # _attempts has logged it and marked the store unhealthy
            await self._write()

    # -- python-telegram-bot's data ------------------------------------------------------

    async def _rows(self, sql: str) -> dict[int, dict]:
        rows = await self._attempts(lambda: self._fetch(sql))
        return {key: json.loads(data) for key, data in rows}

    async def _single(self, table: str) -> Any:
        sql = f"SELECT data FROM {table} WHERE id = 1"  # noqa: S608 - fixed names
        rows = await self._attempts(lambda: self._fetch(sql))
        return json.loads(rows[0][0]) if rows else None

    async def load_user_data(self) -> dict[int, dict]:
        """Every user's data, by user id."""
        return await self._rows("SELECT user_id, data FROM user_data")

    # python-telegram-bot saves the (empty) data of every user and chat an update came from,
    # even someone who merely typed the bot's name somewhere. Empty data is no data: no row,
    # so nobody is on record for having asked. Reading back gives the same empty dict.

    async def save_user_data(self, user_id: int, data: Mapping[str, Any]) -> None:
        """Keep this user's data (plain JSON data only); empty data deletes the row."""
        if not data:
            await self.drop_user_data(user_id)
            return
        sql = _upsert("user_data", "user_id")
        await self._save(("user_data", user_id), sql, user_id, _dumps(data))

    async def drop_user_data(self, user_id: int) -> None:
        """Delete this user's data."""
        sql = "DELETE FROM user_data WHERE user_id = ?"
        await self._save(("user_data", user_id), sql, user_id)

    async def load_chat_data(self) -> dict[int, dict]:
        """Every chat's data, by chat id."""
        return await self._rows("SELECT chat_id, data FROM chat_data")

    async def save_chat_data(self, chat_id: int, data: Mapping[str, Any]) -> None:
        """Keep this chat's data (plain JSON data only); empty data deletes the row."""
        if not data:
            await self.drop_chat_data(chat_id)
            return
        sql = _upsert("chat_data", "chat_id")
        await self._save(("chat_data", chat_id), sql, chat_id, _dumps(data))

    async def drop_chat_data(self, chat_id: int) -> None:
        """Delete this chat's data."""
        await self._save(("chat_data", chat_id), "DELETE FROM chat_data WHERE chat_id = ?", chat_id)

    async def load_bot_data(self) -> dict:
        """The data shared by every chat ({} when none was saved)."""
        return await self._single("bot_data") or {}

    async def save_bot_data(self, data: Mapping[str, Any]) -> None:
        """Keep the data shared by every chat."""
        await self._save(("bot_data",), _upsert("bot_data", "id"), 1, _dumps(data))

    async def load_callback_data(self) -> Any:
        """The callback data cache as saved (JSON lists), or None."""
        return await self._single("callback_data")

    async def save_callback_data(self, data: Any) -> None:
        """Keep the callback data cache."""
        await self._save(("callback_data",), _upsert("callback_data", "id"), 1, _dumps(data))

    async def load_conversations(self, name: str) -> dict[tuple, object]:
        """The states of the named conversation handler, by key (a tuple of ids)."""
        sql = "SELECT key, state FROM conversations WHERE name = ?"
        rows = await self._attempts(lambda: self._fetch(sql, name))
        return {tuple(json.loads(key)): json.loads(state) for key, state in rows}

    async def save_conversation(self, name: str, key: tuple, state: object | None) -> None:
        """Keep one conversation's state; None deletes it (the conversation ended)."""
        row = ("conversations", name, tuple(key))
        if state is None:
            sql = "DELETE FROM conversations WHERE name = ? AND key = ?"
            await self._save(row, sql, name, _dumps(list(key)))
            return
        sql = (
            "INSERT INTO conversations (name, key, state) VALUES (?, ?, ?) "
            "ON CONFLICT (name, key) DO UPDATE SET state = excluded.state"
        )
        await self._save(row, sql, name, _dumps(list(key)), _dumps(state))

    # -- privacy -------------------------------------------------------------------------

    async def forget_user(self, user_id: int) -> Forgotten:
        """Delete everything stored that holds this user's id; say how much there was."""
        # Their data, their private chat's data (its id is theirs), every dialog keyed by
        # them, and pending updates that mention them (also as a quoted message's author).
        # python-telegram-bot keeps user and chat data in memory too: the caller drops that.
        for key in [key for key in self._unsaved if _holds(key, user_id)]:
            del self._unsaved[key]  # a queued save must not bring anything back
        for key in [key for key in self._written if _holds(key, user_id)]:
            del self._written[key]  # the rows are gone: the next save must write again

        async def work(tx: Transaction) -> Forgotten:
            users = await tx.execute("DELETE FROM user_data WHERE user_id = ?", user_id)
            chats = await tx.execute("DELETE FROM chat_data WHERE chat_id = ?", user_id)
            dialogs = 0
            for name, key in await tx.fetch("SELECT name, key FROM conversations"):
                if user_id in json.loads(key):
                    sql = "DELETE FROM conversations WHERE name = ? AND key = ?"
                    dialogs += await tx.execute(sql, name, key)
            updates = 0
            for update_id, payload in await tx.fetch("SELECT update_id, payload FROM inbox"):
                if user_id in mentioned_users(json.loads(payload)):
                    sql = "DELETE FROM inbox WHERE update_id = ?"
                    updates += await tx.execute(sql, update_id)
            return Forgotten(users, chats, dialogs, updates)

        return await self._write(work)


def _holds(key: tuple, user_id: int) -> bool:
    """Whether a queued save's row (see the `_save` calls) belongs to this user."""
    if key[0] in ("user_data", "chat_data"):  # a user's private chat has the user's id
        return key[1] == user_id
    return key[0] == "conversations" and user_id in key[2]


def _dumps(value: object) -> str:
    return json.dumps(value)  # the default separators: keys saved before must match exactly
