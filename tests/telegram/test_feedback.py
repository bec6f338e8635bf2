"""👍 / 👎 under answers and the questions kept for the curators, through the real bot.

Every wording here is written for these tests.
"""

from __future__ import annotations

import time
from pathlib import Path

from bot import html
from bot.config import Settings
from bot.storage import SQLiteStore, Store
from bot.storage import feedback as feedback_module
from bot.storage.feedback import KeptQuestion
from tests.conftest import GROUP, PRIVATE, BotChat, running_bot
from tests.storage.databases import table_rows
from tests.support.standin import STAND_IN_TOKEN, BotAPIStandIn

DOSE_QUESTION = "how many grams of glutamine per day"
DECLINED = "do collagen powders heal the gut"
UNSURE = "leaky gut glutamine"


def store_of(chat: BotChat) -> Store:
    return chat.application.persistence.store


def votes_on(chat: BotChat) -> list[str]:
    """The callback data of the vote buttons on the newest message that has some."""
    for sent in reversed(chat.standin.sent):
        data = [d for d in sent.data if d.startswith("v:")]
        if data:
            return data
    return []


async def test_an_answer_carries_a_vote_pair_within_64_bytes(bot_chat: BotChat, kb):
    [reply] = await bot_chat.send(DOSE_QUESTION)
    assert reply.buttons[-1] and [b["text"] for b in reply.buttons[-1]] == ["👍", "👎"]
    assert all(len(d.encode()) <= 64 for d in reply.data)
    assert votes_on(bot_chat)[0].startswith("v:+:dose:")


async def test_menus_small_talk_and_red_flags_carry_no_votes(bot_chat: BotChat):
    for text in ("/start", "/topics", "hi", "thank you so much", "there is blood in my stool"):
        await bot_chat.send(text)
        assert not any(d.startswith("v:") for s in bot_chat.last for d in s.data), text
    await bot_chat.send("/dose")  # a dialog's step is no answer either
    assert not any(d.startswith("v:") for s in bot_chat.last for d in s.data)


async def test_a_thumbs_up_is_counted_once_and_thanked_in_the_same_message(bot_chat: BotChat, kb):
    [answer] = await bot_chat.send(DOSE_QUESTION)
    up = votes_on(bot_chat)[0]
    assert await bot_chat.press("👍") == []  # no new message: the answer itself changes
    [edited] = bot_chat.standin.edited
    assert edited.message_id == answer.message_id
    assert kb.answers["dose"].title in edited.text  # the answer stays
    assert "Thanks for telling me" in edited.text
    assert not any(d.startswith("v:") for d in edited.data)  # the vote row is gone
    assert await store_of(bot_chat).vote_counts() == {"dose": (1, 0)}
    assert await store_of(bot_chat).kept_questions() == []  # a 👍 keeps no question

    await bot_chat.feed(bot_chat.standin.button_update(answer, up))  # tapped again
    assert await store_of(bot_chat).vote_counts() == {"dose": (1, 0)}
    assert "already counted" in bot_chat.standin.edited[-1].text
    toast = bot_chat.standin.callback_answers[-1]["text"]
    assert "already counted" in toast and "<" not in toast  # plain text: no HTML there


async def test_a_thumbs_down_keeps_the_question_and_offers_other_answers(
    bot_chat: BotChat, kb, matcher
):
    decision = matcher.match(DOSE_QUESTION)
    others = [
        kb.answers[kb.intent(c.intent).answer].title
        for c in decision.candidates
        if kb.intent(c.intent).answer != "dose"
    ]
    await bot_chat.send(DOSE_QUESTION)
    await bot_chat.press("👎")
    edited = bot_chat.standin.edited[-1]
    assert "sorry it missed" in edited.text
    offered = edited.labels
    assert offered[-1] == "All topics"
    assert offered[:-1] and set(offered[:-1]) <= set(others) | {
        kb.answers[a].title for a in kb.answers["dose"].related
    } | {"Estimate my dose"}
    [kept] = await store_of(bot_chat).kept_questions()
    assert (kept.text, kept.decision, kept.intent, kept.vote) == (
        DOSE_QUESTION,
        "answer",
        "dose",
        "down",
    )
    assert kept.candidates[0] == ("dose", round(decision.candidates[0].score, 1))
    assert await store_of(bot_chat).vote_counts() == {"dose": (0, 1)}
    answer = next(label for label in offered if label != "Estimate my dose")  # not a dialog
    [reply] = await bot_chat.press(answer)  # one of the offered answers, sent anew
    assert any(d.startswith("v:") for d in reply.data)


