"""The arithmetic of the two estimates, against hand-worked cases."""

from __future__ import annotations

import pytest

from bot.dialogs import calorie_answers
from bot.dialogs import calorie_target as calories
from bot.dialogs import dose_estimate as dose
from bot.dialogs.calorie_answers import (
    parse_activity,
    parse_age,
    parse_goal,
    parse_sex,
    prefill,
)
from bot.dialogs.calorie_target import (
    ACTIVITY_BY_KEY,
    FEMALE,
    GOALS,
    MALE,
    Goal,
    daily_target,
    resting_energy,
)
from bot.dialogs.units import KG_PER_LB, Invalid


@pytest.mark.parametrize(
    ("kg", "grams", "shown", "position"),
    [
        (150 * KG_PER_LB, 20, "20", dose.WITHIN),  # the article's example: about 20 g for 150 lb
        (70, 21, "21", dose.WITHIN),
        (80, 24, "24", dose.WITHIN),
        (90, 27, "27", dose.ABOVE),
        (25, 8, "7.5", dose.BELOW),  # 7.5 g rounds to 8, but it is below the range
        (26.6, 8, "7.9", dose.BELOW),  # 7.98 g: shown rounded down, on its true side
        (26.7, 8, "8", dose.WITHIN),  # 8.01 g
        (250 / 3, 25, "25", dose.WITHIN),  # exactly 25 g, despite floating point
        (84, 25, "25.2", dose.ABOVE),  # 25.2 g rounds to 25, but it is above the range
        (20, 6, "6", dose.BELOW),
        (85, 26, "26", dose.ABOVE),  # 25.5 g rounds half up to 26
    ],
)
def test_dose_is_weight_times_0_3_compared_unrounded(
    kg: float, grams: int, shown: str, position: str
):
    estimate = dose.estimate(kg)
    assert estimate.grams == grams
    assert estimate.shown == shown
    assert estimate.position == position


def test_dose_refuses_a_non_positive_weight():
    with pytest.raises(ValueError, match="positive"):
        dose.estimate(0)


def test_mifflin_st_jeor_by_hand():
    # Woman, 68 kg, 165 cm, 35 y: 680 + 1031.25 - 175 - 161 = 1375.25
    assert resting_energy(FEMALE, 68, 165, 35) == pytest.approx(1375.25)
    # Man, 80 kg, 180 cm, 40 y: 800 + 1125 - 200 + 5 = 1730
    assert resting_energy(MALE, 80, 180, 40) == pytest.approx(1730)


def test_daily_target_by_hand():
    # 1730 x 1.55 = 2681.5 -> maintenance 2680; losing 1 lb a week: 2681.5 - 500 = 2181.5 -> 2180
    result = daily_target(MALE, 40, 180, 80, ACTIVITY_BY_KEY["moderate"], Goal(-1.0))
    assert (result.bmr, result.maintenance, result.target) == (1730, 2680, 2180)
    assert not result.floored and not result.aggressive


def test_gaining_adds_about_500_kcal_a_day_per_pound_a_week():
    result = daily_target(FEMALE, 35, 165, 68, ACTIVITY_BY_KEY["sedentary"], Goal(2.0))
    # 1375.25 x 1.2 = 1650.3; + 1000 = 2650.3 -> 2650
    assert result.target == 2650


def test_the_floor_protects_a_small_sedentary_woman():
    # 10 x 45 + 6.25 x 150 - 5 x 60 - 161 = 926.5; x 1.2 = 1111.8; - 1000 = 111.8
    result = daily_target(FEMALE, 60, 150, 45, ACTIVITY_BY_KEY["sedentary"], Goal(-2.0))
    assert result.computed == 110
    assert result.target == 1200 and result.floored
    assert result.below_floor  # even keeping her weight takes 1,110 kcal
    # 2 lb is 0.907 kg: 2.0% of 45 kg a week
    assert result.aggressive and result.weekly_share == pytest.approx(0.02016, abs=1e-4)


def test_the_floor_for_men_is_1500():
    result = daily_target(MALE, 70, 160, 55, ACTIVITY_BY_KEY["sedentary"], Goal(-2.0))
    assert result.target == 1500 and result.floored


