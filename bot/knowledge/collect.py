"""Reading YAML while gathering problems, so one run of the checker reports all of them."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from bot.knowledge.model import Problem
from bot.knowledge.yamlfile import YamlError, line_of, read


class Collector:
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


def text_of(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def string_list(
    col: Collector, path: Path, value: Any, what: str, line: int | None
) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        col.add(path, line_of(value, line), f"{what} should be a list of strings")
        return ()
    return tuple(value)


def read_yaml(col: Collector, path: Path) -> Any:
    if not path.is_file():
        col.add(path, None, "file is missing")
        return None
    try:
        return read(path)
    except YamlError as error:
        col.add(path, error.line, str(error))
        return None
