"""Where does a rule hold? One association rule measured inside and outside a segment.

Chapter 4 finds that {diapers} ⇒ {beer} is strong only on young fathers' Thursday–Saturday
evening trips. The functions here mark the trips of such a segment (who shops, on which
days, at which hours), measure one rule in several groups of trips, and line mined rules
up against the rules the simulator planted:

- :func:`segment_trips`: one boolean per trip, for a segment defined by the customer's
  household and sex and the trip's weekday and hour;
- :func:`rule_by_context`: the rule over all trips, inside the segment, outside it, and on
  the same customers' other trips;
- :func:`rule_by_group`: the rule within each group of a customer column (household type),
  which shows when a pooled lift hides the opposite within every group (Simpson's paradox);
- :func:`compare_with_truth` and :func:`lift_ranking`: mined rules against the planted ones
  (``retailer.truth.associations``).

Confidence and lift are computed *within* each group of trips: lift compares the rule's
confidence with the consequent's share of that group's baskets (Brin et al., 1997).

>>> shop = tiny_shop()
>>> rule_by_context(shop, "diapers", "beer")[["trips", "both", "confidence", "lift"]].round(2)
                                    trips  both  confidence  lift
context
all trips                              10     3        0.60  1.20
young fathers, Thu–Sat 17:00–21:00      3     2        0.67  1.00
outside that segment                    7     1        0.50  1.17
young fathers at other times            1     1        1.00  1.00
"""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd

__all__ = ["compare_with_truth", "lift_ranking", "rule_by_context", "rule_by_group",
           "rule_metrics", "segment_trips", "tiny_shop"]

_DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def tiny_shop() -> SimpleNamespace:
    """Ten trips by three customers in January 2024, with the simulated retailer's columns.

    Customer 1 is a young father; trips 1–3 are his Thursday-evening trips.
    """
    customers = pd.DataFrame({
        "customer": [1, 2, 3],
        "household": pd.Categorical(["young family", "young family", "single"]),
        "sex": pd.Categorical(["M", "F", "M"]),
    })
    transactions = pd.DataFrame({
        "trip": range(1, 11),
        "customer": [1, 1, 1, 2, 2, 3, 3, 3, 1, 2],
        "timestamp": pd.to_datetime([
            "2024-01-04 18:00", "2024-01-11 19:30", "2024-01-18 20:15",   # Thursdays
            "2024-01-04 18:00", "2024-01-06 10:00", "2024-01-02 09:00",
            "2024-01-05 18:30", "2024-01-05 19:00", "2024-01-08 18:00",   # 8 Jan: Monday
            "2024-01-09 12:00"]),
        "store": pd.Categorical(["S01"] * 10),
        "total": [120.0, 115.0, 90.0, 40.0, 7.0, 25.0, 100.0, 25.0, 130.0, 18.0],
    })
    items = [["diapers", "beer"], ["diapers", "beer"], ["diapers"], ["beer", "milk"],
             ["milk"], ["milk", "cereal"], ["diapers", "milk"], ["beer"],
             ["diapers", "beer", "milk"], ["cereal"]]
    lines = pd.DataFrame([(trip, item) for trip, basket in enumerate(items, start=1)
                          for item in basket], columns=["trip", "item"])
    lines["quantity"] = 1
    return SimpleNamespace(customers=customers, transactions=transactions, lines=lines,
                           start=pd.Timestamp("2024-01-01"), end=pd.Timestamp("2024-02-01"))


def _customer_column(retailer, column: str) -> pd.Series:
    """``column`` of each trip's customer, aligned with ``retailer.transactions``."""
    customers = retailer.customers
    if column not in customers.columns:
        raise ValueError(f"{column!r} is not a column of the customers table; the columns "
                         f"are {', '.join(map(str, customers.columns))}")
    values = customers.set_index("customer")[column]
    return values.reindex(retailer.transactions["customer"]).reset_index(drop=True)


def _item(retailer, item, name) -> np.ndarray:
    """One boolean per trip of ``transactions``: does the basket hold ``item``?"""
    lines = retailer.lines
    if not isinstance(item, str):
        raise TypeError(f"{name} must be a product name such as 'diapers'; got {item!r}")
    if not (lines["item"] == item).any():
        shown = ", ".join(repr(x) for x in sorted(pd.unique(lines["item"].astype(str)))[:8])
        raise ValueError(f"{name} {item!r} is not sold by this retailer; items include {shown}")
    trips = lines.loc[lines["item"] == item, "trip"].unique()
    return np.isin(retailer.transactions["trip"].to_numpy(), trips)


