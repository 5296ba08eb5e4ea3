"""Numbers in one voice (issue 21): every amount of credits is written the same way."""

from __future__ import annotations

import pytest

from lobstr_tui.api import credit_amount
from lobstr_tui.api.errors import BusinessError
from lobstr_tui.monitor.polling.actions import plain_error
from lobstr_tui.ui.text import format as fmt


@pytest.mark.parametrize(("value", "text"), [
    (7700.0, "7,700"),
    (10_000, "10,000"),
    (1795.5, "1,795.5"),
    (0.25, "0.25"),
    (0.5, "0.5"),
    (0.0, "0"),
    (-0.0, "0"),
    (2594.0000001, "2,594"),
    (1999.996, "2,000"),
    (1_234_567.1, "1,234,567.1"),
    (-12.5, "-12.5"),
])
def test_credit_amounts_have_no_dot_zero_and_a_fraction_only_when_there_is_one(
        value: float, text: str) -> None:
    assert credit_amount(value) == text


def test_the_ui_formatter_is_the_same_function_with_a_dash_for_unknown() -> None:
    assert fmt.credits(2594.0) == "2,594"
    assert fmt.credits(1795.5) == "1,795.5"
    assert fmt.credits(None) == fmt.DASH


def test_a_refused_launch_says_the_credits_left_in_the_same_voice() -> None:
    error = BusinessError("not enough", status_code=400, error_type="NotEnoughBalance")
    assert plain_error(error, credits_left=0.5) == "not enough credits: 0.5 left"
    assert plain_error(error, credits_left=7700.0) == "not enough credits: 7,700 left"
