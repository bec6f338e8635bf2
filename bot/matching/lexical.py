"""The lexical matcher: which intent a message's words say it is about.

Pure Python, no Telegram. Built once from the knowledge base at start-up; `match()` is then cheap
enough to call on every message.

How a message is read (Analyzer):
1. Normalise: Unicode NFKC, case folding, accents, punctuation and emoji dropped (bot.text).
2. Spell: a word the knowledge base has never seen is replaced by the nearest word it has, by
   rapidfuzz's OSA edit distance, allowing more edits for longer words ("glutamin" -> glutamine).
3. Aliases from intents/_language.yaml turn phrases into canonical words ("intestinal
   permeability" -> "leaky gut"), then words are stemmed and stop words dropped.

How it is scored: every word carries its inverse document frequency over the intents, so words
that nearly every intent uses ("glutamine", "leaky gut") weigh little and words that single out
one intent ("how much", "side effects", "test") weigh a lot. A word the knowledge base has never
seen weighs UNKNOWN_WEIGHT times its rarest word, so a question about something else stays
unanswered. A message is compared with every example (cosine of the weighted word sets,
refined by rapidfuzz) and with each intent as a whole; an index from words to intents narrows
the intents before examples are scored. The decision rule is bot.matching.decision's.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import replace
from functools import lru_cache

import snowballstemmer
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from bot.knowledge import KnowledgeBase
from bot.matching.decision import ANSWER, CLARIFY, FALLBACK, OUT_OF_SCOPE, Context, Decision, decide
from bot.matching.gates import Gates, RedFlags
from bot.text import words

# Spelling correction with rapidfuzz. OSA counts a swap of two letters as one edit ("hwo").
TYPO_SCORER = OSA.distance
TYPO_PROCESSOR = None  # words are already normalised by bot.text.words
MIN_TYPO_LENGTH = 3  # shorter words are taken as typed
SHORT_WORD = 4  # up to this length, a changed letter is more likely another word than a typo


TYPO_EDITS = ((7, 1), (11, 2))  # (longest length, edits allowed); longer words: 3


def max_typo_edits(length: int) -> int:
    """How many edits a word of this length may be away from the word it is read as."""
    for longest, edits in TYPO_EDITS:
        if length <= longest:
            return edits
    return 3


# Rescoring the best examples with rapidfuzz: how alike the two word sequences are, in order.
RESCORE_SCORER = fuzz.token_sort_ratio
RESCORE_PROCESSOR = None  # applied to already-normalised, stemmed words
RESCORE_WEIGHT = 0.15  # share of the example score that comes from the rapidfuzz rescoring

# Scoring: an intent's score mixes its best example and the intent as a whole.
EXAMPLE_WEIGHT = 0.75
CANDIDATE_INTENTS = 12  # intents the index keeps before examples are scored
CANDIDATE_RATIO = 0.5  # ...and only those within this share of the best intent's score
TELLING_SHARE = 0.25
TOP_TERMS = 2  # ...and the question's most telling words, whatever their weight
NUMBER = "#"  # every number reads as this one word
# A word the knowledge base has never seen weighs this much times its rarest word: a question
# about something else ("is zinc safe") stays unanswered rather than matching on "safe".
UNKNOWN_WEIGHT = 1.6

# Reading a long message: a story before the question is scored sentence by sentence too.
_SEGMENT = re.compile(r"[.?!;:\n]+|,\s+")
STORY_TERMS = 4  # a message with this many content words may be a story: read it by sentence
MIN_SEGMENT_TERMS = 2
SEGMENT_WEIGHT = 0.75


class Analyzer:
    """Turns text into the words the matcher compares: spelt, aliased, stemmed, stop words out."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self._stem = snowballstemmer.stemmer("english").stemWord
        self._stems: dict[str, str] = {}  # the stemmer is pure Python: remember its answers
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
            stem = self._stems[word] = word if word == NUMBER else self._stem(word)
        return stem

    def terms(self, text: str, tokens: list[str] | None = None) -> list[str]:
        """The stemmed content words of text (or of its tokens), in order, stop words dropped."""
        tokens = self.tokens(text) if tokens is None else tokens
        return [self.stem(w) for w in tokens if w not in self.stopwords]


