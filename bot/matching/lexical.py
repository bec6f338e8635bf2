"""The lexical matcher: which intent a message's words say it is about.

Pure Python, no Telegram. Built once from the knowledge base at start-up; `match()` is then cheap
enough to call on every message.

A message is read by bot.matching.analyzer (normalised, spelt, aliased, stemmed).

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
from collections.abc import Sequence
from dataclasses import replace

from rapidfuzz import fuzz

from bot.knowledge import KnowledgeBase
from bot.matching.analyzer import Analyzer
from bot.matching.decision import (
    ANSWER,
    CLARIFY,
    FALLBACK,
    OUT_OF_SCOPE,
    Context,
    Decision,
    decide,
    declining,
)
from bot.matching.gates import Gates, RedFlags

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
# A word the knowledge base has never seen weighs this much times its rarest word: a question
# about something else ("is zinc safe") stays unanswered rather than matching on "safe".
UNKNOWN_WEIGHT = 1.6

# Reading a long message: a story before the question is scored sentence by sentence too.
_SEGMENT = re.compile(r"[.?!;:\n]+|,\s+")
STORY_TERMS = 4  # a message with this many content words may be a story: read it by sentence
MIN_SEGMENT_TERMS = 2
SEGMENT_WEIGHT = 0.75


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
        self.declines = frozenset(
            intent.id for intent in kb.intents if kb.answers[intent.answer].kind == "decline"
        )
        labelled = [(i.id, e) for i in kb.intents for e in i.examples]
        labelled += [(OUT_OF_SCOPE, e) for e in kb.out_of_scope]
        self._build(labelled)

    def _build(self, labelled: Sequence[tuple[str, str]]) -> None:
        """Weigh every word, index every example, and note the words only off-topic use."""
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
        self._index_examples(example_terms)
        oos = index.get(OUT_OF_SCOPE)
        self.out_of_scope_label = oos
        in_scope = [vocabularies[n] for n, label in enumerate(self.labels) if label != OUT_OF_SCOPE]
        self.foreign_terms = frozenset(
            t
            for t in (vocabularies[oos] if oos is not None else ())
            if all(t not in vocabulary for vocabulary in in_scope)
        )

    def _index_examples(self, example_terms: list[tuple[int, list[str]]]) -> None:
        """Every example as plain parallel lists (the scoring loop's hot path reads them), the
        examples of each intent by word, and the word -> intent index of centroids."""
        self._example_terms: list[frozenset[str]] = []  # its set of words
        self._inverse_norms: list[float] = []  # 1 / the length of its weighted word vector
        self._example_texts: list[str] = []  # its words joined, for the rapidfuzz rescoring
        # Per intent, word -> the examples using it: only examples that share a word with the
        # question are ever looked at.
        self.postings: list[dict[str, list[int]]] = [{} for _ in self.labels]
        centroids: list[Counter[str]] = [Counter() for _ in self.labels]
        for label, terms in example_terms:
            unique = sorted(set(terms))
            if not unique:
                continue
            norm = math.sqrt(math.fsum(self.idf[t] ** 2 for t in unique))
            number = len(self._example_terms)
            self._example_terms.append(frozenset(unique))
            self._inverse_norms.append(1 / norm)
            self._example_texts.append(" ".join(terms))
            for t in unique:
                centroids[label][t] += self.idf[t] / norm
                self.postings[label].setdefault(t, []).append(number)
        # The index: word -> [(intent, weight of the word in that intent's normalised centroid)].
        self.index: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for label, centroid in enumerate(centroids):
            norm = math.sqrt(math.fsum(w * w for w in centroid.values())) or 1.0
            for t in sorted(centroid):
                self.index[t].append((label, centroid[t] / norm))

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
        if ruled is not None:  # an exact example of a decline intent is still a decline
            return declining(ruled, self.declines)
        terms = self.analyzer.terms(text)
        decision = self.decide(text, self.story_scores(text, terms))
        # A word only out-of-scope questions use ("collagen", "zinc") means the question may be
        # about something else entirely: an answer becomes "did you mean", a "did you mean"
        # becomes the honest fallback.
        if self.foreign_terms & set(terms):
            decision = _doubt(decision)
        return declining(decision, self.declines)

    def story_scores(self, text: str, terms: Sequence[str]) -> dict[str, float]:
        """The scores of the message's terms, and of its sentences alone if it tells a story."""
        scores = self.scores(terms)
        if len(set(terms)) >= STORY_TERMS:
            self._add_segments(text, scores)
        return scores

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
