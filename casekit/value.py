"""Customer value: CLV by retention formula, Dwyer cohort tables, RFM, Pareto/ABC,
the A–F value matrix, lifecycle stages and share of wallet.

Every function takes plain numbers or pandas objects and returns pandas objects, checks
its arguments at the edge, and cites the formula it implements.
"""
from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from casekit.checks import check_frame, check_number, check_whole

__all__ = ["clv_retention", "clv_schedule", "cohort_panel", "dwyer_table", "lifecycle_stage",
           "pareto_table", "rfm_scores", "share_of_wallet", "value_matrix", "VALUE_CLASSES",
           "LIFECYCLE_STAGES"]

Timing = Literal["acquisition", "end_of_period", "residual"]
_TIMINGS = ("acquisition", "end_of_period", "residual")


# --------------------------------------------------------------------------- checks
def _scalar_or_array(x):
    return float(x) if np.ndim(x) == 0 else x


# --------------------------------------------------------------------------- CLV formulas
def clv_retention(margin, retention, discount_rate, *, timing: Timing = "acquisition",
                  horizon: int | None = None):
    """Customer lifetime value under constant retention (the "simple retention formulas").

    With margin ``m`` per period, retention ``r`` and discount rate ``d``, over an infinite
    horizon (Gupta & Lehmann 2003; Fader & Hardie 2012, "What's wrong with this CLV
    formula?"):

    - ``"acquisition"``: value at acquisition, first margin received now (undiscounted):
      ``m (1 + d) / (1 + d − r)``.
    - ``"end_of_period"``: a new customer whose margins arrive at the end of each period,
      the first one certain: ``m / (1 + d − r)``.
    - ``"residual"``: an existing customer who must renew before paying again:
      ``m r / (1 + d − r)``.

    The three differ only in timing: acquisition = end_of_period × (1 + d) = residual ×
    (1 + d) / r. With ``horizon`` (periods) the sum stops after that many margins.
    Constant retention is a strong assumption: in a real cohort retention rises with tenure
    (the loyal stay), so one average ``r`` understates the value of survivors and overstates
    that of newcomers; and in non-contractual settings (a supermarket) "retention" is not
    observed at all — use a BG/NBD model (:mod:`casekit.clv`) there.

    Arguments broadcast (numpy), so a grid of retention rates costs one call.

    >>> round(clv_retention(100, 0.8, 0.1), 2)
    366.67
    >>> round(clv_retention(100, 0.8, 0.1, timing="end_of_period"), 2)
    333.33
    >>> round(clv_retention(100, 0.8, 0.1, timing="residual"), 2)
    266.67
    >>> round(clv_retention(100, 0.8, 0.1, horizon=1), 2)
    100.0
    """
    m = check_number("margin", margin)
    r = check_number("retention", retention, 0, 1)
    d = check_number("discount_rate", discount_rate, -1, low_open=True)
    if timing not in _TIMINGS:
        raise ValueError(f"timing must be one of {_TIMINGS}, got {timing!r}")
    if horizon is None:
        if np.any(r >= 1):
            raise ValueError("retention = 1 means customers never leave, so the infinite-horizon "
                             "value diverges: give a finite horizon (e.g. horizon=10).")
        if np.any(1 + d - r <= 0):
            raise ValueError("discount_rate must exceed retention − 1 for the sum to converge.")
        base = m / (1 + d - r)
    else:
        horizon = check_whole("horizon", horizon, 1, what="a whole number of periods")
        t = np.arange(horizon).reshape((-1,) + (1,) * np.ndim(r * d * m))
        base = (m * r ** t / (1 + d) ** (t + 1)).sum(axis=0)   # end-of-period, first margin certain
    factor = {"acquisition": 1 + d, "end_of_period": 1.0, "residual": r}[timing]
    return _scalar_or_array(base * factor)


