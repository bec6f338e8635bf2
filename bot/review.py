"""`python -m bot review [--export FILE]`: what the curators learn from, read from the database.

It prints the kept questions (declined, "did you mean", answered with a 👎) grouped by their
nearest intent, the biggest group first, the same wording counted once with how often it came,
and the 👎 rate of each answer; `--export FILE` writes them as YAML for a curator to turn into
examples or out-of-scope entries, in the project's own words. It reads DATABASE_URL as the bot
does (the embedded SQLite file by default, nothing to set up), opening it beside a running bot
(no lock), and deletes what is past the retention first, as the bot does every hour.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import sys
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import yaml

from bot.storage import store_for
from bot.storage.feedback import ANSWERED, KeptQuestion
from bot.text import normal_form

NO_INTENT = "(no nearest intent)"
SHOWN_LENGTH = 120  # characters of a question printed on one line
EXPORT_NOTE = """\
# Questions the bot kept for its curators: declined, "did you mean", or answered and given a 👎.
# Exported {date} from {where}; in the database they expire after {days} days.
#
# THESE ARE REAL PEOPLE'S WORDS: each must be rewritten in the project's own words before it
# goes into intents/. Never paste one into intents/. For each entry, decide what it should
# teach (fill in `becomes`: an intent id such as dose or safety.pregnancy, or out_of_scope for
# intents/_out_of_scope.yaml, or leave it empty to drop it), write the question again in your
# own words (`in_own_words`), and add only that rewording.
# Delete this file once done: it holds the words longer than the retention otherwise would.
"""
KINDS = {"fallback": "declined", "clarify": '"did you mean"', ANSWERED: "answered with 👎"}


@dataclass
class Wording:
    """One wording (compared in normal form), how often it was kept, and the latest copy."""

    latest: KeptQuestion
    count: int = 0
    first: float = 0.0


@dataclass
class Group:
    intent: str
    wordings: list[Wording] = field(default_factory=list)

    @property
    def count(self) -> int:
        return sum(w.count for w in self.wordings)

    def kinds(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for wording in self.wordings:
            kind = wording.latest.decision
            counts[kind] = counts.get(kind, 0) + wording.count
        return counts


def grouped(questions: Iterable[KeptQuestion]) -> list[Group]:
    """By nearest intent, the biggest group first; in each, the most frequent wording first."""
    groups: dict[str, dict[str, Wording]] = {}
    for question in sorted(questions, key=lambda q: q.asked_at):
        wordings = groups.setdefault(question.intent or NO_INTENT, {})
        same = normal_form(question.text) or question.text.strip().casefold()
        wording = wordings.setdefault(same, Wording(question, first=question.asked_at))
        wording.latest, wording.count = question, wording.count + 1
    result = [
        Group(intent, sorted(w.values(), key=lambda w: (-w.count, -w.latest.asked_at)))
        for intent, w in groups.items()
    ]
    return sorted(result, key=lambda g: (-g.count, g.intent == NO_INTENT, g.intent))


def down_rate(votes: tuple[int, int]) -> str:
    up, down = votes
    return f"{up + down} votes, {down} 👎 ({100 * down / (up + down):.0f}%)" if up + down else ""


def printable(text: str, limit: int = SHOWN_LENGTH) -> str:
    """A user's words safe for a terminal: control characters (escape codes) shown as '?'."""
    clean = "".join("?" if unicodedata.category(ch).startswith("C") else ch for ch in text)
    return clean if len(clean) <= limit else clean[: limit - 1] + "…"


def _date(seconds: float) -> str:
    return dt.datetime.fromtimestamp(seconds, dt.UTC).date().isoformat()


def report(
    groups: list[Group], votes: Mapping[str, tuple[int, int]], answers: Mapping[str, str]
) -> list[str]:
    """The printed review; `answers` maps an intent to its answer, for that answer's votes."""
    total = sum(g.count for g in groups)
    lines = [f"{total} question(s) kept for the curators, in {len(groups)} group(s)."]
    for group in groups:
        kinds = ", ".join(f"{n} {KINDS.get(k, k)}" for k, n in group.kinds().items())
        answer = answers.get(group.intent, "")
        rate = down_rate(votes.get(answer, (0, 0)))
        on_answer = f"; answer {answer}: {rate}" if rate else ""
        lines += ["", f"{group.intent}: {group.count} ({kinds}){on_answer}"]
        for wording in group.wordings:
            q = wording.latest
            offered = ", ".join(f"{i} {s:.0f}" for i, s in q.candidates) or "none"
            lines.append(
                f"  {wording.count:>3}×  {printable(q.text)}   "
                f"[{KINDS.get(q.decision, q.decision)}; candidates: {offered}; "
                f"last {_date(q.asked_at)}]"
            )
    if votes:
        lines += ["", "Votes per answer (👎 rate), the worst first:"]
        ranked = sorted(votes.items(), key=lambda kv: (-kv[1][1] / sum(kv[1]), -sum(kv[1])))
        lines += [f"  {answer_id:<28} {down_rate(pair)}" for answer_id, pair in ranked]
    return lines


