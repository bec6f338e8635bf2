"""Settings: read once from the environment into a typed object, checked at start-up.

Every mistake stops start-up with one clear sentence (SettingsError), never a traceback.
The variables are those of ../shared/spec/interfaces.md; `.env.example` lists them.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from bot.storage import POSTGRES_SCHEMES, scheme_of, sqlite_path

# Every path the bot reads or writes is found from here: the checkout the package lives in.
PROJECT_ROOT = Path(__file__).resolve().parent.parent

DEFAULT_PORT = 8443
DEFAULT_DATABASE = PROJECT_ROOT / "data" / "bot.sqlite3"
DEFAULT_DATABASE_URL = f"sqlite:///{DEFAULT_DATABASE}"
TOKEN_SHAPE = re.compile(r"^[0-9]{5,20}:[A-Za-z0-9_-]{30,60}$")
SECRET_SHAPE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
DEFAULT_RETENTION_DAYS = 90  # bot.feedback: days questions kept for the curators stay
MAX_RETENTION_DAYS = 3650
DEFAULT_DAILY_LIMIT = 1000  # bot.feedback: questions kept for the curators in any 24 hours
MAX_DAILY_LIMIT = 1_000_000
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
BOTFATHER_HELP = (
    "Talk to @BotFather on Telegram, send /newbot, and put the token it gives you in "
    "TELEGRAM_BOT_TOKEN (for example in a .env file; see .env.example)."
)


class SettingsError(ValueError):
    """A setting is missing or malformed; the message is one sentence for the operator."""


@dataclass(frozen=True)
class Settings:
    token: str | None
    base_url: str | None = None
    webhook_url: str | None = None
    port: int = DEFAULT_PORT
    webhook_secret: str | None = None
    database_url: str = DEFAULT_DATABASE_URL
    log_level: str = "INFO"
    feedback_retention_days: int = DEFAULT_RETENTION_DAYS  # how long kept questions stay
    feedback_daily_limit: int = DEFAULT_DAILY_LIMIT  # at most this many kept in 24 hours

    @property
    def webhook_path(self) -> str:
        """The path of WEBHOOK_URL, where the local server listens for Telegram."""
        return urlsplit(self.webhook_url or "").path.strip("/")

    def require_token(self) -> str:
        if not self.token:
            raise SettingsError(f"TELEGRAM_BOT_TOKEN is not set. {BOTFATHER_HELP}")
        return self.token


def derive_secret(token: str) -> str:
    """The webhook secret used when WEBHOOK_SECRET is unset: stable, useless without the token."""
    return hashlib.sha256(f"webhook-secret:{token}".encode()).hexdigest()[:48]


def _database_url(value: str) -> str:
    """DATABASE_URL checked: a PostgreSQL URL as it is, a SQLite path made absolute."""
    scheme = scheme_of(value)
    if scheme in POSTGRES_SCHEMES:
        parts = urlsplit(value)
        try:
            parts.port  # noqa: B018 - raises ValueError for a port that is not a number
        except ValueError:
            raise SettingsError("DATABASE_URL has a port that is not a number.") from None
        if not parts.path.strip("/"):
            raise SettingsError(
                "DATABASE_URL names no database: use postgresql://user:password@host:port/db."
            )
        return value
    if scheme and not value.startswith("sqlite:///"):
        raise SettingsError(
            f"DATABASE_URL uses {scheme!r}, but only SQLite and PostgreSQL are supported: use "
            "sqlite:///path/to/file.sqlite3, a file path, or postgresql://user@host:port/db."
        )
    path = sqlite_path(value)
    if not path.name:
        raise SettingsError("DATABASE_URL names no file: use sqlite:///path/to/file.sqlite3.")
    return f"sqlite:///{path if path.is_absolute() else PROJECT_ROOT / path}"


def _token(value: str | None) -> str | None:
    if value is not None and not TOKEN_SHAPE.match(value):
        raise SettingsError(
            "TELEGRAM_BOT_TOKEN does not look like a bot token (digits, a colon, then about 35 "
            "letters, digits, _ or -); copy it again from @BotFather."
        )
    return value


def _port(value: str | None) -> int:
    if value is None:
        return DEFAULT_PORT
    if not value.isdecimal() or not 1 <= int(value) <= 65535:
        raise SettingsError(f"PORT must be a whole number from 1 to 65535, not {value!r}.")
    return int(value)


def _log_level(value: str | None) -> str:
    level = (value or "INFO").upper()
    if level not in LOG_LEVELS:
        raise SettingsError(f"LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}, not {level!r}.")
    return level


def _webhook_url(value: str | None) -> str | None:
    if value is not None:
        parts = urlsplit(value)
        if parts.scheme != "https" or not parts.hostname:
            raise SettingsError(f"WEBHOOK_URL must be a public https:// address, not {value!r}.")
    return value


def _secret(value: str | None, token: str | None) -> str | None:
    if value is not None and not SECRET_SHAPE.match(value):
        raise SettingsError(
            "WEBHOOK_SECRET may hold only letters, digits, _ and -, up to 256 characters."
        )
    if value is None and token is not None:
        return derive_secret(token)
    return value


def _base_url(value: str | None) -> str | None:
    if value is not None and urlsplit(value).scheme not in ("http", "https"):
        raise SettingsError(f"TELEGRAM_BASE_URL must be an http(s):// address, not {value!r}.")
    return value


def _whole_number(
    name: str, value: str | None, default: int, bounds: tuple[int, int], what: str
) -> int:
    """A setting that is a whole number of `what` within `bounds` (both included)."""
    low, high = bounds
    if value is None:
        return default
    if not value.isdecimal() or not low <= int(value) <= high:
        raise SettingsError(
            f"{name} must be a whole number of {what} from {low} to {high}, not {value!r}."
        )
    return int(value)


def from_env(env: Mapping[str, str] | None = None) -> Settings:
    """Read and check every setting; raise SettingsError with one sentence on the first mistake."""
    env = os.environ if env is None else env

    def get(name: str) -> str | None:
        value = env.get(name, "").strip()
        return value or None

    token = _token(get("TELEGRAM_BOT_TOKEN"))
    port = _port(get("PORT"))
    level = _log_level(get("LOG_LEVEL"))
    webhook_url = _webhook_url(get("WEBHOOK_URL"))
    secret = _secret(get("WEBHOOK_SECRET"), token)
    base_url = _base_url(get("TELEGRAM_BASE_URL"))
    database = get("DATABASE_URL")
    retention = _whole_number(
        "FEEDBACK_RETENTION_DAYS",
        get("FEEDBACK_RETENTION_DAYS"),
        DEFAULT_RETENTION_DAYS,
        (1, MAX_RETENTION_DAYS),
        "days",
    )
    daily_limit = _whole_number(
        "FEEDBACK_DAILY_LIMIT",
        get("FEEDBACK_DAILY_LIMIT"),
        DEFAULT_DAILY_LIMIT,
        (0, MAX_DAILY_LIMIT),
        "questions",
    )
    return Settings(
        token=token,
        base_url=base_url,
        webhook_url=webhook_url,
        port=port,
        webhook_secret=secret,
        database_url=_database_url(database) if database else DEFAULT_DATABASE_URL,
        log_level=level,
        feedback_retention_days=retention,
        feedback_daily_limit=daily_limit,
    )


def configure_logging(level: str) -> None:
    logging.basicConfig(
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        level=getattr(logging, level),
    )
    # httpx logs every request at INFO, and the URL holds the bot token: keep it quiet.
    logging.getLogger("httpx").setLevel(logging.WARNING)
