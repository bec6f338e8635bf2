"""Cutting a chat message into what is asked (pure): courtesies off, one question from several,
and the part of a long message worth reading.

People wrap a question in a greeting ("hi, what is leaky gut exactly"), thank in the same breath
("thanks! and is it safe in pregnancy?"), ask two things at once ("what is glutamine and how
much should I take?") and tell a long story before the question. Scored as one text, the
greeting's words win or the questions blur; these functions give the matcher the pieces.
"""

from __future__ import annotations

import re

from bot.text import script_profile, words

# A greeting, thanks or goodbye at the start of a message, with what usually comes with it
# ("hi there", "thanks a lot", "ok,"). Interjections such as "ok" or "cool" count only before
# a comma or a stop, since "ok to take with coffee?" is a question.
_GREETING = (
    r"(?:hi+|hello+|hey+|heya|hiya|howdy|hallo|yo|greetings|good\s+(?:morning|afternoon|evening|day)"
    r"|g'?day|thanks?(?:\s+(?:you|u))?|thank\s+(?:you|u)|thx|ty|cheers|bye"
    r"|goodbye|many\s+thanks)"
    r"(?:\s+(?:there|bot|doc|doctor|all|everyone|guys|friend|again|(?:so\s+)+much|very\s+much"
    r"|a\s+lot|a\s+bunch|a\s+million))*"
)
_INTERJECTION = (  # "morning sickness" is no greeting: these only before a comma or a stop
    r"(?:ok(?:ay)?|cool|great|nice|perfect|awesome|alright|got\s+it|i\s+see|sure|morning|evening)"
)
_OPENER = re.compile(
    rf"^\s*(?:(?:{_GREETING})(?:[\s,.!:;\-–—]+|$)|{_INTERJECTION}\s*[,.!:;\-–—]+\s*)+", re.I
)
_THANKS = re.compile(r"\b(?:thank|thanks|thx|ty)\b", re.I)
_THANKS_FOR = re.compile(r"^\s*(?:[a-z]+\s+){0,2}for\b", re.I)
_CLOSER = re.compile(
    r"[\s,.!:;\-–—]+(?:(?:thanks?|thank\s+you)(?:\s+(?:so\s+much|very\s+much|a\s+lot|in\s+advance))?"
    r"|thx|ty|cheers|bye|goodbye|tia)(?:\s+(?:bot|doc|again))?[\s.!]*$",
    re.I,
)

# Where one question ends and another begins: a question mark, a sentence's end, a semicolon
# or a new line; and "and"/"also"/"or" when a question word follows it ("...and how much").
QUESTION_WORDS = frozenset(
    str.split(
        """what whats how is are can could does do did should would will who why when where which
    any isnt arent cant doesnt dont tell explain"""
    )
)
_SENTENCE_END = re.compile(r"(?<=[?!.])\s+|\s*[;\n]+\s*")
_JOINED = re.compile(
    rf"\s*,?\s+(?:and|also|or|plus)\s+(?=(?:{'|'.join(sorted(QUESTION_WORDS))})\b)", re.I
)
MIN_QUESTION_WORDS = 2

# A message longer than READ_LENGTH is read in part: the matcher scores every sentence of what
# it reads, so a few sentences keep it fast (a 4,096-character story took 20 ms read whole).
# The question is most often a sentence with a question mark, else the last or the first.
READ_LENGTH = 1000
FOCUS_LENGTH = 500
FOCUS_SENTENCES = 3


def without_courtesies(text: str) -> str:
    """The message without a greeting, thanks or goodbye at its start or end ('' if that is
    all it is)."""
    core = _OPENER.sub("", text, count=1)
    if _THANKS_FOR.match(core) and _THANKS.search(text[: len(text) - len(core)]):
        core = text  # "thanks a lot for the info" is all thanks
    core = _CLOSER.sub("", core, count=1)
    return core.strip()


_LEAD_INS = frozenset({"and", "so", "but", "also", "please", "ok", "okay", "now", "then", "quick"})
SAYS_ENOUGH = 5  # words: a rest this long is a question even without a question word


def asks_something(rest: str) -> bool:
    """Whether what is left beside a courtesy is a question ("what is leaky gut exactly"),
    not more courtesy ("have a good day", "anyone home", "4 the info")."""
    said = words(rest)
    while said and said[0] in _LEAD_INS:
        said = said[1:]
    if len(said) >= SAYS_ENOUGH:
        return True
    return len(said) >= 3 and (rest.rstrip().endswith("?") or said[0] in QUESTION_WORDS)


def questions(text: str) -> list[str]:
    """The questions a message asks, in order; a piece counts as one when it ends with a
    question mark or starts with a question word, and has at least two words."""
    pieces: list[str] = []
    for sentence in _SENTENCE_END.split(text):
        pieces.extend(p for p in _JOINED.split(sentence) if p and p.strip())
    return [p.strip() for p in pieces if _is_question(p.strip())]


def _is_question(piece: str) -> bool:
    said = words(piece)
    if len(said) < MIN_QUESTION_WORDS:
        return False
    return piece.endswith("?") or said[0] in QUESTION_WORDS


def focus(text: str) -> str:
    """A message of up to READ_LENGTH characters whole; of a longer one, at most
    FOCUS_SENTENCES sentences and FOCUS_LENGTH characters, in its own order: its last
    questions if it asks any (a long story's words would drown them), else its last and first
    sentences, then the others from the end (a story comes first, the question last)."""
    if len(text) <= READ_LENGTH:
        return text
    sentences = [s for s in _SENTENCE_END.split(text) if s.strip()]
    order = [n for n, s in enumerate(sentences) if s.rstrip().endswith("?")][::-1]
    if not order:
        order = [len(sentences) - 1, 0, *range(len(sentences) - 2, 0, -1)]
    chosen: set[int] = set()
    used = 0
    for n in order:
        if len(chosen) == FOCUS_SENTENCES:
            break
        if n in chosen or used + len(sentences[n]) + 1 > FOCUS_LENGTH:
            continue
        chosen.add(n)
        used += len(sentences[n]) + 1
    if not chosen:  # one endless sentence: its end, where the question usually is
        return text[-FOCUS_LENGTH:]
    return " ".join(sentences[n] for n in sorted(chosen))


def one_word_repeated(text: str) -> str | None:
    """The word of a message that says one word over and over ("kg kg kg", "test test"), else
    None. Scored whole, the repetition reads as emphasis and such a message can be answered
    with confidence; it says no more than the word once. A message with letters of another
    alphabet is no such message (words() drops them): the gates must see it whole."""
    said = words(text)
    if len(said) >= 2 and len(set(said)) == 1 and not script_profile(text)[1]:
        return said[0]
    return None
