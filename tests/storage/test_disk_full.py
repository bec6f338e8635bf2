"""A disk that fills up under the running bot, end to end: `python -m bot run` as its own process.

The file-size limit (RLIMIT_FSIZE, set on the running process with prlimit) makes the kernel
refuse every write past the first byte of a file with EFBIG, as a full disk refuses them with
ENOSPC: SQLite's writes fail for real, while the bot, its pipes and its sockets go on. The user
must hear once that the bot cannot remember right now, the log must say so at ERROR once (at
most once a minute), and once the disk has room again nothing the user said is lost.
"""

from __future__ import annotations

import resource
import sqlite3
import sys
from pathlib import Path

import pytest

from tests.support.server import StandInServer
from tests.telegram.test_end_to_end import BotProcess, wait_for

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="prlimit on another process is Linux's"
)


def limit_file_size(pid: int, size: int | None) -> None:
    """Set the process's file-size limit (None: none), leaving its hard limit as it is."""
    _, hard = resource.prlimit(pid, resource.RLIMIT_FSIZE)
    soft = hard if size is None else size
    resource.prlimit(pid, resource.RLIMIT_FSIZE, (soft, hard))


def saved_states(path: Path) -> str:
    """The dialog states on disk, read as another program would."""
    with sqlite3.connect(path) as db:
        return str(db.execute("SELECT * FROM conversations").fetchall())


def test_a_full_disk_is_told_to_the_user_once_and_logged_once(tmp_path: Path, kb):
    warning = kb.message("storage_unavailable")
    with StandInServer() as server:
        bot = BotProcess(server, tmp_path / "bot.sqlite3")
        bot.start()
        try:
            bot.say("what is glutamine")  # up, polling, saving
            assert bot.process is not None
            limit_file_size(bot.process.pid, 1)  # from now on the disk is "full"
            replies = bot.say("/dose", expected=3)
            assert "What is your body weight?" in replies[1].text
            assert replies[2].text == warning
            replies = bot.say("80 kg")
            assert "So you weigh" in replies[0].text
            assert warning not in [s.text for s in replies]  # said once is enough
            bot.say("what is leaky gut")
            limit_file_size(bot.process.pid, None)  # room again
            bot.press("Yes, that's right")  # saved now, with everything queued before it
            wait_for(lambda: "adult" in saved_states(tmp_path / "bot.sqlite3"), "the save")
        finally:
            bot.kill()  # kill -9: whatever is not on disk now is lost
            output = bot.stop()
        errors = [line for line in output.splitlines() if " ERROR " in line]
        assert len(errors) == 1, output
        assert "its disk is full or failing" in errors[0] and "Traceback" not in output
        assert "storage works again" in output
        again = BotProcess(server, tmp_path / "bot.sqlite3")
        again.start()
        try:
            [reply] = again.say("adult")
            assert "about 24 g" in reply.text  # weight and "yes" outlived the full disk
        finally:
            again.kill()
            again.stop()
