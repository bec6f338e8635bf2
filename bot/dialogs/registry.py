"""What a guided dialog declares, and the registry that answers every question about them.

A dialog is one module under bot/dialogs/ that builds a `Dialog`: its name, its command, the
intents whose questions start it, its intro answer, its steps (each a question and a function
that takes the answer) and the texts it uses from content/messages.yaml. The registry is the one
place that says which intent starts which dialog; the engine runs the steps, and
bot/telegram/dialogs.py builds the ConversationHandler's state table from the same steps.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.matching import ANSWER, Decision
from bot.replies import START_DATA, Reply

if TYPE_CHECKING:
    from bot.dialogs.engine import Engine

DIALOG_DATA = "d:"  # the callback data of a dialog's own buttons start with this
__all__ = ["DIALOG_DATA", "START_DATA", "Dialog", "Outcome", "Registry", "Step"]


@dataclass(frozen=True)
class Outcome:
    """What a step says, and the step that waits next (None: the dialog has ended)."""

    replies: tuple[Reply, ...]
    step: str | None


Ask = Callable[["Engine", dict], Reply]
Take = Callable[["Engine", dict, str, "str | None"], Outcome]
Start = Callable[["Engine", dict, str], Outcome]


@dataclass(frozen=True)
class Step:
    """One question of a dialog: its state name, how it is asked and how its answer is taken.

    `buttons` is a regular expression for the data of this step's buttons (after DIALOG_DATA);
    None when the step is answered by typing only.
    """

    name: str
    ask: Ask
    take: Take
    buttons: str | None = None


@dataclass(frozen=True)
class Dialog:
    """A guided dialog, as it declares itself to the registry."""

    name: str  # also the name of its "start" button data and of its `button_<name>` text
    command: str  # /<command> starts it
    intro: str  # the answer shown first (and whose deep link starts the dialog)
    steps: tuple[Step, ...]
    start: Start  # fill in what the opening text already says, then ask the first open step
    intents: tuple[str, ...] = ()  # a confident answer to one of these starts the dialog
    messages: Mapping[str, frozenset[str]] = field(default_factory=dict)
    # Does a question of another intent still ask for this dialog (a dose question giving a weight)?
    also_wanted: Callable[[Decision, str], bool] | None = None
    # Outside any dialog, is this message an answer only this dialog can use (a bare "75 kg")?
    # It names the message that says so; the engine adds a start button per such dialog.
    hint: Callable[[str], str | None] | None = None

    @property
    def button_message(self) -> str:
        return f"button_{self.name}"


class Registry:
    """Every dialog the bot runs, looked up by name, step, intent or intro answer."""

    def __init__(self, dialogs: Iterable[Dialog]) -> None:
        self.dialogs: tuple[Dialog, ...] = tuple(dialogs)
        self.by_name = {d.name: d for d in self.dialogs}
        self.by_step = {s.name: d for d in self.dialogs for s in d.steps}
        self.steps = {s.name: s for d in self.dialogs for s in d.steps}
        self.by_intent = {i: d.name for d in self.dialogs for i in d.intents}
        self.by_intro = {d.intro: d.name for d in self.dialogs}
        if len(self.by_name) != len(self.dialogs) or len(self.steps) != sum(
            len(d.steps) for d in self.dialogs
        ):
            raise ValueError("dialog names and step names must be unique")

    def wanted(self, decision: Decision, text: str) -> str | None:
        """The dialog a matched message asks for, if any."""
        if decision.decision != ANSWER or not decision.intent:
            return None
        name = self.by_intent.get(decision.intent)
        if name:
            return name
        for dialog in self.dialogs:
            if dialog.also_wanted and dialog.also_wanted(decision, text):
                return dialog.name
        return None

    def message_keys(self) -> dict[str, frozenset[str]]:
        """Every text the dialogs use, with its placeholders (the checker requires them)."""
        keys: dict[str, frozenset[str]] = {}
        for dialog in self.dialogs:
            keys[dialog.button_message] = frozenset()
            keys[f"command_{dialog.command}"] = frozenset()
            keys.update(dialog.messages)
        return keys

    def problems(self, intents: Iterable[str], answers: Iterable[str]) -> list[str]:
        """What the registry names that the knowledge base does not have."""
        intents, answers = set(intents), set(answers)
        found = []
        for dialog in self.dialogs:
            found += [
                f"dialog {dialog.name!r} names intent {i!r}, which does not exist"
                for i in dialog.intents
                if i not in intents
            ]
            if dialog.intro not in answers:
                found.append(f"dialog {dialog.name!r} names answer {dialog.intro!r} as its intro")
        return found
