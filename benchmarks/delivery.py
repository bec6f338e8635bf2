"""Durable delivery, measured black-box: `python -m bot run` as its own process against the Bot
API stand-in on loopback (tests/support), as issue 13 measured it.

1. kill -9 three times in 20 s while 20, then 40 users each ask about 1.85 questions a second
   (above the ~30 messages a second the bot may send), polling: questions never answered and
   answered twice, once every question has been answered or 120 s have passed.
2. Webhook: 200 updates posted and acknowledged with 200, kill -9 two seconds later, restart:
   never answered, answered twice.
   Both on SQLite, and on PostgreSQL when a server can be started here (as the tests do).
3. One chat whose every send takes 4 s, beside 20 users asking once each: their first-reply
   p50, against the same 20 users when no chat is slow.
4. CPU per answered message, the whole bot process against a minimal python-telegram-bot echo
   bot, 300 questions from 20 users at 20 a second, same stand-in, same run.

Usage: python benchmarks/delivery.py [--quick] [--only kills,webhook,slow,cpu]
(--quick: 20 users only, SQLite only; --only: those parts)
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.storage.postgres_server import PostgresServer, find_binaries  # noqa: E402
from tests.support.load import (  # noqa: E402
    BotProcess,
    Users,
    free_port,
    post_update,
    wait_for,
)
from tests.support.server import StandInServer  # noqa: E402

SECRET = "benchmark-secret"  # noqa: S105 - the stand-in's webhook, on loopback
ECHO_BOT = Path(__file__).with_name("echo_bot.py")
ASK_EVERY = 0.54  # seconds between two questions of one user: 1.85 a second
RUN_FOR = 20.0  # seconds of asking
KILLS_AT = (5.0, 10.0, 15.0)  # seconds into the run
SETTLE = 120.0  # seconds to wait for every question to be answered


class Databases:
    """A fresh database per run: a SQLite file, or a PostgreSQL database when there is one."""

    def __init__(self, postgres: bool) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="bench-delivery-"))
        self.server: PostgresServer | None = None
        binaries = find_binaries() if postgres else None
        if binaries is not None:
            self.server = PostgresServer(binaries)
            self.server.start()
        self._count = 0

    def kinds(self) -> list[str]:
        return ["sqlite", "postgresql"] if self.server else ["sqlite"]

    def url(self, kind: str) -> str:
        self._count += 1
        if kind == "postgresql" and self.server is not None:
            return self.server.create_database()
        return f"sqlite:///{self.folder / f'bot{self._count}.sqlite3'}"

    def close(self) -> None:
        if self.server:
            self.server.stop()


def _polling(standin) -> bool:
    return any(method == "getUpdates" for method, _ in list(standin.calls))


def _settle(users: Users) -> float:
    """Wait until every question is answered (or SETTLE passes); then a moment for doubles."""
    started = time.monotonic()
    deadline = started + SETTLE
    while users.unanswered() and time.monotonic() < deadline:
        time.sleep(0.2)
    waited = time.monotonic() - started
    time.sleep(1.0)
    return waited


def kills_polling(database_url: str, count: int) -> dict:
    """Users asking for RUN_FOR seconds, the bot killed at KILLS_AT and started again."""
    with StandInServer() as server:
        standin = server.standin
        bot = BotProcess(server, database_url)
        users = Users(standin, count)
        bot.start()
        wait_for(lambda: _polling(standin), "polling", 60)
        stop = threading.Event()

        def ask() -> None:
            while not stop.is_set():
                users.ask_all()
                stop.wait(ASK_EVERY)

        asker = threading.Thread(target=ask, daemon=True)
        started = time.monotonic()
        asker.start()
        for at in KILLS_AT:
            time.sleep(max(0.0, started + at - time.monotonic()))
            bot.kill()
            bot.start()
        time.sleep(max(0.0, started + RUN_FOR - time.monotonic()))
        stop.set()
        asker.join()
        waited = _settle(users)
        bot.stop()
    return {
        "asked": users.total(),
        "unanswered": users.unanswered(),
        "twice": users.answered_twice(),
        "settled": waited,
    }


def kill_after_webhook(database_url: str, count: int = 200) -> dict:
    """count updates posted and acknowledged, kill -9 two seconds later, start again."""
    port = free_port()
    with StandInServer() as server:
        standin = server.standin
        env = {"WEBHOOK_URL": "https://bot.example.test/hook", "PORT": str(port)}
        bot = BotProcess(server, database_url, WEBHOOK_SECRET=SECRET, **env)
        users = Users(standin, 20)
        bot.start()
        wait_for(lambda: standin.webhook.get("url"), "setWebhook", 60)
        updates = [users.update(chat) for _ in range(count // 20) for chat in users.chats]
        with ThreadPoolExecutor(max_workers=20) as pool:
            statuses = list(pool.map(lambda u: post_update(port, "hook", SECRET, u), updates))
        time.sleep(2.0)
        answered_before = users.total() - users.unanswered()
        bot.kill()
        bot.start()
        _settle(users)
        bot.stop()
    return {
        "acknowledged": statuses.count(200),
        "answered before the kill": answered_before,
        "unanswered": users.unanswered(),
        "twice": users.answered_twice(),
    }


def first_replies(slow: bool) -> float:
    """p50 seconds to the first reply of 20 users asking at once, beside a slow chat or not."""
    with StandInServer() as server:
        standin = server.standin
        bot = BotProcess(server, f"sqlite:///{tempfile.mkdtemp()}/bot.sqlite3")
        bot.start()
        wait_for(lambda: _polling(standin), "polling", 60)
        warm = Users(standin, 5, first_chat=9000)  # the first answers load what they need
        warm.ask_all()
        wait_for(lambda: not warm.unanswered(), "warm-up answers")
        time.sleep(1.5)  # the rate limiter's allowance refills
        if slow:
            slow_user = Users(standin, 1, first_chat=8000)
            standin.slow_chats[8000] = 4.0
            for _ in range(3):
                slow_user.ask_all()
            time.sleep(0.2)  # its first send is under way
        users = Users(standin, 20)
        users.ask_all()
        wait_for(lambda: not users.unanswered(), "the 20 first replies", 60)
        bot.kill()
    return statistics.median(users.first_reply_seconds())


def cpu_per_answer(command: list[str] | None, database_url: str) -> tuple[float, float]:
    """Milliseconds of the bot process's CPU per answered message, start-up excluded, and its
    resident memory (MB) after the load."""
    with StandInServer() as server:
        standin = server.standin
        bot = BotProcess(server, database_url)
        bot.start(command)
        wait_for(lambda: _polling(standin), "polling", 60)
        time.sleep(1.0)
        users = Users(standin, 20)
        before = bot.cpu_seconds()
        for _ in range(15):  # 300 questions, 20 a second: under the cap for both bots
            users.ask_all()
            time.sleep(1.0)
        wait_for(lambda: not users.unanswered(), "every answer", 60)
        used = bot.cpu_seconds() - before
        resident = bot.resident_mb()
        bot.kill()
    return used / users.total() * 1000, resident


def _line(label: str, figures: dict) -> None:
    shown = ", ".join(
        f"{k} {v:.2f}" if isinstance(v, float) else f"{k} {v}" for k, v in figures.items()
    )
    print(f"  {label}: {shown}", flush=True)


def _run(title: str, action: Callable[[], None]) -> None:
    print(title, flush=True)
    action()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20 users, SQLite only")
    parser.add_argument(
        "--only",
        default="kills,webhook,slow,cpu",
        help="comma-separated parts to run: kills, webhook, slow, cpu (default: all)",
    )
    args = parser.parse_args()
    parts = set(args.only.split(","))
    print(
        f"machine: {os.cpu_count()} cores, {platform.processor() or platform.machine()}, "
        f"Python {platform.python_version()}; the stand-in runs in this process"
    )
    databases = Databases(postgres=not args.quick)
    try:
        kinds = databases.kinds()
        if "postgresql" not in kinds and not args.quick:
            print("(PostgreSQL is not installed here: SQLite only)")

        def kills() -> None:
            for kind in kinds:
                for count in (20,) if args.quick else (20, 40):
                    figures = kills_polling(databases.url(kind), count)
                    total = figures["asked"]
                    figures["twice %"] = 100.0 * figures["twice"] / total
                    _line(f"{kind}, {count} users", figures)

        if "kills" in parts:
            _run(
                "1. kill -9 three times in 20 s, polling (target: 0 unanswered, <= 1% twice)", kills
            )

        def webhook() -> None:
            for kind in kinds:
                _line(kind, kill_after_webhook(databases.url(kind)))

        if "webhook" in parts:
            _run("2. webhook: 200 acknowledged, kill -9 2 s later (target: 0 unanswered)", webhook)

        def slow_chat() -> None:
            calm, slow = first_replies(slow=False), first_replies(slow=True)
            figures = {"calm": calm * 1000, "one chat slow": slow * 1000}
            _line("20 users' first reply p50 (ms)", figures)
            print(f"  ratio {slow / calm:.2f} (target: <= 1.5)")

        if "slow" in parts:
            _run("3. one chat whose sends take 4 s", slow_chat)

        def cpu() -> None:
            url = databases.url("sqlite")
            ours, ours_mb = cpu_per_answer(None, url)
            echo, echo_mb = cpu_per_answer([sys.executable, str(ECHO_BOT)], url)
            _line("CPU ms per answered message", {"the bot": ours, "echo bot": echo})
            print(f"  ratio {ours / echo:.2f} (target: <= 3)")
            _line("resident memory after the load (MB)", {"the bot": ours_mb, "echo bot": echo_mb})

        if "cpu" in parts:
            _run("4. CPU per answered message, SQLite, 300 questions at 20 a second", cpu)
    finally:
        databases.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
