"""The calorie dialog: a daily calorie target from the article page's calorie tracker.
Flow: calories.mmd beside this file; the arithmetic is in bot/dialogs/calorie_target.py, reading
the answers in calorie_answers.py.

Steps, each skipped when the opening question already said it: goal, sex, age, height, weight
(or a bare number, then its unit), activity; then the target.
"""

from __future__ import annotations

from bot.dialogs import calorie_answers as read
from bot.dialogs import calorie_target as ct
from bot.dialogs import weight
from bot.dialogs.engine import Engine
from bot.dialogs.registry import DIALOG_DATA, Dialog, Outcome, Step
from bot.dialogs.units import Height, Invalid, format_kg, format_lb, lb_from_kg, parse_height
from bot.dialogs.weight import WeightSteps
from bot.replies import START_DATA, Button, Reply, rows
from bot.text import normal_form

NAME = "calories"
GOAL, SEX, AGE = "calories.goal", "calories.sex", "calories.age"
HEIGHT, WEIGHT, UNIT, ACTIVITY = (
    "calories.height",
    "calories.weight",
    "calories.unit",
    "calories.activity",
)
# The dialog asks, in this order, whatever the opening question did not already say.
_ORDER = (("goal", GOAL), ("sex", SEX), ("age", AGE), ("cm", HEIGHT), ("kg", WEIGHT))
_ORDER += (("activity", ACTIVITY),)

MESSAGES = {
    "calories_ask_goal": frozenset(),
    "calories_bad_goal": frozenset(),
    "calories_ask_sex": frozenset(),
    "calories_bad_sex": frozenset(),
    "calories_ask_age": frozenset(),
    "calories_bad_age": frozenset({"reason"}),
    "calories_not_adult": frozenset(),
    "calories_ask_height": frozenset(),
    "calories_bad_height": frozenset({"reason"}),
    "calories_ask_weight": frozenset(),
    "calories_bad_weight": frozenset({"reason"}),
    "calories_ask_activity": frozenset(),
    "calories_bad_activity": frozenset(),
    "calories_result": frozenset(
        {"goal", "sex", "age", "height", "weight", "activity", "bmr", "tdee", "target"}
    ),
    "calories_floor": frozenset({"floor", "computed", "wanted"}),
    "calories_below_floor": frozenset(
        {"tdee", "floor", "bmr", "sex", "age", "height", "weight", "activity"}
    ),
    "calories_aggressive": frozenset({"percent"}),
    "calories_advice": frozenset(),
    "calories_sources": frozenset(),
}


def start(flow: Engine, data: dict, text: str) -> Outcome:
    """Show the intro, keep whatever the opening question says, ask the first open step."""
    found = read.prefill(text)
    if found.goal is not None:
        _keep_goal(data, found.goal)
    if found.sex:
        data["sex"] = found.sex
    if found.age is not None:
        data["age"] = found.age
    if found.height is not None:
        data["cm"] = found.height.cm
    if found.weight is not None:
        data["kg"] = found.weight.kg
    return next_step(flow, data, flow.intro(NAME))


def next_step(flow: Engine, data: dict, *before: Reply) -> Outcome:
    """Ask the first step still unanswered, or give the result."""
    for key, step in _ORDER:
        if key not in data:
            return flow.go(data, step, *before)
    return result(flow, data, *before)


def _asker(key: str):
    def ask(flow: Engine, data: dict) -> Reply:
        return Reply(flow.kb.message(key))

    return ask


def ask_goal(flow: Engine, data: dict) -> Reply:
    buttons = [Button(g.label, f"{DIALOG_DATA}goal:{g.lb_per_week:g}") for g in ct.GOALS]
    laid = (*rows(buttons[:4]), (buttons[4],), *rows(buttons[5:]))
    return Reply(flow.kb.message("calories_ask_goal"), laid)


def _keep_goal(data: dict, goal: ct.Goal) -> None:
    data["goal"] = goal.lb_per_week
    if goal.kg_per_week is not None:  # typed in kg: the result echoes it in kg
        data["goal_kg"] = goal.kg_per_week


def _goal(data: dict) -> ct.Goal:
    return ct.Goal(data["goal"], data.get("goal_kg"))


def take_goal(flow: Engine, data: dict, text: str, button: str | None) -> Outcome:
    choices = {f"goal:{g.lb_per_week:g}": g.lb_per_week for g in ct.GOALS}
    if button in choices:  # only the nine goals: callback data can be forged
        data["goal"] = choices[button]
        return next_step(flow, data)
    choice = next((g for g in ct.GOALS if normal_form(g.label) == normal_form(text)), None)
    goal = choice or read.parse_goal(text)
    if isinstance(goal, ct.Goal):
        _keep_goal(data, goal)
        return next_step(flow, data)
    if isinstance(goal, Invalid):  # "lose 3 lb a week": one sentence, and the goal buttons
        return flow.fail(data, text, goal.reason)
    return flow.fail(data, text, flow.kb.message("calories_bad_goal"))


def ask_sex(flow: Engine, data: dict) -> Reply:
    buttons = [
        Button("Female", DIALOG_DATA + "sex:" + ct.FEMALE),
        Button("Male", DIALOG_DATA + "sex:" + ct.MALE),
    ]
    return Reply(flow.kb.message("calories_ask_sex"), rows(buttons))


def take_sex(flow: Engine, data: dict, text: str, button: str | None) -> Outcome:
    sex = button.removeprefix("sex:") if button and button.startswith("sex:") else None
    sex = sex or read.parse_sex(text)
    if sex in (ct.FEMALE, ct.MALE):
        data["sex"] = sex
        return next_step(flow, data)
    return flow.fail(data, text, flow.kb.message("calories_bad_sex"))


