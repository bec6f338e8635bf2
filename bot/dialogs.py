"""The two guided dialogs, the dose estimate and the calorie target, as pure state machines.

No Telegram here: a dialog's state is a plain dict (kept, per chat, in the user's persisted
user_data: user_data["dialogs"][chat id]),
every step takes the text a user typed or the button they pressed, and returns an Outcome: the
replies to send and the step that now waits for an answer (None when the dialog has ended).
bot/telegram/dialogs.py wires these steps into one persistent ConversationHandler; the
diagrams beside this module (dose.mmd, calories.mmd) show the flows.

Every step accepts a typed answer as well as a button. A wrong answer gets a specific re-ask;
the third wrong answer in a row ends the dialog kindly. A typed question that clearly is no
answer (a confident match to an intent) is answered, then the step's question is asked again.
Red-flag wording ends the dialog with the urgent answer, whatever step it was typed at.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from bot import calories, dose
from bot.knowledge import KnowledgeBase
from bot.matching import ANSWER, ANSWER_SCORE, CLARIFY, URGENT, Decision, Matcher
from bot.replies import START_DATA, Button, Replies, Reply, rows
from bot.text import normal_form, words
from bot.units import (
    Height,
    Invalid,
    NeedsUnit,
    Weight,
    check_weight,
    find_weight,
    format_kg,
    format_lb,
    kg_from,
    lb_from_kg,
    parse_height,
    parse_weight,
)

DOSE, CALORIES = "dose", "calories"
DIALOGS = (DOSE, CALORIES)
MAX_TRIES = 3  # wrong answers in a row before the dialog gives up
DIALOG_TIMEOUT = 15 * 60  # seconds of quiet after which a dialog ends
MAX_ANSWER_LENGTH = 200  # longer text is no answer to a step (and would only cost parsing)
QUESTION_WORDS = 4  # from this many words, a text with a bare number may be a question
DIALOG_DATA = "d:"  # callback data of the dialogs' own buttons start with this

# The steps: each is a state of the ConversationHandler.
DOSE_WEIGHT = "dose.weight"
DOSE_UNIT = "dose.unit"
DOSE_CONFIRM = "dose.confirm"
DOSE_ADULT = "dose.adult"
CALORIES_GOAL = "calories.goal"
CALORIES_SEX = "calories.sex"
CALORIES_AGE = "calories.age"
CALORIES_HEIGHT = "calories.height"
CALORIES_WEIGHT = "calories.weight"
CALORIES_UNIT = "calories.unit"
CALORIES_ACTIVITY = "calories.activity"
STEPS = (
    DOSE_WEIGHT,
    DOSE_UNIT,
    DOSE_CONFIRM,
    DOSE_ADULT,
    CALORIES_GOAL,
    CALORIES_SEX,
    CALORIES_AGE,
    CALORIES_HEIGHT,
    CALORIES_WEIGHT,
    CALORIES_UNIT,
    CALORIES_ACTIVITY,
)
# The calorie dialog asks, in this order, whatever the opening question did not already say.
_CALORIE_STEPS = (
    ("goal", CALORIES_GOAL),
    ("sex", CALORIES_SEX),
    ("age", CALORIES_AGE),
    ("cm", CALORIES_HEIGHT),
    ("kg", CALORIES_WEIGHT),
    ("activity", CALORIES_ACTIVITY),
)

_YES = {"yes", "y", "yeah", "yep", "yup", "yea", "correct", "right", "ok", "okay", "sure", "true"}
_NO = {"no", "n", "nope", "nah", "wrong", "incorrect", "false"}
_STOP = {"cancel", "stop", "quit", "exit", "nevermind", "never mind", "abort"}
_KG_WORDS = {"kg", "kgs", "kilo", "kilos", "kilogram", "kilograms", "kilogrammes", "metric"}
_LB_WORDS = {"lb", "lbs", "pound", "pounds", "imperial"}
_ADULT_WORDS = {"adult", "yes", "y", "me", "myself", "grown", "grownup", "i am", "im"}
_CHILD_WORDS = {"child", "kid", "kids", "son", "daughter", "baby", "infant", "teen", "teenager"}
_PREGNANT_WORDS = {"pregnant", "pregnancy", "breastfeeding", "nursing", "expecting"}
# "not pregnant or breastfeeding" says the opposite of its words
_NEGATED = re.compile(
    r"\b(?:not|no|never|isnt|isn t|arent|aren t|nor|neither)\s+(?:(?:currently|a|an)\s+)?"
    r"(?:pregnant|pregnancy|breastfeeding|nursing|expecting|child|kid|baby|teen|teenager)"
    r"(?:\s+(?:or|nor)\s+(?:pregnant|breastfeeding|nursing|expecting))?"
)


@dataclass(frozen=True)
class Outcome:
    """What a step says, and the step that waits next (None: the dialog has ended)."""

    replies: tuple[Reply, ...]
    step: str | None


def _thousands(kcal: int) -> str:
    return f"{kcal:,}"


class Dialogs:
    """Runs both dialogs over a mutable dict of one user's dialog data in one chat."""

    def __init__(
        self,
        kb: KnowledgeBase,
        matcher: Matcher,
        replies: Replies,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.kb = kb
        self.matcher = matcher
        self.replies = replies
        self.clock = clock
        # The answer that introduces each dialog (dose -> dose.calculate), also its deep link.
        self.intro = {i.action: i.answer for i in kb.intents if i.action}
        self._steps: dict[str, Callable[[dict, str, str | None], Outcome]] = {
            DOSE_WEIGHT: self._take_weight,
            DOSE_UNIT: self._unit,
            DOSE_CONFIRM: self._dose_confirm,
            DOSE_ADULT: self._dose_adult,
            CALORIES_GOAL: self._calories_goal,
            CALORIES_SEX: self._calories_sex,
            CALORIES_AGE: self._calories_age,
            CALORIES_HEIGHT: self._calories_height,
            CALORIES_WEIGHT: self._take_weight,
            CALORIES_UNIT: self._unit,
            CALORIES_ACTIVITY: self._calories_activity,
        }

    # -- starting, asking, ending ----------------------------------------------------------

    def start(self, name: str, data: dict, text: str | None = None) -> Outcome:
        """Begin a dialog afresh; what the opening question already says fills its steps."""
        data.clear()
        if text and self.matcher.red_flag(text):
            return self._urgent(data)
        data.update(name=name, tries=0)
        intro = self.replies.answer(self.intro[name])
        intro = Reply(intro.text)  # the intro's related buttons would only distract here
        if name == DOSE:
            weight = find_weight(text or "")
            if isinstance(weight, Weight):
                data["kg"] = weight.kg
                return self._go(data, DOSE_CONFIRM, intro)
            return self._go(data, DOSE_WEIGHT, intro)
        found = calories.prefill(text or "")
        if found.goal is not None:
            data["goal"] = found.goal.lb_per_week
        if found.sex:
            data["sex"] = found.sex
        if found.age is not None:
            data["age"] = found.age
        if found.height is not None:
            data["cm"] = found.height.cm
        if found.weight is not None:
            data["kg"] = found.weight.kg
        return self._calories_next(data, intro)

    def ask(self, data: dict) -> Reply:
        """The question of the current step, with its buttons."""
        step, kb = data.get("step"), self.kb
        if step == DOSE_WEIGHT:
            return Reply(kb.message("dose_ask_weight"))
        if step in (DOSE_UNIT, CALORIES_UNIT):
            buttons = [
                Button(kb.message("button_kg"), DIALOG_DATA + "unit:kg"),
                Button(kb.message("button_lb"), DIALOG_DATA + "unit:lb"),
            ]
            return Reply(kb.message("dose_ask_unit", number=f"{data['number']:g}"), rows(buttons))
        if step == DOSE_CONFIRM:
            kg = data["kg"]
            text = kb.message("dose_confirm_weight", kg=format_kg(kg), lb=format_lb(lb_from_kg(kg)))
            buttons = [
                Button(kb.message("button_yes"), DIALOG_DATA + "yes"),
                Button(kb.message("button_no"), DIALOG_DATA + "no"),
            ]
            return Reply(text, rows(buttons))
        if step == DOSE_ADULT:
            buttons = [
                Button(kb.message("button_adult"), DIALOG_DATA + "adult"),
                Button(kb.message("button_child"), DIALOG_DATA + "child"),
                Button(kb.message("button_pregnant"), DIALOG_DATA + "pregnant"),
            ]
            return Reply(kb.message("dose_ask_adult"), tuple((b,) for b in buttons))
        if step == CALORIES_GOAL:
            buttons = [
                Button(goal.label, f"{DIALOG_DATA}goal:{goal.lb_per_week:g}")
                for goal in calories.GOALS
            ]
            laid = (*rows(buttons[:4]), (buttons[4],), *rows(buttons[5:]))
            return Reply(kb.message("calories_ask_goal"), laid)
        if step == CALORIES_SEX:
            buttons = [
                Button("Female", DIALOG_DATA + "sex:" + calories.FEMALE),
                Button("Male", DIALOG_DATA + "sex:" + calories.MALE),
            ]
            return Reply(kb.message("calories_ask_sex"), rows(buttons))
        if step == CALORIES_AGE:
            return Reply(kb.message("calories_ask_age"))
        if step == CALORIES_HEIGHT:
            return Reply(kb.message("calories_ask_height"))
        if step == CALORIES_WEIGHT:
            return Reply(kb.message("calories_ask_weight"))
        if step == CALORIES_ACTIVITY:
            lines = [kb.message("calories_ask_activity")]
            lines += [
                f"{n}. <b>{a.label}</b>: {a.explanation}"
                for n, a in enumerate(calories.ACTIVITIES, 1)
            ]
            buttons = [Button(a.label, DIALOG_DATA + "act:" + a.key) for a in calories.ACTIVITIES]
            return Reply("\n".join(lines), tuple((b,) for b in buttons))
        raise ValueError(f"no question for step {step!r}")

    def wanted(self, decision: Decision, text: str) -> str | None:
        """The dialog a matched message asks for, if any.

        An intent with an action asks for its dialog; so does a dose question that already
        gives a weight ("how much glutamine should I take, I weigh 80 kg").
        """
        if decision.decision != ANSWER or not decision.intent:
            return None
        action = self.replies.intent_actions.get(decision.intent)
        if action:
            return action
        if decision.intent.split(".", 1)[0] == DOSE and isinstance(find_weight(text), Weight):
            return DOSE
        return None

    def active(self, data: dict) -> bool:
        """Whether a dialog is waiting for an answer in this data."""
        return data.get("step") in self._steps

    def expired(self, data: dict) -> bool:
        """Whether the dialog has been quiet longer than DIALOG_TIMEOUT.

        The ConversationHandler's own timeout lives in memory only: after a restart, this is
        what still ends a dialog that was left open.
        """
        return self.active(data) and self.clock() - data.get("at", 0.0) >= DIALOG_TIMEOUT

    def command(self, data: dict) -> str:
        """The command that starts the current dialog again."""
        return "/" + data.get("name", DOSE)

    def timeout(self, data: dict) -> Reply:
        reply = Reply(self.kb.message("timeout", command=self.command(data)))
        data.clear()
        return reply

    def cancel(self, data: dict) -> Reply:
        data.clear()
        return Reply(self.kb.message("cancelled"))

    # -- taking an answer ------------------------------------------------------------------

    def handle(self, data: dict, text: str | None = None, button: str | None = None) -> Outcome:
        """Take the typed text or the pressed button (callback data without DIALOG_DATA)."""
        if not self.active(data):
            data.clear()
            return Outcome((Reply(self.kb.message("expired_button")),), None)
        text = (text or "").strip()
        if text and self.matcher.red_flag(text):
            return self._urgent(data)
        if button is None and normal_form(text) in _STOP:
            return Outcome((self.cancel(data),), None)
        if len(text) > MAX_ANSWER_LENGTH:
            problem = self.kb.message("dialog_too_long") + "\n" + self.ask(data).text
            return self._fail(data, text, problem)
        return self._steps[data["step"]](data, text, button)

    def _urgent(self, data: dict) -> Outcome:
        """Red-flag wording: the urgent answer, and the dialog ends."""
        data.clear()
        return Outcome((self.replies.answer(self.kb.intent(URGENT).answer),), None)

    def _go(self, data: dict, step: str, *before: Reply) -> Outcome:
        """Move to a step and ask its question."""
        data["step"] = step
        data["tries"] = 0
        data["at"] = self.clock()
        return Outcome((*before, self.ask(data)), step)

    def _fail(self, data: dict, text: str, problem: str) -> Outcome:
        """A wrong answer: answer a real question instead, or re-ask, or give up at the third."""
        if text:
            question = self._question(data, text)
            if question is not None:
                return question
        data["tries"] = data.get("tries", 0) + 1
        data["at"] = self.clock()
        if data["tries"] >= MAX_TRIES:
            command = self.command(data)
            data.clear()
            return Outcome((Reply(self.kb.message("too_many_tries", command=command)),), None)
        question = self.ask(data)
        return Outcome((Reply(problem, question.buttons),), data["step"])

    def _question(self, data: dict, text: str, clarify: bool = False) -> Outcome | None:
        """If text is clearly a question, answer it and ask the step's question again.

        With `clarify`, a question the matcher is unsure of gets its "did you mean" too.
        """
        if len(words(text)) < 2:
            return None  # one word ("old", "heavy") is a try at an answer, not a question
        decision = self.matcher.match(text)
        confident = decision.decision == ANSWER and decision.score >= ANSWER_SCORE
        if not confident and not (clarify and decision.decision == CLARIFY):
            return None
        wanted = self.wanted(decision, text)
        if wanted == data.get("name"):
            return None  # about this very dialog: a wrong answer, not another question
        if wanted:
            return self.start(wanted, data, text)  # they asked for the other dialog: switch
        data["at"] = self.clock()
        reply = self.replies.for_decision(decision)
        again = self.ask(data)
        reask = Reply(self.kb.message("dialog_reask") + "\n" + again.text, again.buttons)
        return Outcome((reply, reask) if reply else (reask,), data["step"])

    # -- the dose dialog -------------------------------------------------------------------

    def _take_weight(self, data: dict, text: str, button: str | None = None) -> Outcome:
        """A weight step of either dialog: a weight, a bare number (ask its unit), or a re-ask."""
        dose_dialog = data["name"] == DOSE
        result = parse_weight(text) if text else Invalid("I need a number.")
        if isinstance(result, Weight) and not dose_dialog:
            result = calories.check_adult_weight(result.kg)
        if isinstance(result, Weight):
            data["kg"] = result.kg
            return self._after_weight(data)
        if isinstance(result, NeedsUnit):
            if len(words(text)) >= QUESTION_WORDS:  # "is 20 g a day safe for me?"
                question = self._question(data, text, clarify=True)
                if question is not None:
                    return question
            data["number"] = result.number
            return self._go(data, DOSE_UNIT if dose_dialog else CALORIES_UNIT)
        bad = "dose_bad_weight" if dose_dialog else "calories_bad_weight"
        return self._fail(data, text, self.kb.message(bad, reason=result.reason))

    def _after_weight(self, data: dict) -> Outcome:
        if data["name"] == DOSE:
            return self._go(data, DOSE_CONFIRM)
        return self._calories_next(data)

    def _unit(self, data: dict, text: str, button: str | None) -> Outcome:
        """Kilograms or pounds, for the bare number just given."""
        dose_dialog = data["name"] == DOSE
        said = set(normal_form(text).split())
        unit = None
        if button in ("unit:kg", "unit:lb"):
            unit = button.removeprefix("unit:")
        elif said & _KG_WORDS and not said & _LB_WORDS and len(said) <= 3:
            unit = "kg"
        elif said & _LB_WORDS and not said & _KG_WORDS and len(said) <= 3:
            unit = "lb"
        if unit is None:
            if text and find_weight(text) is not None:  # the weight again, unit and all
                data["step"] = DOSE_WEIGHT if dose_dialog else CALORIES_WEIGHT
                return self._take_weight(data, text)
            return self._fail(
                data, text, self.kb.message("dose_ask_unit", number=f"{data['number']:g}")
            )
        kg = kg_from(data.pop("number"), unit)
        result = check_weight(kg) if dose_dialog else calories.check_adult_weight(kg)
        if isinstance(result, Invalid):
            data["step"] = DOSE_WEIGHT if dose_dialog else CALORIES_WEIGHT
            bad = "dose_bad_weight" if dose_dialog else "calories_bad_weight"
            return self._fail(data, "", self.kb.message(bad, reason=result.reason))
        data["kg"] = result.kg
        return self._after_weight(data)

    def _dose_confirm(self, data: dict, text: str, button: str | None) -> Outcome:
        said = normal_form(text)
        if button == "yes" or said in _YES or said in {"thats right", "that s right", "yes it is"}:
            return self._go(data, DOSE_ADULT)
        if button == "no" or said in _NO or said.startswith("no "):
            data.pop("kg", None)
            return self._go(data, DOSE_WEIGHT)
        if text and not isinstance(parse_weight(text), Invalid):
            return self._take_weight(data, text)  # a corrected weight: confirm that one
        problem = self.kb.message(
            "dose_confirm_weight", kg=format_kg(data["kg"]), lb=format_lb(lb_from_kg(data["kg"]))
        )
        return self._fail(data, text, problem)

    def _dose_adult(self, data: dict, text: str, button: str | None) -> Outcome:
        plain = _NEGATED.sub(" ", normal_form(text))  # "adult, not pregnant" is an adult
        said = set(plain.split()) | {plain.strip()}
        if button == "adult" or (
            said & _ADULT_WORDS and not said & (_CHILD_WORDS | _PREGNANT_WORDS)
        ):
            return self._dose_result(data)
        if button in ("child", "pregnant") or said & (_CHILD_WORDS | _PREGNANT_WORDS) or said & _NO:
            data.clear()
            buttons = [self.replies.button(a) for a in ("safety.children", "safety.pregnancy")]
            return Outcome((Reply(self.kb.message("dose_not_adult"), rows(buttons)),), None)
        return self._fail(data, text, self.kb.message("dose_ask_adult"))

    def _dose_result(self, data: dict) -> Outcome:
        estimate = dose.estimate(data["kg"])
        note = self.kb.message(f"dose_note_{estimate.position}")
        text = self.kb.message(
            "dose_result",
            grams=estimate.grams,
            kg=format_kg(estimate.kg),
            lb=format_lb(lb_from_kg(estimate.kg)),
            note=note,
        )
        buttons = [Button(self.kb.message("button_again"), START_DATA + DOSE)]
        buttons += [self.replies.button(a) for a in ("dose", "dose.infants", "safety")]
        data.clear()
        return Outcome((Reply(text, rows(buttons)),), None)

    # -- the calorie dialog ----------------------------------------------------------------

    def _calories_next(self, data: dict, *before: Reply) -> Outcome:
        """Ask the first step still unanswered, or give the result."""
        for key, step in _CALORIE_STEPS:
            if key not in data:
                return self._go(data, step, *before)
        return self._calories_result(data, *before)

    def _calories_goal(self, data: dict, text: str, button: str | None) -> Outcome:
        choices = {f"goal:{g.lb_per_week:g}": g.lb_per_week for g in calories.GOALS}
        if button in choices:  # only the nine goals: callback data can be forged
            data["goal"] = choices[button]
            return self._calories_next(data)
        choice = next(
            (g for g in calories.GOALS if normal_form(g.label) == normal_form(text)), None
        )
        goal = choice or calories.parse_goal(text)
        if isinstance(goal, calories.Goal):
            data["goal"] = goal.lb_per_week
            return self._calories_next(data)
        problem = self.kb.message("calories_bad_goal")
        if isinstance(goal, Invalid):
            problem = f"{goal.reason} {problem}"
        return self._fail(data, text, problem)

    def _calories_sex(self, data: dict, text: str, button: str | None) -> Outcome:
        sex = button.removeprefix("sex:") if button and button.startswith("sex:") else None
        sex = sex or calories.parse_sex(text)
        if sex in (calories.FEMALE, calories.MALE):
            data["sex"] = sex
            return self._calories_next(data)
        return self._fail(data, text, self.kb.message("calories_bad_sex"))

    def _calories_age(self, data: dict, text: str, button: str | None) -> Outcome:
        age = calories.parse_age(text)
        if isinstance(age, Invalid):
            return self._fail(data, text, self.kb.message("calories_bad_age", reason=age.reason))
        if age < calories.MIN_AGE:
            data.clear()
            return Outcome((Reply(self.kb.message("calories_not_adult")),), None)
        data["age"] = age
        return self._calories_next(data)

    def _calories_height(self, data: dict, text: str, button: str | None) -> Outcome:
        height = parse_height(text)
        if isinstance(height, Height):
            height = calories.check_adult_height(height.cm)
        if isinstance(height, Height):
            data["cm"] = height.cm
            return self._calories_next(data)
        return self._fail(data, text, self.kb.message("calories_bad_height", reason=height.reason))

    def _calories_activity(self, data: dict, text: str, button: str | None) -> Outcome:
        activity = None
        if button and button.startswith("act:"):
            activity = calories.ACTIVITY_BY_KEY.get(button.removeprefix("act:"))
        activity = activity or calories.parse_activity(text)
        if activity is None:
            return self._fail(data, text, self.kb.message("calories_bad_activity"))
        data["activity"] = activity.key
        return self._calories_next(data)

    def _calories_result(self, data: dict, *before: Reply) -> Outcome:
        goal = calories.Goal(data["goal"])
        activity = calories.ACTIVITY_BY_KEY[data["activity"]]
        result = calories.daily_target(
            data["sex"], data["age"], data["cm"], data["kg"], activity, goal
        )
        feet, inches = Height(data["cm"]).feet_inches
        person = {
            "sex": data["sex"],
            "age": data["age"],
            "height": f"{data['cm']:.0f} cm ({feet} ft {inches} in)",
            "weight": f"{format_kg(data['kg'])} kg ({format_lb(lb_from_kg(data['kg']))} lb)",
            "activity": f"{activity.factor:g} ({activity.label.lower()})",
            "bmr": _thousands(result.bmr),
            "tdee": _thousands(result.maintenance),
        }
        kb = self.kb
        if result.below_floor:
            # Even keeping the current weight takes less than the minimum: no number from me.
            parts = [kb.message("calories_below_floor", floor=_thousands(result.floor), **person)]
        else:
            aim = goal.phrase
            if result.floored:  # the minimum slows the loss: say what it really achieves
                losing = -result.achieved_lb_per_week
                aim = (
                    f"lose about {losing:g} lb a week"
                    if losing >= 0.1
                    else "about keep your weight"
                )
            parts = [
                kb.message("calories_result", target=_thousands(result.target), goal=aim, **person)
            ]
            if result.floored:
                parts.append(
                    kb.message(
                        "calories_floor",
                        computed=_thousands(result.computed),
                        floor=_thousands(result.target),
                        wanted=goal.phrase,
                    )
                )
            if result.aggressive:
                parts.append(
                    kb.message("calories_aggressive", percent=f"{100 * result.weekly_share:.1f}")
                )
        parts.append(kb.message("calories_advice"))
        buttons = [Button(kb.message("button_again"), START_DATA + CALORIES)]
        buttons += [self.replies.button(a) for a in ("calories", "diet")]
        data.clear()
        return Outcome((*before, Reply("\n\n".join(parts), rows(buttons))), None)
