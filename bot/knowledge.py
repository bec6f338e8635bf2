"""The knowledge base: intents/ and content/ loaded and validated into frozen objects.

Pure Python, no Telegram. `load()` returns a KnowledgeBase or raises KnowledgeError listing
every problem with its file and line; `python -m bot check` prints those problems.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from bot import html
from bot.text import normal_form
from bot.yamlfile import LineDict, YamlError, line_of, parse, read

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# The topics of ../shared/spec/interfaces.md: stable names that outside tests rely on.
TOPICS: tuple[str, ...] = (
    "leaky_gut",
    "causes",
    "conditions",
    "diet",
    "glutamine",
    "evidence",
    "dose",
    "safety",
    "symptoms",
    "diagnosis",
    "urgent",
    "calories",
    "sources",
    "greeting",
    "thanks",
    "goodbye",
    "help",
    "about",
)
# Topics whose main answer is offered in the /topics menu, in the order above. Red flags and
# small talk are not browsed: they are reached by what people write.
MENU_TOPICS: tuple[str, ...] = tuple(
    t for t in TOPICS if t not in {"urgent", "greeting", "thanks", "goodbye", "help", "about"}
)
# The bot's commands, in the order of its command menu.
COMMANDS = ("start", "topics", "dose", "calories", "sources", "help", "about", "cancel")
ACTIONS = frozenset({"dose", "calories"})  # the guided dialogs an intent may start
FALLBACK = "fallback"  # the answer given when nothing matches; reached by the matcher itself
SYSTEM_ANSWERS = frozenset({FALLBACK})
KINDS = frozenset({"fact", "conversation"})
MIN_EXAMPLES = 20
# Answer ids travel in button data (64 bytes) and deep links (A-Z, a-z, 0-9, _ and -; a dot
# travels as "-"), so they keep to this shape.
ANSWER_ID = re.compile(r"[a-z0-9_]+(?:\.[a-z0-9_]+)*")
MAX_TITLE = 40

# The bot's own texts in content/messages.yaml, with the placeholders each may use.
MESSAGES: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        "description": frozenset(),
        "short_description": frozenset(),
        **{f"command_{name}": frozenset() for name in COMMANDS},
        "welcome": frozenset(),
        "topics": frozenset(),
        "sources_intro": frozenset(),
        "source_line": frozenset({"sources"}),
        "clarify": frozenset(),
        "not_english": frozenset(),
        "too_short": frozenset(),
        "too_long": frozenset({"limit"}),
        "non_text": frozenset(),
        "unknown_command": frozenset({"command"}),
        "error": frozenset(),
        "storage_unavailable": frozenset(),
        "cancelled": frozenset(),
        "nothing_to_cancel": frozenset(),
        "expired_button": frozenset(),
        "timeout": frozenset({"command"}),
        "too_many_tries": frozenset({"command"}),
        "button_dose": frozenset(),
        "button_calories": frozenset(),
        "button_again": frozenset(),
        "button_topics": frozenset(),
        "button_yes": frozenset(),
        "button_no": frozenset(),
        "dose_ask_weight": frozenset(),
        "dose_bad_weight": frozenset({"reason"}),
        "dose_ask_unit": frozenset({"number"}),
        "dose_confirm_weight": frozenset({"kg", "lb"}),
        "dose_ask_adult": frozenset(),
        "button_kg": frozenset(),
        "button_lb": frozenset(),
        "button_adult": frozenset(),
        "button_child": frozenset(),
        "button_pregnant": frozenset(),
        "dose_not_adult": frozenset(),
        "dose_result": frozenset({"kg", "lb", "grams", "note"}),
        "dose_note_above": frozenset(),
        "dose_note_below": frozenset(),
        "dose_note_within": frozenset(),
        "dialog_reask": frozenset(),
        "dialog_too_long": frozenset(),
        "calories_ask_goal": frozenset(),
        "calories_bad_goal": frozenset(),
        "calories_ask_sex": frozenset(),
        "calories_bad_sex": frozenset(),
        "calories_ask_age": frozenset(),
        "calories_bad_age": frozenset({"reason"}),
        "calories_not_adult": frozenset(),
        "calories_ask_height": frozenset(),
        "calories_bad_height": frozenset({"reason"}),
        "calories_ask_weight": frozenset(),
        "calories_bad_weight": frozenset({"reason"}),
        "calories_ask_activity": frozenset(),
        "calories_bad_activity": frozenset(),
        "calories_result": frozenset(
            {"goal", "sex", "age", "height", "weight", "activity", "bmr", "tdee", "target"}
        ),
        "calories_floor": frozenset({"floor", "computed", "wanted"}),
        "calories_below_floor": frozenset(
            {"tdee", "floor", "bmr", "sex", "age", "height", "weight", "activity"}
        ),
        "calories_aggressive": frozenset({"percent"}),
        "calories_advice": frozenset(),
    }
)


@dataclass(frozen=True)
class Problem:
    """One thing wrong in the knowledge base, where it is, and what."""

    path: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message}"


class KnowledgeError(Exception):
    """The knowledge base has problems; `problems` lists every one."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class Source:
    id: str
    short: str
    citation: str
    url: str | None = None


