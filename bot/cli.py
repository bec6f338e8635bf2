"""The commands behind python -m bot: each loads what it needs and nothing more."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import IO

from bot.services import build_services


def match_lines(lines: IO[str], out: IO[str]) -> int:
    """The `match` contract: one question per input line, one JSON object per output line."""
    matcher = build_services().matcher
    for line in lines:
        decision = matcher.match(line.rstrip("\r\n"))
        out.write(json.dumps(decision.as_json(), ensure_ascii=False) + "\n")
        out.flush()
    return 0


def evaluate(file: str, cv: int | None = None, show: int = 0, part: str = "heldout") -> int:
    """`eval`: the matcher's accuracy on a labelled question set, or cross-validated."""
    from bot.matching.evaluate import TARGET_RIGHT_REAL, cross_validate, evaluate, read_labelled
    from bot.services import load_knowledge, matcher_kind

    kb = load_knowledge()
    if cv:
        if cv < 2:
            print("--cv needs at least 2 folds", file=sys.stderr)
            return 2
        print(f"{cv}-fold cross-validation over the intent examples; matcher {matcher_kind()}")
        print("\n".join(cross_validate(kb, cv, matcher_kind()).lines(show)))
        return 0
    path = Path(file)
    if not path.is_file():
        print(f"no such file: {file}", file=sys.stderr)
        return 2
    questions, title = read_labelled(path, part)
    services = build_services(kb)
    report = evaluate(services.matcher, questions)
    if title.startswith("real-wording"):
        report.target_right = TARGET_RIGHT_REAL
    print(f"{path}: {title}; matcher {matcher_kind()}")
    print("\n".join(report.lines(show)))
    return 0


def vectors() -> int:
    """`vectors`: store the sentence vector of every example and the regression trained on
    them, for a quick start-up."""
    from bot.matching.embedding import shipped_encoder
    from bot.matching.fused import spelt_examples, store_classifier
    from bot.matching.semantic import CLASSIFIER_PATH
    from bot.matching.vectors import VECTORS_PATH, store
    from bot.services import load_knowledge

    spelt = spelt_examples(load_knowledge())
    count = store(shipped_encoder(), [text for _, text in spelt])
    print(f"{count} example vectors stored in {VECTORS_PATH}")
    store_classifier(spelt)
    print(f"the regression trained on them stored in {CLASSIFIER_PATH}")
    return 0


def stale_vectors(kb) -> list[str]:
    """The examples whose vectors `python -m bot vectors` has not stored yet."""
    from bot.matching.fused import spelt_examples
    from bot.matching.vectors import shipped_vectors

    return shipped_vectors().missing([text for _, text in spelt_examples(kb)])


def stored_behind(kb) -> str | None:
    """What start-up would have to do that `python -m bot vectors` could store instead (encode
    examples, train the regression), in one sentence; None when nothing."""
    from bot.matching.fused import classifier_is_current, spelt_examples
    from bot.matching.vectors import shipped_vectors

    spelt = spelt_examples(kb)  # once: the analyzer takes a quarter of a second to build
    stale = shipped_vectors().missing([text for _, text in spelt])
    if stale:
        return (
            f"{len(stale)} example(s) have no stored sentence vector (the bot would encode them "
            "at every start-up): run python -m bot vectors"
        )
    if not classifier_is_current(spelt):
        return (
            "the stored regression was trained on other examples (the bot would train it at "
            "every start-up): run python -m bot vectors"
        )
    return None


def _settings_or_exit():
    """Settings from the environment; a mistake is one sentence on stderr and exit status 2."""
    from bot.config import SettingsError, configure_logging, from_env

    try:
        settings = from_env()
    except SettingsError as error:
        print(f"Configuration error: {error}", file=sys.stderr)
        return None
    configure_logging(settings.log_level)
    return settings


def _services_or_exit():
    from bot.knowledge import KnowledgeError

    try:
        return build_services()
    except KnowledgeError as error:
        print(
            f"The knowledge base has problems (run python -m bot check):\n{error}", file=sys.stderr
        )
        return None


def run() -> int:
    """Serve Telegram; with no token, say how to get one and chat in the terminal instead."""
    from bot.config import BOTFATHER_HELP

    settings = _settings_or_exit()
    if settings is None:
        return 2
    services = _services_or_exit()
    if services is None:
        return 1
    if not settings.token:
        print(f"TELEGRAM_BOT_TOKEN is not set. {BOTFATHER_HELP}", file=sys.stderr)
        if not sys.stdin.isatty():
            print(
                "Standard input is not a terminal, so there is no chat to start: exiting.",
                file=sys.stderr,
            )
            return 2
        print("Meanwhile, here is the same bot in your terminal.\n", file=sys.stderr)
        return chat(services)
    from bot.storage import StorageError
    from bot.telegram.app import run as serve

    try:
        serve(settings, services)
    except StorageError as error:  # checked at start-up: one sentence, no traceback
        print(f"Storage error: {error}", file=sys.stderr)
        return 1
    return 0


def chat(services=None) -> int:
    """The bot in the terminal, no token needed; only warnings are logged over the chat."""
    services = services or _services_or_exit()
    if services is None:
        return 1
    import logging

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger().setLevel(logging.WARNING)
    from bot.telegram.console import chat as console_chat

    return console_chat(services)


def review(export: str | None = None) -> int:
    """`review`: the questions kept for the curators, printed or exported as YAML."""
    settings = _settings_or_exit()
    if settings is None:
        return 2
    from bot.review import review as show

    return show(settings.database_url, settings.feedback_retention_days, export)
