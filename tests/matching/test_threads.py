"""The bot matches in worker threads (bot.telegram.questions.prepare) while the event loop may
match too: the same text must get the same decision, however many threads read at once."""

from __future__ import annotations

import sys
from concurrent.futures import ThreadPoolExecutor

from bot.matching.analyzer import Analyzer


def _words(count: int) -> list[str]:
    """Made-up words the stemmer has never seen, each with a suffix it works on."""
    stems = [f"zorb{n}qu" for n in range(count)]
    return [f"{stem}{suffix}" for stem in stems for suffix in ("ing", "ations", "ness", "ly")]


def test_stemming_from_many_threads_gives_the_stems_of_one(kb):
    words = _words(400)
    alone = Analyzer(kb)
    expected = [alone.stem(w) for w in words]
    shared = Analyzer(kb)
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible: races show at once
    try:
        with ThreadPoolExecutor(max_workers=8) as pool:
            chunks = [words[n::8] for n in range(8)]
            list(pool.map(lambda chunk: [shared.stem(w) for w in chunk], chunks))
    finally:
        sys.setswitchinterval(interval)
    assert [shared.stem(w) for w in words] == expected


def test_matching_from_many_threads_decides_as_one_thread_does(fused):
    texts = [
        "how much glutamine should i take",
        "is it safe for my kids",
        "my stomach bloats after every meal",
        "what causes a leaky gut",
        "tell me a joke",
        "which test shows intestinal permeability",
    ] * 4
    alone = [fused.match(t).as_json() for t in texts]
    with ThreadPoolExecutor(max_workers=6) as pool:
        together = list(pool.map(lambda t: fused.match(t).as_json(), texts))
    assert together == alone
