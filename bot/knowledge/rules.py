"""What only the whole knowledge base can tell: one function per rule, run by bot.knowledge.load.

Each rule reads the loaded parts (`Loaded`) and reports problems to a `Report`; a rule is found,
read and tested on its own (as in Rasa's validator). RULES lists them in the order they run.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from bot import html
from bot.knowledge.model import (
    ANSWER_ID,
    MENU_TOPICS,
    SYSTEM_ANSWERS,
    TOPICS,
    Answer,
    Intent,
    Language,
    Source,
)
from bot.knowledge.yamlfile import line_of
from bot.text import normal_form


class Report(Protocol):
    def add(self, path: Path, line: int | None, message: str) -> None: ...


@dataclass(frozen=True)
class Loaded:
    """Everything read from the files, with where each intent came from."""

    root: Path
    answers: dict[str, Answer]
    intents: list[tuple[Intent, Path, Any]]  # the intent, its file and its YAML entry
    sources: dict[str, Source]
    out_of_scope: tuple[str, ...]
    language: Language

    def answer_path(self, answer_id: str) -> Path:
        return self.root / "content" / f"{answer_id}.html"


# A conversational answer that quotes a figure is stating a fact, and facts need a source.
_FACT_HINT = re.compile(r"\d")


def verify_intent_ids_unique(kb: Loaded, report: Report) -> None:
    """An intent id is defined once."""
    seen: dict[str, str] = {}
    for intent, path, entry in kb.intents:
        if intent.id in seen:
            report.add(
                path, entry.line, f"intent {intent.id!r} is also defined in {seen[intent.id]}"
            )
        seen[intent.id] = path.name


def verify_intent_answers_exist(kb: Loaded, report: Report) -> None:
    """Every intent points to an answer."""
    for intent, path, entry in kb.intents:
        if intent.answer not in kb.answers:
            where = line_of(entry.get("answer"), entry.line)
            report.add(path, where, f"answer {intent.answer!r} does not exist")


def verify_answer_ids(kb: Loaded, report: Report) -> None:
    """An answer id starts with a topic and fits in button data and deep links."""
    for answer in kb.answers.values():
        path = kb.answer_path(answer.id)
        if answer.topic not in TOPICS and answer.id not in SYSTEM_ANSWERS:
            report.add(path, 2, f"answer id {answer.id!r} should start with a topic")
        if not ANSWER_ID.fullmatch(answer.id) or len(f"a:{answer.id}".encode()) > 64:
            report.add(path, 2, "an answer id may use only a-z, 0-9, _ and ., up to 60 characters")


def verify_related_answers(kb: Loaded, report: Report) -> None:
    """Related buttons lead to other answers that exist."""
    for answer in kb.answers.values():
        for related in answer.related:
            if related not in kb.answers:
                report.add(
                    kb.answer_path(answer.id), 2, f"related answer {related!r} does not exist"
                )
            elif related == answer.id:
                report.add(
                    kb.answer_path(answer.id), 2, "an answer should not list itself as related"
                )


def verify_sources(kb: Loaded, report: Report) -> None:
    """Facts name sources that content/sources.yaml lists; conversation quotes no figures."""
    for answer in kb.answers.values():
        path = kb.answer_path(answer.id)
        for source in answer.sources:
            if source not in kb.sources:
                report.add(path, 2, f"source {source!r} is not in content/sources.yaml")
        if answer.kind == "fact" and not answer.sources:
            report.add(
                path,
                2,
                "the answer states facts without a source (add sources, or kind: conversation)",
            )
        if answer.kind == "conversation" and _FACT_HINT.search(html.to_plain(answer.body)):
            report.add(
                path, 2, "a conversation answer quotes figures: give it sources (kind: fact)"
            )


def verify_answers_reached(kb: Loaded, report: Report) -> None:
    """No answer goes unused, and the system answers exist."""
    reached = {intent.answer for intent, _, _ in kb.intents} | SYSTEM_ANSWERS | set(MENU_TOPICS)
    for answer_id in sorted(set(kb.answers) - reached):
        report.add(kb.answer_path(answer_id), 1, "no intent or menu reaches this answer")
    for system_answer in sorted(SYSTEM_ANSWERS - set(kb.answers)):
        report.add(kb.answer_path(system_answer), None, "file is missing")


def verify_short_words(kb: Loaded, report: Report) -> None:
    """The short words of intents/_language.yaml name intents that exist."""
    intent_ids = {intent.id for intent, _, _ in kb.intents}
    for word, intent_id in kb.language.short_words.items():
        if intent_id not in intent_ids:
            report.add(
                kb.root / "intents" / "_language.yaml",
                None,
                f"short word {word!r} names intent {intent_id!r}, which does not exist",
            )


def verify_topics_have_intents(kb: Loaded, report: Report) -> None:
    """Every topic of the spec has at least one intent."""
    covered = {intent.topic for intent, _, _ in kb.intents}
    for topic in TOPICS:
        if topic not in covered:
            report.add(
                kb.root / "intents" / f"{topic}.yaml", None, f"topic {topic!r} has no intent"
            )


def verify_examples_unique(kb: Loaded, report: Report) -> None:
    """No example sits under two intents, or under an intent and out of scope."""
    owner: dict[str, str] = {}
    for intent, path, entry in kb.intents:
        for example in entry.get("examples") or []:
            key = normal_form(example)
            where = line_of(example, entry.line)
            if not key:
                report.add(path, where, f"example {example!r} has no words")
            elif owner.setdefault(key, intent.id) != intent.id:
                report.add(path, where, f"example {example!r} is also an example of {owner[key]}")
    oos_path = kb.root / "intents" / "_out_of_scope.yaml"
    for example in kb.out_of_scope:
        key = normal_form(example)
        if key in owner:
            report.add(
                oos_path,
                line_of(example),
                f"example {example!r} is also an example of {owner[key]}",
            )


RULES: tuple[Callable[[Loaded, Report], None], ...] = (
    verify_intent_ids_unique,
    verify_intent_answers_exist,
    verify_answer_ids,
    verify_related_answers,
    verify_sources,
    verify_answers_reached,
    verify_short_words,
    verify_topics_have_intents,
    verify_examples_unique,
)
