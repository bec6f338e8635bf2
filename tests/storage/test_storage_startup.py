"""Start-up as an operator meets it: `python -m bot run` as its own process, on a bad database.

Each problem must stop the bot with exit status 1 and one line, "Storage error: <sentence>",
never a traceback; a second bot process on a database in use is refused the same way while
the first carries on. A few more cases check the Store's sentence in this process, which is
quicker: the path from StorageError to that line is the same.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import PROJECT_ROOT, SettingsError, from_env
from bot.storage import StorageError, store_for
from tests.storage.postgres_server import PASSWORD, PostgresServer, free_port
from tests.support.server import StandInServer
from tests.support.standin import STAND_IN_TOKEN
from tests.telegram.test_end_to_end import BotProcess, wait_for


def run_bot(database_url: str, *, unprivileged: bool = False) -> str:
    """Start `python -m bot run` on this database; return its one line of complaint."""
    command = [sys.executable, "-m", "bot", "run"]
    if unprivileged and os.geteuid() == 0:
        # root writes read-only files anyway: drop that power, as a service account lacks it
        if shutil.which("setpriv") is None:
            pytest.skip("running as root without setpriv (util-linux) to drop the privilege")
        command = ["setpriv", "--bounding-set=-dac_override,-dac_read_search", *command]
    result = subprocess.run(
        command,
        cwd=PROJECT_ROOT,
        env={
            **os.environ,
            "TELEGRAM_BOT_TOKEN": STAND_IN_TOKEN,
            "TELEGRAM_BASE_URL": f"http://127.0.0.1:{free_port()}/bot",  # never reached
            "DATABASE_URL": database_url,
        },
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "Traceback" not in result.stdout + result.stderr
    assert result.returncode == 1, result.stderr
    lines = result.stderr.strip().splitlines()
    [line] = [each for each in lines if each.startswith("Storage error: ")]
    assert all(" INFO " in each for each in lines if each != line), "only the sentence and logs"
    return line


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


async def make_database(path: Path) -> None:
    async with store_for(sqlite_url(path)) as store:
        await store.save_user_data(42, {"some": "data" * 1000})


def test_a_file_that_is_not_a_database(tmp_path: Path):
    path = tmp_path / "bot.sqlite3"
    path.write_bytes(b"these are somebody's notes, not a database\n" * 100)
    line = run_bot(sqlite_url(path))
    assert f"{path} is not a SQLite database, or is damaged" in line


async def test_a_damaged_database(tmp_path: Path):
    path = tmp_path / "bot.sqlite3"
    await make_database(path)
    with path.open("r+b") as file:  # scribble over the pages after the first
        file.seek(4096)
        file.write(b"\xff" * 8192)
    with pytest.raises(StorageError, match="is not a SQLite database, or is damaged"):
        await store_for(sqlite_url(path)).open()


async def test_a_read_only_database_file(tmp_path: Path):
    path = tmp_path / "bot.sqlite3"
    await make_database(path)
    path.chmod(0o400)
    line = run_bot(sqlite_url(path), unprivileged=True)
    assert f"{path} is read-only for the bot" in line


def test_a_read_only_folder(tmp_path: Path):
    folder = tmp_path / "data"
    folder.mkdir(mode=0o500)
    line = run_bot(sqlite_url(folder / "bot.sqlite3"), unprivileged=True)
    assert f"The folder {folder} is read-only for the bot" in line


def test_an_unreachable_postgresql_server(postgres_server: PostgresServer):
    url = postgres_server.url("bot", port=free_port())  # nothing listens there
    assert "Cannot reach the PostgreSQL server" in run_bot(url)


def test_a_database_the_server_does_not_have(postgres_server: PostgresServer):
    line = run_bot(postgres_server.url("no_such_database"))
    assert "has no database 'no_such_database'" in line
    assert "createdb no_such_database" in line


async def test_a_wrong_postgresql_password(postgres_server: PostgresServer):
    url = postgres_server.create_database().replace(PASSWORD, "Hunter2-not-it")
    with pytest.raises(StorageError, match="PostgreSQL refused 'bot': wrong password") as error:
        await store_for(url).open()
    assert "Hunter2" not in str(error.value)  # a password is never shown


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_a_second_bot_process_is_refused_while_the_first_carries_on(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
):
    if kind == "sqlite":
        url = sqlite_url(tmp_path / "bot.sqlite3")
    else:
        url = request.getfixturevalue("postgres_server").create_database()
    with StandInServer() as server:
        first = BotProcess(server, tmp_path / "unused", DATABASE_URL=url)
        first.start()
        try:
            wait_for(lambda: [m for m, _ in server.standin.calls if m == "getUpdates"], "polling")
            line = run_bot(url)
            assert "Another bot process is already using" in line
            [answer] = first.say("what is glutamine")
            assert "20 amino acids" in answer.text
        finally:
            first.kill()
            first.stop()


async def test_the_database_is_private_to_its_owner(tmp_path: Path):
    path = tmp_path / "new" / "folder" / "bot.sqlite3"
    async with store_for(sqlite_url(path)) as store:
        await store.save_user_data(42, {"words": "private"})
        created = [path, path.with_name("bot.sqlite3-wal"), path.with_name("bot.sqlite3-shm")]
        created.append(path.with_name("bot.sqlite3.lock"))
        for each in created:
            assert stat.S_IMODE(each.stat().st_mode) == 0o600, each
        for folder in (path.parent, path.parent.parent):
            assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
    with sqlite3.connect(path) as db:  # journal_mode=WAL stays with the file
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("postgresql://bot:secret@db.example:5433/bot", "postgresql://bot:secret@db.example:5433/bot"),
        ("postgres://bot@db.example/bot?sslmode=require", "postgres://bot@db.example/bot?sslmode=require"),
        ("sqlite:///data/other.sqlite3", f"sqlite:///{PROJECT_ROOT / 'data' / 'other.sqlite3'}"),
        ("/srv/bot.sqlite3", "sqlite:////srv/bot.sqlite3"),
    ],
)  # fmt: skip
def test_database_url_accepts_sqlite_and_postgresql(value: str, expected: str):
    assert from_env({"DATABASE_URL": value}).database_url == expected


@pytest.mark.parametrize(
    ("value", "sentence"),
    [
        ("mysql://db/bot", "only SQLite and PostgreSQL are supported"),
        ("postgresql://db.example:5432/", "DATABASE_URL names no database"),
        ("postgresql://db.example:port/bot", "port that is not a number"),
        ("sqlite:///", "DATABASE_URL names no file"),
    ],
)
def test_database_url_mistakes_are_one_sentence(value: str, sentence: str):
    with pytest.raises(SettingsError, match=sentence):
        from_env({"DATABASE_URL": value})
