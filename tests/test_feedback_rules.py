"""The pure rules of bot.feedback: vote data, what is kept, asking to be forgotten; and the
retention setting."""

from __future__ import annotations

import pytest

from bot.config import SettingsError, from_env
from bot.feedback import (
    KEY_LENGTH,
    PersonQuota,
    VoteKeys,
    asks_to_forget,
    forget_data,
    kept_question,
    parse_forget,
    parse_vote,
    vote_data,
    vote_secret,
    with_votes,
    worth_keeping,
)
from bot.matching import Candidate, Decision
from bot.replies import Reply
from bot.storage.feedback import DOWN, UP

KEYS = VoteKeys(vote_secret("123456:test-token"))


def test_every_answer_s_vote_data_fits_in_64_bytes_and_reads_back(kb):
    for answer_id in kb.answers:
        key = KEYS.new(answer_id)
        assert KEYS.valid(answer_id, key)
        for vote in (UP, DOWN):
            data = vote_data(vote, answer_id, key)
            assert data is not None and len(data.encode()) <= 64, answer_id
            parsed = parse_vote(data)
            assert (parsed.vote, parsed.answer_id, parsed.key) == (vote, answer_id, key)


def test_keys_are_random_and_url_safe():
    keys = {KEYS.new("dose") for _ in range(1000)}
    assert len(keys) == 1000
    assert all(len(k) == KEY_LENGTH and k.replace("-", "").replace("_", "").isalnum() for k in keys)


def test_an_answer_id_too_long_for_the_data_gets_no_vote_row():
    reply = Reply("text")
    assert with_votes(reply, "a" * 60, KEYS.new("dose")) is reply


def test_a_made_up_or_moved_key_is_not_valid():
    key = KEYS.new("dose")
    assert not KEYS.valid("safety", key)  # moved to another answer
    assert not VoteKeys(vote_secret("654321:other-token")).valid("dose", key)  # another bot
    assert not KEYS.valid("dose", key[:-2] + ("AA" if key[-2:] != "AA" else "BB"))
    assert not KEYS.valid("dose", "AbCdEfGhIjKlMnOp")  # well formed, made up
    assert not KEYS.valid("dose", "AbCd")  # not even the length


@pytest.mark.parametrize(
    "data",
    ["", "v:", "v:+", "v:+:dose", "v:+:dose:", "v:*:dose:AbCdEfGhIjKlMnOp",
     "v:+:Dose:AbCdEfGhIjKlMnOp", "v:+:dose:AbCdEfGhIjKlMnO", "v:+:dose:AbCdEfGhIjKlMnOpQ",
     "v:+:dose:AbCd/fGhIjKlMnOp", "a:dose", "v:+:dose:AbCdEfGhIjKlMnOp\n"],
)  # fmt: skip
def test_forged_vote_data_reads_as_nothing(data: str):
    assert parse_vote(data) is None


def test_declined_and_unsure_questions_are_kept_short_long_and_foreign_ones_not():
    assert worth_keeping(Decision("x", "clarify", "dose", 40.0))
    assert worth_keeping(Decision("x", "fallback", None, 20.0, reason="no_match"))
    assert worth_keeping(Decision("x", "fallback", "dose", 30.0, reason="foreign_word"))
    for reason in ("too_short", "empty", "too_long", "not_english"):
        assert not worth_keeping(Decision.declined("x", reason)), reason
    assert not worth_keeping(Decision("x", "answer", "dose", 90.0))  # only after a 👎


def test_a_question_that_may_be_about_an_emergency_is_never_kept():
    offered = (Candidate("goodbye", 50.0), Candidate("urgent.crisis", 30.0))
    assert not worth_keeping(Decision("x", "clarify", "goodbye", 50.0, offered))
    assert not worth_keeping(Decision("x", "fallback", "urgent", 20.0, reason="low_score"))


