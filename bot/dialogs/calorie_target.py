"""The daily calorie target: the article page's calorie tracker as arithmetic. Pure, no Telegram.

Reading what people type at each step is in bot/dialogs/calorie_answers.py.

- Resting energy: Mifflin-St Jeor (Mifflin et al., Am J Clin Nutr 1990):
  10 x kg + 6.25 x cm - 5 x age + 5 (men) or - 161 (women).
- Maintenance: resting energy x an activity factor (1.2 sedentary to 1.9 extra active).
- Target: maintenance + the weekly goal x about 3,500 kcal per pound / 7 days (Wishnofsky 1958),
  rounded to 10 kcal, never below 1,200 kcal (women) or 1,500 kcal (men) (Harvard Health).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.dialogs.units import KG_PER_LB, Height, Invalid, Weight, format_kg, lb_from_kg

KCAL_PER_LB = 3500
DAYS_PER_WEEK = 7
FLOOR_KCAL = {"female": 1200, "male": 1500}
AGGRESSIVE_SHARE = 0.01  # losing more than 1% of body weight a week is fast for one's size
MIN_AGE, MAX_AGE = 18, 100  # the equation was built on adults
MAX_GOAL_LB = 2.0
# The equation is for adults: weights and heights outside these are refused.
ADULT_KG = (30.0, 350.0)
ADULT_CM = (120.0, 250.0)

FEMALE, MALE = "female", "male"


@dataclass(frozen=True)
class Goal:
    lb_per_week: float  # negative to lose
    # The goal as typed in kilograms a week ("lose 0.5 kg a week"), to echo it in that unit.
    kg_per_week: float | None = field(default=None, compare=False)

    @property
    def label(self) -> str:
        if self.lb_per_week == 0:
            return "Maintain my current weight"
        amount = abs(self.lb_per_week)
        verb = "Gain" if self.lb_per_week > 0 else "Lose"
        unit = "pound" if amount <= 1 else "pounds"
        return f"{verb} {amount:g} {unit} per week"

    @property
    def phrase(self) -> str:
        """The goal inside a sentence: 'lose 1 lb a week'."""
        if self.lb_per_week == 0:
            return "keep your current weight"
        verb = "gain" if self.lb_per_week > 0 else "lose"
        if self.kg_per_week is not None:
            return f"{verb} {abs(self.kg_per_week):g} kg a week"
        return f"{verb} {abs(self.lb_per_week):g} lb a week"

    def weekly(self, lb: float) -> str:
        """An amount a week in the goal's own unit: '0.9 lb', or '0.4 kg' for a goal in kg."""
        if self.kg_per_week is not None:
            return f"{lb * KG_PER_LB:.1f} kg"
        return f"{lb:g} lb"


# The tracker's nine choices, from gaining 2 lb a week to losing 2 lb a week.
GOALS: tuple[Goal, ...] = tuple(Goal(x / 2) for x in range(4, -5, -1))


@dataclass(frozen=True)
class Activity:
    key: str
    factor: float
    label: str
    explanation: str


ACTIVITIES: tuple[Activity, ...] = (
    Activity("sedentary", 1.2, "Sedentary", "little or no exercise, a desk job"),
    Activity("light", 1.375, "Lightly active", "light exercise 1–3 days a week"),
    Activity("moderate", 1.55, "Moderately active", "moderate exercise 3–5 days a week"),
    Activity("very", 1.725, "Very active", "hard exercise 6–7 days a week"),
    Activity("extra", 1.9, "Extra active", "very hard exercise, or a physical job"),
)
ACTIVITY_BY_KEY = {a.key: a for a in ACTIVITIES}


@dataclass(frozen=True)
class CalorieTarget:
    bmr: int  # resting energy, kcal/day
    maintenance: int  # kcal/day to keep the current weight
    computed: int  # maintenance + goal, before the floor
    target: int  # what to aim for, after the floor
    floored: bool  # the computed target was below the usual minimum
    weekly_share: float  # the weekly loss as a share of body weight (0 when not losing)
    floor: int  # the usual minimum for this sex
    achieved_lb_per_week: float  # what eating `target` a day does (negative: losing)

    @property
    def aggressive(self) -> bool:
        return self.weekly_share > AGGRESSIVE_SHARE

    @property
    def below_floor(self) -> bool:
        """Even keeping the current weight takes less than the usual minimum: no target."""
        return self.maintenance < self.floor


def check_adult_weight(kg: float) -> Weight | Invalid:
    """Accept a weight the equation can use (an adult's)."""
    low, high = ADULT_KG
    if not low <= kg <= high:
        return Invalid(
            f"That is {format_kg(kg)} kg ({lb_from_kg(kg):.0f} lb); the equation is for adults, "
            f"so I can use weights from {low:.0f} to {high:.0f} kg."
        )
    return Weight(kg)


def check_adult_height(cm: float) -> Height | Invalid:
    """Accept a height the equation can use (an adult's)."""
    low, high = ADULT_CM
    if not low <= cm <= high:
        return Invalid(
            f"That is {cm:.0f} cm; the equation is for adults, so I can use heights from "
            f"{low:.0f} to {high:.0f} cm."
        )
    return Height(cm)


def round10(kcal: float) -> int:
    """Round to the nearest 10 kcal, halves up."""
    return int(kcal / 10 + 0.5) * 10


def resting_energy(sex: str, kg: float, cm: float, age: float) -> float:
    """Mifflin-St Jeor resting energy expenditure, kcal per day."""
    if sex not in FLOOR_KCAL:
        raise ValueError(f"sex must be {FEMALE!r} or {MALE!r}")
    return 10 * kg + 6.25 * cm - 5 * age + (5 if sex == MALE else -161)


def daily_target(
    sex: str, age: float, cm: float, kg: float, activity: Activity, goal: Goal
) -> CalorieTarget:
    """The daily calorie target for one person and one weekly goal."""
    bmr = resting_energy(sex, kg, cm, age)
    maintenance = bmr * activity.factor
    computed = maintenance + goal.lb_per_week * KCAL_PER_LB / DAYS_PER_WEEK
    floor = FLOOR_KCAL[sex]
    rounded = round10(computed)
    losing = max(-goal.lb_per_week, 0.0)
    target = max(rounded, floor)
    return CalorieTarget(
        bmr=round10(bmr),
        maintenance=round10(maintenance),
        computed=rounded,
        target=target,
        floored=rounded < floor,
        weekly_share=losing * KG_PER_LB / kg,
        floor=floor,
        achieved_lb_per_week=round((target - maintenance) * DAYS_PER_WEEK / KCAL_PER_LB, 1),
    )
