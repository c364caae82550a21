"""Reference solutions for chapter 1's computed exercises, in the bank
``casekit/exercises/banks/01-customer-value.toml``.

Each function takes a simulated retailer (``casekit.data.simulate_retailer`` or
``casekit.exercises.my_retailer()``) and returns the answer to one exercise, computed
with the functions the chapter teaches (:mod:`casekit.value`, :mod:`casekit.clv`) on its
``customers`` and ``transactions`` tables. Functions whose names start with ``mistake_``
compute a *typical wrong* answer, so the checker can recognise it and say what went wrong.

The conventions every exercise states in its prompt:

- the **cohort** is the customers whose first trip falls in 2022, the first year of the
  data (:data:`COHORT`); its year 1 is calendar 2022, year 2 is 2023, year 3 is 2024;
- the **discount rate** is 10% a year (:data:`DISCOUNT_RATE`), and year 1 is not
  discounted;
- a customer's **profit** is their margin (the ``margin`` column: sales minus the cost of
  the goods) minus a service cost of ¥24 for every year in which they shop
  (:data:`SERVICE_COST`: loyalty card, mailings, coupons).

The examples run on a tiny retailer of six customers and seventeen trips:

>>> shop = tiny_retailer()
>>> shop.transactions.groupby("customer")["margin"].agg(["size", "sum"])
          size    sum
customer
1            4   90.0
2            2   90.0
3            1   10.0
4            3   60.0
5            1    6.0
6            6  227.0
"""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd

from casekit.solutions import shared
from casekit.value import (clv_retention, cohort_panel, dwyer_table, lifecycle_stage,
                           pareto_table, rfm_scores, value_matrix)

__all__ = ["COHORT", "DISCOUNT_RATE", "SERVICE_COST", "WINDOWS", "abc_thirty", "bgnbd_forecast",
           "cohort_clv", "cohort_clv_inputs", "current_values", "dwyer_cohort", "dwyer_ltv",
           "future_values", "lifecycle_agreement", "lifecycle_decline", "rfm_top_share",
           "tiny_retailer", "value_class_counts", "value_classes"]

COHORT = "2022"
DISCOUNT_RATE = 0.10
SERVICE_COST = 24.0           # ¥ per customer per year in which they shop
ABC_CUSTOMERS = 30
DWYER_COLUMNS = ["retained", "sales", "costs", "profit", "npv", "cumulative_npv"]


def tiny_retailer() -> SimpleNamespace:
    """A six-customer retailer with the simulated retailer's columns, for the examples.

    Customers 1, 2, 3 and 6 first bought in 2022 (the cohort); 4 joined in 2023, 5 in
    late 2024. The data end on 31 December 2024 (``end`` is the day after, as for a
    simulated retailer).
    """
    rows = [  # customer, date, total, margin
        (1, "2022-03-01", 100, 25), (1, "2023-05-01", 120, 30), (1, "2024-06-01", 80, 20),
        (1, "2024-12-20", 60, 15), (2, "2022-06-15", 200, 50), (2, "2023-02-01", 150, 40),
        (3, "2022-11-20", 50, 10), (4, "2023-04-10", 90, 20), (4, "2024-11-15", 110, 30),
        (4, "2024-12-28", 40, 10), (5, "2024-10-01", 30, 6), (6, "2022-01-05", 300, 80),
        (6, "2022-02-05", 100, 25), (6, "2023-12-01", 100, 20), (6, "2024-09-20", 90, 22),
        (6, "2024-11-30", 120, 30), (6, "2024-12-30", 200, 50)]
    tx = pd.DataFrame(rows, columns=["customer", "timestamp", "total", "margin"])
    tx["timestamp"] = pd.to_datetime(tx["timestamp"]) + pd.Timedelta(hours=11)
    tx = tx.sort_values("timestamp", kind="stable").reset_index(drop=True)
    tx.insert(0, "trip", np.arange(1, len(tx) + 1))
    tx[["total", "margin"]] = tx[["total", "margin"]].astype(float)
    customers = pd.DataFrame({"customer": range(1, 7),
                              "household": ["single", "family", "single", "family",
                                            "couple", "family"]})
    truth = SimpleNamespace(params={"r": 0.8, "alpha": 3.5, "a": 0.8, "b": 6.0})
    return SimpleNamespace(customers=customers, transactions=tx, truth=truth,
                           start=pd.Timestamp("2022-01-01"), end=pd.Timestamp("2025-01-01"))


