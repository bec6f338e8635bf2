"""The webhook server: Telegram's updates in, kept in the inbox before the 200, and /healthz.

python-telegram-bot's own webhook server answers 200 as soon as the update is in memory and
reads the whole body before it checks the secret. This one (tornado, which python-telegram-bot's
webhooks extra installs) is stricter, in this order:

1. The secret (`X-Telegram-Bot-Api-Secret-Token`) is checked once the headers are in, before a
   byte of the body is read: a wrong or missing one gets 403 and the connection is closed.
2. A body announced larger than `max_body` (Telegram's updates are a few kilobytes) gets 413,
   unread; one that grows past it while streaming is cut off.
3. A body that does not arrive within `body_timeout` seconds, or headers within
   `header_timeout`, ends the connection: a slow client cannot hold the server.
4. The update is kept in the inbox (bot.telegram.delivery), then answered 200, then queued for
   handling. An update_id seen before is answered 200 and not queued again. If it cannot be
   kept, the answer is 500, so Telegram sends it again later.

`GET /healthz` answers 200 while the storage works and 503 with the reason while it fails
(the platform's health check, or an operator's curl).
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import signal
from collections.abc import Sequence
from http import HTTPStatus

import tornado.netutil
import tornado.web
from telegram import Update
from telegram.ext import Application
from tornado.httpserver import HTTPServer

from bot.config import Settings
from bot.storage import StorageError
from bot.telegram.delivery import Inbox, insert_callback_data

_LOGGER = logging.getLogger(__name__)

MAX_BODY = 64 * 1024  # bytes; Telegram's largest updates are far smaller
BODY_TIMEOUT = 10.0  # seconds for the whole body to arrive
HEADER_TIMEOUT = 30.0  # seconds for the headers to arrive on a new or idle connection
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header's name


class _Hook:
    """What every request handler shares."""

    def __init__(self, application: Application, inbox: Inbox, secret: str, limit: int, wait):
        self.application = application
        self.inbox = inbox
        self.secret = secret
        self.max_body = limit
        self.body_timeout = wait


class _Quiet(tornado.web.Application):
    def log_request(self, handler: tornado.web.RequestHandler) -> None:
        """No access log: the bot logs what matters, and a request line is nobody's business."""


@tornado.web.stream_request_body
class _UpdateHandler(tornado.web.RequestHandler):
    """POST <path>: one update from Telegram."""

    SUPPORTED_METHODS = ("POST",)  # type: ignore[assignment]

    def initialize(self, hook: _Hook) -> None:
        self.hook = hook
        self.body = bytearray()

    def prepare(self) -> None:
        """Check the secret and the announced size before the body is read."""
        connection = self.request.connection
        given = self.request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self.hook.secret.encode()):
            self._refuse(HTTPStatus.FORBIDDEN, "wrong or missing secret token")
            return
        length = self.request.headers.get("Content-Length")
        if length is not None and (not length.isdigit() or int(length) > self.hook.max_body):
            self._refuse(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "an update is never that large")
            return
        connection.set_max_body_size(self.hook.max_body)  # also for a chunked body
        connection.set_body_timeout(self.hook.body_timeout)

    def _refuse(self, status: HTTPStatus, why: str) -> None:
        _LOGGER.info("webhook: refused a request (%d: %s)", status, why)
        # A body limit of 0: tornado closes the connection instead of reading what was sent.
        self.request.connection.set_max_body_size(0)
        self.set_status(status)
        self.finish({"ok": False, "reason": why})

    def data_received(self, chunk: bytes) -> None:
        self.body += chunk

    async def post(self) -> None:
        """Keep the update, answer 200, queue it (unless it came before)."""
        try:
            payload = json.loads(self.body)
            if not isinstance(payload, dict) or not isinstance(payload.get("update_id"), int):
                raise ValueError("no update_id")
            update = Update.de_json(payload, self.hook.application.bot)
        except Exception:
            _LOGGER.warning("webhook: a request without a readable update: answered 400")
            self.set_status(HTTPStatus.BAD_REQUEST)
            self.finish({"ok": False, "reason": "not an update"})
            return
        inbox = self.hook.inbox
        await inbox.wait_for_room()  # Telegram waits meanwhile: its queue is the backlog
        try:
            new = await inbox.take(payload)
        except StorageError as error:
            if not inbox.handle_unkept():  # a short failure: Telegram sends it again later
                _LOGGER.error(
                    "webhook: update %s not kept, answered 500: %s", update.update_id, error
                )
                self.set_status(HTTPStatus.INTERNAL_SERVER_ERROR)
                self.finish({"ok": False, "reason": "cannot store the update right now"})
                return
            _LOGGER.warning(  # the store has said why at ERROR, once a minute at most
                "webhook: update %s handled without being kept: %s", update.update_id, error
            )
            new = True
        self.finish({"ok": True})
        if new:
            insert_callback_data(self.hook.application, update)
            await self.hook.application.update_queue.put(update)
        else:
            _LOGGER.info("webhook: update %s arrived twice; handled once", update.update_id)


