"""The dialog engine: runs any registered dialog's steps over one chat's dialog data (pure).

No Telegram here: a dialog's state is a plain dict (kept per chat in the user's persisted
user_data), every step takes the text a user typed or the button they pressed, and returns an
Outcome: the replies to send and the step that now waits (None when the dialog has ended).

What every dialog gets from the engine: a typed answer as well as a button; a wrong answer gets
a specific re-ask and the third wrong answer in a row ends the dialog kindly; a typed question
that clearly is no answer is answered, then the step's question is asked again; red-flag
wording ends the dialog with the urgent answer and says so; "stop" or "cancel" ends it; and a
dialog quiet for DIALOG_TIMEOUT seconds (`Engine.quiet`) has expired.

A finished dialog leaves nothing behind. A start button may give an answer with the tap
("Another weight, same adult": `start(..., given=("adult",))`): `remember` keeps only its time
under data["recent"], and `recalled` honours it for RECALL seconds, within that dialog only.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from bot.dialogs.registry import Dialog, Outcome, Registry
from bot.knowledge import URGENT, KnowledgeBase, topic_of
from bot.matching import ANSWER, CLARIFY, Matcher
from bot.replies import START_DATA, Button, Replies, Reply, rows
from bot.text import normal_form, words

MAX_TRIES = 3  # wrong answers in a row before the dialog gives up
DIALOG_TIMEOUT = 15 * 60  # seconds of quiet after which a dialog ends
RECALL = 5 * 60  # seconds an answer given by the start button counts within its dialog
RECENT = "recent"  # the key, in a dialog's data, of answers given by its start button
MAX_ANSWER_LENGTH = 200  # longer text is no answer to a step (and would only cost parsing)
_STOP = {"cancel", "stop", "quit", "exit", "nevermind", "never mind", "abort"}


def _has_letter(word: str) -> bool:
    return any(ch.isalpha() for ch in word)


class Engine:
    """Runs the registry's dialogs over a mutable dict of one user's dialog data in one chat."""

    def __init__(
        self,
        kb: KnowledgeBase,
        matcher: Matcher,
        replies: Replies,
        registry: Registry,
        clock: Callable[[], float] = time.time,
        quiet: float = DIALOG_TIMEOUT,
    ) -> None:
        self.kb = kb
        self.quiet = quiet  # seconds of quiet after which a dialog has expired
        self.matcher = matcher
        self.replies = replies
        self.registry = registry
        self.clock = clock
        self.recall = RECALL

    # -- starting, asking, ending ----------------------------------------------------------

    def start(
        self, name: str, data: dict, text: str | None = None, given: tuple[str, ...] = ()
    ) -> Outcome:
        """Begin a dialog afresh; what the opening question already says fills its steps.

        `given`: answers the button that started it gave ("same adult, another weight"),
        kept for this dialog only, for RECALL at most."""
        data.clear()
        for key in given:
            self.remember(data, key)
        flagged = self.matcher.red_flag(text) if text else None
        if flagged:
            return self.urgent(data, flagged)
        dialog = self.registry.by_name[name]
        data.update(name=name, tries=0)
        return dialog.start(self, data, text or "")

    def aside(self, text: str) -> Reply | None:
        """A message outside any dialog that only a dialog can use ("75kg", right after a red
        flag stopped the estimate): say so, with a button to start each dialog that would."""
        hints = [(d, d.hint(text)) for d in self.registry.dialogs if d.hint]
        hints = [(d, key) for d, key in hints if key]
        if not hints:
            return None
        buttons = [Button(self.kb.message(d.button_message), START_DATA + d.name) for d, _ in hints]
        return Reply(self.kb.message(hints[0][1]), rows(buttons))

    def intro(self, name: str) -> Reply:
        """The answer that introduces a dialog, without its related buttons (they distract)."""
        return Reply(self.replies.answer(self.registry.by_name[name].intro).text)

    def ask(self, data: dict) -> Reply:
        """The question of the current step, with its buttons."""
        return self.registry.steps[data["step"]].ask(self, data)

    def dialog(self, data: dict) -> Dialog:
        return self.registry.by_name[data["name"]]

    def active(self, data: dict) -> bool:
        """Whether a dialog is waiting for an answer in this data."""
        return data.get("step") in self.registry.steps

    def expired(self, data: dict) -> bool:
        """Whether the dialog has been quiet for `quiet` seconds or more."""
        return self.active(data) and self.clock() - data.get("at", 0.0) >= self.quiet

    def due(self, data: dict) -> float:
        """Seconds until the dialog expires (0 when it already has)."""
        return max(data.get("at", 0.0) + self.quiet - self.clock(), 0.0)

    def command(self, data: dict) -> str:
        """The command that starts the current dialog again."""
        dialog = self.registry.by_name.get(data.get("name", ""))
        return "/" + (dialog.command if dialog else self.registry.dialogs[0].command)

    # -- answers given by the button that started the dialog -------------------------------

    def remember(self, data: dict, key: str) -> None:
        """Keep the time of one answer (never the answer's details) for this dialog."""
        data.setdefault(RECENT, {})[key] = self.clock()

    def fresh(self, data: dict) -> dict[str, float]:
        """The remembered answers still young enough to reuse."""
        now = self.clock()
        return {k: at for k, at in data.get(RECENT, {}).items() if now - at < self.recall}

    def recalled(self, data: dict, key: str) -> bool:
        return key in self.fresh(data)

    def forget_stale(self, data: dict) -> None:
        """Drop remembered answers that are too old (the whole entry when none is left)."""
        fresh = self.fresh(data)
        if fresh:
            data[RECENT] = fresh
        else:
            data.pop(RECENT, None)

    def recall_due(self, data: dict) -> float:
        """Seconds until the last remembered answer is too old to reuse."""
        times = data.get(RECENT, {}).values()
        return max((at + self.recall - self.clock() for at in times), default=0.0)

    def timeout(self, data: dict) -> Reply:
        reply = Reply(self.kb.message("timeout", command=self.command(data)))
        data.clear()
        return reply

    def cancel(self, data: dict) -> Reply:
        data.clear()
        return Reply(self.kb.message("cancelled"))

    def end(self, data: dict, *replies: Reply) -> Outcome:
        """End the dialog with these replies."""
        data.clear()
        return Outcome(replies, None)

    def urgent(self, data: dict, intent: str = URGENT) -> Outcome:
        """Red-flag wording: the answer of its urgent intent, and the dialog ends (and says
        so)."""
        ended = bool(data.get("step"))
        data.clear()
        replies = [self.replies.answer(self.kb.intent(intent).answer)]
        if ended:
            replies.append(Reply(self.kb.message("dialog_stopped_urgent")))
        return Outcome(tuple(replies), None)

    # -- taking an answer ------------------------------------------------------------------

    def handle(
        self, data: dict, step: str, text: str | None = None, button: str | None = None
    ) -> Outcome:
        """Take the typed text or the pressed button (callback data without DIALOG_DATA) as
        the answer to `step`, the step the conversation waits at."""
        if not self.active(data) or data["step"] != step:
            data.clear()
            return Outcome((Reply(self.kb.message("expired_button")),), None)
        text = (text or "").strip()
        flagged = self.matcher.red_flag(text) if text else None
        if flagged:
            return self.urgent(data, flagged)
        if button is None and normal_form(text) in _STOP:
            return Outcome((self.cancel(data),), None)
        if len(text) > MAX_ANSWER_LENGTH:
            problem = self.kb.message("dialog_too_long") + "\n" + self.ask(data).text
            return self.fail(data, text, problem)
        return self.registry.steps[step].take(self, data, text, button)

    def go(self, data: dict, step: str, *before: Reply) -> Outcome:
        """Move to a step and ask its question."""
        data["step"] = step
        data["tries"] = 0
        data["at"] = self.clock()
        return Outcome((*before, self.ask(data)), step)

    def fail(self, data: dict, text: str, problem: str) -> Outcome:
        """A wrong answer: answer a real question instead, or re-ask, or give up at the third."""
        if text:
            question = self.question(data, text)
            if question is not None:
                return question
        data["tries"] = data.get("tries", 0) + 1
        data["at"] = self.clock()
        if data["tries"] >= MAX_TRIES:
            command = self.command(data)
            return self.end(data, Reply(self.kb.message("too_many_tries", command=command)))
        question = self.ask(data)
        return Outcome((Reply(problem, question.buttons),), data["step"])

    def question(self, data: dict, text: str, clarify: bool = False) -> Outcome | None:
        """If text is clearly a question, answer it and ask the step's question again.

        With `clarify`, a question the matcher is unsure of gets its "did you mean" too. A
        question asking for another dialog switches to it.
        """
        if len([word for word in words(text) if len(word) > 1 and _has_letter(word)]) < 2:
            # Fewer than two words of letters ("old", "heavy", "1e309 kg", "1.7e2 kilos": the
            # letter e and the digits do not count) is a try at an answer, not a question.
            return None
        decision = self.matcher.match(text)
        if decision.decision == ANSWER and decision.intent and topic_of(decision.intent) == URGENT:
            return self.urgent(data, decision.intent)  # read, not a red flag's words
        if decision.decision != ANSWER and not (clarify and decision.decision == CLARIFY):
            return None
        wanted = self.registry.wanted(decision, text)
        if wanted == data.get("name"):
            return None  # about this very dialog: a wrong answer, not another question
        if wanted:
            return self.start(wanted, data, text)
        data["at"] = self.clock()
        again = self.ask(data)
        reask = Reply(self.kb.message("dialog_reask") + "\n" + again.text, again.buttons)
        return Outcome((self.replies.for_decision(decision), reask), data["step"])