# --------------------------------------------------------------------------- cohort CLV
@shared
def _cohort_panel(retailer) -> pd.DataFrame:
    """The 2022 cohort per calendar year: acquired, retained, sales and margin."""
    return cohort_panel(retailer.transactions, value="total", margin="margin",
                        cohort=COHORT).droplevel("group")


def _cohort_years(retailer, column: str = "margin") -> pd.DataFrame:
    """The 2022 cohort per calendar year: customers who shopped, and their ``column`` total."""
    panel = _cohort_panel(retailer)
    value = "sales" if column == "total" else "margin"
    return pd.DataFrame({"acquired": panel["acquired"], "retained": panel["retained"],
                         "value": panel[value]})


@shared
def cohort_clv_inputs(retailer, column: str = "margin") -> dict:
    """The two inputs of the cohort CLV exercise: the latest retention rate (year 2 → 3)
    and the latest margin per active customer (year 3), for the 2022 cohort.

    >>> {k: round(v, 4) for k, v in cohort_clv_inputs(tiny_retailer()).items()}
    {'retention': 0.6667, 'margin': 68.5}
    """
    years = _cohort_years(retailer, column).reindex([1, 2, 3], fill_value=0)
    if years.loc[2, "retained"] == 0 or years.loc[3, "retained"] == 0:
        raise ValueError("the 2022 cohort has no customers in 2023 or 2024: no retention rate")
    return {"retention": float(years.loc[3, "retained"] / years.loc[2, "retained"]),
            "margin": float(years.loc[3, "value"] / years.loc[3, "retained"])}


def cohort_clv(retailer) -> float:
    """value.cohort-clv: CLV of a newly acquired customer by the simple retention formula.

    Inputs from the 2022 cohort: retention r = (cohort customers who shopped in 2024) ÷
    (cohort customers who shopped in 2023); margin m = the cohort's 2024 margin ÷ its
    customers who shopped in 2024. Discount rate d = 10%, first margin received at once
    (the acquisition-time formula m (1 + d) / (1 + d − r)).

    >>> round(cohort_clv(tiny_retailer()), 2)   # 68.5 × 1.1 / (1.1 − 2/3)
    173.88
    """
    x = cohort_clv_inputs(retailer)
    return float(clv_retention(x["margin"], x["retention"], DISCOUNT_RATE))


def mistake_cohort_clv_discount_first(retailer) -> float:
    """Wrong on purpose: discounts the first margin too (m / (1 + d − r)).

    >>> round(mistake_cohort_clv_discount_first(tiny_retailer()), 2)
    158.08
    """
    x = cohort_clv_inputs(retailer)
    return float(clv_retention(x["margin"], x["retention"], DISCOUNT_RATE,
                               timing="end_of_period"))


def mistake_cohort_clv_residual(retailer) -> float:
    """Wrong on purpose: the residual value of an existing customer (m r / (1 + d − r))."""
    x = cohort_clv_inputs(retailer)
    return float(clv_retention(x["margin"], x["retention"], DISCOUNT_RATE, timing="residual"))


def mistake_cohort_clv_revenue(retailer) -> float:
    """Wrong on purpose: sales per active customer in place of margin.

    >>> round(mistake_cohort_clv_revenue(tiny_retailer()), 2)
    698.08
    """
    x = cohort_clv_inputs(retailer, column="total")
    return float(clv_retention(x["margin"], x["retention"], DISCOUNT_RATE))


def mistake_cohort_clv_churn(retailer) -> float:
    """Wrong on purpose: the churn rate 1 − r used where the retention rate belongs.

    >>> round(mistake_cohort_clv_churn(tiny_retailer()), 2)
    98.28
    """
    x = cohort_clv_inputs(retailer)
    return float(clv_retention(x["margin"], 1 - x["retention"], DISCOUNT_RATE))


def mistake_cohort_clv_undiscounted(retailer) -> float:
    """Wrong on purpose: no discounting at all (m / (1 − r))."""
    x = cohort_clv_inputs(retailer)
    return float(clv_retention(x["margin"], x["retention"], 0.0))


# --------------------------------------------------------------------------- Dwyer
@shared
def _dwyer(retailer, discount_rate=DISCOUNT_RATE, service_cost=SERVICE_COST) -> pd.DataFrame:
    panel = _cohort_panel(retailer).reindex([1, 2, 3], fill_value=0)
    costs = panel["sales"] - panel["margin"] + service_cost * panel["retained"]
    return dwyer_table(panel["retained"], panel["sales"], costs, discount_rate,
                       acquired=panel["acquired"].max())


