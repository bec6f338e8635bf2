"""Kept questions and votes on both backends: what stays, for how long, and votes counted once."""

from __future__ import annotations

import time

from bot.storage import Store
from bot.storage import feedback as feedback_module
from bot.storage.feedback import DOWN, UP, VOTE_WINDOW, KeptQuestion
from tests.storage.databases import table_rows

DAY = 24 * 3600


def question(key: str, text: str, decision: str = "fallback", **fields) -> KeptQuestion:
    values = {
        "intent": "dose",
        "score": 31.5,
        "candidates": (("dose", 31.5), ("safety", 22.0)),
        "answer_id": "dose" if decision == "answer" else None,
    }
    values.update(fields)
    return KeptQuestion(key, text, decision, **values)


def backdate(monkeypatch, seconds: float) -> None:
    real = time.time
    monkeypatch.setattr(feedback_module.time, "time", lambda: real() - seconds)


async def test_kept_questions_come_back_as_they_were(store: Store):
    await store.keep_question(question("k1aaaaaaaaaa", "is glutamine vegan ünïcode 🙂"))
    await store.keep_question(question("k2aaaaaaaaaa", "leaky gut glutamine", "clarify"))
    kept = await store.kept_questions()
    assert [(q.key, q.text, q.decision) for q in kept] == [
        ("k1aaaaaaaaaa", "is glutamine vegan ünïcode 🙂", "fallback"),
        ("k2aaaaaaaaaa", "leaky gut glutamine", "clarify"),
    ]
    assert kept[0].candidates == (("dose", 31.5), ("safety", 22.0))
    assert abs(kept[0].asked_at - time.time()) < 60


async def test_an_answered_question_waits_for_its_vote_out_of_sight(store: Store):
    await store.keep_question(question("a1aaaaaaaaaa", "how much per day", "answer"))
    assert await store.kept_questions() == []  # not for the curators unless 👎


async def test_a_thumbs_up_deletes_the_question_and_counts_once(store: Store, database_url):
    await store.keep_question(question("a1aaaaaaaaaa", "how much per day", "answer"))
    first = await store.record_vote("a1aaaaaaaaaa", "dose", UP)
    assert first.counted and first.question.text == "how much per day"
    again = await store.record_vote("a1aaaaaaaaaa", "dose", DOWN)  # the other button, later
    assert not again.counted
    assert await store.vote_counts() == {"dose": (1, 0)}
    assert (await table_rows(database_url))["feedback_questions"] == []


async def test_a_thumbs_down_keeps_the_question_for_the_curators(store: Store):
    await store.keep_question(question("a1aaaaaaaaaa", "how much per day", "answer"))
    await store.record_vote("a1aaaaaaaaaa", "dose", DOWN)
    await store.record_vote("b1aaaaaaaaaa", "dose", UP)  # a button answer: no question
    [kept] = await store.kept_questions()
    assert (kept.text, kept.vote, kept.answer_id) == ("how much per day", DOWN, "dose")
    assert await store.vote_counts() == {"dose": (1, 1)}


async def test_unvoted_answers_go_after_the_vote_window(store: Store, monkeypatch, database_url):
    backdate(monkeypatch, VOTE_WINDOW + 60)
    await store.keep_question(question("a1aaaaaaaaaa", "old, never voted", "answer"))
    await store.keep_question(question("f1aaaaaaaaaa", "old but declined"))
    monkeypatch.undo()
    await store.keep_question(question("a2aaaaaaaaaa", "new, no vote yet", "answer"))
    texts = [row[1] for row in (await table_rows(database_url))["feedback_questions"]]
    assert sorted(texts) == ["new, no vote yet", "old but declined"]
    outcome = await store.record_vote("a1aaaaaaaaaa", "dose", DOWN)  # a late 👎 still counts
    assert outcome.counted and outcome.question is None


