"""The bot behind its webhook server in the test's process, and a raw HTTP client for it.

The client writes requests byte by byte as the test gives them (headers without a body, half a
body, a body far too large) and reads the answer until the server closes the connection, so a
test sees whether the server waited for a body or hung up at once.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from telegram.ext import Application

from bot.storage import Store
from bot.telegram.webhook import WebhookServer
from tests.conftest import start_bot, stop_bot
from tests.support.standin import BotAPIStandIn

SECRET = "webhook-test-secret"
PATH = "telegram-hook"


@dataclass
class Answer:
    status: int | None  # None: the server closed the connection without answering
    body: bytes

    @property
    def json(self) -> dict:
        return json.loads(self.body)


def head(
    path: str = PATH,
    *,
    secret: str | None = SECRET,
    length: int | None = None,
    method: str = "POST",
    chunked: bool = False,
) -> bytes:
    """A request's start line and headers (Connection: close, so EOF ends each answer)."""
    lines = [f"{method} /{path} HTTP/1.1", "Host: bot.example.test", "Connection: close"]
    if method == "POST":
        lines.append("Content-Type: application/json")
    if secret is not None:
        lines.append(f"X-Telegram-Bot-Api-Secret-Token: {secret}")
    if chunked:
        lines.append("Transfer-Encoding: chunked")
    elif length is not None:
        lines.append(f"Content-Length: {length}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def post(update: dict, secret: str | None = SECRET) -> bytes:
    body = json.dumps(update).encode()
    return head(secret=secret, length=len(body)) + body


async def exchange(port: int, *parts: bytes, pause: float = 0.0, within: float = 5.0) -> Answer:
    """Send the parts (pausing between them), then read until the server hangs up."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        for n, part in enumerate(parts):
            if n and pause:
                await asyncio.sleep(pause)
            writer.write(part)
            try:
                await writer.drain()
            except ConnectionError:
                break  # the server hung up before taking it all: what a refusal looks like
        try:
            data = await asyncio.wait_for(reader.read(), within)
        except ConnectionError:
            data = b""
    finally:
        writer.close()
    if not data:
        return Answer(None, b"")
    status_line, _, rest = data.partition(b"\r\n")
    return Answer(int(status_line.split()[1]), rest.partition(b"\r\n\r\n")[2])


@asynccontextmanager
async def webhook_bot(
    standin: BotAPIStandIn, store: Store, **limits: float
) -> AsyncIterator[tuple[Application, int]]:
    """The real bot behind its webhook server on a free loopback port: (application, port)."""
    application = await start_bot(standin, store)
    server = WebhookServer(application, application.inbox, path=PATH, secret=SECRET, **limits)
    port = server.listen(0, "127.0.0.1")
    try:
        yield application, port
    finally:
        await server.stop()
        await stop_bot(application)
