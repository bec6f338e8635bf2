"""Sentence vectors from a static MiniLM distillation: pure Python + numpy, no torch.

The artifact (model/minilm-static-256.npz, built once by scripts/build_embeddings.py; see
model/PROVENANCE.md) holds one int8 vector per WordPiece token of all-MiniLM-L6-v2's
vocabulary, a float32 scale per row, and the vocabulary itself. A message is tokenised by a
small pure-Python BERT WordPiece (uncased), its token vectors are averaged and normalised.
Nothing is downloaded: the file ships with the project and is checked by its sha256 on load.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from bot.matching import MatcherError

MODEL_PATH = Path(__file__).resolve().parent / "model" / "minilm-static-256.npz"
MODEL_SHA256 = "efc4fc994f6506538b4db6781c84be662515c24e43323b0b8e96dcf07f541153"
MAX_WORD = 100  # BERT's WordPiece: longer words are [UNK]
MAX_TOKENS = 128  # a longer message is read by its first tokens only
# Code points BERT treats as CJK ideographs: each is a word of its own.
_CJK = (
    (0x4E00, 0x9FFF),
    (0x3400, 0x4DBF),
    (0x20000, 0x2A6DF),
    (0x2A700, 0x2CEAF),
    (0xF900, 0xFAFF),
    (0x2F800, 0x2FA1F),
)


class ModelError(MatcherError):
    """The embedding file is missing or is not the one the project ships."""


def _is_punctuation(ch: str) -> bool:
    """BERT's rule: ASCII symbols count as punctuation, and so does Unicode category P*."""
    code = ord(ch)
    if 33 <= code <= 47 or 58 <= code <= 64 or 91 <= code <= 96 or 123 <= code <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


def _cleaned(text: str) -> str:
    """Control characters dropped, every space a plain one, CJK ideographs spaced apart."""
    chars: list[str] = []
    for ch in text:
        code = ord(ch)
        if code in (0, 0xFFFD) or (unicodedata.category(ch) in ("Cc", "Cf") and ch not in "\t\n\r"):
            continue
        if ch.isspace() or unicodedata.category(ch) == "Zs":
            chars.append(" ")
        elif any(low <= code <= high for low, high in _CJK):
            chars.append(f" {ch} ")
        else:
            chars.append(ch)
    return "".join(chars)


def basic_words(text: str) -> list[str]:
    """BERT uncased pre-tokenisation: clean, lower-case, strip accents, split punctuation."""
    folded = unicodedata.normalize("NFD", _cleaned(text).lower())
    folded = "".join(ch for ch in folded if unicodedata.category(ch) != "Mn")
    out: list[str] = []
    for word in folded.split():
        piece = ""
        for ch in word:
            if _is_punctuation(ch):
                out.extend((piece, ch) if piece else (ch,))
                piece = ""
            else:
                piece += ch
        if piece:
            out.append(piece)
    return out


class WordPiece:
    """Greedy longest-match-first WordPiece over a fixed vocabulary (BERT uncased)."""

    def __init__(self, vocab: Sequence[str]) -> None:
        self.ids = {token: n for n, token in enumerate(vocab)}
        self.unknown = self.ids["[UNK]"]
        self.word_ids = lru_cache(maxsize=65536)(self._word_ids)

    def _word_ids(self, word: str) -> tuple[int, ...]:
        """The ids of one word's pieces, or [UNK] when it cannot be split into known ones."""
        if len(word) > MAX_WORD:
            return (self.unknown,)
        pieces: list[int] = []
        start = 0
        while start < len(word):
            end = len(word)
            while end > start:
                piece = word[start:end] if start == 0 else "##" + word[start:end]
                if piece in self.ids:
                    pieces.append(self.ids[piece])
                    break
                end -= 1
            else:
                return (self.unknown,)
            start = end
        return tuple(pieces)

    def encode(self, text: str) -> list[int]:
        """Token ids of text, without [CLS]/[SEP]."""
        ids: list[int] = []
        for word in basic_words(text):
            ids.extend(self.word_ids(word))
        return ids


def file_sha256(path: Path) -> str:
    """The sha256 of a file, read in blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verified(path: Path, sha256: str = MODEL_SHA256) -> Path:
    """The path, once its checksum is the expected one; ModelError in one sentence if not."""
    if not path.is_file():
        raise ModelError(
            f"The embedding model {path} is missing: restore it from git "
            "(see bot/matching/model/PROVENANCE.md) or set MATCHER=lexical."
        )
    if file_sha256(path) != sha256:
        raise ModelError(
            f"The embedding model {path} is not the shipped file (its sha256 differs): restore "
            "it from git (see bot/matching/model/PROVENANCE.md) or set MATCHER=lexical."
        )
    return path


@dataclass(frozen=True)
class StaticModel:
    """Token vectors (int8 rows times a scale) and the tokenizer over their vocabulary."""

    vectors: np.ndarray  # int8 [V, D]
    scale: np.ndarray  # float32 [V]
    tokenizer: WordPiece

    @classmethod
    def load(cls, path: Path = MODEL_PATH, sha256: str = MODEL_SHA256) -> StaticModel:
        """Load the artifact after checking its sha256 (no pickles are read)."""
        with np.load(verified(path, sha256), allow_pickle=False) as data:
            vocab = [str(token) for token in data["vocab"]]
            return cls(data["vectors"], data["scale"], WordPiece(vocab))

    @property
    def dims(self) -> int:
        return int(self.vectors.shape[1])

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length mean of the token vectors of each text: float64 [N, D]."""
        out = np.zeros((len(texts), self.dims))
        for n, text in enumerate(texts):
            ids = self.tokenizer.encode(text)[:MAX_TOKENS]
            if ids:
                rows = self.vectors[ids].astype(np.float64) * self.scale[ids, None]
                out[n] = rows.mean(0)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms > 0, norms, 1.0)


@lru_cache(maxsize=1)
def shipped_model() -> StaticModel:
    """The shipped artifact, loaded and checked once per process."""
    return StaticModel.load()
