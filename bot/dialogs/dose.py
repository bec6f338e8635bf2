"""The dose dialog: the article's infant-trial figure (0.3 g per kg a day) at the user's weight,
beside the 8-25 g a day used in human studies. Flow: dose.mmd beside this file.

Steps: weight (or a bare number, then its unit), a confirmation of the weight, then whether the
estimate is for an adult who is not pregnant or breastfeeding; only then the figure. An adult
with a weight no adult has (3 kg) is refused kindly and asked for the weight again. A follow-up
with a new weight ("and what if I'm 90 kg?") within a few minutes of a result reuses the adult
answer, says so, and goes straight to the figure.
"""

from __future__ import annotations

import re

from bot.dialogs import dose_estimate, weight
from bot.dialogs.calorie_target import ADULT_KG, check_adult_weight
from bot.dialogs.engine import Engine
from bot.dialogs.registry import DIALOG_DATA, Dialog, Outcome, Step
from bot.dialogs.units import (
    Invalid,
    Weight,
    check_weight,
    find_weight,
    format_kg,
    format_lb,
    lb_from_kg,
    parse_weight,
)
from bot.dialogs.weight import WeightSteps
from bot.matching import Decision
from bot.replies import START_DATA, Button, Reply, rows
from bot.text import normal_form

NAME = "dose"
WEIGHT, UNIT, CONFIRM, ADULT = "dose.weight", "dose.unit", "dose.confirm", "dose.adult"

_YES = {"yes", "y", "yeah", "yep", "yup", "yea", "correct", "right", "ok", "okay", "sure", "true"}
_YES_PHRASES = {"thats right", "that s right", "yes it is"}
_NO = {"no", "n", "nope", "nah", "wrong", "incorrect", "false"}
_ADULT_WORDS = {"adult", "yes", "y", "me", "myself", "grown", "grownup", "i am", "im"}
_CHILD_WORDS = {"child", "kid", "kids", "son", "daughter", "baby", "infant", "teen", "teenager"}
_PREGNANT_WORDS = {"pregnant", "pregnancy", "breastfeeding", "nursing", "expecting"}
# A follow-up about someone else ("what if my wife is 60 kg") does not reuse "an adult".
_OTHER_PERSON = {"she", "he", "her", "him", "his", "they", "them", "wife", "husband", "partner"}
_OTHER_PERSON |= {"mother", "mom", "mum", "father", "dad", "friend", "sister", "brother"}
_OTHER_PERSON |= {"girlfriend", "boyfriend", "grandma", "grandpa", "grandmother", "grandfather"}
_OTHER_PERSON |= {"toddler", "children", "boy", "girl", "newborn", "niece", "nephew"}
ADULT = "adult"  # the answer given by the start button: this estimate is for an adult, not pregnant
SAME_ADULT = ":" + ADULT  # the start button's suffix that gives it
# "not pregnant or breastfeeding" says the opposite of its words
_NEGATED = re.compile(
    r"\b(?:not|no|never|isnt|isn t|arent|aren t|nor|neither)\s+(?:(?:currently|a|an)\s+)?"
    r"(?:pregnant|pregnancy|breastfeeding|nursing|expecting|child|kid|baby|teen|teenager)"
    r"(?:\s+(?:or|nor)\s+(?:pregnant|breastfeeding|nursing|expecting))?"
)

MESSAGES = {
    "dose_ask_weight": frozenset(),
    "dose_bad_weight": frozenset({"reason"}),
    "dose_confirm_weight": frozenset({"kg", "lb"}),
    "dose_ask_adult": frozenset(),
    "button_yes": frozenset(),
    "button_no": frozenset(),
    "button_adult": frozenset(),
    "button_child": frozenset(),
    "button_pregnant": frozenset(),
    "dose_not_adult": frozenset(),
    "dose_result": frozenset({"kg", "lb", "grams", "note"}),
    "dose_result_above": frozenset({"kg", "lb", "grams"}),
    "dose_note_below": frozenset(),
    "dose_note_within": frozenset(),
    "dose_adult_weight": frozenset({"kg", "lb", "low", "high"}),
    "dose_reused_adult": frozenset(),
    "button_same_adult": frozenset(),
}


def start(flow: Engine, data: dict, text: str) -> Outcome:
    """Show the intro; a weight in the opening question goes straight to its confirmation.

    Started by "another weight, same adult", the adult question is not asked again.
    """
    weight = find_weight(text)
    if isinstance(weight, Weight):
        data["kg"] = weight.kg
        if flow.recalled(data, ADULT) and not _names_someone_else(text):
            return for_adult(flow, data, Reply(flow.kb.message("dose_reused_adult")))
        return flow.go(data, CONFIRM, flow.intro(NAME))
    return flow.go(data, WEIGHT, flow.intro(NAME))


def _names_someone_else(text: str) -> bool:
    said = set(normal_form(text).split())
    return bool(said & (_OTHER_PERSON | _CHILD_WORDS | _PREGNANT_WORDS))


def _confirm_text(flow: Engine, kg: float) -> str:
    return flow.kb.message("dose_confirm_weight", kg=format_kg(kg), lb=format_lb(lb_from_kg(kg)))


