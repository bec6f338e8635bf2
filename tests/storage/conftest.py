"""Storage fixtures: both backends for real (the PostgreSQL server is tests/conftest.py's)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.storage import Store, store_for
from tests.storage.databases import QUICK


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
