"""The matcher is asked once per text: the fused matcher's encoder costs ~4 ms a reading, and
the dialog filter and the question handler both ask about every message."""

from __future__ import annotations

import dataclasses

from bot.matching import Context
from bot.services import Services
from bot.telegram.common import decider


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
