"""Per-chat order, chats in parallel: the update processor python-telegram-bot runs updates with.

One chat whose sends are slow (a flaky network path, a chat that is rate-limited) must not hold
up everybody else, yet the updates of one chat must be handled in the order they were sent: a
dialog's answers depend on the question before. So each update waits its turn behind the
earlier updates of its chat, and then of its user; different chats run at once, at most
`max_running` at a time.

Why the dialogs stay correct: the ConversationHandler's keys are (chat, user) (per_chat and
per_user), and python-telegram-bot's warning about concurrent updates is about two updates of
one key racing. Every key names its chat, and updates of one chat never overlap here, so a
conversation sees its updates one at a time, in order, as without concurrency. The user's lock
also keeps one person's updates from different chats (a group and their private chat) in
order, since user_data (where the dialogs keep their answers, per chat) is shared between them.
Locks are taken chat first, then user, always in that order, so two updates cannot wait for
each other. Saving is safe too: BotApplication saves after each update under
python-telegram-bot's persistence lock, and each save deep-copies data only once the update
that changed it has finished (it is marked for saving at the end of its handling).

The inbox (bot.telegram.delivery), when given, is asked before an update whether it is a copy
of one already kept, and told after it whether it is finished (handled and saved).
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from bot.telegram.delivery import Inbox

_LOGGER = logging.getLogger(__name__)

# Updates handled at the same moment. Sends are capped at about 30 a second and take 0.1 to
# 0.3 s each on Telegram, so 16 keep the cap busy; more would only widen a burst in which
# many replies are out and their updates not yet marked done (answered again after a crash).
MAX_RUNNING = 16
# python-telegram-bot's own bound counts updates waiting for their chat's turn too, and a slow
# chat's queue must not take everyone's places: its bound is high, the real one is MAX_RUNNING.
# The inbox's backlog bound keeps the number of waiting updates small.
MAX_WAITING = 100_000


def order_keys(update: object) -> list[Hashable]:
    """What this update must wait for: its chat, then its user (none for other objects)."""
    if not isinstance(update, Update):
        return []
    keys: list[Hashable] = []
    if update.effective_chat:
        keys.append(("chat", update.effective_chat.id))
    if update.effective_user:
        keys.append(("user", update.effective_user.id))
    return keys


class _Lane:
    """One chat's or user's turn: a fair lock and how many updates are using or awaiting it."""

    __slots__ = ("lock", "users")

    def __init__(self) -> None:
        self.lock = asyncio.Lock()  # FIFO: updates get their turn in the order they came
        self.users = 0


class ChatOrderedProcessor(BaseUpdateProcessor):
    """Updates of one chat (and user) in order; different chats concurrently, bounded."""

    def __init__(self, inbox: Inbox | None = None, max_running: int = MAX_RUNNING) -> None:
        super().__init__(MAX_WAITING)
        self.inbox = inbox
        self.max_running = max_running
        self._running: asyncio.Semaphore | None = None
        self._lanes: dict[Hashable, _Lane] = {}
        # Called in the update's turn, before its handlers (bot.telegram.questions: the
        # matcher's reading, in a worker thread); a failure there only loses the head start.
        self.prepare: Callable[[object], Awaitable[None]] | None = None

    async def initialize(self) -> None:
        self._running = asyncio.Semaphore(self.max_running)

    async def shutdown(self) -> None:
        """Nothing to free: every update has finished when python-telegram-bot calls this."""

    @property
    def waiting_chats(self) -> int:
        """How many chats or users have an update running or waiting (for the benchmark)."""
        return len(self._lanes)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Wait for the chat's turn and a free place, handle, then tell the inbox."""
        if self.inbox is not None and not self.inbox.should_handle(update):
            if inspect.iscoroutine(coroutine):
                coroutine.close()  # never started: a copy of an update handled once already
            return
        if self._running is None:
            await self.initialize()
        try:
            async with self._turn(order_keys(update)), self._running:  # type: ignore[union-attr]
                await self._prepare(update)
                await coroutine
        finally:
            # Also after an error (python-telegram-bot has reported it): replaying an update
            # that fails would fail again at every start. Not when cancelled: then the update
            # was cut short by the shutdown and stays in the inbox.
            if self.inbox is not None and not _cancelled():
                await self.inbox.finished(update)

    async def _prepare(self, update: object) -> None:
        if self.prepare is None:
            return
        try:
            await self.prepare(update)
        except Exception:  # the handlers will read the update themselves
            _LOGGER.exception("preparing an update failed; it is handled all the same")

    @asynccontextmanager
    async def _turn(self, keys: list[Hashable]) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            for key in keys:
                lane = self._lanes.get(key)
                if lane is None:
                    lane = self._lanes[key] = _Lane()
                lane.users += 1
                stack.callback(self._leave, key, lane)
                await stack.enter_async_context(lane.lock)
            yield

    def _leave(self, key: Hashable, lane: _Lane) -> None:
        lane.users -= 1
        if lane.users == 0 and self._lanes.get(key) is lane:
            del self._lanes[key]


def _cancelled() -> bool:
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0
