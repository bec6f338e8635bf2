"""`python -m bot check`: the real knowledge base passes; each kind of mistake is reported."""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import FrozenInstanceError
from pathlib import Path

import pytest
import yaml

from bot.config import PROJECT_ROOT
from bot.html import to_plain
from bot.knowledge import TOPICS
from bot.services import check_knowledge as check
from bot.services import load_knowledge as load

ARTICLE = PROJECT_ROOT.parent / "shared" / "source" / "glutamine-and-leaky-gut.txt"
# The article's eight-word runs, hashed (made by _fingerprint; checked against the article
# whenever it is beside the project), so originality is tested on any checkout.
ARTICLE_RUNS = PROJECT_ROOT / "tests" / "data" / "article-8-word-runs.txt"


def test_the_real_knowledge_base_has_no_problems():
    kb, problems = check()
    assert problems == []
    assert {i.topic for i in kb.intents} == set(TOPICS)


def test_check_command_prints_a_one_line_summary():
    result = subprocess.run(
        [sys.executable, "-m", "bot", "check"], capture_output=True, text=True, cwd=PROJECT_ROOT
    )
    assert result.returncode == 0, result.stderr
    assert re.fullmatch(
        r"knowledge base OK: \d+ intents over 18 topics, \d+ examples, \d+ answers, .*\n",
        result.stdout,
    )


def test_loaded_objects_are_frozen(kb):
    with pytest.raises(FrozenInstanceError):
        kb.intents[0].id = "changed"
    with pytest.raises(TypeError):
        kb.answers["dose"] = kb.answers["safety"]  # type: ignore[index]


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A copy of the real intents/ and content/ to break one thing in."""
    for folder in ("intents", "content"):
        shutil.copytree(PROJECT_ROOT / folder, tmp_path / folder)
    return tmp_path


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _first_example(root: Path, topic: str) -> str:
    data = yaml.safe_load((root / "intents" / f"{topic}.yaml").read_text(encoding="utf-8"))
    return data["intents"][0]["examples"][0]


def problems_of(root: Path) -> list[str]:
    _, problems = check(root)
    return [str(p) for p in problems]


BREAKAGES: dict[str, tuple[Callable[[Path], None], str]] = {
    "unknown key": (
        lambda r: edit(r / "content/dose.html", "title:", "titel: x\ntitle:"),
        r"content/dose\.html:3: unknown key 'titel' in the front matter",
    ),
    "missing key": (
        lambda r: edit(r / "content/dose.html", "related: [", "relatd: ["),
        r"content/dose\.html:2: missing key 'related' in the front matter",
    ),
    "missing answer": (
        lambda r: edit(r / "intents/causes.yaml", "answer: causes", "answer: causes.gone"),
        r"intents/causes\.yaml:\d+: answer 'causes\.gone' does not exist",
    ),
    "related id that does not exist": (
        lambda r: edit(r / "content/dose.html", "related: [", "related: [dose.nowhere, "),
        r"content/dose\.html:2: related answer 'dose\.nowhere' does not exist",
    ),
    "answer nothing reaches": (
        lambda r: (r / "content/dose.orphan.html").write_text(
            "---\nid: dose.orphan\ntitle: Orphan\nsources: [article]\nrelated: []\n---\n"
            "A body nobody reaches.\n"
        ),
        r"content/dose\.orphan\.html:1: no intent or menu reaches this answer",
    ),
    "same example under two intents": (
        lambda r: edit(
            r / "intents/thanks.yaml",
            "examples:\n",
            f"examples:\n      - {_first_example(r, 'causes').upper()}!!\n",
        ),
        r"intents/thanks\.yaml:\d+: example '.*!!' is also an example of causes",
    ),
    "topic with no intent": (
        lambda r: (r / "intents/goodbye.yaml").unlink(),
        r"intents/goodbye\.yaml: topic 'goodbye' has no intent",
    ),
    "HTML Telegram rejects": (
        lambda r: edit(r / "content/dose.html", "---\nThe", "---\n<div>The</div> <b>x"),
        r"content/dose\.html: tag <div> is not allowed by Telegram",
    ),
    "bare ampersand": (
        lambda r: edit(r / "content/dose.html", "---\nThe", "---\nR&D: The"),
        r"content/dose\.html: a bare & must be written &amp;",
    ),
    "answer over 4096 characters": (
        lambda r: edit(r / "content/dose.html", "---\nThe", "---\n" + "word " * 900 + "The"),
        r"content/dose\.html: \d+ characters: over Telegram's limit of 4096",
    ),
    "facts without a source": (
        lambda r: edit(r / "content/dose.html", "sources: [article]", "sources: []"),
        r"content/dose\.html:2: the answer states facts without a source",
    ),
    "unknown source": (
        lambda r: edit(r / "content/dose.html", "sources: [article]", "sources: [wikipedia]"),
        r"content/dose\.html:2: source 'wikipedia' is not in content/sources\.yaml",
    ),
    "unknown key in an intent": (
        lambda r: edit(
            r / "intents/goodbye.yaml",
            "    examples:\n",
            "    exampels: [bye]\n    examples:\n",
        ),
        r"intents/goodbye\.yaml:\d+: unknown key 'exampels' in an intent",
    ),
    "too few examples": (
        lambda r: (r / "intents/goodbye.yaml").write_text(
            "intents:\n  - id: goodbye\n    answer: goodbye\n    examples: [bye, see you, ciao]\n"
        ),
        r"intents/goodbye\.yaml:2: intent 'goodbye' has 3 examples; needs 20",
    ),
    "dialog naming an intent that is gone": (
        lambda r: edit(r / "intents/dose.yaml", "id: dose.calculate", "id: dose.calculation"),
        r"bot/dialogs: dialog 'dose' names intent 'dose\.calculate', which does not exist",
    ),
    "broken YAML": (
        lambda r: edit(r / "intents/diet.yaml", "intents:", "intents: [unclosed"),
        r"intents/diet\.yaml:\d+: not valid YAML",
    ),
    "unknown message placeholder": (
        lambda r: edit(r / "content/messages.yaml", "Is <b>{number}</b>", "Is <b>{numbr}</b>"),
        r"content/messages\.yaml:\d+: message 'ask_unit' uses unknown placeholders",
    ),
}


@pytest.mark.parametrize("kind", list(BREAKAGES))
def test_each_kind_of_problem_is_reported_with_its_file(tree: Path, kind: str):
    breaker, expected = BREAKAGES[kind]
    assert problems_of(tree) == [], "the copied tree should start clean"
    breaker(tree)
    found = problems_of(tree)
    assert any(re.search(expected, p) for p in found), found


def test_check_exits_non_zero_and_lists_problems(tree: Path):
    edit(tree / "content/dose.html", "sources: [article]", "sources: [wikipedia]")
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "from pathlib import Path; from bot.services import load_knowledge; "
            f"load_knowledge(Path({str(tree)!r}))",
        ],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
    )
    assert result.returncode != 0
    assert "source 'wikipedia' is not in content/sources.yaml" in result.stderr


def _words(text: str) -> list[str]:
    text = text.replace("\u2019", "'").replace("\u201c", '"').replace("\u201d", '"').lower()
    return re.findall(r"[a-z0-9]+(?:'[a-z]+)?", text)


def _fingerprint(text: str) -> set[str]:
    """Every run of eight words, hashed: the article's runs can be checked without its text."""
    words = _words(text)
    return {
        hashlib.sha256(" ".join(words[i : i + 8]).encode()).hexdigest()[:16]
        for i in range(len(words) - 7)
    }


