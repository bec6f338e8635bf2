"""Inline mode: `@<bot> glutamine dose` in any chat offers cited answers to post there.

Thin: bot.inline decides what to offer; this turns it into one answerInlineQuery call.
chosen_inline_result is not used (it would need /setinlinefeedback at @BotFather), so it is
neither handled nor requested.
"""

from __future__ import annotations

import logging

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InlineQueryResultsButton,
    InputTextMessageContent,
    LinkPreviewOptions,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import BaseHandler, ContextTypes, InlineQueryHandler
from telegram.helpers import create_deep_linked_url

from bot.inline import InlineOffers, inline_offers
from bot.services import Services
from bot.telegram.common import Decide

_LOGGER = logging.getLogger(__name__)

# Telegram caches the results of a query text for cache_time seconds and, unless is_personal,
# shows them to everyone who types the same text. The answers depend on the text alone, never
# on who asks, so sharing them is right; five minutes lets an edited answer show soon enough.
CACHE_TIME = 300
IS_PERSONAL = False


class InlineQueries:
    """Answers inline queries with the answers bot.inline offers."""

    def __init__(self, services: Services, decide: Decide) -> None:
        self.services = services
        self.kb = services.kb
        self.decide = decide

    async def answer(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Offer the answers that match the query, each ready to post with its source line."""
        query = update.inline_query
        if query is None:
            return
        text = query.query.strip()
        decision = self.decide(text)
        offers = inline_offers(self.services, text, decision)
        # Privacy: the decision only, never the query text, and nothing that names the user.
        _LOGGER.info(
            "inline query decided: %s %s %.0f (%s), %d results",
            decision.decision,
            decision.intent,
            decision.score,
            decision.reason,
            len(offers.offers),
        )
        try:
            await query.answer(
                self.results(offers, context.bot.username),
                cache_time=CACHE_TIME,
                is_personal=IS_PERSONAL,
                button=self.dialog_button(offers),
            )
        except BadRequest as error:
            if "query is too old" not in error.message.casefold():  # PTB capitalises it
                raise
            # The user typed on, or we were slow: Telegram has stopped waiting for this one.
            _LOGGER.info("inline query expired before it was answered")

    def results(self, offers: InlineOffers, username: str) -> list[InlineQueryResultArticle]:
        label = self.kb.message("inline_open")
        return [
            InlineQueryResultArticle(
                id=offer.id,
                title=offer.title,
                description=offer.description,
                input_message_content=InputTextMessageContent(
                    offer.text,
                    parse_mode=ParseMode.HTML,
                    link_preview_options=LinkPreviewOptions(is_disabled=True),
                ),
                # Opens a private chat with the bot at this answer (its related buttons).
                reply_markup=InlineKeyboardMarkup.from_button(
                    InlineKeyboardButton(label, url=create_deep_linked_url(username, offer.payload))
                ),
            )
            for offer in offers.offers
        ]

    @staticmethod
    def dialog_button(offers: InlineOffers) -> InlineQueryResultsButton | None:
        """Dialogs don't run inline: the button opens the dialog in a private chat."""
        if offers.dialog is None:
            return None
        return InlineQueryResultsButton(
            text=offers.dialog.label, start_parameter=offers.dialog.payload
        )

    def handlers(self) -> list[BaseHandler]:
        return [InlineQueryHandler(self.answer)]
