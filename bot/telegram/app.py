"""Building the Application: every handler wired in one explicit order, and how it runs."""

from __future__ import annotations

import asyncio
import logging

from telegram import BotCommand, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import Forbidden, TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    BasePersistence,
    ContextTypes,
    Defaults,
)
from telegram.request import BaseRequest, HTTPXRequest

from bot.config import Settings
from bot.feedback import vote_secret
from bot.services import Services
from bot.storage import store_for
from bot.telegram import apology
from bot.telegram.batching import Batch
from bot.telegram.common import decider
from bot.telegram.delivery import Inbox, InboxRequest, UnkeptUpdates
from bot.telegram.dialogs import DialogHandlers, conversation, resume_timeouts, senderless
from bot.telegram.feedback import Feedback
from bot.telegram.inline import InlineQueries
from bot.telegram.ordering import ChatOrderedProcessor
from bot.telegram.persistence import StorePersistence
from bot.telegram.questions import Questions
from bot.telegram.retry import RetryingRequest, default_request

_LOGGER = logging.getLogger(__name__)

# Only what the handlers use: edits, channel posts, polls and the rest are never even sent.
# chosen_inline_result is not among them: the bot does not use it (see bot/telegram/inline.py).
ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY, Update.INLINE_QUERY]
RATE_LIMIT_RETRIES = 3  # AIORateLimiter retries a request this often after RetryAfter


class BotApplication(Application):
    """The Application, carrying the bot's services, and persisting after every update.

    python-telegram-bot persists only every `update_interval` seconds; writing after each
    update means a crash right after a message loses nothing (see bot.telegram.persistence).
    """

    services: Services
    dialog_handlers: DialogHandlers
    inbox: Inbox | None = None
    _saves: Batch[None] | None = None

    async def initialize(self) -> None:
        """Open the storage (checks, lock, schema) before python-telegram-bot reads from it;
        queue the updates kept from before a restart ahead of any new one."""
        if isinstance(self.persistence, StorePersistence):
            await self.persistence.store.open()
        await super().initialize()
        if self.inbox is not None:
            await self.inbox.replay(self)

    async def process_update(self, update: object) -> None:
        """Handle the update, then persist what it changed before taking the next one."""
        apology.withdraw(self, update)  # an apology still owed to this chat is moot now
        await super().process_update(update)
        if self.persistence:
            # Updates handled at the same time share one save (bot.telegram.batching).
            if self._saves is None:
                self._saves = Batch[None](lambda _: self._persist())
            await self._saves.submit()
            await _warn_if_forgetting(self, update)

    async def _persist(self) -> None:
        """python-telegram-bot's saves of one round, written in one transaction."""
        if isinstance(self.persistence, StorePersistence):
            async with self.persistence.store.deferred():
                await self.update_persistence()
        else:
            await self.update_persistence()


async def _post_init(application: Application) -> None:
    """Publish the command menu, description and short description; resume dialog timeouts;
    say whether inline mode is on."""
    services = _services(application)
    kb, bot = services.kb, application.bot
    _log_inline_mode(bot.supports_inline_queries, bot.username)
    await bot.set_my_commands(
        [BotCommand(name, kb.message(f"command_{name}")) for name in services.commands]
    )
    await bot.set_my_description(kb.message("description"))
    await bot.set_my_short_description(kb.message("short_description"))
    resume_timeouts(application, application.dialog_handlers)  # type: ignore[attr-defined]
    await application.feedback.start_purging(application)  # type: ignore[attr-defined]


def _log_inline_mode(on: bool, username: str) -> None:
    """Inline mode is switched on at @BotFather, not by the bot: say how when it is off."""
    if on:
        _LOGGER.info("inline mode is on: '@%s <question>' offers answers in any chat", username)
    else:
        _LOGGER.warning(
            "inline mode is off, so '@%s <question>' does nothing in other chats. To switch it "
            "on, send /setinline to @BotFather, choose @%s and give a placeholder such as "
            "'ask about glutamine or leaky gut'",
            username,
            username,
        )


