"""Understanding a message: answer with one intent, ask "did you mean", or decline (pure).

A matcher is anything with `match(text, context) -> Decision` and a `red_flag(text)` check
(the Matcher protocol). `build_matcher` is the one place one is built: the bot, the terminal
chat, `python -m bot match`, `eval` and the benchmark all take theirs from it, and the
MATCHER setting picks the implementation.

decision.py  the Decision and the rule that turns scores into one
gates.py     what is decided before scoring: red flags, too long, too short, other languages
language.py  Spanish, French, German, Portuguese, Italian told from English (function words)
conversation.py  any matcher asked about a chat message's pieces: courtesies, several
             questions, long messages, follow-ups (pieces.py and followup.py)
lexical.py   the word-based matcher (spelling, aliases, weighted overlap)
embedding.py the static MiniLM sentence vectors (pure Python tokenizer + numpy)
semantic.py  a logistic regression over those vectors, trained at start-up on the examples
fused.py     the fused matcher: lexical and semantic scores decided together (MATCHER=fused)
evaluate.py  accuracy on a labelled question set, cross-validation
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from bot.knowledge import KnowledgeBase
from bot.matching.decision import (
    ANSWER,
    CLARIFY,
    FALLBACK,
    OUT_OF_SCOPE,
    Candidate,
    Context,
    Decision,
)
from bot.matching.lexical import LexicalMatcher


class MatcherError(ValueError):
    """A matcher cannot be built: an unknown MATCHER, or its model file missing or altered."""


class Matcher(Protocol):
    """What the rest of the bot needs of a matcher."""

    def match(self, text: str, context: Context | None = None) -> Decision:
        """Decide what the bot does with one message."""
        ...

    def red_flag(self, text: str) -> str | None:
        """The urgent intent the message's red flag answers (an emergency, whatever else it
        says), or None: truthy exactly when it raises one."""
        ...


def _fused(kb: KnowledgeBase) -> Matcher:
    """The fused matcher, imported only when chosen (it loads numpy and the model file)."""
    from bot.matching.fused import FusedMatcher

    return FusedMatcher.build(kb)


# The implementations, by the name the MATCHER setting gives.
MATCHERS: dict[str, Callable[[KnowledgeBase], Matcher]] = {
    "lexical": LexicalMatcher,
    "fused": _fused,
}
DEFAULT_MATCHER = "fused"  # MATCHER=lexical is the other choice; README says why


def build_matcher(kb: KnowledgeBase, kind: str = DEFAULT_MATCHER) -> Matcher:
    """The matcher of that kind over the knowledge base (names: MATCHERS), reading messages
    as people write them in a chat (bot.matching.conversation)."""
    from bot.matching.conversation import ConversationalMatcher

    try:
        factory = MATCHERS[kind]
    except KeyError:
        raise MatcherError(
            f"unknown MATCHER {kind!r}: choose one of {', '.join(MATCHERS)}"
        ) from None
    return ConversationalMatcher(factory(kb), kb)


__all__ = [
    "ANSWER",
    "CLARIFY",
    "DEFAULT_MATCHER",
    "FALLBACK",
    "MATCHERS",
    "OUT_OF_SCOPE",
    "Candidate",
    "Context",
    "Decision",
    "Matcher",
    "MatcherError",
    "build_matcher",
]