@dataclass(frozen=True)
class Answer:
    id: str
    title: str
    body: str
    sources: tuple[str, ...]
    related: tuple[str, ...]
    kind: str = "fact"

    @property
    def topic(self) -> str:
        return self.id.split(".", 1)[0]


@dataclass(frozen=True)
class Intent:
    id: str
    answer: str
    examples: tuple[str, ...]
    action: str | None = None

    @property
    def topic(self) -> str:
        return self.id.split(".", 1)[0]


@dataclass(frozen=True)
class RedFlag:
    """Words that, all groups present, make a message urgent whatever else it says."""

    name: str
    all_of: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Language:
    aliases: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    stopwords: frozenset[str] = frozenset()
    # Messages of one or two letters are not read, except these words ("hi" -> greeting).
    short_words: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True)
class KnowledgeBase:
    answers: Mapping[str, Answer]
    intents: tuple[Intent, ...]
    sources: Mapping[str, Source]
    messages: Mapping[str, str]
    language: Language
    out_of_scope: tuple[str, ...]
    red_flags: tuple[RedFlag, ...]

    def intent(self, intent_id: str) -> Intent:
        """The intent with this id (a few dozen: a scan is as quick as a dict)."""
        return next(i for i in self.intents if i.id == intent_id)

    def message(self, key: str, **values: object) -> str:
        """A text of the bot's own, with its placeholders filled (values are not escaped)."""
        return self.messages[key].format(**values)

    def menu(self) -> list[Answer]:
        """The answers /topics offers, in menu order."""
        return [self.answers[t] for t in MENU_TOPICS if t in self.answers]

    def answer_text(self, answer: Answer) -> str:
        """An answer as the bot sends it: title, body and source line, in Telegram HTML."""
        parts = [answer.body]
        if answer.kind != "conversation":  # "Hello" needs no heading
            parts.insert(0, f"<b>{html.escape(answer.title)}</b>")
        source = self.source_line(answer)
        if source:
            parts.append(source)
        return "\n\n".join(parts)

    def source_line(self, answer: Answer) -> str:
        """The one short line naming an answer's sources ('' for conversational answers)."""
        if not answer.sources:
            return ""
        names = "; ".join(html.escape(self.sources[s].short) for s in answer.sources)
        return self.message("source_line", sources=names)


# ---------------------------------------------------------------------------------------------
# Loading


