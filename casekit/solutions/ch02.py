"""Reference solutions for chapter 2's computed exercises, in the bank
``casekit/exercises/banks/02-loyalty.toml``.

Each function takes a simulated retailer (``casekit.data.simulate_retailer`` or
``casekit.exercises.my_retailer()``) and returns the answer to one exercise, from its
``survey`` and ``transactions`` tables with the functions of :mod:`casekit.loyalty`. The
functions whose names start with ``mistake_`` compute a *typical wrong* answer, so the
checker can recognise it and say what went wrong.

The cut-offs are the chapter's: a score of 5 or more on a 1–7 scale is high; a customer with
4 or more trips in the year from the survey date is a repeat buyer; a customer with no trip in
the last 180 days of the data has lapsed.

The examples run on a tiny retailer of six surveyed customers:

>>> shop = tiny_retailer()
>>> shop.survey[["customer", "satisfaction", "repurchase_intent", "attachment", "recommend"]]
   customer  satisfaction  repurchase_intent  attachment  recommend
0         1             7                  7           6         10
1         2             6                  3           2          9
2         3             5                  6           5          8
3         4             3                  5           3          6
4         5             2                  2           6          3
5         6             4                  6           2          7
"""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd

from casekit.loyalty import (LOYALTY_TYPES, driver_analysis, loyalty_types, nps,
                             repeat_trips, satisfaction_loyalty_quadrants)

__all__ = ["my_nps", "hostage_share", "quality_weight", "loyalty_type_counts",
           "completely_vs_satisfied", "lapsed_dissatisfied", "tiny_retailer",
           "trips_after_survey"]

HIGH = 5              # a 1–7 score of 5 or more is "high"
TOP_BOX = 7           # Jones & Sasser: only "completely satisfied" counts as satisfied
REPEAT_CUT = 4        # trips in the year from the survey date that make a repeat buyer
YEAR = pd.Timedelta(days=365)
LAPSE_DAYS = 180
DISSATISFIED = 3      # satisfaction of 3 or less
DRIVERS = ("brand", "quality", "relationship", "fulfilment")


def tiny_retailer() -> SimpleNamespace:
    """Six surveyed customers and their trips, with the simulated retailer's columns."""
    survey = pd.DataFrame({
        "customer": [1, 2, 3, 4, 5, 6],
        "date": pd.to_datetime(["2023-07-03"] * 6),
        "brand": [6, 5, 5, 3, 2, 4],
        "quality": [7, 6, 4, 3, 1, 4],
        "relationship": [6, 3, 5, 4, 3, 3],
        "fulfilment": [7, 6, 5, 2, 2, 5],
        "satisfaction": [7, 6, 5, 3, 2, 4],
        "attachment": [6, 2, 5, 3, 6, 2],
        "repurchase_intent": [7, 3, 6, 5, 2, 6],
        "recommend": [10, 9, 8, 6, 3, 7],
        "share_of_wallet": [0.9, 0.3, 0.6, 0.5, 0.2, 0.4],
    })
    stamps = (["2023-07-10", "2023-08-01", "2023-09-01", "2023-12-01", "2024-06-01",
               "2024-12-20"]                                      # customer 1
              + ["2023-07-05", "2023-07-20", "2024-01-05", "2024-03-01"]   # customer 2
              + ["2023-08-15", "2024-11-30"]                      # customer 3
              + ["2023-07-04", "2023-07-11", "2023-08-01", "2023-09-09", "2024-02-02"]  # 4
              + ["2023-01-10"]                                    # customer 5 (before)
              + ["2024-10-01"])                                   # customer 6
    customer = [1] * 6 + [2] * 4 + [3] * 2 + [4] * 5 + [5] + [6]
    transactions = pd.DataFrame({"trip": range(1, len(stamps) + 1), "customer": customer,
                                 "timestamp": pd.to_datetime(stamps),
                                 "total": 50.0, "margin": 10.0})
    return SimpleNamespace(survey=survey, transactions=transactions)


# --------------------------------------------------------------------------- NPS
def my_nps(retailer) -> float:
    """loyal.my-nps: the net promoter score of the survey's ``recommend`` answers.

    >>> my_nps(tiny_retailer())      # promoters: customers 1, 2; detractors: 4, 5
    0.0
    """
    return nps(retailer.survey["recommend"])


def mistake_nps_promoters_from_8(retailer) -> float:
    """Wrong on purpose: counts 8s as promoters.

    >>> mistake_nps_promoters_from_8(tiny_retailer())
    16.666666666...
    """
    r = retailer.survey["recommend"]
    return float(100 * ((r >= 8).mean() - (r <= 6).mean()))


def mistake_nps_passives_as_detractors(retailer) -> float:
    """Wrong on purpose: counts the passives (7–8) as detractors.

    >>> mistake_nps_passives_as_detractors(tiny_retailer())
    -33.333333333...
    """
    r = retailer.survey["recommend"]
    return float(100 * ((r >= 9).mean() - (r <= 8).mean()))


# --------------------------------------------------------------------------- quadrants
def _quadrants(retailer, satisfaction_cut: float = TOP_BOX) -> pd.Series:
    s = retailer.survey
    return satisfaction_loyalty_quadrants(s["satisfaction"], s["repurchase_intent"],
                                          satisfaction_cut=satisfaction_cut, loyalty_cut=HIGH)


def hostage_share(retailer) -> float:
    """loyal.hostage-share: the share of respondents who are hostages with the top-box rule
    (satisfaction below 7, repurchase intent 5 or more).

    >>> hostage_share(tiny_retailer())   # customers 3, 4 and 6
    0.5
    """
    return float((_quadrants(retailer) == "hostage").mean())