class _HealthHandler(tornado.web.RequestHandler):
    """GET /healthz: whether the bot can remember what it is told."""

    SUPPORTED_METHODS = ("GET",)  # type: ignore[assignment]

    def initialize(self, hook: _Hook) -> None:
        self.hook = hook

    def get(self) -> None:
        store = self.hook.inbox.store
        body = {"ok": store.healthy, "backlog": self.hook.inbox.backlog}
        if not store.healthy:
            self.set_status(HTTPStatus.SERVICE_UNAVAILABLE)
            body["reason"] = store.last_error
            body["unsaved"] = store.unsaved
        self.finish(body)


class WebhookServer:
    """The HTTP server for Telegram's webhook requests on `path`, and /healthz."""

    def __init__(
        self,
        application: Application,
        inbox: Inbox,
        *,
        path: str,
        secret: str,
        max_body: int = MAX_BODY,
        body_timeout: float = BODY_TIMEOUT,
        header_timeout: float = HEADER_TIMEOUT,
    ) -> None:
        hook = _Hook(application, inbox, secret, max_body, body_timeout)
        path = "/" + path.strip("/")
        routes = [
            (r"/healthz", _HealthHandler, {"hook": hook}),
            (rf"{path}/?" if path != "/" else r"/", _UpdateHandler, {"hook": hook}),
        ]
        self._server = HTTPServer(
            _Quiet(routes),
            max_body_size=max_body,
            body_timeout=body_timeout,
            idle_connection_timeout=header_timeout,
            max_header_size=16 * 1024,
        )
        self.port: int | None = None

    def listen(self, port: int, address: str) -> int:
        """Start listening (0: any free port); return the port."""
        sockets = tornado.netutil.bind_sockets(port, address=address)
        self._server.add_sockets(sockets)
        self.port = sockets[0].getsockname()[1]
        return self.port

    async def stop(self) -> None:
        self._server.stop()
        await self._server.close_all_connections()


async def serve_webhook(
    application: Application,
    inbox: Inbox,
    settings: Settings,
    allowed_updates: Sequence[str],
    listen: str = "0.0.0.0",  # noqa: S104 - the platform's router sits in front
) -> None:
    """Run the bot behind this server until SIGINT or SIGTERM, as run_webhook would."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    await application.initialize()  # opens the storage and queues the kept updates
    try:
        if application.post_init:
            await application.post_init(application)
        await application.start()
        server = WebhookServer(
            application, inbox, path=settings.webhook_path, secret=settings.webhook_secret or ""
        )
        port = server.listen(settings.port, listen)
        await application.bot.set_webhook(
            url=settings.webhook_url or "",
            secret_token=settings.webhook_secret,
            allowed_updates=list(allowed_updates),
        )
        _LOGGER.info("serving a webhook on port %s at /%s", port, settings.webhook_path)
        await stop.wait()
        await server.stop()  # no new updates; those queued are handled before stop() returns
        await application.stop()
        if application.post_stop:
            await application.post_stop(application)
    finally:
        await application.shutdown()
        if application.post_shutdown:
            await application.post_shutdown(application)
