"""The long-lived objects every front end shares, built in one place (pure, no Telegram).

The bot, the terminal chat, `python -m bot match`, `check`, `eval` and the benchmark all take
the knowledge base and the matcher from here, so they decide exactly alike.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from bot import knowledge
from bot.config import PROJECT_ROOT
from bot.dialogs import Engine, Registry, default_registry
from bot.feedback import FEEDBACK_MESSAGES
from bot.knowledge import CORE_MESSAGES, KnowledgeBase, KnowledgeError, MessageKeys, Problem
from bot.matching import DEFAULT_MATCHER, Matcher, build_matcher
from bot.replies import Replies, answer_text

# The bot's commands besides the dialogs', in the order of its command menu (dialogs after topics).
COMMANDS_BEFORE = ("start", "topics")
COMMANDS_AFTER = ("sources", "help", "about", "cancel", "privacy", "forget")
MATCHER_VARIABLE = "MATCHER"  # picks the matcher implementation (bot.matching.MATCHERS)


def commands(registry: Registry) -> tuple[str, ...]:
    """Every bot command, in menu order."""
    return (*COMMANDS_BEFORE, *(d.command for d in registry.dialogs), *COMMANDS_AFTER)


def message_keys(registry: Registry) -> MessageKeys:
    """Every text content/messages.yaml must hold, with the placeholders each may use."""
    keys = dict(CORE_MESSAGES)
    keys.update(FEEDBACK_MESSAGES)
    keys.update({f"command_{name}": frozenset() for name in commands(registry)})
    keys.update(registry.message_keys())
    return keys


def check_knowledge(
    root: Path = PROJECT_ROOT, registry: Registry | None = None
) -> tuple[KnowledgeBase | None, list[Problem]]:
    """Load and validate the knowledge base as this bot uses it; every problem found."""
    registry = registry or default_registry()
    kb, problems = knowledge.check(root, message_keys(registry), answer_text)
    if kb is not None:
        problems += [
            Problem("bot/dialogs", None, problem)
            for problem in registry.problems((i.id for i in kb.intents), kb.answers)
        ]
    return kb, problems


def load_knowledge(root: Path = PROJECT_ROOT, registry: Registry | None = None) -> KnowledgeBase:
    """The knowledge base, or KnowledgeError listing every problem."""
    kb, problems = check_knowledge(root, registry)
    if problems or kb is None:
        raise KnowledgeError(problems)
    return kb


def matcher_kind() -> str:
    """The matcher the MATCHER setting names (default: fused)."""
    return os.environ.get(MATCHER_VARIABLE, "").strip() or DEFAULT_MATCHER


@dataclass(frozen=True)
class Services:
    """The knowledge base, matcher, replies and dialog engine, built once at start-up."""

    kb: KnowledgeBase
    matcher: Matcher
    registry: Registry
    replies: Replies
    dialogs: Engine

    @property
    def commands(self) -> tuple[str, ...]:
        return commands(self.registry)


def build_services(
    kb: KnowledgeBase | None = None,
    *,
    matcher: Matcher | None = None,
    registry: Registry | None = None,
) -> Services:
    """Everything the front ends need, from the knowledge base (loaded if not given)."""
    registry = registry or default_registry()
    kb = kb or load_knowledge(registry=registry)
    matcher = matcher or build_matcher(kb, matcher_kind())
    replies = Replies(kb, registry.by_intro)
    return Services(kb, matcher, registry, replies, Engine(kb, matcher, replies, registry))
