"""End to end: `python -m bot run` as its own process, against the Bot API stand-in on loopback.

python-telegram-bot's real HTTP client, long polling, the webhook server, the SQLite file and
start-up all run for real; only Telegram itself is replaced (TELEGRAM_BASE_URL).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.config import PROJECT_ROOT
from tests.support import load
from tests.support.load import free_port, wait_for
from tests.support.server import StandInServer
from tests.support.standin import STAND_IN_TOKEN, Sent

TIMEOUT = 30.0


class BotProcess(load.BotProcess):
    """`python -m bot run` on a SQLite file, logging at INFO, and a user talking to it."""

    def __init__(self, server: StandInServer, database: Path, **env: str) -> None:
        super().__init__(server, f"sqlite:///{database}", **{"LOG_LEVEL": "INFO", **env})
        self.server = server

    def replies_after(self, count: int, expected: int = 1) -> list[Sent]:
        wait_for(lambda: len(self.standin.sent) >= count + expected, "the bot's reply")
        time.sleep(0.1)  # let a second message of the same reply arrive
        return self.standin.sent[count:]

    def say(self, text: str, expected: int = 1) -> list[Sent]:
        before = len(self.standin.sent)
        self.standin.queue(self.standin.message_update(text))
        return self.replies_after(before, expected)

    def press(self, label: str, expected: int = 1) -> list[Sent]:
        for sent in reversed(self.standin.sent):
            for row in sent.buttons:
                for button in row:
                    if button["text"] == label:
                        before = len(self.standin.sent)
                        update = self.standin.button_update(sent, button["callback_data"])
                        self.standin.queue(update)
                        return self.replies_after(before, expected)
        raise AssertionError(f"no button {label!r}")


@pytest.fixture
def server() -> Iterator[StandInServer]:
    with StandInServer() as running:
        yield running


@pytest.fixture
def bot_process(server: StandInServer, tmp_path: Path) -> Iterator[BotProcess]:
    process = BotProcess(server, tmp_path / "bot.sqlite3")
    process.start()
    try:
        yield process
    finally:
        process.kill()
        process.stop()


def test_polling_conversation_buttons_and_start_up(bot_process: BotProcess):
    standin = bot_process.standin
    wait_for(lambda: "short_description" in standin.profile, "the profile set at start-up")
    assert standin.profile["commands"] and standin.profile["description"]
    wait_for(lambda: [p for m, p in standin.calls if m == "getUpdates"], "polling")
    polls = [p for m, p in standin.calls if m == "getUpdates"]
    assert set(polls[0]["allowed_updates"]) == {"message", "callback_query", "inline_query"}

    [welcome] = bot_process.say("/start")
    assert "leaky gut" in welcome.text and welcome.buttons
    [answer] = bot_process.say("how much glutamine should i take")
    assert "8 g and 25 g" in answer.text
    [infants] = bot_process.press("The infant-trial figure")
    assert "low-birth-weight" in infants.text
    assert wait_for(lambda: standin.callback_answers, "the button's spinner to stop")


def test_kill_9_one_second_after_a_message_loses_nothing(server: StandInServer, tmp_path: Path):
    database = tmp_path / "bot.sqlite3"
    first = BotProcess(server, database)
    first.start()
    try:
        first.say("/dose", expected=2)
        first.say("80 kg")
        [question] = first.press("Yes, that's right")
        assert "for an adult" in question.text
        time.sleep(1.0)
        first.kill()
    finally:
        first.kill()
        first.stop()

    second = BotProcess(server, database)
    second.start()
    try:
        [result] = second.press("Yes, an adult")
        assert "about 24 g of glutamine a day" in result.text
    finally:
        second.kill()
        second.stop()


def test_calorie_dialog_over_http(bot_process: BotProcess):
    wait_for(lambda: [m for m, _ in bot_process.standin.calls if m == "getUpdates"], "polling")
    bot_process.say("/calories", expected=2)
    bot_process.press("Lose 1 pound per week")
    bot_process.press("Male")
    bot_process.say("40")
    bot_process.say("5 ft 11 in")
    bot_process.say("176 lb")
    [result] = bot_process.press("Moderately active")
    assert "about 2,180 kcal" in result.text
    assert "Mifflin" in result.text


def _post(port: int, path: str, update: dict, secret: str | None) -> int:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/{path}",
        data=json.dumps(update).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    if secret is not None:
        request.add_header("X-Telegram-Bot-Api-Secret-Token", secret)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_webhook_checks_its_secret(server: StandInServer, tmp_path: Path):
    port = free_port()
    process = BotProcess(
        server,
        tmp_path / "bot.sqlite3",
        WEBHOOK_URL="https://bot.example.test/telegram-hook",
        PORT=str(port),
        WEBHOOK_SECRET="s3cret-token",
    )
    process.start()
    standin = server.standin
    try:
        wait_for(lambda: standin.webhook.get("url"), "setWebhook")
        assert standin.webhook["url"] == "https://bot.example.test/telegram-hook"
        assert standin.webhook["secret_token"] == "s3cret-token"
        assert set(standin.webhook["allowed_updates"]) == {
            "message",
            "callback_query",
            "inline_query",
        }

        def up() -> bool:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    return True
            except OSError:
                return False

        wait_for(up, "the webhook server")
        update = standin.message_update("what is glutamine")
        before = len(standin.sent)
        assert _post(port, "telegram-hook", update, "wrong-secret") == 403
        assert _post(port, "telegram-hook", update, None) == 403
        time.sleep(0.5)
        assert len(standin.sent) == before, "a request without the right secret was handled"
        assert _post(port, "telegram-hook", update, "s3cret-token") == 200
        [reply] = process.replies_after(before)
        assert "20 amino acids" in reply.text
    finally:
        process.kill()
        process.stop()


@pytest.mark.parametrize(
    ("env", "sentence"),
    [
        ({"TELEGRAM_BOT_TOKEN": ""}, "TELEGRAM_BOT_TOKEN is not set"),
        ({"TELEGRAM_BOT_TOKEN": "not-a-token"}, "does not look like a bot token"),
        ({"PORT": "eighty"}, "PORT must be a whole number"),
        ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL must be one of"),
        ({"WEBHOOK_URL": "http://insecure.example"}, "must be a public https:// address"),
        ({"DATABASE_URL": "mysql://db/bot"}, "only SQLite and PostgreSQL are supported"),
    ],
)
def test_bad_settings_stop_start_up_with_one_clear_sentence(env: dict, sentence: str):
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        cwd=PROJECT_ROOT,
        env={**os.environ, "TELEGRAM_BOT_TOKEN": STAND_IN_TOKEN, **env},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert sentence in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
