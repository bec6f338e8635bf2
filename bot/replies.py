"""What the bot says, as plain data: a text in Telegram HTML and rows of buttons.

Pure Python, no Telegram: handlers turn a Reply into a sendMessage call, the terminal chat
into numbered choices. Callback data are short, self-describing strings (well under Telegram's
64 bytes), so a button keeps working across restarts and deployments.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bot import html
from bot.knowledge import FALLBACK, Answer, KnowledgeBase
from bot.matching import ANSWER, CLARIFY, Decision
from bot.matching.decision import NOT_IN_SOURCE

# Callback data.
ANSWER_DATA = "a:"  # + answer id: show that answer
TOPICS_DATA = "topics"  # the topic menu
START_DATA = "go:"  # + a dialog's name: start that dialog


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


def answer_text(kb: KnowledgeBase, answer: Answer) -> str:
    """An answer as the bot sends it: title, body and source line, in Telegram HTML."""
    parts = [answer.body]
    if answer.kind != "conversation":  # "Hello" needs no heading
        parts.insert(0, f"<b>{html.escape(answer.title)}</b>")
    source = source_line(kb, answer)
    if source:
        parts.append(source)
    return "\n\n".join(parts)


def source_line(kb: KnowledgeBase, answer: Answer) -> str:
    """The one short line naming an answer's sources ('' for conversational answers)."""
    if not answer.sources:
        return ""
    names = "; ".join(html.escape(kb.sources[s].short) for s in answer.sources)
    return kb.message("source_line", sources=names)


class Replies:
    """Builds every reply that comes from the knowledge base.

    `dialog_intros` maps the answer that introduces a dialog to that dialog's name: a button
    for that answer starts the dialog instead (bot.dialogs.Registry.by_intro).
    """

    def __init__(self, kb: KnowledgeBase, dialog_intros: Mapping[str, str] | None = None) -> None:
        self.kb = kb
        self.dialog_intros = dict(dialog_intros or {})

    def button(self, answer_id: str) -> Button:
        """The button that opens an answer, or starts the dialog it introduces."""
        dialog = self.dialog_intros.get(answer_id)
        if dialog:
            return Button(self.kb.message(f"button_{dialog}"), START_DATA + dialog)
        return Button(self.kb.answers[answer_id].title, ANSWER_DATA + answer_id)

    def answer(self, answer_id: str) -> Reply:
        """An answer: its title, its body, its source line, and buttons for related answers."""
        answer = self.kb.answers[answer_id]
        return Reply(answer_text(self.kb, answer), self.related_buttons(answer))

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
            return Reply(self.kb.message("too_long"))
        answer = self.kb.answers[FALLBACK]
        return self.topics(answer.body)

    def clarify(self, decision: Decision) -> Reply:
        """'Did you mean…' with a button per candidate."""
        buttons = [
            self.button(self.kb.intent(candidate.intent).answer)
            for candidate in decision.candidates
        ]
        return Reply(self.kb.message("clarify"), tuple((b,) for b in buttons))

    def for_decision(self, decision: Decision) -> Reply:
        """The reply to a matched message (one that starts no dialog: see Registry.wanted)."""
        if decision.decision == ANSWER and decision.intent:
            return self.answer(self.kb.intent(decision.intent).answer)
        if decision.decision == CLARIFY:
            return self.clarify(decision)
        if decision.reason == NOT_IN_SOURCE and decision.intent:
            return self.answer(self.kb.intent(decision.intent).answer)  # why it can't say
        return self.fallback(decision.reason)