def segment_trips(retailer, household: str | None = "young family", sex: str | None = "M",
                  days=(3, 4, 5), hours=(17, 21)) -> np.ndarray:
    """One boolean per trip of ``retailer.transactions``: is the trip in the segment?

    Parameters
    ----------
    household, sex : str or None
        The customer's ``household`` and ``sex`` (None: any).
    days : sequence of int or None
        Weekdays, Monday = 0 (pandas' numbering), so Thursday–Saturday is ``(3, 4, 5)``.
    hours : (int, int) or None
        The trip's start hour from ``hours[0]`` up to, **not including**, ``hours[1]``:
        ``(17, 21)`` is 17:00 to 20:59.

    >>> segment_trips(tiny_shop()).astype(int).tolist()
    [1, 1, 1, 0, 0, 0, 0, 0, 0, 0]
    >>> segment_trips(tiny_shop(), days=(7,))
    Traceback (most recent call last):
    ...
    ValueError: days must be weekdays from 0 (Monday) to 6 (Sunday); got (7,)
    """
    stamp = retailer.transactions["timestamp"].reset_index(drop=True)
    keep = pd.Series(True, index=stamp.index)
    if household is not None:
        keep &= (_customer_column(retailer, "household").astype(str) == household).to_numpy()
    if sex is not None:
        keep &= (_customer_column(retailer, "sex").astype(str) == sex).to_numpy()
    if days is not None:
        if not all(isinstance(d, (int, np.integer)) and 0 <= d <= 6 for d in days):
            raise ValueError(f"days must be weekdays from 0 (Monday) to 6 (Sunday); got {days!r}")
        keep &= stamp.dt.day_of_week.isin(list(days))
    if hours is not None:
        if len(hours) != 2 or not 0 <= hours[0] < hours[1] <= 24:
            raise ValueError(f"hours must be (first, end) with 0 <= first < end <= 24, the end "
                             f"hour not included; got {hours!r}")
        keep &= stamp.dt.hour.between(hours[0], hours[1] - 1)
    return keep.to_numpy(dtype=bool)


def rule_metrics(has_a: np.ndarray, has_c: np.ndarray) -> dict:
    """Counts and metrics of the rule a ⇒ c over the baskets marked by the two boolean arrays
    (one entry per basket: holds a? holds c?).

    >>> r = rule_metrics(np.array([1, 1, 0, 0], bool), np.array([1, 0, 1, 0], bool))
    >>> r["support"], r["confidence"], r["lift"]
    (0.25, 0.5, 1.0)
    """
    n, n_a, n_c = len(has_a), int(has_a.sum()), int(has_c.sum())
    n_ac = int((has_a & has_c).sum())
    confidence = n_ac / n_a if n_a else float("nan")
    share_c = n_c / n if n else float("nan")
    return {"trips": n, "antecedent trips": n_a, "both": n_ac,
            "support": n_ac / n if n else float("nan"), "confidence": confidence,
            "consequent share": share_c,
            "lift": confidence / share_c if n_a and n_c else float("nan")}


def _segment_label(household, sex, days, hours) -> tuple[str, str]:
    who = "young fathers" if (household, sex) == ("young family", "M") else \
        " ".join(x for x in (household, {"M": "men", "F": "women"}.get(sex, sex)) if x) or "customers"
    when = []
    if days is not None:
        days = sorted(days)
        consecutive = days == list(range(days[0], days[-1] + 1))
        when.append(f"{_DAY_NAMES[days[0]]}–{_DAY_NAMES[days[-1]]}" if consecutive and len(days) > 1
                    else "/".join(_DAY_NAMES[d] for d in days))
    if hours is not None:
        when.append(f"{hours[0]:02d}:00–{hours[1]:02d}:00")
    return (f"{who}, {' '.join(when)}" if when else who), who


def rule_by_context(retailer, antecedent: str = "diapers", consequent: str = "beer",
                    household: str | None = "young family", sex: str | None = "M",
                    days=(3, 4, 5), hours=(17, 21)) -> pd.DataFrame:
    """One rule measured in four groups of trips: all trips, the segment
    (:func:`segment_trips`), outside it, and the segment's customers at other times.

    Returns one row per group with ``trips``, ``antecedent trips``, ``both``, ``support``,
    ``confidence``, ``consequent share`` and ``lift``, indexed by ``context``.
    """
    has_a = _item(retailer, antecedent, "antecedent")
    has_c = _item(retailer, consequent, "consequent")
    segment = segment_trips(retailer, household, sex, days, hours)
    people = segment_trips(retailer, household, sex, None, None)
    name, who = _segment_label(household, sex, days, hours)
    groups = {"all trips": np.ones(len(segment), dtype=bool), name: segment,
              "outside that segment": ~segment, f"{who} at other times": people & ~segment}
    out = pd.DataFrame.from_dict({g: rule_metrics(has_a[m], has_c[m]) for g, m in groups.items()},
                                 orient="index")
    out.index.name = "context"
    return out


