"""Inline mode with the real Application: `@bot query` in any chat, and what the bot offers.

Each test feeds a real inline_query update and reads the answerInlineQuery call the bot made,
which the stand-in has already checked as Telegram would (≤ 50 results, unique ids of 1-64
bytes, message texts of valid HTML within 4096 characters, valid deep links).
"""

from __future__ import annotations

import logging
import re
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from telegram import Update

from bot import html
from bot.inline import DESCRIPTION_LENGTH, MAX_OFFERS, description
from bot.knowledge import KnowledgeBase
from bot.telegram.app import ALLOWED_UPDATES
from bot.telegram.inline import CACHE_TIME
from tests.conftest import BotChat, running_bot
from tests.support.standin import BOT_USERNAME, BotAPIError, BotAPIStandIn, InlineAnswer

DEEP_LINK = re.compile(rf"https://t\.me/{BOT_USERNAME}\?start=([A-Za-z0-9_-]{{1,64}})")


async def ask_inline(bot_chat: BotChat, query: str, **kwargs) -> InlineAnswer:
    """Type `@bot query` somewhere; the bot's one answer to it (it posts nothing itself)."""
    standin = bot_chat.standin
    before = len(standin.inline_answers)
    assert await bot_chat.feed(standin.inline_query_update(query, **kwargs)) == []
    [answer] = standin.inline_answers[before:]
    return answer


def links(result: dict) -> list[str]:
    """The deep-link payloads of a result's buttons."""
    rows = result["reply_markup"]["inline_keyboard"]
    return [DEEP_LINK.fullmatch(b["url"]).group(1) for row in rows for b in row]


def assert_postable(answer: InlineAnswer, kb: KnowledgeBase) -> None:
    """Every result is a cited answer, as the bot would send it, with a link to the bot."""
    assert 1 <= len(answer.results) <= MAX_OFFERS
    assert len(set(answer.ids)) == len(answer.ids)
    for result in answer.results:
        assert 1 <= len(result["id"].encode()) <= 64
        item = kb.answers[result["id"]]
        content = result["input_message_content"]
        assert content["parse_mode"] == "HTML"
        assert html.problems(content["message_text"]) == []
        assert item.body in content["message_text"]
        assert "Source: " in html.to_plain(content["message_text"])
        assert result["title"] == item.title
        assert result["description"] and "\n" not in result["description"]
        assert len(result["description"]) <= DESCRIPTION_LENGTH
        assert links(result) == [item.id.replace(".", "-")]
    assert answer.cache_time == CACHE_TIME
    assert answer.is_personal is False


async def test_a_dose_query_offers_the_dose_answers_best_first(bot_chat: BotChat, kb):
    answer = await ask_inline(bot_chat, "glutamine dose")
    assert_postable(answer, kb)
    assert answer.ids[0] == "dose"
    assert "dose.calculate" in answer.ids
    assert "8 g and 25 g" in answer.texts[0]
    assert answer.button is None  # a question about doses, not a request for an estimate


async def test_a_confident_answer_comes_first_then_the_other_candidates(
    bot_chat: BotChat, kb, matcher
):
    text = "how many grams of glutamine per day"
    decision = matcher.match(text)
    assert decision.decision == "answer"
    answer = await ask_inline(bot_chat, text)
    expected = [kb.intent(decision.intent).answer]
    expected += [kb.intent(c.intent).answer for c in decision.candidates]
    assert answer.ids == list(dict.fromkeys(expected))[:MAX_OFFERS]


async def test_did_you_mean_offers_each_candidates_answer(bot_chat: BotChat, kb, matcher):
    text = "leaky gut glutamine"
    decision = matcher.match(text)
    assert decision.decision == "clarify", decision
    answer = await ask_inline(bot_chat, text)
    assert_postable(answer, kb)
    assert answer.ids == [kb.intent(c.intent).answer for c in decision.candidates]


@pytest.mark.parametrize(
    "text",
    [
        "blood in my stool",
        "glutamine dose? also i am vomiting blood",
        "my child swallowed a bottle of glutamine pills",
    ],
)
async def test_a_red_flag_offers_only_the_urgent_answer(bot_chat: BotChat, kb, text: str):
    answer = await ask_inline(bot_chat, text)
    assert_postable(answer, kb)
    assert answer.ids == ["urgent"]
    assert answer.button is None


