"""Whole conversations with the real Application: what a user sends, what the bot sends back."""

from __future__ import annotations

import pytest

from bot import html
from bot.knowledge import MENU_TOPICS
from tests.conftest import GROUP, BotChat
from tests.storage.databases import table_rows
from tests.support.standin import BOT_USERNAME, BotAPIError

STICKER = {
    "sticker": {
        "file_id": "s",
        "file_unique_id": "s",
        "width": 1,
        "height": 1,
        "is_animated": False,
        "is_video": False,
        "type": "regular",
    }
}


async def test_start_welcomes_with_no_medical_advice_and_topic_buttons(bot_chat: BotChat, kb):
    [reply] = await bot_chat.send("/start")
    assert "leaky gut" in bot_chat.text()
    assert "no medical advice" in bot_chat.text()
    assert len(reply.labels) == len(MENU_TOPICS)
    assert kb.answers["dose"].title in reply.labels


async def test_start_up_publishes_commands_and_descriptions(bot_chat: BotChat, kb):
    profile = bot_chat.standin.profile
    assert [c["command"] for c in profile["commands"]] == [
        "start",
        "topics",
        "dose",
        "calories",
        "sources",
        "help",
        "about",
        "cancel",
        "privacy",
        "forget",
    ]
    assert profile["description"] == kb.message("description")
    assert profile["short_description"] == kb.message("short_description")


async def test_deep_link_opens_that_answer(bot_chat: BotChat, kb):
    await bot_chat.send("/start dose-infants")
    assert kb.answers["dose.infants"].title in bot_chat.text()


async def test_deep_link_to_unknown_answer_falls_back_to_welcome(bot_chat: BotChat):
    await bot_chat.send("/start no-such-answer")
    assert "Type a question, or pick a topic" in bot_chat.text()


@pytest.mark.parametrize(
    ("question", "answer_id"),
    [
        ("what exactly is leaky gut", "leaky_gut"),
        ("what causes intestinal permeability", "causes"),
        ("is leaky gut linked to celiac disease", "conditions"),
        ("can processed food harm the gut barrier", "diet"),
        ("what is l-glutamine", "glutamine"),
        ("is there any proof glutamine helps leaky gut", "evidence"),
        ("how many grams of glutamine per day", "dose"),
        ("what are the side effects of glutamine", "safety"),
        ("what are the symptoms of leaky gut", "symptoms"),
        ("how do doctors test for leaky gut", "diagnosis"),
        ("where does your information come from", "sources"),
        ("thank you so much", "thanks"),
        ("bye", "goodbye"),
        ("what can you do", "help"),
        ("are you a doctor", "about"),
    ],
)
async def test_a_question_per_topic_gets_its_answer_with_source(
    bot_chat: BotChat, services, question: str, answer_id: str
):
    [reply] = await bot_chat.send(question)
    answer = services.kb.answers[answer_id]
    assert answer.body in reply.text
    if answer.sources:
        assert "Source: " in bot_chat.text()
    # One button per related answer, in order: "a:<id>", or "go:<dialog>" for a dialog's intro.
    expected = [services.replies.button(related).data for related in answer.related]
    related, votes = reply.data[: len(expected)], reply.data[len(expected) :]
    assert related == expected
    small_talk = answer.kind == "conversation"  # no 👍 / 👎 under "You're welcome"
    assert [v[:4] for v in votes] == ([] if small_talk else ["v:+:", "v:-:"])
    pairs = zip(expected, answer.related, strict=True)
    assert all(d == f"a:{r}" or d.startswith("go:") for d, r in pairs)


async def test_urgent_wording_wins_over_everything_else(bot_chat: BotChat, kb):
    [reply] = await bot_chat.send(
        "how much glutamine should i take, also there is blood in my stool"
    )
    assert kb.answers["urgent"].body in reply.text


