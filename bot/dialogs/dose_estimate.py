"""The personal glutamine estimate. Pure arithmetic, no Telegram.

The article's figures: 0.3 g per kg of body weight per day (clinical trials in low-birth-weight
infants; about 20 g a day for a 150-lb adult), against the 8 g to 25 g a day used in human
studies. The estimate is weight x 0.3 g, rounded to a whole gram, placed beside that range.
"""

from __future__ import annotations

from dataclasses import dataclass

GRAMS_PER_KG = 0.3
STUDIED_MIN_G = 8
STUDIED_MAX_G = 25

BELOW, WITHIN, ABOVE = "below", "within", "above"


@dataclass(frozen=True)
class DoseEstimate:
    kg: float
    grams: int  # per day, rounded to a whole gram
    position: str  # BELOW, WITHIN or ABOVE the studied 8-25 g range


def estimate(kg: float) -> DoseEstimate:
    """Weight x 0.3 g per day, rounded to a whole gram, and where it falls against 8-25 g."""
    if kg <= 0:
        raise ValueError("weight must be positive")
    grams = int(kg * GRAMS_PER_KG + 0.5)  # half up, as people round (not half to even)
    if grams < STUDIED_MIN_G:
        position = BELOW
    elif grams > STUDIED_MAX_G:
        position = ABOVE
    else:
        position = WITHIN
    return DoseEstimate(kg, grams, position)
