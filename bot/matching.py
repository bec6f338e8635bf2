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
import re
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

# Deciding.
ANSWER_SCORE = 45.0
CLARIFY_SCORE = 35.0
MARGIN = 7.0
CLARIFY_WINDOW = 12.0  # candidates within this of the best are offered in "did you mean"
MAX_CANDIDATES = 3
MIN_LETTERS = 3  # shorter messages are not read (but for the short_words of the data: "hi")
RED_FLAG_LENGTH = 5000  # red flags are looked for this far, even in a message too long to read
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
        # Each red flag: groups of phrases, as " word word " strings to find in the message.
        # Words are compared unstemmed: "I overdosed" is urgent, "can you overdose" is not.
        self._red_flags = [
            [{f" {' '.join(self.analyzer.tokens(p))} " for p in group} for group in flag.all_of]
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
        # Examples that share only words nearly every intent uses ("glutamine") cannot be the
        # best match; looking only at examples sharing a telling word keeps this fast.
        by_weight = sorted(unique, key=weights.__getitem__, reverse=True)
        telling = set(by_weight[:TOP_TERMS]) | {
            t for t in by_weight if weights[t] >= self.telling_idf
        }
        squares = {t: w * w for t, w in weights.items()}  # example weight = query weight = idf
        floor = ranked[0][1] * CANDIDATE_RATIO
        candidates = [(label, c) for label, c in ranked[:CANDIDATE_INTENTS] if c >= floor]
        oos = self.out_of_scope_label
        if oos is not None and oos in centroid_scores and all(c[0] != oos for c in candidates):
            candidates.append((oos, centroid_scores[oos]))  # always weigh "none of these"
        square = squares.__getitem__
        example_terms, inverse_norms = self._example_terms, self._inverse_norms
        for label, centroid in candidates:
            postings = self.postings[label]
            numbers: set[int] = set()
            for t in telling:
                numbers.update(postings.get(t, ()))
            best, best_number = 0.0, -1
            for number in numbers:  # the hot loop: plain lists, no attribute look-ups
                alike_part = sum(map(square, unique & example_terms[number]))
                alike_part *= inverse_norms[number]
                if alike_part > best:
                    best, best_number = alike_part, number
            best /= norm
            if best_number >= 0:
                best_text = self._example_texts[best_number]
                alike = RESCORE_SCORER(query_text, best_text, processor=RESCORE_PROCESSOR) / 100
                best = (1 - RESCORE_WEIGHT) * best + RESCORE_WEIGHT * min(alike, best * 1.5)
            score = EXAMPLE_WEIGHT * best + (1 - EXAMPLE_WEIGHT) * centroid / norm
            result[self.labels[label]] = 100 * score
        return result

    def red_flag(self, text: str, tokens: list[str] | None = None) -> bool:
        """True when every word group of some red flag appears in the message."""
        if tokens is None:
            tokens = self.analyzer.tokens(text[:RED_FLAG_LENGTH])
        said = f" {' '.join(tokens)} "
        return any(
            all(any(phrase in said for phrase in group) for group in groups)
            for groups in self._red_flags
        )

    # -- deciding -------------------------------------------------------------------------

    def match(self, text: str) -> Decision:
        """Decide what the bot does with one message."""
        # Red flags first: an emergency inside a long story or beside other alphabets counts.
        tokens = self.analyzer.tokens(text[:RED_FLAG_LENGTH])  # read once, used twice
        if self.red_flag(text, tokens):
            return Decision(text, ANSWER, URGENT, 100.0, (Candidate(URGENT, 100.0),), "red_flag")
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
            short = self.kb.language.short_words.get(plain)
            if short:  # "hi": too short to read, but a word the data names
                return Decision(
                    text, ANSWER, short, 100.0, (Candidate(short, 100.0),), "short_word"
                )
            return Decision(text, FALLBACK, None, 0.0, reason="too_short" if plain else "empty")
        terms = self.analyzer.terms(text, tokens)
        scores = self.scores(terms)
        if len(set(terms)) >= STORY_TERMS:
            self._add_segments(text, scores)
        decision = self.decide(text, scores, tuple(terms))
        # A word only out-of-scope questions use ("collagen", "zinc") means the question may be
        # about something else entirely: an answer becomes "did you mean", a "did you mean"
        # becomes the honest fallback.
        if self.foreign_terms & set(terms):
            if decision.decision == ANSWER:
                offered = decision.candidates[:1]
                return Decision(
                    text,
                    CLARIFY,
                    decision.intent,
                    decision.score,
                    offered,
                    "foreign_word",
                    decision.terms,
                )
            if decision.decision == CLARIFY:
                return Decision(
                    text,
                    FALLBACK,
                    decision.intent,
                    decision.score,
                    decision.candidates,
                    "foreign_word",
                    decision.terms,
                )
        return decision

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
