"""Reading a message into the words the matchers compare: spelt, aliased, stemmed (pure).

1. Normalise: Unicode NFKC, case folding, accents, punctuation and emoji dropped (bot.text).
2. Spell: a word the knowledge base has never seen is replaced by the nearest word it has, by
   rapidfuzz's OSA edit distance, allowing more edits for longer words ("glutamin" -> glutamine).
3. Aliases from intents/_language.yaml turn phrases into canonical words ("intestinal
   permeability" -> "leaky gut"), then words are stemmed and stop words dropped.
"""

from __future__ import annotations

import itertools
import re
import threading
from collections import Counter, defaultdict
from collections.abc import Iterable
from functools import lru_cache

import snowballstemmer
from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.knowledge import KnowledgeBase
from bot.text import words

NUMBER = "#"  # every number reads as this one word

# Spelling correction with rapidfuzz. OSA counts a swap of two letters as one edit ("hwo").
TYPO_SCORER = OSA.distance
TYPO_PROCESSOR = None  # words are already normalised by bot.text.words
MIN_TYPO_LENGTH = 3  # shorter words are taken as typed
SHORT_WORD = 4  # up to this length, a changed letter is more likely another word than a typo


# A letter typed three or more times in a row ("hellooooo", "byyye") is stretched for effect.
_STRETCHED = re.compile(r"(\w)\1{2,}")
MAX_STRETCHES = 3  # runs tried one or two letters long: 2**3 forms at most
TYPO_EDITS = ((7, 1), (11, 2))  # (longest length, edits allowed); longer words: 3


def max_typo_edits(length: int) -> int:
    """How many edits a word of this length may be away from the word it is read as."""
    for longest, edits in TYPO_EDITS:
        if length <= longest:
            return edits
    return 3


