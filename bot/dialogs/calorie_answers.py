"""Reading the calorie dialog's answers as people type them: goals ("lose 1 lb a week"),
sex, age, activity in words, and a question that already answers some steps. Pure, no Telegram;
the arithmetic is in bot/dialogs/calorie_target.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.dialogs.calorie_target import (
    ACTIVITIES,
    ACTIVITY_BY_KEY,
    FEMALE,
    MALE,
    MAX_AGE,
    MAX_GOAL_LB,
    MIN_AGE,
    Activity,
    Goal,
    check_adult_height,
    check_adult_weight,
)
from bot.dialogs.units import (
    KG_PER_LB,
    Height,
    Invalid,
    Weight,
    find_height,
    find_weight,
    spell_numbers,
)
from bot.text import words

_NUMBER_WORDS = {
    "half a": 0.5,
    "half an": 0.5,
    "half": 0.5,
    "a": 1.0,
    "an": 1.0,
    "one": 1.0,
    "two": 2.0,
}
_GOAL = re.compile(
    r"(?P<verb>lose|loose|losing|lost|drop|dropping|shed|shedding|cut|cutting|burn|gain|gaining|"
    r"put on|putting on|bulk|bulking|add)\b[^0-9,.;!?]{0,20}?"
    r"(?P<amount>\d+(?:[.,]\d+)?|[.,]\d+|half an?|half|one|two|an?)\s*(?:and a half\s*)?"
    r"(?P<unit>lbs?|pounds?|kgs?|kilos?|kilograms?)\b"
    r"(?:\s*(?:a|an|per|/|each|every)\s*(?P<per>week|wk|month|day))?"
)
_PER = {None: 1.0, "week": 1.0, "wk": 1.0, "day": 7.0, "month": 7 / 30.44}
_MAINTAIN = re.compile(
    r"\b(maintain\w*|maintenance|keep (?:my |the )?(?:current )?weight|stay the same|"
    r"same weight|stay at|keep it)\b"
)
_LOSE = re.compile(r"\b(lose|loose|losing|drop|shed|cut|burn)\b")
_GAIN = re.compile(r"\b(gain|gaining|put on|bulk|bulking)\b")


def parse_goal(text: str) -> Goal | Invalid | None:
    """A weekly goal ("lose 1 lb a week", "lose 0.5 kg a week", "maintain"), or None if absent."""
    lowered = text.casefold().replace(",", ".")
    match = _GOAL.search(lowered)
    if match:
        raw = match.group("amount")
        amount = _NUMBER_WORDS.get(raw) or float(raw.replace(",", "."))
        amount *= _PER[match.group("per")]  # "2 lb a month" is about 0.5 lb a week
        if "and a half" in match.group(0):
            amount += 0.5
        typed_kg = None
        if match.group("unit").startswith("k"):
            typed_kg = round(amount, 2)
            amount /= KG_PER_LB
        gaining = match.group("verb").startswith(("gain", "put", "bulk", "add"))
        if amount > MAX_GOAL_LB + 0.05:
            return Invalid(
                "The tracker goes up to 2 lb (0.9 kg) a week either way, so please pick one "
                "of these goals."
            )
        if amount <= 0:
            return Goal(0.0)
        sign = 1 if gaining else -1
        kg = None if typed_kg is None else sign * typed_kg
        return Goal(round(sign * amount, 1), kg)
    if _MAINTAIN.search(lowered):
        return Goal(0.0)
    return None


def parse_sex(text: str) -> str | None:
    """'female' or 'male' from what people type ("F", "woman", "I'm a guy"), else None."""
    found = set(words(text))
    female = found & {"f", "female", "woman", "women", "girl", "lady", "feminine", "she", "her"}
    male = found & {"m", "male", "man", "men", "guy", "boy", "masculine", "he", "him"}
    if female and not male:
        return FEMALE
    if male and not female:
        return MALE
    return None


_AGE_IN_SENTENCE = re.compile(
    r"(?:\b(\d{1,3})\s*(?:-\s*)?(?:years?|yrs?|y/?o|year-old)\b)|(?:\bage[d]?\s*(?:is\s*)?(\d{1,3})\b)"
)
_BARE_AGE = re.compile(r"^[^\d-]*?(-?\d{1,3}(?:[.,]\d+)?)\D*$")


def find_age(text: str) -> int | None:
    """An age written as one ("35 years old", "aged 35", "35yo") anywhere in a sentence."""
    match = _AGE_IN_SENTENCE.search(spell_numbers(text))
    if not match:
        return None
    return int(match.group(1) or match.group(2))


def parse_age(text: str) -> int | Invalid:
    """Read an age answer in whole years."""
    age = find_age(text)
    if age is None:
        match = _BARE_AGE.match(spell_numbers(text).strip())
        if not match:
            return Invalid("That doesn't look like an age.")
        age = int(float(match.group(1).replace(",", ".")))
    if age <= 0:
        return Invalid("An age has to be more than zero.")
    if age > MAX_AGE:
        return Invalid(f"I can work with ages from {MIN_AGE} to {MAX_AGE}.")
    return age


_ACTIVITY_WORDS = {
    "sedentary": "sedentary",
    "inactive": "sedentary",
    "desk": "sedentary",
    "none": "sedentary",
    "couch": "sedentary",
    "light": "light",
    "lightly": "light",
    "little": "light",
    "moderate": "moderate",
    "moderately": "moderate",
    "medium": "moderate",
    "average": "moderate",
    "very": "very",
    "active": "very",
    "hard": "very",
    "extra": "extra",
    "extremely": "extra",
    "athlete": "extra",
    "physical": "extra",
    "labour": "extra",
    "labor": "extra",
    # A walk or a stroll, with no word for how often, is light activity.
    "walk": "light",
    "walks": "light",
    "walking": "light",
}


# How often people say they exercise: "twice a week", "3 times a week", "4x a week", "every day".
_TIMES = {"once": 1, "twice": 2, "thrice": 3}
_FREQUENCY = re.compile(
    r"\b(?P<n>once|twice|thrice|\d+)\s*(?:-\s*\d+\s*)?(?:x|times?|days?|sessions?)?\s*"
    r"(?:a|an|per|each|every|in a|/)\s*(?:week|wk)\b"
)
_DAILY = re.compile(r"\b(?:every\s*day|everyday|daily|each day|every morning|every evening)\b")
_EXERCISE = re.compile(
    r"\b(?:gym|exercis\w*|work\s*out\w*|workouts?|train\w*|run\w*|jog\w*|swim\w*|cycl\w*|"
    r"bike|biking|sports?|football|soccer|tennis|yoga|pilates|lift\w*|hike|hiking|dance|dancing|"
    r"classes|walk\w*|cardio|crossfit)\b"
)


def _by_frequency(joined: str) -> Activity | None:
    """Exercise on so many days a week, in the ranges the activity levels name."""
    if not _EXERCISE.search(joined):
        return None
    match = _FREQUENCY.search(joined)
    if match:
        raw = match.group("n")
        days = _TIMES.get(raw) or int(raw)
    elif _DAILY.search(joined):
        days = 7
    else:
        return None
    if days <= 0:
        return ACTIVITY_BY_KEY["sedentary"]
    if days <= 3:
        return ACTIVITY_BY_KEY["light"]
    if days <= 5:
        return ACTIVITY_BY_KEY["moderate"]
    return ACTIVITY_BY_KEY["very"]


def parse_activity(text: str) -> Activity | None:
    """An activity level from its name, its number in the list (1-5), a word for it, or how
    often the person says they exercise ("I go to the gym twice a week" is lightly active)."""
    found = words(spell_numbers(text))
    if len(found) == 1 and found[0].isdigit() and 1 <= int(found[0]) <= len(ACTIVITIES):
        return ACTIVITIES[int(found[0]) - 1]
    # "no exercise" and "not active" mean sedentary, whatever other words follow.
    joined = " ".join(found)
    if re.search(r"\b(no|not|never|dont|don t|hardly)\b.*\b(exercise|active|workout|gym)", joined):
        return ACTIVITY_BY_KEY["sedentary"]
    by_frequency = _by_frequency(joined)
    if by_frequency is not None:
        return by_frequency
    keys = {_ACTIVITY_WORDS[w] for w in found if w in _ACTIVITY_WORDS}
    # The milder word wins over "very" and "active": "very light" is light, "extra active"
    # is extra, and "active" alone is very active.
    for key in ("sedentary", "light", "moderate", "extra", "very"):
        if key in keys:
            return ACTIVITY_BY_KEY[key]
    return None


@dataclass(frozen=True)
class Prefill:
    """What a question already says: the steps the dialog can skip."""

    goal: Goal | None = None
    sex: str | None = None
    age: int | None = None
    height: Height | None = None
    weight: Weight | None = None


def _adult(value: object) -> bool:
    return not isinstance(value, Invalid)


def prefill(text: str) -> Prefill:
    """Read every step a question already answers; anything unclear is left to ask."""
    goal = parse_goal(text)
    # The goal's own amount ("lose 1 lb a week") is not the person's weight.
    lowered = text.casefold()
    rest = _GOAL.sub(" ", lowered) if isinstance(goal, Goal) else lowered
    height = find_height(rest)
    weight = find_weight(_AGE_IN_SENTENCE.sub(" ", rest))
    age = find_age(rest)
    return Prefill(
        goal=goal if isinstance(goal, Goal) else None,
        sex=parse_sex(text),
        age=age if age is not None and MIN_AGE <= age <= MAX_AGE else None,
        height=height
        if isinstance(height, Height) and _adult(check_adult_height(height.cm))
        else None,
        weight=weight
        if isinstance(weight, Weight) and _adult(check_adult_weight(weight.kg))
        else None,
    )
