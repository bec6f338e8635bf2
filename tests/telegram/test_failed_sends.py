"""A reply Telegram does not take, at every step of both dialogs, in every way it can fail.

Each test fails the bot's sendMessage at one step of a dialog with one fault: a 500, a time-out
(Telegram handled the message but answered after the read timeout), a dropped connection, or a
body that is not the Bot API's JSON. Once: the retry delivers the reply, and the dialog goes on.
More often than the retries: nothing arrives, and sending the same answer again meets the same
question. Through all of it, no dose figure is ever sent unless the adult/pregnancy question was
delivered and answered after it.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from telegram.error import TimedOut

from bot import html
from bot.telegram import apology, retry
from tests.conftest import BotChat
from tests.support.standin import (
    BotAPIError,
    BotAPIStandIn,
    Dropped,
    Fault,
    Garbled,
    Slow,
    StandInRequest,
)

FAULTS: dict[str, Callable[[], BotAPIError | Fault]] = {
    "500": lambda: BotAPIError(500, "Internal Server Error"),
    "time-out": Slow,
    "dropped connection": Dropped,
    "bad JSON": Garbled,
}
QUICK_DELAYS = (0.01, 0.02, 0.04)
ATTEMPTS = len(QUICK_DELAYS) + 1

ADULT_QUESTION = "for an adult who is not pregnant"
DOSE_FIGURE = "g of glutamine a day"
# (what the user types, what the bot's reply to it holds)
DOSE = [
    ("/dose", "What is your body weight?"),
    ("70", "in kilograms or pounds?"),
    ("kg", "So you weigh"),
    ("yes", ADULT_QUESTION),
    ("adult", "about 21 g"),
]
CALORIES = [
    ("/calories", "What is your weight goal?"),
    ("lose 1 lb a week", "Which should I use?"),
    ("female", "How old are you"),
    ("35", "How tall are you?"),
    ("165 cm", "And your weight?"),
    ("68", "in kilograms or pounds?"),
    ("kg", "How active are you"),
    ("sedentary", "Your daily target"),
]
SCRIPTS = {"dose": DOSE, "calories": CALORIES}


@pytest.fixture(autouse=True)
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """The same retries, without the real pauses between them."""
    monkeypatch.setattr(retry, "DELAYS", QUICK_DELAYS)


class Transcript:
    """What the user typed and what arrived, in order, to check the safety rule on."""

    def __init__(self, chat: BotChat) -> None:
        self.chat = chat
        self.events: list[tuple[str, str]] = []

    async def say(self, text: str) -> str:
        replies = await self.chat.send(text)
        self.events.append(("user", text))
        self.events += [("bot", html.to_plain(s.text)) for s in replies]
        return "\n".join(html.to_plain(s.text) for s in replies)

    def assert_no_figure_without_the_safety_question(self) -> None:
        asked = answered = False  # the adult question arrived; the user wrote after it
        for who, text in self.events:
            if who == "bot" and DOSE_FIGURE in text:
                assert asked and answered, f"a dose figure, the adult question unanswered: {text}"
            elif who == "bot" and ADULT_QUESTION in text:
                asked, answered = True, False
            elif who == "user" and asked:
                answered = True


def fail(chat: BotChat, kind: str, times: int) -> None:
    chat.standin.fail_next += [("sendMessage", FAULTS[kind]()) for _ in range(times)]


@pytest.mark.parametrize("kind", FAULTS)
@pytest.mark.parametrize("dialog", SCRIPTS)
async def test_a_failed_send_at_each_step_is_retried_and_the_dialog_goes_on(
    bot_chat: BotChat, dialog: str, kind: str
):
    chat = Transcript(bot_chat)
    for typed, expected in SCRIPTS[dialog]:
        fail(bot_chat, kind, 1)
        assert expected in await chat.say(typed)
    chat.assert_no_figure_without_the_safety_question()


@pytest.mark.parametrize("kind", FAULTS)
@pytest.mark.parametrize("dialog", SCRIPTS)
async def test_past_the_retries_the_same_answer_meets_the_same_question_at_each_step(
    bot_chat: BotChat, dialog: str, kind: str
):
    chat = Transcript(bot_chat)
    for typed, expected in SCRIPTS[dialog]:
        fail(bot_chat, kind, ATTEMPTS)
        reply = await chat.say(typed)
        # A time-out may come after the message did arrive: then it shows (repeatedly), but
        # the step still was not taken. Otherwise nothing arrives at all.
        assert reply == "" or kind == "time-out"
        assert "went wrong" not in reply  # no apology through the failing path
        assert expected in await chat.say(typed)
    chat.assert_no_figure_without_the_safety_question()


@pytest.mark.parametrize("kind", FAULTS)
async def test_an_adult_answer_before_the_question_arrived_gives_no_figure(
    bot_chat: BotChat, kind: str
):
    chat = Transcript(bot_chat)
    for typed, _ in DOSE[:3]:
        await chat.say(typed)
    fail(bot_chat, kind, ATTEMPTS)
    await chat.say("yes")  # the adult question never takes
    reply = await chat.say("adult")  # a guess, or an answer to a question seen but not taken
    assert DOSE_FIGURE not in reply
    assert "So you weigh" in reply  # the step it stands at asks again
    assert ADULT_QUESTION in await chat.say("yes")
    assert "about 21 g" in await chat.say("adult")
    chat.assert_no_figure_without_the_safety_question()


async def test_the_apology_comes_later_and_only_if_the_user_does_not_write_first(
    bot_chat: BotChat, kb, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(apology, "APOLOGY_DELAY", 0.3)
    await bot_chat.send("/dose")
    fail(bot_chat, "500", ATTEMPTS)
    assert await bot_chat.send("80 kg") == []
    sorry = await bot_chat.wait_for(kb.message("error"), within=3)
    assert sorry.chat_id == bot_chat.chat_id
    fail(bot_chat, "500", ATTEMPTS)
    assert await bot_chat.send("80 kg") == []
    [confirm] = await bot_chat.send("80 kg")  # written again before the apology was due
    assert "So you weigh" in confirm.text
    with pytest.raises(AssertionError):
        await bot_chat.wait_for(kb.message("error"), within=0.8)


async def test_a_refused_message_is_not_retried_and_apologised_for_at_once(bot_chat: BotChat):
    bot_chat.standin.fail_next.append(("sendMessage", BotAPIError(400, "Bad Request: no")))
    [sorry] = await bot_chat.send("what is glutamine")
    assert "went wrong" in sorry.text
    assert [m for m, _ in bot_chat.standin.calls].count("sendMessage") == 2  # answer, apology


async def test_a_time_out_after_delivery_may_show_a_question_twice(bot_chat: BotChat):
    """At least once, on purpose: the retry cannot know the first attempt arrived."""
    bot_chat.standin.fail_next.append(("sendMessage", Slow()))
    replies = await bot_chat.send("/topics")
    assert len(replies) == 2 and replies[0].text == replies[1].text


async def test_retries_stop_once_their_time_is_spent():
    """A reply may be late by the budget, not by every retry's time-out added up."""
    standin = BotAPIStandIn()
    standin.fail_next += [("getMe", Slow(1.0)) for _ in range(ATTEMPTS)]
    request = retry.RetryingRequest(
        StandInRequest(standin, read_timeout=0.1), delays=(0.1, 0.1, 0.1), budget=0.25
    )
    with pytest.raises(TimedOut):
        await request.post("http://stand-in/bot/getMe")
    assert [m for m, _ in standin.calls].count("getMe") == 2