def mistake_hostage_cut_5(retailer) -> float:
    """Wrong on purpose: satisfaction of 5 or more counted as satisfied (not the top box).

    >>> mistake_hostage_cut_5(tiny_retailer())   # customers 4 and 6
    0.333333333...
    """
    return float((_quadrants(retailer, HIGH) == "hostage").mean())


def mistake_hostage_is_mercenary(retailer) -> float:
    """Wrong on purpose: the mercenaries' share (satisfied, not loyal): the axes swapped.

    >>> mistake_hostage_is_mercenary(tiny_retailer())   # nobody: customer 2's 6 is not a 7
    0.0
    """
    return float((_quadrants(retailer) == "mercenary").mean())


def mistake_hostage_count(retailer) -> int:
    """Wrong on purpose: the number of hostages instead of their share.

    >>> mistake_hostage_count(tiny_retailer())
    3
    """
    return int((_quadrants(retailer) == "hostage").sum())


# --------------------------------------------------------------------------- drivers
def quality_weight(retailer) -> float:
    """loyal.quality-weight: quality's share of the sum of the four OLS coefficients when
    satisfaction is regressed on brand, quality, relationship and fulfilment together.

    >>> round(quality_weight(tiny_retailer()), 3)
    0.367
    """
    return float(driver_analysis(retailer.survey, drivers=DRIVERS).loc["quality", "weight"])


def mistake_quality_coef(retailer) -> float:
    """Wrong on purpose: quality's raw coefficient, not its share of the four.

    >>> round(mistake_quality_coef(tiny_retailer()), 3)
    0.396
    """
    return float(driver_analysis(retailer.survey, drivers=DRIVERS).loc["quality", "coef"])


def mistake_quality_correlation_share(retailer) -> float:
    """Wrong on purpose: quality's share of the four drivers' simple correlations with
    satisfaction (each driver on its own, ignoring that they move together).

    >>> round(mistake_quality_correlation_share(tiny_retailer()), 3)
    0.28
    """
    s = retailer.survey
    corr = s[list(DRIVERS)].corrwith(s["satisfaction"])
    return float(corr["quality"] / corr.sum())


# --------------------------------------------------------------------------- behaviour
def trips_after_survey(retailer, days: int = 365) -> pd.Series:
    """Each respondent's trips in the ``days`` days from the survey date (zeros included).

    >>> trips_after_survey(tiny_retailer()).tolist()
    [5, 4, 1, 5, 0, 0]
    """
    s = retailer.survey
    start = s["date"].min()
    return repeat_trips(retailer.transactions, s["customer"], start,
                        start + pd.Timedelta(days=days))


def loyalty_type_counts(retailer) -> pd.DataFrame:
    """loyal.loyalty-types: how many respondents fall in each attachment × repeat type.

    Attachment 5 or more is high; 4 or more trips in the year from the survey date is
    high repeat buying.

    >>> loyalty_type_counts(tiny_retailer())
                     customers
    loyalty type
    super loyalty            1
    inertia loyalty          2
    latent loyalty           2
    price loyalty            1
    """
    types = loyalty_types(retailer.survey["attachment"].to_numpy(),
                          trips_after_survey(retailer).to_numpy(),
                          attachment_cut=HIGH, repeat_cut=REPEAT_CUT)
    counts = types.value_counts().reindex(list(LOYALTY_TYPES), fill_value=0)
    out = counts.rename("customers").to_frame()
    out.index.name = "loyalty type"
    return out


def completely_vs_satisfied(retailer) -> float:
    """loyal.completely-vs-satisfied: mean trips in the year from the survey of the completely
    satisfied (satisfaction 7) ÷ that of the merely satisfied (satisfaction 5).

    >>> completely_vs_satisfied(tiny_retailer())    # 5 trips ÷ 1 trip
    5.0
    """
    trips = trips_after_survey(retailer).to_numpy()
    sat = retailer.survey["satisfaction"].to_numpy()
    return float(trips[sat == 7].mean() / trips[sat == 5].mean())


def mistake_ratio_reversed(retailer) -> float:
    """Wrong on purpose: the merely satisfied over the completely satisfied.

    >>> mistake_ratio_reversed(tiny_retailer())
    0.2
    """
    return 1 / completely_vs_satisfied(retailer)


def _lapsed(retailer) -> np.ndarray:
    t = retailer.transactions
    day = t["timestamp"].dt.normalize()
    recent = set(t.loc[day > day.max() - pd.Timedelta(days=LAPSE_DAYS), "customer"])
    return ~retailer.survey["customer"].isin(recent).to_numpy()


def lapsed_dissatisfied(retailer) -> float:
    """loyal.lapsed-dissatisfied: among respondents with satisfaction 3 or less, the share who
    made no trip in the last 180 days of the data.

    >>> lapsed_dissatisfied(tiny_retailer())   # customers 4 and 5: both lapsed
    1.0
    """
    low = retailer.survey["satisfaction"].to_numpy() <= DISSATISFIED
    return float(_lapsed(retailer)[low].mean())


def mistake_lapsed_all(retailer) -> float:
    """Wrong on purpose: the share of *all* respondents who lapsed.

    >>> mistake_lapsed_all(tiny_retailer())   # 2, 4, 5 of six
    0.5
    """
    return float(_lapsed(retailer).mean())


def mistake_dissatisfied_among_lapsed(retailer) -> float:
    """Wrong on purpose: the share of the lapsed who were dissatisfied (the condition reversed).

    >>> mistake_dissatisfied_among_lapsed(tiny_retailer())
    0.666666666...
    """
    lapsed = _lapsed(retailer)
    low = retailer.survey["satisfaction"].to_numpy() <= DISSATISFIED
    return float(low[lapsed].mean())