class Analyzer:
    """Turns text into the words the matcher compares: spelt, aliased, stemmed, stop words out."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self._stem = snowballstemmer.stemmer("english").stemWord
        self._stems: dict[str, str] = {}  # the stemmer is pure Python: remember its answers
        # The Snowball stemmer keeps its working state on itself, and the bot matches in worker
        # threads (bot.telegram.questions.prepare): one word at a time, or stems get mixed up.
        self._stemming = threading.Lock()
        self.stopwords = kb.language.stopwords
        self.aliases: dict[tuple[str, ...], tuple[str, ...]] = {
            tuple(key.split()): tuple(value.split()) for key, value in kb.language.aliases.items()
        }
        self.longest_alias = max((len(k) for k in self.aliases), default=1)
        counts: Counter[str] = Counter()
        for text in _all_texts(kb):
            counts.update(words(text))
        for key, value in kb.language.aliases.items():
            counts.update(key.split())
            counts.update(value.split())
        for flag in kb.red_flags:
            for group in flag.all_of:
                for phrase in group:
                    counts.update(words(phrase))
        counts.update(self.stopwords)
        self.vocabulary = frozenset(w for w in counts if not w[0].isdigit())
        self.stems = frozenset(self.stem(w) for w in self.vocabulary)
        # Candidates by first letter and length, most frequent first, so that a tie in edit
        # distance goes to the commoner word. Typos rarely hit a word's first letter, and
        # requiring it keeps real words apart ("mole" is not "role").
        buckets: dict[tuple[str, int], list[str]] = defaultdict(list)
        for word, _ in counts.most_common():
            if not word[0].isdigit():
                buckets[(word[0], len(word))].append(word)
        self._buckets = dict(buckets)
        self.spell = lru_cache(maxsize=65536)(self._spell)
        # Red flags and scoring read the same message: read it once.
        self._tokens = lru_cache(maxsize=256)(self._read)

    def _spell(self, word: str) -> str:
        """The known word a typed word stands for: itself if known, else the nearest one.

        Typos rarely hit a word's first letter, so candidates keep it (or have the first two
        letters swapped: "lgutamine"). Short words are where real words sit one letter apart
        ("wine", "wife"), so up to four letters only a swap of the last two letters, or one
        letter more or less, counts as a typo.
        """
        if word in self.vocabulary or len(word) < MIN_TYPO_LENGTH or word[0].isdigit():
            return word
        if _STRETCHED.search(word):
            return self._unstretched(word)
        if self.stem(word) in self.stems:
            return word  # another form of a known word ("junction", "junctions")
        if len(word) == MIN_TYPO_LENGTH:  # three letters: the last two swapped ("hwo", "teh")
            swapped = word[0] + word[2] + word[1]
            return swapped if swapped in self.vocabulary else word
        edits = max_typo_edits(len(word))
        candidates: list[tuple[int, str]] = []
        for first in {word[0], word[1]}:
            # Same length first, then one letter more (a dropped letter is the commonest typo).
            for length in sorted(
                range(len(word) - edits, len(word) + edits + 1),
                key=lambda n: (abs(n - len(word)), n < len(word)),
            ):
                choices = self._buckets.get((first, length))
                if not choices:
                    continue
                found = process.extractOne(
                    word,
                    choices,
                    scorer=TYPO_SCORER,
                    processor=TYPO_PROCESSOR,
                    score_cutoff=edits,
                )
                if found and self._plausible_typo(word, found[0]):
                    candidates.append((int(found[1]), found[0]))
        if not candidates:
            return word
        return min(candidates, key=lambda c: c[0])[1]  # stable: the first of the nearest

    def _unstretched(self, word: str) -> str:
        """A stretched word read as the known word its runs shrink to ("hellooo" -> "hello"),
        trying each run as one letter and as two; if none is known, spelt as one shrunk."""
        parts = _STRETCHED.split(word)  # text, letter, text, letter, ..., text
        letters = parts[1::2][:MAX_STRETCHES]
        for sizes in itertools.product((1, 2), repeat=len(letters)):
            runs = iter(sizes)
            form = "".join(part * next(runs, 2) if n % 2 else part for n, part in enumerate(parts))
            if form in self.vocabulary:
                return form
        return self._spell(_STRETCHED.sub(r"\1\1", word))

    @staticmethod
    def _plausible_typo(typed: str, known: str) -> bool:
        if known[0] != typed[0] and known[:2] != typed[1::-1]:
            return False  # a lost or changed first letter: "snow" is not "now"
        if len(typed) <= SHORT_WORD:
            return len(known) != len(typed) or sorted(known) == sorted(typed)
        return True

    def tokens(self, text: str) -> list[str]:
        """Words after spelling and aliases, before stemming; numbers as NUMBER."""
        return list(self._tokens(text))

    def _read(self, text: str) -> tuple[str, ...]:
        raw = [NUMBER if w[0].isdigit() else self.spell(w) for w in words(text)]
        out: list[str] = []
        i = 0
        while i < len(raw):
            for size in range(min(self.longest_alias, len(raw) - i), 0, -1):
                target = self.aliases.get(tuple(raw[i : i + size]))
                if target is not None:
                    out.extend(target)
                    i += size
                    break
            else:
                out.append(raw[i])
                i += 1
        return tuple(out)

    def stem(self, word: str) -> str:
        stem = self._stems.get(word)
        if stem is None:
            with self._stemming:
                stem = word if word == NUMBER else self._stem(word)
            self._stems[word] = stem
        return stem

    def terms(self, text: str, tokens: list[str] | None = None) -> list[str]:
        """The stemmed content words of text (or of its tokens), in order, stop words dropped."""
        tokens = self.tokens(text) if tokens is None else tokens
        return [self.stem(w) for w in tokens if w not in self.stopwords]


def _all_texts(kb: KnowledgeBase) -> Iterable[str]:
    for intent in kb.intents:
        yield from intent.examples
    yield from kb.out_of_scope
