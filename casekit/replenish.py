"""Automatic replenishment: a reorder-point policy simulated day by day.

Chapter 4 (Walmart) tells how point-of-sale data let a store order from its supplier
automatically when stock runs low (RFID's part is keeping the stock records true). The simplest such rule is
the **reorder point** (s, Q) policy: at the close of every day, if the *inventory
position* (stock on the shelf plus units already ordered) is at or below the reorder
point ``s``, order ``Q`` more units; they arrive ``lead_time_days`` later.

:func:`reorder_point_simulation` plays the policy against a series of daily demand
and returns what happened each day, so a notebook can show stockouts, stock levels
and the effect of a shorter lead time (what faster data sharing buys).

>>> from casekit.replenish import reorder_point_simulation
>>> sim = reorder_point_simulation([3, 4, 5, 2, 6], reorder_point=5, order_quantity=8,
...                                lead_time_days=2, initial_stock=10)
>>> sim
   day  demand  received  sold  lost  stock  ordered  on_order  stockout
0    0       3         0     3     0      7        0         0     False
1    1       4         0     4     0      3        8         8     False
2    2       5         0     3     2      0        0         8      True
3    3       2         8     2     0      6        0         0     False
4    4       6         0     6     0      0        8         8     False

Three helpers go with it: :func:`daily_demand` reads an item's daily sales from a
simulated retailer (the point-of-sale data a replenishment system works from),
:func:`suggest_reorder_point` sets ``s`` to cover demand over the lead time plus a safety
margin, and :func:`simulation_summary` condenses a simulation into the numbers a buyer
watches (stockout days, fill rate, average stock). :func:`phantom_stock_simulation` runs the
same policy from a stock *record* that drifts above the shelf (unrecorded losses), to show
what accurate records, RFID's real contribution, are worth.

The standard reference for (s, Q) policies is Silver, Pyke and Thomas (2017),
*Inventory and Production Management in Supply Chains*, 4th ed., chapter 6.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from casekit.checks import check_frame, check_real, check_whole

__all__ = ["daily_demand", "phantom_stock_simulation", "reorder_point_simulation",
           "simulation_summary", "suggest_reorder_point"]


def reorder_point_simulation(daily_demand, reorder_point, order_quantity, lead_time_days,
                             initial_stock) -> pd.DataFrame:
    """Simulate a reorder-point (s, Q) policy against daily demand, one row per day.

    Each day, in this order: (1) orders due today arrive before opening;
    (2) customers ask for ``demand`` units and buy what is on the shelf (the rest is a
    lost sale: no backorders); (3) at closing, if stock plus units on order is at or
    below ``reorder_point``, one order of ``order_quantity`` units is placed, arriving
    at the start of day ``day + lead_time_days``.

    Parameters
    ----------
    daily_demand : sequence of whole numbers >= 0
        Units customers want each day (a list, array or Series; its order is the days').
    reorder_point : int >= 0
        ``s``: order when the inventory position falls to this level or below (units).
    order_quantity : int >= 1
        ``Q``: units per order.
    lead_time_days : int >= 1
        Days from placing an order to having it on the shelf (1 = overnight).
    initial_stock : int >= 0
        Units on the shelf before day 0 opens.

    Returns
    -------
    pandas.DataFrame
        ``day`` (0, 1, …), ``demand``, ``received`` (units arriving that morning),
        ``sold``, ``lost`` (demand not met), ``stock`` (on the shelf at closing),
        ``ordered`` (units ordered at closing), ``on_order`` (ordered, not yet
        received, at closing) and ``stockout`` (True when some demand was lost).
        Units are conserved: ``initial_stock + received.sum() == sold.sum() +
        stock.iloc[-1]``, and ``stock`` is never negative.

    Examples
    --------
    Overnight delivery (lead time 1) with the same demand never runs out:

    >>> sim = reorder_point_simulation([3, 4, 5, 2, 6], 5, 8, 1, 10)
    >>> int(sim.lost.sum()), sim.stock.tolist()
    (0, [7, 3, 6, 4, 6])
    >>> reorder_point_simulation([1, -2], 5, 8, 1, 10)
    Traceback (most recent call last):
    ...
    ValueError: daily_demand must hold whole numbers ≥ 0; day 1 is -2
    """
    s = check_whole("reorder_point", reorder_point, 0)
    q = check_whole("order_quantity", order_quantity, 1)
    lead = check_whole("lead_time_days", lead_time_days, 1)
    stock = check_whole("initial_stock", initial_stock, 0)
    if isinstance(daily_demand, (str, bytes)) or not hasattr(daily_demand, "__len__"):
        raise TypeError("daily_demand must be a sequence of whole numbers (a list, array or "
                        f"Series); got {type(daily_demand).__name__}")
    demand = np.asarray(daily_demand, dtype=float).ravel() if len(daily_demand) else np.array([])
    bad = ~np.isfinite(demand) | (demand < 0) | (demand != np.floor(demand))
    if bad.any():
        day = int(np.argmax(bad))
        d = float(demand[day])
        shown = int(d) if np.isfinite(d) and d.is_integer() else d
        raise ValueError(f"daily_demand must hold whole numbers ≥ 0; day {day} is {shown}")
    demand = demand.astype(np.int64)
    n = len(demand)
    arrivals = [0] * (n + lead)
    rows = []
    on_order = 0
    for t, want in enumerate(demand.tolist()):
        got = arrivals[t]
        stock += got
        on_order -= got
        sold = min(stock, want)
        stock -= sold
        ordered = q if stock + on_order <= s else 0
        arrivals[t + lead] += ordered
        on_order += ordered
        rows.append((got, sold, want - sold, stock, ordered, on_order))
    table = np.array(rows, dtype=np.int64).reshape(n, 6).T
    cols = dict(zip(("received", "sold", "lost", "stock", "ordered", "on_order"), table))
    out = pd.DataFrame({"day": np.arange(n, dtype=np.int64), "demand": demand, **cols})
    out["stockout"] = out["lost"] > 0
    return out


def daily_demand(retailer, item: str, start=None, end=None, store: str | None = None) -> pd.Series:
    """Units of ``item`` sold on each calendar day, days without a sale counting as 0.

    Parameters
    ----------
    retailer : Retailer
        A simulated retailer (``casekit.data.simulate_retailer`` or ``my_retailer()``):
        its ``lines`` give the quantities, its ``transactions`` the dates and stores.
    item : str
        A product of the catalogue, e.g. ``"diapers"``.
    start, end : date-like, optional
        First and last day (both included); default the whole period of the data.
    store : str, optional
        One store (e.g. ``"S01"``); default the whole chain.

    Returns
    -------
    pandas.Series
        Integer units per day, named ``units``, indexed by ``date`` (every day from
        ``start`` to ``end``).

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> shop = SimpleNamespace(
    ...     start=pd.Timestamp("2024-01-01"), end=pd.Timestamp("2024-01-04"),
    ...     transactions=pd.DataFrame({"trip": [1, 2, 3], "store": ["S01", "S02", "S01"],
    ...         "timestamp": pd.to_datetime(["2024-01-01 09:00", "2024-01-01 18:00",
    ...                                      "2024-01-03 10:00"])}),
    ...     lines=pd.DataFrame({"trip": [1, 2, 2, 3], "item": ["milk", "milk", "tea", "milk"],
    ...                         "quantity": [2, 1, 1, 4]}))
    >>> daily_demand(shop, "milk").tolist()          # 1, 2 and 3 January
    [3, 0, 4]
    >>> daily_demand(shop, "milk", store="S02").tolist()
    [1, 0, 0]
    >>> daily_demand(shop, "caviar")
    Traceback (most recent call last):
    ...
    ValueError: item 'caviar' is not sold by this retailer; items include 'milk', 'tea'
    """
    lines, trips = retailer.lines, retailer.transactions
    if not isinstance(item, str):
        raise TypeError(f"item must be a product name such as 'diapers'; got {item!r}")
    sold = lines.loc[lines["item"] == item, ["trip", "quantity"]]
    if sold.empty:
        shown = ", ".join(repr(x) for x in sorted(pd.unique(lines["item"].astype(str)))[:8])
        raise ValueError(f"item {item!r} is not sold by this retailer; items include {shown}")
    first = retailer.start if start is None else _day(start, "start")
    last = retailer.end - pd.Timedelta(days=1) if end is None else _day(end, "end")
    if last < first:
        raise ValueError(f"end ({last:%Y-%m-%d}) is before start ({first:%Y-%m-%d})")
    when = trips.set_index("trip")
    day = when["timestamp"].reindex(sold["trip"]).dt.normalize().to_numpy()
    keep = np.ones(len(sold), dtype=bool)
    if store is not None:
        stores = set(trips["store"].astype(str))
        if store not in stores:
            raise ValueError(f"store {store!r} does not exist; the stores are "
                             f"{', '.join(sorted(stores))}")
        keep = (when["store"].astype(str).reindex(sold["trip"]) == store).to_numpy()
    units = pd.Series(sold["quantity"].to_numpy(dtype=np.int64)[keep], index=day[keep])
    days = pd.date_range(first, last, freq="D", name="date")
    out = units.groupby(level=0).sum().reindex(days, fill_value=0).astype(np.int64)
    out.name = "units"
    return out


def _day(value, name) -> pd.Timestamp:
    try:
        return pd.Timestamp(value).normalize()
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a date such as '2024-01-01'; got {value!r}") from None


def suggest_reorder_point(daily_demand, lead_time_days, z: float = 1.65) -> int:
    """A reorder point that covers demand over the lead time with a safety margin.

    ``s = ceil(L × mean + z × sd × √L)``, where mean and sd are those of daily demand and
    L is the lead time in days: the expected demand while an order is on its way, plus
    ``z`` standard deviations of it (days assumed independent). ``z = 1.65`` runs out in
    about 5% of replenishment cycles; Silver, Pyke and Thomas (2017), section 6.7.

    >>> suggest_reorder_point([4, 6, 5, 5], lead_time_days=4, z=0)   # 4 days × 5 units
    20
    >>> suggest_reorder_point([4, 6, 5, 5], lead_time_days=4)        # + 1.65 × 0.82 × 2
    23
    """
    lead = check_whole("lead_time_days", lead_time_days, 1)
    check_real("z", z, 0, 5, what="a number of standard deviations")
    d = np.asarray(daily_demand, dtype=float).ravel()
    if d.size < 2 or not np.isfinite(d).all():
        raise ValueError("daily_demand must hold at least two days of finite numbers")
    value = lead * d.mean() + z * d.std(ddof=1) * math.sqrt(lead)
    return int(math.ceil(round(value, 9)))


def simulation_summary(sim: pd.DataFrame) -> pd.Series:
    """The numbers a buyer watches, from a :func:`reorder_point_simulation` result.

    ``days``, ``stockout days`` (some demand lost), ``lost units``, ``fill rate`` (share
    of demand served from the shelf), ``average stock`` (units at closing) and
    ``orders`` (placed).

    >>> sim = reorder_point_simulation([3, 4, 5, 2, 6], 5, 8, 2, 10)
    >>> simulation_summary(sim)
    days              5.0
    stockout days     1.0
    lost units        2.0
    fill rate         0.9
    average stock     3.2
    orders            2.0
    dtype: float64
    """
    check_frame(sim, "sim", "demand", "sold", "lost", "stock", "ordered", "stockout",
                made_by="reorder_point_simulation")
    demand = float(sim["demand"].sum())
    return pd.Series({
        "days": float(len(sim)),
        "stockout days": float(sim["stockout"].sum()),
        "lost units": float(sim["lost"].sum()),
        "fill rate": float(sim["sold"].sum()) / demand if demand else 1.0,
        "average stock": float(sim["stock"].mean()) if len(sim) else 0.0,
        "orders": float((sim["ordered"] > 0).sum()),
    })


def phantom_stock_simulation(daily_demand, reorder_point, order_quantity, lead_time_days,
                             initial_stock, shrink_per_day, count_every_days=None,
                             seed=0) -> pd.DataFrame:
    """An (s, Q) policy that orders from the stock **record** while goods also leave the shelf
    unrecorded (theft, damage, misplacement), so the record drifts above the shelf.

    Each day, in this order: (1) orders due today arrive, on the shelf and in the record;
    (2) customers buy what is on the shelf, and the sales come off both; (3) a
    Poisson(``shrink_per_day``) number of units (at most what is left) vanishes from the
    shelf but not from the record; (4) on a count day the record is set to the shelf: every
    ``count_every_days`` days (``1`` = a true record every day, what item-level tracking such
    as RFID aims at; ``None`` = never); (5) at closing, one order of ``order_quantity`` is
    placed if the *record* plus units on order is at or below ``reorder_point``.

    When the shelf is empty but the record still shows stock, the rule never fires: a
    **phantom stockout**, which lasts until a count corrects the record (DeHoratius and
    Raman, 2008, *Management Science* 54(4): 65% of a retailer's inventory records were
    wrong; Kang and Gershwin, 2005, *IIE Transactions* 37(9), on the freeze it causes).

    Parameters are those of :func:`reorder_point_simulation`, plus ``shrink_per_day`` (mean
    units lost unrecorded a day, ≥ 0), ``count_every_days`` (whole number ≥ 1, or None) and
    ``seed`` (for the losses). Returns its columns plus ``record`` (units the system believes
    are on the shelf, at closing), ``shrink`` (units lost unrecorded that day) and
    ``phantom`` (True on a stockout day when the record at opening showed enough stock).

    >>> sim = phantom_stock_simulation([2] * 8, 3, 6, 2, 6, shrink_per_day=0)
    >>> sim.equals(reorder_point_simulation([2] * 8, 3, 6, 2, 6).assign(
    ...     record=sim.stock, shrink=0, phantom=False))       # no shrink: the plain policy
    True
    >>> frozen = phantom_stock_simulation([1] * 6, 1, 4, 1, 4, shrink_per_day=1, seed=1)
    >>> frozen[["stock", "record", "ordered", "stockout", "phantom"]]
       stock  record  ordered  stockout  phantom
    0      1       3        0     False    False
    1      0       2        0     False    False
    2      0       2        0      True     True
    3      0       2        0      True     True
    4      0       2        0      True     True
    5      0       2        0      True     True
    >>> int(phantom_stock_simulation([1] * 6, 1, 4, 1, 4, 1, count_every_days=1, seed=1)
    ...     ["stockout"].sum())                                  # a true record every day
    0
    """
    s = check_whole("reorder_point", reorder_point, 0)
    q = check_whole("order_quantity", order_quantity, 1)
    lead = check_whole("lead_time_days", lead_time_days, 1)
    shelf = check_whole("initial_stock", initial_stock, 0)
    shrink_rate = check_real("shrink_per_day", shrink_per_day, 0, 1000,
                             what="the mean units lost unrecorded a day")
    every = None if count_every_days is None else check_whole("count_every_days",
                                                              count_every_days, 1)
    demand = reorder_point_simulation(daily_demand, 0, 1, 1, 0)["demand"].to_numpy()  # checked
    rng = np.random.default_rng(seed)
    n = len(demand)
    arrivals = np.zeros(n + lead + 1, dtype=np.int64)
    names = ("received", "sold", "lost", "stock", "ordered", "on_order", "record", "shrink")
    cols = {k: np.zeros(n, dtype=np.int64) for k in names}
    phantom = np.zeros(n, dtype=bool)
    record, on_order = shelf, 0
    for t in range(n):
        got = int(arrivals[t])
        shelf, record, on_order = shelf + got, record + got, on_order - got
        want = int(demand[t])
        sold = min(shelf, want)
        phantom[t] = sold < want and record >= want
        shelf, record = shelf - sold, record - sold
        gone = min(shelf, int(rng.poisson(shrink_rate)))
        shelf -= gone
        if every is not None and (t + 1) % every == 0:
            record = shelf
        ordered = 0
        if record + on_order <= s:
            ordered, on_order = q, on_order + q
            arrivals[t + lead] += q
        for key, val in zip(names, (got, sold, want - sold, shelf, ordered, on_order, record,
                                    gone)):
            cols[key][t] = val
    out = pd.DataFrame({"day": np.arange(n, dtype=np.int64), "demand": demand, **cols})
    out["stockout"] = out["lost"] > 0
    out["phantom"] = phantom
    return out[["day", "demand", "received", "sold", "lost", "stock", "ordered", "on_order",
                "stockout", "record", "shrink", "phantom"]]
