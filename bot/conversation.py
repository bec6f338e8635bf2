"""What a chat adds to a single question (pure, no Telegram): the topic just answered, for
follow-ups, and the replies that answer more than one question or an amount.

Privacy: the bot remembers, per chat and in memory only, the id of the last answer it gave and
when (never the text), for FOLLOW_UP_SECONDS. Nothing of it is written to the storage: after
a restart a follow-up is simply read on its own, as `python -m bot match` reads every text.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable

from bot import html
from bot.knowledge import URGENT, KnowledgeBase, topic_of
from bot.matching import ANSWER, FALLBACK, Context, Decision
from bot.matching.amounts import STUDIED_HIGH_G, STUDIED_LOW_G, Amount, amount_in
from bot.replies import Replies, Reply, rows, source_line

FOLLOW_UP_SECONDS = 300.0  # "and for kids?" leans on an answer given at most 5 minutes ago
MAX_CHATS = 10_000  # chats remembered at once; the oldest are forgotten first
# Answers whose topic a follow-up cannot lean on: small talk, red flags, the sources list.
NO_TOPIC = frozenset({"greeting", "thanks", "goodbye", "help", "about", "sources", URGENT})
# Declined for saying too little: the topic before still holds ("why?" is not a new topic).
KEEPS_TOPIC = frozenset({"too_short", "empty"})
AMOUNT_ANSWER = "dose"  # the answer an amount reply stands in for (its source, its buttons)


class TopicMemory:
    """Per chat, the last answer's id and when it was given; nothing else, only in memory."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._last: OrderedDict[int, tuple[str, float]] = OrderedDict()

    def recall(self, chat_id: int) -> str | None:
        """The answer given in this chat within FOLLOW_UP_SECONDS, if any."""
        entry = self._last.get(chat_id)
        if entry is None:
            return None
        if self._clock() - entry[1] > FOLLOW_UP_SECONDS:
            del self._last[chat_id]
            return None
        return entry[0]

    def remember(self, chat_id: int, answer_id: str) -> None:
        self._last.pop(chat_id, None)
        self._last[chat_id] = (answer_id, self._clock())
        while len(self._last) > MAX_CHATS:
            self._last.popitem(last=False)

    def forget(self, chat_id: int) -> None:
        self._last.pop(chat_id, None)


class Conversation:
    """Follow-up context in, replies out, for the question handler."""

    def __init__(self, kb: KnowledgeBase, replies: Replies, memory: TopicMemory | None = None):
        self.kb = kb
        self.replies = replies
        self.memory = memory or TopicMemory()

    def context(self, chat_id: int) -> Context | None:
        """What a message in this chat may lean on (None: nothing answered lately)."""
        last = self.memory.recall(chat_id)
        return Context(last_intent=last) if last else None

    def answered(self, chat_id: int, decision: Decision) -> None:
        """Remember what was answered; forget the topic when the bot declined a question (it
        may have been about something else: "is zinc safe", then "and for kids?")."""
        if decision.decision == ANSWER and decision.intent:
            self.shown(chat_id, self.kb.intent(decision.intent).answer)
        elif decision.decision == FALLBACK and decision.reason not in KEEPS_TOPIC:
            self.memory.forget(chat_id)

    def shown(self, chat_id: int, answer_id: str) -> None:
        """An answer was shown (typed question or button): follow-ups may lean on it."""
        if answer_id.split(".", 1)[0] in NO_TOPIC or answer_id not in self.kb.answers:
            return
        self.memory.remember(chat_id, answer_id)

    def reply(self, decision: Decision, text: str) -> Reply:
        """The reply to a matched question: an amount compared, or the answer, with buttons
        for the message's other questions."""
        urgent = topic_of(decision.intent or "") == URGENT
        amount = amount_in(text) if not urgent else None
        if amount is not None and decision.reason != "not_english":
            return self.amount(amount)
        reply = self.replies.for_decision(decision)
        if decision.decision != ANSWER or not decision.also:
            return reply
        others = [self.replies.button(self.kb.intent(i).answer) for i in decision.also]
        labels = {b.label for b in others}
        related = [b for row in reply.buttons for b in row if b.label not in labels]
        text = f"{reply.text}\n\n{self.kb.message('also_asked')}"
        return Reply(text, tuple((b,) for b in others) + rows(related))

    def amount(self, amount: Amount) -> Reply:
        """Where an amount falls beside the 8-25 g a day of human studies; no advice."""
        text = self.kb.message(
            f"amount_{amount.verdict}",
            amount=html.escape(amount.shown),
            low=STUDIED_LOW_G,
            high=STUDIED_HIGH_G,
        )
        answer = self.kb.answers[AMOUNT_ANSWER]
        parts = [text, source_line(self.kb, answer)]
        buttons = [self.replies.button(a) for a in (answer.id, *answer.related)]
        return Reply("\n\n".join(p for p in parts if p), rows(buttons))
