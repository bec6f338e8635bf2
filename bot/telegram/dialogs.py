"""The dose and calorie dialogs as one persistent, named ConversationHandler.

Both dialogs live in one handler so that starting one while the other runs simply moves to
the new dialog's first step. The steps themselves are pure (bot.dialogs); each callback here
takes the update's text or button, asks bot.dialogs for the outcome, sends its replies and
returns the next state (a step name) or END. See bot/dose.mmd and bot/calories.mmd.
"""

from __future__ import annotations

import warnings

from telegram import Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot import dialogs as dialog_steps
from bot.dialogs import CALORIES, DIALOG_DATA, DIALOGS, DOSE, STEPS, Outcome
from bot.replies import START_DATA, answer_id_to_payload
from bot.telegram.common import (
    NEW,
    QUESTION,
    Services,
    WantsDialog,
    acknowledge,
    chat_key,
    question_text,
    send,
)
from bot.telegram.questions import Questions

CONVERSATION_NAME = "dialogs"


class DialogHandlers:
    """Thin callbacks: update in, bot.dialogs step, replies out, next state back."""

    def __init__(self, services: Services, questions: Questions) -> None:
        self.dialogs = services.dialogs
        self.decide = services.decide
        self.questions = questions
        # Deep links that open a dialog: t.me/<bot>?start=dose-calculate
        self.link_payloads = {
            answer_id_to_payload(answer): name for name, answer in self.dialogs.intro.items()
        }

    @staticmethod
    def _data(update: Update, context: ContextTypes.DEFAULT_TYPE) -> dict:
        dialogs = context.user_data.setdefault("dialogs", {})
        return dialogs.setdefault(chat_key(update), {})

    @staticmethod
    def _forget(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Drop this chat's dialog data once a dialog has ended."""
        context.user_data.get("dialogs", {}).pop(chat_key(update), None)

    async def _reply(
        self, update: Update, context: ContextTypes.DEFAULT_TYPE, outcome: Outcome
    ) -> object:
        if outcome.step is None:
            self._forget(update, context)
        if update.effective_message:
            waiting = outcome.step is not None
            await send(update.effective_message, *outcome.replies, awaits_answer=waiting)
        return outcome.step if outcome.step is not None else ConversationHandler.END

    async def _start(
        self, name: str, update: Update, context: ContextTypes.DEFAULT_TYPE, text: str = ""
    ) -> object:
        outcome = self.dialogs.start(name, self._data(update, context), text)
        return await self._reply(update, context, outcome)

    async def _no_longer_waiting(
        self, update: Update, context: ContextTypes.DEFAULT_TYPE
    ) -> object | None:
        """END, after handling the update outside the dialog, if the dialog is not really on.

        After a restart the handler may still hold a state whose dialog timed out (timeouts
        live in memory) or whose data is gone (a send failed mid-step): say so if it timed
        out, then treat the message as if no dialog were running.
        """
        data = self._data(update, context)
        if self.dialogs.active(data) and not self.dialogs.expired(data):
            return None
        if self.dialogs.expired(data) and update.effective_chat:
            reply = self.dialogs.timeout(data)
            await context.bot.send_message(update.effective_chat.id, reply.text)
        self._forget(update, context)
        if update.callback_query:
            await self.questions.button(update, context)
        else:
            await self.questions.question(update, context)
        return ConversationHandler.END

    async def dose(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> object:
        """/dose: start the dose estimate (text after the command counts as its first answer)."""
        return await self._start(DOSE, update, context, " ".join(context.args or []))

    async def calories(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> object:
        """/calories: start the calorie target."""
        return await self._start(CALORIES, update, context, " ".join(context.args or []))

    async def from_question(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> object:
        """A typed question that asks for a dialog: start it with what the question says."""
        text = question_text(update.effective_message)
        name = self.dialogs.wanted(self.decide(text), text) or DOSE
        return await self._start(name, update, context, text)

    async def from_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> object:
        """An "Estimate my dose" / "Calorie target" / "Start again" button."""
        query = update.callback_query
        await acknowledge(query)
        name = (query.data or "").removeprefix(START_DATA)
        if name not in DIALOGS:  # forged or empty data
            return ConversationHandler.END
        return await self._start(name, update, context)

    async def from_link(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> object:
        """/start with a payload: a dialog's deep link starts it; any other ends the dialog."""
        name = self.link_payloads.get((context.args or [""])[0])
        if name:
            return await self._start(name, update, context)
        self._forget(update, context)
        await self.questions.start(update, context)
        return ConversationHandler.END

    async def text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> object:
        """A typed answer to the current step."""
        ended = await self._no_longer_waiting(update, context)
        if ended is not None:
            return ended
        text = question_text(update.effective_message)
        outcome = self.dialogs.handle(self._data(update, context), text=text)
        return await self._reply(update, context, outcome)

    async def button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> object:
        """A button of the current step."""
        ended = await self._no_longer_waiting(update, context)
        if ended is not None:
            return ended
        query = update.callback_query
        await acknowledge(query)
        data = (query.data or "").removeprefix(DIALOG_DATA)
        outcome = self.dialogs.handle(self._data(update, context), button=data)
        return await self._reply(update, context, outcome)

    async def cancel(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
        """/cancel: stop the dialog at any step."""
        reply = self.dialogs.cancel(self._data(update, context))
        self._forget(update, context)
        if update.effective_message:
            await send(update.effective_message, reply)
        return ConversationHandler.END

    async def timeout(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """After a quiet spell: say the dialog has stopped and how to start again."""
        reply = self.dialogs.timeout(self._data(update, context))
        self._forget(update, context)
        if update.effective_chat:
            await context.bot.send_message(update.effective_chat.id, reply.text)


async def resume_timeouts(application: Application, services: Services) -> None:
    """After a restart, schedule the timeouts of dialogs left open: the ConversationHandler's
    own timeout jobs lived in the old process's memory."""
    now = services.dialogs.clock()
    for user_id, user_data in application.user_data.items():
        for chat, data in user_data.get("dialogs", {}).items():
            if not services.dialogs.active(data):
                continue
            due = data.get("at", now) + dialog_steps.DIALOG_TIMEOUT - now
            application.job_queue.run_once(
                _resumed_timeout,
                when=max(due, 0.0),
                chat_id=int(chat),
                user_id=user_id,
                data=services,
                name=f"dialog-timeout-{chat}-{user_id}",
            )


async def _resumed_timeout(context: ContextTypes.DEFAULT_TYPE) -> None:
    """A resumed timeout: if the dialog is still quiet, end it with the usual message."""
    services: Services = context.job.data
    dialogs = context.user_data.get("dialogs", {}) if context.user_data is not None else {}
    data = dialogs.get(str(context.job.chat_id), {})
    if not services.dialogs.expired(data):
        return  # the user answered since the restart: the live timeout has taken over
    reply = services.dialogs.timeout(data)
    dialogs.pop(str(context.job.chat_id), None)
    await context.bot.send_message(context.job.chat_id, reply.text)


def conversation(services: Services, questions: Questions) -> ConversationHandler:
    """The one ConversationHandler of both dialogs: persistent, named, with a timeout."""
    d = DialogHandlers(services, questions)
    starts = [
        CommandHandler("dose", d.dose, filters=NEW),
        CommandHandler("calories", d.calories, filters=NEW),
        CallbackQueryHandler(d.from_button, pattern=f"^{START_DATA}({DOSE}|{CALORIES})$"),
    ]
    payloads = "|".join(d.link_payloads)
    entry_points = [
        *starts,
        CommandHandler("start", d.from_link, filters=NEW & filters.Regex(f"^/start ({payloads})$")),
        MessageHandler(QUESTION & WantsDialog(services, DOSE), d.from_question),
        MessageHandler(QUESTION & WantsDialog(services, CALORIES), d.from_question),
    ]
    step = [
        MessageHandler(QUESTION, d.text),
        CallbackQueryHandler(d.button, pattern=f"^{DIALOG_DATA}"),
    ]
    states: dict[object, list] = {name: step for name in STEPS}
    states[ConversationHandler.TIMEOUT] = [TypeHandler(Update, d.timeout)]
    fallbacks = [
        CommandHandler("cancel", d.cancel, filters=NEW),
        *starts,  # /dose or /calories in the middle of a dialog starts that one afresh
        CommandHandler("start", d.from_link, filters=NEW),
    ]
    with warnings.catch_warnings():
        # Buttons belong to the user's chat, not to one message: per_message=False is meant.
        warnings.filterwarnings("ignore", message=".*per_message=False", category=PTBUserWarning)
        return ConversationHandler(
            entry_points=entry_points,
            states=states,
            fallbacks=fallbacks,
            name=CONVERSATION_NAME,
            persistent=True,
            conversation_timeout=dialog_steps.DIALOG_TIMEOUT,
        )