async def _on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the error with its update id; apologise to the user, without any detail."""
    error = context.error
    update_id = update.update_id if isinstance(update, Update) else None
    if isinstance(error, UnkeptUpdates):
        # The storage fails; the store logs why at ERROR, once a minute at most.
        _LOGGER.warning("%s", error.message)
        return
    if isinstance(error, Forbidden):
        # The user blocked the bot or left the chat: nothing to retry, nobody to tell.
        _LOGGER.info("update %s: cannot write to this chat (%s)", update_id, error.message)
        return
    _LOGGER.error("update %s: %s", update_id, error, exc_info=error)
    if isinstance(update, Update) and update.effective_chat:
        kb = _services(context.application).kb
        chat_id = update.effective_chat.id
        # Telegram did not take a message, even after retries: an apology now would fail the
        # same way. It goes later, unless the user writes first (see bot.telegram.apology).
        if apology.sending_failed(error) and apology.defer(context, chat_id, kb.message("error")):
            return
        try:
            await context.bot.send_message(chat_id, kb.message("error"))
        except Exception:  # the apology itself failed: the log above already says why
            _LOGGER.warning("update %s: could not send the apology", update_id)


async def _warn_if_forgetting(application: Application, update: object) -> None:
    """Tell the user, once while saving fails, that the bot may forget what they said."""
    persistence = application.persistence
    if not isinstance(update, Update) or not isinstance(persistence, StorePersistence):
        return
    chat = update.effective_chat
    if chat and persistence.should_warn(chat.id):
        text = _services(application).kb.message("storage_unavailable")
        try:
            await application.bot.send_message(chat.id, text)
        except TelegramError as error:
            _LOGGER.warning(
                "update %s: could not say that storage fails: %s", update.update_id, error
            )


def _services(application: Application) -> Services:
    return application.services  # type: ignore[attr-defined]


def build_application(
    settings: Settings,
    services: Services,
    *,
    request: BaseRequest | None = None,
    persistence: BasePersistence | None = None,
) -> Application:
    """The bot's Application. `request` replaces the network (tests and the terminal chat).

    Sends go through RetryingRequest (5xx, time-outs, bad answers are retried; see
    bot.telegram.retry); getUpdates goes through InboxRequest instead (each batch is stored
    before python-telegram-bot sees it; see bot.telegram.delivery).
    """
    persistence = persistence or StorePersistence(store_for(settings.database_url))
    # Durable delivery (bot.telegram.delivery) and per-chat order (bot.telegram.ordering).
    inbox = Inbox(persistence.store) if isinstance(persistence, StorePersistence) else None
    polling = request if request is not None else HTTPXRequest(connection_pool_size=1)
    builder = (
        ApplicationBuilder()
        .application_class(BotApplication)
        .token(settings.require_token())
        .defaults(
            Defaults(
                parse_mode=ParseMode.HTML,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        )
        .rate_limiter(AIORateLimiter(max_retries=RATE_LIMIT_RETRIES))
        .persistence(persistence)
        .concurrent_updates(ChatOrderedProcessor(inbox))
        .get_updates_request(InboxRequest(polling, inbox) if inbox else polling)
        .post_init(_post_init)
    )
    if settings.base_url:
        builder = builder.base_url(settings.base_url)
    builder = builder.request(RetryingRequest(request or default_request()))
    application = builder.build()
    application.inbox = inbox  # type: ignore[attr-defined]
    secret = vote_secret(settings.require_token())
    feedback = Feedback(
        services, settings.feedback_retention_days, secret, settings.feedback_daily_limit
    )
    _wire(application, services, feedback)
    return application


def _wire(application: Application, services: Services, feedback: Feedback) -> None:
    """Add every handler, in the order they must be tried."""
    decide = decider(services)
    questions = Questions(services, decide, feedback)
    if isinstance(application.update_processor, ChatOrderedProcessor):
        application.update_processor.prepare = questions.prepare  # matching off the event loop
    # The follow-up topic of each chat (memory only); /forget drops that of the user's chat.
    application.topic_memory = questions.conversation.memory  # type: ignore[attr-defined]
    dialogs = DialogHandlers(services, questions, decide)
    application.services = services  # type: ignore[attr-defined]
    application.dialog_handlers = dialogs  # type: ignore[attr-defined]
    application.feedback = feedback  # type: ignore[attr-defined]
    # Votes, /privacy and /forget come before everything (group -1) and stop there, so they
    # work in the middle of a dialog and leave it where it was.
    for handler in feedback.handlers():
        application.add_handler(handler, group=-1)
    # Order matters: the dialogs come first, so that while one runs it takes the user's
    # answers; whatever it does not claim falls through to the questions and commands.
    application.add_handler(senderless(services))  # no user to keep a dialog for
    application.add_handler(conversation(dialogs, services, decide))
    for handler in questions.handlers():
        application.add_handler(handler)
    # Inline queries come from any chat and carry no chat: nothing above ever claims one.
    for handler in InlineQueries(services, decide).handlers():
        application.add_handler(handler)
    application.add_error_handler(_on_error)


def run(settings: Settings, services: Services) -> None:
    """Serve Telegram until interrupted: a webhook server if WEBHOOK_URL is set, else polling."""
    application = build_application(settings, services)
    if settings.webhook_url:
        from bot.telegram.webhook import serve_webhook

        inbox = application.inbox  # type: ignore[attr-defined]
        asyncio.run(serve_webhook(application, inbox, settings, ALLOWED_UPDATES))
    else:
        _LOGGER.info("polling Telegram for updates")
        application.run_polling(allowed_updates=ALLOWED_UPDATES)