def export(groups: list[Group], where: str, days: int, now: float) -> str:
    """The YAML a curator edits, with the note that every wording must be rewritten."""
    entries = []
    for group in groups:
        for wording in group.wordings:
            q = wording.latest
            entries.append(
                {
                    "text": q.text,
                    "count": wording.count,
                    "nearest_intent": group.intent if group.intent != NO_INTENT else None,
                    "decision": q.decision,
                    "vote": q.vote,
                    "score": q.score,
                    "candidates": [{"intent": i, "score": s} for i, s in q.candidates],
                    "first_kept": _date(wording.first),
                    "last_kept": _date(q.asked_at),
                    "becomes": "",
                    "in_own_words": "",
                }
            )
    note = EXPORT_NOTE.format(date=_date(now), where=where, days=days)
    body = yaml.safe_dump({"questions": entries}, allow_unicode=True, sort_keys=False, width=100)
    return note + body


def _intent_answers() -> dict[str, str]:
    """Each intent's answer id, to show its votes; nothing if the knowledge base is broken."""
    from bot.knowledge import KnowledgeError
    from bot.services import load_knowledge

    try:
        return {intent.id: intent.answer for intent in load_knowledge().intents}
    except KnowledgeError:
        return {}


async def _read(url: str, days: int) -> tuple[list[KeptQuestion], dict, str]:
    async with store_for(url, exclusive=False) as store:
        await store.purge_feedback(days)
        return await store.kept_questions(), await store.vote_counts(), store.description


def _missing_file(url: str) -> str | None:
    """The SQLite file this URL names, if it does not exist: opening it would create an empty
    one (and its folders), which would hide a mistyped path from the curator."""
    from bot.storage import MEMORY, scheme_of, sqlite_path

    if scheme_of(url) not in ("", "sqlite"):
        return None
    path = sqlite_path(url)
    return None if str(path) == MEMORY or path.exists() else str(path)


def _write_export(path: str, text: str) -> str | None:
    """Write the export readable by the curator only; the reason it could not be, if so."""
    try:
        # People's words: readable by the curator only, like the database file itself.
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.fchmod(descriptor, 0o600)  # the mode above applies only to a file made anew
        with os.fdopen(descriptor, "w", encoding="utf-8") as out:
            out.write(text)
    except OSError as error:
        return error.strerror or str(error)
    return None


def review(url: str, days: int, export_to: str | None = None) -> int:
    """Print the review, or write the export; the exit status. Output piped into `head` or
    `less` and cut short ends quietly, as a curator expects."""
    try:
        return _review(url, days, export_to)
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no error at exit
        return 0


def _review(url: str, days: int, export_to: str | None) -> int:
    import time

    from bot.storage import StorageError

    missing = _missing_file(url)
    if missing:
        print(f"Nothing kept for the curators yet: no database at {missing} (the bot makes it")
        print("when it first runs with this DATABASE_URL; is the path right?)")
        return 0
    try:
        questions, votes, where = asyncio.run(_read(url, days))
    except StorageError as error:
        print(f"Storage error: {error}", file=sys.stderr)
        return 1
    groups = grouped(questions)
    if export_to:
        problem = _write_export(export_to, export(groups, where, days, time.time()))
        if problem:
            print(f"Could not write {export_to}: {problem}.", file=sys.stderr)
            return 1
        print(f"{sum(g.count for g in groups)} question(s) written to {export_to}")
        return 0
    if not questions and not votes:
        print(f"Nothing kept for the curators yet in {where}.")
        return 0
    print("\n".join(report(groups, votes, _intent_answers())))
    sys.stdout.flush()  # a closed pipe shows here, inside review(), not at exit
    return 0
