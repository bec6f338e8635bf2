"""What the bot does with one message, and the rule that turns scores into that decision.

Every matcher, whatever it scores with, decides through `decide`: answer when the best intent
clears ANSWER_SCORE and leads every intent of another topic by MARGIN; "did you mean" between
the best few above CLARIFY_SCORE; otherwise, or when the out-of-scope examples win, fall back.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

ANSWER, CLARIFY, FALLBACK = "answer", "clarify", "fallback"
OUT_OF_SCOPE = "_out_of_scope"  # the pseudo-intent of intents/_out_of_scope.yaml
NOT_IN_SOURCE = "not_in_source"  # the reason of a fallback that a decline answer explains

ANSWER_SCORE = 45.0
CLARIFY_SCORE = 35.0
MARGIN = 7.0
CLARIFY_WINDOW = 12.0  # candidates within this of the best are offered in "did you mean"
MAX_CANDIDATES = 3


@dataclass(frozen=True)
class Candidate:
    intent: str
    score: float


@dataclass(frozen=True)
class Decision:
    """What the bot does with one message: answer, clarify or fallback, and why."""

    text: str
    decision: str
    intent: str | None
    score: float
    candidates: tuple[Candidate, ...] = ()
    reason: str = ""
    also: tuple[str, ...] = ()  # intents of the message's other questions, answered as buttons

    @classmethod
    def sure(cls, text: str, intent: str, reason: str) -> Decision:
        """An answer decided by rule, not by score (red flags, exact examples, "hi")."""
        return cls(text, ANSWER, intent, 100.0, (Candidate(intent, 100.0),), reason)

    @classmethod
    def declined(cls, text: str, reason: str) -> Decision:
        """A fallback decided before anything was scored (too short, another alphabet...)."""
        return cls(text, FALLBACK, None, 0.0, reason=reason)

    def as_json(self) -> dict:
        """The `python -m bot match` contract of ../shared/spec/interfaces.md."""
        found = {
            "text": self.text,
            "decision": self.decision,
            "intent": self.intent,
            "score": round(self.score, 1),
            "candidates": [
                {"intent": c.intent, "score": round(c.score, 1)} for c in self.candidates
            ],
            "reason": self.reason,
        }
        if self.also:  # only for a message asking several things
            found["also"] = list(self.also)
        return found


@dataclass(frozen=True)
class Context:
    """What the chat tells about a message beyond its words (filled by the handlers)."""

    last_intent: str | None = None  # the intent answered just before, for follow-ups


def _ranked(scores: Mapping[str, float]) -> list[tuple[str, float]]:
    """Best first; ties by intent id, so the same scores always give the same order."""
    return sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))


def decide(
    text: str,
    scores: Mapping[str, float],
    topics: Mapping[str, str],
    answers: Mapping[str, str],
) -> Decision:
    """The decision rule on scores already computed (intent id -> 0-100).

    `topics` and `answers` give each intent's topic and answer id: a rival counts only from
    another topic, and "did you mean" offers each answer once.
    """
    ranked = _ranked(scores)
    real = [Candidate(label, score) for label, score in ranked if label != OUT_OF_SCOPE]
    if not real:
        return Decision(text, FALLBACK, None, 0.0, reason="no_match")
    best = real[0]
    shown = tuple(real[:MAX_CANDIDATES])
    if ranked[0][0] == OUT_OF_SCOPE:
        return Decision(text, FALLBACK, best.intent, best.score, shown, "out_of_scope")
    best_topic = topics[best.intent]
    rival = next((s for label, s in ranked if topics.get(label, label) != best_topic), 0.0)
    if best.score >= ANSWER_SCORE and best.score - rival >= MARGIN:
        return Decision(text, ANSWER, best.intent, best.score, shown, "confident")
    if best.score < CLARIFY_SCORE:
        return Decision(text, FALLBACK, best.intent, best.score, shown, "low_score")
    floor = max(CLARIFY_SCORE, best.score - CLARIFY_WINDOW)
    offered: list[Candidate] = []
    for candidate in real:
        if candidate.score < floor or len(offered) == MAX_CANDIDATES:
            break
        if all(answers[c.intent] != answers[candidate.intent] for c in offered):
            offered.append(candidate)
    return Decision(text, CLARIFY, best.intent, best.score, tuple(offered), "ambiguous")


def declining(decision: Decision, declines: frozenset[str]) -> Decision:
    """A decision on an intent whose answer is a decline (the source is silent on it) is a
    fallback: the question is outside what the bot knows. The intent stays, so the bot can say
    why (bot.replies). When it is not the best, "did you mean" does not offer it."""
    if decision.decision not in (ANSWER, CLARIFY):
        return decision
    if decision.intent in declines:
        return replace(decision, decision=FALLBACK, reason=NOT_IN_SOURCE)
    kept = tuple(c for c in decision.candidates if c.intent not in declines)
    return replace(decision, candidates=kept) if decision.decision == CLARIFY else decision
