"""A real PostgreSQL server for the tests, started in a temporary folder.

It uses Debian's `postgresql` package (/usr/lib/postgresql/<version>/bin), or the binaries in
POSTGRES_BIN. The server refuses to run as root, so as root it runs as the package's `postgres`
user. It listens on a unix socket in its folder (trusted: the tests' superuser connection) and
on a free loopback port, where passwords are checked (scram-sha-256), as in production.
Durability is off (fsync, synchronous_commit): it is a test server and must be quick.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path

USER = "bot"
PASSWORD = "storage-test-password"
INSTALL_HINT = (
    "PostgreSQL is not installed here (apt-get install postgresql, or set POSTGRES_BIN to "
    "the folder holding initdb)"
)


def find_binaries() -> Path | None:
    """POSTGRES_BIN, else the newest PostgreSQL Debian installed; None if there is none."""
    if os.environ.get("POSTGRES_BIN"):  # another layout, e.g. $(pg_config --bindir)
        chosen = Path(os.environ["POSTGRES_BIN"])
        return chosen if (chosen / "initdb").exists() else None
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parent.parent.name)
    )
    return found[-1].parent if found else None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PostgresServer:
    """One server for the test session; `create_database()` gives each test its own."""

    def __init__(self, binaries: Path) -> None:
        self.binaries = binaries
        self.root = Path(tempfile.mkdtemp(prefix="bot-postgres-"))
        self.data = self.root / "data"
        self.port = free_port()
        self.as_root = os.geteuid() == 0

    def _command(self, program: str, *args: str) -> list[str]:
        command = [str(self.binaries / program), *args]
        return ["runuser", "-u", "postgres", "--", *command] if self.as_root else command

    def _run(self, program: str, *args: str) -> None:
        subprocess.run(self._command(program, *args), check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        if self.as_root:
            shutil.chown(self.root, "postgres", "postgres")
        self._run(
            "initdb", "-D", str(self.data), "-U", "postgres", "--no-sync", "-E", "UTF8",
            "--auth-local=trust", "--auth-host=scram-sha-256",
        )  # fmt: skip
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=60"
        )
        log = str(self.root / "server.log")
        self._run("pg_ctl", "-D", str(self.data), "-l", log, "-o", options, "-w", "start")
        self.sql(f"CREATE ROLE {USER} LOGIN PASSWORD '{PASSWORD}'")

    def stop(self) -> None:
        subprocess.run(
            self._command("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop"),
            capture_output=True,
            timeout=60,
        )
        shutil.rmtree(self.root, ignore_errors=True)

    def sql(self, statement: str, database: str = "postgres") -> str:
        """Run one statement as the superuser over the unix socket; return psql's output."""
        result = subprocess.run(
            [
                str(self.binaries / "psql"), "-h", str(self.root), "-p", str(self.port),
                "-U", "postgres", "-d", database, "-XAtq", "-v", "ON_ERROR_STOP=1",
                "-c", statement,
            ],
            check=True, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        return result.stdout

    def create_database(self) -> str:
        """A new empty database owned by the test user; its URL over TCP with the password."""
        name = f"test_{uuid.uuid4().hex[:12]}"
        self.sql(f"CREATE DATABASE {name} OWNER {USER}")
        return self.url(name)

    def url(self, database: str, password: str = PASSWORD, port: int | None = None) -> str:
        return f"postgresql://{USER}:{password}@127.0.0.1:{port or self.port}/{database}"
