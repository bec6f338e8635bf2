"""python-telegram-bot persistence over the Store (bot.storage): dialog states, user, chat and
bot data, and callback data survive a restart, a deployment or a crash.

python-telegram-bot writes persistence only every `update_interval` seconds (60 by default),
so a process killed in between would lose the last minute. BotApplication (bot.telegram.app)
writes after every update instead; each write is its own transaction, so a `kill -9` one
second after a message loses nothing. A write that keeps failing is queued by the Store and
retried (see bot.storage.store); `store.healthy` tells whether the bot can remember right now.

Values are stored as JSON: everything the bot keeps is plain data (numbers, strings, lists and
dicts with string keys), which also keeps the database readable with the sqlite3 shell or psql.
"""

from __future__ import annotations

from typing import Any

from telegram.ext import BasePersistence, PersistenceInput

from bot.storage import Store


class StorePersistence(BasePersistence[dict, dict, dict]):
    """A python-telegram-bot persistence that keeps everything in a Store."""

    def __init__(self, store: Store, update_interval: float = 5) -> None:
        super().__init__(store_data=PersistenceInput(), update_interval=update_interval)
        self.store = store
        self._warned: set[int] = set()  # chats told that the bot can't remember right now

    def should_warn(self, chat_id: int) -> bool:
        """Whether to tell this chat the bot can't remember: once while the store fails."""
        if self.store.healthy:
            self._warned.clear()
            return False
        if chat_id in self._warned:
            return False
        self._warned.add(chat_id)
        return True

    async def get_user_data(self) -> dict[int, dict]:
        return await self.store.load_user_data()

    async def get_chat_data(self) -> dict[int, dict]:
        return await self.store.load_chat_data()

    async def get_bot_data(self) -> dict:
        return await self.store.load_bot_data()

    async def get_callback_data(self) -> Any:
        data = await self.store.load_callback_data()
        if data is None:
            return None
        buttons, queries = data  # JSON made the tuples python-telegram-bot gave lists
        return [tuple(entry) for entry in buttons], queries

    async def get_conversations(self, name: str) -> dict:
        return await self.store.load_conversations(name)

    async def update_conversation(self, name: str, key: tuple, new_state: object | None) -> None:
        await self.store.save_conversation(name, key, new_state)

    # python-telegram-bot writes the (empty) data of every user and chat an update came from,
    # even an inline query typed in a chat the bot is not in. Empty data is no data: keep no
    # row, so nobody is on record for merely having asked.
    async def update_user_data(self, user_id: int, data: dict) -> None:
        await self.store.save_user_data(user_id, data)

    async def update_chat_data(self, chat_id: int, data: dict) -> None:
        await self.store.save_chat_data(chat_id, data)

    async def update_bot_data(self, data: dict) -> None:
        await self.store.save_bot_data(data)

    async def update_callback_data(self, data: Any) -> None:
        await self.store.save_callback_data(data)

    async def drop_chat_data(self, chat_id: int) -> None:
        await self.store.drop_chat_data(chat_id)

    async def drop_user_data(self, user_id: int) -> None:
        await self.store.drop_user_data(user_id)

    async def refresh_user_data(self, user_id: int, user_data: dict) -> None:
        """Nothing to do: this process is the only writer, so memory is always current."""

    async def refresh_chat_data(self, chat_id: int, chat_data: dict) -> None:
        """Nothing to do: this process is the only writer, so memory is always current."""

    async def refresh_bot_data(self, bot_data: dict) -> None:
        """Nothing to do: this process is the only writer, so memory is always current."""

    async def flush(self) -> None:
        """Close the store: queued writes get a last try, the lock is released."""
        await self.store.close()
