"""The terminal chat, through a pipe (script mode) and through a pseudo-terminal."""

from __future__ import annotations

import contextlib
import os
import pty
import re
import select
import subprocess
import sys
import time

from bot.config import PROJECT_ROOT

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def chat_through_pipe(*lines: str, command: str = "chat", env: dict | None = None):
    return subprocess.run(
        [sys.executable, "-m", "bot", command],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        env={**os.environ, **(env or {})},
        timeout=120,
    )


def test_a_piped_script_prints_the_transcript():
    result = chat_through_pipe("how much glutamine should I take", "1", "80 kg", "1", "1")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "\x1b[" not in out, "no terminal styling when the output is not a terminal"
    assert "> how much glutamine should I take" in out
    assert "bot> How much glutamine?" in out
    assert "[1] Estimate my dose" in out  # buttons as numbered choices
    assert "What is your body weight?" in out  # "1" pressed the first button
    assert "So you weigh 80 kg (176 lb)" in out
    assert "about 24 g of glutamine a day" in out
    assert "Source: S. Christensen, MD, LIVESTRONG.COM" in out


def test_the_calorie_dialog_in_the_chat():
    result = chat_through_pipe(
        "/calories", "7", "2", "40", "180 cm", "80 kg", "moderate"
    )  # 7: "Lose 1 pound per week"; 2: "Male"
    out = result.stdout
    assert "[7] Lose 1 pound per week" in out
    assert "[2] Male" in out
    assert "about 2,180 kcal" in out  # 1730 x 1.55 - 500, by hand in test_dose_and_calories


def test_a_number_no_button_has_says_so_and_shows_the_choices_again():
    # Issue #11: "15" with nine goals shown got "Could you say a little more?".
    result = chat_through_pipe("/calories", "15", "7", "2", "40", "180 cm", "80 kg", "moderate")
    out = result.stdout
    assert "There's no option 15" in out
    assert "Could you say a little more" not in out
    after = out.split("There's no option 15", 1)[1]
    assert "[9] Lose 2 pounds per week" in after.split("> 7", 1)[0]  # the choices again
    assert "about 2,180 kcal" in out  # and "7" still pressed "Lose 1 pound per week"


def test_a_large_number_beside_buttons_is_still_an_answer():
    # At "Is 154 in kilograms or pounds?" a new weight is an answer, not a missing option.
    result = chat_through_pipe("/dose", "154", "70 kg")
    assert "no option" not in result.stdout
    assert "So you weigh 70 kg (154 lb)" in result.stdout


def test_commands_and_links_in_the_chat():
    result = chat_through_pipe("/sources", "/cancel", "/nonsense")
    out = result.stdout
    assert "Where my answers come from" in out
    assert "(https://doi.org/10.1093/ajcn/51.2.241)" in out  # a link shows its address
    assert "nothing to cancel" in out
    assert "I don't know the command /nonsense" in out


def test_run_without_a_token_and_without_a_terminal_exits_loudly():
    result = chat_through_pipe("hi", command="run", env={"TELEGRAM_BOT_TOKEN": ""})
    assert result.returncode != 0
    assert "TELEGRAM_BOT_TOKEN is not set" in result.stderr
    assert "@BotFather" in result.stderr


class Terminal:
    """The chat on a pseudo-terminal, read and typed like a person would."""

    def __init__(self, command: str = "chat", env: dict | None = None) -> None:
        # pty.fork makes the pseudo-terminal the child's controlling terminal, so Ctrl-C
        # typed into it raises SIGINT in the chat exactly as in a real terminal.
        self.pid, self.master = pty.fork()
        if self.pid == 0:  # the child: become the chat
            os.chdir(PROJECT_ROOT)
            os.execve(
                sys.executable,
                [sys.executable, "-m", "bot", command],
                {**os.environ, "TERM": "xterm", **(env or {})},
            )
        self.seen = ""

    def read_until(self, text: str, timeout: float = 60) -> str:
        deadline = time.monotonic() + timeout
        while text not in ANSI.sub("", self.seen):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"{text!r} never appeared; screen:\n{self.seen[-2000:]}")
            ready, _, _ = select.select([self.master], [], [], min(remaining, 0.5))
            if ready:
                try:
                    self.seen += os.read(self.master, 65536).decode(errors="replace")
                except OSError:
                    break
        return ANSI.sub("", self.seen)

    def type(self, line: str) -> None:
        os.write(self.master, (line + "\n").encode())

    def close(self, timeout: float = 30) -> int:
        """Wait for the chat to end; return its exit status."""
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                pid, status = os.waitpid(self.pid, os.WNOHANG)
                if pid:
                    return os.waitstatus_to_exitcode(status)
                time.sleep(0.05)
            raise AssertionError("the chat did not end")
        finally:
            os.close(self.master)

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError, ChildProcessError):
            os.kill(self.pid, 9)
            os.waitpid(self.pid, 0)


def test_the_chat_on_a_terminal_styles_text_numbers_buttons_and_quits_cleanly():
    terminal = Terminal()
    try:
        terminal.read_until("you> ")
        assert "\x1b[1m" in terminal.seen  # bold in the welcome, as terminal styling
        terminal.type("what is glutamine")
        terminal.read_until("20 amino acids")
        terminal.type("/dose")
        terminal.read_until("What is your body weight?")
        terminal.type("154")
        terminal.read_until("[2] Pounds (lb)")
        terminal.type("2")
        terminal.read_until("So you weigh 69.9 kg (154 lb)")
        terminal.type("/quit")
        terminal.read_until("Bye!")
        assert terminal.close() == 0
    finally:
        terminal.kill()


def test_ctrl_d_leaves_cleanly():
    terminal = Terminal()
    try:
        terminal.read_until("you> ")
        os.write(terminal.master, b"\x04")
        terminal.read_until("Bye!")
        assert terminal.close() == 0
    finally:
        terminal.kill()


def test_run_without_a_token_on_a_terminal_starts_the_chat():
    terminal = Terminal("run", env={"TELEGRAM_BOT_TOKEN": ""})
    try:
        terminal.read_until("@BotFather")
        terminal.read_until("you> ")
        terminal.type("hello")
        terminal.read_until("Hello!")
        os.write(terminal.master, b"\x03")  # Ctrl-C
        terminal.read_until("Bye!")
        assert terminal.close() == 0
    finally:
        terminal.kill()
