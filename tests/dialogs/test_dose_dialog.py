"""The dose dialog, every path, as a user would go through it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import BotChat, running_bot, shared_services
from tests.support.standin import BotAPIError, BotAPIStandIn


async def to_adult_step(chat: BotChat, weight: str = "80 kg") -> None:
    await chat.send("/dose")
    await chat.send(weight)
    await chat.press("Yes, that's right")


async def test_dose_by_buttons_to_the_result(bot_chat: BotChat):
    replies = await bot_chat.send("/dose")
    assert len(replies) == 2
    assert "0.3 g" in replies[0].text and "Source:" in replies[0].text
    assert "What is your body weight?" in replies[1].text
    await bot_chat.send("80 kg")
    assert "80 kg" in bot_chat.text() and "176 lb" in bot_chat.text()
    await bot_chat.press("Yes, that's right")
    assert "for an adult" in bot_chat.text()
    [result] = await bot_chat.press("Yes, an adult")
    text = bot_chat.text()
    assert "works out to about 24 g of glutamine a day" in text
    assert "This is not a dose to take" in text
    assert "within the 8 g to 25 g a day" in text
    assert "low-birth-weight infants" in text
    assert "Source:" in text
    assert "ask your physician" in text
    assert result.labels[0] == "Start again"
    assert "How much glutamine?" in result.labels


async def test_every_step_accepts_a_typed_answer(bot_chat: BotChat):
    await bot_chat.send("/dose")
    await bot_chat.send("70")
    assert "kilograms or pounds" in bot_chat.text()
    await bot_chat.send("kg")
    assert "70 kg" in bot_chat.text()
    await bot_chat.send("yes")
    await bot_chat.send("adult")
    assert "about 21 g" in bot_chat.text()


async def test_a_bare_number_asks_the_unit_with_buttons(bot_chat: BotChat):
    await bot_chat.send("/dose")
    [ask] = await bot_chat.send("154")
    assert ask.labels == ["Kilograms (kg)", "Pounds (lb)"]
    await bot_chat.press("Pounds (lb)")
    assert "69.9 kg" in bot_chat.text() and "154 lb" in bot_chat.text()


@pytest.mark.parametrize(
    ("typed", "kg", "lb"),
    [
        ("11 st 4 lb", "71.7", "158"),
        ("11st 4", "71.7", "158"),
        ("70,5 kg", "70.5", "155"),
        ("154 pounds", "69.9", "154"),
    ],
)
async def test_weights_in_every_unit_are_echoed_in_both(bot_chat: BotChat, typed, kg, lb):
    await bot_chat.send("/dose")
    await bot_chat.send(typed)
    assert f"{kg} kg" in bot_chat.text() and f"{lb} lb" in bot_chat.text()


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("heavy", "doesn't look like a weight"),
        ("0 kg", "more than zero"),
        ("-70 kg", "more than zero"),
        ("500 kg", "over 350 kg"),
        ("1 kg", "too light"),
    ],
)
async def test_what_is_not_a_weight_is_refused_and_asked_again(bot_chat: BotChat, typed, reason):
    await bot_chat.send("/dose")
    await bot_chat.send(typed)
    assert reason in bot_chat.text()
    assert "Please type a body weight" in bot_chat.text()
    await bot_chat.send("80 kg")  # the dialog is still waiting for the weight
    assert "80 kg (176 lb)" in bot_chat.text()


async def test_three_wrong_answers_end_the_dialog_kindly(bot_chat: BotChat, kb):
    await bot_chat.send("/dose")
    await bot_chat.send("a lot")
    await bot_chat.send("quite a lot")
    await bot_chat.send("hmm")
    assert "Type /dose whenever you want to try again" in bot_chat.text()
    [reply] = await bot_chat.send("what is glutamine")
    assert kb.answers["glutamine"].body in reply.text  # no longer in the dialog


async def test_saying_no_to_the_echo_asks_the_weight_again(bot_chat: BotChat):
    await bot_chat.send("/dose")
    await bot_chat.send("80 kg")
    await bot_chat.press("No, change it")
    assert "What is your body weight?" in bot_chat.text()
    await bot_chat.send("80 lb")
    assert "36.3 kg (80 lb)" in bot_chat.text()


async def test_a_corrected_weight_at_the_echo_is_echoed_again(bot_chat: BotChat):
    await bot_chat.send("/dose")
    await bot_chat.send("80 kg")
    await bot_chat.send("oops, 85 kg")
    assert "85 kg (187 lb)" in bot_chat.text()


@pytest.mark.parametrize("who", ["For a child", "Pregnant or breastfeeding"])
async def test_no_number_for_a_child_or_in_pregnancy(bot_chat: BotChat, who: str):
    await to_adult_step(bot_chat, "30 kg")
    [reply] = await bot_chat.press(who)
    assert "won't give a number" in reply.text
    assert "ask your doctor" in reply.text
    assert " g of glutamine" not in reply.text


@pytest.mark.parametrize("typed", ["it's for my son", "I'm pregnant"])
async def test_typed_child_or_pregnancy_gets_no_number(bot_chat: BotChat, typed: str):
    await to_adult_step(bot_chat)
    await bot_chat.send(typed)
    assert "won't give a number" in bot_chat.text()


async def test_a_result_above_the_studied_range_says_so(bot_chat: BotChat):
    await to_adult_step(bot_chat, "100 kg")
    await bot_chat.press("Yes, an adult")
    assert "about 30 g" in bot_chat.text()
    assert "more than 25 g a day, the highest amount used" in bot_chat.text()


async def test_a_result_below_the_studied_range_says_so(bot_chat: BotChat):
    await to_adult_step(bot_chat, "22 kg")
    await bot_chat.press("Yes, an adult")
    assert "about 7 g" in bot_chat.text()
    assert "less than 8 g a day, the lowest amount used" in bot_chat.text()


async def test_the_answer_button_starts_the_dialog(bot_chat: BotChat):
    await bot_chat.send("how much glutamine should i take")
    await bot_chat.press("Estimate my dose")
    assert "What is your body weight?" in bot_chat.text()


async def test_a_deep_link_starts_the_dialog(bot_chat: BotChat):
    await bot_chat.send("/start dose-calculate")
    assert "What is your body weight?" in bot_chat.text()


async def test_a_question_asking_for_it_starts_the_dialog(bot_chat: BotChat):
    await bot_chat.send("calculate my glutamine dose")
    assert "What is your body weight?" in bot_chat.text()


async def test_a_question_that_holds_the_weight_skips_that_step(bot_chat: BotChat):
    await bot_chat.send("how much glutamine should I take, I weigh 80 kg")
    assert "So you weigh 80 kg (176 lb)" in bot_chat.text()
    assert "What is your body weight?" not in bot_chat.text()


async def test_cancel_at_any_step(bot_chat: BotChat, kb):
    await to_adult_step(bot_chat)
    await bot_chat.send("/cancel")
    assert "I've stopped" in bot_chat.text()
    [reply] = await bot_chat.send("what is glutamine")
    assert kb.answers["glutamine"].body in reply.text


async def test_a_question_mid_dialog_is_answered_then_the_step_asked_again(bot_chat: BotChat, kb):
    await bot_chat.send("/dose")
    replies = await bot_chat.send("what are the side effects of glutamine")
    assert kb.answers["safety"].body in replies[0].text
    assert "back to where we were" in replies[1].text
    assert "What is your body weight?" in replies[1].text
    await bot_chat.send("80 kg")
    assert "80 kg (176 lb)" in bot_chat.text()


async def test_other_commands_mid_dialog_leave_it_waiting(bot_chat: BotChat):
    await bot_chat.send("/dose")
    await bot_chat.send("/help")
    assert "/topics" in bot_chat.text()
    await bot_chat.send("80 kg")
    assert "80 kg (176 lb)" in bot_chat.text()


async def test_the_dialog_times_out_with_a_message(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(shared_services().dialogs, "quiet", 0.3)
    async with running_bot(BotAPIStandIn(), tmp_path / "bot.sqlite3") as chat:
        await chat.send("/dose")
        await chat.wait_for("Type /dose to start again")
        [reply] = await chat.send("80 kg")
        assert "So you weigh" not in reply.text  # the dialog really ended


async def test_the_dialog_survives_a_restart(tmp_path: Path):
    database, standin = tmp_path / "bot.sqlite3", BotAPIStandIn()
    async with running_bot(standin, database) as chat:
        await chat.send("/dose")
        await chat.send("80 kg")
    async with running_bot(standin, database) as chat:
        await chat.press("Yes, that's right")
        assert "for an adult" in chat.text()
        await chat.send("adult")
        assert "about 24 g" in chat.text()


@pytest.mark.parametrize(
    "typed", ["80 kg, but there is blood in my stool", "i fainted this morning, 80 kg"]
)
async def test_red_flags_mid_dialog_get_the_urgent_answer(bot_chat: BotChat, kb, typed: str):
    await bot_chat.send("/dose")
    urgent, ended = await bot_chat.send(typed)
    assert kb.answers["urgent"].body in urgent.text
    assert "stopped the estimate" in ended.text  # the user is told the dialog ended
    [reply] = await bot_chat.send("what is glutamine")
    assert kb.answers["glutamine"].body in reply.text  # the dialog has ended


async def test_a_red_flag_in_the_opening_message_gets_the_urgent_answer(bot_chat: BotChat, kb):
    [reply] = await bot_chat.send("/dose I have blood in my stool")
    assert kb.answers["urgent"].body in reply.text


@pytest.mark.parametrize(
    "typed", ["adult, not pregnant or breastfeeding", "yes, I am not pregnant", "I'm an adult"]
)
async def test_negated_pregnancy_is_an_adult(bot_chat: BotChat, typed: str):
    await to_adult_step(bot_chat)
    await bot_chat.send(typed)
    assert "about 24 g" in bot_chat.text()


async def test_a_question_with_a_number_is_answered_not_read_as_a_weight(bot_chat: BotChat, kb):
    await bot_chat.send("/dose")
    replies = await bot_chat.send("is 20 g of glutamine a day safe for me?")
    assert "kilograms or pounds" not in bot_chat.text()
    assert "back to where we were" in replies[-1].text


async def test_a_huge_answer_is_refused_kindly(bot_chat: BotChat):
    await bot_chat.send("/dose")
    [reply] = await bot_chat.send("7" * 3000)
    assert "longer than an answer" in reply.text
    assert "What is your body weight?" in reply.text


async def test_a_press_telegram_no_longer_acknowledges_still_counts(bot_chat: BotChat):
    await bot_chat.send("/dose")
    await bot_chat.send("80 kg")
    too_old = BotAPIError(400, "Bad Request: query is too old and response timeout expired")
    bot_chat.standin.fail_next.append(("answerCallbackQuery", too_old))
    [reply] = await bot_chat.press("Yes, that's right")
    assert "for an adult" in reply.text


async def test_a_failed_send_does_not_trap_the_next_question(bot_chat: BotChat, kb):
    await to_adult_step(bot_chat)
    bot_chat.standin.fail_next.append(("sendMessage", BotAPIError(502, "Bad Gateway")))
    await bot_chat.press("Yes, an adult")  # the result is lost, the apology is sent
    assert "went wrong" in bot_chat.text()
    replies = await bot_chat.send("what is leaky gut")
    assert kb.answers["leaky_gut"].body in replies[0].text
    # The result never arrived, so the step was not taken: the same question comes back.
    assert "for an adult" in replies[-1].text


@pytest.mark.parametrize("data", ["", "go:", "go:nothing"])
async def test_empty_or_forged_start_buttons_do_not_crash(bot_chat: BotChat, data: str):
    await bot_chat.send("/topics")
    [reply] = await bot_chat.press_data(data)
    assert "older message" in reply.text


async def test_in_a_group_the_dialog_asks_for_replies_and_reads_only_them(bot_chat: BotChat):
    from tests.conftest import GROUP
    from tests.support.standin import BOT_USERNAME

    replies = await bot_chat.send(f"/dose@{BOT_USERNAME}", chat_id=GROUP)
    question = replies[-1]
    assert question.force_reply, "the weight question should open a reply to the bot"
    assert all(r.reply_to is not None for r in replies)  # each quotes the /dose message
    assert await bot_chat.send("80 kg", chat_id=GROUP) == []  # not addressed to the bot
    await bot_chat.send("80 kg", chat_id=GROUP, reply_to=question)
    assert "So you weigh 80 kg" in bot_chat.text()


async def test_a_dialog_left_open_over_a_restart_times_out_by_itself(tmp_path: Path, monkeypatch):
    database, standin = tmp_path / "bot.sqlite3", BotAPIStandIn()
    async with running_bot(standin, database) as chat:
        await chat.send("/dose")
    monkeypatch.setattr(shared_services().dialogs, "quiet", 0.5)
    async with running_bot(standin, database) as chat:  # nobody writes: the bot speaks first
        await chat.wait_for("Type /dose to start again")


async def test_a_stale_dialog_ends_at_the_next_message(bot_chat: BotChat, kb, monkeypatch):
    # If the timeout job never ran (the process was busy, or stopped at the wrong moment),
    # the next message still finds the dialog stale: notice first, then a normal answer.
    await bot_chat.send("/dose")
    dialogs = bot_chat.application.services.dialogs
    later = dialogs.clock() + dialogs.quiet + 1
    monkeypatch.setattr(dialogs, "clock", lambda: later)
    replies = await bot_chat.send("what is glutamine")
    assert "Type /dose to start again" in replies[0].text
    assert kb.answers["glutamine"].body in replies[1].text


async def test_a_stale_dialog_still_starts_the_dialog_asked_for(bot_chat: BotChat, monkeypatch):
    await bot_chat.send("/calories")
    dialogs = bot_chat.application.services.dialogs
    later = dialogs.clock() + dialogs.quiet + 1
    monkeypatch.setattr(dialogs, "clock", lambda: later)
    replies = await bot_chat.send("calculate my glutamine dose")
    assert "Type /calories to start again" in replies[0].text
    assert "What is your body weight?" in replies[-1].text  # the dose dialog has begun
    await bot_chat.send("80 kg")
    assert "So you weigh 80 kg" in bot_chat.text()
