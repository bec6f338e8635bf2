"""Persistence in SQLite: dialog states, user, chat and bot data, and callback data survive a
restart, a deployment or a crash.

python-telegram-bot writes persistence only every `update_interval` seconds (60 by default),
so a process killed in between would lose the last minute. BotApplication (bot.telegram.app)
writes after every update instead; each write is its own SQLite transaction (WAL journal),
so a `kill -9` one second after a message loses nothing.

Values are stored as JSON: everything the bot keeps is plain data (numbers, strings, lists and
dicts with string keys), which also keeps the database readable with the sqlite3 shell.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from pathlib import Path
from typing import Any

from telegram.ext import BasePersistence, PersistenceInput

_LOGGER = logging.getLogger(__name__)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS user_data (user_id INTEGER PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS chat_data (chat_id INTEGER PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS bot_data (id INTEGER PRIMARY KEY CHECK (id = 1), data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS callback_data (
    id INTEGER PRIMARY KEY CHECK (id = 1), data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS conversations (
    name TEXT NOT NULL, key TEXT NOT NULL, state TEXT NOT NULL, PRIMARY KEY (name, key));
"""


class SQLitePersistence(BasePersistence[dict, dict, dict]):
    """A python-telegram-bot persistence on the standard library's sqlite3 driver."""

    def __init__(self, path: Path, update_interval: float = 5) -> None:
        super().__init__(store_data=PersistenceInput(), update_interval=update_interval)
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        # autocommit off; every write below commits at once. One connection, one event loop.
        self._db = sqlite3.connect(path, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        self._db.commit()

    # -- reading -------------------------------------------------------------------------

    def _rows(self, table: str, key: str) -> dict[int, dict]:
        rows = self._db.execute(f"SELECT {key}, data FROM {table}")  # noqa: S608 - fixed names
        return {row[0]: json.loads(row[1]) for row in rows}

    def _single(self, table: str) -> Any:
        row = self._db.execute(f"SELECT data FROM {table} WHERE id = 1").fetchone()  # noqa: S608
        return json.loads(row[0]) if row else None

    async def get_user_data(self) -> dict[int, dict]:
        return self._rows("user_data", "user_id")

    async def get_chat_data(self) -> dict[int, dict]:
        return self._rows("chat_data", "chat_id")

    async def get_bot_data(self) -> dict:
        return self._single("bot_data") or {}

    async def get_callback_data(self) -> Any:
        data = self._single("callback_data")
        if data is None:
            return None
        buttons, queries = data
        return [tuple(entry) for entry in buttons], queries

    async def get_conversations(self, name: str) -> dict:
        rows = self._db.execute("SELECT key, state FROM conversations WHERE name = ?", (name,))
        return {tuple(json.loads(key)): json.loads(state) for key, state in rows}

    # -- writing -------------------------------------------------------------------------

    def _write(self, sql: str, params: tuple) -> None:
        with self._db:  # one transaction, committed on leaving the block
            self._db.execute(sql, params)

    async def update_conversation(self, name: str, key: tuple, new_state: object | None) -> None:
        if new_state is None:
            self._write(
                "DELETE FROM conversations WHERE name = ? AND key = ?", (name, json.dumps(key))
            )
        else:
            self._write(
                "INSERT OR REPLACE INTO conversations (name, key, state) VALUES (?, ?, ?)",
                (name, json.dumps(key), json.dumps(new_state)),
            )

    # python-telegram-bot writes the (empty) data of every user and chat an update came from,
    # even an inline query typed in a chat the bot is not in. Empty data is no data: keep no
    # row, so nobody is on record for merely having asked.
    async def update_user_data(self, user_id: int, data: dict) -> None:
        if not data:
            await self.drop_user_data(user_id)
            return
        self._write(
            "INSERT OR REPLACE INTO user_data (user_id, data) VALUES (?, ?)",
            (user_id, json.dumps(data)),
        )

    async def update_chat_data(self, chat_id: int, data: dict) -> None:
        if not data:
            await self.drop_chat_data(chat_id)
            return
        self._write(
            "INSERT OR REPLACE INTO chat_data (chat_id, data) VALUES (?, ?)",
            (chat_id, json.dumps(data)),
        )

    async def update_bot_data(self, data: dict) -> None:
        self._write("INSERT OR REPLACE INTO bot_data (id, data) VALUES (1, ?)", (json.dumps(data),))

    async def update_callback_data(self, data: Any) -> None:
        self._write(
            "INSERT OR REPLACE INTO callback_data (id, data) VALUES (1, ?)", (json.dumps(data),)
        )

    async def drop_chat_data(self, chat_id: int) -> None:
        self._write("DELETE FROM chat_data WHERE chat_id = ?", (chat_id,))

    async def drop_user_data(self, user_id: int) -> None:
        self._write("DELETE FROM user_data WHERE user_id = ?", (user_id,))

    async def refresh_user_data(self, user_id: int, user_data: dict) -> None:
        """Nothing to do: this process is the only writer, so memory is always current."""

    async def refresh_chat_data(self, chat_id: int, chat_data: dict) -> None:
        """Nothing to do: this process is the only writer, so memory is always current."""

    async def refresh_bot_data(self, bot_data: dict) -> None:
        """Nothing to do: this process is the only writer, so memory is always current."""

    async def flush(self) -> None:
        """Close the database; every write was already committed."""
        self._db.close()
