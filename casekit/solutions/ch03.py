"""Reference solutions for chapter 3's computed exercises, in the bank
``casekit/exercises/banks/03-defection.toml``.

Each function takes a simulated retailer (``casekit.data.simulate_retailer`` or
``casekit.exercises.my_retailer()``) and returns the answer to one exercise, using plain
pandas and ``casekit.defection`` on its ``transactions``, ``defections`` and ``truth``.
The functions whose names start with ``mistake_`` compute a *typical wrong* answer, so
the checker can recognise it and say what went wrong.

The examples run on a tiny retailer of four customers:

>>> shop = tiny_retailer()
>>> shop.defections
   customer       date      kind      cause
0         1 2023-03-10  complete      price
1         2 2024-07-25  complete    service
2         3 2024-09-15   partial      price
>>> shop.truth.events
  region                 event       date
0  North  competitor price cut 2023-03-01
1  South  competitor price cut 2024-09-01
"""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd

from casekit.defection import (after_event, cohort_retention, early_warning,
                               partial_defection_flags, warning_quality)
from casekit.solutions import shared

__all__ = ["complete_defectors", "price_cause_share", "price_cut_share", "cohort_retention_q4",
           "partial_flag_precision", "lost_share_low_p_alive", "after_price_cut", "best_partial_auc",
           "tiny_retailer"]

EVENT_WINDOW_DAYS = 84          # the 12 weeks after a competitor's price cut
P_ALIVE_CUT = 0.5
PRICE_SENSITIVE = 0.7           # price_sensitivity of 0.7 or more
INDICATORS = ("visit_ratio_risk", "basket_ratio_risk", "gap_ratio_risk", "p_alive_risk")


def tiny_retailer() -> SimpleNamespace:
    """Four customers in two regions, three defections and two competitor price cuts."""
    customers = pd.DataFrame({"customer": [1, 2, 3, 4],
                              "region": pd.Categorical(["North", "North", "North", "South"])})
    defections = pd.DataFrame({
        "customer": [1, 2, 3],
        "date": pd.to_datetime(["2023-03-10", "2024-07-25", "2024-09-15"]),
        "kind": pd.Categorical(["complete", "complete", "partial"]),
        "cause": pd.Categorical(["price", "service", "price"])})
    events = pd.DataFrame({"region": ["North", "South"],
                           "event": ["competitor price cut"] * 2,
                           "date": pd.to_datetime(["2023-03-01", "2024-09-01"])})
    days = pd.to_datetime(["2023-01-05", "2023-03-01", "2023-02-01", "2023-07-20", "2023-02-10",
                           "2023-06-15", "2024-03-01", "2024-06-30", "2023-02-14", "2023-08-01",
                           "2024-02-01", "2024-05-01"])
    transactions = pd.DataFrame({"customer": [1, 1, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4],
                                 "timestamp": days,
                                 "total": [100.0, 90, 50, 60, 80, 85, 30, 35, 40, 45, 42, 44]})
    truth = SimpleNamespace(events=events, customers=pd.DataFrame({
        "customer": [1, 2, 3, 4], "active_at_end": [False, False, True, True],
        "partial_from": pd.to_datetime([None, None, "2023-10-01", None]),
        "price_sensitivity": [0.9, 0.8, 0.3, 0.5]}))
    return SimpleNamespace(customers=customers, transactions=transactions,
                           defections=defections, truth=truth)


# --------------------------------------------------------------------------- counting defections
def _complete_by_year(retailer, kinds=("complete",)) -> pd.Series:
    d = retailer.defections
    keep = d["kind"].astype(str).isin(kinds)
    return d.loc[keep, "date"].dt.year.value_counts()


def complete_defectors(retailer) -> int:
    """defect.complete-count: complete defections recorded in 2024 minus those in 2023.

    >>> complete_defectors(tiny_retailer())     # one in 2024 (customer 2), one in 2023 (1)
    0
    """
    years = _complete_by_year(retailer)
    return int(years.get(2024, 0) - years.get(2023, 0))


def mistake_complete_2024_only(retailer) -> int:
    """Wrong on purpose: the count of 2024 alone, no comparison.

    >>> mistake_complete_2024_only(tiny_retailer())
    1
    """
    return int(_complete_by_year(retailer).get(2024, 0))


def mistake_all_kinds_difference(retailer) -> int:
    """Wrong on purpose: the difference with partial defections counted too.

    >>> mistake_all_kinds_difference(tiny_retailer())
    1
    """
    years = _complete_by_year(retailer, kinds=("complete", "partial"))
    return int(years.get(2024, 0) - years.get(2023, 0))


def _with_sensitivity(retailer) -> pd.DataFrame:
    sens = retailer.truth.customers.set_index("customer")["price_sensitivity"]
    return retailer.defections.join(sens, on="customer")


