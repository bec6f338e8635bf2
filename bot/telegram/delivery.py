"""Durable delivery: every update is kept in the Store's inbox before Telegram is told it
arrived, and deleted from it only once it has been handled and what it changed was saved.

- Polling: `InboxRequest` wraps the request python-telegram-bot uses for getUpdates. A batch is
  stored (one transaction) before the response goes back to python-telegram-bot; only the next
  getUpdates, with a higher offset, tells Telegram the batch arrived. If storing fails the
  response is turned into a network error: the offset stays, and Telegram sends the batch again.
- Webhook: bot.telegram.webhook stores the update before answering 200 (`Inbox.take`).
- Start-up: `replay` queues what the inbox still holds (received, not handled: the process
  died meanwhile) before any new update, so a chat's updates keep their order.
- Duplicates: an update Telegram sends again (polling after a restart, a webhook retry) is
  recognised by its update_id: it is in the inbox still, or among the bare ids of handled
  updates the Store keeps for a day. It is not handled twice.
- Bounded backlog: while `max_backlog` updates are taken and not yet handled, the next
  getUpdates (or the webhook's answer) waits. Telegram keeps the rest meanwhile, so a bot that
  falls behind (sends are capped at about 30 a second) holds little in memory and replays
  little after a crash.

The update processor (bot.telegram.ordering) asks `should_handle` before and calls `finished`
after each update. An update can still be answered twice: when the process dies after its
reply went out and before `done` was written (a few milliseconds): at least once, duplicates
rare.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Mapping, Sequence
from typing import Any, cast

from telegram import Update
from telegram.error import NetworkError
from telegram.ext import Application
from telegram.request import BaseRequest, RequestData

from bot.storage import StorageError, Store
from bot.telegram.batching import Batch
from bot.telegram.retry import WrappedRequest

_LOGGER = logging.getLogger(__name__)

MAX_BACKLOG = 200  # updates taken and not yet handled before fetching waits
# Seconds the storage may fail to keep updates before they are handled without being kept.
DEGRADE_AFTER = 5.0


class UnkeptUpdates(NetworkError):
    """A fetched batch the storage could not keep: python-telegram-bot fetches it again."""


class Inbox:
    """What this process took from Telegram and has not finished yet, kept in the Store."""

    def __init__(self, store: Store, max_backlog: int = MAX_BACKLOG) -> None:
        self.store = store
        self.max_backlog = max_backlog
        self._pending: set[int] = set()  # kept in the inbox and queued for handling
        self._repeated: set[int] = set()  # delivered again by polling: skip that copy once
        self._room: asyncio.Condition | None = None
        self._done = Batch[int](lambda ids: self.store.done(*ids))  # one write for many
        self._takes = Batch[Mapping[str, Any]](self.store.add_updates)  # the webhook's, alike
        # The webhook's updates being kept right now: a copy that comes meanwhile (a retry)
        # waits for the first copy's write and shares its fate.
        self._taking: dict[int, asyncio.Future[object]] = {}
        self._failing_since: float | None = None  # when keeping updates began to fail

    @property
    def backlog(self) -> int:
        """How many updates are taken and not yet handled."""
        return len(self._pending)

    def _condition(self) -> asyncio.Condition:
        if self._room is None:  # made on first use, on the loop that runs the bot
            self._room = asyncio.Condition()
        return self._room

    async def wait_for_room(self) -> None:
        """Return once the backlog is below its bound: fetching slows down to handling's pace."""
        if len(self._pending) < self.max_backlog:
            return
        _LOGGER.info("delivery: %d updates waiting; fetching pauses", len(self._pending))
        room = self._condition()
        async with room:
            await room.wait_for(lambda: len(self._pending) < self.max_backlog)

    def handle_unkept(self) -> bool:
        """Whether updates the storage just failed to keep are to be handled all the same.

        Not while the failure is short (a lock held, a database server restarting): Telegram
        is not told they arrived, and sends them again. Once keeping has failed for
        DEGRADE_AFTER seconds (a full disk), yes: an answer without the guarantee beats none,
        the user is told the bot cannot remember right now, and /healthz says unhealthy.
        """
        now = time.monotonic()
        if self._failing_since is None:
            self._failing_since = now
        return now - self._failing_since >= DEGRADE_AFTER

    async def take_batch(self, payloads: Sequence[Mapping[str, Any]]) -> list[int]:
        """Keep a batch; return the ids that are new (others arrived before: skip them)."""
        added = await self.store.add_updates(payloads)
        self._failing_since = None
        self._pending.update(added)
        fresh = set(added)
        self._repeated.update(p["update_id"] for p in payloads if p["update_id"] not in fresh)
        return added

    async def take(self, payload: Mapping[str, Any]) -> bool:
        """Keep one update (the webhook's); False if it arrived before: do not queue it.

        Updates that arrive while a write runs are kept together by the next one (Batch). A
        copy arriving while its first is being kept (a retry) waits for that write: kept, it
        is not taken twice (False); failed, it fails too, so its answer is a 500 as well and
        Telegram sends the update again."""
        update_id = payload["update_id"]
        if update_id in self._pending:
            return False
        first = self._taking.get(update_id)
        if first is not None:
            await asyncio.shield(first)  # raises what the first copy's write raised
            return False
        write = asyncio.ensure_future(self._takes.submit(payload))
        self._taking[update_id] = write
        try:
            added = cast("list[int]", await asyncio.shield(write))
        finally:
            del self._taking[update_id]
        self._failing_since = None
        if update_id not in added:
            return False
        self._pending.add(update_id)
        return True

    def should_handle(self, update: object) -> bool:
        """False for the copy of an update that was already kept or handled."""
        if isinstance(update, Update) and update.update_id in self._repeated:
            self._repeated.discard(update.update_id)
            _LOGGER.info("delivery: update %s arrived twice; handled once", update.update_id)
            return False
        return True

    async def finished(self, update: object) -> None:
        """The update was handled and what it changed saved: delete it from the inbox."""
        if not isinstance(update, Update) or update.update_id not in self._pending:
            return
        try:
            await self._done.submit(update.update_id)
        except StorageError as error:  # it stays in the inbox: handled again after a restart
            _LOGGER.warning("delivery: update %s not marked done: %s", update.update_id, error)
        finally:
            self._pending.discard(update.update_id)
            room = self._condition()
            async with room:
                room.notify_all()

    async def replay(self, application: Application) -> int:
        """Queue the updates kept from before a restart, oldest first; return how many."""
        kept = await self.store.pending_updates()
        for item in kept:
            try:
                update = Update.de_json(item.payload, application.bot)
            except Exception:  # kept by an older version, unreadable now: drop it
                _LOGGER.exception("delivery: update %s cannot be read; dropped", item.update_id)
                await self.store.done(item.update_id)
                continue
            self._pending.add(item.update_id)
            insert_callback_data(application, update)
            await application.update_queue.put(update)
        if kept:
            _LOGGER.info("delivery: %d updates from before the restart queued again", len(kept))
        return len(kept)


