"""The SQLite backend: one file on the standard library's sqlite3, the zero-setup default.

The file and the folders the bot creates for it are readable by their owner only (0600, 0700;
SQLite gives its -wal and -shm files the database file's mode). WAL journal with
synchronous=NORMAL: a commit survives the process being killed; only a power cut may lose the
last ones. A second bot process on the same file is refused: the first holds an exclusive
flock on `<file>.lock` for as long as it runs, while the sqlite3 shell or a backup can still
read the database itself.

sqlite3 calls are short and local, so they run on the event loop; waiting for a lock another
program holds is bounded by `wait` (SQLite's busy timeout).
"""

from __future__ import annotations

import errno
import fcntl
import os
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from pathlib import Path

from bot.storage.store import StorageError, Store, Transaction

MEMORY = ":memory:"


class _SQLiteTransaction(Transaction):
    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    async def execute(self, sql: str, *params: object) -> int:
        return max(self._db.execute(sql, params).rowcount, 0)

    async def fetch(self, sql: str, *params: object) -> list[tuple]:
        return self._db.execute(sql, params).fetchall()


class SQLiteStore(Store):
    """The Store in one SQLite file (or in memory, for the terminal chat and tests)."""

    dialect = "sqlite"

    def __init__(self, path: Path | str, **options) -> None:
        super().__init__(**options)
        self.path = Path(path)
        self.memory = str(path) == MEMORY
        self._db: sqlite3.Connection | None = None
        self._lock_fd: int | None = None

    @property
    def description(self) -> str:
        return "the in-memory SQLite database" if self.memory else f"the SQLite file {self.path}"

    async def _connect(self) -> None:
        if not self.memory:
            _make_folder(self.path.parent)
            if self.exclusive:
                self._lock_fd = self._lock()
            _create_private(self.path)
        # Autocommit mode: every write below is an explicit BEGIN IMMEDIATE ... COMMIT.
        self._db = sqlite3.connect(
            self.path, timeout=self.wait, isolation_level=None, check_same_thread=False
        )
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        [(verdict,)] = self._db.execute("PRAGMA quick_check").fetchall()
        if verdict != "ok":
            raise sqlite3.DatabaseError(f"database disk image is malformed ({verdict})")

    def _lock(self) -> int:
        lock_path = self.path.with_name(self.path.name + ".lock")
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise StorageError(
                f"Another bot process is already using {self.description} (it holds "
                f"{lock_path.name}), so this one stops: only one process may serve the bot "
                "at a time."
            ) from None
        return fd

    async def _disconnect(self) -> None:
        if self._db is not None:
            with suppress(sqlite3.Error):
                self._db.close()
            self._db = None
        if self._lock_fd is not None:
            os.close(self._lock_fd)  # releases the flock
            self._lock_fd = None

    def _connection(self) -> sqlite3.Connection:
        if self._db is None:
            raise RuntimeError(f"{self.description} is not open")
        return self._db

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[Transaction]:
        db = self._connection()
        db.execute("BEGIN IMMEDIATE")  # take the write lock now, not halfway through
        try:
            yield _SQLiteTransaction(db)
            db.execute("COMMIT")
        except BaseException:
            with suppress(sqlite3.Error):
                db.execute("ROLLBACK")
            raise

    async def _fetch(self, sql: str, *params: object) -> list[tuple]:
        return self._connection().execute(sql, params).fetchall()

    def _explain(self, error: BaseException) -> str | None:
        if isinstance(error, OSError):
            return self._explain_os(error)
        if not isinstance(error, sqlite3.Error):
            return None
        text = str(error).lower()
        folder = self.path.parent
        if "not a database" in text or "malformed" in text:
            return (
                f"{self.path} is not a SQLite database, or is damaged: restore it from a backup, "
                "or move it away to start with an empty one."
            )
        if ("readonly" in text or "unable to open" in text) and not _writable(folder):
            return _read_only_folder(folder)
        if "readonly" in text:
            return (
                f"{self.path} is read-only for the bot: check the file's owner and permissions "
                "(the bot must write it)."
            )
        if "locked" in text or "busy" in text:
            return (
                f"{self.path} is locked by another program (waited {self.wait:g} s): close "
                "whatever holds it, such as a sqlite3 shell or a backup."
            )
        if "disk is full" in text or "disk i/o error" in text:  # ENOSPC, EFBIG, a bad disk
            return (
                f"Cannot write {self.path}: its disk is full or failing (SQLite: {error}). Free "
                "some space there, or check the disk."
            )
        return f"SQLite failed on {self.path}: {error}."

    def _explain_os(self, error: OSError) -> str:
        where = error.filename or self.path.parent
        if error.errno == errno.EROFS:
            return f"{where} is on a read-only file system: point DATABASE_URL somewhere writable."
        if error.errno in (errno.EACCES, errno.EPERM) and not _writable(self.path.parent):
            return _read_only_folder(self.path.parent)
        if error.errno in (errno.EACCES, errno.EPERM):
            return (
                f"The bot may not write {where}: check the owner and permissions of the folder "
                f"{self.path.parent}, or point DATABASE_URL somewhere writable."
            )
        return f"Cannot use {where} for the database: {error.strerror}."


def _read_only_folder(folder: Path) -> str:
    return (
        f"The folder {folder} is read-only for the bot, which must create files there beside "
        "the database: check the folder's owner and permissions."
    )


def _writable(folder: Path) -> bool:
    return os.access(folder, os.W_OK | os.X_OK)


def _make_folder(folder: Path) -> None:
    """Create the folder and its missing parents, each readable by the bot's user only."""
    missing = []
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    for each in reversed(missing):
        with suppress(FileExistsError):
            each.mkdir(mode=0o700)


def _create_private(path: Path) -> None:
    """Create an empty database file readable by its owner only, unless there is one."""
    with suppress(FileExistsError):
        os.close(os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600))


def sqlite_path(url: str) -> Path:
    """The file a sqlite:///path URL (or a plain path) names."""
    return Path(url.removeprefix("sqlite:///"))
