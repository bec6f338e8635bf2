"""YAML loading that remembers where each value came from, so problems can name a line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml


class LineStr(str):
    """A string from a YAML file that knows its 1-based line."""

    line: int = 0


class LineDict(dict):
    """A mapping from a YAML file that knows the 1-based line it starts on."""

    line: int = 0


class LineList(list):
    """A sequence from a YAML file that knows the 1-based line it starts on."""

    line: int = 0


# libyaml's parser where PyYAML was built with it (it is several times faster), else Python's;
# both give the nodes their line marks.
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _LineLoader(_SafeLoader):
    pass


def _construct_str(loader: _LineLoader, node: yaml.ScalarNode) -> LineStr:
    value = LineStr(loader.construct_scalar(node))
    value.line = node.start_mark.line + 1
    return value


def _construct_map(loader: _LineLoader, node: yaml.MappingNode):
    data = LineDict()
    data.line = node.start_mark.line + 1
    yield data
    data.update(loader.construct_mapping(node, deep=True))


def _construct_seq(loader: _LineLoader, node: yaml.SequenceNode):
    data = LineList()
    data.line = node.start_mark.line + 1
    yield data
    data.extend(loader.construct_sequence(node, deep=True))


_LineLoader.add_constructor("tag:yaml.org,2002:str", _construct_str)
_LineLoader.add_constructor("tag:yaml.org,2002:map", _construct_map)
_LineLoader.add_constructor("tag:yaml.org,2002:seq", _construct_seq)


class YamlError(ValueError):
    """A file that is not valid YAML; carries the line of the mistake."""

    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.line = line


def parse(text: str, line_offset: int = 0) -> Any:
    """Parse YAML text into LineDict / LineList / LineStr values (other scalars as usual)."""
    try:
        return yaml.load(text, Loader=_LineLoader)  # noqa: S506 - _LineLoader is a SafeLoader
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        line = mark.line + 1 + line_offset if mark else None
        raise YamlError(f"not valid YAML: {error.problem}", line) from None
    except yaml.YAMLError as error:
        raise YamlError(f"not valid YAML: {error}", None) from None


def read(path: Path) -> Any:
    """Read and parse one YAML file."""
    return parse(path.read_text(encoding="utf-8"))


def line_of(value: Any, default: int | None = None) -> int | None:
    """The line a loaded value came from, if it knows it."""
    return getattr(value, "line", default) or default