def clv_schedule(margin, retention, discount_rate, periods: int = 10, *,
                 timing: Timing = "acquisition") -> pd.DataFrame:
    """Period-by-period view of :func:`clv_retention`: survival, discounted margin and the
    cumulative CLV after each period (for a curve or a table).

    >>> s = clv_schedule(100, 0.8, 0.1, periods=3)
    >>> s[["survival", "discount_factor", "present_value", "cumulative_clv"]].round(2)
            survival  discount_factor  present_value  cumulative_clv
    period
    1           1.00             1.00         100.00          100.00
    2           0.80             0.91          72.73          172.73
    3           0.64             0.83          52.89          225.62
    """
    m = float(check_number("margin", margin))
    r = float(check_number("retention", retention, 0, 1))
    d = float(check_number("discount_rate", discount_rate, -1, low_open=True))
    periods = check_whole("periods", periods, 1)
    if timing not in _TIMINGS:
        raise ValueError(f"timing must be one of {_TIMINGS}, got {timing!r}")
    t = np.arange(1, periods + 1)
    survival = r ** (t if timing == "residual" else t - 1)
    discount = (1 + d) ** -(t - 1 if timing == "acquisition" else t)
    pv = m * survival * discount
    return pd.DataFrame({"survival": survival, "discount_factor": discount,
                         "expected_margin": m * survival, "present_value": pv,
                         "cumulative_clv": pv.cumsum()}, index=pd.Index(t, name="period"))


# --------------------------------------------------------------------------- Dwyer
def cohort_panel(transactions: pd.DataFrame, *, customer: str = "customer",
                 date: str = "timestamp", value: str = "total", margin: str | None = "margin",
                 group: str | None = None, customers: pd.DataFrame | None = None,
                 cohort: str | None = None, period: str = "Y") -> pd.DataFrame:
    """Tally an acquisition cohort's customers, sales and margin per period since acquisition
    — the raw material of Dwyer's table.

    A customer belongs to the cohort of the period of their first purchase (or to the
    ``cohort`` period given, e.g. ``"2024"``); ``period`` is a pandas period alias ("Y",
    "Q", "M"). ``group`` splits by a customer attribute (from ``customers`` if it is not a
    transaction column). Returns one row per (group, period_index) with ``acquired``,
    ``retained`` (customers who bought in that period), ``sales`` and ``margin``.

    >>> tx = pd.DataFrame({"customer": [1, 1, 2, 2, 3],
    ...     "timestamp": pd.to_datetime(["2024-02-01", "2025-03-01", "2024-05-01",
    ...                                  "2024-06-01", "2024-07-01"]),
    ...     "total": [10.0, 20.0, 5.0, 5.0, 8.0], "margin": [2.0, 4.0, 1.0, 1.0, 2.0]})
    >>> cohort_panel(tx, cohort="2024")
                  acquired  retained  sales  margin
    group period
    all   1              3         3   28.0     6.0
          2              3         1   20.0     4.0
    """
    check_frame(transactions, "transactions", customer=customer, date=date, value=value,
             margin=margin)
    tx = transactions
    if group is not None and group not in tx.columns:
        if customers is None:
            raise ValueError(f"group column {group!r} is not in transactions: pass customers=")
        check_frame(customers, "customers", customer=customer, group=group)
        tx = tx.merge(customers[[customer, group]], on=customer, how="left")
    when = pd.to_datetime(tx[date]).dt.to_period(period)
    first = when.groupby(tx[customer]).transform("min")
    keep = first == pd.Period(cohort, period) if cohort is not None else \
        first == first.min()
    if not keep.any():
        raise ValueError(f"no customer was acquired in cohort {cohort!r} (period {period!r}); "
                         f"first purchases run from {first.min()} to {first.max()}")
    offset = pd.Series(when.array.asi8 - first.array.asi8 + 1, index=tx.index)  # whole periods
    frame = pd.DataFrame({"group": tx[group].astype(str) if group else "all",
                          "customer": tx[customer], "period": offset,
                          "sales": tx[value].astype(float),
                          "margin": tx[margin].astype(float) if margin else np.nan})[keep]
    g = frame.groupby(["group", "period"], observed=True)
    out = pd.DataFrame({"retained": g["customer"].nunique(), "sales": g["sales"].sum(),
                        "margin": g["margin"].sum()})
    out.insert(0, "acquired", frame.groupby("group")["customer"].nunique()
               .reindex(out.index.get_level_values("group")).to_numpy())
    return out