def _all_texts(kb: KnowledgeBase) -> Iterable[str]:
    for intent in kb.intents:
        yield from intent.examples
    yield from kb.out_of_scope


class LexicalMatcher:
    """Scores messages by their words against the knowledge base's intents, and decides."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self.analyzer = Analyzer(kb)
        self.red_flag = RedFlags(kb, self.analyzer.tokens)
        self.gates = Gates(kb, self.red_flag)
        self.topics = {intent.id: intent.topic for intent in kb.intents}
        self.answers = {intent.id: intent.answer for intent in kb.intents}
        self.topics[OUT_OF_SCOPE] = OUT_OF_SCOPE
        labelled = [(i.id, e) for i in kb.intents for e in i.examples]
        labelled += [(OUT_OF_SCOPE, e) for e in kb.out_of_scope]
        self._build(labelled)

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
        # A word in more than TELLING_SHARE of the intents tells little about which is meant.
        self.telling_idf = math.log(1 + 1 / TELLING_SHARE)
        # Every example as plain parallel lists (the scoring loop's hot path reads them):
        # its set of words, 1 / the length of its weighted word vector, and its words joined.
        self._example_terms: list[frozenset[str]] = []
        self._inverse_norms: list[float] = []
        self._example_texts: list[str] = []
        # Per intent, word -> the examples using it: only examples that share a word with the
        # question are ever looked at.
        self.postings: list[dict[str, list[int]]] = [{} for _ in self.labels]
        centroids: list[Counter[str]] = [Counter() for _ in self.labels]
        for label, terms in example_terms:
            unique = set(terms)
            if not unique:
                continue
            weights = {t: self.idf[t] for t in unique}
            norm = math.sqrt(sum(w * w for w in weights.values()))
            number = len(self._example_terms)
            self._example_terms.append(frozenset(unique))
            self._inverse_norms.append(1 / norm)
            self._example_texts.append(" ".join(terms))
            for t, w in weights.items():
                centroids[label][t] += w / norm
                self.postings[label].setdefault(t, []).append(number)
        in_scope = {n for n, label in enumerate(self.labels) if label != OUT_OF_SCOPE}
        oos = index.get(OUT_OF_SCOPE)
        self.out_of_scope_label = oos
        self.foreign_terms = frozenset(
            t
            for t in (vocabularies[oos] if oos is not None else ())
            if all(t not in vocabularies[n] for n in in_scope)
        )
        # The index: word -> [(intent, weight of the word in that intent's normalised centroid)].
        self.index: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for label, centroid in enumerate(centroids):
            norm = math.sqrt(sum(w * w for w in centroid.values())) or 1.0
            for t, w in centroid.items():
                self.index[t].append((label, w / norm))

    # -- scoring --------------------------------------------------------------------------

    def scores(self, terms: Sequence[str]) -> dict[str, float]:
        """Score every plausible intent 0-100 for these terms (only intents sharing a word).

        Every loop runs in sorted order and sums with math.fsum, so the same words always give
        the same scores, whatever Python's hash seed.
        """
        unique = sorted(set(terms))
        weights = {t: self.idf.get(t, self.unknown_idf) for t in unique}
        norm = math.sqrt(math.fsum(w * w for w in weights.values()))
        if not norm:
            return {}
        centroid_scores: dict[int, float] = defaultdict(float)
        for t in unique:
            for label, w in self.index.get(t, ()):
                centroid_scores[label] += weights[t] * w
        if not centroid_scores:
            return {}
        ranked = sorted(centroid_scores.items(), key=lambda kv: (-kv[1], kv[0]))
        floor = ranked[0][1] * CANDIDATE_RATIO
        candidates = [(label, c) for label, c in ranked[:CANDIDATE_INTENTS] if c >= floor]
        oos = self.out_of_scope_label
        if oos is not None and oos in centroid_scores and all(c[0] != oos for c in candidates):
            candidates.append((oos, centroid_scores[oos]))  # always weigh "none of these"
        # Examples that share only words nearly every intent uses ("glutamine") cannot be the
        # best match; looking only at examples sharing a telling word keeps this fast.
        by_weight = sorted(unique, key=lambda t: -weights[t])
        telling = by_weight[:TOP_TERMS] + [
            t for t in by_weight[TOP_TERMS:] if weights[t] >= self.telling_idf
        ]
        query = (frozenset(unique), {t: w * w for t, w in weights.items()}, " ".join(terms), norm)
        result: dict[str, float] = {}
        for label, centroid in candidates:
            best = self._best_example(label, telling, *query)
            score = EXAMPLE_WEIGHT * best + (1 - EXAMPLE_WEIGHT) * centroid / norm
            result[self.labels[label]] = 100 * score
        return result

    def _best_example(
        self,
        label: int,
        telling: list[str],
        unique: frozenset[str],
        squares: dict[str, float],
        query_text: str,
        norm: float,
    ) -> float:
        """How alike (0-1) the intent's best example sharing a telling word is to the query.

        The hot loop: plain lists, no attribute look-ups (example weight = query weight = idf).
        """
        postings = self.postings[label]
        numbers: set[int] = set()
        for t in telling:
            numbers.update(postings.get(t, ()))
        square = squares.__getitem__
        example_terms, inverse_norms = self._example_terms, self._inverse_norms
        best, best_number = 0.0, -1
        for number in sorted(numbers):
            alike_part = math.fsum(map(square, unique & example_terms[number]))
            alike_part *= inverse_norms[number]
            if alike_part > best:
                best, best_number = alike_part, number
        best /= norm
        if best_number < 0:
            return best
        best_text = self._example_texts[best_number]
        alike = RESCORE_SCORER(query_text, best_text, processor=RESCORE_PROCESSOR) / 100
        return (1 - RESCORE_WEIGHT) * best + RESCORE_WEIGHT * min(alike, best * 1.5)

    # -- deciding -------------------------------------------------------------------------

    def match(self, text: str, context: Context | None = None) -> Decision:
        """Decide what the bot does with one message."""
        ruled = self.gates.check(text)
        if ruled is not None:
            return ruled
        terms = self.analyzer.terms(text)
        scores = self.scores(terms)
        if len(set(terms)) >= STORY_TERMS:
            self._add_segments(text, scores)
        decision = self.decide(text, scores)
        # A word only out-of-scope questions use ("collagen", "zinc") means the question may be
        # about something else entirely: an answer becomes "did you mean", a "did you mean"
        # becomes the honest fallback.
        if self.foreign_terms & set(terms):
            return _doubt(decision)
        return decision

    def decide(self, text: str, scores: dict[str, float]) -> Decision:
        """The decision rule, on scores already computed."""
        return decide(text, scores, self.topics, self.answers)

    def _add_segments(self, text: str, scores: dict[str, float]) -> None:
        """A story before the question: score each sentence alone too, and keep the best."""
        segments = [s for s in _SEGMENT.split(text) if s.strip()]
        if len(segments) < 2:
            return
        for segment in segments:
            terms = self.analyzer.terms(segment)
            if len(set(terms)) < MIN_SEGMENT_TERMS:
                continue
            for label, score in self.scores(terms).items():
                score *= SEGMENT_WEIGHT
                if score > scores.get(label, 0.0):
                    scores[label] = score


def _doubt(decision: Decision) -> Decision:
    """One step less sure: an answer becomes "did you mean" it, "did you mean" the fallback."""
    if decision.decision == ANSWER:
        return replace(
            decision, decision=CLARIFY, candidates=decision.candidates[:1], reason="foreign_word"
        )
    if decision.decision == CLARIFY:
        return replace(decision, decision=FALLBACK, reason="foreign_word")
    return decision
