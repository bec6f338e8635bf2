"""Loading the knowledge base: intents/ and content/ read and validated into frozen objects.

Pure Python, no Telegram. `check()` returns the knowledge base (if usable) and every problem
with its file and line; `load()` raises KnowledgeError listing them. The texts content/messages.yaml
must hold are given by the caller (bot.services knows them all: the core texts, the commands' and
each dialog's), so a dialog's texts are declared beside the dialog.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

from bot import html
from bot.knowledge.collect import Collector, read_yaml, string_list, text_of
from bot.knowledge.model import (
    KINDS,
    MAX_TITLE,
    MIN_EXAMPLES,
    TOPICS,
    URGENT,
    Answer,
    Intent,
    KnowledgeBase,
    KnowledgeError,
    Language,
    Problem,
    RedFlag,
    Source,
)
from bot.knowledge.rules import RULES, Loaded
from bot.knowledge.yamlfile import LineDict, YamlError, line_of, parse
from bot.text import normal_form

MessageKeys = Mapping[str, frozenset[str]]  # message key -> the placeholders it may use


# ---------------------------------------------------------------------------------------------
# Loading


def _load_sources(col: Collector, path: Path) -> dict[str, Source]:
    data = read_yaml(col, path)
    if data is None:
        return {}
    if not isinstance(data, dict):
        col.add(path, None, "should map source ids to their short name and citation")
        return {}
    sources = {}
    for source_id, entry in data.items():
        if not col.keys(path, entry, {"short", "citation"}, {"url"}, f"source {source_id!r}"):
            continue
        short, citation = text_of(entry.get("short")), text_of(entry.get("citation"))
        if short and citation:
            sources[str(source_id)] = Source(
                str(source_id), short, citation, text_of(entry.get("url"))
            )
    return sources


_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n---[ \t]*\n", re.DOTALL)


def _front_matter(col: Collector, path: Path, text: str) -> tuple[Any, int] | None:
    """An answer file's front matter (lines counted from the file's top) and where it ends."""
    match = _FRONT_MATTER.match(text)
    if not match:
        col.add(path, 1, "should start with front matter between two '---' lines")
        return None
    try:
        meta = parse(match.group(1), line_offset=1)
    except YamlError as error:
        col.add(path, error.line, str(error))
        return None
    if meta is not None and isinstance(meta, dict):
        for value in meta.values():  # front-matter lines count from the file's second line
            if hasattr(value, "line"):
                value.line += 1
        for key in list(meta):
            if hasattr(key, "line"):
                key.line += 1
        if isinstance(meta, LineDict):
            meta.line = 2
    return meta, match.end()


def _load_answer(col: Collector, path: Path) -> Answer | None:
    """One content/<id>.html: front matter (id, title, sources, related, kind), then the body."""
    text = path.read_text(encoding="utf-8")
    found = _front_matter(col, path, text)
    if found is None:
        return None
    meta, end = found
    required = {"id", "title", "sources", "related"}
    if not col.keys(path, meta, required, {"kind"}, "the front matter"):
        return None
    answer_id, title = text_of(meta.get("id")), text_of(meta.get("title"))
    body = text[end:].strip()
    body_line = text[:end].count("\n") + 1
    kind = meta.get("kind") or "fact"
    ok = True
    if answer_id != path.stem:
        col.add(path, line_of(meta.get("id"), 2), f"id {answer_id!r} should match the file name")
        ok = False
    if not title:
        col.add(path, line_of(meta.get("title"), 2), "the title is empty")
        ok = False
    elif len(title) > MAX_TITLE:
        col.add(path, line_of(meta.get("title"), 2), f"the title is over {MAX_TITLE} characters")
    if kind not in KINDS:
        col.add(path, line_of(kind, 2), f"kind {kind!r} should be one of {sorted(KINDS)}")
    if not body:
        col.add(path, body_line, "the answer has no body")
        ok = False
    sources = string_list(col, path, meta.get("sources"), "sources", 2)
    related = string_list(col, path, meta.get("related"), "related", 2)
    if not ok:
        return None
    return Answer(answer_id, title, body, sources, related, kind)


def _load_intents(
    col: Collector, path: Path, topic: str
) -> tuple[list[tuple[Intent, Any]], list[RedFlag]]:
    data = read_yaml(col, path)
    if data is None:
        return [], []
    optional = {"red_flags"} if topic == "urgent" else set()
    if not col.keys(path, data, {"intents"}, optional, "an intent file"):
        return [], []
    intents: list[tuple[Intent, Any]] = []
    entries = data.get("intents")
    if not isinstance(entries, list):
        col.add(path, line_of(entries, data.line), "'intents' should be a list")
        entries = []
    for entry in entries:
        if not col.keys(path, entry, {"id", "answer", "examples"}, set(), "an intent"):
            continue
        intent_id, answer_id = text_of(entry.get("id")), text_of(entry.get("answer"))
        line = entry.line
        examples = string_list(col, path, entry.get("examples"), "examples", line)
        if not intent_id or not answer_id:
            col.add(path, line, "an intent needs an id and an answer")
            continue
        if intent_id.split(".", 1)[0] != topic:
            col.add(path, line_of(entry.get("id"), line), f"intent {intent_id!r} is not {topic}.*")
        if len(examples) < MIN_EXAMPLES:
            col.add(
                path,
                line,
                f"intent {intent_id!r} has {len(examples)} examples; needs {MIN_EXAMPLES}",
            )
        intent = Intent(intent_id, answer_id, tuple(e.strip() for e in examples))
        intents.append((intent, entry))
    return intents, _load_red_flags(col, path, data.get("red_flags") or [])


def _load_red_flags(col: Collector, path: Path, entries: list) -> list[RedFlag]:
    """The red flags of intents/urgent.yaml: each a name and groups of phrases."""
    red_flags = []
    for entry in entries:
        if not col.keys(path, entry, {"name", "all_of"}, {"intent"}, "a red flag"):
            continue
        groups = entry.get("all_of")
        if not isinstance(groups, list) or not groups:
            col.add(path, entry.line, "a red flag's all_of should be a list of word lists")
            continue
        parsed = tuple(string_list(col, path, g, "a red-flag group", entry.line) for g in groups)
        intent = text_of(entry.get("intent")) or URGENT
        red_flags.append(RedFlag(str(entry.get("name")), parsed, intent))
    return red_flags


def _load_language(col: Collector, path: Path) -> Language:
    data = read_yaml(col, path)
    if data is None or not col.keys(
        path, data, {"aliases", "stopwords"}, {"short_words"}, "the file"
    ):
        return Language()
    aliases = data.get("aliases") or {}
    if not isinstance(aliases, dict):
        col.add(path, line_of(aliases), "'aliases' should map phrases to words")
        aliases = {}
    clean: dict[str, str] = {}
    for phrase, target in aliases.items():
        key, value = normal_form(str(phrase)), normal_form(str(target or ""))
        if not key or not value:
            col.add(
                path, line_of(phrase), f"alias {phrase!r} -> {target!r} is empty once normalised"
            )
            continue
        clean[key] = value
    for key, value in clean.items():
        if value in clean and clean[value] != value:
            col.add(path, None, f"alias {key!r} -> {value!r} leads to another alias")
    stopwords = string_list(col, path, data.get("stopwords"), "stopwords", data.line)
    short_words = data.get("short_words") or {}
    if not isinstance(short_words, dict):
        col.add(path, line_of(short_words), "'short_words' should map words to intent ids")
        short_words = {}
    return Language(
        MappingProxyType(clean),
        frozenset(normal_form(s) for s in stopwords),
        MappingProxyType({normal_form(str(k)): str(v) for k, v in short_words.items()}),
    )


def _load_out_of_scope(col: Collector, path: Path) -> tuple[str, ...]:
    data = read_yaml(col, path)
    if data is None or not col.keys(path, data, {"examples"}, set(), "the file"):
        return ()
    return tuple(e.strip() for e in string_list(col, path, data.get("examples"), "examples", 1))


def _load_messages(col: Collector, path: Path, keys: MessageKeys) -> dict[str, str]:
    data = read_yaml(col, path)
    if data is None:
        return {}
    if not isinstance(data, dict):
        col.add(path, None, "should map message keys to texts")
        return {}
    messages = {}
    for key, text in data.items():
        if key not in keys:
            col.add(path, line_of(key), f"unknown message {key!r}")
            continue
        if not isinstance(text, str) or not text.strip():
            col.add(path, line_of(key), f"message {key!r} is empty")
            continue
        names = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
        unknown = names - keys[key]
        if unknown:
            col.add(path, line_of(text), f"message {key!r} uses unknown placeholders {unknown}")
            continue
        sample = text.format(**dict.fromkeys(keys[key], "1"))
        for problem in html.problems(sample):
            col.add(path, line_of(text), f"message {key!r}: {problem}")
        messages[str(key)] = text.strip()
    for key in keys:
        if key not in data:
            col.add(path, None, f"missing message {key!r}")
    return messages


def check(
    root: Path,
    message_keys: MessageKeys,
    render: Callable[[KnowledgeBase, Answer], str] | None = None,
) -> tuple[KnowledgeBase | None, list[Problem]]:
    """Load and validate the knowledge base under root; return it (if usable) and every problem.

    `render` turns an answer into the text the bot sends, so that the HTML Telegram receives
    is what gets checked.
    """
    col = Collector(root)
    content, intents_dir = root / "content", root / "intents"
    sources = _load_sources(col, content / "sources.yaml")
    messages = _load_messages(col, content / "messages.yaml", message_keys)
    answers: dict[str, Answer] = {}
    for path in sorted(content.glob("*.html")):
        answer = _load_answer(col, path)
        if answer:
            answers[answer.id] = answer
    intents, red_flags = _load_all_intents(col, intents_dir)
    urgent = {intent.id for intent, _, _ in intents if intent.topic == URGENT}
    for flag in red_flags:
        if flag.intent not in urgent:
            problem = f"red flag {flag.name!r} answers {flag.intent!r}, no intent of topic urgent"
            col.add(intents_dir / "urgent.yaml", None, problem)
    language = _load_language(col, intents_dir / "_language.yaml")
    out_of_scope = _load_out_of_scope(col, intents_dir / "_out_of_scope.yaml")
    loaded = Loaded(root, answers, intents, sources, out_of_scope, language)
    for rule in RULES:
        rule(loaded, col)
    kb = KnowledgeBase(
        answers=MappingProxyType(answers),
        intents=tuple(intent for intent, _, _ in intents),
        sources=MappingProxyType(sources),
        messages=MappingProxyType(messages),
        language=language,
        out_of_scope=out_of_scope,
        red_flags=tuple(red_flags),
    )
    if render is not None and "source_line" in messages:
        for answer in answers.values():
            if all(source in sources for source in answer.sources):
                for problem in html.problems(render(kb, answer)):
                    col.add(content / f"{answer.id}.html", None, problem)
    return kb, col.problems


def _load_all_intents(
    col: Collector, intents_dir: Path
) -> tuple[list[tuple[Intent, Path, Any]], list[RedFlag]]:
    """Every topic's intent file (files starting with _ hold language data, not intents)."""
    intents: list[tuple[Intent, Path, Any]] = []
    red_flags: list[RedFlag] = []
    for path in sorted(intents_dir.glob("*.yaml")):
        if path.name.startswith("_"):
            continue
        if path.stem not in TOPICS:
            col.add(path, None, f"{path.stem!r} is not a topic of the spec ({', '.join(TOPICS)})")
            continue
        found, flags = _load_intents(col, path, path.stem)
        intents.extend((intent, path, entry) for intent, entry in found)
        red_flags.extend(flags)
    return intents, red_flags


def load(
    root: Path,
    message_keys: MessageKeys,
    render: Callable[[KnowledgeBase, Answer], str] | None = None,
) -> KnowledgeBase:
    """Load the knowledge base, or raise KnowledgeError listing every problem."""
    kb, problems = check(root, message_keys, render)
    if problems or kb is None:
        raise KnowledgeError(problems)
    return kb


def summary(kb: KnowledgeBase) -> str:
    """One line: how much the knowledge base holds."""
    examples = sum(len(i.examples) for i in kb.intents)
    topics = len({i.topic for i in kb.intents})
    return (
        f"knowledge base OK: {len(kb.intents)} intents over {topics} topics, "
        f"{examples} examples, {len(kb.answers)} answers, {len(kb.sources)} sources, "
        f"{len(kb.out_of_scope)} out-of-scope examples"
    )
