"""Storage fixtures: both backends for real, a PostgreSQL server once per test session.

Without PostgreSQL installed the PostgreSQL tests are skipped, saying how to get it; with
REQUIRE_POSTGRES=1 (CI sets it) they fail instead, so CI can never pass without them.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.storage import Store, store_for
from tests.storage.databases import QUICK
from tests.storage.postgres_server import INSTALL_HINT, PostgresServer, find_binaries


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
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


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty database of each kind: a new SQLite file, a new PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'data' / 'bot.sqlite3'}"
    return request.getfixturevalue("postgres_server").create_database()


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[Store]:
    async with store_for(database_url, **QUICK) as opened:
        yield opened
