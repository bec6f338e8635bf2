"""Durable delivery on each backend: the real bot polling the stand-in or behind its webhook
server, updates kept in the inbox before Telegram is told they arrived, replayed after a
restart, and handled once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import pytest
from telegram import Update
from telegram.ext import Application, TypeHandler

from bot.storage import Store, store_for
from bot.telegram import delivery
from tests.conftest import start_bot, stop_bot
from tests.storage.databases import QUICK, table_rows, write_lock_held
from tests.support.standin import BotAPIStandIn
from tests.support.webhook import exchange, head, post, webhook_bot

GLUTAMINE = ("what is glutamine", "20 amino acids")
DOSE = ("how much glutamine should i take", "8 g and 25 g")


async def until(condition: Callable[[], object], what: str, within: float = 10.0) -> None:
    try:
        async with asyncio.timeout(within):
            while True:
                if condition():
                    return
                await asyncio.sleep(0.02)  # the bot runs on this loop: let it work
    except TimeoutError:
        raise AssertionError(f"timed out waiting for {what}") from None


def offsets(standin: BotAPIStandIn) -> list[int]:
    """The offsets the bot sent with getUpdates: an offset past an update acknowledges it."""
    return [int(p.get("offset") or 0) for m, p in list(standin.calls) if m == "getUpdates"]


@asynccontextmanager
async def polling_bot(standin: BotAPIStandIn, store: Store) -> AsyncIterator[Application]:
    """The real bot polling the stand-in, as `python -m bot run` does, while the block runs."""
    application = await start_bot(standin, store)
    await application.updater.start_polling(timeout=0.2, poll_interval=0)
    try:
        yield application
    finally:
        await application.updater.stop()
        await stop_bot(application)


async def test_a_fetched_batch_is_kept_before_telegram_is_told_and_deleted_once_handled(
    database_url: str,
):
    standin = BotAPIStandIn()
    store = store_for(database_url, **QUICK)
    updates = [standin.message_update(GLUTAMINE[0], chat_id=chat) for chat in (1, 2, 3)]
    ids = [u["update_id"] for u in updates]
    gate = asyncio.Event()

    async def hold(update: Update, context: object) -> None:
        await gate.wait()  # handling takes a while: long enough to look at the inbox

    async with polling_bot(standin, store) as application:
        application.add_handler(TypeHandler(Update, hold), group=-1)
        for update in updates:
            standin.queue(update)
        await until(lambda: max(offsets(standin), default=0) > max(ids), "the offset to move on")
        # Telegram has been told they arrived; nothing is answered yet; all three are kept.
        assert [kept.update_id for kept in await store.pending_updates()] == ids
        assert standin.sent == []
        gate.set()
        await until(lambda: len(standin.sent) == 3, "three answers")
        await until(lambda: application.inbox.backlog == 0, "the inbox to empty")
        assert await store.pending_updates() == []
    assert all(GLUTAMINE[1] in sent.text for sent in standin.sent)
    # A handled update's words are not kept (only its bare id, to recognise it again); the
    # only copy is the curators' one, with no id, that waits a day for a vote (bot.feedback).
    rows = await table_rows(database_url)
    del rows["feedback_questions"]
    assert GLUTAMINE[0] not in repr(rows)


async def test_updates_kept_before_a_crash_are_answered_once_in_order_after_restart(
    database_url: str,
):
    standin = BotAPIStandIn()
    first = standin.message_update(GLUTAMINE[0], chat_id=5)
    second = standin.message_update(DOSE[0], chat_id=5)
    async with store_for(database_url, **QUICK) as crashed:  # fetched, kept, never handled
        await crashed.add_updates([first, second])
    # The offset never moved past them, so Telegram sends them again, then a new message.
    for update in (first, second, standin.message_update("/start", chat_id=5)):
        standin.queue(update)
    async with polling_bot(standin, store_for(database_url, **QUICK)) as application:
        await until(lambda: len(standin.sent) >= 3, "three answers")
        await asyncio.sleep(0.3)  # a second answer to a copy would come now
        await until(lambda: application.inbox.backlog == 0, "the inbox to empty")
    texts = [sent.text for sent in standin.sent]
    assert len(texts) == 3, texts
    assert GLUTAMINE[1] in texts[0] and DOSE[1] in texts[1] and "leaky gut" in texts[2]


async def test_an_update_sent_again_after_it_was_handled_is_not_answered_again(
    database_url: str,
):
    standin = BotAPIStandIn()
    update = standin.message_update(GLUTAMINE[0], chat_id=6)
    standin.queue(update)
    async with polling_bot(standin, store_for(database_url, **QUICK)):
        await until(lambda: len(standin.sent) == 1, "the answer")
    # Say the process died before its next getUpdates: Telegram sends the update again.
    standin.queue(update)
    standin.queue(standin.message_update(DOSE[0], chat_id=6))
    async with polling_bot(standin, store_for(database_url, **QUICK)):
        await until(lambda: len(standin.sent) >= 2, "the second answer")
        await asyncio.sleep(0.3)
    assert [DOSE[1] in sent.text for sent in standin.sent] == [False, True]


async def test_a_batch_that_cannot_be_kept_is_not_acknowledged(database_url: str):
    standin = BotAPIStandIn()
    update = standin.message_update(GLUTAMINE[0], chat_id=7)
    async with polling_bot(standin, store_for(database_url, **QUICK)):
        await until(lambda: offsets(standin), "polling")
        async with write_lock_held(database_url):
            standin.queue(update)
            await asyncio.sleep(0.6)  # fetched, and refused by the storage, again and again
            assert max(offsets(standin), default=0) <= update["update_id"], "acknowledged, not kept"
            assert standin.sent == []
        await until(lambda: len(standin.sent) == 1, "the answer once the storage works", 15)
    assert GLUTAMINE[1] in standin.sent[0].text


async def test_the_webhook_answers_an_update_posted_twice_once(database_url: str):
    standin = BotAPIStandIn()
    update = standin.message_update(GLUTAMINE[0], chat_id=8)
    async with webhook_bot(standin, store_for(database_url, **QUICK)) as (application, port):
        assert (await exchange(port, post(update))).status == 200
        assert (await exchange(port, post(update))).status == 200  # Telegram retrying
        await until(lambda: application.inbox.backlog == 0, "the update to be handled")
        assert (await exchange(port, post(update))).status == 200  # ... after it was handled
        await asyncio.sleep(0.3)
    assert len(standin.sent) == 1


async def test_the_webhook_says_500_and_unhealthy_while_updates_cannot_be_kept(
    database_url: str,
):
    standin = BotAPIStandIn()
    update = standin.message_update(GLUTAMINE[0], chat_id=9)
    health = head("healthz", method="GET", secret=None)
    async with webhook_bot(standin, store_for(database_url, **QUICK)) as (_, port):
        async with write_lock_held(database_url):
            assert (await exchange(port, post(update))).status == 500  # Telegram sends it again
            answer = await exchange(port, health)
            assert answer.status == 503
            assert answer.json["reason"]  # the storage's sentence for the operator
        assert standin.sent == []
        assert (await exchange(port, post(update))).status == 200  # the retry, kept now
        await until(lambda: len(standin.sent) == 1, "the answer")
        assert (await exchange(port, health)).status == 200
    assert GLUTAMINE[1] in standin.sent[0].text


async def test_updates_are_answered_unkept_once_the_storage_has_failed_for_a_while(
    database_url: str, monkeypatch: pytest.MonkeyPatch
):
    # A full disk is not a lock held for a moment: after DEGRADE_AFTER seconds of failing,
    # an answer without the guarantee beats none (polling and the webhook alike).
    monkeypatch.setattr(delivery, "DEGRADE_AFTER", 0.0)
    standin = BotAPIStandIn()
    update = standin.message_update(GLUTAMINE[0], chat_id=10)
    bot = webhook_bot(standin, store_for(database_url, **QUICK))
    async with bot as (_, port), write_lock_held(database_url):
        assert (await exchange(port, post(update))).status == 200
        await until(lambda: len(standin.sent) >= 1, "the answer, though not kept")
    assert GLUTAMINE[1] in standin.sent[0].text


async def test_a_webhook_retry_during_the_first_copys_write_shares_its_fate(database_url: str):
    async with store_for(database_url, **QUICK) as store:
        inbox = delivery.Inbox(store)
        payload = {"update_id": 7001, "message": {"text": "hi"}}
        async with write_lock_held(database_url):
            first = asyncio.create_task(inbox.take(payload))
            await asyncio.sleep(0.01)  # the first copy's write has begun and waits
            retry = asyncio.create_task(inbox.take(payload))
            outcomes = await asyncio.gather(first, retry, return_exceptions=True)
        # both copies answer 500, so Telegram sends the update again
        assert [type(o) for o in outcomes] == [delivery.StorageError] * 2
        copies = await asyncio.gather(inbox.take(payload), inbox.take(payload))
        assert sorted(copies) == [False, True]  # kept once, queued once
        assert [row[0] for row in (await table_rows(database_url))["inbox"]] == [7001]
