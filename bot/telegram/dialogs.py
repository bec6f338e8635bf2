"""The guided dialogs as one persistent, named ConversationHandler, built from the registry.

One handler holds every dialog, so starting one while another runs simply moves to the new
dialog's first step. Its state table is the dispatch: each step of each registered dialog is a
state whose handlers take that step's typed answer and its own buttons. The steps themselves
are pure (bot.dialogs); each callback here reads the update, asks the engine for the outcome,
sends its replies and returns the next state (a step name) or END.

Timeouts are one mechanism: every step (re)schedules a job that ends the dialog after
DIALOG_TIMEOUT seconds of quiet, and start-up schedules those of dialogs left open before a
restart. (A finished dialog leaves nothing; what an older version remembered after one is
deleted by the same job once stale.) A step counts only once its replies were sent: if sending fails
(after bot.telegram.retry's retries), the dialog data is put back as it was and the error
propagates, so the conversation stays at the same step and the user's next message meets the
same question; no dose figure ever goes out unless the adult question was sent and answered.
"""

from __future__ import annotations

import copy
import warnings
from collections.abc import Awaitable, Callable

from telegram import Message, Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot import html
from bot.dialogs import DIALOG_DATA, Outcome, Step
from bot.dialogs.dose import ADULT
from bot.replies import START_DATA, Reply, answer_id_to_payload
from bot.services import Services
from bot.telegram.common import (
    NEW,
    QUESTION,
    Decide,
    WantsDialog,
    acknowledge,
    chat_key,
    question_text,
    send,
)
from bot.telegram.forget import end_conversations
from bot.telegram.questions import Questions

CONVERSATION_NAME = "dialogs"
Callback = Callable[[Update, ContextTypes.DEFAULT_TYPE], Awaitable[object]]


def _dialogs(context: ContextTypes.DEFAULT_TYPE) -> dict:
    return context.user_data.setdefault("dialogs", {})


def _tidy(user_data: dict | None) -> None:
    """No dialog data left: no entry either, so no row with the user's id stays behind."""
    if user_data is not None and not user_data.get("dialogs", True):
        user_data.pop("dialogs")


def _job_name(chat: int | str, user: int | str) -> str:
    return f"dialog-timeout-{chat}-{user}"


# Answers a dialog's start button may give with the tap ("go:dose:adult": another weight for
# the same adult); nothing else in button data is taken as an answer.
START_ANSWERS = frozenset({ADULT})


