"""/forget through the real bot on each backend: afterwards no row holds the user's id."""

from __future__ import annotations

from bot.storage import store_for
from tests.conftest import running_bot
from tests.storage.databases import QUICK, everything_stored
from tests.storage.test_store import message_update
from tests.support.standin import BotAPIStandIn

ALICE = 918273645  # digits that appear nowhere else
BOB = 564738291
GROUP = -1009988776655


async def test_forget_leaves_no_row_with_the_user_s_id(database_url: str):
    standin = BotAPIStandIn()
    async with running_bot(standin, store_for(database_url, **QUICK)) as chat:
        await chat.send("how many grams of glutamine per day", chat_id=ALICE)
        await chat.press("👎")  # a kept question: no id in it
        await chat.send("/dose", chat_id=ALICE)
        await chat.send("80 kg", chat_id=ALICE)  # an open dialog, with her weight
        await chat.send("/calories", chat_id=GROUP, user_id=ALICE)  # one in a group too
        await chat.send("/dose", chat_id=BOB)  # someone else's, which must stay
        store = chat.application.persistence.store
        await store.add_update(90001, message_update(90001, ALICE, "not yet answered"))
        assert str(ALICE) in await everything_stored(database_url)

        await chat.send("/forget", chat_id=ALICE)
        await chat.press("Yes, delete it")
        said = standin.edited[-1].text
        assert "open dialogs: 2" in said
        assert "messages of yours waiting to be answered: 1" in said

        stored = await everything_stored(database_url)
        assert str(ALICE) not in stored
        assert "not yet answered" not in stored
        assert str(BOB) in stored  # Bob's dialog stays
        assert "how many grams of glutamine per day" in stored  # kept for curators, no id

    async with running_bot(standin, store_for(database_url, **QUICK)) as chat:
        await chat.send("81 kg", chat_id=ALICE)  # no dialog comes back after a restart
        assert "So you weigh" not in chat.text()
        await chat.send("80 kg", chat_id=BOB)
        assert "So you weigh 80 kg" in chat.text()
    assert str(ALICE) not in await everything_stored(database_url)
