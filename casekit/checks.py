"""Argument checks shared by every casekit module: a wrong argument gets an error that
names it, says what was given and what is allowed — never a KeyError from inside pandas.

One wording everywhere: ``<name> must be <what> <range>, got <value>``, with ranges
written ``≥ 0``, ``> 0``, ``≤ 1``, ``< 1`` (joined by ``and``). A value of the wrong kind
(text for a number, 2.5 for a count) is a :class:`TypeError` or :class:`ValueError` as
Python's own functions would raise: the kind is a TypeError, a number out of range or not
whole is a ValueError.

>>> check_number("retention", 1.2, 0, 1)
Traceback (most recent call last):
...
ValueError: retention must be ≥ 0 and ≤ 1, got 1.2
>>> check_whole("periods", 0, 1)
Traceback (most recent call last):
...
ValueError: periods must be a whole number ≥ 1, got 0
>>> check_numbers("scores", [3, "x"])
Traceback (most recent call last):
...
TypeError: scores must be numbers; 'x' is not a number
>>> import pandas as pd
>>> check_frame(pd.DataFrame({"id": [1]}), "transactions", customer="customer")
Traceback (most recent call last):
...
ValueError: transactions has no column 'customer' (the customer column); its columns are ['id']. Pass customer='<column name>'.
"""
from __future__ import annotations

import math
import numbers
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pandas as pd

__all__ = ["check_fraction", "check_frame", "check_number", "check_numbers", "check_real",
           "check_seed", "check_whole"]


def _bound(b) -> str:
    return f"{b:,}" if isinstance(b, numbers.Integral) else f"{b}"


def _range(low, high, low_open=False, high_open=False) -> str:
    """``'≥ 0 and ≤ 1'``: the allowed range in the house wording ('' when unbounded)."""
    lo = "" if low is None else f"{'>' if low_open else '≥'} {_bound(low)}"
    hi = "" if high is None else f"{'<' if high_open else '≤'} {_bound(high)}"
    return " and ".join(x for x in (lo, hi) if x)


def _outside(x, low, high, low_open, high_open):
    """Boolean (array) of the entries of ``x`` outside the range."""
    out = np.zeros(np.shape(x), dtype=bool)
    if low is not None:
        out |= (x <= low) if low_open else (x < low)
    if high is not None:
        out |= (x >= high) if high_open else (x > high)
    return out


def _is_real(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def check_number(name, value, low=None, high=None, low_open=False, high_open=False):
    """``value`` (a number or an array of numbers) as a float array, or an error naming the
    argument and the allowed range.

    >>> check_number("rate", [0.1, 0.2], 0, 1).tolist()
    [0.1, 0.2]
    """
    if isinstance(value, (bool, np.bool_)) or isinstance(value, str):
        raise TypeError(f"{name} must be a number, got {value!r}")
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a number or an array of numbers, got {value!r}") from None
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite, got {value!r}")
    if np.any(_outside(arr, low, high, low_open, high_open)):
        raise ValueError(f"{name} must be {_range(low, high, low_open, high_open)}, got {value!r}")
    return arr


def check_real(name, value, low=None, high=None, *, low_open=False, high_open=False,
               what="a number", optional=False):
    """One real number as a float, or an error naming the argument and what is allowed;
    ``optional`` lets ``None`` (and NaN) through as NaN. ``what`` says what the number is.

    >>> check_real("price", 3)
    3.0
    >>> check_real("price", "3", what="a number (the price in dollars)")
    Traceback (most recent call last):
    ...
    TypeError: price must be a number (the price in dollars), got '3'
    """
    if optional and (value is None or (isinstance(value, float) and math.isnan(value))):
        return np.nan
    if not _is_real(value):
        raise TypeError(f"{name} must be {what}, got {value!r}")
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value!r}")
    if _outside(value, low, high, low_open, high_open):
        raise ValueError(f"{name} must be {_range(low, high, low_open, high_open)}, got {value!r}")
    return float(value)


def check_whole(name, value, low=None, high=None, *, what="a whole number", optional=False):
    """A whole number (``5`` or ``5.0``) as an int, or an error naming the argument and what
    is allowed (a TypeError for anything but a whole number, as ``range(2.5)`` raises);
    ``optional`` lets ``None`` through.

    >>> check_whole("lead_time_days", 3.0, 0)
    3
    >>> check_whole("n_customers", 0, 1, 10_000_000)
    Traceback (most recent call last):
    ...
    ValueError: n_customers must be a whole number ≥ 1 and ≤ 10,000,000, got 0
    """
    if optional and value is None:
        return None
    allowed = _range(low, high)
    if not _is_real(value) or not (isinstance(value, numbers.Integral)
                                   or (math.isfinite(value) and float(value).is_integer())):
        raise TypeError(f"{name} must be {what}{' ' + allowed if allowed else ''}, got {value!r}")
    if _outside(value, low, high, False, False):
        raise ValueError(f"{name} must be {what} {allowed}, got {value!r}")
    return int(value)