@pytest.mark.parametrize("text", ["i want to kill myself", "glutamine dose, i feel suicidal"])
async def test_thoughts_of_suicide_offer_only_the_crisis_answer(bot_chat: BotChat, kb, text: str):
    answer = await ask_inline(bot_chat, text)
    assert_postable(answer, kb)
    assert answer.ids == ["urgent.crisis"]


@pytest.mark.parametrize(
    "text", ["", "   ", "what's the weather in paris tomorrow", "best vpn for gaming", "hi"]
)
async def test_an_empty_or_off_topic_query_offers_the_topic_menu(bot_chat: BotChat, kb, text: str):
    answer = await ask_inline(bot_chat, text)
    assert_postable(answer, kb)
    assert answer.ids == [a.id for a in kb.menu()][:MAX_OFFERS]


@pytest.mark.parametrize(
    ("text", "payload", "label"),
    [
        ("calculate my glutamine dose", "dose-calculate", "Estimate my dose in a private chat"),
        ("glutamine dose for 80 kg", "dose-calculate", "Estimate my dose in a private chat"),
        (
            "how many calories should i eat to lose weight",
            "calories-calculate",
            "Calorie target in a private chat",
        ),
    ],
)
async def test_a_dialog_query_offers_a_button_to_a_private_chat_and_the_intro(
    bot_chat: BotChat, kb, text: str, payload: str, label: str
):
    answer = await ask_inline(bot_chat, text)
    assert_postable(answer, kb)
    assert answer.button == {"text": label, "start_parameter": payload}
    assert links(answer.results[0]) == [payload]  # the intro answer, first
    # The button opens the bot with /start <payload>: the dialog starts there.
    await bot_chat.send(f"/start {answer.button['start_parameter']}")
    assert kb.answers[payload.replace("-", ".")].body in bot_chat.last[0].text
    assert "weight" in bot_chat.text() or "goal" in bot_chat.text()


async def test_the_button_under_a_shared_answer_opens_the_bot_at_that_answer(bot_chat: BotChat, kb):
    answer = await ask_inline(bot_chat, "what causes leaky gut")
    assert answer.ids[0] == "causes"
    [payload] = links(answer.results[0])
    [reply] = await bot_chat.send(f"/start {payload}")
    assert kb.answers["causes"].body in reply.text
    assert reply.buttons, "in the bot the answer comes with its related answers"


@pytest.mark.parametrize(
    "text",
    [
        "<script>alert(1)</script>",
        "<b>glutamine</b> &amp; dose &&& <<<",
        "\x00\x01\x02\ufffe binary",
        "🙂🙂🙂 glutamine 🙂",
        "🙂" * 256,
        "x" * 256,
        ("how much glutamine should i take for leaky gut " * 6)[:256],
        ("blood in stool " * 20)[:256],
        "Как принимать глютамин?",
        "' OR 1=1; DROP TABLE users; --",
        "@GlutamineGutBot glutamine",
        "/start dose-calculate",
    ],
    ids=[
        "html",
        "entities",
        "binary",
        "emoji",
        "256-emoji",
        "256-x",
        "256-question",
        "256-red-flag",
        "cyrillic",
        "sql",
        "mention",
        "command",
    ],
)
async def test_hostile_and_256_character_queries_get_valid_results(
    bot_chat: BotChat, kb, caplog: pytest.LogCaptureFixture, text: str
):
    answer = await ask_inline(bot_chat, text)
    assert_postable(answer, kb)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_queries_are_logged_without_their_text_or_the_user(
    bot_chat: BotChat, caplog: pytest.LogCaptureFixture
):
    caplog.set_level(logging.INFO)  # the bot's default level, for every logger
    await ask_inline(bot_chat, "how much glutamine should i take", user_id=987654321)
    assert "inline query decided: answer dose" in caplog.text
    assert "glutamine should" not in caplog.text
    assert "987654321" not in caplog.text


