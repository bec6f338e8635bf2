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

import hashlib
import logging
import os
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.matching.embedding import MODEL_DIR
from bot.matching.vectors import StoredVectors, TextEncoder

log = logging.getLogger(__name__)

# Training settings (fitted with the fusion on the tuning part of the real-wording set).
L2 = 1e-4
STEPS = 120
RATE = 12.0
FIT_VERSION = 1  # raise it when `Classifier.fit` changes: a stored regression is then stale
# The regression over the stored vectors, trained by `python -m bot vectors` (half a second
# of start-up saved); used only when it was trained on exactly the features start-up has.
CLASSIFIER_PATH = MODEL_DIR / "example-classifier.npz"


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

    @classmethod
    def trained(cls, features: np.ndarray, labels: Sequence[str], path: Path) -> Classifier:
        """The stored regression if it was trained on these very features and labels (with
        these settings and this version of `fit`), else one trained now: the same weights
        either way, up to the order another CPU's BLAS sums in."""
        return cls.load(path, training_key(features, labels)) or cls.fit(features, labels)

    @classmethod
    def load(cls, path: Path, key: str) -> Classifier | None:
        """The regression stored under `key`, or None (absent, damaged or trained on others)."""
        if not path.is_file():
            return None
        try:
            with path.open("rb") as handle, np.load(handle, allow_pickle=False) as data:
                if str(data["key"]) != key:
                    log.info("%s was trained on other examples: training now", path.name)
                    return None
                labels = tuple(str(label) for label in data["labels"])
                return cls(labels, data["weights"].astype(np.float64), data["mean"])
        except (OSError, ValueError, KeyError, zipfile.BadZipFile) as error:
            log.warning("%s cannot be read (%s): training now", path.name, error)
            return None

    def save(self, path: Path, key: str) -> None:
        """Write the regression atomically, under the key of what it was trained on."""
        partial = path.with_name(path.name + ".partial")
        with partial.open("wb") as handle:
            np.savez(
                handle,
                key=np.array(key),
                labels=np.array(self.labels),
                weights=self.weights,
                mean=self.mean,
            )
        os.replace(partial, path)


def training_key(features: np.ndarray, labels: Sequence[str]) -> str:
    """What a regression is a function of: the version of `fit`, its settings, the labels in
    order and the exact feature values."""
    digest = hashlib.sha256(f"{FIT_VERSION}:{L2}:{STEPS}:{RATE}\n".encode())
    digest.update("\n".join(labels).encode("utf-8"))
    digest.update(np.ascontiguousarray(features, dtype=np.float64).tobytes())
    return digest.hexdigest()


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
        trained: Path | None = None,
    ) -> None:
        """examples: (label, text) pairs; the out-of-scope examples carry their own label.
        trained: where a regression trained by `python -m bot vectors` may be stored."""
        self.model = model
        texts = [text for _, text in examples]
        features = (stored or StoredVectors({})).encode(model, texts, drift_check=True)
        labels = [label for label, _ in examples]
        if trained is None:
            self.classifier = Classifier.fit(features, labels)
        else:
            self.classifier = Classifier.trained(features, labels, trained)
        # The examples' vectors grouped by label, in `labels` order (a stable sort keeps file
        # order within a label), and where each label's block starts: for the nearest example.
        rank = {label: n for n, label in enumerate(self.classifier.labels)}
        order = sorted(range(len(labels)), key=lambda n: rank[labels[n]])
        self.examples = np.ascontiguousarray(features[order], dtype=np.float32)
        grouped = np.array([rank[labels[n]] for n in order])  # every label has an example
        self.starts = np.flatnonzero(np.r_[True, np.diff(grouped) != 0])

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
