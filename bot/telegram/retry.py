"""Sending that rides out Telegram's bad moments: 5xx, time-outs, dropped connections, garbage.

python-telegram-bot's AIORateLimiter retries a request only after RetryAfter (429). Everything
else a busy or restarting Bot API server does, a 500 or 502, a read that times out, a connection
reset, a body that is not the Bot API's JSON, would fail the send at once, and with it the
dialog step (bot.telegram.dialogs keeps a step only once its reply was sent). RetryingRequest
wraps the real request object (HTTPXRequest, or the tests' stand-in) and tries such a request
again after 0.25, 0.5 and 1 s, starting no new attempt once BUDGET seconds have passed, so a
reply is late by a second or two rather than lost. Anything else (a 400, a 403 from a user who
blocked the bot, a 429 for the rate limiter) is the answer, returned at once.

At least once, on purpose: a time-out or a 5xx after Telegram already delivered the message
cannot be told apart from one before, so a retried sendMessage may show a message twice. A
repeated question is harmless; a lost one leaves the user stuck (or, before this, a dialog
moved on past a safety question the user never saw). The other methods sent this way are
idempotent or refuse a repeat themselves (answerCallbackQuery, answerInlineQuery, setMy*,
setWebhook, getMe). getUpdates is not wrapped: polling has its own retry loop, and repeating a
long poll would only hold updates back.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Sequence
from typing import Any

from telegram.error import BadRequest, NetworkError
from telegram.request import BaseRequest, HTTPXRequest, RequestData

_LOGGER = logging.getLogger(__name__)

DELAYS = (0.25, 0.5, 1.0)  # seconds before each retry
BUDGET = 8.0  # seconds after the first attempt past which no retry starts
SERVER_ERROR = 500  # this status and above: the server's fault, worth another try


def default_request() -> HTTPXRequest:
    """The request object ApplicationBuilder would build for sends (256 connections)."""
    return HTTPXRequest(connection_pool_size=256)


def _well_formed(payload: bytes) -> bool:
    """Whether a 2xx body is the Bot API's answer: a JSON object saying ok, with a result."""
    try:
        body = json.loads(payload)
    except ValueError:  # also UnicodeDecodeError
        return False
    return isinstance(body, dict) and body.get("ok") is True and "result" in body


class WrappedRequest(BaseRequest):
    """A BaseRequest around another, which does the network work: the base of the bot's two
    wrappers (RetryingRequest for sends, bot.telegram.delivery.InboxRequest for getUpdates)."""

    def __init__(self, inner: BaseRequest) -> None:
        self.inner = inner

    @property
    def read_timeout(self) -> float | None:
        return self.inner.read_timeout

    async def initialize(self) -> None:
        await self.inner.initialize()

    async def shutdown(self) -> None:
        await self.inner.shutdown()


class RetryingRequest(WrappedRequest):
    """A BaseRequest that retries another one on 5xx, time-outs, network errors, bad bodies."""

    def __init__(
        self, inner: BaseRequest, delays: Sequence[float] | None = None, budget: float = BUDGET
    ) -> None:
        super().__init__(inner)
        self._delays = None if delays is None else tuple(delays)
        self.budget = budget

    @property
    def delays(self) -> tuple[float, ...]:
        """The pauses before each retry (DELAYS, read when used, unless given)."""
        return tuple(DELAYS) if self._delays is None else self._delays

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Do the request; on a failure worth repeating, wait and do it again, a few times."""
        api_method = url.rsplit("/", 1)[-1]
        started = time.monotonic()
        for attempt, delay in enumerate((*self.delays, None), start=1):
            try:
                code, payload = await self.inner.do_request(
                    url,
                    method,
                    request_data,
                    read_timeout,
                    write_timeout,
                    connect_timeout,
                    pool_timeout,
                )
            except NetworkError as error:  # TimedOut is one: no answer, or a broken one
                problem = f"{type(error).__name__}: {error.message}"
                if isinstance(error, BadRequest) or self._last(delay, started):
                    raise  # BadRequest is a NetworkError in python-telegram-bot, and final
            else:
                problem = self._problem(code, payload)
                if problem is None or self._last(delay, started):
                    return self._final(code, payload, problem)
            _LOGGER.warning(
                "%s failed (%s, attempt %d); trying again in %.2f s",
                api_method,
                problem,
                attempt,
                delay,
            )
            await asyncio.sleep(delay)  # type: ignore[arg-type]
        raise AssertionError("unreachable")  # pragma: no cover - the last attempt returns

    def _last(self, delay: float | None, started: float) -> bool:
        """No retry is left, or the next one would start past the budget."""
        return delay is None or time.monotonic() - started + delay > self.budget

    @staticmethod
    def _problem(code: int, payload: bytes) -> str | None:
        """Why this answer is worth another try, or None when it is the answer."""
        if code >= SERVER_ERROR:
            return f"status {code}"
        if 200 <= code < 300 and not _well_formed(payload):
            return "a body that is not the Bot API's JSON"
        return None

    @staticmethod
    def _final(code: int, payload: bytes, problem: str | None) -> tuple[int, bytes]:
        """The last answer. A 2xx that still is not the Bot API's JSON becomes a NetworkError,
        as the other ways a send fails are (python-telegram-bot would fail on it less clearly)."""
        if problem is not None and 200 <= code < 300:
            raise NetworkError(f"Telegram answered with {problem}")
        return code, payload
