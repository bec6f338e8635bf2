"""The Bot API stand-in served over HTTP on loopback, for end-to-end tests.

`python -m bot run` talks to it through python-telegram-bot's real HTTP client when
TELEGRAM_BASE_URL points here, exactly as it would talk to api.telegram.org.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

from tests.support.standin import BotAPIError, BotAPIStandIn, Dropped, Garbled, Slow


def _decode(value: str) -> object:
    """python-telegram-bot sends each parameter as a JSON value in a form field."""
    try:
        return json.loads(value)
    except ValueError:
        return value


class _Server(ThreadingHTTPServer):
    # Telegram takes a burst of connections; the standard library's 5 waiting connections
    # would reset some of them, so that a message arrives while the bot hears it failed.
    request_queue_size = 256

    def handle_error(self, request: object, client_address: object) -> None:
        """Quiet about a bot that hung up (a test's kill -9); loud about anything else."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class StandInServer:
    """A threaded HTTP server answering /bot<token>/<method> from a BotAPIStandIn."""

    def __init__(self, standin: BotAPIStandIn | None = None) -> None:
        self.standin = standin or BotAPIStandIn()
        standin_ref = self.standin

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode()
                if self.headers.get("Content-Type", "").startswith("application/json"):
                    params = json.loads(body or "{}")
                else:
                    params = {k: _decode(v) for k, v in parse_qsl(body, keep_blank_values=True)}
                method = self.path.rsplit("/", 1)[-1]
                try:
                    payload = {"ok": True, "result": standin_ref.call(method, params)}
                    status = 200
                except BotAPIError as error:
                    payload = {
                        "ok": False,
                        "error_code": error.code,
                        "description": error.description,
                    }
                    status = error.code
                except Slow as slow:  # handled, answered late (past the client's time-out?)
                    time.sleep(slow.seconds)
                    payload, status = {"ok": True, "result": slow.answer}, 200
                except Dropped:  # closed without a word: the client sees a dropped connection
                    self.close_connection = True
                    return
                except Garbled as garbled:
                    self._answer(garbled.status, garbled.body)
                    return
                self._answer(status, json.dumps(payload).encode())

            def _answer(self, status: int, data: bytes) -> None:
                try:
                    self._write(status, data)
                except OSError:  # the client gave up waiting (a Slow answer): nobody to tell
                    self.close_connection = True

            def _write(self, status: int, data: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST

            def log_message(self, format: str, *args: object) -> None:
                """Quiet: the test output is the transcript, not the access log."""

        self.httpd = _Server(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}/bot"

    def __enter__(self) -> StandInServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
