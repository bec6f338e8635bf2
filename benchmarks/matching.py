"""How fast the matcher is: start-up, latency per question and throughput on one core.

Runs on the shipped knowledge base and on it grown 10x and 100x with synthetic intents whose
examples mix made-up words with the real vocabulary (so the word index really fills up).
The questions are the labelled development set, matched once untimed (as a running bot
would have seen such words before), then timed. The process is pinned to one core and numpy to
one thread. The fused matcher is measured on the shipped knowledge base only: it trains a
classifier over every example at start-up, which the grown bases would make take minutes.

Usage: python benchmarks/matching.py [--matcher lexical|fused|both]   (default: MATCHER, or lexical)
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import random
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # one core: before numpy is imported
os.environ.setdefault("OMP_NUM_THREADS", "1")

from bot.knowledge import Intent, KnowledgeBase
from bot.matching import MATCHERS, build_matcher
from bot.matching.evaluate import read_questions
from bot.services import load_knowledge, matcher_kind

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = ROOT / "tests" / "data" / "dev.yaml"
# Published wordings, longer than the written ones (headlines, sentences from articles): timed
# too when the file is beside the project. Read only to measure.
REAL = Path(os.environ.get("REAL_QUESTIONS") or ROOT.parent / "shared/data/real-questions.yaml")
ROUNDS = 3  # passes over the question set per size


def grown(kb: KnowledgeBase, factor: int, seed: int = 1) -> KnowledgeBase:
    """The knowledge base with (factor - 1) times as many synthetic intents and examples."""
    if factor == 1:
        return kb
    rng = random.Random(seed)
    real_words = sorted({w for i in kb.intents for e in i.examples for w in e.lower().split()})
    letters = "abcdefghijklmnopqrstuvwxyz"
    pool = ["".join(rng.choice(letters) for _ in range(rng.randint(4, 10))) for _ in range(20000)]
    intents = list(kb.intents)
    extra = len(kb.intents) * (factor - 1)
    per_intent = max(1, sum(len(i.examples) for i in kb.intents) // len(kb.intents))
    for n in range(extra):
        own = rng.sample(pool, 12)  # each synthetic intent has a few words of its own
        examples = []
        for _ in range(per_intent):
            size = rng.randint(3, 9)
            words = [
                rng.choice(own) if rng.random() < 0.5 else rng.choice(real_words)
                for _ in range(size)
            ]
            examples.append(" ".join(words))
        intents.append(Intent(f"synthetic.i{n}", "fallback", tuple(examples)))
    return dataclasses.replace(kb, intents=tuple(intents))


def measure(kb: KnowledgeBase, questions: list[str], kind: str) -> dict[str, float]:
    """Start-up, p50, p99 and throughput of one matcher over one knowledge base."""
    started = time.perf_counter()
    matcher = build_matcher(kb, kind)
    startup = time.perf_counter() - started
    for question in questions:  # one untimed round first: spelling and stem caches fill up
        matcher.match(question)
    latencies = []
    for _ in range(ROUNDS):
        for question in questions:
            t0 = time.perf_counter()
            matcher.match(question)
            latencies.append(time.perf_counter() - t0)
    latencies.sort()
    total = sum(latencies)
    return {
        "examples": sum(len(i.examples) for i in kb.intents),
        "intents": len(kb.intents),
        "startup_s": startup,
        "p50_ms": 1000 * statistics.median(latencies),
        "p99_ms": 1000 * latencies[int(0.99 * (len(latencies) - 1))],
        "qps": len(latencies) / total,
    }


SIZES = {"lexical": (1, 10, 100), "fused": (1,)}
LONG_LENGTH = 4096  # Telegram's limit for one message: the longest the bot reads
LONG_MESSAGES = 60


def long_messages(questions: list[str], seed: int = 2) -> list[str]:
    """Messages of LONG_LENGTH characters: the dev questions strung together as a long story,
    one of them ending it with a question mark (the worst case: every sentence has words)."""
    rng = random.Random(seed)
    messages = []
    for _ in range(LONG_MESSAGES):
        parts: list[str] = []
        while sum(len(p) + 2 for p in parts) < LONG_LENGTH:
            parts.append(rng.choice(questions).rstrip("?.!") + ".")
        last = rng.choice(questions).rstrip("?.!") + "?"
        messages.append((". ".join(parts))[: LONG_LENGTH - len(last) - 1] + " " + last)
    return messages


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="matching speed on one core")
    parser.add_argument("--matcher", choices=(*MATCHERS, "both"), default=matcher_kind())
    kinds = list(MATCHERS) if (kind := parser.parse_args(argv).matcher) == "both" else [kind]
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    kb = load_knowledge()
    questions = [q.text for q in read_questions(QUESTIONS)]
    print(
        f"{len(questions)} questions x {ROUNDS} rounds, one core (Python {sys.version.split()[0]})"
    )
    print(
        f"{'matcher':>8} {'size':>5} {'intents':>8} {'examples':>9} {'start-up':>9} {'p50':>8} "
        f"{'p99':>8} {'questions/s':>12}"
    )
    for kind in kinds:
        for factor in SIZES.get(kind, (1,)):
            r = measure(grown(kb, factor), questions, kind)
            print(
                f"{kind:>8} {factor:>4}x {r['intents']:>8} {r['examples']:>9} "
                f"{r['startup_s']:>8.2f}s {r['p50_ms']:>6.3f}ms {r['p99_ms']:>6.3f}ms "
                f"{r['qps']:>12.0f}"
            )
        if REAL.is_file():
            real = [q.text for q in read_questions(REAL, "all")]
            r = measure(kb, real, kind)
            print(
                f"{kind:>8} {'real':>5} {r['intents']:>8} {r['examples']:>9} {'':>9} "
                f"{r['p50_ms']:>6.3f}ms {r['p99_ms']:>6.3f}ms {r['qps']:>12.0f}"
                f"   ({len(real)} published wordings)"
            )
        gates = build_matcher(kb, "lexical")  # its red-flag rule is the one both matchers use
        calm = [q for q in questions if not gates.red_flag(q)]  # no early "urgent"
        r = measure(kb, long_messages(calm), kind)
        print(
            f"{kind:>8} {'long':>5} {r['intents']:>8} {r['examples']:>9} {'':>9} "
            f"{r['p50_ms']:>6.3f}ms {r['p99_ms']:>6.3f}ms {r['qps']:>12.0f}"
            f"   ({LONG_MESSAGES} messages of {LONG_LENGTH:,} characters)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
