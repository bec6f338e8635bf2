"""Reading a message the way people write in a chat, around whichever matcher scores (pure).

A matcher scores one question. People send a greeting with it, two questions at once, a long
story, or a follow-up that leans on the answer before ("and for kids?"). ConversationalMatcher
wraps any matcher (build_matcher wraps every one, so the bot, `match`, `eval` and the benchmark
decide alike) and asks it about the right pieces:

1. Red flags on the whole message first, always: an emergency anywhere wins.
2. A long message (up to Telegram's 4,096 characters) is read in part (pieces.focus), so a
   story cannot make matching slow; the rest of the gates decide on that part. One word said
   over and over ("kg kg kg") is read as that word said once.
3. A greeting, thanks or goodbye around a question is set aside: the question is answered.
4. Several questions: the main one is answered (the one the whole message is answered with,
   if it is one of them, else the first one asked) and the others travel in Decision.also,
   which the bot offers as buttons.
5. A follow-up, only in a chat (Context.last_intent) and only when it is not answered
   confidently alone, is read as the question it stands for (bot.matching.followup); red
   flags are checked on that question too.
6. A "did you mean" whose first offer is the crisis answer (thoughts of suicide) gives it: that
   is never left to a choice of buttons. Other urgent offers stay a "did you mean" ("thank u
   doctor" reads a little like "i need a doctor right now").
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from bot.knowledge import KnowledgeBase
from bot.matching.decision import ANSWER, CLARIFY, FALLBACK, Context, Decision
from bot.matching.followup import expand
from bot.matching.gates import MAX_LENGTH
from bot.matching.pieces import (
    asks_something,
    focus,
    one_word_repeated,
    questions,
    without_courtesies,
)

if TYPE_CHECKING:
    from bot.matching import Matcher

# Topics that are talk, not a question: never "the main question", and a follow-up matched to
# "help" or "about" ("does it really work") is read again with its subject.
CHAT_TOPICS = frozenset({"greeting", "thanks", "goodbye", "help", "about"})
_REREAD_TOPICS = frozenset({"help", "about"})
# Decided by the gates on the whole message: nothing in it is read any other way.
RULED = frozenset({"red_flag", "not_english", "too_long", "empty", "too_short", "exact"})
CRISIS = "urgent.crisis"  # the answer to thoughts of suicide or self-harm
RULED_SHORT = "short_word"  # "hi": nothing else to read
DECLINED_QUESTION = frozenset({"out_of_scope", "foreign_word"})  # a question the bot declines
MAX_OTHERS = 3  # other questions offered as buttons
MAX_QUESTIONS = 4  # questions of one message matched apart (a list of twenty stays fast)


class ConversationalMatcher:
    """Any matcher, asked about the pieces of a chat message that hold its questions.

    Everything else (the lexical matcher's analyzer, idf, decide...) is the wrapped matcher's.
    """

    def __init__(self, inner: Matcher, kb: KnowledgeBase) -> None:
        self.inner = inner
        # The pieces of a message of several questions are read by the quick matcher (the
        # fused matcher's lexical half): each fused reading costs ~4 ms of encoder time.
        self.pieces: Matcher = getattr(inner, "lexical", inner)
        self.topic_of = {intent.id: intent.topic for intent in kb.intents}
        self.answer_of = {intent.id: intent.answer for intent in kb.intents}

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)

    def red_flag(self, text: str) -> str | None:
        return self.inner.red_flag(text)

    def match(self, text: str, context: Context | None = None) -> Decision:
        """Decide what the bot does with one message (in a chat, after `context`)."""
        if len(text) > MAX_LENGTH or self.inner.red_flag(text):
            return self.inner.match(text)  # the gates say "too long" or "urgent"
        read = one_word_repeated(text) or focus(text)
        decision = self._read(read)
        if context is not None and context.last_intent:
            decision = self._follow_up(read, decision, context.last_intent)
        if decision.decision == CLARIFY and decision.candidates:
            first = decision.candidates[0].intent
            if first == CRISIS:
                decision = replace(decision, decision=ANSWER, intent=first, reason="crisis_offered")
        return decision if decision.text == text else replace(decision, text=text)

    def _read(self, text: str) -> Decision:
        """The decision on a message read alone: courtesies aside, several questions apart."""
        whole = self.inner.match(text)
        if whole.reason in RULED or whole.reason == RULED_SHORT:
            return whole
        core = without_courtesies(text)
        if core and core != text and asks_something(core):
            asked = self._several(core, self.inner.match(core))
            if self._asks(asked):
                return asked
            if asked.reason in DECLINED_QUESTION and not self._answers_a_question(whole):
                return asked  # "hi, what about zinc": the honest fallback, not a "Hello"
        return self._several(text, whole)

    def _asks(self, decision: Decision) -> bool:
        """Answered, or "did you mean" offered, about a question rather than talk."""
        if decision.decision == CLARIFY and decision.candidates:
            return self.topic_of.get(decision.candidates[0].intent) not in CHAT_TOPICS
        return self._answers_a_question(decision)

    def _answers_a_question(self, decision: Decision) -> bool:
        return (
            decision.decision == ANSWER
            and decision.intent is not None
            and self.topic_of.get(decision.intent) not in CHAT_TOPICS
        )

    def _several(self, text: str, whole: Decision) -> Decision:
        """Two or more questions answered confidently on their own: the main one, the others
        in `also`. Fewer: the whole message's decision (a story and its question stay one)."""
        asked = questions(text)[:MAX_QUESTIONS]
        if len(asked) < 2:
            return whole
        found: dict[str, Decision] = {}  # answer id -> the first piece answered with it
        before: str | None = None  # "is glutamine safe? and how much a day?": "it" carries on
        for piece in asked:
            decision = self.pieces.match(piece)
            if not self._answers_a_question(decision) and before:
                decision = self._follow_up(piece, decision, before, self.pieces)
            if self._answers_a_question(decision) and decision.intent:
                found.setdefault(self.answer_of[decision.intent], decision)
                before = decision.intent
        if len(found) < 2:
            return whole
        main, main_answer = self._main(whole, found)
        others = tuple(d.intent for a, d in found.items() if a != main_answer and d.intent)
        return replace(main, text=text, also=others[:MAX_OTHERS])

    def _main(self, whole: Decision, found: dict[str, Decision]) -> tuple[Decision, str]:
        """The question to answer: the whole message's answer if it is one of them, else the
        one its "did you mean" ranks first, else the first asked."""
        if whole.decision == ANSWER and self.answer_of.get(whole.intent or "") in found:
            return whole, self.answer_of[whole.intent or ""]
        ranked = [self.answer_of[c.intent] for c in whole.candidates if c.intent in self.answer_of]
        if whole.decision != CLARIFY:
            ranked = []
        answer = next((a for a in ranked if a in found), next(iter(found)))
        return replace(found[answer], reason="several_questions"), answer

    def _follow_up(
        self, text: str, alone: Decision, last_intent: str, matcher: Matcher | None = None
    ) -> Decision:
        """A follow-up not answered confidently alone, read with the subject just discussed."""
        if alone.reason in RULED or alone.reason == RULED_SHORT or alone.also:
            return alone
        if alone.decision == ANSWER and self.topic_of.get(alone.intent or "") not in _REREAD_TOPICS:
            return alone
        expanded = expand(without_courtesies(text) or text, last_intent)
        if expanded is None:
            return alone
        # the gates again: a red flag in it answers urgent
        read = (matcher or self.inner).match(expanded)
        if read.reason == "red_flag":
            return read
        if read.decision == ANSWER:
            return replace(read, reason="follow_up")
        if read.decision == CLARIFY and alone.decision == FALLBACK:
            return replace(read, reason="follow_up")
        return alone
