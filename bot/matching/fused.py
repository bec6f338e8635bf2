"""The fused matcher: the lexical matcher's rules and the semantic scores, decided together.

The lexical matcher stays a collaborator: its gates keep the rules that must not be learnt
(red flags, too long, not English, too short, exact examples, short words like "hi"), it mends
spelling before the encoder reads a message, and it contributes its "foreign word" signal (a
word only out-of-scope examples use). Per label (every intent, plus "_out_of_scope") the
fusion computes

    z = SEMANTIC * semantic_logit + NEAREST * nearest_cosine
        + LEXICAL * lexical_score / 100 + FOREIGN * [label is oos]

(nearest_cosine: the message's cosine to the label's most similar example; FOREIGN only when a
foreign word is present), takes softmax(z), sums it per topic and decides:
the top topic is out of scope -> fallback; its probability >= answer -> answer with its best
intent; >= clarify -> "did you mean" the best few intents; else fallback. The constants were
fitted on the TUNING part of the real-wording set only (never on its held-out part). Beside
the nearest examples, the lexical scores' best weight there was 0: they are then not computed.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.knowledge import KnowledgeBase
from bot.matching.decision import (
    ANSWER,
    CLARIFY,
    FALLBACK,
    MAX_CANDIDATES,
    OUT_OF_SCOPE,
    Candidate,
    Context,
    Decision,
    declining,
)
from bot.matching.embedding import shipped_encoder
from bot.matching.lexical import LexicalMatcher
from bot.matching.semantic import (
    CLASSIFIER_PATH,
    Classifier,
    SemanticScorer,
    SemanticScores,
    softmax,
    training_key,
)
from bot.matching.vectors import StoredVectors, shipped_vectors, text_key

# Only the lexical matcher's best few scores, rounded, enter the fusion: its scores of weaker
# intents can depend on float sums in hash order, and so on PYTHONHASHSEED.
LEXICAL_TOP = 6
LEXICAL_DECIMALS = 1


@dataclass(frozen=True)
class FusionParams:
    """Weights and thresholds, fitted on the tuning part of the real-wording set only: the most
    answered right there with at most 1.6% confidently wrong (about half the 3% target: a
    margin for wording it has not seen) and at least 85% of off-topic declined, taken from
    the middle of a plateau (answer at 0.75 and 0.85 met both too). Answering a "did you mean"
    that has a single candidate was tried too: it doubled the wrong answers."""

    semantic: float = 1.0
    nearest: float = 15.0
    lexical: float = 0.0
    foreign: float = 4.0
    answer: float = 0.8
    # The softmax is relative: a message far from every example still gets a high share when
    # one label is a little less far. An answer needs its intent's nearest example within
    # this cosine, else it is a "did you mean" (tuning part: one right and one wrong answer
    # fewer; of 800 lines of random words, alone or after a question word, 32 answered
    # became 9).
    floor: float = 0.5
    clarify: float = 0.4
    clarify_share: float = 0.25  # offer intents holding at least this share of the best's p


@dataclass(frozen=True)
class Evidence:
    """What both halves say about one message, before any threshold."""

    semantic: SemanticScores  # logits and nearest-example cosines per label
    lexical: np.ndarray  # 0-100 per label (0: not scored; all 0 while its weight is 0)
    foreign: bool


def labelled_examples(kb: KnowledgeBase) -> list[tuple[str, str]]:
    """(label, text) for every intent example and every out-of-scope example, in file order."""
    pairs = [(intent.id, example) for intent in kb.intents for example in intent.examples]
    return pairs + [(OUT_OF_SCOPE, example) for example in kb.out_of_scope]


def spelt_text(lexical: LexicalMatcher, text: str) -> str:
    """The text as the lexical analyzer reads it (typos mended, aliases resolved): the
    embedding model's vocabulary knows "symptoms", not "sypmtoms"."""
    return " ".join(lexical.analyzer.tokens(text)) or text


Spelt = list[tuple[str, str]]  # (label, text as the encoder reads it), in file order


def spelt_examples(kb: KnowledgeBase, lexical: LexicalMatcher | None = None) -> Spelt:
    """Every example the encoder reads to train on, as the analyzer spells it."""
    lexical = lexical or LexicalMatcher(kb)
    return [(label, spelt_text(lexical, text)) for label, text in labelled_examples(kb)]


def store_classifier(spelt: Spelt, path: Path | None = None) -> None:
    """Train the regression on the stored vectors of every example, as start-up would, and
    store it (after bot.matching.vectors.store)."""
    features = StoredVectors.load().encode(shipped_encoder(), [text for _, text in spelt])
    labels = [label for label, _ in spelt]
    Classifier.fit(features, labels).save(path or CLASSIFIER_PATH, training_key(features, labels))


