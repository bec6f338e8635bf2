"""What the answers say, asked as a user would (issue #11), and the project's own rules for them."""

from __future__ import annotations

import re

import pytest

from bot.html import to_plain
from tests.conftest import BotChat

_SENTENCE_END = re.compile(r"[.!?](?=\s|$)")


def sentences(text: str) -> int:
    return len(_SENTENCE_END.findall(to_plain(text).strip()))


def test_every_answer_has_two_to_six_sentences(kb):
    counts = {a.id: sentences(a.body) for a in kb.answers.values()}
    assert {a: n for a, n in counts.items() if not 2 <= n <= 6} == {}


async def test_glutamine_curing_a_linked_condition_gets_a_plain_no_evidence(bot_chat: BotChat):
    [reply] = await bot_chat.send("can glutamine cure autism?")
    text = bot_chat.text()
    assert "Glutamine for other illnesses?" in text
    assert "no evidence that glutamine treats, cures or prevents" in text
    assert "a link is not proof" in text
    assert "please ask a physician" in text
    assert "Source: Review in Clinics, June 2010" in text
    assert reply.labels  # related answers to go on with


async def test_the_evidence_answer_says_it_is_about_the_gut_barrier_only(bot_chat: BotChat):
    await bot_chat.send("does glutamine help leaky gut")
    assert "no evidence that glutamine treats autism, asthma" in bot_chat.text()


async def test_symptoms_cite_the_nhs_for_the_warning_signs(bot_chat: BotChat):
    await bot_chat.send("what are the symptoms of leaky gut")
    source = bot_chat.text().split("Source:")[1]
    assert "NHS: Stomach ache" in source and "NHS: Blood in poo" in source


@pytest.mark.parametrize("answer", ["diet", "leaky_gut.tight_junctions", "causes"])
def test_the_burgundy_work_is_worded_with_the_same_strength(kb, answer: str):
    body = to_plain(kb.answers[answer].body)
    assert "showed" not in body
    assert "found that fats, sugars" in body
    assert re.search(r"\bcan (?:wear down|break|damage)", body)
    assert "may" in body


def test_the_burgundy_effects_are_not_stated_flatly(kb):
    body = to_plain(kb.answers["diet"].body)
    assert "they cause inflammation" not in body
    assert "may lead to inflammation throughout the body" in body


async def test_is_30g_too_much_gets_the_studied_range(bot_chat: BotChat):
    [reply] = await bot_chat.send("is 30g too much")
    assert "30 g is above the 8 g to 25 g a day that human studies" in bot_chat.text()
    assert "says nothing about whether more than that is safe" in bot_chat.text()
    assert "ask your physician" in bot_chat.text()
    assert "Is glutamine safe?" in reply.labels


@pytest.mark.parametrize(
    "question",
    ["what foods have glutamine in them", "is there any glutamine in milk or cheese"],
)
async def test_foods_with_glutamine_get_an_honest_answer(bot_chat: BotChat, question: str):
    await bot_chat.send(question)
    text = bot_chat.text()
    assert "Foods with glutamine?" in text and "What is glutamine?" not in text.split("\n")[0]
    assert "doesn't list any foods" in text
    assert "dietitian" in text


async def test_the_calorie_answer_calls_3500_kcal_a_rough_rule(bot_chat: BotChat, kb):
    await bot_chat.send("/topics")
    await bot_chat.press("Daily calorie target")
    assert "only a rough guide" in bot_chat.text()
    assert "real weight loss usually slows down over time" in bot_chat.text()
    assert sentences(kb.answers["calories"].body) <= 6


@pytest.mark.parametrize(
    "text",
    [
        "can't keep any fluids down for 2 days",
        "i have been vomiting for 3 days",
        "been throwing up for two days",
        "im unable to keep water down since this morning",
    ],
)
async def test_persistent_vomiting_gets_the_urgent_answer(bot_chat: BotChat, text: str):
    await bot_chat.send(text)
    reply = bot_chat.text()
    assert "Get help now" in reply
    assert "can't keep fluids down" in reply and "more than two days" in reply
    assert "NHS: Diarrhoea and vomiting" in reply


@pytest.mark.parametrize(
    "text",
    ["can glutamine cause vomiting", "does glutamine make you throw up", "can you keep glutamine"],
)
async def test_questions_about_vomiting_are_not_emergencies(bot_chat: BotChat, text: str):
    await bot_chat.send(text)
    assert "Get help now" not in bot_chat.text().split("\n")[0]


def test_the_red_flag_comment_says_unstemmed(kb):
    from bot.config import PROJECT_ROOT

    comments = [
        line
        for line in (PROJECT_ROOT / "intents" / "urgent.yaml").read_text().splitlines()
        if line.lstrip().startswith("#")
    ]
    assert not any("stemming)" in c or "and stemming" in c for c in comments)
    assert any("NOT stemmed" in c for c in comments)