def dwyer_table(retained, sales, costs, discount_rate: float, acquired=None) -> pd.DataFrame:
    """Dwyer's (1989) customer-retention table: per year the customers retained, sales,
    costs, profit, discount factor, NPV of profit, cumulative NPV and the lifetime value per
    acquired customer (cumulative NPV / customers acquired).

    ``retained``, ``sales`` and ``costs`` are sequences over years 1, 2, … (one cohort), or
    DataFrames with groups as rows and years as columns (groups × years, Dwyer's grouping by
    customer attributes). Year 1 is not discounted (``discount_factor = 1/(1+d)^(year−1)``).
    ``acquired`` defaults to year 1's retained customers.

    >>> t = dwyer_table([1000, 600, 420], [300_000, 198_000, 151_200],
    ...                 [240_000, 148_500, 105_840], discount_rate=0.1)
    >>> t[["retained", "profit", "discount_factor", "npv", "ltv_per_customer"]].round(2)
          retained   profit  discount_factor       npv  ltv_per_customer
    year
    1         1000  60000.0             1.00  60000.00             60.00
    2          600  49500.0             0.91  45000.00            105.00
    3          420  45360.0             0.83  37487.60            142.49
    """
    d = float(check_number("discount_rate", discount_rate, -1, low_open=True))
    if isinstance(retained, pd.DataFrame):
        parts = {}
        for key in retained.index:
            acq = None if acquired is None else (acquired[key] if np.ndim(acquired) else acquired)
            parts[key] = dwyer_table(retained.loc[key], sales.loc[key], costs.loc[key], d, acq)
        return pd.concat(parts, names=["group"])
    r = check_number("retained", list(retained), 0)
    s = check_number("sales", list(sales))
    c = check_number("costs", list(costs))
    if not (len(r) == len(s) == len(c)) or len(r) == 0:
        raise ValueError(f"retained, sales and costs need one value per year, the same number "
                         f"each; got {len(r)}, {len(s)} and {len(c)}")
    n0 = r[0] if acquired is None else float(check_number("acquired", acquired, 0, low_open=True))
    if n0 <= 0:
        raise ValueError("no customers acquired in year 1: LTV per customer is undefined")
    years = np.arange(1, len(r) + 1)
    profit = s - c
    factor = (1 + d) ** -(years - 1.0)
    npv = profit * factor
    return pd.DataFrame({"retained": r.astype(int) if np.all(r == r.round()) else r,
                         "sales": s, "costs": c, "profit": profit, "discount_factor": factor,
                         "npv": npv, "cumulative_npv": npv.cumsum(),
                         "ltv_per_customer": npv.cumsum() / n0},
                        index=pd.Index(years, name="year"))


# --------------------------------------------------------------------------- RFM, Pareto
def rfm_scores(transactions: pd.DataFrame, *, customer: str = "customer",
               date: str = "timestamp", value: str = "total", now=None,
               bins: int = 5) -> pd.DataFrame:
    """Recency, frequency and monetary value per customer, scored 1–``bins`` (higher is
    better: recent, frequent, big spenders) by quantiles of their ranks, so ties split
    evenly.

    ``now`` defaults to the day after the last transaction. Returns ``recency_days``,
    ``frequency`` (number of purchases), ``monetary`` (mean spend), ``R``, ``F``, ``M``,
    ``rfm`` (e.g. "545") and ``score`` (R + F + M), indexed by customer.

    >>> tx = pd.DataFrame({"customer": [1, 1, 2, 3, 3, 3],
    ...     "timestamp": pd.to_datetime(["2025-01-01", "2025-06-01", "2025-03-01",
    ...                                  "2025-05-01", "2025-06-10", "2025-06-20"]),
    ...     "total": [10, 30, 5, 50, 40, 60]})
    >>> rfm_scores(tx, bins=3)[["recency_days", "frequency", "monetary", "rfm"]]
              recency_days  frequency  monetary  rfm
    customer
    1                   20          2      20.0  222
    2                  112          1       5.0  111
    3                    1          3      50.0  333
    """
    check_frame(transactions, "transactions", customer=customer, date=date, value=value)
    bins = check_whole("bins", bins, 2, 10)
    if len(transactions) == 0:
        raise ValueError("transactions is empty: RFM needs at least one purchase")
    when = pd.to_datetime(transactions[date])
    now = when.max().normalize() + pd.Timedelta(days=1) if now is None else pd.Timestamp(now)
    if (when > now).any():
        raise ValueError(f"now={now.date()} is before the last transaction ({when.max().date()})")
    g = transactions.assign(_when=when).groupby(customer, observed=True)
    out = pd.DataFrame({"recency_days": (now - g["_when"].max()).dt.days,
                        "frequency": g.size(), "monetary": g[value].mean().astype(float)})

    def score(series, ascending):
        ranks = series.rank(method="first", ascending=ascending)
        return pd.qcut(ranks, min(bins, len(series)), labels=False).astype(int) + 1

    out["R"] = score(out["recency_days"], ascending=False)
    out["F"] = score(out["frequency"], ascending=True)
    out["M"] = score(out["monetary"], ascending=True)
    digit = np.array([str(k) for k in range(bins + 1)], dtype=object)   # str of each score
    out["rfm"] = pd.Series(digit[out["R"]] + digit[out["F"]] + digit[out["M"]], index=out.index,
                           dtype=str)
    out["score"] = out[["R", "F", "M"]].sum(axis=1)
    return out


