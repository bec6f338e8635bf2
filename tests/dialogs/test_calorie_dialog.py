"""The calorie-target dialog, every path, as a user would go through it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import BotChat, running_bot, shared_services
from tests.support.standin import BotAPIStandIn


async def test_calories_by_buttons_to_the_result(bot_chat: BotChat):
    replies = await bot_chat.send("/calories")
    goal_question = replies[-1]
    assert len(goal_question.labels) == 9
    assert goal_question.labels[0] == "Gain 2 pounds per week"
    assert goal_question.labels[-1] == "Lose 2 pounds per week"
    [sex] = await bot_chat.press("Lose 1 pound per week")
    assert sex.labels == ["Female", "Male"]
    await bot_chat.press("Female")
    assert "How old are you" in bot_chat.text()
    await bot_chat.send("35")
    await bot_chat.send("5'5\"")
    await bot_chat.send("150 lb")
    [activity] = bot_chat.last
    assert "Sedentary" in activity.labels and "little or no exercise" in activity.text
    [result] = await bot_chat.press("Lightly active")
    text = bot_chat.text()
    # 10 x 68.04 + 6.25 x 165.1 - 5 x 35 - 161 = 1376.2; x 1.375 = 1892.3; - 500 = 1392.3
    assert "about 1,390 kcal" in text
    assert "Resting energy 1,380 kcal" in text and "1,890 kcal to keep your weight" in text
    assert "Mifflin" in text and "physician or dietitian" in text
    assert "Start again" in result.labels


async def _typed_up_to_the_weight(bot_chat: BotChat) -> None:
    await bot_chat.send("/calories")
    for answer in ("lose 0.5 kg a week", "male", "40 years", "180 cm"):
        await bot_chat.send(answer)


async def test_every_step_accepts_a_typed_answer(bot_chat: BotChat):
    await _typed_up_to_the_weight(bot_chat)
    await bot_chat.send("80 kg")
    await bot_chat.send("moderately active")
    # 1730 x 1.55 = 2681.5; 0.5 kg is 1.1 lb: - 550 = 2131.5
    assert "about 2,130 kcal" in bot_chat.text()
    assert "lose 0.5 kg a week" in bot_chat.text()  # in the unit the goal was typed in


async def test_a_weight_with_an_exponent_is_refused_kindly(bot_chat: BotChat):
    await _typed_up_to_the_weight(bot_chat)
    [reply] = await bot_chat.send("1.7e2 kg")  # one reply: not answered as a question
    assert "exponent" in reply.text


async def test_a_question_fills_what_it_already_says(bot_chat: BotChat):
    replies = await bot_chat.send(
        "how many calories should I eat to lose 1 lb a week? I'm a 35 year old woman, "
        "5'5 and 150 lb"
    )
    assert "How active are you" in replies[-1].text
    await bot_chat.send("sedentary")
    # 1376.2 x 1.2 = 1651.5; - 500 = 1151.5 -> 1150, below the minimum for women; at 1,200
    # kcal she loses (1651.5 - 1200) x 7 / 3500 = 0.9 lb a week, and the headline says so.
    assert "about 1,200 kcal to lose about 0.9 lb a week" in bot_chat.text()
    assert "To lose 1 lb a week you would need 1,150 kcal a day" in bot_chat.text()
    assert "below the usual minimum of 1,200 kcal" in bot_chat.text()


async def test_the_floor_and_the_aggressive_goal_warnings(bot_chat: BotChat):
    await bot_chat.send("/calories")
    await bot_chat.press("Lose 2 pounds per week")
    await bot_chat.press("Female")
    await bot_chat.send("30")
    await bot_chat.send("152 cm")
    await bot_chat.send("50 kg")
    await bot_chat.press("Sedentary")
    text = bot_chat.text()
    # 500 + 950 - 150 - 161 = 1139; x 1.2 = 1366.8; - 1000 = 366.8 -> 370; floor 1,200,
    # which loses (1366.8 - 1200) x 7 / 3500 = 0.33 lb a week; 2 lb is 1.8% of 50 kg.
    assert "about 1,200 kcal to lose about 0.3 lb a week" in text
    assert "you would need 370 kcal a day" in text
    assert "about 1.8% of your body weight each week" in text


async def test_no_target_when_even_keeping_weight_is_below_the_minimum(bot_chat: BotChat):
    await bot_chat.send("/calories")
    await bot_chat.press("Maintain my current weight")
    await bot_chat.press("Female")
    await bot_chat.send("60")
    await bot_chat.send("150 cm")
    await bot_chat.send("45 kg")
    [result] = await bot_chat.press("Sedentary")
    # 450 + 937.5 - 300 - 161 = 926.5; x 1.2 = 1111.8 -> 1,110 kcal, under 1,200
    assert "Your estimated needs (1,110 kcal a day to keep your weight)" in result.text
    assert "with a physician or dietitian" in result.text
    assert "daily target" not in result.text


async def test_a_bare_weight_asks_its_unit(bot_chat: BotChat):
    await bot_chat.send("/calories maintain")
    await bot_chat.press("Male")
    await bot_chat.send("40")
    await bot_chat.send("6 ft")
    await bot_chat.send("180")
    await bot_chat.press("Pounds (lb)")
    assert "How active are you" in bot_chat.text()


async def test_under_18_gets_no_number(bot_chat: BotChat):
    await bot_chat.send("/calories")
    await bot_chat.press("Maintain my current weight")
    await bot_chat.press("Male")
    await bot_chat.send("15")
    assert "built for adults" in bot_chat.text()
    assert "kcal" not in bot_chat.text()


@pytest.mark.parametrize(
    ("step_answers", "bad", "message"),
    [
        ([], "lose weight fast", "I didn't catch a goal"),
        ([], "lose 5 lb a week", "up to 2 lb"),
        (["maintain"], "alien", "female"),
        (["maintain", "female"], "old", "Please type your age"),
        (["maintain", "female", "35"], "tall", "Please type a height"),
        (["maintain", "female", "35", "165 cm"], "0 kg", "more than zero"),
        (["maintain", "female", "35", "165 cm", "60 kg"], "whatever", "activity levels"),
    ],
)
async def test_each_step_refuses_clearly_and_asks_again(
    bot_chat: BotChat, step_answers: list[str], bad: str, message: str
):
    await bot_chat.send("/calories")
    for answer in step_answers:
        await bot_chat.send(answer)
    await bot_chat.send(bad)
    assert message in bot_chat.text()


async def test_three_wrong_answers_end_the_dialog(bot_chat: BotChat):
    await bot_chat.send("/calories")
    for bad in ("dunno", "no idea", "hmm"):
        await bot_chat.send(bad)
    assert "Type /calories whenever you want to try again" in bot_chat.text()


async def test_cancel_and_switching_dialogs(bot_chat: BotChat):
    await bot_chat.send("/calories")
    await bot_chat.send("/dose")
    assert "What is your body weight?" in bot_chat.text()
    await bot_chat.send("/cancel")
    assert "I've stopped" in bot_chat.text()


async def test_starts_from_its_button_and_deep_link(bot_chat: BotChat):
    await bot_chat.send("/start calories-calculate")
    assert "weight goal" in bot_chat.text()
    await bot_chat.send("/topics")
    await bot_chat.press("Daily calorie target")
    await bot_chat.press("Calorie target")
    assert "weight goal" in bot_chat.text()


async def test_survives_a_restart(tmp_path: Path):
    database, standin = tmp_path / "bot.sqlite3", BotAPIStandIn()
    async with running_bot(standin, database) as chat:
        await chat.send("/calories")
        await chat.press("Gain 1 pound per week")
        await chat.press("Male")
    async with running_bot(standin, database) as chat:
        await chat.send("30")
        assert "How tall are you" in chat.text()


async def test_a_dialog_left_open_over_a_restart_still_times_out(tmp_path: Path, monkeypatch):
    # Timeout jobs live in memory; the restart schedules them anew from the saved dialogs.
    database, standin = tmp_path / "bot.sqlite3", BotAPIStandIn()
    async with running_bot(standin, database) as chat:
        await chat.send("/calories")
    monkeypatch.setattr(shared_services().dialogs, "quiet", 0.3)
    async with running_bot(standin, database) as chat:
        await chat.wait_for("Type /calories to start again")
        [reply] = await chat.send("what is glutamine")
        assert "20 amino acids" in reply.text  # a question again, not a dialog answer


@pytest.mark.parametrize(
    ("forged", "refusal"),
    [
        ("d:goal:9", "I didn't catch a goal"),
        ("d:goal:abc", "I didn't catch a goal"),
        ("d:sex:robot", "Please pick female or male"),
        ("d:act:zzz", "Please pick one of the activity levels"),
    ],
)
async def test_forged_button_data_is_refused_not_crashed(
    bot_chat: BotChat, forged: str, refusal: str
):
    await bot_chat.send("/calories")
    if not forged.startswith("d:goal"):
        await bot_chat.press("Maintain my current weight")
    if forged.startswith("d:act"):
        for answer in ("female", "35", "165 cm", "60 kg"):
            await bot_chat.send(answer)
    [reply] = await bot_chat.press_data(forged)
    assert refusal in bot_chat.text()
    assert reply.labels  # the same question again, with its buttons


# -- issue #11 ---------------------------------------------------------------------------------


async def test_a_goal_too_fast_gets_one_sentence_and_the_goal_buttons(bot_chat: BotChat):
    await bot_chat.send("/calories")
    [reply] = await bot_chat.send("lose 3 lb a week")
    assert "The tracker goes up to 2 lb (0.9 kg) a week either way" in reply.text
    assert "I didn't catch a goal" not in reply.text
    assert len(reply.labels) == 9 and "Lose 2 pounds per week" in reply.labels


@pytest.mark.parametrize(
    ("said", "level"),
    [
        ("i walk to work and go to the gym like twice a week", "lightly active"),
        ("gym 4 times a week", "moderately active"),
        ("i run every day", "very active"),
        ("I exercise 3x a week", "lightly active"),
    ],
)
async def test_activity_in_the_users_own_words(bot_chat: BotChat, said: str, level: str):
    await bot_chat.send("/calories maintain, I'm a 40 year old man, 180 cm and 80 kg")
    assert "How active are you" in bot_chat.text()
    await bot_chat.send(said)
    assert f"({level})" in bot_chat.text()
    assert "kcal" in bot_chat.text()


async def test_numbers_in_words_are_read(bot_chat: BotChat):
    await bot_chat.send("/calories")
    await bot_chat.press("Maintain my current weight")
    await bot_chat.press("Female")
    await bot_chat.send("thirty-five")
    assert "How tall are you" in bot_chat.text()
    await bot_chat.send("five foot five")
    assert "And your weight" in bot_chat.text()
    await bot_chat.send("one hundred and fifty pounds")
    assert "How active are you" in bot_chat.text()
    await bot_chat.press("Sedentary")
    # The same woman as test_a_question_fills_what_it_already_says: 1376.2 x 1.2 = 1651.5
    assert "35 years, 165 cm (5 ft 5 in), 68 kg (150 lb)" in bot_chat.text()
    assert "about 1,650 kcal" in bot_chat.text()


async def test_a_goal_typed_in_kg_is_echoed_in_kg(bot_chat: BotChat):
    await bot_chat.send("/calories lose 0.5 kg a week, male, 40 years, 180 cm, 80 kg")
    await bot_chat.send("moderate")
    assert "about 2,130 kcal to lose 0.5 kg a week" in bot_chat.text()
    assert "lb a week" not in bot_chat.text()


async def test_a_goal_in_kg_slowed_by_the_minimum_is_echoed_in_kg(bot_chat: BotChat):
    # 0.9 kg is 2 lb: for this woman the minimum of 1,200 kcal slows it to 0.3 lb (0.1 kg)
    # a week, as in test_the_floor_and_the_aggressive_goal_warnings.
    await bot_chat.send("/calories lose 0.9 kg a week, female, 30 years, 152 cm, 50 kg")
    await bot_chat.send("sedentary")
    assert "about 1,200 kcal to lose about 0.1 kg a week" in bot_chat.text()
    assert "To lose 0.9 kg a week you would need" in bot_chat.text()


@pytest.mark.parametrize(
    "opening",
    [
        "/calories lose 2 lb a week, female, 30 years, 152 cm, 50 kg",  # fast for her size
        "/calories maintain, female, 60 years, 150 cm, 45 kg",  # needs below the minimum
        "/calories lose 1 lb a week, male, 40 years, 180 cm, 80 kg",  # an ordinary result
    ],
)
async def test_the_result_asks_a_physician_or_dietitian_once(bot_chat: BotChat, opening: str):
    await bot_chat.send(opening)
    [result] = await bot_chat.send("sedentary")
    assert result.text.count("physician or dietitian") == 1