class DialogHandlers:
    """Thin callbacks: update in, engine step, replies out, next state back."""

    def __init__(self, services: Services, questions: Questions, decide: Decide) -> None:
        self.engine = services.dialogs
        self.registry = services.registry
        self.decide = decide
        self.questions = questions
        # Deep links that open a dialog: t.me/<bot>?start=dose-calculate
        self.link_payloads = {answer_id_to_payload(d.intro): d.name for d in self.registry.dialogs}

    def _data(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> dict:
        return _dialogs(context).setdefault(chat_key(update), {})

    def _forget(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Drop this chat's dialog data and its timeout once a dialog has ended."""
        _dialogs(context).pop(chat_key(update), None)
        _tidy(context.user_data)
        if context.job_queue and update.effective_user:
            name = _job_name(chat_key(update), update.effective_user.id)
            for job in context.job_queue.get_jobs_by_name(name):
                job.schedule_removal()

    def _schedule_timeout(
        self, update: Update, context: ContextTypes.DEFAULT_TYPE, due: float | None = None
    ) -> None:
        if not (context.job_queue and update.effective_user and update.effective_chat):
            return
        user, chat = update.effective_user.id, update.effective_chat.id
        if due is None:
            due = self.engine.due(self._data(update, context))
        schedule_timeout(context.application, self, chat, user, due)

    async def _run(
        self,
        update: Update,
        context: ContextTypes.DEFAULT_TYPE,
        step: Callable[[dict], Outcome],
    ) -> object:
        """Take a step on this chat's data; send its replies; keep the step only once sent."""
        data = self._data(update, context)
        before = copy.deepcopy(data)
        outcome = step(data)
        try:
            if update.effective_message:
                waiting = outcome.step is not None
                await send(update.effective_message, *outcome.replies, awaits_answer=waiting)
        except Exception:
            data.clear()
            data.update(before)  # the user never saw this step: they meet the same question
            raise
        if outcome.step is None:  # an ended dialog leaves nothing behind
            self._forget(update, context)
            return ConversationHandler.END
        self._schedule_timeout(update, context)
        return outcome.step

    async def start(
        self,
        name: str,
        update: Update,
        context: ContextTypes.DEFAULT_TYPE,
        text: str = "",
        given: tuple[str, ...] = (),
    ) -> object:
        return await self._run(
            update, context, lambda data: self.engine.start(name, data, text, given)
        )

    def command(self, name: str) -> Callback:
        """/<command>: start that dialog (text after the command counts as its first answer)."""

        async def start_dialog(update: Update, context: ContextTypes.DEFAULT_TYPE) -> object:
            return await self.start(name, update, context, " ".join(context.args or []))

        start_dialog.__doc__ = f"/{name}: start the {name} dialog."
        return start_dialog

    async def from_question(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> object:
        """A typed question that asks for a dialog: start it with what the question says."""
        text = question_text(update.effective_message)
        name = self.registry.wanted(self.decide(text), text)
        if name is None:  # the filter said yes a moment ago: only a changed matcher says no
            await self.questions.question(update, context)
            return ConversationHandler.END
        return await self.start(name, update, context, text)

    async def from_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> object:
        """A dialog's start button ("Estimate my dose", "Start again")."""
        query = update.callback_query
        # White space around the data ("go:dose\n", from a client or a hand-made keyboard)
        # is still the same button.
        name, _, answer = (query.data or "").strip().removeprefix(START_DATA).partition(":")
        if name not in self.registry.by_name:
            # Empty data passes every pattern (python-telegram-bot matches only non-empty
            # data): answer it like any other button that leads nowhere.
            await self.questions.button(update, context)
            return ConversationHandler.END
        await acknowledge(query)
        # "go:dose:adult" ("another weight, same adult") gives the adult answer with the tap.
        given = (answer,) if answer in START_ANSWERS else ()
        return await self.start(name, update, context, given=given)

    async def from_link(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> object:
        """/start with a payload: a dialog's deep link starts it; any other ends the dialog."""
        name = self.link_payloads.get((context.args or [""])[0])
        if name:
            return await self.start(name, update, context)
        self._forget(update, context)
        await self.questions.start(update, context)
        return ConversationHandler.END

    def step_handlers(self, step: Step) -> list:
        """The handlers of one state: the step's typed answer, and its own buttons."""

        async def typed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> object:
            if not self._waiting(update, context, step):
                return await self._not_waiting(update, context)
            text = question_text(update.effective_message)
            return await self._run(
                update, context, lambda data: self.engine.handle(data, step.name, text=text)
            )

        async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> object:
            if not self._waiting(update, context, step):
                return await self._not_waiting(update, context)
            query = update.callback_query
            await acknowledge(query)
            button = (query.data or "").strip().removeprefix(DIALOG_DATA)
            return await self._run(
                update, context, lambda data: self.engine.handle(data, step.name, button=button)
            )

        handlers: list = [MessageHandler(QUESTION, typed)]
        if step.buttons:
            pattern = rf"^\s*{DIALOG_DATA}{step.buttons}\s*$"
            handlers.append(CallbackQueryHandler(pressed, pattern=pattern))
        # Another step's button, or forged data: the step re-asks, as for a wrong answer.
        handlers.append(CallbackQueryHandler(pressed, pattern=rf"^\s*{DIALOG_DATA}"))
        return handlers

    def _waiting(self, update: Update, context: ContextTypes.DEFAULT_TYPE, step: Step) -> bool:
        data = self._data(update, context)
        return data.get("step") == step.name and not self.engine.expired(data)

    async def _not_waiting(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> object:
        """The conversation still stands at a step whose dialog is over (it timed out, maybe
        while the bot was down): say so if it timed out, then take the update afresh."""
        data = self._data(update, context)
        if self.engine.expired(data) and update.effective_chat:
            reply = self.engine.timeout(data)
            await context.bot.send_message(update.effective_chat.id, reply.text)
        self._forget(update, context)
        if update.callback_query:
            await self.questions.button(update, context)
            return ConversationHandler.END
        text = question_text(update.effective_message)
        name = self.registry.wanted(self.decide(text), text)
        if name:
            return await self.start(name, update, context, text)
        await self.questions.question(update, context)
        return ConversationHandler.END

    async def cancel(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> object:
        """/cancel: stop the dialog at any step."""
        reply = self.engine.cancel(self._data(update, context))
        self._forget(update, context)
        if update.effective_message:
            await send(update.effective_message, reply)
        return ConversationHandler.END


class _NoSender(filters.MessageFilter):
    """A message with a sending chat but no sender at all: nobody a dialog could be kept for."""

    def filter(self, message: Message) -> bool:
        return message.from_user is None


def senderless(services: Services) -> CommandHandler:
    """A dialog's command that no user sent: say why no dialog starts, and how to start one.

    A dialog is kept per chat and user (python-telegram-bot's ConversationHandler needs a
    user). Telegram gives a group's anonymous admin the stand-in user GroupAnonymousBot, so
    their commands start a dialog as anyone's do (one per group for all its anonymous admins,
    who cannot be told apart); a message with no user at all gets this sentence instead of
    "I don't know the command".
    """
    commands = [d.command for d in services.registry.dialogs]

    async def needs_sender(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is None or not message.text:
            return
        command = html.escape(message.text.split()[0].split("@")[0])
        text = services.kb.message("dialog_needs_sender", command=command)
        await send(message, Reply(text))

    return CommandHandler(commands, needs_sender, filters=NEW & _NoSender())


def schedule_timeout(
    application: Application, handlers: DialogHandlers, chat: int, user: int, due: float
) -> None:
    """(Re)schedule the job that ends this chat's dialog after its quiet spell."""
    for job in application.job_queue.get_jobs_by_name(_job_name(chat, user)):
        job.schedule_removal()
    application.job_queue.run_once(
        _timed_out, when=due, chat_id=chat, user_id=user, data=handlers, name=_job_name(chat, user)
    )


async def _timed_out(context: ContextTypes.DEFAULT_TYPE) -> None:
    """After a quiet spell: say the dialog has stopped and how to start again."""
    handlers: DialogHandlers = context.job.data
    chat = str(context.job.chat_id)
    dialogs = context.user_data.get("dialogs", {}) if context.user_data is not None else {}
    data = dialogs.get(chat, {})
    if not handlers.engine.expired(data):
        if chat in dialogs and not handlers.engine.active(data):
            handlers.engine.forget_stale(data)  # a finished dialog's answer, now too old
            if not data:
                dialogs.pop(chat, None)
                _tidy(context.user_data)
                await _save_now(context)
        return  # the user answered meanwhile, or the dialog has ended
    reply = handlers.engine.timeout(data)
    dialogs.pop(chat, None)
    _tidy(context.user_data)
    # The conversation would wait at its step, keeping a row with the user's id, until the
    # user's next message: end it now.
    end_conversations(context.application, (context.job.chat_id, context.job.user_id))
    await context.bot.send_message(context.job.chat_id, reply.text)
    await _save_now(context)


async def _save_now(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Write what a job deleted now, not at the next periodic save (python-telegram-bot marks
    a job's user for saving only once the job has returned)."""
    if context.application.persistence:
        context.application.mark_data_for_update_persistence(user_ids=context.job.user_id)
        await context.application.update_persistence()


def resume_timeouts(application: Application, handlers: DialogHandlers) -> None:
    """After a restart, schedule the timeouts of dialogs left open (jobs live in memory)."""
    for user_id, user_data in application.user_data.items():
        for chat, data in user_data.get("dialogs", {}).items():
            if handlers.engine.active(data):
                due = handlers.engine.due(data)
                schedule_timeout(application, handlers, int(chat), user_id, due)
            elif data:  # an answer an older version remembered after a dialog: delete it soon
                due = handlers.engine.recall_due(data)
                schedule_timeout(application, handlers, int(chat), user_id, due)


def conversation(
    handlers: DialogHandlers, services: Services, decide: Decide
) -> ConversationHandler:
    """The one ConversationHandler of every registered dialog: persistent and named."""
    registry = services.registry
    names = "|".join(d.name for d in registry.dialogs)
    starts = [
        *(
            CommandHandler(d.command, handlers.command(d.name), filters=NEW)
            for d in registry.dialogs
        ),
        CallbackQueryHandler(
            handlers.from_button, pattern=rf"^\s*{START_DATA}({names})(:\w+)?\s*$"
        ),
    ]
    payloads = "|".join(handlers.link_payloads)
    link = filters.Regex(f"^/start ({payloads})$")
    entry_points = [
        *starts,
        CommandHandler("start", handlers.from_link, filters=NEW & link),
        MessageHandler(QUESTION & WantsDialog(services, decide), handlers.from_question),
    ]
    states = {step.name: handlers.step_handlers(step) for step in registry.steps.values()}
    fallbacks = [
        CommandHandler("cancel", handlers.cancel, filters=NEW),
        *starts,  # a dialog's command in the middle of a dialog starts that one afresh
        CommandHandler("start", handlers.from_link, filters=NEW),
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
        )
