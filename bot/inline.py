"""Which answers inline mode offers for a query (`@<bot> glutamine dose` in any chat). Pure.

The same matcher decides as for a message: a confident answer offers that intent's answer
first, then the other candidates'; "did you mean" offers the candidates'; a red flag offers only
the urgent answer; anything else (an empty query, an off-topic one) offers the topic menu.
Only cited answers are offered: a "Hello!" posted into someone's group chat helps nobody.
Dialogs don't run inline: a query that asks for one gets a button that opens it in a private
chat with the bot (bot/telegram/inline.py turns all this into an answerInlineQuery call).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot import html
from bot.knowledge import URGENT, KnowledgeBase
from bot.matching import ANSWER, CLARIFY, Decision
from bot.replies import answer_id_to_payload, answer_text
from bot.services import Services

MAX_OFFERS = 5  # a short list to pick from; Telegram would take 50
DESCRIPTION_LENGTH = 100  # Telegram shows about two lines under the title
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


@dataclass(frozen=True)
class Offer:
    """One answer offered inline, ready to post."""

    id: str  # the answer id: unique, and well under Telegram's 64 bytes (the checker sees to it)
    title: str
    description: str  # plain text: the first sentence of the body, cut to DESCRIPTION_LENGTH
    text: str  # Telegram HTML: title, body and source line, as the bot sends the answer
    payload: str  # the deep link t.me/<bot>?start=<payload> opens the bot at this answer


@dataclass(frozen=True)
class DialogLink:
    """A button above the results that opens a dialog in a private chat with the bot."""

    label: str
    payload: str  # the dialog's deep-link payload (its intro answer's)


@dataclass(frozen=True)
class InlineOffers:
    offers: tuple[Offer, ...]
    dialog: DialogLink | None = None


def description(body: str, length: int = DESCRIPTION_LENGTH) -> str:
    """The first sentence of an answer's body as one line of plain text, cut at a word."""
    plain = " ".join(html.to_plain(body).split())
    first = _SENTENCE_END.split(plain, 1)[0]
    if len(first) <= length:
        return first
    cut = first[: length - 1].rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:–-") + "…"


def offer(kb: KnowledgeBase, answer_id: str) -> Offer:
    answer = kb.answers[answer_id]
    return Offer(
        answer.id,
        answer.title,
        description(answer.body),
        answer_text(kb, answer),
        answer_id_to_payload(answer.id),
    )


def inline_offers(services: Services, text: str, decision: Decision) -> InlineOffers:
    """What to offer for an inline query, best first; `decision` is the matcher's on `text`."""
    kb, registry = services.kb, services.registry
    answered = None  # the answer the matcher is sure of
    if decision.decision == ANSWER and decision.intent:
        answered = kb.intent(decision.intent).answer
    flagged = services.matcher.red_flag(text)
    if flagged or (answered and kb.intent(decision.intent or "").topic == URGENT):
        return InlineOffers((offer(kb, kb.intent(flagged or decision.intent or URGENT).answer),))
    ids: list[str] = []
    dialog = None
    name = registry.wanted(decision, text)
    if name:
        intro = registry.by_name[name].intro
        ids.append(intro)
        label = kb.message("inline_dialog", button=kb.message(f"button_{name}"))
        dialog = DialogLink(label, answer_id_to_payload(intro))
    if answered:
        ids.append(answered)
    if decision.decision in (ANSWER, CLARIFY):
        ids += [kb.intent(c.intent).answer for c in decision.candidates]
    cited = [a for a in dict.fromkeys(ids) if kb.answers[a].sources]
    if not cited:
        cited = [a.id for a in kb.menu()]
    return InlineOffers(tuple(offer(kb, a) for a in cited[:MAX_OFFERS]), dialog)
