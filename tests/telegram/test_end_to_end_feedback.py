"""End to end: a 👎 on an answer sent before a `kill -9`, then `python -m bot review`, each as
its own process, against the stand-in on loopback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from bot.config import PROJECT_ROOT
from tests.support.server import StandInServer
from tests.telegram.test_end_to_end import BotProcess, wait_for

QUESTION = "how many grams of glutamine per day"


def test_a_vote_after_kill_9_is_counted_and_reviewed(tmp_path: Path):
    database = tmp_path / "bot.sqlite3"
    with StandInServer() as server:
        first = BotProcess(server, database)
        first.start()
        try:
            [answer] = first.say(QUESTION)
            down = next(d for d in answer.data if d.startswith("v:-:"))
        finally:
            first.kill()  # no shutdown, no last flush
            first.stop()
        second = BotProcess(server, database)
        second.start()
        try:
            standin = server.standin
            standin.queue(standin.button_update(answer, down))
            edited = wait_for(lambda: standin.edited, "the answer edited with thanks")
            assert "sorry it missed" in edited[-1].text
            assert edited[-1].message_id == answer.message_id
        finally:
            second.stop()
    result = subprocess.run(
        [sys.executable, "-m", "bot", "review"],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        env={**os.environ, "DATABASE_URL": f"sqlite:///{database}"},
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "dose: 1 (1 answered with 👎); answer dose: 1 votes, 1 👎 (100%)" in result.stdout
    assert QUESTION in result.stdout