def classifier_is_current(spelt: Spelt, path: Path | None = None) -> bool:
    """Whether start-up will find its regression stored (every vector stored, and the
    regression trained on them), so that it trains nothing."""
    path = path or CLASSIFIER_PATH
    stored = shipped_vectors()
    texts = [text for _, text in spelt]
    if stored.missing(texts):
        return False
    features = np.stack([stored.vectors[text_key(text)] for text in texts])
    return Classifier.load(path, training_key(features, [label for label, _ in spelt])) is not None


class FusedMatcher:
    """match(text) -> Decision, combining a LexicalMatcher and a SemanticScorer."""

    def __init__(
        self,
        lexical: LexicalMatcher,
        semantic: SemanticScorer,
        params: FusionParams | None = None,
    ) -> None:
        self.lexical = lexical
        self.semantic = semantic
        self.params = params or FusionParams()
        self.labels = semantic.labels
        self.topics = [label.split(".", 1)[0] for label in self.labels]
        self.topic_names = sorted(set(self.topics))
        self.oos = self.labels.index(OUT_OF_SCOPE)
        self.answers = dict(lexical.answers)

    @classmethod
    def build(cls, kb: KnowledgeBase) -> FusedMatcher:
        """The fused matcher over a knowledge base, with the shipped embedding model."""
        lexical = LexicalMatcher(kb)
        spelt = spelt_examples(kb, lexical)
        semantic = SemanticScorer(shipped_encoder(), spelt, shipped_vectors(), CLASSIFIER_PATH)
        return cls(lexical, semantic)

    def red_flag(self, text: str) -> str | None:
        """The urgent intent of the message's red flag, or None (the lexical matcher's rule)."""
        return self.lexical.red_flag(text)

    def match(self, text: str, context: Context | None = None) -> Decision:
        """Decide what the bot does with one message."""
        ruled = self.lexical.gates.check(text)
        if ruled is not None:  # an exact example of a decline intent is still a decline
            return declining(ruled, self.lexical.declines)
        return declining(self.decide(text, self.evidence(text), self.params), self.lexical.declines)

    def evidence(self, text: str) -> Evidence:
        """Both halves' scores for one message that no gate decided."""
        terms = self.lexical.analyzer.terms(text)
        lexical: dict[str, float] = {}
        if self.params.lexical:  # fitted to 0 beside the nearest examples: then not computed
            scores = self.lexical.story_scores(text, terms)
            rounded = {label: round(score, LEXICAL_DECIMALS) for label, score in scores.items()}
            ranked = sorted(rounded.items(), key=lambda kv: (-kv[1], kv[0]))
            lexical = dict(ranked[:LEXICAL_TOP])
        return Evidence(
            self.semantic.scores(spelt_text(self.lexical, text)),
            np.array([lexical.get(label, 0.0) for label in self.labels]),
            bool(self.lexical.foreign_terms & set(terms)),
        )

    def probabilities(self, evidence: Evidence, params: FusionParams) -> np.ndarray:
        """The fused probability of every label."""
        z = (
            params.semantic * evidence.semantic.logits
            + params.nearest * evidence.semantic.nearest
            + params.lexical * evidence.lexical / 100
        )
        if evidence.foreign:
            z[self.oos] += params.foreign
        return softmax(z)

    def decide(self, text: str, evidence: Evidence, params: FusionParams) -> Decision:
        """The decision rule on fused probabilities, summed per topic."""
        p = self.probabilities(evidence, params).tolist()
        by_topic: dict[str, float] = defaultdict(float)
        for topic, share in zip(self.topics, p, strict=True):
            by_topic[topic] += share
        topic = max(self.topic_names, key=lambda t: (by_topic[t], t))
        order = sorted(range(len(p)), key=lambda n: (-p[n], self.labels[n]))
        real = [Candidate(self.labels[n], 100 * p[n]) for n in order if n != self.oos]
        shown = tuple(real[:MAX_CANDIDATES])
        if topic == OUT_OF_SCOPE:
            return Decision(text, FALLBACK, real[0].intent, real[0].score, shown, "out_of_scope")
        best = next(c for c in real if c.intent.split(".", 1)[0] == topic)
        confidence = 100 * by_topic[topic]
        near = float(evidence.semantic.nearest[self.labels.index(best.intent)])
        if by_topic[topic] >= params.answer and near >= params.floor:
            return Decision(text, ANSWER, best.intent, confidence, shown, "confident")
        if by_topic[topic] >= params.clarify:
            offered = self._offer(real, params)
            return Decision(text, CLARIFY, best.intent, confidence, offered, "ambiguous")
        return Decision(text, FALLBACK, best.intent, confidence, shown, "low_score")

    def _offer(self, ranked: list[Candidate], params: FusionParams) -> tuple[Candidate, ...]:
        """The best few intents with distinct answers, for "did you mean"."""
        offered: list[Candidate] = []
        seen: set[str] = set()
        for candidate in ranked:
            if candidate.score < params.clarify_share * ranked[0].score:
                break
            answer = self.answers[candidate.intent]
            if answer not in seen:
                offered.append(candidate)
                seen.add(answer)
            if len(offered) == MAX_CANDIDATES:
                break
        return tuple(offered)
