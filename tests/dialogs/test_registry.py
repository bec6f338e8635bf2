"""A third dialog is one module's worth of declarations: registered, it runs in the real bot.

The throwaway dialog below is the worked example of docs/dialogs.md: two steps, one typed and
one with buttons, its own command and texts, and nothing else changed.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from types import MappingProxyType

import pytest

from bot.dialogs import DIALOG_DATA, DIALOGS, Dialog, Engine, Outcome, Registry, Step
from bot.replies import Button, Reply, rows
from bot.services import build_services, check_knowledge, message_keys
from tests.conftest import running_bot, shared_services
from tests.support.standin import BotAPIStandIn

GLASSES, THIRSTY = "water.glasses", "water.thirsty"
WATER_TEXTS = {
    "button_water": "Count my water",
    "command_water": "Count today's glasses of water",
    "water_ask_glasses": "How many glasses of water have you had today?",
    "water_bad_glasses": "Please type a whole number of glasses, like <i>3</i>.",
    "water_ask_thirsty": "Are you thirsty now?",
    "water_result": "So far: <b>{glasses}</b> glasses today. Ask a physician what suits you.",
}


def start(flow: Engine, data: dict, text: str) -> Outcome:
    return flow.go(data, GLASSES, flow.intro("water"))


def take_glasses(flow: Engine, data: dict, text: str, button: str | None) -> Outcome:
    if not text.isdigit():
        return flow.fail(data, text, flow.kb.message("water_bad_glasses"))
    data["glasses"] = int(text)
    return flow.go(data, THIRSTY)


def ask_thirsty(flow: Engine, data: dict) -> Reply:
    buttons = [Button("Yes", DIALOG_DATA + "yes"), Button("No", DIALOG_DATA + "no")]
    return Reply(flow.kb.message("water_ask_thirsty"), rows(buttons))


def take_thirsty(flow: Engine, data: dict, text: str, button: str | None) -> Outcome:
    glasses = data["glasses"] + (button == "yes")
    return flow.end(data, Reply(flow.kb.message("water_result", glasses=glasses)))


WATER = Dialog(
    name="water",
    command="water",
    intro="diet",
    steps=(
        Step(GLASSES, lambda flow, data: Reply(flow.kb.message("water_ask_glasses")), take_glasses),
        Step(THIRSTY, ask_thirsty, take_thirsty, buttons="(yes|no)"),
    ),
    start=start,
    messages={key: frozenset({"glasses"} if key == "water_result" else ()) for key in WATER_TEXTS},
)


@pytest.fixture
def with_water():
    """The bot's services with the water dialog registered and its texts added."""
    registry = Registry((*DIALOGS, WATER))
    base = shared_services().kb
    kb = dataclasses.replace(base, messages=MappingProxyType({**base.messages, **WATER_TEXTS}))
    return build_services(kb, matcher=shared_services().matcher, registry=registry)


async def test_a_registered_dialog_runs_through_the_real_application(tmp_path: Path, with_water):
    standin = BotAPIStandIn()
    async with running_bot(standin, tmp_path / "bot.sqlite3", with_water) as chat:
        commands = [c["command"] for c in standin.profile["commands"]]
        assert "water" in commands  # the command menu lists it
        replies = await chat.send("/water")
        assert "How many glasses" in replies[-1].text
        await chat.send("lots")  # a wrong answer is re-asked by the engine
        assert "whole number of glasses" in chat.text()
        await chat.send("3")
        assert chat.buttons() == ["Yes", "No"]
        [result] = await chat.press("Yes")
        assert "<b>4</b> glasses" in result.text
        [reply] = await chat.send("what is glutamine")
        assert "20 amino acids" in reply.text  # the dialog has ended


async def test_the_dose_dialog_still_runs_beside_it(tmp_path: Path, with_water):
    async with running_bot(BotAPIStandIn(), tmp_path / "bot.sqlite3", with_water) as chat:
        await chat.send("/water")
        await chat.send("/dose 80 kg")  # another dialog's command switches to it
        assert "So you weigh 80 kg" in chat.text()


def test_the_checker_requires_a_registered_dialogs_texts():
    keys = message_keys(Registry((*DIALOGS, WATER)))
    assert set(WATER_TEXTS) <= set(keys)
    _, problems = check_knowledge(registry=Registry((*DIALOGS, WATER)))
    missing = {p.message for p in problems}
    assert "missing message 'water_ask_glasses'" in missing


def test_one_registry_says_which_intent_starts_which_dialog(services):
    decide = services.matcher.match
    assert services.registry.wanted(decide("calculate my glutamine dose"), "x") == "dose"
    text = "how much glutamine should i take, i weigh 80 kg"
    assert services.registry.wanted(decide(text), text) == "dose"
    assert services.registry.wanted(decide("what is glutamine"), "what is glutamine") is None


def test_names_must_be_unique():
    with pytest.raises(ValueError, match="unique"):
        Registry((*DIALOGS, WATER, WATER))
