"""The Store on both backends: what is kept, the inbox, forgetting a user, the schema, failures.

Every test runs on a real SQLite file and on a real PostgreSQL database (see conftest.py).
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time

import pytest

from bot.storage import StorageError, Store, mentioned_users, store_for
from bot.storage import store as store_module
from bot.storage.schema import LATEST, Migration
from bot.storage.updates import DONE_CHUNK
from tests.storage.databases import (
    QUICK,
    everything_stored,
    run_sql,
    table_rows,
    write_lock_held,
)

ALICE = 918273645  # digits that appear nowhere else in these tests
BOB = 564738291
GROUP = -1009988776655


def message_update(update_id: int, user: int, text: str, chat: int | None = None) -> dict:
    """An update as Telegram sends it: a text message from `user` (in their private chat)."""
    chat = user if chat is None else chat
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 1700000000,
            "from": {"id": user, "is_bot": False, "first_name": "Someone"},
            "chat": {"id": chat, "type": "private" if chat == user else "supergroup"},
            "text": text,
        },
    }


async def reopened(url: str) -> Store:
    store = store_for(url, **QUICK)
    await store.open()
    return store


# -- what python-telegram-bot keeps ----------------------------------------------------------


async def test_every_kind_of_data_survives_a_restart(store: Store, database_url: str):
    dialog = {"dialogs": {str(ALICE): {"kind": "dose", "step": "weight", "at": 1.5}}}
    await store.save_user_data(ALICE, dialog)
    await store.save_user_data(BOB, {"note": 'ünïcode and emoji 🙂 and "quotes"'})
    await store.save_chat_data(GROUP, {"seen": [1, 2, 3]})
    await store.save_bot_data({"started": True})
    await store.save_callback_data([[["id1", 1.5, {"a": "b"}]], {"q": "id1"}])
    await store.save_conversation("dialogs", (ALICE, ALICE), "WEIGHT")
    await store.save_conversation("dialogs", (GROUP, BOB), "AGE")
    await store.save_conversation("dialogs", (GROUP, BOB), "HEIGHT")  # replaces AGE
    await store.close()

    again = await reopened(database_url)
    try:
        assert await again.load_user_data() == {
            ALICE: dialog,
            BOB: {"note": 'ünïcode and emoji 🙂 and "quotes"'},
        }
        assert await again.load_chat_data() == {GROUP: {"seen": [1, 2, 3]}}
        assert await again.load_bot_data() == {"started": True}
        assert await again.load_callback_data() == [[["id1", 1.5, {"a": "b"}]], {"q": "id1"}]
        assert await again.load_conversations("dialogs") == {
            (ALICE, ALICE): "WEIGHT",
            (GROUP, BOB): "HEIGHT",
        }
        assert await again.load_conversations("other") == {}
    finally:
        await again.close()


async def test_dropped_data_and_ended_conversations_are_gone(store: Store):
    await store.save_user_data(ALICE, {"a": 1})
    await store.save_chat_data(GROUP, {"b": 2})
    await store.save_conversation("dialogs", (ALICE, ALICE), "WEIGHT")
    await store.drop_user_data(ALICE)
    await store.drop_chat_data(GROUP)
    await store.save_conversation("dialogs", (ALICE, ALICE), None)
    assert await store.load_user_data() == {}
    assert await store.load_chat_data() == {}
    assert await store.load_conversations("dialogs") == {}


async def test_empty_data_keeps_no_row_with_the_id(store: Store, database_url: str):
    await store.save_user_data(ALICE, {"dialogs": {"1": {}}})
    await store.save_user_data(ALICE, {})  # the dialog ended: nothing left about her
    await store.save_user_data(BOB, {})  # he only typed the bot's name somewhere
    await store.save_chat_data(GROUP, {})
    rows = await table_rows(database_url)
    assert rows["user_data"] == [] and rows["chat_data"] == []
    assert await store.load_user_data() == {}


async def test_an_empty_database_gives_empty_data(store: Store):
    assert await store.load_user_data() == {}
    assert await store.load_bot_data() == {}
    assert await store.load_callback_data() is None
    assert await store.pending_updates() == []


# -- the update inbox ------------------------------------------------------------------------


async def test_the_inbox_refuses_an_update_it_has_or_handled(store: Store, database_url: str):
    first = message_update(7001, ALICE, "how much glutamine")
    assert await store.add_update(7001, first) is True
    assert await store.add_update(7001, first) is False  # Telegram sent it again
    await store.done(7001)
    assert await store.add_update(7001, first) is False  # handled already
    await store.close()

    again = await reopened(database_url)
    try:
        assert await again.add_update(7001, first) is False  # still known after a restart
        assert await again.pending_updates() == []
    finally:
        await again.close()


async def test_pending_updates_come_oldest_first_and_survive_a_restart(
    store: Store, database_url: str
):
    for update_id in (7003, 7001, 7002):  # the order they arrived in
        assert await store.add_update(update_id, message_update(update_id, ALICE, "hi"))
        await asyncio.sleep(0.002)  # distinct arrival times on any clock
    await store.done(7001)
    await store.close()

    again = await reopened(database_url)
    try:
        pending = await again.pending_updates()
        assert [update.update_id for update in pending] == [7003, 7002]
        assert pending[0].payload == message_update(7003, ALICE, "hi")
        assert pending[0].received_at <= pending[1].received_at <= time.time()
    finally:
        await again.close()


async def test_done_deletes_what_the_user_wrote(store: Store, database_url: str):
    await store.add_update(7001, message_update(7001, ALICE, "my private symptoms"))
    assert "my private symptoms" in await everything_stored(database_url)
    await store.done(7001)
    assert "my private symptoms" not in await everything_stored(database_url)
    assert (await table_rows(database_url))["handled"][0][0] == 7001  # only the bare id


async def test_done_takes_a_batch_with_repeats_and_beyond_one_statement(store: Store, database_url):
    ids = list(range(9000, 9000 + DONE_CHUNK + 50))
    for update_id in ids:
        await store.add_update(update_id, message_update(update_id, ALICE, "hi"))
    await store.done(*ids, ids[0], ids[-1])  # repeats: each row touched once all the same
    tables = await table_rows(database_url)
    assert tables["inbox"] == [] and sorted(r[0] for r in tables["handled"]) == ids


async def test_saves_made_while_deferred_are_written_together_at_its_end(
    store: Store, database_url: str
):
    async with store.deferred():
        await store.save_user_data(ALICE, {"weight": 80})
        async with store.deferred():  # nested: only the outermost end writes
            await store.save_chat_data(ALICE, {"step": "height"})
        assert (await table_rows(database_url))["user_data"] == []  # not yet
        assert store.unsaved == 2
    tables = await table_rows(database_url)
    assert [r[0] for r in tables["user_data"]] == [ALICE] and [r[0] for r in tables["chat_data"]]
    assert store.unsaved == 0


async def test_saves_deferred_while_the_storage_fails_stay_queued_for_the_next_write(
    store: Store, database_url: str
):
    async with write_lock_held(database_url), store.deferred():
        await store.save_user_data(ALICE, {"weight": 80})
    assert store.unsaved == 1 and not store.healthy  # not lost, and said so
    await store.add_update(9100, message_update(9100, ALICE, "hi"))  # the next write
    assert store.unsaved == 0
    assert [r[0] for r in (await table_rows(database_url))["user_data"]] == [ALICE]


async def test_handled_ids_are_forgotten_after_a_day(store: Store, monkeypatch):
    real_time = time.time
    monkeypatch.setattr(store_module.time, "time", lambda: real_time() - 25 * 3600)
    await store.done(7001)  # handled 25 hours ago
    monkeypatch.setattr(store_module.time, "time", real_time)
    await store.done(7002)  # handling another one prunes the old id
    assert await store.add_update(7001, message_update(7001, ALICE, "hi")) is True
    assert await store.add_update(7002, message_update(7002, ALICE, "hi")) is False


# -- forgetting a user -----------------------------------------------------------------------


async def test_forget_user_leaves_nothing_with_their_id(store: Store, database_url: str):
    await store.save_user_data(ALICE, {"dialogs": {str(ALICE): {"kind": "dose"}}})
    await store.save_chat_data(ALICE, {"private": "chat"})  # their private chat has their id
    await store.save_conversation("dialogs", (ALICE, ALICE), "WEIGHT")
    await store.save_conversation("dialogs", (GROUP, ALICE), "AGE")
    await store.add_update(7001, message_update(7001, ALICE, "about me"))
    reply = message_update(7002, BOB, "replying to her", chat=GROUP)
    reply["message"]["reply_to_message"] = message_update(6000, ALICE, "her words", GROUP)[
        "message"
    ]
    await store.add_update(7002, reply)  # Bob's update quotes Alice: it holds her id too
    await store.done(6999)
    await store.save_user_data(BOB, {"dialogs": {}})
    await store.save_chat_data(GROUP, {"group": True})
    await store.save_conversation("dialogs", (GROUP, BOB), "HEIGHT")
    await store.add_update(7003, message_update(7003, BOB, "my question", chat=GROUP))

    forgotten = await store.forget_user(ALICE)

    assert (forgotten.user_data, forgotten.chat_data, forgotten.conversations, forgotten.inbox) == (
        1,
        1,
        2,
        2,
    )
    stored = await everything_stored(database_url)
    assert str(ALICE) not in stored
    assert "her words" not in stored
    assert await store.load_user_data() == {BOB: {"dialogs": {}}}  # Bob's things stay
    assert await store.load_conversations("dialogs") == {(GROUP, BOB): "HEIGHT"}
    assert [u.update_id for u in await store.pending_updates()] == [7003]


def test_mentioned_users_finds_senders_quoted_authors_and_private_chats():
    update = message_update(1, BOB, "look", chat=GROUP)
    update["message"]["reply_to_message"] = message_update(2, ALICE, "x", GROUP)["message"]
    update["message"]["contact"] = {"phone_number": "1", "first_name": "C", "user_id": 4242}
    assert mentioned_users(update) == {BOB, ALICE, 4242}
    assert mentioned_users(message_update(3, ALICE, "hi")) == {ALICE}
    assert GROUP not in mentioned_users(update)  # a group's id is not a person's


# -- the schema ------------------------------------------------------------------------------


async def test_the_schema_is_versioned_and_reopening_changes_nothing(
    store: Store, database_url: str
):
    assert await store.schema_version() == LATEST
    await store.save_user_data(ALICE, {"kept": True})
    await store.close()
    before = await table_rows(database_url)
    assert [version for version, _ in before["schema_version"]] == list(range(1, LATEST + 1))

    again = await reopened(database_url)
    await again.close()
    assert await table_rows(database_url) == before


async def test_a_new_migration_runs_once_on_an_existing_database(
    store: Store, database_url: str, monkeypatch
):
    await store.save_user_data(ALICE, {"kept": True})
    await store.close()
    added = Migration(LATEST + 1, "a test table", ("CREATE TABLE notes (id BIGINT)",))
    monkeypatch.setattr(store_module, "MIGRATIONS", (*store_module.MIGRATIONS, added))
    monkeypatch.setattr(store_module, "LATEST", LATEST + 1)

    for _ in range(2):  # the second start finds it done
        again = await reopened(database_url)
        assert await again.schema_version() == LATEST + 1
        assert await again.load_user_data() == {ALICE: {"kept": True}}
        await again.close()
    rows = await table_rows(database_url)
    assert rows["notes"] == []
    assert len(rows["schema_version"]) == LATEST + 1


async def test_a_database_from_a_newer_bot_is_refused(store: Store, database_url: str):
    await store.close()
    await run_sql(database_url, "INSERT INTO schema_version VALUES (99, 0)")  # a newer bot's
    with pytest.raises(StorageError, match="newer version of the bot"):
        await reopened(database_url)


# -- one process only ------------------------------------------------------------------------


async def test_a_second_store_on_the_same_database_is_refused(store: Store, database_url: str):
    with pytest.raises(StorageError, match=r"^Another bot process is already using"):
        await reopened(database_url)
    await store.close()
    again = await reopened(database_url)  # the lock went with the first
    await again.close()


# -- failures --------------------------------------------------------------------------------


async def test_a_lock_held_longer_than_one_wait_is_ridden_out(store: Store, database_url: str):
    async with write_lock_held(database_url) as lock:

        async def release_soon() -> None:
            await asyncio.sleep(0.2)  # two waits of 0.1 s
            await lock.release()

        releasing = asyncio.create_task(release_soon())
        started = time.monotonic()
        await store.save_user_data(ALICE, {"kept": True})
        await releasing
    assert time.monotonic() - started >= 0.2  # it did wait for the lock to go
    assert store.healthy and store.unsaved == 0
    assert (await table_rows(database_url))["user_data"] == [(ALICE, '{"kept": true}')]


async def test_a_failing_save_is_kept_and_written_when_storage_works_again(
    store: Store, database_url: str, caplog
):
    caplog.set_level(logging.ERROR, logger="bot.storage")
    async with write_lock_held(database_url):
        await store.save_user_data(ALICE, {"step": 1})  # retried, then queued: no exception
        assert not store.healthy
        assert "locked" in store.last_error
        await store.save_user_data(ALICE, {"step": 2})
        await store.save_user_data(BOB, {"step": 1})
        assert store.unsaved == 2  # the latest of each row
        with pytest.raises(StorageError, match="locked"):
            await store.add_update(7001, message_update(7001, ALICE, "hi"))
        assert not await store.check()
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1, "logged at ERROR once, not at every failure"

    assert await store.check()
    assert store.healthy and store.last_error is None and store.unsaved == 0
    assert await store.load_user_data() == {ALICE: {"step": 2}, BOB: {"step": 1}}


async def test_forgetting_a_user_drops_their_queued_saves_too(store: Store, database_url: str):
    async with write_lock_held(database_url):
        await store.save_user_data(ALICE, {"words": "secret"})
        await store.save_conversation("dialogs", (ALICE, ALICE), "WEIGHT")
        await store.save_user_data(BOB, {"words": "kept"})
    await store.forget_user(ALICE)
    await store.save_bot_data({})  # any later write
    assert await store.load_user_data() == {BOB: {"words": "kept"}}
    assert str(ALICE) not in await everything_stored(database_url)


async def test_closing_writes_what_is_still_queued(store: Store, database_url: str):
    async with write_lock_held(database_url):
        await store.save_user_data(ALICE, {"kept": True})
        assert store.unsaved == 1
    await store.close()
    assert (await table_rows(database_url))["user_data"] == [(ALICE, '{"kept": true}')]


async def test_postgresql_connections_the_server_drops_are_replaced(postgres_server):
    url = postgres_server.create_database()
    async with store_for(url, **QUICK) as store:
        await store.save_user_data(ALICE, {"step": 1})
        postgres_server.sql(  # what a server restart or a failover does to every session
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE application_name = 'glutamine-bot'"
        )
        await asyncio.sleep(0.1)  # the event loop notices the closed sockets
        await store.save_user_data(ALICE, {"step": 2})
        assert store.healthy
        assert await store.load_user_data() == {ALICE: {"step": 2}}
        with pytest.raises(StorageError, match="Another bot process"):
            await reopened(url)  # the lock was taken again


async def test_a_database_from_before_versioning_is_adopted_with_its_data(tmp_path):
    path = tmp_path / "bot.sqlite3"
    with sqlite3.connect(path) as db:  # the schema the bot created before bot/storage existed
        db.executescript(
            """
            CREATE TABLE user_data (user_id INTEGER PRIMARY KEY, data TEXT NOT NULL);
            CREATE TABLE chat_data (chat_id INTEGER PRIMARY KEY, data TEXT NOT NULL);
            CREATE TABLE bot_data (id INTEGER PRIMARY KEY CHECK (id = 1), data TEXT NOT NULL);
            CREATE TABLE callback_data (
                id INTEGER PRIMARY KEY CHECK (id = 1), data TEXT NOT NULL);
            CREATE TABLE conversations (
                name TEXT NOT NULL, key TEXT NOT NULL, state TEXT NOT NULL,
                PRIMARY KEY (name, key));
            INSERT INTO user_data VALUES (918273645, '{"dialogs": {}}');
            INSERT INTO conversations VALUES ('dialogs', '[918273645, 918273645]', '"WEIGHT"');
            """
        )
    async with store_for(f"sqlite:///{path}", **QUICK) as store:
        assert await store.schema_version() == LATEST
        assert await store.load_user_data() == {ALICE: {"dialogs": {}}}
        assert await store.load_conversations("dialogs") == {(ALICE, ALICE): "WEIGHT"}
        await store.save_conversation("dialogs", (ALICE, ALICE), None)  # the same key text
        assert await store.load_conversations("dialogs") == {}
        assert await store.add_update(7001, message_update(7001, ALICE, "hi"))


async def test_data_saved_again_after_forget_user_is_written(store: Store):
    await store.save_user_data(71, {"dialogs": {"71": {"step": "weight"}}})
    await store.forget_user(71)
    # The same data again (a dialog started afresh): it must not be taken as written already.
    await store.save_user_data(71, {"dialogs": {"71": {"step": "weight"}}})
    assert await store.load_user_data() == {71: {"dialogs": {"71": {"step": "weight"}}}}
