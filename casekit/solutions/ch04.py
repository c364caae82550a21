"""Reference solutions for chapter 4's computed exercises, in the bank
``casekit/exercises/banks/04-walmart-data-mining.toml``.

Each public function takes a simulated retailer (``casekit.data.simulate_retailer`` or
``casekit.exercises.my_retailer()``) and returns the answer to one exercise, using plain
pandas on its ``lines``, ``transactions`` and ``customers`` tables (and
:mod:`casekit.baskets` / :mod:`casekit.replenish` where the chapter uses them). Functions
whose names start with ``mistake_`` compute a *typical wrong* answer, so the checker can
recognise it and say what went wrong.

:func:`young_father_evening` marks the trips of the folklore segment independently of
:func:`casekit.segments.segment_trips`, which the chapter uses (a test holds them equal).

The examples run on a tiny retailer of ten trips:

>>> shop = tiny_retailer()
>>> shop.lines.groupby("trip")["item"].apply(", ".join).tolist()
['diapers, beer', 'diapers, beer', 'diapers', 'beer, milk', 'milk', 'milk, cereal', 'diapers, milk', 'beer', 'diapers, beer, milk', 'cereal']
"""
from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pandas as pd

from casekit.segments import rule_metrics
from casekit.solutions import shared
from casekit.segments import tiny_shop as tiny_retailer   # ten trips, for the examples

__all__ = [
    "diaper_stockout_days", "diapers_beer_confidence", "diapers_beer_lift",
    "diapers_beer_support", "frequent_pairs", "planted_rules", "segment_confidence",
    "stock_policy", "tiny_retailer", "young_father_evening",
]

#: The segment of the folklore: young fathers on Thursday–Saturday evenings.
SEGMENT_DAYS = (3, 4, 5)          # Monday = 0, so Thursday, Friday, Saturday
SEGMENT_HOURS = (17, 21)          # from 17:00 up to (not including) 21:00
#: basket.frequent-pairs: the minimum support of a frequent pair.
PAIR_SUPPORT = 0.05
#: basket.planted-rules: the rules of the table, as (antecedent, consequent).
PLANTED_TABLE = (("pasta", "pasta sauce"), ("tortilla chips", "salsa"), ("cereal", "milk"),
                 ("tea", "biscuits"))
PLANTED_COLUMNS = ["support", "confidence", "lift"]
#: basket.stockout-days: a reorder-point policy without safety stock on daily diaper sales:
#: reorder point = demand over the lead time, order quantity = COVER_DAYS of demand.
STOCK_ITEM, STOCK_YEAR, LEAD_TIME_DAYS, COVER_DAYS = "diapers", 2024, 7, 14


# --------------------------------------------------------------------------- helpers
@shared
def _has(retailer, item: str) -> np.ndarray:
    """One boolean per trip of ``transactions`` (in its order): does the basket hold ``item``?"""
    lines = retailer.lines
    with_item = lines.loc[lines["item"] == item, "trip"].unique()
    return np.isin(retailer.transactions["trip"].to_numpy(), with_item)


@shared
def _trip_clock(retailer) -> tuple[np.ndarray, np.ndarray]:
    """The day of the week (Monday = 0) and the hour each trip of ``transactions`` started."""
    stamp = retailer.transactions["timestamp"].dt
    return stamp.day_of_week.to_numpy(), stamp.hour.to_numpy()


def young_father_evening(retailer, days=SEGMENT_DAYS, hours=SEGMENT_HOURS) -> np.ndarray:
    """One boolean per trip of ``transactions``: a young father's Thu–Sat evening trip?

    A young father is a customer with ``household == "young family"`` and ``sex == "M"``;
    the evening runs from 17:00 to 20:59 (the folklore's "after work"), on the days of
    the week in ``days`` (Monday = 0; default Thursday, Friday and Saturday).

    >>> young_father_evening(tiny_retailer()).astype(int).tolist()
    [1, 1, 1, 0, 0, 0, 0, 0, 0, 0]
    """
    day, hour = _trip_clock(retailer)
    return _young_fathers(retailer) & np.isin(day, days) & (hour >= hours[0]) & (hour < hours[1])


@shared
def _young_fathers(retailer) -> np.ndarray:
    t = retailer.transactions
    c = retailer.customers.set_index("customer")
    father = (c["household"] == "young family") & (c["sex"] == "M")
    return father.reindex(t["customer"]).to_numpy(dtype=bool)


# --------------------------------------------------------------------------- beer & diapers
def diapers_beer_support(retailer) -> float:
    """basket.diapers-beer-support: the share (0–1) of trips whose basket holds both
    diapers and beer.

    >>> diapers_beer_support(tiny_retailer())    # trips 1, 2 and 9 of 10
    0.3
    """
    return float((_has(retailer, "diapers") & _has(retailer, "beer")).mean())


