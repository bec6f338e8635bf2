"""`python -m bot review` and `--export FILE` as their own processes, on each backend, beside a
running bot (which holds the database's lock)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import yaml

from bot.config import PROJECT_ROOT
from bot.storage import Store
from bot.storage import feedback as feedback_module
from bot.storage.feedback import DOWN, UP
from tests.storage.test_feedback_store import question

TOO_MUCH = "is 40 grams of glutamine too much"


def review(url: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": url}
    env.pop("FEEDBACK_RETENTION_DAYS", None)
    return subprocess.run(
        [sys.executable, "-m", "bot", "review", *args],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        env=env,
        timeout=120,
    )


async def fill(store: Store, monkeypatch) -> None:
    """What curators would find after a while: three near dose, one near safety, one nowhere."""
    real = time.time
    monkeypatch.setattr(feedback_module.time, "time", lambda: real() - 100 * 24 * 3600)
    await store.keep_question(question("old000000000", "asked a hundred days ago"))
    monkeypatch.undo()
    await store.keep_question(question("f10000000000", TOO_MUCH))
    await store.keep_question(question("f20000000000", "Is 40 grams of glutamine too much?"))
    await store.keep_question(question("a10000000000", "glutamine amount for gut repair", "answer"))
    await store.record_vote("a10000000000", "dose", DOWN)
    for key in ("u10000000000", "u20000000000", "u30000000000"):
        await store.record_vote(key, "dose", UP)
    await store.keep_question(
        question("c10000000000", "glutamine with weak kidneys", "clarify", intent="safety")
    )
    await store.keep_question(
        question("n10000000000", "\x1b[31mwill it rain", intent=None, candidates=())
    )


async def test_review_groups_by_nearest_intent_with_counts_and_down_rates(
    store: Store, database_url: str, monkeypatch
):
    await fill(store, monkeypatch)  # `store` stays open, locked, as a running bot's would
    result = review(database_url)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "5 question(s) kept for the curators, in 3 group(s)." in out
    dose, safety, nowhere = (
        out.index("\ndose: 3 (2 declined, 1 answered with 👎)"),
        out.index("\nsafety: 1"),
        out.index("\n(no nearest intent): 1"),
    )
    assert dose < safety < nowhere  # the most frequent first
    assert "answer dose: 4 votes, 1 👎 (25%)" in out
    assert "  2×  Is 40 grams of glutamine too much?" in out  # one wording, counted twice
    assert "?[31mwill it rain" in out and "\x1b" not in out  # no escape codes reach a terminal
    assert "asked a hundred days ago" not in out  # past the 90 days: deleted by itself
    assert "Votes per answer" in out


async def test_export_writes_yaml_for_curators_with_the_rewrite_note(
    store: Store, database_url: str, monkeypatch, tmp_path: Path
):
    await fill(store, monkeypatch)
    target = tmp_path / "to-curate.yaml"
    result = review(database_url, "--export", str(target))
    assert result.returncode == 0, result.stderr
    assert "4 question(s) written" not in result.stdout  # counts questions, not wordings
    assert f"5 question(s) written to {target}" in result.stdout
    assert target.stat().st_mode & 0o777 == 0o600  # people's words: the curator's eyes only
    written = target.read_text(encoding="utf-8")
    assert "each must be rewritten in the project's own words before it" in written
    assert "Never paste one into intents/" in written
    entries = yaml.safe_load(written)["questions"]
    assert [e["nearest_intent"] for e in entries] == ["dose", "dose", "safety", None]
    first = entries[0]
    assert (first["text"], first["count"], first["decision"]) == (
        "Is 40 grams of glutamine too much?",
        2,
        "fallback",
    )
    assert first["candidates"] == [
        {"intent": "dose", "score": 31.5},
        {"intent": "safety", "score": 22.0},
    ]
    assert entries[1]["vote"] == "down"
    assert all(e["becomes"] == "" and e["in_own_words"] == "" for e in entries)


def test_review_of_a_new_embedded_database_needs_no_setup(tmp_path: Path):
    result = review(f"sqlite:///{tmp_path / 'fresh' / 'bot.sqlite3'}")
    assert result.returncode == 0, result.stderr
    assert "Nothing kept for the curators yet" in result.stdout
    # A mistyped path is no database: say so, and create nothing there (a new empty file
    # would hide the mistake from the next run too).
    assert "no database" in result.stdout
    assert not (tmp_path / "fresh").exists()


async def test_export_over_an_older_readable_file_makes_it_the_curator_s_only(
    store: Store, database_url: str, monkeypatch, tmp_path: Path
):
    # Exporting again over last week's file (or one made by another tool, readable by all)
    # must not leave people's words readable by others: O_CREAT's mode applies only to new files.
    await fill(store, monkeypatch)
    target = tmp_path / "to-curate.yaml"
    target.write_text("STALE EXPORT\n", encoding="utf-8")
    target.chmod(0o644)
    result = review(database_url, "--export", str(target))
    assert result.returncode == 0, result.stderr
    assert target.stat().st_mode & 0o777 == 0o600
    assert "STALE EXPORT" not in target.read_text(encoding="utf-8")


async def test_export_to_a_folder_that_does_not_exist_says_so_in_one_sentence(
    store: Store, database_url: str, monkeypatch, tmp_path: Path
):
    await fill(store, monkeypatch)
    result = review(database_url, "--export", str(tmp_path / "no-such-folder" / "x.yaml"))
    assert result.returncode == 1
    assert "Could not write" in result.stderr and "No such file or directory" in result.stderr
    assert "Traceback" not in result.stderr


def review_into_a_closed_pipe(url: str) -> subprocess.CompletedProcess:
    """`python -m bot review | head -0`: the reader has gone before anything is printed."""
    env = {**os.environ, "DATABASE_URL": url}
    child = subprocess.Popen(
        [sys.executable, "-m", "bot", "review"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=PROJECT_ROOT,
        env=env,
    )
    child.stdout.close()
    _, errors = child.communicate(timeout=120)
    return subprocess.CompletedProcess(child.args, child.returncode, b"", errors)


async def test_review_cut_short_by_a_pager_ends_quietly(
    store: Store, database_url: str, monkeypatch
):
    await fill(store, monkeypatch)
    result = review_into_a_closed_pipe(database_url)
    assert result.returncode == 0
    assert b"Traceback" not in result.stderr and b"BrokenPipe" not in result.stderr
