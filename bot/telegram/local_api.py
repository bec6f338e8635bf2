"""The Bot API in this process: what the terminal chat runs the real bot against.

It answers the methods the bot calls, records every message the bot sends, and, like Telegram,
refuses a message whose HTML Telegram would reject. `LocalRequest` plugs it into
python-telegram-bot in place of the network. The tests' stand-in (tests/support/standin.py)
extends it with failures, long polling and webhooks.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
from dataclasses import dataclass, field, replace
from typing import Any

from telegram.request import BaseRequest, RequestData

from bot import html

BOT_ID = 7000000001
BOT_USERNAME = "GlutamineGutBot"
LOCAL_TOKEN = f"{BOT_ID}:StandInTokenForTheTerminalChatAndTests00"


class BotAPIError(Exception):
    def __init__(self, code: int, description: str) -> None:
        super().__init__(description)
        self.code = code
        self.description = description


@dataclass
class Sent:
    """One message the bot sent, as the stand-in recorded it."""

    chat_id: int
    message_id: int
    text: str
    buttons: list[list[dict]] = field(default_factory=list)
    reply_to: int | None = None
    force_reply: bool = False

    @property
    def labels(self) -> list[str]:
        return [b["text"] for row in self.buttons for b in row]

    @property
    def data(self) -> list[str]:
        return [b.get("callback_data", "") for row in self.buttons for b in row]


class LocalBotAPI:
    """The Bot API's behaviour for one bot, in memory. Thread-safe."""

    def __init__(self) -> None:
        self.lock = threading.Condition()
        self.sent: list[Sent] = []
        self.edited: list[Sent] = []  # each edit, as the message was right after it
        self.callback_answers: list[dict] = []
        self.profile: dict[str, Any] = {}
        # Inline mode is switched on at @BotFather; the terminal chat has no BotFather to ask,
        # so it reports it on rather than warn over the chat at every start.
        self.supports_inline_queries = True
        self._message_ids = itertools.count(1000)
        self._update_ids = itertools.count(1)
        self._user_message_ids = itertools.count(1)

    @property
    def bot_user(self) -> dict:
        return {
            "id": BOT_ID,
            "is_bot": True,
            "first_name": "Glutamine & Leaky Gut",
            "username": BOT_USERNAME,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": self.supports_inline_queries,
        }

    # -- what the bot calls ---------------------------------------------------------------

    def call(self, method: str, params: dict) -> Any:
        """Answer one Bot API method, or raise BotAPIError as Telegram would."""
        with self.lock:
            handler = getattr(self, "_" + method, None)
            if handler is None:
                raise BotAPIError(404, f"Not Found: method {method} is not in the stand-in")
            return handler(params)

    def _getMe(self, params: dict) -> dict:  # Bot API method names, as Telegram spells them
        return self.bot_user

    def _sendMessage(self, params: dict) -> dict:
        text, markup, buttons = _checked_text(params)
        reply = _json(params.get("reply_parameters"))
        chat_id = int(params["chat_id"])
        sent = Sent(
            chat_id,
            next(self._message_ids),
            text,
            buttons,
            reply.get("message_id"),
            bool(markup.get("force_reply")),
        )
        self.sent.append(sent)
        self.lock.notify_all()
        return self._message(sent, params)

    def _message(self, sent: Sent, params: dict) -> dict:
        """The Message object Telegram answers a send or an edit with."""
        return {
            "message_id": sent.message_id,
            "date": int(time.time()),
            "chat": {"id": sent.chat_id, "type": "private" if sent.chat_id > 0 else "group"},
            "from": self.bot_user,
            "text": html.to_plain(sent.text) if params.get("parse_mode") == "HTML" else sent.text,
            **({"reply_markup": {"inline_keyboard": sent.buttons}} if sent.buttons else {}),
        }

    def _editMessageText(self, params: dict) -> dict:
        """Change a sent message's text and buttons in place, as Telegram does."""
        text, _, buttons = _checked_text(params)
        chat_id, message_id = int(params["chat_id"]), int(params["message_id"])
        sent = next(
            (s for s in self.sent if (s.chat_id, s.message_id) == (chat_id, message_id)), None
        )
        if sent is None:
            raise BotAPIError(400, "Bad Request: message to edit not found")
        if (sent.text, sent.buttons) == (text, buttons):
            raise BotAPIError(400, "Bad Request: message is not modified")
        sent.text, sent.buttons = text, buttons
        self.edited.append(replace(sent, buttons=list(buttons)))
        self.lock.notify_all()
        return self._message(sent, params)

    def _editMessageReplyMarkup(self, params: dict) -> dict:
        """Change only a sent message's buttons (none: remove them)."""
        found = [s for s in self.sent if s.message_id == int(params["message_id"])]
        if not found:
            raise BotAPIError(400, "Bad Request: message to edit not found")
        return self._editMessageText({**params, "text": found[0].text, "parse_mode": "HTML"})

    def _answerCallbackQuery(self, params: dict) -> bool:
        self.callback_answers.append(params)
        return True

    def _setMyCommands(self, params: dict) -> bool:
        self.profile["commands"] = params.get("commands")
        return True

    def _setMyDescription(self, params: dict) -> bool:
        self.profile["description"] = params.get("description")
        return True

    def _setMyShortDescription(self, params: dict) -> bool:
        self.profile["short_description"] = params.get("short_description")
        return True

    def _close(self, params: dict) -> bool:
        return True

    def _logOut(self, params: dict) -> bool:
        return True

    # -- what a user does -----------------------------------------------------------------

    def message_update(
        self,
        text: str | None,
        *,
        chat_id: int = 42,
        user_id: int | None = None,
        first_name: str = "Alex",
        extra: dict | None = None,
        reply_to: Sent | None = None,
        kind: str = "message",
    ) -> dict:
        """An update carrying a user's message (text None: give `extra`, e.g. a sticker)."""
        user_id = user_id if user_id is not None else (chat_id if chat_id > 0 else 43)
        message: dict[str, Any] = {
            "message_id": next(self._user_message_ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private"}
            if chat_id > 0
            else {"id": chat_id, "type": "supergroup", "title": "Gut health group"},
            "from": {"id": user_id, "is_bot": False, "first_name": first_name},
        }
        if text is not None:
            message["text"] = text
            if text.startswith("/"):
                length = len(text.split()[0])
                message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
            mention = f"@{BOT_USERNAME}"
            if mention in text:
                offset = _utf16_len(text[: text.index(mention)])
                entity = {"type": "mention", "offset": offset, "length": len(mention)}
                message.setdefault("entities", []).append(entity)
        if reply_to is not None:
            message["reply_to_message"] = self._as_message(reply_to)
        message.update(extra or {})
        return {"update_id": next(self._update_ids), kind: message}

    def button_update(self, sent: Sent, data: str, *, user_id: int | None = None) -> dict:
        """An update for a tap on a button of a message the bot sent."""
        user_id = user_id if user_id is not None else (sent.chat_id if sent.chat_id > 0 else 43)
        return {
            "update_id": next(self._update_ids),
            "callback_query": {
                "id": str(next(self._user_message_ids)),
                "from": {"id": user_id, "is_bot": False, "first_name": "Alex"},
                "chat_instance": "stand-in",
                "data": data,
                "message": self._as_message(sent),
            },
        }

    def _as_message(self, sent: Sent) -> dict:
        chat = (
            {"id": sent.chat_id, "type": "private"}
            if sent.chat_id > 0
            else {"id": sent.chat_id, "type": "supergroup", "title": "Gut health group"}
        )
        return {
            "message_id": sent.message_id,
            "date": int(time.time()),
            "chat": chat,
            "from": self.bot_user,
            "text": html.to_plain(sent.text),
        }


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class LocalRequest(BaseRequest):
    """python-telegram-bot's network layer, answered by a LocalBotAPI in the same process."""

    def __init__(self, api: LocalBotAPI) -> None:
        self.api = api

    @property
    def read_timeout(self) -> float | None:
        return None

    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        """Nothing to close."""

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
        """Answer the call locally, in the Bot API's JSON shape."""
        api_method = url.rsplit("/", 1)[-1]
        params = dict(request_data.parameters) if request_data else {}
        try:
            if api_method == "getUpdates":  # may wait: keep the event loop free meanwhile
                result = await asyncio.to_thread(self.api.call, api_method, params)
            else:
                result = self.api.call(api_method, params)
        except BotAPIError as error:
            body = {"ok": False, "error_code": error.code, "description": error.description}
            return error.code, json.dumps(body).encode()
        return 200, json.dumps({"ok": True, "result": result}).encode()


def _json(value: object) -> dict:
    """A parameter python-telegram-bot sends as a JSON string (or already as a dict)."""
    if isinstance(value, str):
        value = json.loads(value)
    return value if isinstance(value, dict) else {}


def _checked_text(params: dict) -> tuple[str, dict, list]:
    """A message's text, markup and buttons, refused where Telegram refuses them."""
    text = str(params.get("text", ""))
    if params.get("parse_mode") == "HTML":
        problems = html.problems(text)
        if problems:
            raise BotAPIError(400, f"Bad Request: can't parse entities: {problems[0]}")
    elif len(text) > html.MAX_MESSAGE_LENGTH:
        raise BotAPIError(400, "Bad Request: message is too long")
    if not text.strip():
        raise BotAPIError(400, "Bad Request: message text is empty")
    markup = _json(params.get("reply_markup"))
    buttons = markup.get("inline_keyboard", [])
    if any(len(b.get("callback_data", "").encode()) > 64 for row in buttons for b in row):
        raise BotAPIError(400, "Bad Request: BUTTON_DATA_INVALID")
    return text, markup, buttons
