"""The personal glutamine estimate. Pure arithmetic, no Telegram.

The article's figures: 0.3 g per kg of body weight per day (clinical trials in low-birth-weight
infants; about 20 g a day for a 150-lb adult), against the 8 g to 25 g a day used in human
studies. The estimate is weight x 0.3 g, placed beside that range by its unrounded value (7.5 g
is below 8 g, though it rounds to 8), and shown to a whole gram, or to a tenth where a whole
gram would land on the edge of the range it lies outside.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

GRAMS_PER_KG = 0.3
STUDIED_MIN_G = 8
STUDIED_MAX_G = 25

BELOW, WITHIN, ABOVE = "below", "within", "above"


@dataclass(frozen=True)
class DoseEstimate:
    kg: float
    exact: float  # grams per day, unrounded
    grams: int  # per day, rounded to a whole gram (half up)
    position: str  # BELOW, WITHIN or ABOVE the studied 8-25 g range, by the unrounded figure

    @property
    def shown(self) -> str:
        """The figure as the bot writes it: a whole gram, unless that would blur the range."""
        if self.position == WITHIN or not STUDIED_MIN_G <= self.grams <= STUDIED_MAX_G:
            return str(self.grams)
        # 7.5 g rounds to 8 and 25.2 g to 25, which would read as inside the range: one
        # decimal instead, rounded away from the range so the figure stays on its true side.
        tenths = self.exact * 10
        tenths = math.floor(tenths) if self.position == BELOW else math.ceil(tenths)
        return f"{tenths / 10:.1f}"


def estimate(kg: float) -> DoseEstimate:
    """Weight x 0.3 g per day, and where it falls against 8-25 g."""
    if kg <= 0:
        raise ValueError("weight must be positive")
    exact = round(kg * GRAMS_PER_KG, 9)  # 83.33 kg x 0.3 is 25 g, not 24.999999...
    grams = int(exact + 0.5)  # half up, as people round (not half to even)
    if exact < STUDIED_MIN_G:
        position = BELOW
    elif exact > STUDIED_MAX_G:
        position = ABOVE
    else:
        position = WITHIN
    return DoseEstimate(kg, exact, grams, position)
