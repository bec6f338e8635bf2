"""Understanding a message: answer with one intent, ask "did you mean", or decline.

Pure Python, no Telegram. Built once from the knowledge base at start-up; `Matcher.match()` is
then cheap enough to call on every message.

How a message is read:
1. Normalise: Unicode NFKC, case folding, accents, punctuation and emoji dropped (bot.text).
2. Spell: a word the knowledge base has never seen is replaced by the nearest word it has, by
   rapidfuzz's OSA edit distance, allowing more edits for longer words ("glutamin" -> glutamine).
3. Aliases from intents/_language.yaml turn phrases into canonical words ("intestinal
   permeability" -> "leaky gut"), then words are stemmed and stop words dropped.

How it is scored: every word carries its inverse document frequency over the intents, so words
that nearly every intent uses ("glutamine", "leaky gut") weigh little and words that single out
one intent ("how much", "side effects", "test") weigh a lot. Words the knowledge base has never
seen weigh as much as its rarest: a question about something else stays unanswered. A message
is compared with every example (cosine of the weighted word sets) and with each intent as a
whole; an index from words to intents narrows the intents before examples are scored.

How it decides: answer when the best intent clears ANSWER_SCORE and leads every intent of
another topic by MARGIN; otherwise clarify between the best few above CLARIFY_SCORE; otherwise,
or when the out-of-scope examples win, fall back. Red-flag wording always answers `urgent`.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import snowballstemmer
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from bot.knowledge import KnowledgeBase
from bot.text import script_profile, words

ANSWER, CLARIFY, FALLBACK = "answer", "clarify", "fallback"
URGENT = "urgent"
OUT_OF_SCOPE = "_out_of_scope"  # the pseudo-intent of intents/_out_of_scope.yaml

# Spelling correction with rapidfuzz. OSA counts a swap of two letters as one edit ("hwo").
TYPO_SCORER = OSA.distance
TYPO_PROCESSOR = None  # words are already normalised by bot.text.words
MIN_TYPO_LENGTH = 3  # shorter words are taken as typed


def max_typo_edits(length: int) -> int:
    """How many edits a word of this length may be away from the word it is read as."""
    if length <= 7:
        return 1
    if length <= 11:
        return 2
    return 3


# Rescoring the best examples with rapidfuzz: how alike the two word sequences are, in order.
RESCORE_SCORER = fuzz.token_sort_ratio
RESCORE_PROCESSOR = None  # applied to already-normalised, stemmed words
RESCORE_WEIGHT = 0.15  # share of the example score that comes from the rapidfuzz rescoring

# Scoring: an intent's score mixes its best example and the intent as a whole.
EXAMPLE_WEIGHT = 0.7
CANDIDATE_INTENTS = 12  # intents the index keeps before examples are scored
NUMBER = "#"  # every number reads as this one word
# A word the knowledge base has never seen weighs this much times its rarest word: a question
# about something else ("is zinc safe") stays unanswered rather than matching on "safe".
UNKNOWN_WEIGHT = 1.0

# Deciding.
ANSWER_SCORE = 50.0
CLARIFY_SCORE = 32.0
MARGIN = 8.0
CLARIFY_WINDOW = 12.0  # candidates within this of the best are offered in "did you mean"
MAX_CANDIDATES = 3
MIN_LETTERS = 3  # shorter messages are not read (unless they are exactly an example: "hi")
MAX_LENGTH = 1000  # a longer message is declined with a request for one short question


@dataclass(frozen=True)
class Candidate:
    intent: str
    score: float


@dataclass(frozen=True)
class Decision:
    """What the bot does with one message."""

    text: str
    decision: str
    intent: str | None
    score: float
    candidates: tuple[Candidate, ...] = ()
    reason: str = ""
    terms: tuple[str, ...] = field(default=(), compare=False)

    def as_json(self) -> dict:
        return {
            "text": self.text,
            "decision": self.decision,
            "intent": self.intent,
            "score": round(self.score, 1),
            "candidates": [
                {"intent": c.intent, "score": round(c.score, 1)} for c in self.candidates
            ],
            "reason": self.reason,
        }


class Analyzer:
    """Turns text into the words the matcher compares: spelt, aliased, stemmed, stop words out."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self._stem = snowballstemmer.stemmer("english").stemWord
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
        self._counts = counts
        self.vocabulary = frozenset(w for w in counts if not w[0].isdigit())
        self.stems = frozenset(self._stem(w) for w in self.vocabulary)
        # Candidates by first letter and length, most frequent first, so that a tie in edit
        # distance goes to the commoner word. Typos rarely hit a word's first letter, and
        # requiring it keeps real words apart ("mole" is not "role").
        buckets: dict[tuple[str, int], list[str]] = defaultdict(list)
        for word, _ in counts.most_common():
            if not word[0].isdigit():
                buckets[(word[0], len(word))].append(word)
        self._buckets = dict(buckets)
        self.spell = lru_cache(maxsize=65536)(self._spell)

    def _spell(self, word: str) -> str:
        """The known word a typed word stands for: itself if known, else the nearest one."""
        if word in self.vocabulary or len(word) < MIN_TYPO_LENGTH or word[0].isdigit():
            return word
        if self._stem(word) in self.stems:
            return word  # another form of a known word ("junction", "junctions")
        if len(word) == MIN_TYPO_LENGTH:  # three letters: only two swapped letters ("hwo")
            swapped = [
                w
                for w in (word[1] + word[0] + word[2], word[0] + word[2] + word[1])
                if w in self.vocabulary
            ]
            return max(swapped, key=self._counts.__getitem__, default=word)
        edits = max_typo_edits(len(word))
        best: tuple[str, int] | None = None
        for first in {word[0], word[1]}:  # word[1]: the first two letters swapped ("lgutamine")
            for length in range(len(word) - edits, len(word) + edits + 1):
                choices = self._buckets.get((first, length))
                if not choices:
                    continue
                found = process.extractOne(
                    word,
                    choices,
                    scorer=TYPO_SCORER,
                    processor=TYPO_PROCESSOR,
                    score_cutoff=edits if best is None else best[1] - 1,
                )
                if found and (best is None or found[1] < best[1]):
                    best = (found[0], found[1])
        return best[0] if best else word

    def tokens(self, text: str) -> list[str]:
        """Words after spelling and aliases, before stemming; numbers as NUMBER."""
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
        return out

    def stem(self, word: str) -> str:
        return word if word == NUMBER else self._stem(word)

    def terms(self, text: str) -> list[str]:
        """The stemmed content words of text, in order, stop words dropped."""
        return [self.stem(w) for w in self.tokens(text) if w not in self.stopwords]


