"""Semantic intent scores: a logistic regression and nearest examples over sentence vectors.

A multinomial logistic regression is trained at start-up on the intent examples (plus the
out-of-scope examples as one more label) over bot.matching.embedding's sentence vectors (the
examples' come from bot.matching.vectors, stored), and turns a message into one logit per
label. Beside it, the cosine of the message's vector to each label's nearest example: the
regression draws one broad region per label, while a question worded like one particular
example (a headline, a story) is best told by that example. Everything is deterministic: a
fixed number of steps from zero, labels sorted, examples in the knowledge base's file order; no
hash-ordered collection is iterated, so PYTHONHASHSEED changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from bot.matching.vectors import StoredVectors, TextEncoder

# Training settings (fitted with the fusion on the tuning part of the real-wording set).
L2 = 1e-4
STEPS = 120
RATE = 12.0


def softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax, shifted by the row maximum so exp never overflows."""
    shifted = logits - logits.max(-1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(-1, keepdims=True)


@dataclass(frozen=True)
class Classifier:
    """Multinomial logistic regression: labels, weights [D+1, L] (last row: bias)."""

    labels: tuple[str, ...]
    weights: np.ndarray
    mean: np.ndarray  # the training features' mean, subtracted before scoring

    @classmethod
    def fit(
        cls,
        features: np.ndarray,
        labels: Sequence[str],
        *,
        l2: float = L2,
        steps: int = STEPS,
        rate: float = RATE,
    ) -> Classifier:
        """Nesterov-accelerated full-batch gradient descent from zero: deterministic."""
        names = tuple(sorted(set(labels)))
        index = {name: n for n, name in enumerate(names)}
        # float32 in the loop: half the time of float64 at start-up, the same decisions.
        target = np.eye(len(names), dtype=np.float32)[[index[label] for label in labels]]
        mean = features.mean(0)
        x = np.c_[features - mean, np.ones(len(features))].astype(np.float32)
        xt = np.ascontiguousarray(x.T)
        weights = np.zeros((x.shape[1], len(names)), dtype=np.float32)
        previous = weights
        for step in range(1, steps + 1):
            ahead = weights + (step - 1) / (step + 2) * (weights - previous)
            gradient = xt @ (softmax(x @ ahead) - target) / len(x) + l2 * ahead
            previous, weights = weights, ahead - rate * gradient
        return cls(names, weights.astype(np.float64), mean)

    def logits(self, features: np.ndarray) -> np.ndarray:
        """One row of logits per feature row, one column per label."""
        return np.c_[features - self.mean, np.ones(len(features))] @ self.weights


@dataclass(frozen=True)
class SemanticScores:
    """What the semantic half says of one message, one value per label (in `labels` order)."""

    logits: np.ndarray  # the logistic regression's
    nearest: np.ndarray  # cosine to the label's most similar example, in [-1, 1]


class SemanticScorer:
    """Per-label scores for a message: the semantic half of the fused matcher."""

    def __init__(
        self,
        model: TextEncoder,
        examples: Sequence[tuple[str, str]],
        stored: StoredVectors | None = None,
    ) -> None:
        """examples: (label, text) pairs; the out-of-scope examples carry their own label."""
        self.model = model
        texts = [text for _, text in examples]
        features = (stored or StoredVectors({})).encode(model, texts, drift_check=True)
        labels = [label for label, _ in examples]
        self.classifier = Classifier.fit(features, labels)
        # The examples' vectors grouped by label, in `labels` order (a stable sort keeps file
        # order within a label), and where each label's block starts: for the nearest example.
        rank = {label: n for n, label in enumerate(self.classifier.labels)}
        order = sorted(range(len(labels)), key=lambda n: rank[labels[n]])
        self.examples = np.ascontiguousarray(features[order], dtype=np.float32)
        grouped = [rank[labels[n]] for n in order]
        self.starts = np.array([grouped.index(n) for n in range(len(rank))])

    @property
    def labels(self) -> tuple[str, ...]:
        return self.classifier.labels

    def scores(self, text: str) -> SemanticScores:
        """Both scores of one message, from one reading by the encoder."""
        vector = self.model.encode([text])
        # Unit vectors: the dot product is the cosine; float32 halves the time of this product.
        cosines = (self.examples @ vector[0].astype(np.float32)).astype(np.float64)
        return SemanticScores(
            self.classifier.logits(vector)[0], np.maximum.reduceat(cosines, self.starts)
        )
