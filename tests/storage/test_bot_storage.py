"""The real bot on each backend: dialogs outlive a restart, and a user hears when saving fails."""

from __future__ import annotations

from bot.knowledge import KnowledgeBase
from bot.storage import store_for
from tests.conftest import running_bot
from tests.storage.databases import QUICK, write_lock_held
from tests.support.standin import BotAPIStandIn


async def test_a_dialog_survives_a_restart(database_url: str):
    standin = BotAPIStandIn()
    async with running_bot(standin, store_for(database_url, **QUICK)) as chat:
        await chat.send("/dose")
        await chat.send("80 kg")
    async with running_bot(standin, store_for(database_url, **QUICK)) as chat:
        await chat.press("Yes, that's right")
        assert "for an adult" in chat.text()
        await chat.send("adult")
        assert "about 24 g" in chat.text()


async def test_the_user_hears_once_that_the_bot_cannot_remember(
    database_url: str, kb: KnowledgeBase
):
    warning = kb.message("storage_unavailable")
    standin = BotAPIStandIn()
    async with running_bot(standin, store_for(database_url, **QUICK)) as chat:
        async with write_lock_held(database_url):
            await chat.send("/dose")
            assert "What is your body weight?" in chat.text()
            assert [s.text for s in chat.last].count(warning) == 1
            await chat.send("80 kg")
            assert warning not in [s.text for s in chat.last]  # said once is enough
        await chat.press("Yes, that's right")  # saving works again: all of it is written
        assert "for an adult" in chat.text()
        assert warning not in [s.text for s in chat.last]
    async with running_bot(standin, store_for(database_url, **QUICK)) as chat:
        await chat.send("adult")
        assert "about 24 g" in chat.text()
