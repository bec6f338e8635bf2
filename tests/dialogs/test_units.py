"""Reading weights and heights as people type them."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.dialogs.units import (
    KG_PER_LB,
    MAX_WEIGHT_KG,
    MIN_WEIGHT_KG,
    Height,
    Invalid,
    NeedsUnit,
    Weight,
    find_weight,
    format_kg,
    format_lb,
    parse_height,
    parse_weight,
)


@pytest.mark.parametrize(
    ("text", "kg"),
    [
        ("70 kg", 70),
        ("70kg", 70),
        ("70 KG", 70),
        ("70 kilos", 70),
        ("70.5 kg", 70.5),
        ("70,5 kg", 70.5),
        ("154 lb", 154 * KG_PER_LB),
        ("154 lbs", 154 * KG_PER_LB),
        ("154 pounds", 154 * KG_PER_LB),
        ("154lbs", 154 * KG_PER_LB),
        ("11 st 4 lb", (11 * 14 + 4) * KG_PER_LB),
        ("11st 4", (11 * 14 + 4) * KG_PER_LB),
        ("11 stone", 11 * 14 * KG_PER_LB),
        ("I weigh about 80 kg", 80),
    ],
)
def test_weights_with_units(text: str, kg: float):
    result = parse_weight(text)
    assert isinstance(result, Weight), result
    assert result.kg == pytest.approx(kg)


@pytest.mark.parametrize(("text", "number"), [("70", 70), ("154", 154), ("70,5", 70.5)])
def test_a_bare_number_asks_for_the_unit(text: str, number: float):
    assert parse_weight(text) == NeedsUnit(number)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "doesn't look like a weight"),
        ("heavy", "doesn't look like a weight"),
        ("0 kg", "more than zero"),
        ("-5 kg", "more than zero"),
        ("1 kg", "too light"),
        ("400 kg", "over 350 kg"),
        ("0", "more than zero"),
        ("5000", "not a plausible body weight"),
        ("70 or 80", "more than one number"),
        ("11 st 20", "a stone or more"),
        ("1e309 kg", "exponent"),  # not 309 kg
        ("1e309", "exponent"),
        ("1.5E2 lb", "exponent"),
        ("7e-1 kg", "exponent"),
        ("10^2 kg", "exponent"),
        ("8 x 10^1 kg", "exponent"),
        ("9" * 400 + " kg", "far too large"),
        ("inf kg", "doesn't look like a weight"),
        ("nan", "doesn't look like a weight"),
    ],
)
def test_what_is_not_a_weight_is_refused_with_a_reason(text: str, reason: str):
    result = parse_weight(text)
    assert isinstance(result, Invalid), result
    assert reason in result.reason


def test_a_weight_without_a_unit_is_not_found_in_a_sentence():
    assert find_weight("how much glutamine should I take, I am 30") is None


@given(kg=st.floats(min_value=MIN_WEIGHT_KG, max_value=MAX_WEIGHT_KG).map(lambda x: round(x, 1)))
def test_any_plausible_kilogram_weight_reads_back(kg: float):
    for text in (f"{kg} kg", f"{kg}kg", f"{kg} kilograms", f"{kg}".replace(".", ",") + " kg"):
        result = parse_weight(text)
        assert isinstance(result, Weight), (text, result)
        assert result.kg == pytest.approx(kg)


@given(lb=st.integers(min_value=5, max_value=770), unit=st.sampled_from(["lb", "lbs", "pounds"]))
def test_any_plausible_pound_weight_reads_back(lb: int, unit: str):
    result = parse_weight(f"{lb} {unit}")
    assert isinstance(result, Weight)
    assert result.lb == pytest.approx(lb)


@given(stones=st.integers(min_value=1, max_value=50), pounds=st.integers(min_value=0, max_value=13))
def test_stones_and_pounds_read_back(stones: int, pounds: int):
    for text in (f"{stones} st {pounds} lb", f"{stones}st {pounds}", f"{stones} stone {pounds}"):
        result = parse_weight(text)
        assert isinstance(result, Weight), (text, result)
        assert result.lb == pytest.approx(stones * 14 + pounds)


@given(st.text(max_size=60))
def test_the_parser_never_crashes_and_never_accepts_an_implausible_weight(text: str):
    result = parse_weight(text)
    assert isinstance(result, Weight | NeedsUnit | Invalid)
    if isinstance(result, Weight):
        assert MIN_WEIGHT_KG <= result.kg <= MAX_WEIGHT_KG


@pytest.mark.parametrize("text", ["1.7e2 cm", "1e309 cm", "6e0 ft"])
def test_a_height_with_an_exponent_is_refused(text: str):
    result = parse_height(text)
    assert isinstance(result, Invalid) and "exponent" in result.reason


@given(st.text(max_size=60))
def test_the_height_parser_never_crashes(text: str):
    result = parse_height(text)
    assert isinstance(result, Height | Invalid)


@pytest.mark.parametrize(
    ("text", "cm"),
    [
        ("5 ft 5 in", 165.1),
        ("5'5\"", 165.1),
        ("5' 5", 165.1),
        ("5ft5", 165.1),
        ("5 feet 5 inches", 165.1),
        ("6 ft", 182.88),
        ("165 cm", 165),
        ("165cm", 165),
        ("1.65 m", 165),
        ("165", 165),
        ("1,65", 165),
        ("65 in", 165.1),
    ],
)
def test_heights(text: str, cm: float):
    result = parse_height(text)
    assert isinstance(result, Height), result
    assert result.cm == pytest.approx(cm, abs=0.01)


@pytest.mark.parametrize("text", ["tall", "5 ft 14 in", "12 ft", "30 cm", "0", "-170 cm"])
def test_implausible_heights_are_refused(text: str):
    assert isinstance(parse_height(text), Invalid)


def test_weights_are_echoed_as_people_write_them():
    assert format_kg(80) == "80"
    assert format_kg(69.86) == "69.9"
    assert format_lb(176.37) == "176"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1,000 lb", "over 350 kg"),  # a thousands comma, not 1.000 lb
        ("1" * 4096, "far too large"),
        ("5 ft " + "1" * 400, "far too large"),
    ],
)
def test_big_numbers_are_read_as_big(text: str, expected: str):
    result = parse_weight(text) if "ft" not in text else parse_height(text)
    assert isinstance(result, Invalid) and expected in result.reason


@pytest.mark.parametrize(("text", "cm"), [("5 ft 70kg", 152.4), ("6 ft and 90kg", 182.88)])
def test_a_weight_after_a_height_is_not_read_as_inches(text: str, cm: float):
    from bot.dialogs.units import find_height

    assert find_height(text) == Height(pytest.approx(cm))
