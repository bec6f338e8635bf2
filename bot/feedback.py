"""Feedback on answers and asking to be forgotten: the pure rules, no Telegram.

Votes. Every answer a user asked for (a typed question, an answer button) ends with a 👍 / 👎
row. Each button's callback data carries all a tap needs, so it works after a restart and no
callback cache is kept: `v:<+|->:<answer id>:<key>`, within Telegram's 64 bytes. The key (16
URL-safe characters) is 6 random bytes and a 6-byte HMAC of them and the answer id, under a
secret derived from the bot token: it names nothing about the user, and a client that makes up
callback data cannot make up votes. It is also the key under which the question waits for its
vote (bot.storage.feedback).

What is kept for the curators (`worth_keeping`): questions the bot declined (nothing matched,
out of scope, a word only off-topic questions use) and those it asked "did you mean" about;
an answered one only once it gets a 👎. Never kept: messages too short, too long or in another
alphabet (nothing to learn, or too much said), red-flag messages (health data, and the bot
must answer them, not learn from them), small talk, and who sent anything. At most
KEPT_PER_PERSON a day from one person (`PersonQuota`, in memory only; in a group, per member)
and FEEDBACK_DAILY_LIMIT in any 24 hours from everyone (the store): one person's flood cannot
fill the table, nor crowd out everyone else's.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass, field

from bot.knowledge import FALLBACK as FALLBACK_ANSWER
from bot.knowledge import URGENT, KnowledgeBase, topic_of
from bot.matching import ANSWER, CLARIFY, FALLBACK, Decision
from bot.replies import Button, Reply
from bot.storage.feedback import DAY, DOWN, UP, KeptQuestion
from bot.text import normal_form

VOTE_DATA = "v:"
FORGET_DATA = "f:"  # + "yes:<user id>" or "no:<user id>": the confirmation of /forget
MAX_CALLBACK_BYTES = 64
KEY_LENGTH = 16  # characters: 6 random bytes and 6 of HMAC, in URL-safe base64
_RANDOM_BYTES = _MAC_BYTES = 6
SIGNS = {UP: "+", DOWN: "-"}
_VOTE = re.compile(r"v:([+-]):([a-z0-9_]+(?:\.[a-z0-9_]+)*):([A-Za-z0-9_-]{16})")
_FORGET = re.compile(r"f:(yes|no):([0-9]{1,20})")
NOT_KEPT_REASONS = frozenset({"too_short", "empty", "too_long", "not_english"})
MAX_KEPT_TEXT = 500  # characters of a question kept (the gates decline longer ones anyway)
KEPT_PER_PERSON = 20  # questions kept from one person in a day (UTC); the rest only answered
# What a person may type that names or reaches them: replaced before a question is kept, so
# the curators' copy holds the question, not an address. Order matters: links and e-mail
# addresses before @handles, and digits last.
_IDENTIFYING = (
    (re.compile(r"\b(?:https?://|www\.)\S+", re.I), "<link>"),
    (re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"), "<email>"),
    (re.compile(r"(?<!\w)@\w{2,}"), "<username>"),
    (re.compile(r"\+?\d[\d ()./-]{5,}\d"), "<number>"),  # phone, card, id: 7+ characters
)

# The texts of content/messages.yaml this feature uses, with their placeholders.
FEEDBACK_MESSAGES = {
    "vote_thanks": frozenset(),
    "vote_sorry": frozenset(),
    "vote_sorry_nothing_closer": frozenset(),
    "vote_counted": frozenset(),
    "vote_stale": frozenset(),
    "privacy": frozenset({"days", "per_person"}),
    "forget_confirm": frozenset(),
    "forget_yes": frozenset(),
    "forget_no": frozenset(),
    "forget_cancelled": frozenset(),
    "forget_done": frozenset({"deleted"}),
    "forget_nothing": frozenset(),
    "forget_not_yours": frozenset(),
    "forgot_user_data": frozenset({"count"}),
    "forgot_dialogs": frozenset({"count"}),
    "forgot_inbox": frozenset({"count"}),
    "forgot_jobs": frozenset({"count"}),
}


@dataclass(frozen=True)
class Vote:
    vote: str  # UP or DOWN
    answer_id: str
    key: str


def vote_secret(token: str) -> bytes:
    """The secret vote keys are signed with: stable while the token is, useless without it."""
    return hashlib.sha256(f"vote-keys:{token}".encode()).digest()


class VoteKeys:
    """Makes and checks vote keys (see the module's doc)."""

    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def _mac(self, answer_id: str, nonce: bytes) -> bytes:
        digest = hmac.new(self._secret, nonce + answer_id.encode(), hashlib.sha256).digest()
        return digest[:_MAC_BYTES]

    def new(self, answer_id: str) -> str:
        """A fresh key for one answer's vote pair."""
        nonce = secrets.token_bytes(_RANDOM_BYTES)
        return base64.urlsafe_b64encode(nonce + self._mac(answer_id, nonce)).decode()

    def valid(self, answer_id: str, key: str) -> bool:
        """Whether this bot made this key for this answer (not made up, not moved)."""
        try:
            raw = base64.urlsafe_b64decode(key.encode())
        except ValueError:
            return False
        nonce, mac = raw[:_RANDOM_BYTES], raw[_RANDOM_BYTES:]
        return len(raw) == _RANDOM_BYTES + _MAC_BYTES and hmac.compare_digest(
            mac, self._mac(answer_id, nonce)
        )


def vote_data(vote: str, answer_id: str, key: str) -> str | None:
    """The callback data of one vote button; None if it would not fit in 64 bytes."""
    data = f"{VOTE_DATA}{SIGNS[vote]}:{answer_id}:{key}"
    return data if len(data.encode()) <= MAX_CALLBACK_BYTES else None


def parse_vote(data: str) -> Vote | None:
    """A vote button's data read back; None for anything else (forged, garbled)."""
    found = _VOTE.fullmatch(data)
    if not found:
        return None
    sign, answer_id, key = found.groups()
    return Vote(UP if sign == "+" else DOWN, answer_id, key)


def votable(kb: KnowledgeBase, answer_id: str) -> bool:
    """Whether an answer gets vote buttons: facts, not small talk, the fallback or red flags."""
    answer = kb.answers.get(answer_id)
    if answer is None or answer_id == FALLBACK_ANSWER or answer.topic == URGENT:
        return False
    return answer.kind != "conversation"


def with_votes(reply: Reply, answer_id: str, key: str) -> Reply:
    """The reply with a 👍 / 👎 row below its buttons (unchanged if the data would not fit)."""
    up, down = vote_data(UP, answer_id, key), vote_data(DOWN, answer_id, key)
    if up is None or down is None:
        return reply
    row = (Button("👍", up), Button("👎", down))
    return Reply(reply.text, (*reply.buttons, row))


def worth_keeping(decision: Decision) -> bool:
    """Whether a declined or "did you mean" question is kept for the curators: never one that
    may be about an emergency (an urgent intent among its candidates: health data)."""
    named = [decision.intent or "", *(c.intent for c in decision.candidates)]
    if any(topic_of(intent) == URGENT for intent in named):
        return False
    if decision.decision == CLARIFY:
        return True
    return decision.decision == FALLBACK and decision.reason not in NOT_KEPT_REASONS


@dataclass
class PersonQuota:
    """How many questions each person (a user id) has had kept today (UTC), in memory only:
    never written down, dropped with the first count after midnight, and gone on a restart
    (which can let one person's count start again within a day)."""

    per_day: int = KEPT_PER_PERSON
    _day: int = field(default=-1, init=False)
    _counts: dict[int, int] = field(default_factory=dict, init=False)

    def has_room(self, person: int, now: float) -> bool:
        """Whether one more question of this person's may be kept today."""
        if int(now // DAY) != self._day:
            return True
        return self._counts.get(person, 0) < self.per_day

    def take(self, person: int, now: float) -> bool:
        """Count one more kept question of this person's, if there is room; say whether."""
        day = int(now // DAY)
        if day != self._day:
            self._day, self._counts = day, {}
        if not self.has_room(person, now):
            return False
        self._counts[person] = self._counts.get(person, 0) + 1
        return True


def kept_question(
    key: str, decision: Decision, text: str, answer_id: str | None = None
) -> KeptQuestion:
    """What is kept of a question: its words (links, e-mail addresses, @usernames and long
    numbers replaced), the decision and candidates; no one's id."""
    return KeptQuestion(
        key=key,
        text=scrubbed(text)[:MAX_KEPT_TEXT],
        decision=decision.decision,
        intent=decision.intent or (decision.candidates[0].intent if decision.candidates else None),
        score=round(decision.score, 1),
        candidates=tuple((c.intent, round(c.score, 1)) for c in decision.candidates),
        answer_id=answer_id if decision.decision == ANSWER else None,
    )


def scrubbed(text: str) -> str:
    """The text with what could name or reach its writer replaced by a placeholder."""
    for pattern, placeholder in _IDENTIFYING:
        text = pattern.sub(placeholder, text)
    return text


def closer_answers(
    kb: KnowledgeBase, answer_id: str, question: KeptQuestion | None, limit: int = 3
) -> list[str]:
    """After a 👎: the nearest other answers (the question's other candidates, best first),
    else the answer's related ones."""
    found: list[str] = []
    intents = {i.id: i for i in kb.intents}
    for intent_id, _ in question.candidates if question else ():
        intent = intents.get(intent_id)
        if intent and intent.answer != answer_id and intent.answer not in found:
            found.append(intent.answer)
    if not found and answer_id in kb.answers:
        found = [a for a in kb.answers[answer_id].related if a in kb.answers]
    return [a for a in found if a in kb.answers][:limit]


# -- asking to be forgotten -------------------------------------------------------------------

_FORGET_PHRASES = re.compile(
    r"^((please|pls|can you|could you|would you|how do i|how can i|can i|i want( you)? to"
    r"|i would like( you)? to|i d like( you)? to) )?(please )?"
    r"((delete|erase|remove|wipe|clear|forget)( (all|everything|any))?( of)?"
    r" (my (personal )?(data|info|information|details|answers|history|account|weight)"
    r"|(everything|all|what) (i (said|told you|typed)|you (know|have|keep|stored?|saved)"
    r"( about me)?|about me))"
    r"|(forget|delete|erase) me)\b"
)


def asks_to_forget(text: str) -> bool:
    """Whether a message asks the bot to delete what it keeps about the sender, in words:
    the request opens the message ("please delete my data", "forget what I told you"), so a
    question that merely uses the words ("can glutamine clear my history of gut problems")
    is not one."""
    return bool(_FORGET_PHRASES.search(normal_form(text)))


def forget_data(choice: str, user_id: int) -> str:
    return f"{FORGET_DATA}{choice}:{user_id}"


def parse_forget(data: str) -> tuple[str, int] | None:
    """("yes" or "no", the id of who asked) from a confirmation button; None if forged."""
    found = _FORGET.fullmatch(data)
    return (found[1], int(found[2])) if found else None
