"""Sentence vectors from all-MiniLM-L6-v2, run by onnxruntime as int8: no torch.

The model (model/minilm-l6-int8.onnx, built once by scripts/build_encoder.py; see
model/PROVENANCE.md) is the whole sentence encoder, its mean pooling and normalisation
included. A message is tokenised by a small pure-Python BERT WordPiece (uncased) over
model/vocab.txt, then read in context by the six transformer layers: "it" next to "take" and
"how long" means something else than "it" next to "leaky". Nothing is downloaded: both files
ship with the project and are checked by their sha256 on load.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

from bot.matching import MatcherError

MODEL_DIR = Path(__file__).resolve().parent / "model"
MODEL_PATH = MODEL_DIR / "minilm-l6-int8.onnx"
MODEL_SHA256 = "5e6bbc0aaa5430e477d270adcb9c62cfe7f491095cb80a7d5ef8e5a5fb849248"
VOCAB_PATH = MODEL_DIR / "vocab.txt"
VOCAB_SHA256 = "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3"
MAX_WORD = 100  # BERT's WordPiece: longer words are [UNK]
# The encoder reads a message's first 24 tokens ([CLS] and [SEP] included): its time grows
# with the length (about 5 ms at 16 tokens, 8 ms at 32 on one core), and on the tuning part
# of the real wording 24 decided as well as 128. The lexical half reads the whole message.
MAX_TOKENS = 24
# A long text is tokenised from its first 512 characters (cut at a space) when they hold
# enough tokens: the encoder reads at most 22 of them anyway. The chat reads up to 1,000
# characters of a message (bot/matching/pieces.py); at that length this halves the
# tokenisation (2.3 to 1.1 ms).
PREFIX_CHARS = 512
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
    """The encoder's files are missing or are not the ones the project ships."""


def _is_punctuation(ch: str) -> bool:
    """BERT's rule: ASCII symbols count as punctuation, and so does Unicode category P*."""
    code = ord(ch)
    if 33 <= code <= 47 or 58 <= code <= 64 or 91 <= code <= 96 or 123 <= code <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


def _dropped(ch: str) -> bool:
    """BERT's cleaning drops NUL, U+FFFD and control and format characters but tab and
    newlines."""
    if ord(ch) in (0, 0xFFFD):
        return True
    return unicodedata.category(ch) in ("Cc", "Cf") and ch not in "\t\n\r"


def _cleaned(text: str) -> str:
    """Control characters dropped, every space a plain one, CJK ideographs spaced apart."""
    chars: list[str] = []
    for ch in text:
        code = ord(ch)
        if _dropped(ch):
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


def _space_before(text: str, end: int) -> int:
    """The index of the last character before `end` that _cleaned turns into a space (0 when
    there is none): cutting there never splits a word."""
    for at in range(end - 1, 0, -1):
        ch = text[at]
        if (ch.isspace() or unicodedata.category(ch) == "Zs") and not _dropped(ch):
            return at
    return 0


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

    def encode(self, text: str, limit: int | None = None) -> list[int]:
        """Token ids of text, without [CLS]/[SEP]; with `limit`, only the first that many.

        A long text's first ids come from its first words only: they are read from a prefix
        cut at a character cleaning turns into a space, and the whole text is read only when
        that prefix holds fewer than `limit` ids. Exact, because nothing crosses such a space:
        cleaning is per character, punctuation splits inside a word, and both lower-casing's
        final-sigma rule and NFD's reordering of combining marks stop at a space."""
        if limit is not None and len(text) > PREFIX_CHARS:
            cut = _space_before(text, PREFIX_CHARS)
            if cut:
                ids = self._ids(text[:cut], limit)
                if len(ids) == limit:
                    return ids
        return self._ids(text, limit)

    def _ids(self, text: str, limit: int | None) -> list[int]:
        ids: list[int] = []
        for word in basic_words(text):
            ids.extend(self.word_ids(word))
            if limit is not None and len(ids) >= limit:
                return ids[:limit]
        return ids


def file_sha256(path: Path) -> str:
    """The sha256 of a file, read in blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verified(path: Path, sha256: str) -> Path:
    """The path, once its checksum is the expected one; ModelError in one sentence if not."""
    if not path.is_file():
        raise ModelError(
            f"The sentence encoder's file {path} is missing: restore it from git "
            "(see bot/matching/model/PROVENANCE.md) or set MATCHER=lexical."
        )
    if file_sha256(path) != sha256:
        raise ModelError(
            f"The sentence encoder's file {path} is not the shipped one (its sha256 differs): "
            "restore it from git (see bot/matching/model/PROVENANCE.md) or set MATCHER=lexical."
        )
    return path


class Encoder:
    """One unit-length 384-dim vector per text, from the int8 encoder on one thread.

    Each text runs alone (a batch of one, no padding), so a text's vector never depends on
    which other texts were encoded with it, nor on the machine's number of cores."""

    def __init__(self, session: object, tokenizer: WordPiece) -> None:
        self.session = session
        self.tokenizer = tokenizer
        self.cls, self.sep = tokenizer.ids["[CLS]"], tokenizer.ids["[SEP]"]

    @classmethod
    def load(cls, model: Path = MODEL_PATH, vocab: Path = VOCAB_PATH) -> Encoder:
        """Both files, after checking their sha256; onnxruntime is imported only here, so
        MATCHER=lexical starts without it."""
        import onnxruntime

        words = verified(vocab, VOCAB_SHA256).read_text(encoding="utf-8").split("\n")
        tokenizer = WordPiece(words[:-1] if words[-1] == "" else words)
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
        options.log_severity_level = 3  # errors only: no start-up chatter in the bot's log
        session = onnxruntime.InferenceSession(
            str(verified(model, MODEL_SHA256)), options, providers=["CPUExecutionProvider"]
        )
        return cls(session, tokenizer)

    @property
    def dims(self) -> int:
        return 384

    def ids(self, text: str) -> list[int]:
        """[CLS], the text's first tokens, [SEP]: at most MAX_TOKENS."""
        return [self.cls, *self.tokenizer.encode(text, MAX_TOKENS - 2), self.sep]

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """float64 [N, 384], each row of unit length."""
        out = np.zeros((len(texts), self.dims))
        for n, text in enumerate(texts):
            ids = np.array([self.ids(text)], dtype=np.int64)
            feed = {"ids": ids, "mask": np.ones_like(ids)}
            out[n] = self.session.run(None, feed)[0][0]  # type: ignore[attr-defined]
        return out


@lru_cache(maxsize=1)
def shipped_encoder() -> Encoder:
    """The shipped encoder, loaded and checked once per process."""
    return Encoder.load()