async def test_a_vote_button_still_works_after_a_restart(tmp_path: Path):
    standin = BotAPIStandIn()
    async with running_bot(standin, tmp_path / "bot.sqlite3") as chat:
        await chat.send(DOSE_QUESTION)
    async with running_bot(standin, tmp_path / "bot.sqlite3") as chat:
        await chat.press("👎")
        assert "sorry it missed" in standin.edited[-1].text
        [kept] = await store_of(chat).kept_questions()
        assert kept.text == DOSE_QUESTION


async def test_a_vote_for_an_answer_that_no_longer_exists_is_declined_kindly(bot_chat: BotChat, kb):
    [answer] = await bot_chat.send(DOSE_QUESTION)
    key = bot_chat.application.feedback.keys.new("dose.removed_since")  # made by this bot
    [reply] = await bot_chat.press_data(f"v:-:dose.removed_since:{key}")
    assert "changed since you saw it" in reply.text
    [edited] = bot_chat.standin.edited
    assert edited.message_id == answer.message_id and edited.buttons == []
    assert kb.answers["dose"].title in edited.text  # what they read stays
    assert await store_of(bot_chat).vote_counts() == {}


async def test_forged_vote_data_gets_a_kind_reply_and_changes_nothing(bot_chat: BotChat, kb):
    await bot_chat.send(DOSE_QUESTION)
    real = votes_on(bot_chat)[1]  # 👎 on this answer, as the bot made it
    made_up = real[:-4] + ("AAAA" if real[-4:] != "AAAA" else "BBBB")
    moved = real.replace(":dose:", ":safety:")  # a real key, on another answer
    for forged in (
        "v:",
        "v:+:dose",
        "v:?:dose:AbCdEfGhIjKlMnOp",
        "v:+:dose:short",
        "v:+:DOSE:x" * 5,
        made_up,
        moved,
        "v:-:dose:AbCdEfGhIjKlMnOp",
    ):
        [reply] = await bot_chat.press_data(forged)
        assert reply.text == kb.message("expired_button"), forged
    assert await store_of(bot_chat).vote_counts() == {}
    assert bot_chat.standin.edited == []


async def test_a_vote_in_the_middle_of_a_dialog_leaves_the_dialog_where_it_was(
    bot_chat: BotChat,
):
    await bot_chat.send(DOSE_QUESTION)
    await bot_chat.send("/dose")
    assert "What is your body weight?" in bot_chat.text()
    await bot_chat.press("👍")
    await bot_chat.send("80 kg")
    assert "So you weigh 80 kg" in bot_chat.text()


async def test_an_answer_opened_by_a_button_carries_votes_too(bot_chat: BotChat, kb):
    await bot_chat.send(DOSE_QUESTION)
    [reply] = await bot_chat.press(kb.answers["dose.infants"].title)
    assert [d[:4] for d in reply.data[-2:]] == ["v:+:", "v:-:"]
    await bot_chat.press("👎")
    assert await store_of(bot_chat).vote_counts() == {"dose.infants": (0, 1)}
    assert await store_of(bot_chat).kept_questions() == []  # a button holds no question


# -- what is kept for the curators, and what is not ------------------------------------------


async def test_declined_and_unsure_questions_are_kept_without_anyone_s_id(tmp_path: Path, matcher):
    user, group_user = 918273645, 564738291
    database = tmp_path / "bot.sqlite3"
    async with running_bot(BotAPIStandIn(), database) as chat:
        chat.chat_id = user
        await chat.send(DECLINED, first_name="Zebedee")
        await chat.send(UNSURE, first_name="Zebedee")
        await chat.send("ok")  # too short to learn from
        await chat.send("blood in my stool, should I take glutamine")  # a red flag
        await chat.send(DOSE_QUESTION)  # answered, no vote yet: waits, not for the curators
        await chat.send(
            f"@{chat.application.bot.username} {DECLINED} please",
            chat_id=GROUP,
            user_id=group_user,
            first_name="Ysolde",
        )
        kept = await store_of(chat).kept_questions()
        assert [(q.text, q.decision) for q in kept] == [
            (DECLINED, "fallback"),
            (UNSURE, "clarify"),
            (f"{DECLINED} please", "fallback"),  # the mention is not part of the question
        ]
        unsure = matcher.match(UNSURE)
        assert kept[1].candidates == tuple((c.intent, round(c.score, 1)) for c in unsure.candidates)
    tables = await table_rows(f"sqlite:///{database}")
    kept_rows = repr(tables["feedback_questions"] + tables["feedback_votes"])
    for secret in (str(user), str(group_user), str(GROUP), "Zebedee", "Ysolde"):
        assert secret not in kept_rows, secret
    stored = repr(tables)
    assert "blood in my stool" not in stored
    assert "'ok'" not in stored


def test_the_html_of_every_feedback_text_is_what_telegram_takes(kb):
    for key in ("vote_thanks", "vote_sorry", "vote_counted", "vote_stale", "forget_confirm"):
        assert html.problems(kb.message(key)) == [], key
    assert html.problems(kb.message("privacy", days=90, per_person=20)) == []


