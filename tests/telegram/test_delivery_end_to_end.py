"""End to end: `python -m bot run` as its own process, many users at once (more than the ~30
messages a second Telegram lets a bot send), `kill -9` while it is behind, a restart: every
question is answered, none twice (give or take the moment between a reply and its bookkeeping).
On SQLite and on a real PostgreSQL server.

Figures over longer runs (three kills in 20 s, 20 and 40 users, both backends): benchmarks/
delivery.py.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.support.load import BotProcess, Users, free_port, post_update, wait_for
from tests.support.server import StandInServer

SECRET = "end-to-end-secret"


@pytest.fixture
def server() -> Iterator[StandInServer]:
    with StandInServer() as running:
        yield running


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where the bot keeps its inbox: a new SQLite file, or a new database on a real
    PostgreSQL server (whose committed rows must survive the bot's kill -9 the same way)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'bot.sqlite3'}"
    return request.getfixturevalue("postgres_server").create_database()


def _polling(standin) -> bool:
    return any(method == "getUpdates" for method, _ in list(standin.calls))


def test_kill_9_while_behind_loses_nothing_when_polling(server: StandInServer, database: str):
    standin = server.standin
    bot = BotProcess(server, database)
    users = Users(standin, 40)
    try:
        bot.start()
        wait_for(lambda: _polling(standin), "polling")
        for _ in range(3):
            users.ask_all()  # 120 questions at once: about 4 s of sending at 30 a second
        # Past the first burst (the rate limiter lets 30 go at once), at the steady 30 a second.
        wait_for(lambda: users.total() - users.unanswered() >= 70, "the first answers")
        bot.kill()  # with dozens fetched, acknowledged and not answered yet
        assert users.unanswered() > 20
        bot.start()
        wait_for(lambda: users.unanswered() == 0, "every question answered", timeout=40)
        time.sleep(0.5)  # an answer given twice would come now
    finally:
        bot.kill()
    assert users.answered_twice() <= 2, bot.printed()


def test_kill_9_after_200_loses_nothing_with_a_webhook(server: StandInServer, database: str):
    standin = server.standin
    port = free_port()
    bot = BotProcess(
        server,
        database,
        WEBHOOK_URL="https://bot.example.test/hook",
        PORT=str(port),
        WEBHOOK_SECRET=SECRET,
    )
    users = Users(standin, 40)
    try:
        bot.start()
        wait_for(lambda: standin.webhook.get("url"), "setWebhook")
        updates = [users.update(chat) for _ in range(3) for chat in users.chats]
        with ThreadPoolExecutor(max_workers=20) as pool:  # Telegram posts in parallel too
            statuses = list(pool.map(lambda u: post_update(port, "hook", SECRET, u), updates))
        assert statuses == [200] * len(updates)
        wait_for(lambda: users.total() - users.unanswered() >= 70, "the first answers")
        bot.kill()  # every one acknowledged with 200; dozens not answered yet
        assert users.unanswered() > 20
        bot.start()
        wait_for(lambda: users.unanswered() == 0, "every question answered", timeout=40)
        time.sleep(0.5)
    finally:
        bot.kill()
    assert users.answered_twice() <= 2, bot.printed()
