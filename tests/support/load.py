"""Many users at once against the bot as its own process: for the end-to-end tests and
benchmarks/delivery.py.

Each user writes questions that are answered with exactly one message, so counting a chat's
messages tells how many of its questions went unanswered or were answered twice. `BotProcess`
is `python -m bot run` against the stand-in served over HTTP (tests/support/server.py).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from bot.config import PROJECT_ROOT
from tests.support.server import StandInServer
from tests.support.standin import STAND_IN_TOKEN, BotAPIStandIn

# Questions answered with one message each (an answer, its source line and buttons).
QUESTIONS = (
    "what is glutamine",
    "how much glutamine should i take",
    "what is leaky gut",
    "what causes leaky gut",
)
FIRST_CHAT = 5000


def wait_for(condition: Callable[[], object], what: str, timeout: float = 30.0) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class BotProcess:
    """`python -m bot run` in a subprocess, started again after each kill."""

    def __init__(self, server: StandInServer, database_url: str, **env: str) -> None:
        self.standin: BotAPIStandIn = server.standin
        inherited = {
            k: v for k, v in os.environ.items() if k not in ("WEBHOOK_URL", "WEBHOOK_SECRET")
        }
        self.env = {
            **inherited,
            "TELEGRAM_BOT_TOKEN": STAND_IN_TOKEN,
            "TELEGRAM_BASE_URL": server.base_url,
            "DATABASE_URL": database_url,
            "LOG_LEVEL": "WARNING",
            **env,
        }
        self.process: subprocess.Popen | None = None
        self.output: list[bytes] = []  # what each process started so far printed
        self._reader: threading.Thread | None = None

    def start(self, command: list[str] | None = None) -> None:
        self.process = subprocess.Popen(
            command or [sys.executable, "-m", "bot", "run"],
            cwd=PROJECT_ROOT,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        self._reader = threading.Thread(target=self._collect, args=(self.process,), daemon=True)
        self._reader.start()

    def _collect(self, process: subprocess.Popen) -> None:
        with process.stdout:  # type: ignore[union-attr]
            self.output.append(process.stdout.read())  # type: ignore[union-attr]

    def kill(self) -> None:
        """kill -9: no shutdown, no last flush."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> str:
        """Interrupt the bot (if still running) and return what this process printed."""
        if self.process is None:
            return ""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()
        if self._reader is not None:
            self._reader.join(timeout=10)  # its output is read to the end
        return self.output[-1].decode(errors="replace") if self.output else ""

    def cpu_seconds(self) -> float:
        """User and system CPU time the running process has used so far."""
        assert self.process is not None
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def resident_mb(self) -> float:
        """The running process's resident memory (VmRSS), in MB."""
        assert self.process is not None
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return 0.0

    def printed(self) -> str:
        return b"".join(self.output).decode(errors="replace")


class Users:
    """`count` users in private chats, each asking questions; what each was answered."""

    def __init__(self, standin: BotAPIStandIn, count: int, first_chat: int = FIRST_CHAT) -> None:
        self.standin = standin
        self.chats = list(range(first_chat, first_chat + count))
        self.asked: Counter[int] = Counter()
        self.asked_at: dict[int, list[float]] = {chat: [] for chat in self.chats}

    def update(self, chat: int) -> dict:
        """The next question of this user, as an update (counted as asked)."""
        text = QUESTIONS[self.asked[chat] % len(QUESTIONS)]
        self.asked[chat] += 1
        self.asked_at[chat].append(time.monotonic())
        return self.standin.message_update(text, chat_id=chat)

    def ask_all(self) -> None:
        """Every user asks one more question (queued for getUpdates)."""
        for chat in self.chats:
            self.standin.queue(self.update(chat))

    def answers(self) -> Counter[int]:
        mine = set(self.chats)
        return Counter(s.chat_id for s in list(self.standin.sent) if s.chat_id in mine)

    def unanswered(self) -> int:
        answers = self.answers()
        return sum(max(0, self.asked[c] - answers[c]) for c in self.chats)

    def answered_twice(self) -> int:
        answers = self.answers()
        return sum(max(0, answers[c] - self.asked[c]) for c in self.chats)

    def total(self) -> int:
        return sum(self.asked.values())

    def first_reply_seconds(self) -> list[float]:
        """For each user who asked once: seconds from asking to the first answer."""
        first: dict[int, float] = {}
        with self.standin.lock:
            sent = list(zip(self.standin.sent, self.standin.sent_at, strict=True))
        for message, at in sent:
            if message.chat_id in self.asked_at and message.chat_id not in first:
                first[message.chat_id] = at
        return [first[c] - self.asked_at[c][0] for c in self.chats if c in first]


def post_update(port: int, path: str, secret: str, update: dict) -> int:
    """POST one update to the bot's webhook as Telegram does; the HTTP status."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/{path}",
        data=json.dumps(update).encode(),
        headers={"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": secret},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return 0
