"""Group commit: many callers that each need "a write begun after now" share one write.

After each update the bot saves what the update changed, then marks it done in the inbox. Done
one by one, those writes queue behind each other (python-telegram-bot's persistence lock, the
Store's write lock), and under load an update waits tens of milliseconds between its reply
going out and being marked done: the moment in which a crash makes it answered twice. With a
batch, everyone who arrives while a write runs is served by the next single write. The same
holds for the webhook's updates, each kept before Telegram hears 200: a burst of them shares a
few writes instead of queueing one each in front of the writes that mark updates done.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Batch(Generic[T]):
    """`await batch.submit(item)` returns what a run of `action` that began after the call
    (and was given the item) returned, once it has finished; it raises what that run raised."""

    def __init__(self, action: Callable[[list[T]], Awaitable[object]]) -> None:
        self._action = action
        self._items: list[T] = []
        self._next: asyncio.Future[object] | None = None  # the run that has not begun yet
        self._runner: asyncio.Task[None] | None = None

    async def submit(self, *items: T) -> object:
        if self._next is None:
            self._next = asyncio.get_running_loop().create_future()
        future = self._next
        self._items.extend(items)
        if self._runner is None:
            self._runner = asyncio.create_task(self._run())
        return await asyncio.shield(future)  # a caller cancelled cancels no one else's write

    async def _run(self) -> None:
        try:
            while self._next is not None:
                future, items = self._next, self._items
                self._next, self._items = None, []
                try:
                    result = await self._action(items)
                except Exception as error:  # every caller of this run hears of it
                    future.set_exception(error)
                except BaseException:  # the runner cancelled (shutdown): no caller waits for ever
                    future.cancel()
                    if self._next is not None:
                        self._next.cancel()
                        self._next, self._items = None, []
                    raise
                else:
                    future.set_result(result)
        finally:
            self._runner = None
