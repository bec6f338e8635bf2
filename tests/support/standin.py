"""The tests' Bot API stand-in: the terminal chat's local Bot API, plus what tests need.

It records every call, can fail a method once as Telegram would (`fail_next`), queues updates
for long polling (`getUpdates`) and accepts a webhook. tests/support/server.py serves it over
HTTP on loopback, for the end-to-end tests that run the bot as its own process.
"""

from __future__ import annotations

import time
from typing import Any

from bot.telegram.local_api import (
    BOT_ID,
    BOT_USERNAME,
    LOCAL_TOKEN,
    BotAPIError,
    LocalBotAPI,
    LocalRequest,
    Sent,
)

STAND_IN_TOKEN = LOCAL_TOKEN
StandInRequest = LocalRequest
__all__ = [
    "BOT_ID",
    "BOT_USERNAME",
    "STAND_IN_TOKEN",
    "BotAPIError",
    "BotAPIStandIn",
    "Sent",
    "StandInRequest",
]


class BotAPIStandIn(LocalBotAPI):
    """The local Bot API, recording calls, failing on demand, polling and webhooks."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[str, dict]] = []
        self.updates: list[dict] = []  # queued for getUpdates
        self.webhook: dict = {}
        self.fail_next: list[tuple[str, BotAPIError]] = []  # (method, error) to raise once

    def call(self, method: str, params: dict) -> Any:
        """Record the call; raise the first failure queued for this method, if any."""
        with self.lock:
            self.calls.append((method, params))
            for n, (failing, error) in enumerate(self.fail_next):
                if failing == method:
                    del self.fail_next[n]
                    raise error
        return super().call(method, params)

    def _deleteWebhook(self, params: dict) -> bool:  # Bot API method names, as Telegram spells
        self.webhook = {}
        return True

    def _setWebhook(self, params: dict) -> bool:
        self.webhook = dict(params)
        return True

    def _getWebhookInfo(self, params: dict) -> dict:
        return {
            "url": self.webhook.get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": len(self.updates),
        }

    def _getUpdates(self, params: dict) -> list[dict]:
        offset = int(params.get("offset") or 0)
        timeout = float(params.get("timeout") or 0)
        deadline = time.monotonic() + timeout
        while True:
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
            if self.updates or time.monotonic() >= deadline:
                return list(self.updates)
            self.lock.wait(timeout=min(0.1, max(deadline - time.monotonic(), 0)))

    def queue(self, update: dict) -> None:
        """Queue an update for getUpdates (long polling)."""
        with self.lock:
            self.updates.append(update)
            self.lock.notify_all()
