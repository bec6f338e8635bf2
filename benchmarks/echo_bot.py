"""The smallest python-telegram-bot bot that answers every text: benchmarks/delivery.py's yardstick.

It reads TELEGRAM_BOT_TOKEN and TELEGRAM_BASE_URL like the bot, polls, and replies with the
text it got. No persistence, no rate limiter, one update at a time: python-telegram-bot's own
cost per message, to compare the whole bot's with.
"""

from __future__ import annotations

import os

from telegram import Update
from telegram.ext import ApplicationBuilder, ContextTypes, MessageHandler, filters


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Reply with the same text."""
    await update.effective_message.reply_text(update.effective_message.text)


def main() -> None:
    builder = ApplicationBuilder().token(os.environ["TELEGRAM_BOT_TOKEN"])
    if os.environ.get("TELEGRAM_BASE_URL"):
        builder = builder.base_url(os.environ["TELEGRAM_BASE_URL"])
    application = builder.build()
    application.add_handler(MessageHandler(filters.TEXT, echo))
    application.run_polling(allowed_updates=[Update.MESSAGE])


if __name__ == "__main__":
    main()