async def test_questions_past_the_retention_are_deleted_at_start_up(tmp_path: Path, monkeypatch):

    database = tmp_path / "bot.sqlite3"
    real = time.time
    async with SQLiteStore(database) as store:
        monkeypatch.setattr(feedback_module.time, "time", lambda: real() - 91 * 24 * 3600)
        await store.keep_question(KeptQuestion("old000000000", "long ago", "fallback", None, 0, ()))
        monkeypatch.undo()
        await store.keep_question(KeptQuestion("new000000000", "lately", "fallback", None, 0, ()))
    async with running_bot(BotAPIStandIn(), database) as chat:
        assert [q.text for q in await store_of(chat).kept_questions()] == ["lately"]
        # hourly, so a question waiting a day for its vote goes within the hour after
        jobs = chat.application.job_queue.get_jobs_by_name("feedback-purge")
        assert len(jobs) == 1 and jobs[0].job.trigger.interval.total_seconds() <= 3600


OFF_TOPIC = [f"do {thing} powders heal the gut" for thing in ("collagen", "bone broth", "whey")]


async def ask_off_topic(chat: BotChat, times: int, prefix: str = "", **kwargs) -> None:
    for n in range(times):
        await chat.send(f"{prefix}{OFF_TOPIC[n % 3]} if taken {n + 1} times", **kwargs)
        assert "that's outside what I know" in chat.text(), n  # answered all the same


async def test_one_person_has_20_questions_kept_a_day_and_every_one_answered(bot_chat: BotChat):
    await ask_off_topic(bot_chat, 25)
    assert len(await store_of(bot_chat).kept_questions()) == 20  # one person cannot flood it
    await bot_chat.send(DECLINED, chat_id=PRIVATE + 1)
    assert len(await store_of(bot_chat).kept_questions()) == 21  # nor crowd out the others


async def test_in_a_group_each_member_has_a_quota_of_their_own(bot_chat: BotChat):
    mention = f"@{bot_chat.application.bot.username}"
    await ask_off_topic(bot_chat, 21, f"{mention} ", chat_id=GROUP, user_id=PRIVATE + 5)
    await bot_chat.send(f"{mention} {DECLINED}", chat_id=GROUP, user_id=PRIVATE + 6)
    kept = [q.text for q in await store_of(bot_chat).kept_questions()]
    assert len(kept) == 21 and kept[-1] == DECLINED


async def test_answers_use_none_of_the_room_the_declined_questions_need(tmp_path: Path):
    settings = Settings(token=STAND_IN_TOKEN, feedback_daily_limit=2)
    async with running_bot(BotAPIStandIn(), tmp_path / "bot.sqlite3", settings=settings) as chat:
        for user in range(3):  # three answers wait for a vote (two of them may)
            await chat.send(DOSE_QUESTION, chat_id=PRIVATE + user)
        await chat.send(DECLINED, chat_id=PRIVATE + 3)
        assert [q.text for q in await store_of(chat).kept_questions()] == [DECLINED]


async def test_a_thumbs_down_past_the_quota_counts_but_keeps_nothing(bot_chat: BotChat):
    await ask_off_topic(bot_chat, 20)
    await bot_chat.send(DOSE_QUESTION)
    await bot_chat.press("👎")
    edited = bot_chat.standin.edited[-1]
    assert "sorry it missed" in edited.text and edited.buttons  # closer answers offered
    assert await store_of(bot_chat).vote_counts() == {"dose": (0, 1)}
    kept = await store_of(bot_chat).kept_questions()
    assert len(kept) == 20 and DOSE_QUESTION not in [q.text for q in kept]


async def test_no_more_than_the_daily_limit_is_kept_from_every_chat(tmp_path: Path):
    settings = Settings(token=STAND_IN_TOKEN, feedback_daily_limit=4)
    async with running_bot(BotAPIStandIn(), tmp_path / "bot.sqlite3", settings=settings) as chat:
        for user in range(3):
            for text in OFF_TOPIC[:2]:
                replies = await chat.send(text, chat_id=PRIVATE + user)
                assert len(replies) == 1 and replies[0].text, (user, text)
        kept = await store_of(chat).kept_questions()
        assert [q.text for q in kept] == OFF_TOPIC[:2] * 2  # the first four, then no more


async def test_forget_does_not_reset_the_quota_of_kept_questions(bot_chat: BotChat):
    await ask_off_topic(bot_chat, 20)
    await bot_chat.send("/forget")
    await bot_chat.press("Yes, delete it")
    await bot_chat.send(DECLINED)  # else /forget would be a way round the quota
    assert len(await store_of(bot_chat).kept_questions()) == 20
