"""The apology for a reply that could not be sent: later, and only if still owed.

When a handler fails because Telegram would not take a message (a 5xx, a time-out, a dropped
connection, a garbled answer, each already retried by bot.telegram.retry), an apology sent at
once would go the same failing way. It is sent after APOLOGY_DELAY seconds instead, when the
Bot API has had time to recover, and not at all if the chat has written again meanwhile: that
message gets its own reply (a dialog meets it with the same question, since the failed step was
not taken), and an apology after it would only confuse.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import BadRequest, NetworkError, TelegramError
from telegram.ext import Application, ContextTypes

_LOGGER = logging.getLogger(__name__)

APOLOGY_DELAY = 20.0  # seconds between a failed send and the apology for it


def _job_name(chat_id: int) -> str:
    return f"apology-{chat_id}"


def sending_failed(error: object) -> bool:
    """Whether the error is Telegram not taking a message (BadRequest is a NetworkError in
    python-telegram-bot, but a refusal of this message, not a failing network)."""
    return isinstance(error, NetworkError) and not isinstance(error, BadRequest)


def defer(context: ContextTypes.DEFAULT_TYPE, chat_id: int, text: str) -> bool:
    """Schedule the apology for this chat (once); False when there is no job queue."""
    if context.job_queue is None:
        return False
    name = _job_name(chat_id)
    for job in context.job_queue.get_jobs_by_name(name):
        job.schedule_removal()
    context.job_queue.run_once(_apologise, APOLOGY_DELAY, chat_id=chat_id, data=text, name=name)
    return True


def withdraw(application: Application, update: object) -> None:
    """The chat wrote again: its new message gets its own reply, so no apology is owed."""
    chat = update.effective_chat if isinstance(update, Update) else None
    if chat is None or application.job_queue is None:
        return
    for job in application.job_queue.get_jobs_by_name(_job_name(chat.id)):
        job.schedule_removal()


async def _apologise(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Say sorry, and to try again."""
    try:
        await context.bot.send_message(context.job.chat_id, context.job.data)
    except TelegramError as error:
        _LOGGER.warning("could not send a delayed apology: %s", error)
