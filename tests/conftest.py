"""Shared fixtures: the real knowledge base, and a transcript harness around the real bot.

`bot_chat` builds the real Application (every handler, the persistence, the error handler)
on the Bot API stand-in, and drives it with real Update objects. Each call returns the messages
the bot sent in reply, so a test reads like a transcript. The services (knowledge base,
matcher, dialogs) are built once per test session, as the bot builds them once at start-up.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from telegram import Update
from telegram.ext import Application

from bot import html
from bot.config import Settings
from bot.knowledge import KnowledgeBase
from bot.matching import Matcher
from bot.services import Services, build_services
from bot.storage import SQLiteStore, Store
from bot.telegram.app import build_application
from bot.telegram.persistence import StorePersistence
from tests.storage.postgres_server import INSTALL_HINT, PostgresServer, find_binaries
from tests.support.standin import STAND_IN_TOKEN, BotAPIStandIn, Sent, StandInRequest

PRIVATE = 42
GROUP = -1001


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One real PostgreSQL server per test session, for every test that asks for it. Without
    PostgreSQL installed those tests are skipped, saying how to get it; with
    REQUIRE_POSTGRES=1 (CI sets it) they fail instead, so CI can never pass without them."""
    binaries = find_binaries()
    if binaries is None:
        if os.environ.get("REQUIRE_POSTGRES") == "1":
            pytest.fail(f"{INSTALL_HINT}, and REQUIRE_POSTGRES=1 requires it.")
        pytest.skip(f"{INSTALL_HINT}; REQUIRE_POSTGRES=1 turns this skip into a failure.")
    server = PostgresServer(binaries)
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def services() -> Services:
    return shared_services()


@pytest.fixture(scope="session")
def kb(services: Services) -> KnowledgeBase:
    return services.kb


@pytest.fixture(scope="session")
def matcher(services: Services) -> Matcher:
    return services.matcher


@pytest.fixture(scope="session")
def lexical(services: Services):
    """The lexical matcher alone: the fused matcher's collaborator, or the shipped one."""
    from bot.matching.lexical import LexicalMatcher

    shipped = services.matcher
    return shipped if isinstance(shipped, LexicalMatcher) else shipped.lexical


_FUSED: list[Matcher] = []


@pytest.fixture(scope="session")
def fused(services: Services) -> Matcher:
    """The fused matcher (built at most once per session: training it takes about a second)."""
    from bot.matching.fused import FusedMatcher

    if isinstance(services.matcher, FusedMatcher):
        return services.matcher
    if not _FUSED:
        _FUSED.append(FusedMatcher.build(services.kb))
    return _FUSED[0]


@dataclass
class BotChat:
    """One user talking to the real bot; each action returns what the bot sent back."""

    application: Application
    standin: BotAPIStandIn
    chat_id: int = PRIVATE
    last: list[Sent] = field(default_factory=list)

    async def feed(self, update: dict) -> list[Sent]:
        before = len(self.standin.sent)
        await self.application.process_update(Update.de_json(update, self.application.bot))
        self.last = self.standin.sent[before:]
        return self.last

    async def send(self, text: str, **kwargs) -> list[Sent]:
        kwargs.setdefault("chat_id", self.chat_id)
        return await self.feed(self.standin.message_update(text, **kwargs))

    async def press(self, label: str) -> list[Sent]:
        """Tap the button labelled `label` on the newest message that has one."""
        for sent in reversed(self.standin.sent):
            for row in sent.buttons:
                for button in row:
                    if button["text"] == label:
                        return await self.feed(
                            self.standin.button_update(sent, button["callback_data"])
                        )
        raise AssertionError(f"no button {label!r}; last buttons: {self.buttons()}")

    async def press_data(self, data: str) -> list[Sent]:
        sent = self.standin.sent[-1]
        return await self.feed(self.standin.button_update(sent, data))

    async def wait_for(self, text: str, within: float = 5.0) -> Sent:
        """The first message from now on holding `text`, sent by the bot on its own (a timeout);
        fail if none comes within `within` seconds."""
        start = len(self.standin.sent)
        try:
            async with asyncio.timeout(within):
                while True:
                    for sent in self.standin.sent[start:]:
                        if text in sent.text:
                            return sent
                    await asyncio.sleep(0.02)  # the bot runs on this loop: let it work
        except TimeoutError:
            raise AssertionError(f"no message with {text!r} within {within} s") from None

    def buttons(self) -> list[str]:
        for sent in reversed(self.last):
            if sent.buttons:
                return sent.labels
        return []

    def text(self) -> str:
        """Everything the bot said in reply to the last action, as plain text."""
        return "\n".join(html.to_plain(s.text) for s in self.last)


@asynccontextmanager
async def running_bot(
    standin: BotAPIStandIn,
    database: Path | Store,
    services: Services | None = None,
    settings: Settings | None = None,
) -> AsyncIterator[BotChat]:
    """The real bot on a database file or a store, while the block runs (a restart is two)."""
    application = await start_bot(standin, database, services, settings)
    try:
        yield BotChat(application, standin)
    finally:
        await stop_bot(application)


_SHARED: list[Services] = []


def shared_services() -> Services:
    """The services every test bot uses unless given others (built once: they are read-only)."""
    if not _SHARED:
        _SHARED.append(build_services())
    return _SHARED[0]


async def start_bot(
    standin: BotAPIStandIn,
    database: Path | Store,
    services: Services | None = None,
    settings: Settings | None = None,
) -> Application:
    store = database if isinstance(database, Store) else SQLiteStore(database)
    application = build_application(
        settings or Settings(token=STAND_IN_TOKEN),
        services or shared_services(),
        request=StandInRequest(standin),
        persistence=StorePersistence(store),
    )
    await application.initialize()
    if application.post_init:
        await application.post_init(application)
    await application.start()  # the job queue runs, so dialog timeouts are scheduled
    return application


async def stop_bot(application: Application) -> None:
    await application.stop()
    await application.shutdown()


@pytest.fixture
async def bot_chat(tmp_path: Path) -> AsyncIterator[BotChat]:
    async with running_bot(BotAPIStandIn(), tmp_path / "bot.sqlite3") as chat:
        yield chat
