"""How far the answer threshold can move the fused matcher: right against wrong, per threshold.

The fused matcher answers when its topic's probability reaches FusionParams.answer (and the
nearest example is close enough); lower, it asks "did you mean" or declines. This script runs
the matcher as `eval` does (the gates and the reading of chat messages included; there are
no follow-ups, since no question comes after an answer) on a labelled set once per threshold
and prints what each gives: answered right, right topic offered in "did you mean", confidently
wrong, off-topic declined. The last row answers whatever the fused reader ranks first (no
threshold, no floor, no "did you mean"; the gates still decide what they decide): the most any
threshold could win with this reader and these examples. So it tells whether a target is a
question of calibration or of reading.

Run it on the tuning part of a real-wording set, where constants may be fitted; the held-out
part only measures (README: "How questions are understood").

Usage: python benchmarks/frontier.py [FILE] [--part tuning|heldout|all]
       (default: ../shared/data/real-questions.yaml, part tuning)
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # one core: before numpy is imported
os.environ.setdefault("OMP_NUM_THREADS", "1")

from bot.matching.conversation import ConversationalMatcher
from bot.matching.evaluate import (
    PARTS,
    TARGET_DECLINED,
    TARGET_RIGHT,
    TARGET_RIGHT_REAL,
    TARGET_WRONG,
    Report,
    evaluate,
    read_labelled,
)
from bot.matching.fused import FusedMatcher
from bot.services import load_knowledge

ROOT = Path(__file__).resolve().parent.parent
REAL = Path(os.environ.get("REAL_QUESTIONS") or ROOT.parent / "shared/data/real-questions.yaml")
THRESHOLDS = (0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95)


def figures(report: Report) -> tuple[float, float, float, float]:
    """(right, clarified right, confidently wrong, off-topic declined), as fractions."""
    inside = max(report.in_scope, 1)
    total = max(report.in_scope + report.out_of_scope, 1)
    return (
        report.right / inside,
        report.clarified_right / inside,
        report.confidently_wrong / total,
        report.oos_declined / max(report.out_of_scope, 1),
    )


def row(label: str, values: tuple[float, float, float, float]) -> str:
    return f"{label:34}" + "".join(f"{100 * v:9.1f}" for v in values)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("file", nargs="?", type=Path, default=REAL)
    parser.add_argument("--part", choices=PARTS, default="tuning")
    args = parser.parse_args(argv)
    if not args.file.is_file():
        print(f"no labelled set at {args.file}")
        return 1
    questions, title = read_labelled(args.file, args.part)
    target = TARGET_RIGHT_REAL if title.startswith("real") else TARGET_RIGHT
    kb = load_knowledge()
    fused = FusedMatcher.build(kb)
    matcher = ConversationalMatcher(fused, kb)
    shipped = fused.params
    print(f"{args.file.name}: {title}")
    print(f"{'':34}{'right':>9}{'did-you':>9}{'wrong':>9}{'declined':>9}")
    print(f"{'':34}{'':>9}{'mean':>9}{'':>9}{'off-topic':>9}")
    best: tuple[float, float] | None = None
    for answer in THRESHOLDS:
        fused.params = dataclasses.replace(shipped, answer=answer)
        values = figures(evaluate(matcher, questions))
        mark = " (shipped)" if answer == shipped.answer else ""
        print(row(f"answer at {answer:.2f}{mark}", values))
        if values[2] <= TARGET_WRONG and values[3] >= TARGET_DECLINED:
            best = max(best or (0.0, answer), (values[0], answer))
    # No threshold at all: whatever ranks first is answered, unless the top topic is off-topic.
    fused.params = dataclasses.replace(shipped, answer=0.0, floor=-1.0, clarify=0.0)
    print(row("answer whatever ranks first", figures(evaluate(matcher, questions))))
    fused.params = shipped
    if best:
        print(
            f"most answered right within <= {TARGET_WRONG:.0%} wrong and >= "
            f"{TARGET_DECLINED:.0%} off-topic declined: {100 * best[0]:.1f}% (answer at "
            f"{best[1]:.2f}); target {target:.0%}"
        )
    else:
        print(f"no threshold: <= {TARGET_WRONG:.0%} wrong with >= {TARGET_DECLINED:.0%} declined")
    return 0


if __name__ == "__main__":
    sys.exit(main())
