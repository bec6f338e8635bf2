"""Plain-text helpers shared by the matcher, the checker and the parsers: pure, no Telegram."""

from __future__ import annotations

import re
import unicodedata

_WORD = re.compile(r"[a-z]+|[0-9]+(?:[.,][0-9]+)?")
# Apostrophes inside a word are dropped ("crohn's" -> "crohns", "don't" -> "dont");
# every other mark separates words.
_APOSTROPHES = re.compile(r"(?<=[a-z])['\u2019\u2018`´](?=[a-z])")


def fold(text: str) -> str:
    """Return text case-folded, compatibility-normalised and stripped of accents."""
    text = unicodedata.normalize("NFKC", text).casefold()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def words(text: str) -> list[str]:
    """Split text into lower-case Latin words and numbers; everything else separates them.

    Letters and digits written together are split ("80kg" -> "80", "kg"), emoji and
    punctuation vanish, and letters of other alphabets are dropped.
    """
    folded = _APOSTROPHES.sub("", fold(text))
    return _WORD.findall(folded)


def normal_form(text: str) -> str:
    """The form two phrasings are compared in: words joined by single spaces."""
    return " ".join(words(text))


def script_profile(text: str) -> tuple[int, int]:
    """Count the letters of text written in the Latin alphabet and in any other."""
    latin = other = 0
    for ch in unicodedata.normalize("NFKC", text):
        if not ch.isalpha():
            continue
        if "LATIN" in unicodedata.name(ch, ""):
            latin += 1
        else:
            other += 1
    return latin, other
