"""casekit.checks: the one wording of argument errors, and the edge cases every caller relies on."""
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest

from casekit.checks import (check_fraction, check_frame, check_number, check_numbers, check_real,
                            check_seed, check_whole)


@pytest.mark.parametrize("call, error, message", [
    (lambda: check_real("x", True), TypeError, "x must be a number, got True"),
    (lambda: check_real("x", np.nan), ValueError, "x must be finite, got nan"),
    (lambda: check_real("x", 0, 0, low_open=True), ValueError, "x must be > 0, got 0"),
    (lambda: check_real("x", 1, 0, 1, high_open=True), ValueError, "x must be ≥ 0 and < 1, got 1"),
    (lambda: check_whole("n", 2.5, 1), TypeError, "n must be a whole number ≥ 1, got 2.5"),
    (lambda: check_whole("n", np.inf), TypeError, "n must be a whole number, got inf"),
    (lambda: check_whole("n", False), TypeError, "n must be a whole number, got False"),
    (lambda: check_whole("n", 20_000, 1, 10_000), ValueError, "≤ 10,000, got 20000"),
    (lambda: check_seed(-1), ValueError, "seed must be a whole number ≥ 0, got -1"),
    (lambda: check_numbers("s", [1, None, np.nan]), ValueError, r"s has 2 missing value\(s\)"),
    (lambda: check_numbers("s", [1, np.inf]), ValueError, "s must be finite numbers"),
    (lambda: check_numbers("s", np.array([True, False])), TypeError, "not True/False"),
    (lambda: check_numbers("s", "12"), TypeError, "s must be numbers"),
    (lambda: check_numbers("s", [1, 2.5], whole=True), ValueError, "s must be whole numbers, got 2.5"),
    (lambda: check_fraction("m", Decimal("NaN")), ValueError, "m must be a number ≥ 0 and ≤ 1"),
    (lambda: check_fraction("m", "0.1"), TypeError, r"got '0.1' \(str\)"),
    (lambda: check_frame(pd.DataFrame({"a": [1]}), "t", "a", nonempty=True) or
     check_frame(pd.DataFrame({"a": []}), "t", "a", nonempty=True), ValueError, "t is empty"),
])
def test_errors_name_the_argument_the_value_and_what_is_allowed(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_values_come_back_in_the_callers_type():
    assert check_real("x", np.float32(0.5)) == 0.5 and type(check_real("x", 1)) is float
    assert check_whole("n", 3.0) == 3 and type(check_whole("n", np.int64(3))) is int
    assert check_real("w", None, optional=True) != check_real("w", None, optional=True)  # NaN
    assert check_whole("k", None, optional=True) is None
    assert check_fraction("lift", None, 0, None, optional=True) is None
    assert check_number("r", [0.2, 0.3], 0, 1).dtype == float


def test_numbers_accept_lists_arrays_series_and_nullable_integers():
    expected = [1.0, 2.0, 3.0]
    for values in ([1, 2, 3], np.array([1, 2, 3]), pd.Series([1.0, 2.0, 3.0]),
                   pd.Series([1, 2, 3], dtype="Int64"), np.array([[1, 2, 3]])):
        assert check_numbers("s", values).tolist() == expected
    assert check_numbers("s", 4).tolist() == [4.0]
    with pytest.raises(ValueError, match="1 missing"):
        check_numbers("s", pd.Series([1, None], dtype="Int64"))


def test_fractions_are_the_decimals_typed_not_the_nearest_binary_float():
    assert check_fraction("c", 0.8) == Fraction(4, 5)
    assert check_fraction("c", np.float32(0.1)) == Fraction(1, 10)
    assert check_fraction("c", Decimal("0.125")) == Fraction(1, 8)
    assert check_fraction("lift", 3, 0, None) == 3
    assert check_fraction("c", 1) == 1 and check_fraction("c", 0) == 0
