"""Telegram's HTML subset: validation, escaping and rendering to plain or terminal text.

Telegram accepts only a few tags and entities and rejects the whole message on any mistake,
so every text the bot sends is checked here before it ships (by `python -m bot check`).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from html.parser import HTMLParser

MAX_MESSAGE_LENGTH = 4096  # Telegram's limit, counted on the text after entities are parsed

# Tag -> the attributes Telegram accepts on it (None: any value of that attribute).
ALLOWED_TAGS: dict[str, set[str]] = {
    "b": set(),
    "strong": set(),
    "i": set(),
    "em": set(),
    "u": set(),
    "ins": set(),
    "s": set(),
    "strike": set(),
    "del": set(),
    "code": {"class"},
    "pre": set(),
    "a": {"href"},
    "span": {"class"},
    "tg-spoiler": set(),
    "blockquote": {"expandable"},
    "tg-emoji": {"emoji-id"},
}
_ENTITY = re.compile(r"&(?:lt|gt|amp|quot|#[0-9]+|#x[0-9a-fA-F]+);")
_AMPERSAND = re.compile(r"&")


def escape(text: str, quote: bool = False) -> str:
    """Escape text for Telegram HTML (the only safe way to echo user text); `quote` also
    escapes quotation marks, for a value inside an attribute."""
    return html.escape(text, quote=quote)


class _Checker(HTMLParser):
    def __init__(self) -> None:
        # Entities arrive separately, so a written "&lt;" is never mistaken for a bare "<".
        super().__init__(convert_charrefs=False)
        self.problems: list[str] = []
        self.stack: list[str] = []
        self.text_parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            self.problems.append(f"tag <{tag}> is not allowed by Telegram")
            return
        for name, _ in attrs:
            if name not in ALLOWED_TAGS[tag]:
                self.problems.append(f"attribute {name!r} is not allowed on <{tag}>")
        if tag == "a":
            href = dict(attrs).get("href") or ""
            if not href.startswith(("https://", "http://", "tg://")):
                self.problems.append(f"link {href!r} needs an http(s):// or tg:// address")
        if tag == "span" and dict(attrs).get("class") != "tg-spoiler":
            self.problems.append('<span> is allowed only as <span class="tg-spoiler">')
        self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.problems.append(f"self-closing <{tag}/> is not allowed by Telegram")

    def handle_endtag(self, tag: str) -> None:
        if tag not in ALLOWED_TAGS:
            return  # already reported at its start tag
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> does not close the tag opened before it")
            if tag in self.stack:
                while self.stack and self.stack.pop() != tag:
                    pass
            return
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        if "<" in data or ">" in data:
            self.problems.append("a bare < or > must be written &lt; or &gt;")
        self.text_parts.append(data)

    def handle_entityref(self, name: str) -> None:
        self.text_parts.append(html.unescape(f"&{name};"))

    def handle_charref(self, name: str) -> None:
        self.text_parts.append(html.unescape(f"&#{name};"))

    def handle_comment(self, data: str) -> None:
        self.problems.append("comments are not allowed by Telegram")

    def handle_decl(self, decl: str) -> None:
        self.problems.append("declarations are not allowed by Telegram")


def problems(text: str) -> list[str]:
    """Return why Telegram would reject text as an HTML message (an empty list if it would not)."""
    found: list[str] = []
    for match in _AMPERSAND.finditer(text):
        if not _ENTITY.match(text, match.start()):
            found.append("a bare & must be written &amp; (or use a named entity Telegram knows)")
            break
    checker = _Checker()
    checker.feed(text)
    checker.close()
    if checker.rawdata:  # an unfinished tag such as "<b" at the very end
        found.append("the text ends inside an unfinished tag")
    found.extend(checker.problems)
    found.extend(f"<{tag}> is never closed" for tag in checker.stack)
    # Telegram counts UTF-16 code units: an emoji is two.
    length = len("".join(checker.text_parts).encode("utf-16-le")) // 2
    if not "".join(checker.text_parts).strip():
        found.append("the message has no visible text")
    if length > MAX_MESSAGE_LENGTH:
        found.append(f"{length} characters: over Telegram's limit of {MAX_MESSAGE_LENGTH}")
    return found


class _Renderer(HTMLParser):
    def __init__(self, style: Callable[[str, bool], str]) -> None:
        super().__init__(convert_charrefs=True)
        self.style = style
        self.out: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.links.append(dict(attrs).get("href") or "")
        self.out.append(self.style(tag, True))

    def handle_endtag(self, tag: str) -> None:
        self.out.append(self.style(tag, False))
        if tag == "a" and self.links:
            self.out.append(f" ({self.links.pop()})")

    def handle_data(self, data: str) -> None:
        self.out.append(data)


_ANSI = {
    "b": "1",
    "strong": "1",
    "i": "3",
    "em": "3",
    "u": "4",
    "ins": "4",
    "a": "4",
    "s": "9",
    "strike": "9",
    "del": "9",
    "code": "2",
    "pre": "2",
}


def _render(text: str, style: Callable[[str, bool], str]) -> str:
    renderer = _Renderer(style)
    renderer.feed(text)
    renderer.close()
    return "".join(renderer.out)


def to_plain(text: str) -> str:
    """Telegram HTML as plain text: tags dropped, entities decoded, link addresses shown."""
    return _render(text, lambda tag, opening: "")


def to_terminal(text: str) -> str:
    """Telegram HTML as terminal text: bold, italics and underline as ANSI styles."""

    def style(tag: str, opening: bool) -> str:
        code = _ANSI.get(tag)
        if code is None:
            return ""
        return f"\033[{code}m" if opening else "\033[0m"

    return _render(text, style)