def take_age(flow: Engine, data: dict, text: str, button: str | None) -> Outcome:
    age = read.parse_age(text)
    if isinstance(age, Invalid):
        return flow.fail(data, text, flow.kb.message("calories_bad_age", reason=age.reason))
    if age < ct.MIN_AGE:
        return flow.end(data, Reply(flow.kb.message("calories_not_adult")))
    data["age"] = age
    return next_step(flow, data)


def take_height(flow: Engine, data: dict, text: str, button: str | None) -> Outcome:
    height = parse_height(text)
    if isinstance(height, Height):
        height = ct.check_adult_height(height.cm)
    if isinstance(height, Height):
        data["cm"] = height.cm
        return next_step(flow, data)
    reason = height.reason
    return flow.fail(data, text, flow.kb.message("calories_bad_height", reason=reason))


def ask_activity(flow: Engine, data: dict) -> Reply:
    lines = [flow.kb.message("calories_ask_activity")]
    lines += [f"{n}. <b>{a.label}</b>: {a.explanation}" for n, a in enumerate(ct.ACTIVITIES, 1)]
    buttons = [Button(a.label, DIALOG_DATA + "act:" + a.key) for a in ct.ACTIVITIES]
    return Reply("\n".join(lines), tuple((b,) for b in buttons))


def take_activity(flow: Engine, data: dict, text: str, button: str | None) -> Outcome:
    activity = None
    if button and button.startswith("act:"):
        activity = ct.ACTIVITY_BY_KEY.get(button.removeprefix("act:"))
    activity = activity or read.parse_activity(text)
    if activity is None:
        return flow.fail(data, text, flow.kb.message("calories_bad_activity"))
    data["activity"] = activity.key
    return next_step(flow, data)


def _thousands(kcal: int) -> str:
    return f"{kcal:,}"


def result(flow: Engine, data: dict, *before: Reply) -> Outcome:
    """The target, what it was worked out from, its caveats and the advice to ask."""
    kb = flow.kb
    goal = _goal(data)
    activity = ct.ACTIVITY_BY_KEY[data["activity"]]
    target = ct.daily_target(data["sex"], data["age"], data["cm"], data["kg"], activity, goal)
    feet, inches = Height(data["cm"]).feet_inches
    person = {
        "sex": data["sex"],
        "age": data["age"],
        "height": f"{data['cm']:.0f} cm ({feet} ft {inches} in)",
        "weight": f"{format_kg(data['kg'])} kg ({format_lb(lb_from_kg(data['kg']))} lb)",
        "activity": f"{activity.factor:g} ({activity.label.lower()})",
        "bmr": _thousands(target.bmr),
        "tdee": _thousands(target.maintenance),
    }
    if target.below_floor:
        # Even keeping the current weight takes less than the minimum: no number from me.
        parts = [kb.message("calories_below_floor", floor=_thousands(target.floor), **person)]
    else:
        parts = _target_parts(flow, goal, target, person)
    # One "ask a physician or dietitian" only: the below-minimum and fast-loss notes say it.
    if not (target.below_floor or target.aggressive):
        parts.append(kb.message("calories_advice"))
    parts.append(kb.message("calories_sources"))
    buttons = [Button(kb.message("button_again"), START_DATA + NAME)]
    buttons += [flow.replies.button(a) for a in ("calories", "diet")]
    return flow.end(data, *before, Reply("\n\n".join(parts), rows(buttons)))


def _target_parts(flow: Engine, goal: ct.Goal, target: ct.CalorieTarget, person: dict) -> list:
    """The target's paragraphs: the figure, the minimum if it applied, a fast-loss note."""
    kb = flow.kb
    aim = goal.phrase
    if target.floored:  # the minimum slows the loss: say what it really achieves
        losing = -target.achieved_lb_per_week
        aim = (
            f"lose about {goal.weekly(losing)} a week"
            if losing >= 0.1
            else "about keep your weight"
        )
    parts = [kb.message("calories_result", target=_thousands(target.target), goal=aim, **person)]
    if target.floored:
        floor, computed = _thousands(target.target), _thousands(target.computed)
        parts.append(
            kb.message("calories_floor", computed=computed, floor=floor, wanted=goal.phrase)
        )
    if target.aggressive:
        share = f"{100 * target.weekly_share:.1f}"
        parts.append(kb.message("calories_aggressive", percent=share))
    return parts


WEIGHTS = WeightSteps(
    weight_step=WEIGHT,
    unit_step=UNIT,
    ask_weight="calories_ask_weight",
    bad_weight="calories_bad_weight",
    check=ct.check_adult_weight,
    after=next_step,
)

DIALOG = Dialog(
    name=NAME,
    command="calories",
    intro="calories.calculate",
    intents=("calories.calculate",),
    steps=(
        Step(GOAL, ask_goal, take_goal, buttons=r"goal:-?[0-9.]+"),
        Step(SEX, ask_sex, take_sex, buttons="sex:(female|male)"),
        Step(AGE, _asker("calories_ask_age"), take_age),
        Step(HEIGHT, _asker("calories_ask_height"), take_height),
        *WEIGHTS.steps(),
        Step(ACTIVITY, ask_activity, take_activity, buttons="act:[a-z]+"),
    ),
    start=start,
    messages={**MESSAGES, **weight.MESSAGES},
    hint=weight.weight_hint,
)
