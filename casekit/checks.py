"""Argument checks shared by the analysis modules: a wrong argument gets an error that
names it, says what was given and what is allowed — never a KeyError from inside pandas.

>>> check_number("retention", 1.2, 0, 1)
Traceback (most recent call last):
...
ValueError: retention must be ≥ 0 and ≤ 1, got 1.2
>>> import pandas as pd
>>> check_frame(pd.DataFrame({"id": [1]}), "transactions", customer="customer")
Traceback (most recent call last):
...
ValueError: transactions has no column 'customer' (the customer column); its columns are ['id']. Pass customer='<column name>'.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["check_frame", "check_number"]


def check_number(name, value, low=None, high=None, low_open=False, high_open=False):
    """``value`` (a number or an array of numbers) as a float array, or an error naming the
    argument and the allowed range."""
    if isinstance(value, (bool, np.bool_)) or isinstance(value, str):
        raise TypeError(f"{name} must be a number, got {value!r}")
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a number or an array of numbers, got {value!r}") from None
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite, got {value!r}")
    too_low = low is not None and np.any(arr <= low if low_open else arr < low)
    too_high = high is not None and np.any(arr >= high if high_open else arr > high)
    if too_low or too_high:
        lo = "" if low is None else f"{'>' if low_open else '≥'} {low}"
        hi = "" if high is None else f"{'<' if high_open else '≤'} {high}"
        raise ValueError(f"{name} must be {' and '.join(x for x in (lo, hi) if x)}, got {value!r}")
    return arr


def check_frame(frame, name, *required, nonempty=False, **named) -> None:
    """``frame`` must be a DataFrame holding the ``required`` columns and the columns that
    column arguments name (``customer="cust_id"``; ``None`` means not used); with
    ``nonempty``, at least one row."""
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"{name} must be a pandas DataFrame, got {type(frame).__name__}")
    for col in required:
        if col not in frame.columns:
            raise ValueError(f"{name} has no column {col!r}; its columns are {list(frame.columns)}")
    for arg, col in named.items():
        if col is not None and col not in frame.columns:
            raise ValueError(f"{name} has no column {col!r} (the {arg} column); its columns are "
                             f"{list(frame.columns)}. Pass {arg}='<column name>'.")
    if nonempty and frame.empty:
        raise ValueError(f"{name} is empty: there is nothing to analyse")