def check_seed(seed) -> int:
    """A random seed: a whole number ≥ 0.

    >>> check_seed(7)
    7
    """
    return check_whole("seed", seed, 0)


def check_numbers(name, values, low=None, high=None, *, whole=False) -> np.ndarray:
    """One number or a list, array or Series of numbers as a flat float array; an error names
    the argument and the first value that is not a number, is missing (NaN), infinite, not
    whole (with ``whole``) or out of range.

    >>> check_numbers("scores", pd.Series([1, 2.5])).tolist()
    [1.0, 2.5]
    >>> check_numbers("scores", [1, 7], 1, 5)
    Traceback (most recent call last):
    ...
    ValueError: scores must be ≥ 1 and ≤ 5, got 7
    """
    if isinstance(values, (str, bytes, bool, np.bool_)):
        raise TypeError(f"{name} must be numbers (a list, array or Series), got {values!r}")
    if isinstance(values, pd.Series):
        values = values.to_numpy()
    arr = np.asarray(values)
    if arr.dtype.kind in "iuf":
        out = arr.astype(float).ravel()
    else:
        flat = np.asarray(values, dtype=object).ravel()
        out = np.empty(len(flat))
        for i, v in enumerate(flat):
            if v is None or v is pd.NA:
                v = np.nan
            elif isinstance(v, (bool, np.bool_)):
                raise TypeError(f"{name} must be numbers, not True/False (got {v!r})")
            elif not _is_real(v):
                shown = repr(str(v)) if isinstance(v, (str, bytes)) else repr(v)
                raise TypeError(f"{name} must be numbers; {shown} is not a number")
            out[i] = float(v)
    missing = int(np.isnan(out).sum())
    if missing:
        raise ValueError(f"{name} has {missing} missing value(s) (NaN): drop or fill them first")
    if not np.isfinite(out).all():
        raise ValueError(f"{name} must be finite numbers, got an infinite value")
    if whole and (out != np.round(out)).any():
        raise ValueError(f"{name} must be whole numbers, got "
                         f"{out[out != np.round(out)][0]:g}")
    bad = _outside(out, low, high, False, False)
    if bad.any():
        raise ValueError(f"{name} must be {_range(low, high)}, got {out[bad][0]:g}")
    return out


def check_fraction(name, value, low=0, high=1, *, low_open=False, optional=False):
    """A threshold as an exact :class:`~fractions.Fraction`, read as the decimal the user
    typed (floats as the shortest decimal that prints as them: 0.001 is exactly 1/1000), or
    an error naming the argument and what is allowed; ``optional`` lets ``None`` through.

    >>> check_fraction("min_support", 0.001)
    Fraction(1, 1000)
    >>> check_fraction("min_support", 0, low_open=True)
    Traceback (most recent call last):
    ...
    ValueError: min_support must be a number > 0 and ≤ 1, got 0
    """
    if optional and value is None:
        return None
    what = ("None or " if optional else "") + "a number " + _range(low, high, low_open)
    if not (_is_real(value) or isinstance(value, Decimal)):
        raise TypeError(f"{name} must be {what}, got {value!r} ({type(value).__name__})")
    if isinstance(value, Fraction):
        frac = value
    elif isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"{name} must be {what}, got {value!r}")
        frac = Fraction(value)
    elif isinstance(value, numbers.Integral):
        frac = Fraction(int(value))
    else:
        if not math.isfinite(float(value)):
            raise ValueError(f"{name} must be {what}, got {value!r}")
        # str() of a float or numpy float is its shortest round-tripping decimal
        frac = Fraction(str(value) if isinstance(value, np.floating) else repr(float(value)))
    if _outside(frac, low, high, low_open, False):
        raise ValueError(f"{name} must be {what}, got {value!r}")
    return frac


def check_frame(frame, name, *required, nonempty=False, made_by=None, **named) -> None:
    """``frame`` must be a DataFrame holding the ``required`` columns and the columns that
    column arguments name (``customer="cust_id"``; ``None`` means not used); with
    ``nonempty``, at least one row. ``made_by`` names the function whose result is expected.

    >>> check_frame([1, 2], "transactions")
    Traceback (most recent call last):
    ...
    TypeError: transactions must be a pandas DataFrame, got list
    >>> check_frame(pd.DataFrame({"x": [1]}), "table", "kind", made_by="swot()")
    Traceback (most recent call last):
    ...
    ValueError: table has no column 'kind' (make it with swot()); its columns are ['x']
    """
    source = f" (make it with {made_by})" if made_by else ""
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"{name} must be a pandas DataFrame{source}, got {type(frame).__name__}")
    for col in required:
        if col not in frame.columns:
            raise ValueError(f"{name} has no column {col!r}{source}; its columns are "
                             f"{list(frame.columns)}")
    for arg, col in named.items():
        if col is not None and col not in frame.columns:
            raise ValueError(f"{name} has no column {col!r} (the {arg} column); its columns are "
                             f"{list(frame.columns)}. Pass {arg}='<column name>'.")
    if nonempty and frame.empty:
        raise ValueError(f"{name} is empty: there is nothing to analyse")