def test_what_is_kept_of_a_question_is_its_words_and_what_the_bot_made_of_them():
    decision = Decision("ignored", "fallback", None, 12.34)
    kept = kept_question("AbCdEfGhIjKl", decision, "x" * 900)
    assert len(kept.text) == 500 and kept.intent is None and kept.score == 12.3
    assert kept.answer_id is None and kept.vote is None


@pytest.mark.parametrize(
    "text",
    ["/forget me", "delete my data", "Please delete all my data!", "forget me",
     "can you erase everything you know about me", "remove my personal information",
     "wipe my answers", "how do I delete my data?", "forget what I told you",
     "please delete my account", "forget my weight"],
)  # fmt: skip
def test_asking_to_be_forgotten_in_words(text: str):
    assert asks_to_forget(text)


@pytest.mark.parametrize(
    "text",
    ["forget about the dose", "I forgot my dose", "delete", "my data",
     "does glutamine remove toxins", "how do I clear my gut", "remember me",
     "will glutamine clear me up", "can glutamine clear my history of gut problems",
     "does leaky gut erase my information"],
)  # fmt: skip
def test_other_messages_do_not_ask_to_be_forgotten(text: str):
    assert not asks_to_forget(text)


def test_forget_buttons_carry_who_asked_and_nothing_else_reads_as_one():
    assert parse_forget(forget_data("yes", 918273645)) == ("yes", 918273645)
    assert parse_forget(forget_data("no", 7)) == ("no", 7)
    for forged in ("f:", "f:yes", "f:yes:", "f:maybe:1", "f:yes:-1", "f:yes:1x", "v:+:dose:x"):
        assert parse_forget(forged) is None


def test_retention_is_90_days_unless_set():
    assert from_env({}).feedback_retention_days == 90
    assert from_env({"FEEDBACK_RETENTION_DAYS": "30"}).feedback_retention_days == 30


def test_the_daily_limit_of_kept_questions_is_1000_unless_set():
    assert from_env({}).feedback_daily_limit == 1000
    assert from_env({"FEEDBACK_DAILY_LIMIT": "0"}).feedback_daily_limit == 0  # keep none
    for value in ("-1", "many", "1e3", "1000001", "²"):
        with pytest.raises(SettingsError, match="FEEDBACK_DAILY_LIMIT must be a whole number"):
            from_env({"FEEDBACK_DAILY_LIMIT": value})


def test_one_person_has_at_most_their_quota_kept_a_day_and_the_next_day_starts_afresh():
    quota, day = PersonQuota(per_day=3), 24 * 3600
    noon = 20_000 * day + day / 2
    assert [quota.take(7, noon + n) for n in range(5)] == [True, True, True, False, False]
    assert not quota.has_room(7, noon) and quota.has_room(8, noon)  # has_room counts nothing
    assert quota.take(8, noon)  # another person's quota is their own
    assert quota.has_room(7, noon + day / 2) and quota.take(7, noon + day / 2)  # after midnight


@pytest.mark.parametrize("value", ["0", "-5", "ninety", "3651", "1.5", "²"])
def test_a_wrong_retention_stops_start_up_with_one_sentence(value: str):
    with pytest.raises(SettingsError, match="FEEDBACK_RETENTION_DAYS must be a whole number"):
        from_env({"FEEDBACK_RETENTION_DAYS": value})


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("mail me at jo.smith+x@example.com about glutamine", "mail me at <email> about glutamine"),
        ("@johnny95 says take 20 g, is that ok", "<username> says take 20 g, is that ok"),
        ("call me on +44 7700 900123 about my dose", "call me on <number> about my dose"),
        ("is https://example.com/page right about it", "is <link> right about it"),
        ("is 25 g too much for 80kg", "is 25 g too much for 80kg"),  # the question stays whole
    ],
)
def test_what_could_name_or_reach_a_user_is_blanked_before_a_question_is_kept(
    typed: str, kept: str
):
    decision = Decision(typed, "fallback", None, 0.0, reason="low_score")
    assert kept_question("k", decision, typed).text == kept
