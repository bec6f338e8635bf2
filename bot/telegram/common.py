"""What every handler shares: the filters, reading a question, and sending replies."""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable

from telegram import (
    CallbackQuery,
    ForceReply,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    MessageEntity,
    Update,
)
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import filters

from bot.matching import Context, Decision
from bot.replies import Reply
from bot.services import Services

_LOGGER = logging.getLogger(__name__)


def markup(reply: Reply) -> InlineKeyboardMarkup | None:
    if not reply.buttons:
        return None
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(b.label, callback_data=b.data) for b in row]
            for row in reply.buttons
        ]
    )


async def send(message: Message, *replies: Reply, awaits_answer: bool = False) -> None:
    """Send replies in the message's chat.

    In a group every reply quotes the message it answers (and is still sent if that message
    was deleted meanwhile). When the last reply asks for a typed answer (`awaits_answer`),
    Telegram is told to open a reply to the bot for that user, since in a group the bot reads
    only replies and mentions.
    """
    group = message.chat.type != ChatType.PRIVATE
    quote = message.build_reply_arguments(allow_sending_without_reply=True) if group else False
    for n, reply in enumerate(replies):
        keyboard = markup(reply)
        if group and awaits_answer and keyboard is None and n == len(replies) - 1:
            keyboard = ForceReply(selective=True)
        await message.reply_text(reply.text, reply_markup=keyboard, do_quote=quote)


async def acknowledge(query: CallbackQuery) -> None:
    """Stop the button's spinner. Telegram refuses this for presses older than a few minutes
    (pressed while the bot was down): the press itself still counts."""
    try:
        await query.answer()
    except TelegramError as error:
        _LOGGER.info("could not answer a callback query: %s", error)


def _mentions_me(message: Message) -> bool:
    bot = message.get_bot()
    for entity, text in message.parse_entities(
        [MessageEntity.MENTION, MessageEntity.TEXT_MENTION]
    ).items():
        if entity.type == MessageEntity.TEXT_MENTION and entity.user and entity.user.id == bot.id:
            return True
        if bot.username and text.casefold() == f"@{bot.username}".casefold():
            return True
    return False


def _replies_to_me(message: Message) -> bool:
    replied = message.reply_to_message
    return bool(replied and replied.from_user and replied.from_user.id == message.get_bot().id)


class _AddressedToMe(filters.MessageFilter):
    """Private messages, and in groups only those that mention the bot or reply to it."""

    def filter(self, message: Message) -> bool:
        if message.chat.type == ChatType.PRIVATE:
            return True
        return _mentions_me(message) or _replies_to_me(message)


class _RepliesToMe(filters.MessageFilter):
    def filter(self, message: Message) -> bool:
        return message.chat.type == ChatType.PRIVATE or _replies_to_me(message)


# New messages only: edited messages and channel posts are ignored everywhere.
NEW = filters.UpdateType.MESSAGE
ADDRESSED = _AddressedToMe()
QUESTION = NEW & filters.TEXT & ~filters.COMMAND & ADDRESSED
NON_TEXT = NEW & ~filters.TEXT & ~filters.StatusUpdate.ALL & _RepliesToMe()


def question_text(message: Message) -> str:
    """The text of a question, without the @mention that addressed it to the bot."""
    text = message.text or ""
    username = message.get_bot().username
    if username:
        text = re.sub(rf"@{re.escape(username)}\b", " ", text, flags=re.IGNORECASE)
    return text.strip()


Decide = Callable[..., Decision]  # (text) or (text, Context): the matcher's match, remembered


def decider(services: Services) -> Decide:
    """The matcher's decision on a text, remembered: filters and handlers ask about the same.
    `decide(text)` and `decide(text, None)` are one question, asked of the matcher once (its
    encoder costs about 4 ms a reading)."""
    remembered = functools.lru_cache(maxsize=1024)(services.matcher.match)

    def decide(text: str, context: Context | None = None) -> Decision:
        return remembered(text, context)

    return decide


class WantsDialog(filters.MessageFilter):
    """A question that asks for a dialog ("calculate my glutamine dose"); see Registry.wanted."""

    def __init__(self, services: Services, decide: Decide) -> None:
        super().__init__(name="WantsDialog")
        self.registry = services.registry
        self.decide = decide

    def filter(self, message: Message) -> bool:
        text = question_text(message)
        return self.registry.wanted(self.decide(text), text) is not None


def chat_key(update: Update) -> str:
    """Dialog data is kept per chat, so a dialog in a group and one in private don't mix."""
    return str(update.effective_chat.id) if update.effective_chat else "0"
