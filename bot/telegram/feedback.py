"""👍 / 👎 under answers, the questions kept for the curators, /privacy and /forget.

The rules are in bot.feedback (pure); the queries in bot.storage.feedback. These handlers run
in a group before every other (bot.telegram.app), each ending with ApplicationHandlerStop, so
a vote, /privacy or /forget in the middle of a dialog leaves the dialog where it was.
"""

from __future__ import annotations

import logging
import time
from typing import cast

from telegram import CallbackQuery, Update
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot import html
from bot.config import DEFAULT_DAILY_LIMIT
from bot.feedback import (
    FORGET_DATA,
    VOTE_DATA,
    PersonQuota,
    Vote,
    VoteKeys,
    asks_to_forget,
    closer_answers,
    forget_data,
    kept_question,
    parse_forget,
    parse_vote,
    votable,
    with_votes,
    worth_keeping,
)
from bot.matching import ANSWER, Decision
from bot.replies import TOPICS_DATA, Button, Reply, rows
from bot.services import Services
from bot.storage import StorageError, Store
from bot.storage.feedback import DAY, DOWN, UP, KeptQuestion, VoteOutcome
from bot.telegram.batching import Batch
from bot.telegram.common import NEW, QUESTION, acknowledge, markup, question_text, send
from bot.telegram.forget import forget_user
from bot.telegram.persistence import StorePersistence

_LOGGER = logging.getLogger(__name__)
PURGE_JOB = "feedback-purge"
# Hourly, not daily: an answered question's words must go once its day for a vote is over (as
# /privacy says), even when no new question comes to trigger the clean-up in keep_question.
PURGE_EVERY = 3600.0
TOAST_LENGTH = 200  # characters Telegram shows of a callback query's answer


def _store(application: Application) -> Store | None:
    persistence = application.persistence
    return persistence.store if isinstance(persistence, StorePersistence) else None


class _AsksToForget(filters.MessageFilter):
    """'Delete my data', 'forget me' and the like, said in words."""

    def filter(self, message) -> bool:
        return asks_to_forget(question_text(message))


