"""The intent examples' sentence vectors, computed once and committed beside the model.

The encoder reads a text in about 5 ms, so the knowledge base's ~3,600 examples would cost
~20 s at every start-up. `python -m bot vectors` stores each example's vector (float16, keyed
by a hash of the exact text the encoder reads); start-up reads them back and encodes only the
texts it does not find, such as an example added since. `python -m bot check` and a test say
when the stored vectors are behind the examples, so the file never silently goes stale.
"""

from __future__ import annotations

import hashlib
import logging
import os
import zipfile
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Protocol

import numpy as np

from bot.matching.embedding import MAX_TOKENS, MODEL_DIR, MODEL_SHA256, VOCAB_SHA256

log = logging.getLogger(__name__)

VECTORS_PATH = MODEL_DIR / "example-vectors.npz"
# Vectors are only valid for the encoder, vocabulary and length that made them.
ENCODER_TAG = f"{MODEL_SHA256}:{VOCAB_SHA256}:{MAX_TOKENS}"
# Stored float16 vectors are within ~1e-3 of a fresh reading; int8 arithmetic differs between
# CPUs (AVX2, VNNI, ARM), and a larger gap means the file was made on another kind of machine.
DRIFT = 0.02
DRIFT_SAMPLE = 3


class TextEncoder(Protocol):
    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


def text_key(text: str) -> str:
    """A short, stable key of the exact text (96 bits of its sha256)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:24]


class StoredVectors:
    """Vectors by text key, as stored; those of another encoder or length are ignored."""

    def __init__(self, vectors: dict[str, np.ndarray]) -> None:
        self.vectors = vectors

    @classmethod
    def load(cls, path: Path = VECTORS_PATH) -> StoredVectors:
        """The stored vectors, or none when the file is absent or from another model."""
        if not path.is_file():
            return cls({})
        try:
            # Our own handle: np.load leaves its file open when the file is not an archive.
            with path.open("rb") as handle, np.load(handle, allow_pickle=False) as data:
                if str(data["model"]) != ENCODER_TAG:
                    log.warning("%s was made by another encoder or length: ignored", path.name)
                    return cls({})
                keys = [str(key) for key in data["keys"]]
                return cls(dict(zip(keys, data["vectors"].astype(np.float64), strict=True)))
        except (OSError, ValueError, KeyError, zipfile.BadZipFile) as error:
            log.warning("%s cannot be read (%s): ignored", path.name, error)
            return cls({})

    def missing(self, texts: Sequence[str]) -> list[str]:
        """The texts that have no stored vector, each once, in order."""
        return list(dict.fromkeys(t for t in texts if text_key(t) not in self.vectors))

    def encode(
        self, encoder: TextEncoder, texts: Sequence[str], *, drift_check: bool = False
    ) -> np.ndarray:
        """float64 [N, D]: stored vectors where there are, the encoder's for the rest
        (drift_check: first read a few stored ones afresh, and warn if they differ)."""
        absent = self.missing(texts)
        if drift_check:
            self._check_drift(encoder, [t for t in texts if text_key(t) in self.vectors])
        if absent:
            log.info(
                "%d example(s) have no stored vector; encoding them now "
                "(`python -m bot vectors` stores them)",
                len(absent),
            )
            for text, vector in zip(absent, encoder.encode(absent), strict=True):
                self.vectors[text_key(text)] = vector
        return np.stack([self.vectors[text_key(t)] for t in texts])

    def _check_drift(self, encoder: TextEncoder, stored: Sequence[str]) -> None:
        """Read a few stored texts afresh: warn when this machine reads them differently."""
        sample = list(dict.fromkeys(stored))[:DRIFT_SAMPLE]
        if not sample:
            return
        fresh = encoder.encode(sample)
        kept = np.stack([self.vectors[text_key(t)] for t in sample])
        gap = float(np.abs(fresh - kept).max())
        if gap > DRIFT:
            log.warning(
                "the stored example vectors differ from this machine's reading by %.3f: run "
                "python -m bot vectors here, or decisions may differ slightly from the README's",
                gap,
            )


@lru_cache(maxsize=1)
def shipped_vectors() -> StoredVectors:
    """The committed vectors, read once per process (texts encoded later join them)."""
    return StoredVectors.load()


def store(encoder: TextEncoder, texts: Sequence[str], path: Path = VECTORS_PATH) -> int:
    """Encode every distinct text and write them, sorted by key (the same texts give the same
    bytes); vectors already stored are reused. Returns how many texts are stored."""
    unique = sorted(set(texts), key=text_key)
    vectors = StoredVectors.load(path).encode(encoder, unique) if unique else np.zeros((0, 384))
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    with partial.open("wb") as handle:
        np.savez_compressed(
            handle,
            model=np.array(ENCODER_TAG),
            keys=np.array([text_key(t) for t in unique]),
            vectors=vectors.astype(np.float16),
        )
    os.replace(partial, path)  # a reader never sees half a file
    return len(unique)
