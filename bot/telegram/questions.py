"""Questions, commands and buttons outside the dialogs."""

from __future__ import annotations

import asyncio
import logging

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot import html
from bot.conversation import Conversation
from bot.matching import ANSWER, Context
from bot.replies import ANSWER_DATA, TOPICS_DATA, Reply, payload_to_answer_id
from bot.services import Services
from bot.telegram.common import (
    NEW,
    NON_TEXT,
    QUESTION,
    Decide,
    acknowledge,
    markup,
    question_text,
    send,
)
from bot.telegram.feedback import Feedback

_LOGGER = logging.getLogger(__name__)


class Questions:
    """Answers questions, commands and buttons; every reply comes from bot.replies."""

    def __init__(self, services: Services, decide: Decide, feedback: Feedback) -> None:
        self.feedback = feedback  # vote buttons under answers; questions kept for curators
        self.replies = services.replies
        self.kb = services.kb
        self.decide = decide
        self.dialogs = services.dialogs
        self.conversation = Conversation(services.kb, services.replies)

    async def prepare(self, update: object) -> None:
        """Read a typed message (or inline query) in a worker thread before the handlers ask
        about it; they then find the decision remembered. The encoder's ~4 ms run beside the
        event loop, which meanwhile sends other replies and marks handled updates done: the
        longer those wait, the more updates a crash leaves answered and not yet marked done."""
        if not isinstance(update, Update):
            return
        if update.inline_query is not None:
            await asyncio.to_thread(self.decide, update.inline_query.query.strip())
            return
        message = update.message
        if message is None or not QUESTION.check_update(update):
            return  # not a question to the bot (a command; in a group, a message to others)
        text = question_text(message)
        context = self.conversation.context(message.chat_id)
        await asyncio.to_thread(self._read, text, context)

    def _read(self, text: str, context: Context | None) -> None:
        self.decide(text)  # the dialog filter's question
        if context is not None:
            self.decide(text, context)  # the question handler's, in a chat that leans on one

    async def start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Welcome the user, or open the answer a deep link names."""
        message = update.effective_message
        if message is None:
            return
        await send(message, self.start_reply(context.args or []))

    def start_reply(self, args: list[str]) -> Reply:
        if args:
            answer_id = payload_to_answer_id(args[0])
            if answer_id in self.kb.answers:
                return self.replies.answer(answer_id)
        return self.replies.welcome()

    async def topics(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Show the topic menu."""
        if update.effective_message:
            await send(update.effective_message, self.replies.topics())

    async def help(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Say how to use the bot."""
        if update.effective_message:
            await send(update.effective_message, self.replies.answer("help"))

    async def about(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Say what the bot is, and that it gives no medical advice."""
        if update.effective_message:
            await send(update.effective_message, self.replies.answer("about"))

    async def sources(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """List every publication the answers cite."""
        if update.effective_message:
            await send(update.effective_message, self.replies.sources())

    async def cancel(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/cancel with no dialog running: say there is nothing to stop."""
        if update.effective_message:
            await send(update.effective_message, Reply(self.kb.message("nothing_to_cancel")))

    async def unknown_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Say a command is unknown, unless it was meant for another bot in a group."""
        message = update.effective_message
        if message is None or not message.text:
            return
        word = message.text.split()[0]
        name, _, addressee = word.partition("@")
        if addressee and addressee.casefold() != (context.bot.username or "").casefold():
            return
        if message.chat.type != ChatType.PRIVATE and not addressee:
            return  # a bare /command in a group may be for another bot
        command = html.escape(name[:40])
        await send(message, Reply(self.kb.message("unknown_command", command=command)))

    async def question(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Answer a typed question: the answer, "did you mean", or an honest fallback."""
        message = update.effective_message
        if message is None:
            return
        text = question_text(message)
        chat = message.chat_id
        decision = self.decide(text, self.conversation.context(chat))
        own = self.conversation.reply(decision, text)
        self.conversation.answered(chat, decision)
        reply = own
        if decision.decision != ANSWER:  # a bare "75 kg" is no question, but a dialog's answer
            reply = self.dialogs.aside(text) or reply
        person = update.effective_user.id if update.effective_user else chat
        reply = await self.feedback.question_reply(context, person, text, decision, reply, own)
        _LOGGER.info(
            "question decided: %s %s %.0f (%s)",
            decision.decision,
            decision.intent,
            decision.score,
            decision.reason,
        )
        # A question that starts a dialog was taken by the dialog handler before this one.
        await send(message, reply)

    async def non_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Stickers, photos, voice, files, locations: say kindly that the bot reads text."""
        if update.effective_message:
            await send(update.effective_message, Reply(self.kb.message("non_text")))

    async def button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A tapped answer or topics button: stop the spinner, then send what it names."""
        query = update.callback_query
        if query is None:
            return
        await acknowledge(query)
        data = query.data or ""
        if data == TOPICS_DATA:
            reply = self.replies.topics()
        elif data.startswith(ANSWER_DATA) and data[len(ANSWER_DATA) :] in self.kb.answers:
            answer_id = data[len(ANSWER_DATA) :]
            reply = self.feedback.button_reply(answer_id, self.replies.answer(answer_id))
            if update.effective_chat:  # "and for kids?" may follow a tapped answer too
                self.conversation.shown(update.effective_chat.id, answer_id)
        else:
            reply = Reply(self.kb.message("expired_button"))
        if update.effective_chat:
            await context.bot.send_message(
                update.effective_chat.id, reply.text, reply_markup=markup(reply)
            )

    def handlers(self) -> list[BaseHandler]:
        """The handlers, in the order they must be tried."""
        return [
            CommandHandler("start", self.start, filters=NEW),
            CommandHandler("topics", self.topics, filters=NEW),
            CommandHandler("help", self.help, filters=NEW),
            CommandHandler("about", self.about, filters=NEW),
            CommandHandler("sources", self.sources, filters=NEW),
            CommandHandler("cancel", self.cancel, filters=NEW),
            MessageHandler(NEW & filters.COMMAND, self.unknown_command),
            MessageHandler(QUESTION, self.question),
            MessageHandler(NON_TEXT, self.non_text),
            # Every button the dialogs don't claim: answers, topics, and stale dialog buttons.
            CallbackQueryHandler(self.button),
        ]
