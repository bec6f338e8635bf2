"""The `python -m bot match` contract of ../shared/spec/interfaces.md, checked row by row."""

from __future__ import annotations

from bot.matching import ANSWER, CLARIFY, FALLBACK


def assert_match_row(question: str, row: dict) -> None:
    """One output line: its text, a known decision, an intent or null, a 0-100 score, and
    candidates with intent and score, best first."""
    assert row["text"] == question
    assert row["decision"] in (ANSWER, CLARIFY, FALLBACK)
    assert row["intent"] is None or isinstance(row["intent"], str)
    assert 0 <= row["score"] <= 100
    assert all({"intent", "score"} <= set(c) for c in row["candidates"])
    scores = [c["score"] for c in row["candidates"]]
    assert scores == sorted(scores, reverse=True)