def dwyer_cohort(retailer) -> pd.DataFrame:
    """value.dwyer-table: Dwyer's table for the 2022 cohort, years 1–3 (2022–2024).

    Per year: customers retained (cohort customers who shopped that year), sales, costs
    (cost of goods = sales − margin, plus ¥24 per retained customer), profit, NPV at 10%
    (year 1 undiscounted) and cumulative NPV. Rows are the years "1", "2", "3".

    >>> dwyer_cohort(tiny_retailer()).round(2)
          retained  sales  costs  profit    npv  cumulative_npv
    year
    1            4  750.0  656.0    94.0  94.00           94.00
    2            3  370.0  352.0    18.0  16.36          110.36
    3            2  550.0  461.0    89.0  73.55          183.92
    """
    table = _dwyer(retailer)[DWYER_COLUMNS]
    table.index = table.index.astype(str)
    table.index.name = "year"
    return table


def dwyer_ltv(retailer) -> float:
    """value.dwyer-ltv: the cohort's lifetime value per acquired customer after year 3
    (cumulative NPV of profit ÷ customers acquired in 2022).

    >>> round(dwyer_ltv(tiny_retailer()), 2)    # 183.92 / 4
    45.98
    """
    return float(_dwyer(retailer)["ltv_per_customer"].iloc[-1])


def mistake_dwyer_ltv_discount_year1(retailer) -> float:
    """Wrong on purpose: year 1's profit discounted too (divided by 1.1, 1.1², 1.1³).

    >>> round(mistake_dwyer_ltv_discount_year1(tiny_retailer()), 2)
    41.8
    """
    return dwyer_ltv(retailer) / (1 + DISCOUNT_RATE)


def mistake_dwyer_ltv_undiscounted(retailer) -> float:
    """Wrong on purpose: profits simply added up, no discounting."""
    return float(_dwyer(retailer, discount_rate=0.0)["ltv_per_customer"].iloc[-1])


def mistake_dwyer_ltv_no_service_cost(retailer) -> float:
    """Wrong on purpose: margin taken as profit (the ¥24 service cost left out)."""
    return float(_dwyer(retailer, service_cost=0.0)["ltv_per_customer"].iloc[-1])


def mistake_dwyer_ltv_per_retained(retailer) -> float:
    """Wrong on purpose: cumulative NPV divided by the customers still there in year 3.

    >>> round(mistake_dwyer_ltv_per_retained(tiny_retailer()), 2)
    91.96
    """
    t = _dwyer(retailer)
    return float(t["cumulative_npv"].iloc[-1] / t["retained"].iloc[-1])


def mistake_dwyer_ltv_sales(retailer) -> float:
    """Wrong on purpose: the discounted *sales* per acquired customer, not profit."""
    t = _dwyer(retailer)
    return float((t["sales"] * t["discount_factor"]).sum() / t["retained"].iloc[0])


# --------------------------------------------------------------------------- RFM
RFM_NOW = "2024-01-01"   # value.rfm-share: score on 2022–23, judge on 2024


@shared
def _rfm_best(retailer, *, whole_log: bool = False) -> pd.Index:
    """The customers scored R = 5 and F = 5 on the trips before 2024 (or, wrongly, on all)."""
    tx = retailer.transactions
    rfm = (rfm_scores(tx) if whole_log
           else rfm_scores(tx[tx["timestamp"] < RFM_NOW], now=RFM_NOW))
    return rfm.index[(rfm["R"] == 5) & (rfm["F"] == 5)]


def _next_year(retailer, column: str = "margin") -> pd.Series:
    tx = retailer.transactions
    return tx[tx["timestamp"] >= RFM_NOW].groupby("customer")[column].sum()


def rfm_top_share(retailer) -> float:
    """value.rfm-share: does RFM predict? Score customers on their trips before 2024
    (``rfm_scores(..., now="2024-01-01")``, five quantile bins); return the percentage of
    **2024's** margin brought by the customers scored R = 5 and F = 5.

    >>> round(rfm_top_share(tiny_retailer()), 2)
    55.74
    """
    nxt = _next_year(retailer)
    return float(100 * nxt.reindex(_rfm_best(retailer), fill_value=0).sum() / nxt.sum())


def mistake_rfm_share_revenue(retailer) -> float:
    """Wrong on purpose: the share of 2024's *revenue* (``total``), not of its margin."""
    nxt = _next_year(retailer, "total")
    return float(100 * nxt.reindex(_rfm_best(retailer), fill_value=0).sum() / nxt.sum())


