"""The webhook server's limits, with the real bot behind it: what a stranger, a huge body or a
slow client gets, and what Telegram gets for a real update. (Duplicates and a failing storage,
on both backends: tests/storage/test_delivery.py.)"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from telegram.ext import Application

from bot.storage import SQLiteStore
from tests.support.standin import BotAPIStandIn
from tests.support.webhook import exchange, head, post, webhook_bot

BODY_TIMEOUT = 0.5


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[tuple[Application, int, BotAPIStandIn]]:
    standin = BotAPIStandIn()
    store = SQLiteStore(tmp_path / "bot.sqlite3")
    async with webhook_bot(standin, store, body_timeout=BODY_TIMEOUT) as (application, port):
        yield application, port, standin


async def test_an_update_is_answered_200_and_handled(bot):
    application, port, standin = bot
    answer = await exchange(port, post(standin.message_update("what is glutamine")))
    assert answer.status == 200
    await application.update_queue.join()
    [reply] = standin.sent
    assert "20 amino acids" in reply.text


@pytest.mark.parametrize("secret", ["wrong-secret", None])
async def test_a_wrong_or_missing_secret_is_refused_before_the_body_is_read(bot, secret):
    application, port, standin = bot
    started = time.monotonic()
    # Headers announcing a body that never comes: answered and hung up at once regardless.
    answer = await exchange(port, head(secret=secret, length=5000), within=2.0)
    assert answer.status == 403
    assert time.monotonic() - started < 1.0
    # With the update itself as the body: refused all the same, and never handled.
    answer = await exchange(port, post(standin.message_update("what is glutamine"), secret))
    assert answer.status == 403
    await asyncio.sleep(0.2)
    assert standin.sent == []
    assert await application.inbox.store.pending_updates() == []


async def test_a_huge_body_is_refused_unread(bot):
    _, port, standin = bot
    started = time.monotonic()
    answer = await exchange(port, head(length=90_000_000), within=2.0)
    assert answer.status == 413
    assert time.monotonic() - started < 1.0
    # Without a length (chunked), the body is cut off where it passes the limit.
    chunk = b"%x\r\n%s\r\n" % (32 * 1024, b"x" * 32 * 1024)
    answer = await exchange(port, head(chunked=True), *[chunk] * 8, within=2.0)
    assert answer.status != 200
    assert standin.sent == []


async def test_a_slow_body_times_out(bot):
    _, port, standin = bot
    whole = post(standin.message_update("what is glutamine"))
    started = time.monotonic()
    # Half the request, then nothing: the server hangs up once the body timeout has passed.
    answer = await exchange(port, whole[: len(whole) - 40], within=BODY_TIMEOUT + 3)
    assert answer.status != 200
    assert BODY_TIMEOUT <= time.monotonic() - started < BODY_TIMEOUT + 2
    assert standin.sent == []


async def test_not_an_update_is_refused(bot):
    _, port, standin = bot
    body = b'{"hello": "there"}'
    answer = await exchange(port, head(length=len(body)) + body)
    assert answer.status == 400
    assert standin.sent == []


async def test_health_says_ok_while_the_storage_works(bot):
    _, port, _ = bot
    answer = await exchange(port, head("healthz", method="GET", secret=None))
    assert answer.status == 200
    assert answer.json["ok"] is True
