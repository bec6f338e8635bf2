"""Per-chat order, chats in parallel: a real Application running real Updates through the
bot's update processor, with handlers that take as long as a slow send would."""

from __future__ import annotations

import asyncio
import time

from telegram import Update
from telegram.ext import Application, ApplicationBuilder, TypeHandler

from bot.telegram.ordering import ChatOrderedProcessor
from tests.support.standin import STAND_IN_TOKEN, BotAPIStandIn, StandInRequest


def _application(processor: ChatOrderedProcessor, seconds: dict[int, float], log: list):
    """An Application whose one handler takes `seconds[chat]` and logs (chat, text, event)."""
    standin = BotAPIStandIn()
    application = (
        ApplicationBuilder()
        .token(STAND_IN_TOKEN)
        .request(StandInRequest(standin))
        .get_updates_request(StandInRequest(standin))
        .concurrent_updates(processor)
        .build()
    )

    async def handle(update: Update, context) -> None:
        chat, text = update.effective_chat.id, update.effective_message.text
        log.append((chat, text, "start", time.monotonic()))
        await asyncio.sleep(seconds.get(chat, 0.01))
        log.append((chat, text, "end", time.monotonic()))

    application.add_handler(TypeHandler(Update, handle))
    return application, standin


async def _run(application: Application, updates: list[dict]) -> None:
    async with application:
        await application.start()
        for update in updates:
            await application.update_queue.put(Update.de_json(update, application.bot))
        await application.update_queue.join()  # every queued update has been handled
        await application.stop()


async def test_one_chat_in_order_while_other_chats_run_beside_it():
    log: list = []
    seconds = {1: 0.3}  # chat 1 is slow, chats 2..6 quick
    application, standin = _application(ChatOrderedProcessor(), seconds, log)
    updates = []
    for n in range(3):
        for chat in range(1, 7):
            updates.append(standin.message_update(f"message {n}", chat_id=chat))
    started = time.monotonic()
    await _run(application, updates)

    for chat in range(1, 7):
        events = [(text, event) for c, text, event, _ in log if c == chat]
        # One at a time, in the order sent: each ends before the next starts.
        assert events == [(f"message {n}", e) for n in range(3) for e in ("start", "end")]
    quick_done = max(at for c, _, event, at in log if c != 1 and event == "end")
    slow_done = max(at for c, _, event, at in log if c == 1 and event == "end")
    assert quick_done - started < 0.3, "the quick chats waited for the slow one"
    assert slow_done - started >= 0.9  # its three updates did not overlap


async def test_a_users_updates_from_two_chats_do_not_overlap():
    log: list = []
    application, standin = _application(ChatOrderedProcessor(), {-5: 0.2, 7: 0.2}, log)
    group = standin.message_update("in the group", chat_id=-5, user_id=7)
    private = standin.message_update("in private", chat_id=7)
    await _run(application, [group, private])
    assert [(text, event) for _, text, event, _ in log] == [
        ("in the group", "start"),
        ("in the group", "end"),
        ("in private", "start"),
        ("in private", "end"),
    ]


async def test_at_most_max_running_at_once():
    log: list = []
    seconds = dict.fromkeys(range(1, 11), 0.1)
    application, standin = _application(ChatOrderedProcessor(max_running=3), seconds, log)
    await _run(application, [standin.message_update("hi", chat_id=c) for c in range(1, 11)])
    running = peak = 0
    for _, _, event, _ in sorted(log, key=lambda entry: entry[3]):
        running += 1 if event == "start" else -1
        peak = max(peak, running)
    assert peak == 3
    assert len(log) == 20  # every update was handled


async def test_each_update_is_prepared_in_its_turn_and_a_failed_preparation_loses_nothing():
    log: list = []
    processor = ChatOrderedProcessor()
    application, standin = _application(processor, {}, log)

    async def prepare(update: object) -> None:
        text = update.effective_message.text  # type: ignore[attr-defined]
        log.append((update.effective_chat.id, text, "prepared", time.monotonic()))  # type: ignore[attr-defined]
        if text == "breaks":
            raise RuntimeError("a preparation that fails")

    processor.prepare = prepare
    updates = [standin.message_update(t, chat_id=1) for t in ("first", "breaks", "last")]
    await _run(application, updates)
    events = [(text, event) for _, text, event, _ in log]
    assert events == [
        (text, event)
        for text in ("first", "breaks", "last")
        for event in ("prepared", "start", "end")
    ]
