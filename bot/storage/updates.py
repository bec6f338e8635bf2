"""The update inbox of the Store: updates received but not yet handled, for durable delivery
(bot/telegram/delivery.py). A handled update's payload is deleted at once (it holds a user's
words); only its bare id stays in `handled`, for a day, so that Telegram sending it again is
recognised. Mixed into bot.storage.store.Store, whose retries and transactions it uses; like
every inbox operation, these raise StorageError after the retries, since their caller must know.
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.storage.store import Transaction

HANDLED_KEPT = 24 * 3600.0  # seconds a handled update's id is kept to recognise it again
DONE_CHUNK = 400  # ids per statement in done(): 800 parameters, far below either engine's limit


@dataclass(frozen=True)
class InboxUpdate:
    """An update received and kept, not yet handled."""

    update_id: int
    payload: dict[str, Any]
    received_at: float  # seconds since the epoch


class UpdateInbox:
    """The inbox queries (the Store supplies _write, _attempts and _fetch)."""

    # The Store's (bot.storage.store), annotated for the reader and the type checker.
    _attempts: Callable[..., Awaitable[Any]]
    _fetch: Callable[..., Awaitable[list[tuple]]]
    _write: Callable[..., Awaitable[Any]]

    async def add_update(self, update_id: int, payload: Mapping[str, Any]) -> bool:
        """Keep a received update until done(); False if it is kept already or was handled."""
        return update_id in await self.add_updates([{**payload, "update_id": update_id}])

    async def add_updates(self, payloads: Sequence[Mapping[str, Any]]) -> list[int]:
        """Keep a batch of received updates in one transaction; return the ids newly kept.

        All or nothing: a getUpdates batch is either kept whole (then its offset may move on)
        or not at all (StorageError; Telegram keeps it and it is fetched again)."""
        now = time.time()
        rows = [(payload["update_id"], _dumps(payload)) for payload in payloads]

        async def work(tx: Transaction) -> list[int]:
            added = []
            for update_id, text in rows:
                if await tx.fetch("SELECT 1 FROM handled WHERE update_id = ?", update_id):
                    continue
                if await tx.execute(
                    "INSERT INTO inbox (update_id, payload, received_at) VALUES (?, ?, ?) "
                    "ON CONFLICT (update_id) DO NOTHING",
                    update_id,
                    text,
                    now,
                ):
                    added.append(update_id)
            return added

        return (await self._write(work) or []) if rows else []

    async def pending_updates(self) -> list[InboxUpdate]:
        """The updates kept and not yet done, oldest first."""
        sql = "SELECT update_id, payload, received_at FROM inbox ORDER BY received_at, update_id"
        rows = await self._attempts(lambda: self._fetch(sql))
        return [InboxUpdate(uid, json.loads(payload), float(at)) for uid, payload, at in rows]

    async def done(self, *update_ids: int) -> None:
        """Delete handled updates' payloads; keep their bare ids a day, to refuse them again."""
        now = time.time()
        ids = sorted(set(update_ids))  # an upsert may touch each row once

        async def work(tx: Transaction) -> None:
            # Three statements whatever the batch: each is a round trip to PostgreSQL, and
            # while they run the batch's replies are out but not yet done (bot.telegram.batching).
            for start in range(0, len(ids), DONE_CHUNK):
                chunk = ids[start : start + DONE_CHUNK]
                marks = ", ".join("?" for _ in chunk)
                sql = f"DELETE FROM inbox WHERE update_id IN ({marks})"  # noqa: S608 - only ?s
                await tx.execute(sql, *chunk)
                rows = ", ".join("(?, ?)" for _ in chunk)
                await tx.execute(
                    f"INSERT INTO handled (update_id, handled_at) VALUES {rows} "  # noqa: S608
                    "ON CONFLICT (update_id) DO UPDATE SET handled_at = excluded.handled_at",
                    *[value for update_id in chunk for value in (update_id, now)],
                )
            await tx.execute("DELETE FROM handled WHERE handled_at < ?", now - HANDLED_KEPT)

        await self._write(work)


def _dumps(value: object) -> str:
    return json.dumps(value)  # the Store's own encoding
