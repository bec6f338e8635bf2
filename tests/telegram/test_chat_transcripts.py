"""How people write in a chat, through the real Application: a greeting with the question,
several questions at once, follow-ups, an amount, another language, a long message."""

from __future__ import annotations

from pathlib import Path

import pytest

import bot.conversation
from tests.conftest import BotChat, running_bot
from tests.support.standin import BotAPIStandIn

OTHER_CHAT = 77


async def test_a_greeting_with_a_question_gets_the_answer(bot_chat: BotChat, kb):
    [reply] = await bot_chat.send("hi, what is leaky gut exactly")
    assert kb.answers["leaky_gut"].body in reply.text
    assert "Hello!" not in reply.text


async def test_a_bare_greeting_still_greets(bot_chat: BotChat, kb):
    [reply] = await bot_chat.send("hey there!")
    assert kb.answers["greeting"].body in reply.text


async def test_thanks_with_a_question_answers_it(bot_chat: BotChat, kb):
    [reply] = await bot_chat.send("thanks! and is glutamine ok during pregnancy?")
    assert kb.answers["safety.pregnancy"].body in reply.text


async def test_several_questions_answer_one_and_offer_the_other_as_a_button(bot_chat: BotChat, kb):
    [reply] = await bot_chat.send("what is glutamine and how much should I take?")
    answered = [a for a in ("glutamine", "dose") if kb.answers[a].body in reply.text]
    assert len(answered) == 1
    [other] = {"glutamine", "dose"} - set(answered)
    assert "You asked more than one thing" in reply.text
    assert reply.data[0] == f"a:{other}", "the other question's answer comes first"
    [second] = await bot_chat.press(kb.answers[other].title)
    assert kb.answers[other].body in second.text


async def test_a_follow_up_reads_it_as_the_answer_just_given(bot_chat: BotChat, kb):
    await bot_chat.send("what is glutamine")
    [reply] = await bot_chat.send("can i take it with ibuprofen")
    assert kb.answers["safety.medicines"].body in reply.text
    # The context is per chat: in another chat the same words are read alone.
    [elsewhere] = await bot_chat.send("can i take it with ibuprofen", chat_id=OTHER_CHAT)
    assert kb.answers["safety.medicines"].body not in elsewhere.text


@pytest.mark.parametrize(
    ("first", "follow_up", "answer_id"),
    [
        ("how much glutamine should i take", "how long should i take it", "dose.duration"),
        ("what is leaky gut", "is it real or a myth", "leaky_gut"),
        ("what is glutamine", "what about during pregnancy", "safety.pregnancy"),
    ],
)
async def test_follow_ups_after_an_answer(
    bot_chat: BotChat, kb, first: str, follow_up: str, answer_id: str
):
    [alone] = await bot_chat.send(follow_up, chat_id=OTHER_CHAT)  # alone, it is not this
    assert kb.answers[answer_id].body not in alone.text
    await bot_chat.send(first)
    [reply] = await bot_chat.send(follow_up)
    assert kb.answers[answer_id].body in reply.text


async def test_how_long_it_takes_to_work_after_the_dose_answer_says_the_source_is_silent(
    bot_chat: BotChat, kb
):
    # Alone, "how long does it take to work" names nothing; right after the dose answer, "it"
    # is glutamine, and the answer says plainly that the article gives no duration.
    [alone] = await bot_chat.send("how long does it take to work")
    assert kb.answers["dose.duration"].body not in alone.text
    await bot_chat.send("how much glutamine should i take")
    [reply] = await bot_chat.send("how long does it take to work")
    assert kb.answers["dose.duration"].body in reply.text
    assert "doesn't say how long" in reply.text and "physician" in reply.text


async def test_a_tapped_answer_is_a_topic_too(bot_chat: BotChat, kb):
    await bot_chat.send("/topics")
    await bot_chat.press(kb.answers["glutamine"].title)
    [reply] = await bot_chat.send("what about during pregnancy")  # alone: "did you mean"
    assert kb.answers["safety.pregnancy"].body in reply.text