def mistake_support_count(retailer) -> int:
    """Wrong on purpose: the *number* of trips with both, not their share.

    >>> mistake_support_count(tiny_retailer())
    3
    """
    return int((_has(retailer, "diapers") & _has(retailer, "beer")).sum())


def diapers_beer_confidence(retailer) -> float:
    """basket.diapers-beer-confidence: confidence of {diapers} => {beer}, the share of the
    trips with diapers that also hold beer.

    >>> diapers_beer_confidence(tiny_retailer())  # 3 of the 5 diaper trips
    0.6
    """
    return rule_metrics(_has(retailer, "diapers"), _has(retailer, "beer"))["confidence"]


def mistake_confidence_reversed(retailer) -> float:
    """Wrong on purpose: confidence of {beer} => {diapers} (the share of beer trips with
    diapers): the rule read in the wrong direction.

    >>> mistake_confidence_reversed(tiny_retailer())  # 3 of the 5 beer trips ...
    0.6
    >>> shop = tiny_retailer()                       # ... which differs once beer is commoner
    >>> shop.lines.loc[shop.lines.item == "cereal", "item"] = "beer"
    >>> round(mistake_confidence_reversed(shop), 3)
    0.429
    """
    return rule_metrics(_has(retailer, "beer"), _has(retailer, "diapers"))["confidence"]


def diapers_beer_lift(retailer) -> float:
    """basket.diapers-beer-lift: lift of {diapers} => {beer}: its confidence divided by the
    share of all trips that hold beer.

    >>> round(diapers_beer_lift(tiny_retailer()), 6)   # 0.6 / 0.5
    1.2
    """
    return rule_metrics(_has(retailer, "diapers"), _has(retailer, "beer"))["lift"]


def mistake_lift_is_confidence(retailer) -> float:
    """Wrong on purpose: the rule's confidence reported as its lift."""
    return diapers_beer_confidence(retailer)


def mistake_lift_over_diapers(retailer) -> float:
    """Wrong on purpose: confidence divided by the share of trips with *diapers* (the
    antecedent) instead of beer.

    >>> round(mistake_lift_over_diapers(tiny_retailer()), 6)   # 0.6 / 0.5
    1.2
    """
    r = rule_metrics(_has(retailer, "diapers"), _has(retailer, "beer"))
    return float(r["confidence"] / _has(retailer, "diapers").mean())


def segment_confidence(retailer) -> float:
    """basket.segment-confidence: confidence of {diapers} => {beer} on young fathers'
    trips on Thursday, Friday and Saturday between 17:00 and 20:59.

    >>> round(segment_confidence(tiny_retailer()), 4)   # trips 1, 2 of 1, 2, 3
    0.6667
    """
    m = young_father_evening(retailer)
    return rule_metrics(_has(retailer, "diapers")[m], _has(retailer, "beer")[m])["confidence"]


def mistake_segment_any_time(retailer) -> float:
    """Wrong on purpose: all of the young fathers' trips, whatever the day and hour.

    >>> mistake_segment_any_time(tiny_retailer())   # trips 1, 2, 9 of 1, 2, 3, 9
    0.75
    """
    m = _young_fathers(retailer)
    return rule_metrics(_has(retailer, "diapers")[m], _has(retailer, "beer")[m])["confidence"]


def mistake_segment_friday_to_sunday(retailer) -> float:
    """Wrong on purpose: days 4–6 taken as Thursday–Saturday (pandas counts Monday as 0,
    so 4–6 are Friday to Sunday)."""
    m = young_father_evening(retailer, days=(4, 5, 6))
    return rule_metrics(_has(retailer, "diapers")[m], _has(retailer, "beer")[m])["confidence"]


def mistake_segment_hours_inclusive(retailer) -> float:
    """Wrong on purpose: trips starting from 17:00 to 21:59 (``hour.between(17, 21)``
    includes the hour 21), one hour more than 17:00–20:59.

    >>> shop = tiny_retailer()
    >>> shop.transactions.loc[2, "timestamp"] = pd.Timestamp("2024-01-18 21:15")
    >>> segment_confidence(shop), round(mistake_segment_hours_inclusive(shop), 4)
    (1.0, 0.6667)
    """
    m = young_father_evening(retailer, hours=(SEGMENT_HOURS[0], SEGMENT_HOURS[1] + 1))
    return rule_metrics(_has(retailer, "diapers")[m], _has(retailer, "beer")[m])["confidence"]


# --------------------------------------------------------------------------- mining
@shared
def _itemset_lengths(retailer) -> np.ndarray:
    """The length of every itemset bought in at least PAIR_SUPPORT of the trips."""
    from casekit.baskets import frequent_itemsets, read_baskets

    baskets = read_baskets(retailer.lines, basket="trip", item="item")
    return frequent_itemsets(baskets, PAIR_SUPPORT)["length"].to_numpy()