def price_cause_share(retailer) -> float:
    """defect.price-share: among the defections of customers with price_sensitivity of 0.7 or
    more, the percentage caused by price.

    >>> price_cause_share(tiny_retailer())     # customers 1 (price) and 2 (service)
    50.0
    """
    d = _with_sensitivity(retailer)
    sensitive = d[d["price_sensitivity"] >= PRICE_SENSITIVE]
    return float(100 * (sensitive["cause"] == "price").mean())


def mistake_price_share_all(retailer) -> float:
    """Wrong on purpose: the price share among all defections, no threshold.

    >>> round(mistake_price_share_all(tiny_retailer()), 2)
    66.67
    """
    return float(100 * (retailer.defections["cause"] == "price").mean())


def mistake_sensitive_among_price(retailer) -> float:
    """Wrong on purpose: the share of price defections whose customer is price-sensitive.

    >>> mistake_sensitive_among_price(tiny_retailer())   # customers 1 (0.9) and 3 (0.3)
    50.0
    """
    d = _with_sensitivity(retailer)
    price = d[d["cause"] == "price"]
    return float(100 * (price["price_sensitivity"] >= PRICE_SENSITIVE).mean())


def mistake_price_fraction(retailer) -> float:
    """Wrong on purpose: the right share as a fraction, not a percentage."""
    return price_cause_share(retailer) / 100


# --------------------------------------------------------------------------- price cuts
def after_price_cut(retailer, defections: pd.DataFrame, same_region: bool = True) -> pd.Series:
    """True for each defection dated in the 84 days from a competitor's price cut in the
    defector's region (in any region with ``same_region=False``): ``after_event`` on a retailer.

    >>> shop = tiny_retailer()
    >>> after_price_cut(shop, shop.defections).tolist()
    [True, False, False]
    """
    return after_event(defections, retailer.truth.events, retailer.customers,
                       event="competitor price cut", days=EVENT_WINDOW_DAYS,
                       same_region=same_region)


def price_cut_share(retailer) -> float:
    """defect.price-cut-window: % of price-caused defections in the 12 weeks after a competitor
    cut prices in the defector's own region.

    >>> price_cut_share(tiny_retailer())   # customer 1 (North, 9 days after); 3 is North, not South
    50.0
    """
    d = retailer.defections
    price = d[d["cause"] == "price"]
    return float(100 * after_price_cut(retailer, price).mean())


def mistake_cut_any_region(retailer) -> float:
    """Wrong on purpose: counts a price cut in *any* region, not the customer's own (%).

    >>> mistake_cut_any_region(tiny_retailer())
    100.0
    """
    d = retailer.defections
    price = d[d["cause"] == "price"]
    return float(100 * after_price_cut(retailer, price, same_region=False).mean())


def mistake_cut_all_causes(retailer) -> float:
    """Wrong on purpose: the share among defections of *every* cause (%).

    >>> round(mistake_cut_all_causes(tiny_retailer()), 2)
    33.33
    """
    return float(100 * after_price_cut(retailer, retailer.defections).mean())


# --------------------------------------------------------------------------- cohorts
@shared
def _quarterly_retention(retailer) -> pd.DataFrame:
    return cohort_retention(retailer.transactions, freq="Q")


def cohort_retention_q4(retailer) -> float:
    """defect.cohort-retention: of the customers whose first trip fell in the first quarter of
    the data, the share (0–1) who bought in the quarter four quarters later (a year on).

    >>> cohort_retention_q4(tiny_retailer())   # all 4 start in 2023Q1; 3 and 4 buy in 2024Q1
    0.5
    """
    table = _quarterly_retention(retailer)
    return float(table.iloc[0][4]) if 4 in table.columns else 0.0


def mistake_retention_next_quarter(retailer) -> float:
    """Wrong on purpose: the share back in the *next* quarter (column 1), not a year later.

    >>> mistake_retention_next_quarter(tiny_retailer())   # only customer 3 buys in 2023Q2
    0.25
    """
    return float(_quarterly_retention(retailer).iloc[0][1])


def mistake_retention_count(retailer) -> float:
    """Wrong on purpose: the number of cohort customers back a year later, not the share.

    >>> mistake_retention_count(tiny_retailer())
    2.0
    """
    table = _quarterly_retention(retailer)
    return float(round(cohort_retention_q4(retailer) * table.iloc[0]["customers"]))


# --------------------------------------------------------------------------- partial defection
THRESHOLDS = (0.4, 0.5, 0.6, 0.7, 0.8)


@shared
def _flags_vs_truth(retailer, threshold: float = 0.6) -> pd.DataFrame:
    flags = partial_defection_flags(retailer.transactions, threshold=threshold)
    truth = retailer.truth.customers.set_index("customer")["partial_from"].notna()
    return flags.assign(partial=truth.reindex(flags.index, fill_value=False).to_numpy())


def _precision_recall(f: pd.DataFrame) -> tuple[float, float]:
    hits = (f["flag"] & f["partial"]).sum()
    precision = hits / f["flag"].sum() if f["flag"].any() else 0.0
    recall = hits / f["partial"].sum() if f["partial"].any() else 0.0
    return float(precision), float(recall)