async def test_a_follow_up_with_a_red_flag_answers_urgent(bot_chat: BotChat, kb):
    await bot_chat.send("what is glutamine")
    [reply] = await bot_chat.send("my toddler swallowed a handful of them")
    assert kb.answers["urgent"].body in reply.text


async def test_the_topic_is_forgotten_after_a_few_minutes(bot_chat: BotChat, kb, monkeypatch):
    monkeypatch.setattr(bot.conversation, "FOLLOW_UP_SECONDS", 0.0)
    await bot_chat.send("what is glutamine")
    [reply] = await bot_chat.send("can i take it with ibuprofen")
    assert kb.answers["safety.medicines"].body not in reply.text


async def test_the_topic_is_forgotten_when_the_talk_moves_elsewhere(bot_chat: BotChat, kb):
    await bot_chat.send("what is glutamine")
    await bot_chat.send("is collagen good for the skin?")
    [reply] = await bot_chat.send("can i take it with ibuprofen")
    assert kb.answers["safety.medicines"].body not in reply.text


async def test_a_restart_forgets_the_topic_and_reads_the_follow_up_alone(tmp_path: Path, kb):
    standin = BotAPIStandIn()
    async with running_bot(standin, tmp_path / "bot.sqlite3") as chat:
        await chat.send("what is glutamine")
    async with running_bot(standin, tmp_path / "bot.sqlite3") as chat:
        [reply] = await chat.send("can i take it with ibuprofen")
        assert kb.answers["safety.medicines"].body not in reply.text
        assert "went wrong" not in reply.text


@pytest.mark.parametrize(
    ("question", "said", "where"),
    [
        ("is 30g too much?", "30 g", "above"),
        ("is 5 g enough", "5 g", "below"),
        ("can I take 40 grams a day", "40 grams", "above"),
        ("is 20 gr daily ok?", "20 gr", "within"),
        ("would 500mg be enough", "500 mg (0.5 g)", "below"),
    ],
)
async def test_an_amount_is_compared_with_the_studied_range(
    bot_chat: BotChat, kb, question: str, said: str, where: str
):
    [reply] = await bot_chat.send(question)
    text = bot_chat.text()
    assert f"{said} is {where} the 8 g to 25 g a day that human studies" in text
    assert "not a dose recommendation" in text
    assert "physician" in text
    assert "Source: S. Christensen, MD, LIVESTRONG.COM" in text
    assert kb.answers["dose"].title in reply.labels


async def test_an_amount_of_something_else_gets_no_comparison(bot_chat: BotChat):
    await bot_chat.send("is 30 g of sugar a day too much")
    assert "human studies of glutamine used" not in bot_chat.text()


@pytest.mark.parametrize(
    "text",
    [
        "cuanta glutamina debo tomar",
        "la glutamine est-elle bonne pour l'intestin ?",
        "Hilft Glutamin bei einem durchlässigen Darm?",
        "a glutamina ajuda o intestino?",
        "la glutammina fa bene all'intestino?",
    ],
    ids=["es", "fr", "de", "pt", "it"],
)
async def test_another_latin_language_is_told_the_bot_reads_english(bot_chat: BotChat, text):
    await bot_chat.send(text)
    assert "only read English" in bot_chat.text()


async def test_english_with_a_foreign_brand_is_answered(bot_chat: BotChat, kb):
    [reply] = await bot_chat.send("how much Glutamina Pura should i take a day")
    assert "only read English" not in reply.text


async def test_a_long_message_is_read(bot_chat: BotChat, kb):
    story = (
        "I have had stomach trouble for years and tried cutting out bread and milk. "
        "My cousin swears by supplements and sends me links every week. "
    )
    question = "What is glutamine?"
    text = story * ((4096 - len(question)) // len(story)) + question
    assert 4000 < len(text) <= 4096
    [reply] = await bot_chat.send(text)
    assert kb.answers["glutamine"].body in reply.text
