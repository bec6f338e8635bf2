"""The chat's memory of the topic just answered: per chat, only an answer id and a time."""

from __future__ import annotations

from bot.conversation import FOLLOW_UP_SECONDS, MAX_CHATS, Conversation, TopicMemory
from bot.matching import Decision


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_topic_lasts_a_few_minutes_per_chat():
    clock = Clock()
    memory = TopicMemory(clock)
    memory.remember(1, "dose")
    assert memory.recall(1) == "dose"
    assert memory.recall(2) is None
    clock.now += FOLLOW_UP_SECONDS + 1
    assert memory.recall(1) is None


def test_only_the_newest_chats_are_kept():
    memory = TopicMemory(Clock())
    for chat in range(MAX_CHATS + 5):
        memory.remember(chat, "dose")
    assert memory.recall(0) is None
    assert memory.recall(MAX_CHATS + 4) == "dose"


def test_small_talk_and_red_flags_are_no_topic_and_a_declined_question_ends_it(services):
    conversation = Conversation(services.kb, services.replies, TopicMemory(Clock()))
    conversation.answered(5, Decision.sure("hello", "greeting", "exact"))
    assert conversation.context(5) is None
    conversation.answered(5, Decision.sure("blood in my stool", "urgent", "red_flag"))
    assert conversation.context(5) is None
    conversation.answered(5, Decision.sure("what is glutamine", "glutamine", "exact"))
    assert conversation.context(5).last_intent == "glutamine"
    conversation.answered(5, Decision.declined("why?", "too_short"))
    assert conversation.context(5).last_intent == "glutamine"
    conversation.answered(5, Decision("is zinc safe", "fallback", None, 0.0, reason="no_match"))
    assert conversation.context(5) is None
