"""The tests' Bot API stand-in: the terminal chat's local Bot API, plus what tests need.

It records every call, can fail a method once as Telegram would (`fail_next`: an error answer,
or a Fault of the network between: a slow answer, a dropped connection, a garbled body), queues
updates for long polling (`getUpdates`), accepts a webhook, and answers inline queries, refusing
results Telegram would refuse (`inline_query_update` builds the query, `inline_answers` records
what the bot offered). tests/support/server.py serves it over HTTP on loopback, for the
end-to-end tests that run the bot as its own process; StandInRequest serves it in-process.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from dataclasses import dataclass
from typing import Any

from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

from bot import html
from bot.telegram.local_api import (
    BOT_ID,
    BOT_USERNAME,
    LOCAL_TOKEN,
    BotAPIError,
    LocalBotAPI,
    LocalRequest,
    Sent,
)

STAND_IN_TOKEN = LOCAL_TOKEN
__all__ = [
    "BOT_ID",
    "BOT_USERNAME",
    "STAND_IN_TOKEN",
    "BotAPIError",
    "BotAPIStandIn",
    "Dropped",
    "Fault",
    "Garbled",
    "InlineAnswer",
    "Sent",
    "Slow",
    "StandInRequest",
]
READ_TIMEOUT = 0.05  # seconds StandInRequest waits for an answer (a Slow fault outlasts it)


class Fault(Exception):
    """What the network between the bot and Telegram can do to one call (for `fail_next`)."""


class Slow(Fault):
    """Telegram handles the call (the message is delivered) but answers `seconds` late; past
    the client's read timeout, the client sees a time-out for a message that did arrive."""

    def __init__(self, seconds: float = 2 * READ_TIMEOUT) -> None:
        super().__init__(f"answers after {seconds} s")
        self.seconds = seconds
        self.answer: Any = None  # what Telegram answered, once it handled the call


class Dropped(Fault):
    """The connection drops before Telegram handles the call: nothing delivered, no answer."""


class Garbled(Fault):
    """An answer that is not the Bot API's JSON (a proxy's error page, a cut-off body)."""

    def __init__(self, body: bytes = b'{"ok": true, "resu', status: int = 200) -> None:
        super().__init__(f"answers {status} with {body!r}")
        self.body = body
        self.status = status


MAX_INLINE_RESULTS = 50
MAX_RESULT_ID_BYTES = 64
# Deep-link payloads (start parameters): 1 to 64 of these characters.
START_PARAMETER = re.compile(r"[A-Za-z0-9_-]{1,64}")
DEEP_LINK = re.compile(rf"https://t\.me/{BOT_USERNAME}\?start=(?P<payload>.*)")


@dataclass
class InlineAnswer:
    """One answerInlineQuery call, as the stand-in accepted it."""

    query_id: str
    results: list[dict]
    cache_time: int | None
    is_personal: bool | None
    button: dict | None

    @property
    def ids(self) -> list[str]:
        return [r["id"] for r in self.results]

    @property
    def titles(self) -> list[str]:
        return [r["title"] for r in self.results]

    @property
    def texts(self) -> list[str]:
        return [r["input_message_content"]["message_text"] for r in self.results]


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _check_inline_result(result: dict) -> None:
    """Refuse one result as Telegram would (for the fields this bot uses)."""
    result_id = str(result.get("id", ""))
    if not 1 <= len(result_id.encode()) <= MAX_RESULT_ID_BYTES:
        raise BotAPIError(400, "Bad Request: RESULT_ID_INVALID")
    if result.get("type") != "article":
        raise BotAPIError(400, "Bad Request: RESULT_TYPE_INVALID")
    if not str(result.get("title", "")).strip():
        raise BotAPIError(400, "Bad Request: ARTICLE_TITLE_EMPTY")
    content = result.get("input_message_content") or {}
    text = str(content.get("message_text", ""))
    if content.get("parse_mode") == "HTML":
        problems = html.problems(text)
        if problems:
            raise BotAPIError(400, f"Bad Request: can't parse entities: {problems[0]}")
    elif not text.strip():
        raise BotAPIError(400, "Bad Request: MESSAGE_EMPTY")
    elif len(text) > html.MAX_MESSAGE_LENGTH:
        raise BotAPIError(400, "Bad Request: MESSAGE_TOO_LONG")
    for row in (result.get("reply_markup") or {}).get("inline_keyboard", []):
        for button in row:
            url = button.get("url")
            if url is not None and not url.startswith(("https://", "http://", "tg://")):
                raise BotAPIError(400, "Bad Request: BUTTON_URL_INVALID")
            link = DEEP_LINK.fullmatch(url or "")
            if link and not START_PARAMETER.fullmatch(link["payload"]):
                raise BotAPIError(400, "Bad Request: START_PARAM_INVALID")
            if len(button.get("callback_data", "").encode()) > 64:
                raise BotAPIError(400, "Bad Request: BUTTON_DATA_INVALID")