@pytest.mark.parametrize(
    "text",
    [
        "i want to kill myself",
        "honestly I don't want to live anymore",
        "my friend says she is suicidal, what do I do",
        "does glutamine help? i keep thinking about ending my life",
        "i am going to hang myself",
        "i took an overdose because i want to die",  # the crisis answer says: emergency too
    ],
)
async def test_thoughts_of_suicide_get_the_crisis_answer_first(bot_chat: BotChat, kb, text: str):
    [reply] = await bot_chat.send(text)
    assert kb.answers["urgent.crisis"].body in reply.text
    assert "116 123" in reply.text and "988" in reply.text  # the lines to call
    assert "Source: NHS: Help for suicidal thoughts" in html.to_plain(reply.text)
    assert not any(d.startswith("v:") for d in reply.data)  # nothing to vote on
    tables = await table_rows(f"sqlite:///{bot_chat.application.persistence.store.path}")
    assert tables["feedback_questions"] == []  # nor kept, not even waiting for a vote


async def test_an_injury_or_a_figure_of_speech_is_no_crisis(bot_chat: BotChat, kb):
    for text in (
        "I hurt myself at the gym, can glutamine help",
        "this diet is killing me",
        "can i harm myself taking 40 g of glutamine a day",
        "i don't want to die from leaky gut, what helps",
    ):
        [reply] = await bot_chat.send(text)
        assert kb.answers["urgent.crisis"].body not in reply.text, text


async def test_a_did_you_mean_about_a_crisis_answers_it_and_keeps_nothing(bot_chat: BotChat, kb):
    # read, not a red flag's words: the first offer was the crisis answer, so it is given
    [reply] = await bot_chat.send("everything feels pointless")
    assert kb.answers["urgent.crisis"].body in reply.text
    assert kb.message("clarify") not in reply.text  # no choice of buttons first
    await bot_chat.send("chest pain")  # other urgent offers may stay a "did you mean"
    assert "Get help now" in bot_chat.text() + " ".join(bot_chat.buttons())
    tables = await table_rows(f"sqlite:///{bot_chat.application.persistence.store.path}")
    assert tables["feedback_questions"] == []


async def test_greeting_is_answered(bot_chat: BotChat, kb):
    await bot_chat.send("hi")
    assert "Hello!" in bot_chat.text()


async def test_out_of_scope_question_gets_honest_fallback_with_topics(bot_chat: BotChat, kb):
    [reply] = await bot_chat.send("what's the weather in paris tomorrow")
    assert "outside what I know" in reply.text
    assert len(reply.labels) == len(MENU_TOPICS)


async def test_ambiguous_question_asks_did_you_mean(bot_chat: BotChat, matcher):
    text = "leaky gut glutamine"
    decision = matcher.match(text)
    assert decision.decision == "clarify", decision
    [reply] = await bot_chat.send(text)
    assert "Did you mean" in reply.text
    assert 1 <= len(reply.labels) <= 3


async def test_tapping_a_related_button_answers_the_query_and_sends_the_answer(
    bot_chat: BotChat, kb
):
    await bot_chat.send("how much glutamine should i take")
    title = kb.answers["dose.infants"].title
    [reply] = await bot_chat.press(title)
    assert kb.answers["dose.infants"].body in reply.text
    assert bot_chat.standin.callback_answers, "the button's spinner was never stopped"


async def test_topics_command_and_topics_button(bot_chat: BotChat, kb):
    [menu] = await bot_chat.send("/topics")
    assert kb.answers["causes"].title in menu.labels
    [reply] = await bot_chat.press(kb.answers["causes"].title)
    assert kb.answers["causes"].body in reply.text


async def test_sources_lists_every_cited_publication(bot_chat: BotChat, kb):
    await bot_chat.send("/sources")
    text = bot_chat.text()
    for source in kb.sources.values():
        assert source.citation in text


@pytest.mark.parametrize(("command", "answer_id"), [("/help", "help"), ("/about", "about")])
async def test_help_and_about(bot_chat: BotChat, kb, command: str, answer_id: str):
    [reply] = await bot_chat.send(command)
    assert kb.answers[answer_id].body in reply.text


async def test_cancel_without_a_dialog_says_so(bot_chat: BotChat):
    await bot_chat.send("/cancel")
    assert "nothing to cancel" in bot_chat.text()


async def test_unknown_command_is_named_escaped(bot_chat: BotChat):
    await bot_chat.send("/<b>boom</b>")
    assert "&lt;b&gt;boom" in bot_chat.last[0].text
    assert "/help" in bot_chat.text()


