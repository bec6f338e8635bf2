"""The knowledge base: what the bot knows, loaded from intents/ and content/ (pure, no Telegram).

model.py holds the frozen records, load.py reads the files, rules.py holds one function per
cross-check, yamlfile.py reads YAML that remembers its line numbers.
"""

from bot.knowledge.load import MessageKeys, check, load, summary
from bot.knowledge.model import (
    CORE_MESSAGES,
    FALLBACK,
    MENU_TOPICS,
    TOPICS,
    URGENT,
    Answer,
    Intent,
    KnowledgeBase,
    KnowledgeError,
    Problem,
    Source,
    topic_of,
)

__all__ = [
    "CORE_MESSAGES",
    "FALLBACK",
    "MENU_TOPICS",
    "TOPICS",
    "URGENT",
    "Answer",
    "Intent",
    "KnowledgeBase",
    "KnowledgeError",
    "MessageKeys",
    "Problem",
    "Source",
    "check",
    "load",
    "summary",
    "topic_of",
]