class BotAPIStandIn(LocalBotAPI):
    """The local Bot API, recording calls, failing on demand, polling, webhooks, inline mode."""

    def __init__(self) -> None:
        super().__init__()
        self.supports_inline_queries = False  # a new bot's getMe, until /setinline at BotFather
        self.inline_answers: list[InlineAnswer] = []
        self._open_inline_queries: set[str] = set()  # asked and not answered yet
        self.calls: list[tuple[str, dict]] = []
        self.updates: list[dict] = []  # queued for getUpdates
        self.webhook: dict = {}
        # (method, error or fault) to happen once, in order
        self.fail_next: list[tuple[str, BotAPIError | Fault]] = []
        # chat id -> seconds each sendMessage to it takes (served over HTTP only: it sleeps)
        self.slow_chats: dict[int, float] = {}
        self.sent_at: list[float] = []  # time.monotonic() of each message in `sent`

    def call(self, method: str, params: dict) -> Any:
        """Record the call; raise the first failure queued for this method, if any (a Slow
        call is handled first: it is the answer that is late, not the delivery)."""
        if method == "sendMessage" and self.slow_chats:
            delay = self.slow_chats.get(int(params.get("chat_id") or 0), 0.0)
            time.sleep(delay)  # outside the lock: only this chat's request waits
        with self.lock:
            self.calls.append((method, params))
            for n, (failing, error) in enumerate(self.fail_next):
                if failing == method:
                    del self.fail_next[n]
                    if isinstance(error, Slow):
                        error.answer = super().call(method, params)
                    raise error
        return super().call(method, params)

    def _sendMessage(self, params: dict) -> dict:
        result = super()._sendMessage(params)
        self.sent_at.append(time.monotonic())  # under the lock: sent_at[n] is sent[n]'s time
        return result

    def _deleteWebhook(self, params: dict) -> bool:  # Bot API method names, as Telegram spells
        self.webhook = {}
        return True

    def _setWebhook(self, params: dict) -> bool:
        self.webhook = dict(params)
        return True

    def _getWebhookInfo(self, params: dict) -> dict:
        return {
            "url": self.webhook.get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": len(self.updates),
        }

    def _getUpdates(self, params: dict) -> list[dict]:
        offset = int(params.get("offset") or 0)
        timeout = float(params.get("timeout") or 0)
        limit = int(params.get("limit") or 100)  # Telegram's default and largest batch
        deadline = time.monotonic() + timeout
        while True:
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
            if self.updates or time.monotonic() >= deadline:
                return self.updates[:limit]
            self.lock.wait(timeout=min(0.1, max(deadline - time.monotonic(), 0)))

    def _answerInlineQuery(self, params: dict) -> bool:
        query_id = str(params.get("inline_query_id", ""))
        if query_id not in self._open_inline_queries:
            raise BotAPIError(
                400,
                "Bad Request: query is too old and response timeout expired or query ID is invalid",
            )
        results = _json(params.get("results")) or []
        if len(results) > MAX_INLINE_RESULTS:
            raise BotAPIError(400, "Bad Request: RESULTS_TOO_MUCH")
        for result in results:
            _check_inline_result(result)
        ids = [r["id"] for r in results]
        if len(set(ids)) != len(ids):
            raise BotAPIError(400, "Bad Request: RESULT_ID_DUPLICATE")
        button = _json(params.get("button"))
        if button is not None:
            if not str(button.get("text", "")).strip():
                raise BotAPIError(400, "Bad Request: BUTTON_TEXT_INVALID")
            if not START_PARAMETER.fullmatch(str(button.get("start_parameter", ""))):
                raise BotAPIError(400, "Bad Request: START_PARAM_INVALID")
        self._open_inline_queries.discard(query_id)  # a query is answered once
        cache_time = params.get("cache_time")
        self.inline_answers.append(
            InlineAnswer(
                query_id,
                results,
                int(cache_time) if cache_time is not None else None,
                params.get("is_personal"),
                button,
            )
        )
        return True

    def inline_query_update(
        self, query: str, *, user_id: int = 42, chat_type: str = "supergroup"
    ) -> dict:
        """An update for `@<bot> query` typed in a chat of that type (the bot need not be in it)."""
        with self.lock:
            query_id = str(next(self._user_message_ids))
            self._open_inline_queries.add(query_id)
        return {
            "update_id": next(self._update_ids),
            "inline_query": {
                "id": query_id,
                "from": {"id": user_id, "is_bot": False, "first_name": "Alex"},
                "query": query,
                "offset": "",
                "chat_type": chat_type,
            },
        }

    def queue(self, update: dict) -> None:
        """Queue an update for getUpdates (long polling)."""
        with self.lock:
            self.updates.append(update)
            self.lock.notify_all()


def _ok(result: Any) -> tuple[int, bytes]:
    return 200, json.dumps({"ok": True, "result": result}).encode()


class StandInRequest(LocalRequest):
    """LocalRequest with the network's faults, as HTTPXRequest reports them: a Slow answer past
    the read timeout is TimedOut, a Dropped connection a NetworkError, a Garbled body returned
    as it came."""

    def __init__(self, api: BotAPIStandIn, read_timeout: float = READ_TIMEOUT) -> None:
        super().__init__(api)
        self._read_timeout = read_timeout

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

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
        """Answer locally; a queued fault happens as it would over the network."""
        timeout = read_timeout if isinstance(read_timeout, int | float) else self._read_timeout
        try:
            return await super().do_request(url, method, request_data)
        except Slow as slow:
            if slow.seconds > timeout:
                await asyncio.sleep(timeout)
                raise TimedOut from slow
            await asyncio.sleep(slow.seconds)
            return _ok(slow.answer)
        except Dropped as dropped:
            message = "httpx.RemoteProtocolError: Server disconnected without sending a response."
            raise NetworkError(message) from dropped
        except Garbled as garbled:
            return garbled.status, garbled.body
