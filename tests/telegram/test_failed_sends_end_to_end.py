"""Failed sends end to end: `python -m bot run` as its own process, over real HTTP.

The stand-in fails a sendMessage the ways a network does: a 500, a body cut off, a dropped
connection, an answer later than python-telegram-bot's 5 s read timeout (a real httpx
time-out). The bot's retries deliver the reply; past them, the same answer meets the same
question. tests/telegram/test_failed_sends.py runs every step of both dialogs in-process.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot import html
from tests.support.server import StandInServer
from tests.support.standin import BotAPIError, Dropped, Garbled, Sent, Slow
from tests.telegram.test_end_to_end import BotProcess, wait_for

READ_TIMEOUT = 5.0  # python-telegram-bot's HTTPXRequest default, which the bot keeps
ATTEMPTS = 4  # the first try and bot.telegram.retry's three retries


@pytest.fixture
def bot(tmp_path: Path) -> Iterator[BotProcess]:
    with StandInServer() as server:
        process = BotProcess(server, tmp_path / "bot.sqlite3")
        process.start()
        try:
            yield process
        finally:
            process.kill()
            process.stop()


def say(bot: BotProcess, text: str, until: str) -> list[Sent]:
    """Send a message; wait until a reply holds `until`; return what arrived."""
    before = len(bot.standin.sent)
    bot.standin.queue(bot.standin.message_update(text))
    wait_for(
        lambda: any(until in s.text for s in bot.standin.sent[before:]), f"a reply with {until!r}"
    )
    return bot.standin.sent[before:]


def test_each_kind_of_failure_once_is_retried_over_http(bot: BotProcess):
    fail = bot.standin.fail_next
    fail.append(("sendMessage", BotAPIError(500, "Internal Server Error")))
    say(bot, "/dose", "What is your body weight?")
    fail.append(("sendMessage", Garbled()))
    say(bot, "70", "in kilograms or pounds?")
    fail.append(("sendMessage", Dropped()))
    say(bot, "kg", "So you weigh")
    fail.append(("sendMessage", Slow(READ_TIMEOUT + 1)))
    asked = say(bot, "yes", "not pregnant")  # arrives at once; its answer only after 6 s
    # The retry after the time-out sends the question again: at least once, on purpose.
    wait_for(lambda: [s.text for s in bot.standin.sent].count(asked[0].text) == 2, "the repeat")
    [result] = say(bot, "adult", "about 21 g")
    assert "ask your physician" in html.to_plain(result.text)


def test_past_the_retries_the_same_answer_meets_the_same_question_over_http(bot: BotProcess):
    say(bot, "/dose 70 kg", "So you weigh")
    bot.standin.fail_next += [("sendMessage", BotAPIError(502, "Bad Gateway"))] * ATTEMPTS

    def sends() -> int:
        return [m for m, _ in bot.standin.calls].count("sendMessage")

    before = sends()
    bot.standin.queue(bot.standin.message_update("yes"))
    wait_for(lambda: sends() >= before + ATTEMPTS, "every attempt")
    replies = say(bot, "adult", "So you weigh")  # the adult question never took
    assert not any("g of glutamine a day" in s.text for s in replies)
    say(bot, "yes", "not pregnant")
    say(bot, "adult", "about 21 g")
