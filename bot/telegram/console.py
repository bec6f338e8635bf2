"""The terminal chat: the very same Application, handlers and texts, with no Telegram.

The bot runs against the Bot API in this process (bot.telegram.local_api). Its HTML becomes
terminal styling (or plain text when output is not a terminal), buttons become numbered choices
(type the number to press one), and commands work as on Telegram. When standard input is not
a terminal, the chat runs as a script: each input line is echoed after "> ", then the replies.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import threading
from typing import IO

from telegram import Update
from telegram.ext import Application

from bot import html
from bot.config import Settings
from bot.services import Services
from bot.storage import MEMORY, SQLiteStore
from bot.telegram.app import build_application
from bot.telegram.local_api import LOCAL_TOKEN, LocalBotAPI, LocalRequest, Sent
from bot.telegram.persistence import StorePersistence

QUIT = {"/quit", "/exit"}
PROMPT = "you> "
# A bare number up to this, when buttons are shown, is a try at one of them ("15" with nine
# shown); a larger one (a weight, an age) is an answer, and goes to the bot as typed.
MAX_OPTION = 20


class Console:
    """One terminal conversation with the bot."""

    def __init__(
        self, application: Application, api: LocalBotAPI, out: IO[str], styled: bool
    ) -> None:
        self.application = application
        self.api = api
        self.out = out
        self.styled = styled
        self.shown = 0  # how many sent messages are already printed
        self.edits_shown = 0  # how many edits of them are
        # numbered buttons, in the order printed: the message, its callback data, its label
        self.choices: list[tuple[Sent, str, str]] = []

    def render(self, sent: Sent) -> str:
        text = html.to_terminal(sent.text) if self.styled else html.to_plain(sent.text)
        lines = [
            f"bot> {line}" if n == 0 else f"     {line}"
            for n, line in enumerate(text.splitlines() or [""])
        ]
        for row in sent.buttons:
            for button in row:
                self.choices.append((sent, button.get("callback_data", ""), button["text"]))
                lines.append(f"     [{len(self.choices)}] {button['text']}")
        return "\n".join(lines)

    def flush(self) -> None:
        """Print every message the bot sent, or changed (a vote's thanks), since the last call."""
        new = self.api.sent[self.shown :]
        changed = self.api.edited[self.edits_shown :]
        if not new and not changed:
            return
        self.shown += len(new)
        self.edits_shown += len(changed)
        self.choices = []  # the newest buttons replace the old numbers
        for sent in changed:  # printed again as it now reads; its buttons are the live ones
            current = next(s for s in self.api.sent if s.message_id == sent.message_id)
            print(self.render(current).replace("bot> ", "bot> (changed) ", 1), file=self.out)
        for sent in new:
            print(self.render(sent), file=self.out)
        self.out.flush()

    def update_for(self, line: str) -> dict:
        """A typed number presses that button; anything else is a message."""
        if line.isdigit() and 1 <= int(line) <= len(self.choices):
            sent, data, _ = self.choices[int(line) - 1]
            return self.api.button_update(sent, data)
        return self.api.message_update(line)

    def no_such_choice(self, line: str) -> str | None:
        """'There's no option 15' and the choices again, for a number no button has."""
        line = line.strip()
        if not (self.choices and line.isdigit() and int(line) <= MAX_OPTION):
            return None
        if 1 <= int(line) <= len(self.choices):
            return None
        lines = [f"bot> There's no option {int(line)}. Type one of these numbers, or your answer:"]
        lines += [f"     [{n}] {label}" for n, (_, _, label) in enumerate(self.choices, 1)]
        return "\n".join(lines)

    async def say(self, line: str) -> None:
        missing = self.no_such_choice(line)
        if missing:
            print(missing, file=self.out)
            self.out.flush()
            return
        update = Update.de_json(self.update_for(line), self.application.bot)
        await self.application.process_update(update)
        self.flush()


async def _run(services: Services, lines: IO[str], out: IO[str], interactive: bool) -> int:
    api = LocalBotAPI()
    application = build_application(
        Settings(token=LOCAL_TOKEN),
        services,
        request=LocalRequest(api),
        persistence=StorePersistence(SQLiteStore(MEMORY)),
    )
    console = Console(application, api, out, styled=interactive and out.isatty())
    async with application:
        if application.post_init:
            await application.post_init(application)
        await application.start()
        if interactive:
            print(
                "Chatting with the bot in your terminal (no Telegram needed). Type a question, "
                "a command such as /start, or a button's number. /quit or Ctrl-D leaves.",
                file=out,
            )
        await console.say("/start")
        try:
            await _converse(console, lines, out, interactive)
        finally:
            await application.stop()
    if interactive:
        print("\nBye!", file=out)
    return 0


async def _converse(console: Console, lines: IO[str], out: IO[str], interactive: bool) -> None:
    """Hand each line read to the bot until /quit or the end of input."""
    lines_in: asyncio.Queue[str | None] = asyncio.Queue()
    loop = asyncio.get_running_loop()
    # A daemon thread reads input: Ctrl-C or the end of the chat never wait for it.
    turn = threading.Event()  # the prompt waits until the bot has answered
    turn.set()
    threading.Thread(
        target=_read_lines, args=(loop, lines_in, lines, interactive, turn), daemon=True
    ).start()
    ticker = asyncio.create_task(_tick(console))
    try:
        while (line := await lines_in.get()) is not None:
            if not interactive:
                print(f"> {line}", file=out)
            if line.strip() in QUIT:
                break
            if line.strip():
                await console.say(line)
            turn.set()
    finally:
        ticker.cancel()


def _read_lines(
    loop: asyncio.AbstractEventLoop,
    queue: asyncio.Queue,
    lines: IO[str],
    interactive: bool,
    turn: threading.Event,
) -> None:
    """Read lines (with line editing on a terminal) and hand them to the event loop."""
    while True:
        turn.wait()
        turn.clear()
        try:
            if interactive:
                line = input(PROMPT)
            else:
                line = lines.readline()
                if not line:
                    raise EOFError
                line = line.rstrip("\r\n")
        except (EOFError, OSError, ValueError):  # Ctrl-D, the end of a script, a closed input
            loop.call_soon_threadsafe(queue.put_nowait, None)
            return
        loop.call_soon_threadsafe(queue.put_nowait, line)


async def _tick(console: Console) -> None:
    """Print what the bot says on its own (a dialog's timeout) while waiting for input."""
    while True:
        await asyncio.sleep(0.5)
        console.flush()


def chat(services: Services, lines: IO[str] | None = None, out: IO[str] | None = None) -> int:
    """Chat in the terminal; a script when input is not a terminal. Returns the exit status."""
    lines = lines or sys.stdin
    out = out or sys.stdout
    interactive = lines.isatty()
    if interactive:
        with contextlib.suppress(ImportError):  # not on every platform; input() still works
            import readline  # noqa: F401 - line editing and history for input()
    try:
        return asyncio.run(_run(services, lines, out, interactive))
    except KeyboardInterrupt:
        print("\nBye!", file=out)
        return 0
    except BrokenPipeError:  # the reader went away (`... | head`): stop quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, out.fileno())
        return 0