async def test_an_inline_query_leaves_no_record_of_the_user(bot_chat: BotChat, tmp_path: Path):
    await ask_inline(bot_chat, "glutamine dose", user_id=555)
    await bot_chat.application.update_persistence()
    with closing(sqlite3.connect(tmp_path / "bot.sqlite3")) as db:
        assert db.execute("SELECT user_id FROM user_data").fetchall() == []


async def test_a_query_telegram_gave_up_on_is_not_an_error(
    bot_chat: BotChat, caplog: pytest.LogCaptureFixture
):
    caplog.set_level(logging.INFO, logger="bot")
    too_old = "Bad Request: query is too old and response timeout expired or query ID is invalid"
    bot_chat.standin.fail_next.append(("answerInlineQuery", BotAPIError(400, too_old)))
    update = bot_chat.standin.inline_query_update("glutamine dose")
    assert await bot_chat.feed(update) == []
    assert "inline query expired" in caplog.text
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.parametrize(
    ("inline_mode", "level", "words"),
    [(False, logging.WARNING, "/setinline"), (True, logging.INFO, "inline mode is on")],
)
async def test_start_up_says_whether_inline_mode_is_on(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, inline_mode: bool, level: int, words: str
):
    caplog.set_level(logging.INFO, logger="bot")
    standin = BotAPIStandIn()
    standin.supports_inline_queries = inline_mode
    async with running_bot(standin, tmp_path / "bot.sqlite3"):
        pass
    [record] = [r for r in caplog.records if "inline mode" in r.getMessage()]
    assert record.levelno == level
    assert words in record.getMessage()
    assert f"@{BOT_USERNAME}" in record.getMessage()


def test_inline_queries_are_requested_and_chosen_results_are_not():
    assert Update.INLINE_QUERY in ALLOWED_UPDATES
    assert Update.CHOSEN_INLINE_RESULT not in ALLOWED_UPDATES


def test_description_is_the_first_sentence_as_one_plain_line_cut_at_a_word():
    assert description("<b>Short.</b> Second sentence.") == "Short."
    assert description("Tom &amp; Jerry\nare here! Yes.") == "Tom & Jerry are here!"
    long = description("word " * 60 + ".")
    assert long.endswith("…") and len(long) <= DESCRIPTION_LENGTH
    assert not long[:-1].endswith(" ")


def _article(result_id: str = "a", text: str = "<b>Hi</b>") -> dict:
    content = {"message_text": text, "parse_mode": "HTML"}
    return {"type": "article", "id": result_id, "title": "T", "input_message_content": content}


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"results": [_article(str(n)) for n in range(51)]}, "RESULTS_TOO_MUCH"),
        ({"results": [_article("a"), _article("a")]}, "RESULT_ID_DUPLICATE"),
        ({"results": [_article("x" * 65)]}, "RESULT_ID_INVALID"),
        ({"results": [_article("")]}, "RESULT_ID_INVALID"),
        ({"results": [_article(text="a < b")]}, "can't parse entities"),
        ({"results": [_article(text="<b>open")]}, "can't parse entities"),
        ({"results": [_article(text="x" * 4097)]}, "can't parse entities"),
        ({"results": [], "button": {"text": "Go", "start_parameter": "a.b"}}, "START_PARAM"),
        ({"results": [], "button": {"text": "", "start_parameter": "ab"}}, "BUTTON_TEXT"),
    ],
    ids=[
        "51-results",
        "duplicate-ids",
        "long-id",
        "empty-id",
        "bare-bracket",
        "unclosed-tag",
        "4097-characters",
        "bad-start-parameter",
        "empty-button-text",
    ],
)
def test_the_stand_in_refuses_inline_answers_telegram_would_refuse(params: dict, error: str):
    standin = BotAPIStandIn()
    query = standin.inline_query_update("q")["inline_query"]["id"]
    with pytest.raises(BotAPIError, match=error):
        standin.call("answerInlineQuery", {"inline_query_id": query, **params})
    assert standin.inline_answers == []


def test_the_stand_in_takes_one_answer_per_query():
    standin = BotAPIStandIn()
    query = standin.inline_query_update("q")["inline_query"]["id"]
    assert standin.call("answerInlineQuery", {"inline_query_id": query, "results": [_article()]})
    with pytest.raises(BotAPIError, match="query is too old"):
        standin.call("answerInlineQuery", {"inline_query_id": query, "results": []})
