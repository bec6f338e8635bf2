"""The only part of the bot that speaks Telegram: handlers translate updates into calls to the
pure domain modules (bot.matching, bot.replies, bot.dialogs) and their replies into messages."""