@pytest.mark.parametrize(
    "extra",
    [
        STICKER,
        {"photo": [{"file_id": "p", "file_unique_id": "p", "width": 1, "height": 1}]},
        {"voice": {"file_id": "v", "file_unique_id": "v", "duration": 1}},
        {"document": {"file_id": "d", "file_unique_id": "d"}},
        {"location": {"latitude": 1.0, "longitude": 2.0}},
    ],
    ids=["sticker", "photo", "voice", "document", "location"],
)
async def test_non_text_messages_get_a_kind_sentence(bot_chat: BotChat, extra: dict):
    await bot_chat.send(None, extra=extra)
    assert "only read text" in bot_chat.text()


async def test_edited_messages_and_channel_posts_are_ignored(bot_chat: BotChat):
    assert (
        await bot_chat.feed(
            bot_chat.standin.message_update("what is glutamine", kind="edited_message")
        )
        == []
    )
    channel_post = bot_chat.standin.message_update("what is glutamine", kind="channel_post")
    channel_post["channel_post"]["chat"] = {"id": -100777, "type": "channel", "title": "News"}
    del channel_post["channel_post"]["from"]
    assert await bot_chat.feed(channel_post) == []


async def test_in_groups_only_commands_mentions_and_replies_are_answered(bot_chat: BotChat, kb):
    assert await bot_chat.send("what is glutamine", chat_id=GROUP) == []
    assert await bot_chat.send("/topics@OtherBot", chat_id=GROUP) == []
    [menu] = await bot_chat.send(f"/topics@{BOT_USERNAME}", chat_id=GROUP)
    assert menu.reply_to is not None, "in a group the bot quotes the message it answers"
    [reply] = await bot_chat.send(f"@{BOT_USERNAME} what is glutamine", chat_id=GROUP)
    assert kb.answers["glutamine"].body in reply.text
    [reply] = await bot_chat.send("how much glutamine per day?", chat_id=GROUP, reply_to=reply)
    assert kb.answers["dose"].body in reply.text
    assert await bot_chat.send(None, chat_id=GROUP, extra=STICKER) == []


@pytest.mark.parametrize(
    "text",
    [
        "<script>alert(1)</script>",
        "&&& <<< >>>",
        "\x00\x01\x02 binary",
        "🙂🙂🙂",
        "??!!",
        "a",
        "Как принимать глютамин?",
        "x" * 5000,
        "' OR 1=1; DROP TABLE users; --",
    ],
    ids=[
        "html",
        "entities",
        "binary",
        "emoji",
        "punctuation",
        "one-letter",
        "cyrillic",
        "huge",
        "sql",
    ],
)
async def test_hostile_or_empty_input_gets_a_short_kind_answer(bot_chat: BotChat, text: str):
    replies = await bot_chat.send(text)
    assert len(replies) == 1
    assert "went wrong" not in replies[0].text
    assert len(replies[0].text) < 1500


async def test_other_alphabet_is_told_the_bot_reads_english(bot_chat: BotChat):
    await bot_chat.send("Как принимать глютамин?")
    assert "only read English" in bot_chat.text()


async def test_error_handler_apologises_without_a_traceback(bot_chat: BotChat):
    bot_chat.standin.fail_next.append(("sendMessage", BotAPIError(400, "Bad Request: boom")))
    replies = await bot_chat.send("what is glutamine")
    assert len(replies) == 1
    assert "Sorry, something went wrong" in replies[0].text
    assert "Traceback" not in replies[0].text and "boom" not in replies[0].text


async def test_a_user_who_blocked_the_bot_is_not_retried(bot_chat: BotChat):
    blocked = BotAPIError(403, "Forbidden: bot was blocked by the user")
    bot_chat.standin.fail_next.append(("sendMessage", blocked))
    assert await bot_chat.send("what is glutamine") == []
    attempts = [m for m, _ in bot_chat.standin.calls if m == "sendMessage"]
    assert len(attempts) == 1


async def test_stale_dialog_button_is_explained(bot_chat: BotChat):
    await bot_chat.send("/topics")
    await bot_chat.press_data("d:yes")
    assert "older message" in bot_chat.text()


def test_html_check_accepts_escaped_and_refuses_bare_brackets():
    from bot.html import problems

    assert problems("a &lt;b&gt; &amp; c") == []
    assert problems("a < b") != []
    assert problems("<b>open") == ["<b> is never closed"]