def mistake_rfm_share_customers(retailer) -> float:
    """Wrong on purpose: the share of scored *customers* in the R = 5, F = 5 cell."""
    tx = retailer.transactions
    scored = tx.loc[tx["timestamp"] < RFM_NOW, "customer"].nunique()
    return float(100 * len(_rfm_best(retailer)) / scored)


def mistake_rfm_share_whole_log(retailer) -> float:
    """Wrong on purpose: scored on the whole log, 2024 included, so the score has seen the
    year it is meant to predict."""
    nxt = _next_year(retailer)
    return float(100 * nxt.reindex(_rfm_best(retailer, whole_log=True), fill_value=0).sum()
                 / nxt.sum())


def mistake_rfm_share_all_years(retailer) -> float:
    """Wrong on purpose: the cell's share of all three years' margin, not of 2024's."""
    margin = retailer.transactions.groupby("customer")["margin"].sum()
    return float(100 * margin.reindex(_rfm_best(retailer), fill_value=0).sum() / margin.sum())


# --------------------------------------------------------------------------- event forecasting
@shared
def _event_inputs(retailer):
    """The customer of value.event-forecast and what the forecast needs: her id, her mean
    days between trips, her mean margin per trip, and the 2022 cohort's retention."""
    tx = retailer.transactions
    first_last = tx.groupby("customer")["timestamp"].agg(["min", "max"])
    chosen = first_last.index[(first_last["min"].dt.year == 2022)
                              & (first_last["max"] > retailer.end - pd.Timedelta(days=90))]
    if len(chosen) == 0:
        raise ValueError("no customer joined in 2022 and shopped in the last 90 days")
    she = chosen[0]
    trips = tx[tx["customer"] == she]
    return (she, float(trips["timestamp"].diff().dt.days.mean()), float(trips["margin"].mean()),
            cohort_clv_inputs(retailer)["retention"])


def _event_value(retailer, *, retention=True, discount=True, cost=True) -> float:
    she, pace, per_trip, r = _event_inputs(retailer)
    r = r if retention else 1.0
    d = DISCOUNT_RATE if discount else 0.0
    day = np.arange(pace, 3 * 365, pace)
    year = day // 365 + 1
    margin = (per_trip * r ** (year - 1) * (1 + d) ** (-day / 365)).sum()
    years = np.arange(1, 4)
    costs = (SERVICE_COST * r ** (years - 1) / (1 + d) ** (years - 1)).sum() if cost else 0.0
    return float(margin - costs)


def event_forecast(retailer) -> float:
    """value.event-forecast: customer event forecasting for one customer, as the chapter does.

    The customer: the first (by id) whose first trip was in 2022 and who shopped in the last
    90 days. Her events: a trip every d days (d = her mean days between trips) from now for
    three years (days d, 2d, … below 3 × 365), each bringing her mean margin per trip; a
    service cost of ¥24 in each of years 1, 2, 3. Each year-y event is weighted by r^(y − 1)
    (r = the 2022 cohort's retention, 2023 → 2024) and a trip on day t is discounted by
    1.1^(t / 365), a year-y cost by 1.1^(y − 1). Returns the present value of her profit.

    >>> round(event_forecast(tiny_retailer()), 2)
    -6.58
    """
    return _event_value(retailer)


def mistake_event_no_retention(retailer) -> float:
    """Wrong on purpose: every future event counted as certain (she never leaves)."""
    return _event_value(retailer, retention=False)


def mistake_event_undiscounted(retailer) -> float:
    """Wrong on purpose: no discounting."""
    return _event_value(retailer, discount=False)


def mistake_event_no_cost(retailer) -> float:
    """Wrong on purpose: the ¥24 service cost left out (margin, not profit)."""
    return _event_value(retailer, cost=False)


