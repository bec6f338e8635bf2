"""The matcher is asked once per text: the fused matcher's encoder costs ~4 ms a reading, and
the dialog filter and the question handler both ask about every message."""

from __future__ import annotations

import asyncio
import dataclasses
import threading
from pathlib import Path

from telegram import Update

from bot.matching import Context
from bot.services import Services
from bot.telegram.common import decider
from tests.conftest import running_bot
from tests.support.standin import BotAPIStandIn


class Counting:
    def __init__(self, inner) -> None:
        self.inner = inner
        self.calls: list[tuple[str, Context | None]] = []

    def match(self, text: str, context: Context | None = None):
        self.calls.append((text, context))
        return self.inner.match(text, context)


def test_a_text_with_no_context_is_matched_once_however_it_is_asked(services: Services):
    counting = Counting(services.matcher)
    decide = decider(dataclasses.replace(services, matcher=counting))
    first = decide("how much glutamine should i take")  # as the dialog filter asks
    second = decide("how much glutamine should i take", None)  # as the handler asks
    assert first == second
    assert counting.calls == [("how much glutamine should i take", None)]
    # a chat that leans on an answer is a different question, read once more
    after = decide("is it safe", Context(last_intent="dose"))
    assert after.intent is not None and len(counting.calls) == 2


class Recording:
    """The real matcher, noting each text it reads and the thread that read it."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.calls: list[tuple[str, bool]] = []

    def __getattr__(self, name: str):
        return getattr(self.inner, name)

    def match(self, text: str, context: Context | None = None):
        self.calls.append((text, threading.current_thread() is threading.main_thread()))
        return self.inner.match(text, context)


async def test_a_typed_question_is_read_once_and_off_the_event_loop(
    services: Services, tmp_path: Path
):
    """Through the real update processor: the question is read in a worker thread before the
    handlers run, and the dialog filter and the question handler find that reading."""
    recording = Recording(services.matcher)
    standin = BotAPIStandIn()
    question = "how much glutamine should i take"
    replaced = dataclasses.replace(services, matcher=recording)
    async with running_bot(standin, tmp_path / "bot.sqlite3", replaced) as chat:
        update = Update.de_json(standin.message_update(question), chat.application.bot)
        await chat.application.update_queue.put(update)
        for _ in range(250):
            if standin.sent:
                break
            await asyncio.sleep(0.02)
    assert standin.sent, "the question was answered"
    assert recording.calls == [(question, False)]  # once, and not on the event loop's thread