def _has_id(payload: dict) -> bool:
    return isinstance(payload.get("update_id"), int)


def insert_callback_data(application: Application, update: Update) -> None:
    """What python-telegram-bot does to an update it fetched itself (arbitrary callback data)."""
    insert = getattr(application.bot, "insert_callback_data", None)
    if insert is not None:
        insert(update)


class InboxRequest(WrappedRequest):
    """The getUpdates request, keeping each fetched batch in the inbox before returning it."""

    def __init__(self, inner: BaseRequest, inbox: Inbox) -> None:
        super().__init__(inner)
        self.inbox = inbox

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: float | None = None,
        write_timeout: float | None = None,
        connect_timeout: float | None = None,
        pool_timeout: float | None = None,
    ) -> tuple[int, bytes]:
        """Fetch (once there is room), keep what came, then hand it to python-telegram-bot."""
        polling = url.endswith("/getUpdates")
        if polling:
            await self.inbox.wait_for_room()
        code, body = await self.inner.do_request(
            url,
            method,
            request_data,
            read_timeout=read_timeout,
            write_timeout=write_timeout,
            connect_timeout=connect_timeout,
            pool_timeout=pool_timeout,
        )
        if polling and code == 200:
            await self._keep(body)
        return code, body

    async def _keep(self, body: bytes) -> None:
        try:
            updates = json.loads(body).get("result") or []
        except (ValueError, AttributeError):
            return  # python-telegram-bot reports an unreadable answer itself
        payloads = [u for u in updates if isinstance(u, dict) and _has_id(u)]
        try:
            await self.inbox.take_batch(payloads)
        except StorageError as error:
            if self.inbox.handle_unkept():
                # The store has said why at ERROR (once a minute at most): no second ERROR here.
                _LOGGER.warning("delivery: %d updates handled without being kept", len(payloads))
                return
            # Not kept, so not to be acknowledged: python-telegram-bot retries a network error
            # with the same offset, and Telegram sends the batch again.
            raise UnkeptUpdates(f"updates fetched but not stored: {error}") from error