def test_no_run_of_eight_words_is_copied_from_the_article(kb):
    article = set(ARTICLE_RUNS.read_text().split())
    texts = {f"content/{a.id}.html": to_plain(a.body) for a in kb.answers.values()}
    texts.update({f"message {k}": to_plain(v) for k, v in kb.messages.items()})
    copied = [where for where, text in texts.items() if _fingerprint(text) & article]
    assert copied == []


@pytest.mark.skipif(not ARTICLE.is_file(), reason="the source article is not beside the project")
def test_the_stored_article_fingerprint_is_current():
    assert set(ARTICLE_RUNS.read_text().split()) == _fingerprint(ARTICLE.read_text("utf-8"))


def test_every_article_fact_is_in_some_answer_with_its_source(kb):
    facts = {
        "single layer": "cincinnati",
        "tight junctions": "cincinnati",
        "intestinal permeability syndrome": "article",
        "poorly understood": "clinics-2010",
        "immune cells": "clinics-2010",
        "celiac disease": "clinics-2010",
        "type 1 diabetes": "clinics-2010",
        "autism": "clinics-2010",
        "asthma": "clinics-2010",
        "University of Burgundy": "burgundy",
        "damage to blood vessels": "burgundy",
        "20 amino acids": "article",
        "glucose": "article",
        "Inflammatory Bowel Diseases": "ibd-2010",
        "malnourished children": "article",
        "critically ill": "article",
        "8 g and 25 g": "article",
        "0.3 g per kilogram": "article",
        "150-lb": "article",
    }
    for fact, source in facts.items():
        holders = [a for a in kb.answers.values() if fact.lower() in to_plain(a.body).lower()]
        assert holders, f"no answer states {fact!r}"
        assert any(source in a.sources for a in holders), f"{fact!r} is never cited to {source}"


def test_load_refuses_a_broken_tree(tree: Path):
    (tree / "content/sources.yaml").unlink()
    with pytest.raises(Exception, match=r"sources\.yaml: file is missing"):
        load(tree)


def test_no_evaluation_question_is_an_intent_example(kb):
    from bot.matching.evaluate import read_questions
    from bot.text import normal_form

    examples = {normal_form(e) for i in kb.intents for e in i.examples}
    examples |= {normal_form(e) for e in kb.out_of_scope}
    for name in ("dev.yaml", "holdout.yaml", "unseen.yaml"):
        questions = read_questions(PROJECT_ROOT / "tests" / "data" / name)
        leaked = [q.text for q in questions if normal_form(q.text) in examples]
        assert leaked == [], f"{name} questions used as examples"
