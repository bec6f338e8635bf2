"""The weight steps both dialogs share: a weight, or a bare number and then its unit."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.dialogs.engine import Engine
from bot.dialogs.registry import DIALOG_DATA, Outcome, Step
from bot.dialogs.units import (
    Invalid,
    NeedsUnit,
    Weight,
    find_weight,
    kg_from,
    parse_weight,
)
from bot.replies import Button, Reply, rows
from bot.text import normal_form, words

QUESTION_WORDS = 4  # from this many words, a text with a bare number may be a question
_KG_WORDS = {"kg", "kgs", "kilo", "kilos", "kilogram", "kilograms", "kilogrammes", "metric"}
_LB_WORDS = {"lb", "lbs", "pound", "pounds", "imperial"}

MESSAGES = {
    "ask_unit": frozenset({"number"}),
    "button_kg": frozenset(),
    "button_lb": frozenset(),
    "weight_outside_dialog": frozenset(),
}
HINT_WORDS = 4  # "75kg", "I weigh 75 kg": a message this short that holds a weight is one


def weight_hint(text: str) -> str | None:
    """Outside a dialog, a message that is just a weight: the message pointing to the dialogs."""
    if len(words(text)) <= HINT_WORDS and find_weight(text) is not None:
        return "weight_outside_dialog"
    return None


@dataclass(frozen=True)
class WeightSteps:
    """A dialog's weight and unit steps: where they are, how a weight is checked, what follows."""

    weight_step: str
    unit_step: str
    ask_weight: str  # the message asking for the weight
    bad_weight: str  # the message for a weight that won't do (takes {reason})
    check: Callable[[float], Weight | Invalid]  # kg -> the weight this dialog can use
    after: Callable[[Engine, dict], Outcome]  # what comes once data["kg"] is set

    def steps(self) -> tuple[Step, Step]:
        return (
            Step(self.weight_step, self.ask, self.take_weight),
            Step(self.unit_step, self.ask_unit, self.take_unit, buttons="unit:(kg|lb)"),
        )

    def ask(self, flow: Engine, data: dict) -> Reply:
        return Reply(flow.kb.message(self.ask_weight))

    def ask_unit(self, flow: Engine, data: dict) -> Reply:
        kb = flow.kb
        buttons = [
            Button(kb.message("button_kg"), DIALOG_DATA + "unit:kg"),
            Button(kb.message("button_lb"), DIALOG_DATA + "unit:lb"),
        ]
        return Reply(kb.message("ask_unit", number=f"{data['number']:g}"), rows(buttons))

    def take_weight(self, flow: Engine, data: dict, text: str, button: str | None) -> Outcome:
        """A weight, a bare number (ask its unit), or a re-ask."""
        result = parse_weight(text) if text else Invalid("I need a number.")
        if isinstance(result, Weight):
            result = self.check(result.kg)
        if isinstance(result, Weight):
            data["kg"] = result.kg
            data.pop("number", None)
            return self.after(flow, data)
        if isinstance(result, NeedsUnit):
            if len(words(text)) >= QUESTION_WORDS:  # "is 20 g a day safe for me?"
                question = flow.question(data, text, clarify=True)
                if question is not None:
                    return question
            data["number"] = result.number
            return flow.go(data, self.unit_step)
        return flow.fail(data, text, flow.kb.message(self.bad_weight, reason=result.reason))

    def take_unit(self, flow: Engine, data: dict, text: str, button: str | None) -> Outcome:
        """Kilograms or pounds for the bare number just given; a whole weight replaces it."""
        # A weight with its unit ("80 kg", "700 lb") replaces the number, even though it
        # also names a unit: it is read as a weight of its own, and checked like one.
        if button is None and text and find_weight(text) is not None:
            data.pop("number", None)
            data["step"] = self.weight_step
            return self.take_weight(flow, data, text, None)
        unit = _unit(text, button)
        if unit is None:
            problem = flow.kb.message("ask_unit", number=f"{data['number']:g}")
            return flow.fail(data, text, problem)
        result = self.check(kg_from(data.pop("number"), unit))
        if isinstance(result, Invalid):
            data["step"] = self.weight_step
            return flow.fail(data, "", flow.kb.message(self.bad_weight, reason=result.reason))
        data["kg"] = result.kg
        return self.after(flow, data)


def _unit(text: str, button: str | None) -> str | None:
    """'kg' or 'lb' from the button or a short typed answer ("kilos", "in pounds")."""
    if button in ("unit:kg", "unit:lb"):
        return button.removeprefix("unit:")
    said = set(normal_form(text).split())
    if len(said) > 3:
        return None
    if said & _KG_WORDS and not said & _LB_WORDS:
        return "kg"
    if said & _LB_WORDS and not said & _KG_WORDS:
        return "lb"
    return None