@shared
def _chosen_threshold(retailer) -> float:
    for t in THRESHOLDS:
        if _precision_recall(_flags_vs_truth(retailer, t))[1] >= 0.5:
            return t
    return THRESHOLDS[-1]


def partial_flag_precision(retailer) -> float:
    """defect.partial-precision: the precision of ``partial_defection_flags`` at the lowest
    threshold of 0.4, 0.5, …, 0.8 whose recall (among the customers it judges) is 0.5 or more.

    >>> partial_flag_precision(tiny_retailer())   # customer 3's basket fell from 82.5 to 32.5
    1.0
    """
    return _precision_recall(_flags_vs_truth(retailer, _chosen_threshold(retailer)))[0]


def mistake_partial_recall(retailer) -> float:
    """Wrong on purpose: the recall at the chosen threshold, not the precision.

    >>> mistake_partial_recall(tiny_retailer())
    1.0
    """
    return _precision_recall(_flags_vs_truth(retailer, _chosen_threshold(retailer)))[1]


def mistake_partial_default(retailer) -> float:
    """Wrong on purpose: the precision at the default threshold 0.6."""
    return _precision_recall(_flags_vs_truth(retailer, 0.6))[0]


def mistake_partial_count(retailer) -> float:
    """Wrong on purpose: the number of flagged customers, not a share.

    >>> mistake_partial_count(tiny_retailer())
    1.0
    """
    return float(_flags_vs_truth(retailer, _chosen_threshold(retailer))["flag"].sum())


# --------------------------------------------------------------------------- early warning
@shared
def _p_alive(retailer) -> pd.Series:
    """P(alive) of every customer, BG/NBD fitted to the weekly summary of all trips up to the
    last trip's day."""
    from casekit.clv import BetaGeoModel, summarize_transactions

    summary = summarize_transactions(retailer.transactions, date="timestamp")
    return BetaGeoModel().fit(summary).p_alive(summary)


@shared
def _p_alive_vs_truth(retailer) -> pd.DataFrame:
    p = _p_alive(retailer)
    alive = retailer.truth.customers.set_index("customer")["active_at_end"]
    return pd.DataFrame({"p_alive": p, "active": alive.reindex(p.index).to_numpy()})


def lost_share_low_p_alive(retailer) -> float:
    """defect.p-alive-lost: fit BG/NBD to all trips; among the customers with P(alive) below 0.5,
    the share (0–1) who had really dropped out (``truth.customers.active_at_end`` False).

    Needs a realistic retailer (the tiny one is too small to fit a model).
    """
    d = _p_alive_vs_truth(retailer)
    low = d[d["p_alive"] < P_ALIVE_CUT]
    return float((~low["active"].astype(bool)).mean())


def mistake_low_p_alive_active(retailer) -> float:
    """Wrong on purpose: the share still *active* among those with P(alive) below 0.5."""
    return 1 - lost_share_low_p_alive(retailer)


def mistake_lost_overall(retailer) -> float:
    """Wrong on purpose: the share of *all* customers who dropped out, ignoring P(alive)."""
    d = _p_alive_vs_truth(retailer)
    return float(np.mean(~d["active"].astype(bool)))


# --------------------------------------------------------------------------- the early-warning score
@shared
def _warning(retailer) -> pd.DataFrame:
    """``early_warning`` with P(alive), as the chapter and the problem set compute it, plus truth."""
    w = early_warning(retailer.transactions, p_alive=_p_alive(retailer))
    truth = retailer.truth.customers.set_index("customer").reindex(w.index)
    return w.assign(partial=truth["partial_from"].notna().to_numpy())


def _partial_aucs(w: pd.DataFrame) -> pd.Series:
    return pd.Series({c: warning_quality(w[c], w["partial"])["auc"] for c in (*INDICATORS, "score")})


@shared
def _recent_aucs(retailer) -> pd.Series:
    """The AUCs among customers still shopping in the last 13 weeks."""
    w = _warning(retailer)
    return _partial_aucs(w[w["recent_trips"] > 0])


def best_partial_auc(retailer) -> float:
    """defect.warning-partial: among customers still shopping in the last 13 weeks, the highest
    AUC of the four indicators' risk ranks against the true partial defectors.

    Needs a realistic retailer (BG/NBD is fitted to it).
    """
    return float(_recent_aucs(retailer)[list(INDICATORS)].max())


def mistake_partial_auc_score(retailer) -> float:
    """Wrong on purpose: the combined score's AUC, not the best indicator's."""
    return float(_recent_aucs(retailer)["score"])


def mistake_partial_auc_all_scored(retailer) -> float:
    """Wrong on purpose: the best indicator's AUC over every scored customer."""
    return float(_partial_aucs(_warning(retailer))[list(INDICATORS)].max())


def mistake_partial_auc_p_alive(retailer) -> float:
    """Wrong on purpose: P(alive)'s AUC, whichever indicator is best."""
    return float(_recent_aucs(retailer)["p_alive_risk"])