class _Collector:
    """Gathers problems while loading, so one run reports all of them."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.problems: list[Problem] = []

    def add(self, path: Path, line: int | None, message: str) -> None:
        try:
            shown = str(path.relative_to(self.root))
        except ValueError:
            shown = str(path)
        self.problems.append(Problem(shown, line, message))

    def keys(
        self, path: Path, data: Any, required: Iterable[str], optional: Iterable[str], what: str
    ) -> bool:
        """Report unknown and missing keys of a mapping; False if it is no mapping at all."""
        if not isinstance(data, dict):
            self.add(path, line_of(data), f"{what} should be a mapping of keys to values")
            return False
        required, optional = set(required), set(optional)
        line = line_of(data)
        for key in data:
            if key not in required | optional:
                allowed = ", ".join(sorted(required | optional))
                self.add(path, line_of(key, line), f"unknown key {key!r} in {what} ({allowed})")
        for key in sorted(required - set(data)):
            self.add(path, line, f"missing key {key!r} in {what}")
        return True


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _string_list(
    col: _Collector, path: Path, value: Any, what: str, line: int | None
) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        col.add(path, line_of(value, line), f"{what} should be a list of strings")
        return ()
    return tuple(value)


def _load_sources(col: _Collector, path: Path) -> dict[str, Source]:
    data = _read_yaml(col, path)
    if data is None:
        return {}
    if not isinstance(data, dict):
        col.add(path, None, "should map source ids to their short name and citation")
        return {}
    sources = {}
    for source_id, entry in data.items():
        if not col.keys(path, entry, {"short", "citation"}, {"url"}, f"source {source_id!r}"):
            continue
        short, citation = _text(entry.get("short")), _text(entry.get("citation"))
        if short and citation:
            sources[str(source_id)] = Source(
                str(source_id), short, citation, _text(entry.get("url"))
            )
    return sources


def _read_yaml(col: _Collector, path: Path) -> Any:
    if not path.is_file():
        col.add(path, None, "file is missing")
        return None
    try:
        return read(path)
    except YamlError as error:
        col.add(path, error.line, str(error))
        return None


_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n---[ \t]*\n", re.DOTALL)


def _load_answer(col: _Collector, path: Path) -> Answer | None:
    text = path.read_text(encoding="utf-8")
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
    required = {"id", "title", "sources", "related"}
    if not col.keys(path, meta, required, {"kind"}, "the front matter"):
        return None
    answer_id, title = _text(meta.get("id")), _text(meta.get("title"))
    body = text[match.end() :].strip()
    body_line = text[: match.end()].count("\n") + 1
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
    sources = _string_list(col, path, meta.get("sources"), "sources", 2)
    related = _string_list(col, path, meta.get("related"), "related", 2)
    if not ok:
        return None
    return Answer(answer_id, title, body, sources, related, kind)


def _load_intents(
    col: _Collector, path: Path, topic: str
) -> tuple[list[tuple[Intent, Any]], list[RedFlag]]:
    data = _read_yaml(col, path)
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
        if not col.keys(path, entry, {"id", "answer", "examples"}, {"action"}, "an intent"):
            continue
        intent_id, answer_id = _text(entry.get("id")), _text(entry.get("answer"))
        line = entry.line
        action = entry.get("action")
        examples = _string_list(col, path, entry.get("examples"), "examples", line)
        if not intent_id or not answer_id:
            col.add(path, line, "an intent needs an id and an answer")
            continue
        if intent_id.split(".", 1)[0] != topic:
            col.add(path, line_of(entry.get("id"), line), f"intent {intent_id!r} is not {topic}.*")
        if action is not None and action not in ACTIONS:
            col.add(path, line_of(action, line), f"action {action!r} should be one of {ACTIONS}")
        if len(examples) < MIN_EXAMPLES:
            col.add(
                path,
                line,
                f"intent {intent_id!r} has {len(examples)} examples; needs {MIN_EXAMPLES}",
            )
        intent = Intent(intent_id, answer_id, tuple(e.strip() for e in examples), action)
        intents.append((intent, entry))
    red_flags = []
    for entry in data.get("red_flags") or []:
        if not col.keys(path, entry, {"name", "all_of"}, set(), "a red flag"):
            continue
        groups = entry.get("all_of")
        if not isinstance(groups, list) or not groups:
            col.add(path, entry.line, "a red flag's all_of should be a list of word lists")
            continue
        parsed = tuple(_string_list(col, path, g, "a red-flag group", entry.line) for g in groups)
        red_flags.append(RedFlag(str(entry.get("name")), parsed))
    return intents, red_flags


def _load_language(col: _Collector, path: Path) -> Language:
    data = _read_yaml(col, path)
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
    stopwords = _string_list(col, path, data.get("stopwords"), "stopwords", data.line)
    short_words = data.get("short_words") or {}
    if not isinstance(short_words, dict):
        col.add(path, line_of(short_words), "'short_words' should map words to intent ids")
        short_words = {}
    return Language(
        MappingProxyType(clean),
        frozenset(normal_form(s) for s in stopwords),
        MappingProxyType({normal_form(str(k)): str(v) for k, v in short_words.items()}),
    )


def _load_out_of_scope(col: _Collector, path: Path) -> tuple[str, ...]:
    data = _read_yaml(col, path)
    if data is None or not col.keys(path, data, {"examples"}, set(), "the file"):
        return ()
    return tuple(e.strip() for e in _string_list(col, path, data.get("examples"), "examples", 1))


def _load_messages(col: _Collector, path: Path) -> dict[str, str]:
    data = _read_yaml(col, path)
    if data is None:
        return {}
    if not isinstance(data, dict):
        col.add(path, None, "should map message keys to texts")
        return {}
    messages = {}
    for key, text in data.items():
        if key not in MESSAGES:
            col.add(path, line_of(key), f"unknown message {key!r}")
            continue
        if not isinstance(text, str) or not text.strip():
            col.add(path, line_of(key), f"message {key!r} is empty")
            continue
        names = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
        unknown = names - MESSAGES[key]
        if unknown:
            col.add(path, line_of(text), f"message {key!r} uses unknown placeholders {unknown}")
            continue
        sample = text.format(**dict.fromkeys(MESSAGES[key], "1"))
        for problem in html.problems(sample):
            col.add(path, line_of(text), f"message {key!r}: {problem}")
        messages[str(key)] = text.strip()
    for key in MESSAGES:
        if key not in data:
            col.add(path, None, f"missing message {key!r}")
    return messages


# ---------------------------------------------------------------------------------------------
# Cross-checks: what only the whole knowledge base can tell

# A conversational answer that quotes a figure is stating a fact, and facts need a source.
_FACT_HINT = re.compile(r"\d")


def _cross_check(
    col: _Collector,
    root: Path,
    answers: dict[str, Answer],
    intents: list[tuple[Intent, Path, Any]],
    sources: dict[str, Source],
    out_of_scope: tuple[str, ...],
    language: Language | None = None,
) -> None:
    content = root / "content"
    seen_ids: dict[str, Path] = {}
    for intent, path, entry in intents:
        if intent.id in seen_ids:
            col.add(
                path, entry.line, f"intent {intent.id!r} is also defined in {seen_ids[intent.id]}"
            )
        seen_ids[intent.id] = path.name
        if intent.answer not in answers:
            col.add(
                path,
                line_of(entry.get("answer"), entry.line),
                f"answer {intent.answer!r} does not exist",
            )

    for answer in answers.values():
        path = content / f"{answer.id}.html"
        if answer.topic not in TOPICS and answer.id not in SYSTEM_ANSWERS:
            col.add(path, 2, f"answer id {answer.id!r} should start with a topic")
        for related in answer.related:
            if related not in answers:
                col.add(path, 2, f"related answer {related!r} does not exist")
            elif related == answer.id:
                col.add(path, 2, "an answer should not list itself as related")
        for source in answer.sources:
            if source not in sources:
                col.add(path, 2, f"source {source!r} is not in content/sources.yaml")
        if answer.kind == "fact" and not answer.sources:
            col.add(
                path,
                2,
                "the answer states facts without a source (add sources, or kind: conversation)",
            )
        if answer.kind == "conversation" and _FACT_HINT.search(html.to_plain(answer.body)):
            col.add(path, 2, "a conversation answer quotes figures: give it sources (kind: fact)")
        if not ANSWER_ID.fullmatch(answer.id) or len(f"a:{answer.id}".encode()) > 64:
            col.add(path, 2, "an answer id may use only a-z, 0-9, _ and ., up to 60 characters")

    reached = {intent.answer for intent, _, _ in intents} | SYSTEM_ANSWERS | set(MENU_TOPICS)
    for answer_id in sorted(set(answers) - reached):
        col.add(content / f"{answer_id}.html", 1, "no intent or menu reaches this answer")
    for system_answer in sorted(SYSTEM_ANSWERS - set(answers)):
        col.add(content / f"{system_answer}.html", None, "file is missing")

    intent_ids = {intent.id for intent, _, _ in intents}
    for word, intent_id in (language.short_words if language else {}).items():
        if intent_id not in intent_ids:
            col.add(
                root / "intents" / "_language.yaml",
                None,
                f"short word {word!r} names intent {intent_id!r}, which does not exist",
            )

    topics_with_intents = {intent.topic for intent, _, _ in intents}
    for topic in TOPICS:
        if topic not in topics_with_intents:
            col.add(root / "intents" / f"{topic}.yaml", None, f"topic {topic!r} has no intent")

    owner: dict[str, str] = {}
    for intent, path, entry in intents:
        examples = entry.get("examples") or []
        for example in examples:
            key = normal_form(example)
            if not key:
                col.add(path, line_of(example, entry.line), f"example {example!r} has no words")
                continue
            if key in owner and owner[key] != intent.id:
                col.add(
                    path,
                    line_of(example, entry.line),
                    f"example {example!r} is also an example of {owner[key]}",
                )
            owner.setdefault(key, intent.id)
    oos_path = root / "intents" / "_out_of_scope.yaml"
    for example in out_of_scope:
        key = normal_form(example)
        if key in owner:
            col.add(
                oos_path,
                line_of(example),
                f"example {example!r} is also an example of {owner[key]}",
            )


def check(root: Path = PROJECT_ROOT) -> tuple[KnowledgeBase | None, list[Problem]]:
    """Load and validate the knowledge base under root; return it (if usable) and every problem."""
    col = _Collector(root)
    content, intents_dir = root / "content", root / "intents"
    sources = _load_sources(col, content / "sources.yaml")
    messages = _load_messages(col, content / "messages.yaml")
    answers: dict[str, Answer] = {}
    for path in sorted(content.glob("*.html")):
        answer = _load_answer(col, path)
        if answer:
            answers[answer.id] = answer
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
    language = _load_language(col, intents_dir / "_language.yaml")
    out_of_scope = _load_out_of_scope(col, intents_dir / "_out_of_scope.yaml")
    _cross_check(col, root, answers, intents, sources, out_of_scope, language)
    kb = KnowledgeBase(
        answers=MappingProxyType(answers),
        intents=tuple(intent for intent, _, _ in intents),
        sources=MappingProxyType(sources),
        messages=MappingProxyType(messages),
        language=language,
        out_of_scope=out_of_scope,
        red_flags=tuple(red_flags),
    )
    if "source_line" in messages:  # the answers as sent: what Telegram must accept
        for answer in answers.values():
            if all(source in sources for source in answer.sources):
                for problem in html.problems(kb.answer_text(answer)):
                    col.add(content / f"{answer.id}.html", None, problem)
    return kb, col.problems


def load(root: Path = PROJECT_ROOT) -> KnowledgeBase:
    """Load the knowledge base, or raise KnowledgeError listing every problem."""
    kb, problems = check(root)
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
