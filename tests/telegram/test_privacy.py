"""/privacy and /forget through the real bot: what it says, what it asks, what it deletes."""

from __future__ import annotations

import asyncio

import pytest

from tests.conftest import GROUP, BotChat, running_bot, shared_services
from tests.storage.databases import everything_stored
from tests.support.standin import BotAPIStandIn


async def test_privacy_says_what_is_kept_for_how_long_and_how_to_delete_it(bot_chat: BotChat, kb):
    [reply] = await bot_chat.send("/privacy")
    text = bot_chat.text()
    assert "weight, height, age, sex" in text  # what
    assert "15 quiet minutes" in text and "5 minutes" in text and "90 days" in text  # how long
    assert "never your name or any id" in text
    assert "/forget" in text  # how to delete
    assert reply.buttons == []


async def test_about_does_not_hide_that_answered_questions_wait_a_day_for_a_vote(
    bot_chat: BotChat,
):
    # Every answered question's words are stored for a day (with no id): /about must say so,
    # not only the declined ones.
    await bot_chat.send("/about")
    text = bot_chat.text()
    assert "question I answered wait a day" in text
    assert "without your name or any id" in text and "/forget" in text


async def test_privacy_in_the_middle_of_a_dialog_leaves_it_running(bot_chat: BotChat):
    await bot_chat.send("/dose")
    await bot_chat.send("/privacy")
    await bot_chat.send("80 kg")
    assert "So you weigh 80 kg" in bot_chat.text()


async def test_privacy_and_forget_are_in_the_command_menu(bot_chat: BotChat, kb):
    commands = {c["command"]: c["description"] for c in bot_chat.standin.profile["commands"]}
    assert commands["privacy"] == kb.message("command_privacy")
    assert commands["forget"] == kb.message("command_forget")


@pytest.mark.parametrize(
    "asking", ["/forget", "delete my data", "please erase everything you know about me"]
)
async def test_forget_asks_to_confirm_first(bot_chat: BotChat, asking: str):
    await bot_chat.send("/dose")
    [reply] = await bot_chat.send(asking)
    assert "This cannot be undone" in reply.text
    assert reply.labels == ["Yes, delete it", "No, keep it"]
    await bot_chat.send("80 kg")  # nothing is deleted until confirmed: the dialog runs on
    assert "So you weigh 80 kg" in bot_chat.text()


async def test_no_keeps_everything(bot_chat: BotChat):
    await bot_chat.send("/dose")
    await bot_chat.send("/forget")
    assert await bot_chat.press("No, keep it") == []
    assert "Nothing deleted" in bot_chat.standin.edited[-1].text
    await bot_chat.send("80 kg")
    assert "So you weigh 80 kg" in bot_chat.text()


async def test_yes_deletes_the_dialog_says_what_and_the_next_message_starts_afresh(
    bot_chat: BotChat,
):
    await bot_chat.send("/dose")
    await bot_chat.send("80 kg")
    jobs = bot_chat.application.job_queue
    assert [j.name for j in jobs.jobs() if j.user_id == bot_chat.chat_id]  # a dialog timer
    await bot_chat.send("/forget")
    await bot_chat.press("Yes, delete it")
    said = bot_chat.standin.edited[-1].text
    assert "I deleted" in said
    assert "your answers in dialogs" in said
    assert "open dialogs: 1" in said
    assert "pending dialog timers: 1" in said
    assert bot_chat.chat_id not in bot_chat.application.user_data
    assert [j for j in jobs.jobs() if j.user_id == bot_chat.chat_id and not j.removed] == []
    await bot_chat.press("Yes, that's right")  # the dialog's old button leads nowhere now
    assert "for an adult" not in bot_chat.text()
    assert "older message" in bot_chat.text()
    await bot_chat.send("how much glutamine is safe")
    assert "So you weigh" not in bot_chat.text()  # not taken as the dialog's answer


async def test_forgetting_with_nothing_stored_says_so(bot_chat: BotChat):
    await bot_chat.send("/forget")
    await bot_chat.press("Yes, delete it")
    assert "nothing stored about you" in bot_chat.standin.edited[-1].text


async def test_in_a_group_only_who_asked_can_confirm(bot_chat: BotChat):
    await bot_chat.send("/forget", chat_id=GROUP, user_id=501)
    asked = bot_chat.standin.sent[-1]
    yes = asked.data[0]
    await bot_chat.feed(bot_chat.standin.button_update(asked, yes, user_id=502))
    assert (
        bot_chat.standin.callback_answers[-1]["text"]
        == "Only the person who asked can confirm this."
    )
    assert bot_chat.standin.edited == []
    await bot_chat.feed(bot_chat.standin.button_update(asked, yes, user_id=501))
    assert "nothing stored about you" in bot_chat.standin.edited[-1].text


@pytest.mark.parametrize("forged", ["f:", "f:yes", "f:maybe:42", "f:yes:x42", "f:yes:" + "9" * 30])
async def test_forged_confirmation_data_gets_a_kind_reply(bot_chat: BotChat, kb, forged: str):
    await bot_chat.send("/forget")
    [reply] = await bot_chat.press_data(forged)
    assert reply.text == kb.message("expired_button")


async def test_a_finished_dialog_leaves_no_row_with_the_user_s_id(bot_chat: BotChat, tmp_path):

    url = f"sqlite:///{tmp_path / 'bot.sqlite3'}"
    bot_chat.chat_id = 918273645
    await bot_chat.send("/calories")
    await bot_chat.press("Lose 1 pound per week")
    assert "918273645" in await everything_stored(url)  # kept while the dialog needs it
    for answer in ("male", "40", "180 cm", "80 kg", "moderate"):
        await bot_chat.send(answer)
    assert "kcal" in bot_chat.text()
    assert "918273645" not in await everything_stored(url)  # gone once it has ended
    await bot_chat.send("/dose")
    await bot_chat.send("/cancel")
    assert "918273645" not in await everything_stored(url)


async def test_a_timed_out_dialog_leaves_no_row_with_the_user_s_id(tmp_path, monkeypatch):

    monkeypatch.setattr(shared_services().dialogs, "quiet", 0.3)
    url = f"sqlite:///{tmp_path / 'bot.sqlite3'}"
    async with running_bot(BotAPIStandIn(), tmp_path / "bot.sqlite3") as chat:
        chat.chat_id = 918273645
        await chat.send("/dose")
        await chat.send("80 kg")
        assert "918273645" in await everything_stored(url)
        await chat.wait_for("Type /dose to start again")
        for _ in range(20):
            if "918273645" not in await everything_stored(url):
                break
            await asyncio.sleep(0.05)
        assert "918273645" not in await everything_stored(url)


async def test_a_finished_estimate_leaves_no_row_with_the_users_id(tmp_path):
    url = f"sqlite:///{tmp_path / 'bot.sqlite3'}"
    async with running_bot(BotAPIStandIn(), tmp_path / "bot.sqlite3") as chat:
        chat.chat_id = 918273645
        await chat.send("/dose")
        await chat.send("80 kg")
        await chat.press("Yes, that's right")
        await chat.press("Yes, an adult")
        assert "about 24 g" in chat.text()
        for _ in range(40):
            if "918273645" not in await everything_stored(url):
                break
            await asyncio.sleep(0.05)
        assert "918273645" not in await everything_stored(url)  # not even the adult answer