def frequent_pairs(retailer) -> int:
    """basket.frequent-pairs: how many pairs of items are bought together in at least 5%
    of the trips.

    >>> frequent_pairs(tiny_retailer())   # 5% of 10 trips rounds up to 1: every pair seen
    4
    """
    return int((_itemset_lengths(retailer) == 2).sum())


def mistake_pairs_as_rules(retailer) -> int:
    """Wrong on purpose: rules counted instead of pairs (each pair gives two rules)."""
    return 2 * frequent_pairs(retailer)


def mistake_pairs_all_sizes(retailer) -> int:
    """Wrong on purpose: every frequent itemset (single items and triples too).

    >>> mistake_pairs_all_sizes(tiny_retailer())   # 4 items, 4 pairs, 1 triple
    9
    """
    return len(_itemset_lengths(retailer))


def planted_rules(retailer) -> pd.DataFrame:
    """basket.planted-rules: support, confidence and lift of four planted rules.

    One row per rule of :data:`PLANTED_TABLE`, labelled as :func:`casekit.baskets.rule_table`
    writes it (``"{pasta} => {pasta sauce}"``); all three metrics over all trips.

    >>> planted_rules(tiny_retailer()).loc[["{cereal} => {milk}"]].round(3)
                        support  confidence  lift
    rule
    {cereal} => {milk}      0.1         0.5   1.0
    """
    rows = {}
    for a, c in PLANTED_TABLE:
        r = rule_metrics(_has(retailer, a), _has(retailer, c))
        rows[f"{{{a}}} => {{{c}}}"] = [r[k] for k in PLANTED_COLUMNS]
    out = pd.DataFrame.from_dict(rows, orient="index", columns=PLANTED_COLUMNS)
    out.index.name = "rule"
    return out


# --------------------------------------------------------------------------- replenishment
@shared
def _stock_demand(retailer, count_trips=False) -> pd.Series:
    from casekit.replenish import daily_demand

    start, end = f"{STOCK_YEAR}-01-01", f"{STOCK_YEAR}-12-31"
    if count_trips:
        lines = retailer.lines.assign(quantity=1)
        retailer = SimpleNamespace(lines=lines, transactions=retailer.transactions,
                                   start=retailer.start, end=retailer.end)
    return daily_demand(retailer, STOCK_ITEM, start=start, end=end)


def stock_policy(demand: pd.Series, rounding=math.ceil) -> dict:
    """The exercise's policy for this demand: reorder point = mean daily demand × the
    7-day lead time, order quantity = 14 days of demand (both rounded up to whole units),
    and a full order on the shelf on the first day.

    >>> stock_policy(pd.Series([4, 5, 6]))
    {'reorder_point': 35, 'order_quantity': 70, 'lead_time_days': 7, 'initial_stock': 70}
    """
    mean = float(demand.mean())
    q = int(rounding(round(COVER_DAYS * mean, 9)))
    return {"reorder_point": int(rounding(round(LEAD_TIME_DAYS * mean, 9))), "order_quantity": q,
            "lead_time_days": LEAD_TIME_DAYS, "initial_stock": q}


def _stockouts(demand, column="stockout", rounding=math.ceil) -> int:
    from casekit.replenish import reorder_point_simulation

    sim = reorder_point_simulation(demand, **stock_policy(demand, rounding))
    return int(sim[column].sum())


def diaper_stockout_days(retailer) -> int:
    """basket.stockout-days: days of 2024 on which diapers ran out under a reorder-point
    policy without safety stock.

    Demand is the units (``quantity``) of diapers sold by the whole chain on each day of
    2024, days without a sale counting as 0; the policy is :func:`stock_policy` of it
    (reorder point = 7 days of mean demand, order quantity = 14 days, lead time 7 days).

    >>> diaper_stockout_days(tiny_retailer())   # 5 diapers in 2024: s = 1, Q = 1; 5 Jan
    1
    """
    return _stockouts(_stock_demand(retailer))


def mistake_stockout_lost_units(retailer) -> int:
    """Wrong on purpose: the units of demand lost, not the days with a stockout."""
    return _stockouts(_stock_demand(retailer), column="lost")


def mistake_stockout_sale_days_only(retailer) -> int:
    """Wrong on purpose: only the days with a sale simulated (days without one dropped,
    so time runs faster than the lead time assumes)."""
    demand = _stock_demand(retailer)
    return _stockouts(demand[demand > 0])


def mistake_stockout_rounded(retailer) -> int:
    """Wrong on purpose: reorder point and order quantity rounded to the nearest unit
    instead of **up** (a reorder point rounded down covers less than the lead-time demand).

    >>> stock_policy(pd.Series([4, 5, 6, 4]), rounding=round)["reorder_point"]   # 7 × 4.75
    33
    """
    return _stockouts(_stock_demand(retailer), rounding=round)


def mistake_stockout_trips(retailer) -> int:
    """Wrong on purpose: demand counted as trips (basket lines), not units."""
    return _stockouts(_stock_demand(retailer, count_trips=True))
