"""An amount of glutamine in a question ("is 30g too much?", "is 5 g enough"), and where it
falls beside the amounts human studies used (pure).

The article gives one range for adults: human studies used 8 g to 25 g a day (Christensen,
"Glutamine & Leaky Gut Syndrome", LIVESTRONG.COM; content/dose.html and safety.html cite it).
The bot can say whether an amount is below, within or above that range; it never says whether
an amount is right for someone (that is for their physician).

Only a question that is about nothing but the amount is read this way: every other word must be
one that asks about an amount ("is", "too much", "a day", "glutamine"...), so "is 30 g of sugar
too much" and "I weigh 70 kg" are not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

from bot.text import fold, words

STUDIED_LOW_G = 8  # g a day: the lowest amount the article's human studies used
STUDIED_HIGH_G = 25  # g a day: the highest
BELOW, WITHIN, ABOVE = "below", "within", "above"

_GRAMS = {"g": 1, "gr": 1, "grs": 1, "gm": 1, "gms": 1, "gram": 1, "grams": 1, "gramm": 1}
_GRAMS |= {"gramme": 1, "grammes": 1, "mg": Fraction(1, 1000)}
_GRAMS |= {"milligram": Fraction(1, 1000), "milligrams": Fraction(1, 1000)}
_GRAMS |= {"milligramme": Fraction(1, 1000), "milligrammes": Fraction(1, 1000)}
_THOUSANDS = re.compile(r"\d{1,3}(?:,\d{3})+")  # "5,000 mg"; "2,5 g" is two and a half
_AMOUNT = re.compile(r"(\d+(?:[.,]\d+)*)\s*([a-z]+)\b")

# The words a question about an amount of glutamine is made of, and nothing else.
AMOUNT_WORDS = frozenset(
    str.split(
        """is isnt are am was would will be being can could should may might do does did i im me my
    you it its a an the of per each every day days daily a day morning night in to too much
    many enough little small low high big lot ok okay fine alright safe dangerous risky harmful
    bad good right normal reasonable sensible excessive overkill dose dosage amount serving
    scoop scoops take taking took takes have having use using glutamine l lglutamine supplement
    powder what about how or and so if that this than more less over under around approximately
    about roughly like just only too still really ever at least most max maximum minimum min
    for me us adult adults someone person grown up"""
    )
)


@dataclass(frozen=True)
class Amount:
    """An amount in grams, as typed (`said`, e.g. "500 mg"), and where it falls."""

    grams: Fraction
    said: str

    @property
    def verdict(self) -> str:
        if self.grams < STUDIED_LOW_G:
            return BELOW
        if self.grams > STUDIED_HIGH_G:
            return ABOVE
        return WITHIN

    @property
    def shown(self) -> str:
        """The amount as typed, with grams beside milligrams: "30 g", "500 mg (0.5 g)"."""
        if self.said.split()[-1].startswith("m"):
            return f"{self.said} ({float(self.grams):g} g)"
        return self.said


def amount_in(text: str) -> Amount | None:
    """The one amount of glutamine a question asks about, or None (no amount, several, another
    unit, or words that say it is about something else)."""
    folded = fold(text)
    found = []
    for number, unit in _AMOUNT.findall(folded):
        if unit in _GRAMS:
            plain = number.replace(",", "") if _THOUSANDS.fullmatch(number) else number
            grams = Fraction(plain.replace(",", ".")) * _GRAMS[unit]
            found.append(Amount(grams, f"{number} {unit}"))
    if len({a.grams for a in found}) != 1:
        return None
    rest = _AMOUNT.sub(" ", folded)
    if any(w not in AMOUNT_WORDS for w in words(rest)):  # "10-15 g": a range, not one amount
        return None
    return found[0]
