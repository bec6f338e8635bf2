"""Reading a short follow-up ("and for kids?", "can I take it with ibuprofen") in the light of
the topic just answered (pure).

People chat: right after an answer about glutamine, "is it safe" means "is glutamine safe". The
chat remembers only which intent it answered last (bot.conversation.TopicMemory); this module
turns a follow-up and that intent into the question it stands for, by naming the subject the
pronoun stands for ("it" -> glutamine) or adding it when there is none ("and for kids?").
The matcher reads that question only when the follow-up alone is not answered confidently.
"""

from __future__ import annotations

import re

from bot.text import words

MAX_WORDS = 12  # a longer message says what it is about by itself
BARE_WORDS = 3  # "for kids?", "during pregnancy": this short, it needs no marker

# What "it" stands for after an answer of each topic. Topics missing here (calories, red flags,
# small talk, sources) give no subject: a follow-up to them is read alone.
SUBJECTS = {
    "glutamine": "glutamine",
    "evidence": "glutamine",
    "dose": "glutamine",
    "safety": "glutamine",
    "leaky_gut": "leaky gut",
    "causes": "leaky gut",
    "conditions": "leaky gut",
    "diet": "leaky gut",
    "symptoms": "leaky gut",
    "diagnosis": "leaky gut",
}
# One takes a supplement, not a syndrome: "can I take it with..." is about glutamine whatever
# was answered before.
_TAKE_IT = re.compile(
    r"\b(?:take|taking|took|takes|use|using|mix|combine)\s+(it|them|this|that)\b", re.I
)
# "how much should I take?": the object left out is the supplement just discussed. Only after
# how much / how long / how often / when: "which painkiller can I take" names its own object.
_TAKE_BARE = re.compile(
    r"^\W*(?:and\s+|so\s+|but\s+)?(?:how\s+(?:much|many|long|often)|when|what\s+time)\b"
    r".*\b(?:take|taking|use|using)\s*[?!.]*\s*$",
    re.I,
)
_PRONOUN = re.compile(r"\b(it|its|it's|this|that|them|they|these|those)\b", re.I)
_CONNECTOR = re.compile(
    r"^\s*(?:and|but|also|so|or|plus|then|what about|how about|what of)\b", re.I
)


def subject(intent: str | None) -> str | None:
    """What a pronoun stands for right after an answer of this intent (None: nothing)."""
    if not intent:
        return None
    return SUBJECTS.get(intent.split(".", 1)[0])


def looks_like_follow_up(text: str) -> bool:
    """Short, and leaning on what came before: a pronoun, a leading "and", or a bare phrase."""
    count = len(words(text))
    if not count or count > MAX_WORDS:
        return False
    leaning = _PRONOUN.search(text) or _CONNECTOR.search(text) or _TAKE_BARE.search(text)
    return count <= BARE_WORDS or bool(leaning)


def expand(text: str, last_intent: str | None) -> str | None:
    """The question a follow-up stands for after an answer of `last_intent`; None when it is
    not a follow-up or that answer gives it no subject."""
    topic_subject = subject(last_intent)
    if topic_subject is None or not looks_like_follow_up(text):
        return None
    if _TAKE_BARE.search(text):
        return f"{text.rstrip(' ?!.')} glutamine?"
    taken = _TAKE_IT.search(text)
    if taken:
        start, end = taken.span(1)
        return f"{text[:start]}glutamine{text[end:]}"
    pronoun = _PRONOUN.search(text)
    if pronoun:
        start, end = pronoun.span(1)
        return f"{text[:start]}{topic_subject}{text[end:]}"
    return f"{text.rstrip(' ?!.')} {topic_subject}"
