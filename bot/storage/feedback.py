"""What the curators learn from: kept questions and 👍/👎 votes, with no user or chat id.

Two tables (schema migration 2). `feedback_questions` holds questions by a random key (the one
the answer's vote buttons carry, bot.feedback.VoteKeys): declined ones and "did you mean" ones
for the retention (90 days by default), and answered ones only while a vote may come
(VOTE_WINDOW): a 👍 deletes the question at once, a 👎 keeps it for the retention, no vote lets
it expire. `feedback_votes` holds each vote's key, answer id and time, so a second tap is
recognised and the 👎 rate per answer can be counted; votes expire with the retention too.
A daily limit (FEEDBACK_DAILY_LIMIT) holds twice in any 24 hours: for questions kept for the
curators (declined, "did you mean", answered with a 👎) and, apart, for answered ones waiting
for a vote; so a flood of messages cannot grow the table without bound, and ordinary answers
cannot use up the room of the questions the curators need. Nothing here names who asked.

A mixin of bot.storage.store.Store: the SQL is the same on both backends.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.storage.store import Transaction

UP, DOWN = "up", "down"
ANSWERED = "answer"  # the decision of a question that got an answer
VOTE_WINDOW = 24 * 3600.0  # seconds an answered question waits for a vote before it is deleted
DAY = 24 * 3600.0

_COLUMNS = "key, text, decision, intent, score, candidates, answer_id, vote, asked_at"
# The two kinds of rows the daily limit counts apart (parameter: ANSWERED).
_KEPT = "(decision <> ? OR vote IS NOT NULL)"  # what the curators see (kept_questions)
_WAITING = "(decision = ? AND vote IS NULL)"  # answered, waiting for a vote


@dataclass(frozen=True)
class KeptQuestion:
    """One question kept for the curators: what was asked and what the bot made of it."""

    key: str
    text: str
    decision: str  # answer, clarify or fallback
    intent: str | None  # the nearest intent
    score: float
    candidates: tuple[tuple[str, float], ...]  # (intent, score), best first
    answer_id: str | None = None  # the answer sent, for an answered question
    vote: str | None = None  # DOWN once a 👎 came; None while an answer waits for a vote
    asked_at: float = 0.0  # seconds since the epoch

    @property
    def pending(self) -> bool:
        """An answered question with no vote yet: kept only for VOTE_WINDOW."""
        return self.decision == ANSWERED and self.vote is None


@dataclass(frozen=True)
class VoteOutcome:
    counted: bool  # False: this button's vote was counted before
    question: KeptQuestion | None  # the question the answer was for, if it is still kept


@dataclass(frozen=True)
class Purged:
    questions: int
    votes: int


def _row(row: tuple) -> KeptQuestion:
    key, text, decision, intent, score, candidates, answer_id, vote, asked_at = row
    pairs = tuple((str(i), float(s)) for i, s in json.loads(candidates))
    return KeptQuestion(
        key, text, decision, intent, float(score), pairs, answer_id, vote, float(asked_at)
    )


class FeedbackStore:
    """The Store's queries for kept questions and votes (see the module's doc)."""

    # The Store's (bot.storage.store), annotated for the reader and the type checker.
    _attempts: Callable[..., Awaitable[Any]]
    _fetch: Callable[..., Awaitable[list[tuple]]]
    _write: Callable[..., Awaitable[Any]]

    async def keep_question(self, question: KeptQuestion, daily_limit: int | None = None) -> bool:
        """Keep a question (its key unique), unless `daily_limit` of its kind (kept, or
        waiting for a vote) came in the last 24 hours. False: not kept."""
        return (await self.keep_questions([question], daily_limit))[question.key]

    async def keep_questions(
        self, questions: Sequence[KeptQuestion], daily_limit: int | None = None
    ) -> dict[str, bool]:
        """keep_question for many at once, in one transaction (the bot keeps the questions of
        updates handled at the same time together); expired waiting questions go in the same
        breath. Whether each was kept, by key."""
        now = time.time()

        async def work(tx: Transaction) -> dict[str, bool]:
            await _drop_unvoted(tx, now)
            room: dict[str, float] = {}  # per kind: how many more may come in today
            kept: dict[str, bool] = {}
            for question in questions:
                kind = _WAITING if question.pending else _KEPT
                if kind not in room and daily_limit is None:
                    room[kind] = math.inf
                elif kind not in room:
                    room[kind] = daily_limit - await _count(tx, kind, now)
                kept[question.key] = room[kind] > 0
                if kept[question.key]:
                    room[kind] -= 1
                    await _insert(tx, question, now)
            return kept

        return await self._write(work)

    async def record_vote(
        self, key: str, answer_id: str, vote: str, keep: bool = True, daily_limit: int | None = None
    ) -> VoteOutcome:
        """Count one vote per key: a 👍 deletes the question, a 👎 keeps it for the curators,
        unless `keep` is False or `daily_limit` questions were kept in the last 24 hours: then
        it is deleted too. The outcome carries the question as it was, for the reply."""
        now = time.time()

        async def work(tx: Transaction) -> VoteOutcome:
            added = await tx.execute(
                "INSERT INTO feedback_votes (key, answer_id, vote, voted_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (key) DO NOTHING",
                key,
                answer_id,
                vote,
                now,
            )
            sql = f"SELECT {_COLUMNS} FROM feedback_questions WHERE key = ?"  # noqa: S608
            rows = await tx.fetch(sql, key)
            question = _row(rows[0]) if rows else None
            drop = vote == UP or not keep  # else a 👎 keeps it, if there is room today
            if added and not drop and daily_limit is not None:
                drop = await _count(tx, _KEPT, now) >= daily_limit
            if added and drop:
                sql = "DELETE FROM feedback_questions WHERE key = ? AND decision = ?"
                await tx.execute(sql, key, ANSWERED)
            elif added:
                sql = "UPDATE feedback_questions SET vote = ? WHERE key = ?"
                await tx.execute(sql, DOWN, key)
            return VoteOutcome(bool(added), question)

        return await self._write(work)

    async def kept_questions(self) -> list[KeptQuestion]:
        """The questions kept for the curators (not those still waiting for a vote), oldest
        first."""
        sql = (
            f"SELECT {_COLUMNS} FROM feedback_questions "  # noqa: S608 - fixed names
            "WHERE decision <> ? OR vote IS NOT NULL ORDER BY asked_at, key"
        )
        rows = await self._attempts(lambda: self._fetch(sql, ANSWERED))
        return [_row(row) for row in rows]

    async def vote_counts(self) -> dict[str, tuple[int, int]]:
        """(👍, 👎) per answer id."""
        sql = "SELECT answer_id, vote, COUNT(*) FROM feedback_votes GROUP BY answer_id, vote"
        rows = await self._attempts(lambda: self._fetch(sql))
        counts: dict[str, list[int]] = {}
        for answer_id, vote, count in rows:
            pair = counts.setdefault(answer_id, [0, 0])
            pair[0 if vote == UP else 1] += int(count)
        return {answer_id: (up, down) for answer_id, (up, down) in counts.items()}

    async def purge_feedback(self, retention_days: float) -> Purged:
        """Delete what is older than the retention, and answered questions no vote came for."""
        now = time.time()
        oldest = now - retention_days * DAY

        async def work(tx: Transaction) -> Purged:
            sql = "DELETE FROM feedback_questions WHERE asked_at < ?"
            questions = await tx.execute(sql, oldest)
            questions += await _drop_unvoted(tx, now)
            votes = await tx.execute("DELETE FROM feedback_votes WHERE voted_at < ?", oldest)
            return Purged(questions, votes)

        return await self._write(work)


async def _insert(tx: Transaction, question: KeptQuestion, now: float) -> None:
    await tx.execute(
        f"INSERT INTO feedback_questions ({_COLUMNS}) "  # noqa: S608 - fixed names
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING",
        question.key,
        question.text,
        question.decision,
        question.intent,
        float(question.score),
        json.dumps([list(pair) for pair in question.candidates]),
        question.answer_id,
        question.vote,
        float(question.asked_at or now),
    )


async def _count(tx: Transaction, kind: str, now: float) -> int:
    """How many questions of a kind (_KEPT or _WAITING) came in the last 24 hours."""
    sql = f"SELECT COUNT(*) FROM feedback_questions WHERE {kind} AND asked_at >= ?"  # noqa: S608
    rows = await tx.fetch(sql, ANSWERED, now - DAY)
    return int(rows[0][0])


async def _drop_unvoted(tx: Transaction, now: float) -> int:
    """Answered questions whose vote window has passed with no vote: their text goes."""
    sql = "DELETE FROM feedback_questions WHERE decision = ? AND vote IS NULL AND asked_at < ?"
    return await tx.execute(sql, ANSWERED, now - VOTE_WINDOW)
