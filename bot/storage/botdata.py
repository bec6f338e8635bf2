"""python-telegram-bot's data and asking to be forgotten: the Store's queries for both.

User, chat, bot and callback data and conversation states are JSON rows, saved through
Store._save (queued and retried when a write fails, skipped when the row holds it already).
`forget_user` deletes every row that holds a user's id, the inbox's pending updates that
mention them included, in one transaction.

A mixin of bot.storage.store.Store, like FeedbackStore and UpdateInbox: the SQL is the same on
both backends, and the names annotated on the class are the Store's.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.storage.store import Transaction


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


class BotDataStore:
    """The Store's queries for python-telegram-bot's data and for /forget."""

    # The Store's (bot.storage.store), annotated for the reader and the type checker.
    _unsaved: dict[tuple, tuple[str, tuple]]  # the Store's queued saves, by row
    _written: dict[tuple, tuple[str, tuple]]  # the Store's latest saves written, by row
    _attempts: Callable[..., Awaitable[Any]]
    _fetch: Callable[..., Awaitable[list[tuple]]]
    _save: Callable[..., Awaitable[None]]
    _write: Callable[..., Awaitable[Any]]

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