def pareto_table(values: pd.Series, *, a_share: float = 0.8, b_share: float = 0.95) -> pd.DataFrame:
    """Customers ranked by value with cumulative shares and an ABC class.

    A = the customers who together bring the first ``a_share`` of the value, B the next up
    to ``b_share``, C the rest (the conventional 80/15/5 split). Negative values (customers
    who cost more than they bring) stay in and pull the curve down at the end.

    >>> t = pareto_table(pd.Series([50, 30, 10, 6, 4], index=list("abcde")))
    >>> t[["value", "customer_share", "value_share", "abc"]]
          value  customer_share  value_share abc
    rank
    1        50             0.2         0.50   A
    2        30             0.4         0.80   A
    3        10             0.6         0.90   B
    4         6             0.8         0.96   B
    5         4             1.0         1.00   C
    """
    if not isinstance(values, pd.Series):
        raise TypeError(f"values must be a pandas Series (one value per customer), got "
                        f"{type(values).__name__}")
    if len(values) == 0 or values.isna().any():
        raise ValueError("values must be non-empty and have no missing values")
    check_number("a_share", a_share, 0, 1, low_open=True)
    check_number("b_share", b_share, a_share, 1)
    total = values.sum()
    if total <= 0:
        raise ValueError("the values sum to zero or less: shares of the total are undefined")
    ranked = values.sort_values(ascending=False, kind="stable")
    share = ranked.cumsum() / total
    previous = share.shift(fill_value=0.0)   # class by the share *before* the customer
    abc = np.where(previous < a_share - 1e-12, "A", np.where(previous < b_share - 1e-12, "B", "C"))
    n = len(ranked)
    return pd.DataFrame({"customer": ranked.index, "value": ranked.to_numpy(),
                         "customer_share": np.arange(1, n + 1) / n,
                         "value_share": share.to_numpy(), "abc": abc},
                        index=pd.Index(np.arange(1, n + 1), name="rank"))


# --------------------------------------------------------------------------- value matrix
VALUE_CLASSES = pd.DataFrame({
    "current": ["high", "medium", "low", "high", "medium", "low"],
    "future": ["high", "high", "high", "low", "low", "low"],
    "meaning": ["top customers", "core customers", "considerable potential",
                "lifecycle ending / could not be won", "low-grade", "unattractive"],
    "strategy": ["keep at all costs", "gradually increase investment", "invest to keep and grow",
                 "reduce investment", "cut investment", "consider divesting"],
}, index=pd.Index(list("ACBDEF"), name="class")).sort_index()
"""The A–F grid (current value in thirds × future value in halves). The source's figure
2-2 is missing; this is the grid this workbook uses, stated explicitly."""


def value_matrix(current: pd.Series, future: pd.Series, *, current_cuts=None,
                 future_cut=None) -> pd.DataFrame:
    """Classify customers A–F on the current-value × future-value grid (:data:`VALUE_CLASSES`).

    Current value is split into low / medium / high at ``current_cuts`` (default: the
    terciles), future value into low / high at ``future_cut`` (default: the median).

    >>> cur = pd.Series([900, 500, 100, 800, 450, 50], index=list("uvwxyz"))
    >>> fut = pd.Series([700, 650, 600, 10, 20, 5], index=list("uvwxyz"))
    >>> value_matrix(cur, fut)["class"].to_dict()
    {'u': 'A', 'v': 'C', 'w': 'B', 'x': 'D', 'y': 'E', 'z': 'F'}
    """
    for name, s in (("current", current), ("future", future)):
        if not isinstance(s, pd.Series):
            raise TypeError(f"{name} must be a pandas Series indexed by customer")
        if s.isna().any():
            raise ValueError(f"{name} has missing values: fill or drop them first")
    if not current.index.equals(future.index):
        future = future.reindex(current.index)
        if future.isna().any():
            raise ValueError("current and future must cover the same customers")
    c1, c2 = (current.quantile([1 / 3, 2 / 3]).to_numpy() if current_cuts is None
              else sorted(check_number("current_cuts", current_cuts)))
    fc = float(future.median() if future_cut is None else check_number("future_cut", future_cut))
    cur = np.where(current > c2, "high", np.where(current > c1, "medium", "low"))
    fut = np.where(future > fc, "high", "low")
    lookup = {(r.current, r.future): k for k, r in VALUE_CLASSES.iterrows()}
    classes = [lookup[(c, f)] for c, f in zip(cur, fut)]
    return pd.DataFrame({"current": current, "future": future, "current_level": cur,
                         "future_level": fut, "class": classes}, index=current.index)