# --------------------------------------------------------------------------- ABC
def abc_thirty(retailer) -> pd.DataFrame:
    """value.abc-30: the course text's 30-customer exercise (skill exercise 2-7) as an ABC analysis
    on **current and future value**, as the exercise asks (根据客户的目前价值和未来价值).

    Take the 30 customers with the lowest ids. Each one's value is their current value (margin
    in the last 365 days of the data, 0 if none) plus their future value (margin expected in
    the next 52 weeks: BG/NBD × Gamma-Gamma, fitted on all customers as in
    :func:`future_values`). Rank them: class A is the customers who together bring the first
    80% of the 30 customers' value, B the next 15% (to 95%), C the rest (the classes of
    ``casekit.value.pareto_table``). Rows A, B, C; columns the number of customers and their
    share of the 30 customers' value in percent.

    >>> from casekit.data import simulate_retailer
    >>> abc_thirty(simulate_retailer(400, seed=3))["Customers"].tolist()
    [10, 6, 14]
    """
    ids = retailer.customers["customer"].nsmallest(ABC_CUSTOMERS)
    current, future = current_values(retailer), future_values(retailer)
    value = current.reindex(ids, fill_value=0.0) + future.reindex(ids, fill_value=0.0)
    table = pareto_table(value)
    out = table.groupby("abc")["value"].agg(["size", "sum"]).reindex(list("ABC"), fill_value=0)
    return pd.DataFrame({"Customers": out["size"].astype(int),
                         "Share of value (%)": 100 * out["sum"] / table["value"].sum()})


@shared
def current_values(retailer) -> pd.Series:
    """Each customer's current value: margin in the last 365 days of the data (customers
    with a trip in that year only)."""
    tx = retailer.transactions
    recent = tx[tx["timestamp"] >= retailer.end - pd.Timedelta(days=365)]
    return recent.groupby("customer")["margin"].sum()


@shared
def _whole_log(retailer):
    """The weekly summary of the whole log (``value="margin"``, ``observation_end =
    retailer.end``) and BG/NBD fitted to it: ``(model, summary)``."""
    from casekit.clv import BetaGeoModel, summarize_transactions

    summary = summarize_transactions(retailer.transactions, "customer", "timestamp",
                                     value="margin", observation_end=retailer.end)
    return BetaGeoModel().fit(summary), summary


@shared
def future_values(retailer) -> pd.Series:
    """Each customer's future value: the margin expected in the next 52 weeks, BG/NBD
    expected trips × Gamma-Gamma expected margin per trip, both fitted on the weekly summary
    of the whole log (``value="margin"``, ``observation_end = retailer.end``)."""
    from casekit.clv import GammaGammaModel

    model, summary = _whole_log(retailer)
    return (model.expected_purchases(52, summary)
            * GammaGammaModel().fit(summary).expected_spend(summary))


# --------------------------------------------------------------------------- A–F
def value_classes(retailer) -> pd.DataFrame:
    """Every current customer's A–F class, as the chapter defines it.

    - **current value**: the customer's margin in the last 365 days of the data;
      customers with none (no trip in the last year) are not current customers and are
      left out;
    - **future value**: the margin the customer is expected to bring in the next 52 weeks:
      BG/NBD expected trips × Gamma-Gamma expected margin per trip, both fitted on the
      weekly summary of the whole log with ``value="margin"`` and ``observation_end =
      retailer.end``;
    - the grid: ``casekit.value.value_matrix`` with its defaults (current value in
      thirds, future value above or below its median).

    >>> from casekit.data import simulate_retailer
    >>> classes = value_classes(simulate_retailer(400, seed=3))
    >>> classes.groupby("class")[["current", "future"]].mean().round(0)
           current  future
    class
    A        408.0   259.0
    B         32.0   100.0
    C        106.0   115.0
    D        291.0    17.0
    E         93.0    29.0
    F         30.0    31.0
    """
    current = current_values(retailer)
    return value_matrix(current, future_values(retailer).reindex(current.index))


def value_class_counts(retailer) -> pd.DataFrame:
    """value.af-counts: the number of current customers in each class A–F.

    >>> from casekit.data import simulate_retailer
    >>> value_class_counts(simulate_retailer(400, seed=3))["Customers"].sum()   # current customers
    np.int64(261)
    """
    counts = value_classes(retailer)["class"].value_counts()
    return counts.reindex(list("ABCDEF"), fill_value=0).astype(int).to_frame("Customers")


# --------------------------------------------------------------------------- lifecycle
WINDOWS = (60, 90, 120, 180)   # days compared by value.lifecycle-decline


def lifecycle_agreement(retailer) -> pd.Series:
    """For each window in :data:`WINDOWS`: the share of customers whose *departure* label
    (``lifecycle_stage(..., window_days=w)``, departure after 2 × w days without a trip)
    agrees with the simulator's truth (departed ⇔ not active at the end)."""
    active = retailer.truth.customers.set_index("customer")["active_at_end"].astype(bool)
    out = {}
    for w in WINDOWS:
        stages = _stages(retailer, w)
        departed = stages["stage"] == "departure"
        out[w] = float((departed == ~active.reindex(stages.index)).mean())
    return pd.Series(out, name="agreement").rename_axis("window_days")


