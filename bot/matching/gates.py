"""What is decided before any scoring: red flags, and messages too long, too short or not English.

These rules hold whatever matcher scores the rest, so every implementation runs them first.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from bot.knowledge import KnowledgeBase
from bot.matching.decision import Decision
from bot.matching.language import foreign_language
from bot.text import script_profile, words

MIN_LETTERS = 3  # shorter messages are not read (but for the short_words of the data: "hi")
RED_FLAG_LENGTH = 5000  # red flags are looked for this far, even in a message too long to read
MAX_LENGTH = 4096  # Telegram's limit for a message: a longer text (the terminal chat) is declined

# Words of a body measurement ("70 kilos", "75kg 180cm", "1.7e2 kg": "e" of an exponent). A
# message of numbers and these alone is an answer a dialog could take, not a question.
_MEASURES = frozenset(
    [
        *("kg", "kgs", "kilo", "kilos", "kilogram", "kilograms", "kilogramme", "kilogrammes"),
        *("lb", "lbs", "pound", "pounds", "st", "stone", "stones"),
        *("cm", "centimetres", "centimeters", "m", "metre", "metres", "meter", "meters"),
        *("ft", "foot", "feet", "in", "inch", "inches", "e"),
    ]
)

_NUMBER = re.compile(r"[0-9]+(?:[.,][0-9]+)*")  # "72.5", "72,5", "1,000" (as words() keeps them)

Tokenizer = Callable[[str], list[str]]


def only_measures(said: list[str]) -> bool:
    """Whether words (bot.text.words) are numbers and body-measure units and nothing else."""
    numbers = [w for w in said if _NUMBER.fullmatch(w)]
    return bool(numbers) and all(w in _MEASURES for w in said if w not in numbers)


class RedFlags:
    """Red-flag wording: every word group of one flag present makes a message urgent.

    Words are compared after spelling and aliases but unstemmed: "I overdosed" is urgent,
    "can you overdose" is not. Calling it gives the intent the flag answers (truthy), or None.
    """

    def __init__(self, kb: KnowledgeBase, tokens: Tokenizer) -> None:
        self._tokens = tokens
        self._flags = [
            (flag.intent, [{f" {' '.join(tokens(p))} " for p in group} for group in flag.all_of])
            for flag in kb.red_flags
        ]

    def __call__(self, text: str) -> str | None:
        """The intent of the first red flag the message (its first RED_FLAG_LENGTH
        characters) raises, in file order; None when it raises none."""
        said = f" {' '.join(self._tokens(text[:RED_FLAG_LENGTH]))} "
        for intent, groups in self._flags:
            if all(any(phrase in said for phrase in group) for group in groups):
                return intent
        return None


class Gates:
    """The rules that decide a message before scoring; `check` returns None to go on scoring."""

    def __init__(self, kb: KnowledgeBase, red_flag: RedFlags) -> None:
        self.red_flag = red_flag
        self.short_words: Mapping[str, str] = kb.language.short_words
        self.exact: dict[str, str] = {}
        for intent in kb.intents:
            for example in intent.examples:
                self.exact.setdefault(" ".join(words(example)), intent.id)

    def check(self, text: str) -> Decision | None:
        """Decide by rule if a rule applies; None when the message is for the scorer."""
        # Red flags first: an emergency inside a long story or beside other alphabets counts.
        flagged = self.red_flag(text)
        if flagged:
            return Decision.sure(text, flagged, "red_flag")
        if len(text) > MAX_LENGTH:
            return Decision.declined(text, "too_long")
        latin, other = script_profile(text)
        if other > latin:
            return Decision.declined(text, "not_english")
        plain = " ".join(words(text))
        letters = sum(ch.isalpha() for ch in plain)
        if letters and plain in self.exact:
            return Decision.sure(text, self.exact[plain], "exact")
        if foreign_language(text):  # Spanish, French...: "au revoir" above is an example
            return Decision.declined(text, "not_english")
        if only_measures(plain.split()):  # answered alone, "70 kilos" got the infant trial
            return Decision.declined(text, "too_short")  # the bot offers its dialogs instead
        if letters < MIN_LETTERS:
            short = self.short_words.get(plain)
            if short:  # "hi": too short to read, but a word the data names
                return Decision.sure(text, short, "short_word")
            return Decision.declined(text, "too_short" if plain else "empty")
        return None
