"""The commands behind python -m bot: each loads what it needs and nothing more."""

from __future__ import annotations

import json
from typing import IO

from bot.knowledge import load
from bot.matching import Matcher


def match_lines(lines: IO[str], out: IO[str]) -> int:
    """The `match` contract: one question per input line, one JSON object per output line."""
    matcher = Matcher(load())
    for line in lines:
        decision = matcher.match(line.rstrip("\r\n"))
        out.write(json.dumps(decision.as_json(), ensure_ascii=False) + "\n")
        out.flush()
    return 0