# --------------------------------------------------------------------------- lifecycle
LIFECYCLE_STAGES = ("acquisition", "growth", "maturity", "decline", "departure")


def lifecycle_stage(transactions: pd.DataFrame, *, customer: str = "customer",
                    date: str = "timestamp", value: str = "total", now=None,
                    window_days: int = 90, change: float = 0.2,
                    lapse_days: int | None = None) -> pd.DataFrame:
    """Assign each customer one of the five lifecycle stages by a transparent rule.

    Compare spend in the last ``window_days`` with the window before it:

    - departure: no purchase for ``lapse_days`` (default 2 × window);
    - acquisition: first purchase within the last window;
    - growth: spend up by more than ``change`` (20%);
    - decline: spend down by more than ``change``;
    - maturity: otherwise (steady).

    >>> tx = pd.DataFrame({"customer": [1, 1, 2, 2, 2, 3, 4, 4],
    ...     "timestamp": pd.to_datetime(["2025-08-01", "2025-12-01", "2025-08-01", "2025-11-01",
    ...                                  "2025-12-15", "2025-12-20", "2025-01-05", "2025-02-01"]),
    ...     "total": [100, 100, 50, 80, 90, 30, 40, 40]})
    >>> lifecycle_stage(tx, now="2025-12-31")["stage"].to_dict()
    {1: 'maturity', 2: 'growth', 3: 'acquisition', 4: 'departure'}
    """
    check_frame(transactions, "transactions", customer=customer, date=date, value=value)
    for name, v in (("window_days", window_days), ("lapse_days", lapse_days)):
        check_whole(name, v, 1, what="a whole number of days", optional=True)
    check_number("change", change, 0, 1, low_open=True, high_open=True)
    when = pd.to_datetime(transactions[date])
    now = when.max() + pd.Timedelta(days=1) if now is None else pd.Timestamp(now)
    lapse = pd.Timedelta(days=lapse_days or 2 * window_days)
    window = pd.Timedelta(days=window_days)
    spend = transactions[value].to_numpy(dtype=float)
    recent = np.where(when > now - window, spend, 0.0)
    before = np.where((when > now - 2 * window) & (when <= now - window), spend, 0.0)
    g = pd.DataFrame({"c": transactions[customer], "w": when, "recent": recent,
                      "before": before}).groupby("c", observed=True)
    out = pd.DataFrame({"first_purchase": g["w"].min(), "last_purchase": g["w"].max(),
                        "spend_recent": g["recent"].sum(), "spend_before": g["before"].sum()})
    out.index.name = customer
    ratio = out["spend_recent"] / out["spend_before"].where(out["spend_before"] > 0)
    stage = np.select(
        [now - out["last_purchase"] > lapse, now - out["first_purchase"] <= window,
         ratio.isna() | (ratio > 1 + change), ratio < 1 - change],
        [4, 0, 1, 3], default=2)   # positions in LIFECYCLE_STAGES
    out["stage"] = pd.Categorical.from_codes(stage, categories=LIFECYCLE_STAGES, ordered=True)
    return out


def share_of_wallet(spend, wallet):
    """Our share of what a customer spends in the category: ``spend / wallet``, in [0, 1].

    Works on numbers or aligned pandas Series (per customer, or per customer and period).

    >>> share_of_wallet(pd.Series([30.0, 80.0]), pd.Series([100.0, 100.0])).tolist()
    [0.3, 0.8]
    """
    s = check_number("spend", spend, 0)
    w = check_number("wallet", wallet, 0, low_open=True)
    if np.any(s > w * (1 + 1e-9)):
        raise ValueError("spend exceeds wallet for some customers: the wallet is the customer's "
                         "total spend in the category, ours included, so it cannot be smaller")
    if isinstance(spend, pd.Series):
        return spend / wallet
    return _scalar_or_array(s / w)
