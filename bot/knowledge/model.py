"""What the knowledge base holds: frozen records of answers, intents, sources and texts.

Pure data, no Telegram and no files: bot.knowledge.load builds these from intents/ and content/,
and bot.knowledge.rules checks them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

# The topics of ../shared/spec/interfaces.md: stable names that outside tests rely on.
TOPICS: tuple[str, ...] = (
    "leaky_gut",
    "causes",
    "conditions",
    "diet",
    "glutamine",
    "evidence",
    "dose",
    "safety",
    "symptoms",
    "diagnosis",
    "urgent",
    "calories",
    "sources",
    "greeting",
    "thanks",
    "goodbye",
    "help",
    "about",
)
# Topics whose main answer is offered in the /topics menu, in the order above. Red flags and
# small talk are not browsed: they are reached by what people write.
MENU_TOPICS: tuple[str, ...] = tuple(
    t for t in TOPICS if t not in {"urgent", "greeting", "thanks", "goodbye", "help", "about"}
)
URGENT = "urgent"  # the intent (and answer) of red-flag wording
FALLBACK = "fallback"  # the answer given when nothing matches; reached by the matcher itself
SYSTEM_ANSWERS = frozenset({FALLBACK})
# fact: states what the source says (needs sources); conversation: small talk; decline: says
# honestly that the source is silent on a question people often ask (food sources of
# glutamine). The matcher counts a decline as out of scope (bot.matching.decision.declining).
KINDS = frozenset({"fact", "conversation", "decline"})
MIN_EXAMPLES = 20
# Answer ids travel in button data (64 bytes) and deep links (A-Z, a-z, 0-9, _ and -; a dot
# travels as "-"), so they keep to this shape.
ANSWER_ID = re.compile(r"[a-z0-9_]+(?:\.[a-z0-9_]+)*")
MAX_TITLE = 40

# The bot's own texts in content/messages.yaml that are not a dialog's, with the placeholders
# each may use. Each dialog declares its own (bot.dialogs.registry); commands add command_*.
CORE_MESSAGES: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        "description": frozenset(),
        "short_description": frozenset(),
        "welcome": frozenset(),
        "topics": frozenset(),
        "sources_intro": frozenset(),
        "source_line": frozenset({"sources"}),
        "clarify": frozenset(),
        "not_english": frozenset(),
        "too_short": frozenset(),
        "too_long": frozenset(),
        "non_text": frozenset(),
        "unknown_command": frozenset({"command"}),
        "error": frozenset(),
        "storage_unavailable": frozenset(),
        "cancelled": frozenset(),
        "nothing_to_cancel": frozenset(),
        "expired_button": frozenset(),
        "timeout": frozenset({"command"}),
        "too_many_tries": frozenset({"command"}),
        "button_again": frozenset(),
        "button_topics": frozenset(),
        "dialog_reask": frozenset(),
        "dialog_too_long": frozenset(),
        "dialog_stopped_urgent": frozenset(),
        "dialog_needs_sender": frozenset({"command"}),
        "inline_open": frozenset(),
        "inline_dialog": frozenset({"button"}),
        "also_asked": frozenset(),
        "amount_below": frozenset({"amount", "low", "high"}),
        "amount_within": frozenset({"amount", "low", "high"}),
        "amount_above": frozenset({"amount", "low", "high"}),
    }
)


@dataclass(frozen=True)
class Problem:
    """One thing wrong in the knowledge base, where it is, and what."""

    path: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message}"


class KnowledgeError(Exception):
    """The knowledge base has problems; `problems` lists every one."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class Source:
    id: str
    short: str
    citation: str
    url: str | None = None


def topic_of(identifier: str) -> str:
    """The topic of an intent or answer id: "urgent" for "urgent.crisis"."""
    return identifier.split(".", 1)[0]


@dataclass(frozen=True)
class Answer:
    id: str
    title: str
    body: str
    sources: tuple[str, ...]
    related: tuple[str, ...]
    kind: str = "fact"

    @property
    def topic(self) -> str:
        return topic_of(self.id)


@dataclass(frozen=True)
class Intent:
    id: str
    answer: str
    examples: tuple[str, ...]

    @property
    def topic(self) -> str:
        return topic_of(self.id)


@dataclass(frozen=True)
class RedFlag:
    """Words that, all groups present, make a message urgent whatever else it says; `intent`
    (of the urgent topic) is the answer it gets."""

    name: str
    all_of: tuple[tuple[str, ...], ...]
    intent: str = URGENT


@dataclass(frozen=True)
class Language:
    aliases: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    stopwords: frozenset[str] = frozenset()
    # Messages of one or two letters are not read, except these words ("hi" -> greeting).
    short_words: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True)
class KnowledgeBase:
    answers: Mapping[str, Answer]
    intents: tuple[Intent, ...]
    sources: Mapping[str, Source]
    messages: Mapping[str, str]
    language: Language
    out_of_scope: tuple[str, ...]
    red_flags: tuple[RedFlag, ...]

    def intent(self, intent_id: str) -> Intent:
        """The intent with this id (a few dozen: a scan is as quick as a dict)."""
        return next(i for i in self.intents if i.id == intent_id)

    def message(self, key: str, **values: object) -> str:
        """A text of the bot's own, with its placeholders filled (values are not escaped)."""
        return self.messages[key].format(**values)

    def menu(self) -> list[Answer]:
        """The answers /topics offers, in menu order."""
        return [self.answers[t] for t in MENU_TOPICS if t in self.answers]
