"""Votes and /forget in the terminal chat: the same buttons, as numbered choices."""

from __future__ import annotations

from tests.telegram.test_console import chat_through_pipe


def test_a_vote_is_a_numbered_choice_and_its_thanks_changes_the_answer():
    # 4: 👍 and 5: 👎 follow the dose answer's three related buttons. After the 👎, 1 is
    # "Estimate my dose" (a dialog, no vote row) and 2 "The infant-trial figure" (an answer).
    result = chat_through_pipe("how many grams of glutamine per day", "5", "2")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "[4] 👍" in out and "[5] 👎" in out
    assert "bot> (changed) How much glutamine?" in out  # the same message, shown again
    assert "sorry it missed. Perhaps one of these is closer:" in out
    assert "👍" in out.split("Perhaps one of these is closer:")[1]  # "2" opened one of them


def test_forget_in_the_chat_asks_then_says_what_it_deleted():
    result = chat_through_pipe("/dose", "80 kg", "/forget", "1", "adult")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "[1] Yes, delete it" in out and "[2] No, keep it" in out
    assert "bot> (changed) Done. I deleted:" in out
    assert "open dialogs: 1" in out
    assert "about 24 g" not in out.split("(changed) Done.")[1]  # the dialog is gone