async def test_everything_goes_after_the_retention(store: Store, monkeypatch, database_url):
    backdate(monkeypatch, 31 * DAY)
    await store.keep_question(question("f1aaaaaaaaaa", "a month old"))
    await store.keep_question(question("a1aaaaaaaaaa", "a month old, 👎", "answer"))
    await store.record_vote("a1aaaaaaaaaa", "dose", DOWN)
    monkeypatch.undo()
    backdate(monkeypatch, 29 * DAY)
    await store.keep_question(question("f2aaaaaaaaaa", "four weeks old"))
    await store.record_vote("b2aaaaaaaaaa", "safety", UP)
    monkeypatch.undo()

    purged = await store.purge_feedback(30)
    assert (purged.questions, purged.votes) == (2, 1)
    assert [q.text for q in await store.kept_questions()] == ["four weeks old"]
    assert await store.vote_counts() == {"safety": (1, 0)}
    purged = await store.purge_feedback(28)
    assert await store.kept_questions() == [] and await store.vote_counts() == {}
    rows = await table_rows(database_url)
    assert rows["feedback_questions"] == [] and rows["feedback_votes"] == []


async def test_the_tables_have_no_column_for_a_person(store: Store, database_url):
    await store.keep_question(question("f1aaaaaaaaaa", "anything"))
    await store.record_vote("f1aaaaaaaaaa", "dose", DOWN)
    rows = await table_rows(database_url)
    # key, text, decision, intent, score, candidates, answer_id, vote, asked_at: nothing else
    assert len(rows["feedback_questions"][0]) == 9
    assert len(rows["feedback_votes"][0]) == 4  # key, answer_id, vote, voted_at


async def test_no_more_than_the_daily_limit_is_kept_in_24_hours(store: Store, monkeypatch):
    backdate(monkeypatch, DAY + 60)  # yesterday's questions do not count against today
    for n in range(3):
        assert await store.keep_question(question(f"y{n}aaaaaaaaaa", f"yesterday {n}"))
    monkeypatch.undo()
    assert await store.keep_question(question("t1aaaaaaaaaa", "today one"), 2)
    assert await store.keep_question(question("t2aaaaaaaaaa", "today two", "clarify"), 2)
    assert not await store.keep_question(question("t3aaaaaaaaaa", "today three"), 2)
    assert not await store.keep_question(question("t4aaaaaaaaaa", "today four"), 0)
    texts = sorted(q.text for q in await store.kept_questions())
    assert texts == ["today one", "today two", "yesterday 0", "yesterday 1", "yesterday 2"]
    assert await store.keep_question(question("t5aaaaaaaaaa", "no limit given"))


async def test_answers_waiting_for_a_vote_count_apart_from_the_kept(store: Store):
    for n in range(2):  # two answers waiting: the limit of their own kind
        assert await store.keep_question(question(f"a{n}aaaaaaaaaa", f"waits {n}", "answer"), 2)
    assert not await store.keep_question(question("a2aaaaaaaaaa", "waits 2", "answer"), 2)
    assert await store.keep_question(question("f1aaaaaaaaaa", "declined one"), 2)  # still room
    assert await store.keep_question(question("f2aaaaaaaaaa", "declined two"), 2)
    assert not await store.keep_question(question("f3aaaaaaaaaa", "declined three"), 2)
    # the curators' room is full: a 👎 counts, but the question it was for is not kept
    outcome = await store.record_vote("a0aaaaaaaaaa", "dose", DOWN, daily_limit=2)
    assert outcome.counted and outcome.question and outcome.question.text == "waits 0"
    assert sorted(q.text for q in await store.kept_questions()) == ["declined one", "declined two"]
    assert await store.vote_counts() == {"dose": (0, 1)}


async def test_a_thumbs_down_told_not_to_keep_deletes_the_question(store: Store, database_url):
    await store.keep_question(question("a1aaaaaaaaaa", "how much per day", "answer"))
    outcome = await store.record_vote("a1aaaaaaaaaa", "dose", DOWN, keep=False)
    assert outcome.counted and outcome.question and outcome.question.text == "how much per day"
    assert (await table_rows(database_url))["feedback_questions"] == []


async def test_questions_kept_together_share_the_daily_limit(store: Store):
    together = [question(f"b{n}aaaaaaaaaa", f"together {n}") for n in range(3)]
    together.append(question("w1aaaaaaaaaa", "an answer waiting", "answer"))
    kept = await store.keep_questions(together, 2)
    assert kept == {
        "b0aaaaaaaaaa": True,
        "b1aaaaaaaaaa": True,
        "b2aaaaaaaaaa": False,  # the third of its kind, past the limit
        "w1aaaaaaaaaa": True,  # another kind, counted apart
    }
    assert sorted(q.text for q in await store.kept_questions()) == ["together 0", "together 1"]