def ask_confirm(flow: Engine, data: dict) -> Reply:
    buttons = [
        Button(flow.kb.message("button_yes"), DIALOG_DATA + "yes"),
        Button(flow.kb.message("button_no"), DIALOG_DATA + "no"),
    ]
    return Reply(_confirm_text(flow, data["kg"]), rows(buttons))


def take_confirm(flow: Engine, data: dict, text: str, button: str | None) -> Outcome:
    """Yes goes on, no asks again, a corrected weight is confirmed in its turn."""
    said = normal_form(text)
    if button == "yes" or said in _YES or said in _YES_PHRASES:
        if flow.recalled(data, ADULT):  # "another weight, same adult" started this estimate
            return for_adult(flow, data, Reply(flow.kb.message("dose_reused_adult")))
        return flow.go(data, ADULT)
    if button == "no" or said in _NO or said.startswith("no "):
        data.pop("kg", None)
        return flow.go(data, WEIGHT)
    if text and not isinstance(parse_weight(text), Invalid):
        return WEIGHTS.take_weight(flow, data, text, None)
    return flow.fail(data, text, _confirm_text(flow, data["kg"]))


def ask_adult(flow: Engine, data: dict) -> Reply:
    kb = flow.kb
    buttons = [
        Button(kb.message("button_adult"), DIALOG_DATA + "adult"),
        Button(kb.message("button_child"), DIALOG_DATA + "child"),
        Button(kb.message("button_pregnant"), DIALOG_DATA + "pregnant"),
    ]
    return Reply(kb.message("dose_ask_adult"), tuple((b,) for b in buttons))


def take_adult(flow: Engine, data: dict, text: str, button: str | None) -> Outcome:
    """An adult gets the figure; a child, a pregnancy or a "no" gets no number at all."""
    plain = _NEGATED.sub(" ", normal_form(text))  # "adult, not pregnant" is an adult
    said = set(plain.split()) | {plain.strip()}
    not_adult = _CHILD_WORDS | _PREGNANT_WORDS
    if button == "adult" or (said & _ADULT_WORDS and not said & not_adult):
        return for_adult(flow, data)
    if button in ("child", "pregnant") or said & not_adult or said & _NO:
        buttons = [flow.replies.button(a) for a in ("safety.children", "safety.pregnancy")]
        return flow.end(data, Reply(flow.kb.message("dose_not_adult"), rows(buttons)))
    return flow.fail(data, text, flow.kb.message("dose_ask_adult"))


def for_adult(flow: Engine, data: dict, *before: Reply) -> Outcome:
    """For an adult: the figure, unless the weight is not an adult's (then ask it again)."""
    kg = data["kg"]
    if isinstance(check_adult_weight(kg), Invalid):  # "3 kg", then "yes, an adult"
        low, high = (f"{x:g}" for x in ADULT_KG)
        refusal = flow.kb.message(
            "dose_adult_weight", kg=format_kg(kg), lb=format_lb(lb_from_kg(kg)), low=low, high=high
        )
        data.pop("kg")
        return flow.go(data, WEIGHT, *before, Reply(refusal))
    return result(flow, data, *before)


def result(flow: Engine, data: dict, *before: Reply) -> Outcome:
    """The figure at this weight, beside the studied range, and the advice to ask a physician.

    Above the range, the range leads and the figure is given as the arithmetic it is.
    """
    kb = flow.kb
    estimate = dose_estimate.estimate(data["kg"])
    figures = {
        "grams": estimate.shown,
        "kg": format_kg(estimate.kg),
        "lb": format_lb(lb_from_kg(estimate.kg)),
    }
    if estimate.position == dose_estimate.ABOVE:
        text = kb.message("dose_result_above", **figures)
    else:
        note = kb.message(f"dose_note_{estimate.position}")
        text = kb.message("dose_result", note=note, **figures)
    # Nothing of the dialog is kept after it. Another estimate for the same adult is the user's
    # own answer again, given by this button (SAME_ADULT), not something the bot remembers.
    buttons = [
        Button(kb.message("button_same_adult"), START_DATA + NAME + SAME_ADULT),
        Button(kb.message("button_again"), START_DATA + NAME),
    ]
    buttons += [flow.replies.button(a) for a in ("dose", "dose.infants", "safety")]
    return flow.end(data, *before, Reply(text, rows(buttons)))


def _weighs_in(decision: Decision, text: str) -> bool:
    """A dose question that already gives a weight ("how much should I take, I'm 80 kg")."""
    return (
        decision.intent is not None
        and decision.intent.split(".", 1)[0] == "dose"
        and (isinstance(find_weight(text), Weight))
    )


WEIGHTS = WeightSteps(
    weight_step=WEIGHT,
    unit_step=UNIT,
    ask_weight="dose_ask_weight",
    bad_weight="dose_bad_weight",
    check=check_weight,
    after=lambda flow, data: flow.go(data, CONFIRM),
)

DIALOG = Dialog(
    name=NAME,
    command="dose",
    intro="dose.calculate",
    intents=("dose.calculate",),
    steps=(
        *WEIGHTS.steps(),
        Step(CONFIRM, ask_confirm, take_confirm, buttons="(yes|no)"),
        Step(ADULT, ask_adult, take_adult, buttons="(adult|child|pregnant)"),
    ),
    start=start,
    messages={**MESSAGES, **weight.MESSAGES},
    also_wanted=_weighs_in,
    hint=weight.weight_hint,
)