@shared
def _stages(retailer, window_days: int) -> pd.DataFrame:
    return lifecycle_stage(retailer.transactions, now=retailer.end, window_days=window_days)


def _decline(retailer, window_days: int) -> int:
    stages = _stages(retailer, window_days)
    return int((stages["stage"] == "decline").sum())


def lifecycle_decline(retailer) -> int:
    """value.lifecycle-decline: choose the lifecycle rule's window, then count *decline*.

    Of the windows in :data:`WINDOWS`, take the one whose departure stage agrees best with
    the truth (:func:`lifecycle_agreement`), and return how many customers that rule puts in
    decline.

    >>> from casekit.data import simulate_retailer
    >>> shop = simulate_retailer(400, seed=3)
    >>> int(lifecycle_agreement(shop).idxmax()), lifecycle_decline(shop)
    (60, 84)
    """
    return _decline(retailer, int(lifecycle_agreement(retailer).idxmax()))


def mistake_decline_60(retailer) -> int:
    """Wrong on purpose (unless 60 days agrees best): the decline count at 60-day windows."""
    return _decline(retailer, 60)


def mistake_decline_90(retailer) -> int:
    """Wrong on purpose (unless 90 days agrees best): the default 90-day windows, untested."""
    return _decline(retailer, 90)


def mistake_decline_120(retailer) -> int:
    """Wrong on purpose (unless 120 days agrees best): the decline count at 120-day windows."""
    return _decline(retailer, 120)


def mistake_decline_180(retailer) -> int:
    """Wrong on purpose (unless 180 days agrees best): the decline count at 180-day windows."""
    return _decline(retailer, 180)


# --------------------------------------------------------------------------- BG/NBD
HOLDOUT_START = "2024-01-01"   # value.bgnbd-forecast: fit on 2022–23, judge on 2024


@shared
def _holdout(retailer):
    from casekit.clv import BetaGeoModel, summarize_transactions

    summary = summarize_transactions(retailer.transactions, "customer", "timestamp",
                                     calibration_end=pd.Timestamp(HOLDOUT_START) - pd.Timedelta(days=1),
                                     observation_end=retailer.end)
    return BetaGeoModel().fit(summary), summary


def bgnbd_forecast(retailer) -> float:
    """value.bgnbd-forecast: how far the BG/NBD forecast of 2024 is from what happened, in
    percent of the actual trips: 100 × (forecast − actual) / actual.

    The model is fitted on the calibration period 2022–2023 (customers with a trip before
    2024); the forecast is the sum over those customers of their expected trips in their
    holdout period (``expected_purchases(duration_holdout, summary)``), the actual the sum of
    their ``frequency_holdout``.

    >>> from casekit.data import simulate_retailer
    >>> round(bgnbd_forecast(simulate_retailer(400, seed=3)), 1)
    -16.8
    """
    model, summary = _holdout(retailer)
    forecast = model.expected_purchases(summary["duration_holdout"], summary).sum()
    actual = summary["frequency_holdout"].sum()
    return float(100 * (forecast / actual - 1))


def mistake_forecast_all_new(retailer) -> float:
    """Wrong on purpose: every customer's forecast as if she were brand new (her own history
    ignored): ``expected_purchases_new`` in place of the conditional forecast."""
    model, summary = _holdout(retailer)
    new = {d: model.expected_purchases_new(d) for d in summary["duration_holdout"].unique()}
    forecast = sum(new[d] for d in summary["duration_holdout"])   # few durations: each once
    return float(100 * (forecast / summary["frequency_holdout"].sum() - 1))


def mistake_forecast_relative_to_forecast(retailer) -> float:
    """Wrong on purpose: the gap divided by the forecast instead of by what happened."""
    model, summary = _holdout(retailer)
    forecast = model.expected_purchases(summary["duration_holdout"], summary).sum()
    return float(100 * (1 - summary["frequency_holdout"].sum() / forecast))


def mistake_forecast_whole_log(retailer) -> float:
    """Wrong on purpose: the model fitted on the whole log, 2024 included, so the "holdout"
    was seen in fitting (the fit of :func:`future_values`)."""
    _, summary = _holdout(retailer)
    model = _whole_log(retailer)[0]
    forecast = model.expected_purchases(summary["duration_holdout"], summary).sum()
    return float(100 * (forecast / summary["frequency_holdout"].sum() - 1))
