"""What the bot says, as plain data: a text in Telegram HTML and rows of buttons.

Pure Python, no Telegram: handlers turn a Reply into a sendMessage call, the terminal chat
into numbered choices. Callback data are short, self-describing strings (well under Telegram's
64 bytes), so a button keeps working across restarts and deployments.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot import html
from bot.knowledge import FALLBACK, Answer, KnowledgeBase
from bot.matching import ANSWER, CLARIFY, MAX_LENGTH, Decision

# Callback data.
ANSWER_DATA = "a:"  # + answer id: show that answer
TOPICS_DATA = "topics"  # the topic menu
START_DATA = "go:"  # + dialog name: start that dialog


@dataclass(frozen=True)
class Button:
    label: str
    data: str


@dataclass(frozen=True)
class Reply:
    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()


def rows(buttons: list[Button], per_row: int = 2) -> tuple[tuple[Button, ...], ...]:
    """Lay buttons out in rows of per_row."""
    return tuple(tuple(buttons[i : i + per_row]) for i in range(0, len(buttons), per_row))


def payload_to_answer_id(payload: str) -> str:
    """Deep-link payloads allow only A-Z, a-z, 0-9, _ and -: an id's dots travel as '-'."""
    return payload.replace("-", ".")


def answer_id_to_payload(answer_id: str) -> str:
    return answer_id.replace(".", "-")


class Replies:
    """Builds every reply that comes from the knowledge base."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        # An answer reached by an intent with an action opens that dialog instead.
        self.actions = {i.answer: i.action for i in kb.intents if i.action}
        self.intent_actions = {i.id: i.action for i in kb.intents}

    def button(self, answer_id: str) -> Button:
        """The button that opens an answer, or starts the dialog it leads to."""
        action = self.actions.get(answer_id)
        if action:
            return Button(self.kb.message(f"button_{action}"), START_DATA + action)
        return Button(self.kb.answers[answer_id].title, ANSWER_DATA + answer_id)

    def answer(self, answer_id: str) -> Reply:
        """An answer: its title, its body, its source line, and buttons for related answers."""
        answer = self.kb.answers[answer_id]
        return Reply(self.kb.answer_text(answer), self.related_buttons(answer))

    def related_buttons(self, answer: Answer) -> tuple[tuple[Button, ...], ...]:
        buttons = [self.button(related) for related in answer.related]
        return rows(buttons)

    def topics(self, text: str | None = None) -> Reply:
        """The topic menu."""
        buttons = [self.button(answer.id) for answer in self.kb.menu()]
        return Reply(text or self.kb.message("topics"), rows(buttons))

    def welcome(self) -> Reply:
        return self.topics(self.kb.message("welcome"))

    def sources(self) -> Reply:
        """Every publication the answers cite."""
        lines = [self.kb.message("sources_intro")]
        for source in self.kb.sources.values():
            line = f"• {html.escape(source.citation)}"
            if source.url:
                line += f' <a href="{html.escape(source.url, quote=True)}">link</a>'
            lines.append(line)
        return Reply("\n".join(lines), ((Button(self.kb.message("button_topics"), TOPICS_DATA),),))

    def fallback(self, reason: str = "") -> Reply:
        """The honest 'I don't know that', with what the bot does know."""
        if reason == "not_english":
            return self.topics(self.kb.message("not_english"))
        if reason in ("too_short", "empty"):
            return Reply(self.kb.message("too_short"))
        if reason == "too_long":
            return Reply(self.kb.message("too_long", limit=MAX_LENGTH))
        answer = self.kb.answers[FALLBACK]
        return self.topics(answer.body)

    def clarify(self, decision: Decision) -> Reply:
        """'Did you mean…' with a button per candidate."""
        buttons = [
            self.button(self.kb.intent(candidate.intent).answer)
            for candidate in decision.candidates
        ]
        return Reply(self.kb.message("clarify"), tuple((b,) for b in buttons))

    def for_decision(self, decision: Decision) -> Reply | None:
        """The reply to a matched message; None when its intent starts a dialog instead
        (the dialog speaks first; see Dialogs.wanted)."""
        if decision.decision == ANSWER and decision.intent:
            if self.intent_actions.get(decision.intent):
                return None
            return self.answer(self.kb.intent(decision.intent).answer)
        if decision.decision == CLARIFY:
            return self.clarify(decision)
        return self.fallback(decision.reason)