def _all_texts(kb: KnowledgeBase) -> Iterable[str]:
    for intent in kb.intents:
        yield from intent.examples
    yield from kb.out_of_scope


@dataclass(frozen=True)
class _Example:
    intent: int  # index into Matcher.labels
    weights: dict[str, float]
    norm: float
    text: str  # stemmed terms joined, for the rapidfuzz rescoring


class Matcher:
    """Scores messages against the knowledge base's intents and decides what to do."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self.analyzer = Analyzer(kb)
        self.topics = {intent.id: intent.topic for intent in kb.intents}
        self.answers = {intent.id: intent.answer for intent in kb.intents}
        self.topics[OUT_OF_SCOPE] = OUT_OF_SCOPE
        labelled = [(i.id, e) for i in kb.intents for e in i.examples]
        labelled += [(OUT_OF_SCOPE, e) for e in kb.out_of_scope]
        self._build(labelled)
        self._exact = {}
        for intent in kb.intents:
            for example in intent.examples:
                self._exact.setdefault(" ".join(words(example)), intent.id)
        self._red_flags = [
            [
                {tuple(self.analyzer.stem(w) for w in self.analyzer.tokens(p)) for p in group}
                for group in flag.all_of
            ]
            for flag in kb.red_flags
        ]

    def _build(self, labelled: Sequence[tuple[str, str]]) -> None:
        self.labels: list[str] = sorted({label for label, _ in labelled})
        index = {label: n for n, label in enumerate(self.labels)}
        example_terms = [(index[label], self.analyzer.terms(text)) for label, text in labelled]
        vocabularies: list[set[str]] = [set() for _ in self.labels]
        for label, terms in example_terms:
            vocabularies[label].update(terms)
        df: Counter[str] = Counter()
        for vocabulary in vocabularies:
            df.update(vocabulary)
        classes = len(self.labels)
        self.idf = {t: math.log(1 + classes / count) for t, count in df.items()}
        self.unknown_idf = UNKNOWN_WEIGHT * math.log(1 + classes)
        self.examples: list[list[_Example]] = [[] for _ in self.labels]
        centroids: list[Counter[str]] = [Counter() for _ in self.labels]
        for label, terms in example_terms:
            unique = set(terms)
            if not unique:
                continue
            weights = {t: self.idf[t] for t in unique}
            norm = math.sqrt(sum(w * w for w in weights.values()))
            self.examples[label].append(_Example(label, weights, norm, " ".join(terms)))
            for t, w in weights.items():
                centroids[label][t] += w / norm
        # The index: word -> [(intent, weight of the word in that intent's normalised centroid)].
        self.index: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for label, centroid in enumerate(centroids):
            norm = math.sqrt(sum(w * w for w in centroid.values())) or 1.0
            for t, w in centroid.items():
                self.index[t].append((label, w / norm))

    # -- scoring --------------------------------------------------------------------------

    def scores(self, terms: Sequence[str]) -> dict[str, float]:
        """Score every plausible intent 0-100 for these terms (only intents sharing a word)."""
        unique = set(terms)
        weights = {t: self.idf.get(t, self.unknown_idf) for t in unique}
        norm = math.sqrt(sum(w * w for w in weights.values()))
        if not norm:
            return {}
        centroid_scores: dict[int, float] = defaultdict(float)
        for t in unique:
            for label, w in self.index.get(t, ()):
                centroid_scores[label] += weights[t] * w
        if not centroid_scores:
            return {}
        ranked = sorted(centroid_scores.items(), key=lambda kv: kv[1], reverse=True)
        query_text = " ".join(terms)
        result: dict[str, float] = {}
        for label, centroid in ranked[:CANDIDATE_INTENTS]:
            best = 0.0
            best_text = ""
            for example in self.examples[label]:
                dot = sum(weights[t] * example.weights[t] for t in unique if t in example.weights)
                if dot:
                    cosine = dot / (norm * example.norm)
                    if cosine > best:
                        best, best_text = cosine, example.text
            if best_text:
                alike = RESCORE_SCORER(query_text, best_text, processor=RESCORE_PROCESSOR) / 100
                best = (1 - RESCORE_WEIGHT) * best + RESCORE_WEIGHT * min(alike, best * 1.5)
            score = EXAMPLE_WEIGHT * best + (1 - EXAMPLE_WEIGHT) * centroid / norm
            result[self.labels[label]] = 100 * score
        return result

    def red_flag(self, text: str) -> bool:
        """True when every word group of some red flag appears in the message."""
        stems = [self.analyzer.stem(w) for w in self.analyzer.tokens(text)]
        for groups in self._red_flags:
            if all(any(_contains(stems, phrase) for phrase in group) for group in groups):
                return True
        return False

    # -- deciding -------------------------------------------------------------------------

    def match(self, text: str) -> Decision:
        """Decide what the bot does with one message."""
        if len(text) > MAX_LENGTH:
            return Decision(text, FALLBACK, None, 0.0, reason="too_long")
        latin, other = script_profile(text)
        if other > latin:
            return Decision(text, FALLBACK, None, 0.0, reason="not_english")
        plain = " ".join(words(text))
        letters = sum(ch.isalpha() for ch in plain)
        if plain in self._exact and letters:
            return Decision(
                text,
                ANSWER,
                self._exact[plain],
                100.0,
                (Candidate(self._exact[plain], 100.0),),
                reason="exact",
            )
        if letters < MIN_LETTERS:
            return Decision(text, FALLBACK, None, 0.0, reason="too_short" if plain else "empty")
        if self.red_flag(text):
            return Decision(text, ANSWER, URGENT, 100.0, (Candidate(URGENT, 100.0),), "red_flag")
        terms = self.analyzer.terms(text)
        scores = self.scores(terms)
        return self.decide(text, scores, tuple(terms))

    def decide(self, text: str, scores: dict[str, float], terms: tuple[str, ...] = ()) -> Decision:
        """The decision rule, on scores already computed."""
        ranked = sorted(scores.items(), key=lambda kv: kv[1], reverse=True)
        real = [Candidate(label, score) for label, score in ranked if label != OUT_OF_SCOPE]
        if not real:
            return Decision(text, FALLBACK, None, 0.0, reason="no_match", terms=terms)
        best = real[0]
        shown = tuple(real[:MAX_CANDIDATES])
        if ranked[0][0] == OUT_OF_SCOPE:
            return Decision(text, FALLBACK, best.intent, best.score, shown, "out_of_scope", terms)
        best_topic = self.topics[best.intent]
        rival = next((s for label, s in ranked if self.topics[label] != best_topic), 0.0)
        if best.score >= ANSWER_SCORE and best.score - rival >= MARGIN:
            return Decision(text, ANSWER, best.intent, best.score, shown, "confident", terms)
        if best.score >= CLARIFY_SCORE:
            offered: list[Candidate] = []
            seen_answers: set[str] = set()
            for candidate in real:
                answer = self.answers[candidate.intent]
                if candidate.score < max(CLARIFY_SCORE, best.score - CLARIFY_WINDOW):
                    break
                if answer not in seen_answers:
                    offered.append(candidate)
                    seen_answers.add(answer)
                if len(offered) == MAX_CANDIDATES:
                    break
            return Decision(
                text, CLARIFY, best.intent, best.score, tuple(offered), "ambiguous", terms
            )
        return Decision(text, FALLBACK, best.intent, best.score, shown, "low_score", terms)


def _contains(sequence: Sequence[str], phrase: tuple[str, ...]) -> bool:
    if not phrase:
        return False
    size = len(phrase)
    return any(tuple(sequence[i : i + size]) == phrase for i in range(len(sequence) - size + 1))