def rule_by_group(retailer, antecedent: str, consequent: str, by: str = "household",
                  where=None) -> pd.DataFrame:
    """One rule measured within each group of a customer column (default the household
    type), on the trips marked by ``where`` (one boolean per trip; default all).

    A rule's lift over pooled trips can fall below 1 while it is above 1 within every group,
    when the antecedent is bought by one group and the consequent by another (Simpson's
    paradox): compare the ``all`` row with the others.

    >>> rule_by_group(tiny_shop(), "diapers", "beer")[["trips", "both", "lift"]].round(2)
                  trips  both  lift
    household
    single            3     0  0.00
    young family      7     3  1.31
    all              10     3  1.20
    """
    has_a = _item(retailer, antecedent, "antecedent")
    has_c = _item(retailer, consequent, "consequent")
    group = _customer_column(retailer, by).astype(str).to_numpy()
    keep = np.ones(len(group), dtype=bool) if where is None else np.asarray(where, dtype=bool)
    if keep.shape != group.shape:
        raise ValueError(f"where must hold one boolean per trip ({len(group)}); "
                         f"got {keep.shape[0] if keep.ndim else 'a scalar'}")
    rows = {g: rule_metrics(has_a[keep & (group == g)], has_c[keep & (group == g)])
            for g in sorted(set(group[keep]))}
    rows["all"] = rule_metrics(has_a[keep], has_c[keep])
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = by
    return out


def compare_with_truth(rules: pd.DataFrame, associations: pd.DataFrame) -> pd.DataFrame:
    """The planted rules next to what the miner found for them.

    ``rules`` comes from :func:`casekit.baskets.association_rules` (single-item rules);
    ``associations`` is ``retailer.truth.associations``. Each planted rule gets its mined
    support, confidence and lift, and its **rank** by lift among all mined rules (1 = the
    highest; a rule and its reverse share a lift, so ranks go in steps of two). A planted
    rule the miner did not report (below its thresholds) has missing metrics.
    """
    from casekit.baskets import Itemset

    key = {(a, c): i for i, (a, c) in enumerate(zip(rules["antecedent"], rules["consequent"]))}
    rank = rules["lift"].rank(ascending=False, method="min").to_numpy()
    out = []
    for row in associations.itertuples(index=False):
        pos = key.get((Itemset([row.antecedent]), Itemset([row.consequent])))
        found = rules.iloc[pos] if pos is not None else None
        out.append({
            "rule": f"{row.antecedent} => {row.consequent}",
            "applies to": row.applies_to,
            "planted probability": row.probability,
            "support": np.nan if found is None else found["support"],
            "confidence": np.nan if found is None else found["confidence"],
            "lift": np.nan if found is None else found["lift"],
            "lift rank": pd.NA if found is None else int(rank[pos]),
        })
    table = pd.DataFrame(out).set_index("rule")
    table["lift rank"] = table["lift rank"].astype("Int64")
    return table


def lift_ranking(rules: pd.DataFrame, associations: pd.DataFrame) -> pd.DataFrame:
    """Pairs of items ranked by lift, one row per pair, marked when the pair was planted.

    ``rules`` comes from :func:`casekit.baskets.association_rules` with ``max_len=2`` (a
    pair appears there twice, A ⇒ C and C ⇒ A, with the same lift and support);
    ``associations`` is ``retailer.truth.associations``.

    >>> from casekit.baskets import read_baskets, association_rules
    >>> rules = association_rules(read_baskets(tiny_shop().lines, basket="trip"),
    ...                           min_support=0.1, min_confidence=0.1, max_len=2)
    >>> planted = pd.DataFrame({"antecedent": ["cereal"], "consequent": ["milk"]})
    >>> lift_ranking(rules, planted).round(2)
                 pair  support  lift  planted
    0  beer & diapers      0.3   1.2    False
    1   cereal & milk      0.1   1.0     True
    2     beer & milk      0.2   0.8    False
    3  diapers & milk      0.2   0.8    False
    """
    planted_ways = set(zip(associations["antecedent"], associations["consequent"]))
    planted = {frozenset(way) for way in planted_ways}
    seen, rows = set(), []
    for a, c, support, lift in zip(rules["antecedent"], rules["consequent"], rules["support"],
                                   rules["lift"]):
        if len(a) != 1 or len(c) != 1:
            continue
        (x,), (y,) = a, c
        key = frozenset((x, y))
        if key in seen:
            continue
        seen.add(key)
        first, second = (y, x) if (y, x) in planted_ways else (x, y)
        rows.append({"pair": f"{first} & {second}", "support": float(support),
                     "lift": float(lift), "planted": key in planted})
    out = pd.DataFrame(rows, columns=["pair", "support", "lift", "planted"])
    return out.sort_values(["lift", "pair"], ascending=[False, True], kind="stable") \
        .reset_index(drop=True)