def test_the_nine_goals_of_the_tracker():
    assert [g.lb_per_week for g in GOALS] == [2, 1.5, 1, 0.5, 0, -0.5, -1, -1.5, -2]
    assert GOALS[0].label == "Gain 2 pounds per week"
    assert GOALS[4].label == "Maintain my current weight"
    assert GOALS[6].label == "Lose 1 pound per week"


@pytest.mark.parametrize(
    ("text", "lb"),
    [
        ("lose 1 lb a week", -1),
        ("Lose 1 pound per week", -1),
        ("I want to lose half a pound a week", -0.5),
        ("lose 0.5 kg a week", -1.1),
        ("gain 2 pounds per week", 2),
        ("maintain", 0),
        ("keep my current weight", 0),
        ("lose one and a half pounds a week", -1.5),
    ],
)
def test_goals_typed(text: str, lb: float):
    goal = parse_goal(text)
    assert isinstance(goal, Goal), goal
    assert goal.lb_per_week == pytest.approx(lb)


def test_a_goal_beyond_the_tracker_is_refused():
    assert isinstance(parse_goal("lose 5 lb a week"), Invalid)
    assert parse_goal("I want to feel better") is None


@pytest.mark.parametrize(
    ("text", "sex"),
    [
        ("female", FEMALE),
        ("F", FEMALE),
        ("I'm a woman", FEMALE),
        ("male", MALE),
        ("guy", MALE),
        ("both", None),
        ("", None),
    ],
)
def test_sex_typed(text: str, sex: str | None):
    assert parse_sex(text) == sex


@pytest.mark.parametrize(
    ("text", "age"),
    [
        ("35", 35),
        ("35 years", 35),
        ("I'm 35 years old", 35),
        ("twenty five", 25),  # issue #11: numbers in words are read
        ("thirty-five years old", 35),
        ("thirty five and a half years", 35),  # in whole years, as "35.5" is
    ],
)
def test_ages(text: str, age: int):
    assert parse_age(text) == age


@pytest.mark.parametrize("text", ["old", "0", "150", "someone often"])
def test_bad_ages(text: str):
    assert isinstance(parse_age(text), Invalid)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("sedentary", "sedentary"),
        ("2", "light"),
        ("moderately active", "moderate"),
        ("very active", "very"),
        ("extra active", "extra"),
        ("I don't exercise at all", "sedentary"),
        ("Lightly active", "light"),
    ],
)
def test_activity_typed(text: str, key: str):
    activity = parse_activity(text)
    assert activity is not None and activity.key == key


def test_a_question_fills_the_steps_it_answers():
    found = prefill(
        "how many calories should a 35 year old woman, 5'5\" and 150 lb, eat to lose 1 lb a week"
    )
    assert found.goal == Goal(-1.0)
    assert found.sex == FEMALE
    assert found.age == 35
    assert found.height is not None and found.height.cm == pytest.approx(165.1)
    assert found.weight is not None and found.weight.lb == pytest.approx(150)


def test_a_question_without_details_fills_nothing():
    assert prefill("how many calories should I eat") == calorie_answers.Prefill()


@pytest.mark.parametrize(
    ("text", "lb"),
    [("lose 2 lb a month", -0.5), ("lose .5 lb a week", -0.5), ("gain 1 pound per wk", 1)],
)
def test_goals_in_other_periods_and_shapes(text: str, lb: float):
    goal = parse_goal(text)
    assert isinstance(goal, Goal) and goal.lb_per_week == pytest.approx(lb)


def test_a_goal_per_day_is_beyond_the_tracker():
    assert isinstance(parse_goal("lose 1 lb a day"), Invalid)


def test_a_negative_age_is_refused():
    assert isinstance(parse_age("-30"), Invalid)


@pytest.mark.parametrize(
    ("text", "key"), [("very light", "light"), ("active", "very"), ("lightly active", "light")]
)
def test_the_milder_activity_word_wins(text: str, key: str):
    assert parse_activity(text).key == key


def test_a_goal_without_amount_does_not_swallow_the_weight():
    found = prefill("I want to lose weight, I weigh 80 kg")
    assert found.goal is None
    assert found.weight is not None and found.weight.kg == pytest.approx(80)


def test_the_calorie_dialog_uses_adult_ranges():
    assert isinstance(calories.check_adult_weight(20), Invalid)
    assert isinstance(calories.check_adult_height(100), Invalid)
    assert calories.check_adult_weight(70).kg == 70
