"""Reading body weights and heights the way people type them. Pure functions, no Telegram.

Weights: "70", "70 kg", "70kg", "154 lb", "154 lbs", "154 pounds", "11 st 4 lb", "11st 4",
decimals with a point or a comma ("70,5 kg"). Heights: "5 ft 5 in", "5'5\"", "5' 5", "165 cm",
"1.65 m". A result is a value, a request for the unit, or a reason the text is not one.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

KG_PER_LB = 0.45359237  # exact, by definition of the international pound
LB_PER_STONE = 14
CM_PER_INCH = 2.54
INCHES_PER_FOOT = 12

MIN_WEIGHT_KG = 2.0  # below or above these, the text is not a person's weight
MAX_WEIGHT_KG = 350.0
MIN_HEIGHT_CM = 50.0
MAX_HEIGHT_CM = 250.0

# A number starts where no digit or decimal mark stands before it (which also keeps the
# regexes linear on a long run of digits), may use a comma for thousands ("1,000") or for
# decimals ("70,5"), and ends where no digit follows. The group is atomic: once read, a number
# is never re-read shorter, so a long run of digits costs linear time.
_DIGITS = r"(?>\d{1,3}(?:,\d{3})+(?![\d,])|\d+(?:[.,]\d+)?|[.,]\d+)(?![\d.,]*\d)"
_NUMBER = rf"(?<![\d.,])({_DIGITS})"
_SIGNED = rf"(?<![\d.,])(-?\s*{_DIGITS})"
_KG = r"(?:kgs?|kilos?|kilograms?|kilogrammes?|kilo\s*grams?)"
_LB = r"(?:lbs?|pounds?|lb\.|#)"
_ST = r"(?:st|stone|stones)"
_END = r"(?![a-z])"

_STONE_POUNDS = re.compile(rf"{_NUMBER}\s*{_ST}{_END}\.?\s*(?:and\s+)?(?:{_NUMBER}\s*(?:{_LB})?)?")
_WITH_UNIT = re.compile(rf"{_SIGNED}\s*(?:(?P<kg>{_KG})|(?P<lb>{_LB})){_END}")
_BARE = re.compile(rf"(?<![\w.,]){_SIGNED}(?![\w.,]*\d)")

_FEET_INCHES = re.compile(
    rf"{_SIGNED}\s*(?:'|’|ft\.?|feet|foot){_END}\s*(?:and\s+)?(?:{_NUMBER}\s*"
    rf"(?:\"|”|''|in\.?|inch|inches)?{_END}(?!\s*(?:{_KG}|{_LB}|{_ST}|cm){_END}))?"
)
_CM = re.compile(rf"{_SIGNED}\s*(?:cm|centimet(?:er|re)s?){_END}")
_METRES = re.compile(rf"{_SIGNED}\s*(?:m|meters?|metres?){_END}")
_INCHES = re.compile(rf"{_SIGNED}\s*(?:\"|”|in\.?|inch|inches){_END}")


_THOUSANDS = re.compile(r"^-?\d{1,3}(?:,\d{3})+$")
# A number with an exponent or a power ("1e309", "1.7E2", "10^3", "10**3", "2x10^2"): read
# digit by digit it would be its last part ("309"), so a text holding one is refused instead.
_EXPONENT = re.compile(r"\d\s*(?:e|\^|\*\*|[x×*]\s*10\s*(?:\^|\*\*))\s*[-+−]?\s*\d")
NOT_PLAIN = "I can't use a number written with an exponent or a power."


def _number(text: str) -> float:
    """A number as matched above: thousands or decimal commas, white space after a minus."""
    text = "".join(text.split())
    text = text.replace(",", "") if _THOUSANDS.match(text) else text.replace(",", ".")
    return float(text)


@dataclass(frozen=True)
class Weight:
    kg: float

    @property
    def lb(self) -> float:
        return lb_from_kg(self.kg)


@dataclass(frozen=True)
class Height:
    cm: float

    @property
    def feet_inches(self) -> tuple[int, int]:
        inches = round(self.cm / CM_PER_INCH)
        return inches // INCHES_PER_FOOT, inches % INCHES_PER_FOOT


@dataclass(frozen=True)
class NeedsUnit:
    """A bare number: the caller asks whether it is kilograms or pounds."""

    number: float


@dataclass(frozen=True)
class Invalid:
    """Not a usable value; `reason` is one sentence for the user."""

    reason: str


def kg_from(value: float, unit: str) -> float:
    """Convert a weight in 'kg', 'lb' or 'st' to kilograms."""
    if unit == "kg":
        return value
    if unit == "lb":
        return value * KG_PER_LB
    if unit == "st":
        return value * LB_PER_STONE * KG_PER_LB
    raise ValueError(f"unknown weight unit {unit!r}")


def check_weight(kg: float) -> Weight | Invalid:
    """Accept a weight in kilograms only if it is plausible for a person."""
    if not math.isfinite(kg):
        return Invalid("That number is far too large for a weight.")
    if kg <= 0:
        return Invalid("A body weight has to be more than zero.")
    if kg < MIN_WEIGHT_KG:
        return Invalid(f"That is under {MIN_WEIGHT_KG:g} kg, too light for a person.")
    if kg > MAX_WEIGHT_KG:
        return Invalid(f"That is over {MAX_WEIGHT_KG:g} kg ({MAX_WEIGHT_KG / KG_PER_LB:.0f} lb).")
    return Weight(kg)


_SMALL = [
    *("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"),
    *("eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen"),
    *("eighteen", "nineteen"),
]
_TENS = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_WORD_VALUE = {w: n for n, w in enumerate(_SMALL)} | {w: 20 + 10 * n for n, w in enumerate(_TENS)}
_SMALL_RE = "|".join(sorted(_SMALL, key=len, reverse=True))  # "seventeen" before "seven"
_DIGIT_RE = "|".join(_SMALL[1:10])
_TENS_RE = rf"(?:{'|'.join(_TENS)})(?:[\s-]+(?:{_DIGIT_RE}))?"
_HUNDREDS_RE = rf"(?:a|{_DIGIT_RE})[\s-]+hundred"
# "twenty five", "twenty-five", "one hundred and fifty", "a hundred": one number each; "five
# foot five" is two. Only whole words: "someone" and "often" hold no number.
_NUMBER_WORDS = re.compile(
    rf"\b(?:{_HUNDREDS_RE}(?:[\s-]+(?:and[\s-]+)?(?:{_TENS_RE}|{_SMALL_RE}))?"
    rf"|{_TENS_RE}|{_SMALL_RE})\b"
)


def _number_value(phrase: str) -> int:
    parts = [p for p in re.split(r"[\s-]+", phrase) if p != "and"]
    if "hundred" in parts:
        at = parts.index("hundred")
        hundreds = 1 if parts[0] == "a" else _WORD_VALUE[parts[0]]
        return hundreds * 100 + sum(_WORD_VALUE[p] for p in parts[at + 1 :])
    return sum(_WORD_VALUE[p] for p in parts)


def spell_numbers(text: str) -> str:
    """Numbers written in words as digits: "twenty five" -> "25", "five foot five" -> "5 foot 5"."""
    return _NUMBER_WORDS.sub(lambda m: str(_number_value(m.group(0))), text.casefold())


def _normalise(text: str) -> str:
    return spell_numbers(text.casefold().replace("\u2212", "-").strip())


def find_weight(text: str) -> Weight | Invalid | None:
    """A weight written with its unit anywhere in a sentence ("I weigh 80 kg"), if any."""
    text = _normalise(text)
    if _EXPONENT.search(text):
        return Invalid(NOT_PLAIN)
    match = _STONE_POUNDS.search(text)
    if match:
        stones = _number(match.group(1))
        pounds = _number(match.group(2)) if match.group(2) else 0.0
        if not math.isfinite(stones + pounds):
            return Invalid("That number is far too large for a weight.")
        if pounds >= LB_PER_STONE:
            return Invalid(f"{pounds:g} lb is a stone or more: write it as stones and pounds.")
        return check_weight(kg_from(stones, "st") + kg_from(pounds, "lb"))
    match = _WITH_UNIT.search(text)
    if match:
        value = _number(match.group(1))
        if value <= 0:
            return Invalid("A body weight has to be more than zero.")
        return check_weight(kg_from(value, "kg" if match.group("kg") else "lb"))
    return None


def parse_weight(text: str) -> Weight | NeedsUnit | Invalid:
    """Read a weight answer: with a unit, or a bare number whose unit the caller must ask."""
    found = find_weight(text)
    if found is not None:
        return found
    numbers = _BARE.findall(_normalise(text))
    if len(numbers) > 1:
        return Invalid("I found more than one number there.")
    if not numbers:
        return Invalid("That doesn't look like a weight.")
    value = _number(numbers[0])
    if not math.isfinite(value):
        return Invalid("That number is far too large for a weight.")
    if value <= 0:
        return Invalid("A body weight has to be more than zero.")
    as_kg, as_lb = check_weight(value), check_weight(kg_from(value, "lb"))
    if isinstance(as_kg, Invalid) and isinstance(as_lb, Invalid):
        return Invalid(f"{value:g} is not a plausible body weight in kilograms or pounds.")
    return NeedsUnit(value)


def check_height(cm: float) -> Height | Invalid:
    """Accept a height in centimetres only if it is plausible for a person."""
    if not math.isfinite(cm):
        return Invalid("That number is far too large for a height.")
    if cm <= 0:
        return Invalid("A height has to be more than zero.")
    if not MIN_HEIGHT_CM <= cm <= MAX_HEIGHT_CM:
        return Invalid(
            f"That is {cm:.0f} cm; I can use heights from {MIN_HEIGHT_CM:.0f} to "
            f"{MAX_HEIGHT_CM:.0f} cm."
        )
    return Height(cm)


def find_height(text: str) -> Height | Invalid | None:
    """A height written with its unit anywhere in a sentence ("I'm 5'5\"", "165 cm"), if any."""
    text = _normalise(text)
    if _EXPONENT.search(text):
        return Invalid(NOT_PLAIN)
    match = _FEET_INCHES.search(text)
    if match:
        feet = _number(match.group(1))
        inches = _number(match.group(2)) if match.group(2) else 0.0
        if not math.isfinite(feet + inches):
            return Invalid("That number is far too large for a height.")
        if inches >= INCHES_PER_FOOT:
            return Invalid(f"{inches:g} inches is a foot or more: write it as feet and inches.")
        return check_height((feet * INCHES_PER_FOOT + inches) * CM_PER_INCH)
    for pattern, factor in ((_CM, 1.0), (_METRES, 100.0), (_INCHES, CM_PER_INCH)):
        match = pattern.search(text)
        if match:
            return check_height(_number(match.group(1)) * factor)
    return None


def parse_height(text: str) -> Height | Invalid:
    """Read a height answer; a bare number is taken as centimetres (100-250) or metres (1-2.5)."""
    found = find_height(text)
    if found is not None:
        return found
    numbers = _BARE.findall(_normalise(text))
    if len(numbers) != 1:
        return Invalid("That doesn't look like a height.")
    value = _number(numbers[0])
    if 100 <= value <= MAX_HEIGHT_CM:
        return Height(value)
    if 1.0 <= value <= 2.5:
        return Height(value * 100)
    return Invalid("Please add a unit: feet and inches, or centimetres.")


def format_kg(kg: float) -> str:
    """A weight in kilograms as people write it: one decimal only where it matters."""
    return f"{round(kg):d}" if abs(kg - round(kg)) < 0.05 else f"{kg:.1f}"


def lb_from_kg(kg: float) -> float:
    return kg / KG_PER_LB


def format_lb(lb: float) -> str:
    """A weight in pounds: whole pounds, as people write them."""
    return f"{round(lb):d}"