class Feedback:
    """Votes on answers, the kept questions, /privacy and /forget."""

    def __init__(
        self,
        services: Services,
        retention_days: int,
        secret: bytes,
        daily_limit: int = DEFAULT_DAILY_LIMIT,
    ) -> None:
        self.keys = VoteKeys(secret)  # vote keys are signed: made-up data counts no vote
        self.kb = services.kb
        self.replies = services.replies
        self.retention_days = retention_days
        self.daily_limit = daily_limit  # kept questions in any 24 hours, from everyone
        self.quota = PersonQuota()  # kept questions per person per day, in memory
        self._full_on = -1  # the day (UTC) the daily limit was last logged as reached
        self._keeps: Batch[KeptQuestion] | None = None  # made on first use, on the bot's loop

    # -- what answers carry, what questions leave behind ---------------------------------

    async def question_reply(
        self,
        context: ContextTypes.DEFAULT_TYPE,
        person: int,
        text: str,
        decision: Decision,
        reply: Reply,
        own: Reply,
    ) -> Reply:
        """The reply to a typed question, with vote buttons under an answer; keep the question
        if the curators should see it (see bot.feedback). `own` is the reply the decision
        gives (bot.conversation): a dialog's aside instead of it, or an amount compared instead
        of the answer, is left alone; an answer with buttons for other questions is voted on.
        `person` (who asked: a user id, in memory only) counts against their daily quota when
        the question is kept for the curators; an answer waiting for a vote does not."""
        if reply != own or not own.text.startswith(self.replies.for_decision(decision).text):
            return reply
        answer_id = self.kb.intent(decision.intent).answer if decision.intent else None
        if decision.decision == ANSWER and answer_id and votable(self.kb, answer_id):
            key = self.keys.new(answer_id)
            await self._keep(context, None, kept_question(key, decision, text, answer_id))
            return with_votes(reply, answer_id, key)
        if worth_keeping(decision):
            await self._keep(context, person, kept_question(self.keys.new(""), decision, text))
        return reply

    def button_reply(self, answer_id: str, reply: Reply) -> Reply:
        """An answer opened by a button: vote buttons (there is no question to keep)."""
        if not votable(self.kb, answer_id):
            return reply
        return with_votes(reply, answer_id, self.keys.new(answer_id))

    async def _keep(self, context: ContextTypes.DEFAULT_TYPE, person: int | None, question) -> None:
        """Keep a question, within the person's quota (when given) and the daily limit; past
        them it is answered all the same, only the curators' copy is missed."""
        store, now = _store(context.application), time.time()
        if store is None or self.daily_limit == 0:
            return
        if person is not None and not self.quota.take(person, now):
            return
        try:
            kept = cast("dict[str, bool]", await self._keeps_for(store).submit(question))
            if not kept[question.key]:
                self._limit_reached(now)
        except StorageError as error:  # the answer matters more than the curators' copy
            _LOGGER.warning("could not keep a question for the curators: %s", error)

    def _keeps_for(self, store: Store) -> Batch[KeptQuestion]:
        """The questions of updates handled at the same time share one write (Batch): one
        each would queue in front of the writes that mark updates done."""
        if self._keeps is None:  # one Feedback per application, and one store
            self._keeps = Batch[KeptQuestion](lambda qs: store.keep_questions(qs, self.daily_limit))
        return self._keeps

    def _limit_reached(self, now: float) -> None:
        """Say once a day that the daily limit stops the keeping (not once per message)."""
        if int(now // DAY) != self._full_on:
            self._full_on = int(now // DAY)
            _LOGGER.info(
                "%d questions kept in 24 hours: no more until older ones are a day old",
                self.daily_limit,
            )

    # -- a vote ---------------------------------------------------------------------------

    async def vote(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A 👍 or 👎: count it once, and say thanks in the same message."""
        query = update.callback_query
        vote = parse_vote(query.data or "")
        store = _store(context.application)
        if vote is None or store is None or not self.keys.valid(vote.answer_id, vote.key):
            await acknowledge(query)
            await self._say(update, context, "expired_button")
        elif vote.answer_id not in self.kb.answers:  # the answer was removed since
            await acknowledge(query)
            await _drop_buttons(query)  # the text stays; its buttons lead nowhere now
            await self._say(update, context, "vote_stale")
        else:
            outcome = await self._record(update, store, vote)
            if outcome.counted:
                await _toast(query, self.kb.message("vote_thanks"))
                reply = self.after_vote(vote.answer_id, vote.vote, outcome.question)
            else:  # a second tap (or both buttons at once): the first vote stands
                await _toast(query, self.kb.message("vote_counted"))
                answer = self.replies.answer(vote.answer_id)
                note = self.kb.message("vote_counted")
                reply = Reply(f"{answer.text}\n\n{note}", answer.buttons)
            await self._edit(query, reply)
        raise ApplicationHandlerStop

    async def _record(self, update: Update, store: Store, vote: Vote) -> VoteOutcome:
        """Count the vote; a 👎 keeps the question only within the voter's quota and the
        daily limit (else its words go now, and the vote still counts)."""
        now = time.time()
        person = update.effective_user.id if update.effective_user else None
        keep = self.daily_limit > 0 and (person is None or self.quota.has_room(person, now))
        outcome = await store.record_vote(
            vote.key, vote.answer_id, vote.vote, keep, self.daily_limit
        )
        if keep and outcome.counted and vote.vote == DOWN and outcome.question and person:
            self.quota.take(person, now)
        return outcome

    def after_vote(self, answer_id: str, vote: str, question) -> Reply:
        """The answer again, the thanks below it; after a 👎, the nearest other answers."""
        answer = self.replies.answer(answer_id)
        if vote == UP:
            return Reply(f"{answer.text}\n\n{self.kb.message('vote_thanks')}", answer.buttons)
        closer = closer_answers(self.kb, answer_id, question)
        key = "vote_sorry" if closer else "vote_sorry_nothing_closer"
        buttons = [self.replies.button(a) for a in closer]
        buttons.append(Button(self.kb.message("button_topics"), TOPICS_DATA))
        return Reply(f"{answer.text}\n\n{self.kb.message(key)}", rows(buttons, 1))

    async def _edit(self, query: CallbackQuery, reply: Reply) -> None:
        """Change the tapped message; if Telegram refuses (too old, gone), send it anew."""
        try:
            await query.edit_message_text(reply.text, reply_markup=markup(reply))
        except TelegramError as error:
            if "not modified" in str(error).lower():
                return  # it already says so (a tap repeated)
            _LOGGER.info("could not edit the tapped message (%s): sending anew", error)
            if query.message is not None:
                await query.get_bot().send_message(
                    query.message.chat.id, reply.text, reply_markup=markup(reply)
                )

    async def _say(self, update: Update, context: ContextTypes.DEFAULT_TYPE, key: str) -> None:
        if update.effective_chat:
            await context.bot.send_message(update.effective_chat.id, self.kb.message(key))

    # -- /privacy and /forget ---------------------------------------------------------------

    async def privacy(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/privacy: what is stored, why, for how long, and how to delete it."""
        if update.effective_message:
            text = self.kb.message(
                "privacy", days=self.retention_days, per_person=self.quota.per_day
            )
            await send(update.effective_message, Reply(text))
        raise ApplicationHandlerStop

    async def forget(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/forget, or 'delete my data': ask to confirm, with a button each way."""
        message, user = update.effective_message, update.effective_user
        if message and user:
            buttons = (
                Button(self.kb.message("forget_yes"), forget_data("yes", user.id)),
                Button(self.kb.message("forget_no"), forget_data("no", user.id)),
            )
            await send(message, Reply(self.kb.message("forget_confirm"), (buttons,)))
        raise ApplicationHandlerStop

    async def forget_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Yes: delete everything about whoever asked, and say what. No: delete nothing."""
        query = update.callback_query
        parsed = parse_forget(query.data or "")
        if parsed is None:
            await acknowledge(query)
            await self._say(update, context, "expired_button")
            raise ApplicationHandlerStop
        choice, user_id = parsed
        if query.from_user.id != user_id:  # in a group, only who asked may confirm
            await _toast(query, self.kb.message("forget_not_yours"))
            raise ApplicationHandlerStop
        await acknowledge(query)
        if choice == "no":
            await self._edit(query, Reply(self.kb.message("forget_cancelled")))
            raise ApplicationHandlerStop
        deleted = await forget_user(context.application, user_id)  # the quota's count stays
        await self._edit(query, Reply(self.forgotten_text(deleted)))
        raise ApplicationHandlerStop

    def forgotten_text(self, deleted: dict[str, int]) -> str:
        """What was deleted, one line per kind of thing."""
        lines = [
            "• " + self.kb.message(f"forgot_{kind}", count=count)
            for kind, count in deleted.items()
            if count
        ]
        if not lines:
            return self.kb.message("forget_nothing")
        return self.kb.message("forget_done", deleted="\n".join(lines))

    # -- wiring and the hourly clean-up -----------------------------------------------------

    def handlers(self) -> list[BaseHandler]:
        """The handlers, for a group tried before all others."""
        return [
            CommandHandler("privacy", self.privacy, filters=NEW),
            CommandHandler("forget", self.forget, filters=NEW),
            MessageHandler(QUESTION & _AsksToForget(), self.forget),
            CallbackQueryHandler(self.vote, pattern=f"^{VOTE_DATA}"),
            CallbackQueryHandler(self.forget_button, pattern=f"^{FORGET_DATA}"),
        ]

    async def start_purging(self, application: Application) -> None:
        """Delete what is past its retention now (at start-up), then every hour."""
        await self.purge(application)
        if application.job_queue is None:
            return
        for job in application.job_queue.get_jobs_by_name(PURGE_JOB):
            job.schedule_removal()
        application.job_queue.run_repeating(
            self._hourly, interval=PURGE_EVERY, first=PURGE_EVERY, name=PURGE_JOB
        )

    async def _hourly(self, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self.purge(context.application)

    async def purge(self, application: Application) -> None:
        store = _store(application)
        if store is None:
            return
        try:
            purged = await store.purge_feedback(self.retention_days)
        except StorageError as error:
            _LOGGER.warning("could not delete expired feedback: %s", error)
            return
        if purged.questions or purged.votes:
            _LOGGER.info(
                "feedback: deleted %d expired questions and %d votes",
                purged.questions,
                purged.votes,
            )


async def _drop_buttons(query: CallbackQuery) -> None:
    try:
        await query.edit_message_reply_markup(None)
    except TelegramError as error:
        _LOGGER.info("could not remove the buttons of a message: %s", error)


async def _toast(query: CallbackQuery, text: str) -> None:
    """Stop the spinner with a short note above the chat (plain text: no HTML there)."""
    try:
        await query.answer(html.to_plain(text)[:TOAST_LENGTH])
    except TelegramError as error:
        _LOGGER.info("could not answer a callback query: %s", error)
