"""Measuring: the real-wording format, its fixed split, and `python -m bot eval --part`."""

from __future__ import annotations

import pytest

from bot.__main__ import main
from bot.config import PROJECT_ROOT
from bot.matching import ANSWER, CLARIFY, Candidate, Decision
from bot.matching.evaluate import Question, Report, read_questions, split_real, text_hash

FIXTURE = PROJECT_ROOT / "tests" / "data" / "real-format.yaml"


def test_the_real_format_reads_topics_also_and_out_of_scope():
    questions = {q.text: q for q in read_questions(FIXTURE, "all")}
    assert len(questions) == 8
    primer = questions["Glutamine and the Gut Wall, a Short Primer"]
    assert primer.accepted == {"evidence", "glutamine"}
    assert questions["recommend a thriller novel for the weekend"].topic is None
    assert questions["what on earth is a leaky gut"].accepted == {"leaky_gut"}


def test_the_split_is_per_topic_by_hash_even_ranks_held_out():
    entries = [{"text": f"question {n}", "topic": "dose" if n % 3 else "safety"} for n in range(9)]
    tuning, held_out = split_real(entries)
    assert len(tuning) + len(held_out) == 9
    for topic in ("dose", "safety"):
        mine = [e for e in entries if e["topic"] == topic]
        ranked = sorted(mine, key=lambda e: text_hash(e["text"]))
        assert [e for e in held_out if e["topic"] == topic] == ranked[0::2]
        assert [e for e in tuning if e["topic"] == topic] == ranked[1::2]
    assert split_real(list(reversed(entries))) == (tuning, held_out)  # order does not matter


def test_parts_cover_the_set_without_overlap():
    held_out = {q.text for q in read_questions(FIXTURE, "heldout")}
    tuning = {q.text for q in read_questions(FIXTURE, "tuning")}
    everything = {q.text for q in read_questions(FIXTURE, "all")}
    assert held_out | tuning == everything and not held_out & tuning
    with pytest.raises(ValueError, match="unknown part"):
        read_questions(FIXTURE, "everything")


def test_an_answer_or_offer_of_an_also_topic_counts_as_right():
    report = Report()
    question = Question("q", "evidence", also=("glutamine",))
    report.add(question, Decision("q", ANSWER, "glutamine", 80.0))
    offered = (Candidate("glutamine", 50.0), Candidate("dose", 40.0))
    report.add(question, Decision("q", CLARIFY, "dose", 50.0, offered))
    assert (report.right, report.clarified_right, report.wrong) == (1, 1, 0)


def test_eval_prints_the_usual_figures_for_a_part(capsys):
    assert main(["eval", str(FIXTURE), "--part", "tuning"]) == 0
    out = capsys.readouterr().out
    assert "real-wording set, part tuning (2 of 8 entries)" in out
    for figure in ("answered right", "confidently wrong"):
        assert figure in out


def test_eval_still_reads_written_sets(capsys):
    assert main(["eval", str(PROJECT_ROOT / "tests" / "data" / "unseen.yaml")]) == 0
    assert "written set" in capsys.readouterr().out
