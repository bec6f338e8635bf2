"""Deleting everything about one user, wherever the running bot holds it.

The Store deletes the rows (bot.storage.store.Store.forget_user), but python-telegram-bot keeps
user data, chat data and conversation states in memory too, and writes them back at its next
save: those copies go first, and so do the jobs that would act for the user later (a dialog's
timeout). The questions kept for the curators hold no user id (bot.storage.feedback), so there
is nothing of theirs to find there.
"""

from __future__ import annotations

import logging

from telegram.ext import Application, ConversationHandler

from bot.telegram.persistence import StorePersistence

_LOGGER = logging.getLogger(__name__)


def _conversation_handlers(application: Application) -> list[ConversationHandler]:
    return [
        handler
        for group in application.handlers.values()
        for handler in group
        if isinstance(handler, ConversationHandler)
    ]


def end_conversations(application: Application, key: tuple | None = None, user_id=None) -> int:
    """End the conversations with this key, or all those keyed by this user, in memory; the
    next save deletes their rows. Returns how many there were.

    python-telegram-bot offers no public way to end a conversation from outside its handler,
    so this reaches into its dict of states; deleting a key there is what ending one does.
    """
    ended = 0
    for handler in _conversation_handlers(application):
        states = getattr(handler, "_conversations", None)
        if states is None:  # a future python-telegram-bot: the Store still deletes the rows
            continue
        for found in [k for k in states if k == key or (user_id is not None and user_id in k)]:
            del states[found]
            ended += 1
    return ended


def _cancel_jobs(application: Application, user_id: int) -> int:
    if application.job_queue is None:
        return 0
    jobs = [job for job in application.job_queue.jobs() if job.user_id == user_id]
    for job in jobs:
        job.schedule_removal()
    return len(jobs)


async def forget_user(application: Application, user_id: int) -> dict[str, int]:
    """Delete everything about this user; how much of each kind there was."""
    jobs = _cancel_jobs(application, user_id)
    dialogs = end_conversations(application, user_id=user_id)
    had_data = bool(application.user_data.get(user_id))
    application.drop_user_data(user_id)
    if user_id in application.chat_data:  # their private chat has their id
        application.drop_chat_data(user_id)
    memory = getattr(application, "topic_memory", None)
    if memory is not None:  # the topic their private chat last asked about
        memory.forget(user_id)
    stored_users = stored_dialogs = inbox = 0
    persistence = application.persistence
    if isinstance(persistence, StorePersistence):
        forgotten = await persistence.store.forget_user(user_id)
        stored_users, stored_dialogs, inbox = (
            forgotten.user_data,
            forgotten.conversations,
            forgotten.inbox,
        )
    _LOGGER.info("forgot a user on request")  # no id: the log must not keep it either
    return {
        "user_data": max(int(had_data), stored_users),
        "dialogs": max(dialogs, stored_dialogs),
        "inbox": inbox,
        "jobs": jobs,
    }
