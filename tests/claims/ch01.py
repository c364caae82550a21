"""Chapter 1, part 1's figures (notebooks/01-customer-value.ipynb), recomputed with casekit on
the notebook's own ValueMart (see tests/claims/__init__.py). Part 2 is tests/claims/ch01b.py."""
import numpy as np
import pandas as pd

from casekit import value as cv
from tests.claims import Claim, shop

NOTEBOOK = "notebooks/01-customer-value.ipynb"
SERVICE_COST = 24          # ¥ a year per active customer, the chapter's stated assumption


def _profit_top20():
    tx = shop().transactions
    margin = tx.groupby("customer")["margin"].sum()
    years = tx.assign(year=tx["timestamp"].dt.year).groupby("customer")["year"].nunique()
    pareto = cv.pareto_table(margin - SERVICE_COST * years)
    return {"share": pareto.loc[pareto["customer_share"] <= 0.2, "value_share"].iloc[-1]}


def _retention(period):
    tx = shop().transactions
    shopped = (pd.crosstab(tx["customer"], tx["timestamp"].dt.to_period(period)) > 0).to_numpy()
    return (shopped[:, :-1] & shopped[:, 1:]).sum() / shopped[:, :-1].sum()


def _timing():
    acq, end, res = (cv.clv_retention(100, 0.8, 0.1, timing=t)
                     for t in ("acquisition", "end_of_period", "residual"))
    return {"end": acq / end - 1, "res": acq / res - 1}


def _explorer_inputs():
    panel = cv.cohort_panel(shop().transactions, cohort="2022").droplevel("group")
    r = panel.loc[3, "retained"] / panel.loc[2, "retained"]
    m = panel.loc[3, "margin"] / panel.loc[3, "retained"]
    return {"m": round(m), "r": round(r, 2)}


def _dwyer_example():
    table = cv.dwyer_table(retained=[1000, 600, 420, 315, 252],
                           sales=[300_000, 198_000, 151_200, 119_700, 100_800],
                           costs=[240_000, 148_500, 105_840, 81_396, 66_528], discount_rate=0.10)
    return {"ltv": table["ltv_per_customer"].iloc[-1]}


CLAIMS = [
    Claim("The same {n:,} simulated cardholders as in chapter 0",
          lambda: {"n": len(shop().customers)}),
    Claim("ValueMart surveyed {n:,} cardholders in mid-2023", lambda: {"n": len(shop().survey)}),
    Claim("the acquisition-time value is {end:.0%} above the end-of-period value and {res:.1%} "
          "above the residual value", _timing),
    Claim("Monthly retention of {m:.0%} \"implies\" almost nobody stays a year; yearly retention "
          "says {y:.0%} do.", lambda: {"m": _retention("M"), "y": _retention("Y")}),
    Claim("The explorer starts from the rounded inputs, ¥{m} and {r:.0%}", _explorer_inputs),
    Claim("After five years each acquired customer is worth about ¥{ltv:.0f} in today's money",
          _dwyer_example),
    Claim("the top 20% of cardholders bring {share:.0%} of the profit", _profit_top20),
]

EXEMPT = {
    '"last year\'s top 20%"': "the finance director's rule of thumb, a chosen cut",
    "38% of prospects": "*Customer Service and Management*'s unnamed study, quoted as the course text gives it",
    "**¥24 a year**": "the service cost the chapter assumes (a stated convention)",
    "plus ¥24 per retained": "the same assumed service cost",
    "the ¥24 a year": "the same assumed service cost",
    "the first 80% of the profit": "the conventional ABC threshold",
    "just above 100%": "the top of the whale curve's axis, not a figure",
    "For m = ¥100, r = 80% and d = 10%": "illustrative inputs of the formula example",
    "approaches 100%": "a limit, not a figure",
    "a cohort of 1,000 customers, 60% retained": "illustrative inputs of the worked Dwyer table",
    "the **1,000 acquired**, not the 252 left": "the worked table's illustrative inputs",
    "the last 90 days": "a chosen selection rule for the example customer",
    "the top 20% of": "the share of customers the Pareto cut is made at",
    "(38% of prospects,": "*Customer Service and Management*'s unnamed study, in the source list",
    "divided by 1.1^(t − 1)": "the discount factor at the chapter's 10% rate (a formula)",
    "68(1), 109–127": "citation", "17(1), 9–24": "citation", "3(4), 8–15": "citation",
    "12(1), 17–30": "citation", "14(2), 43–55": "citation", "15(5), 5–15": "citation",
}


def _event_forecast():
    """The worked customer-event forecast, as the notebook builds it."""
    s = shop()
    tx = s.transactions
    first_last = tx.groupby("customer")["timestamp"].agg(["min", "max"])
    she = first_last.index[(first_last["min"].dt.year == 2022)
                           & (first_last["max"] > s.end - pd.Timedelta(days=90))][0]
    trips = tx[tx["customer"] == she]
    pace, per_trip = trips["timestamp"].diff().dt.days.mean(), trips["margin"].mean()
    r = _cohort_retention()
    day = np.arange(pace, 3 * 365, pace)
    year = (day // 365 + 1).astype(int)
    pv_margin = (per_trip * r ** (year - 1) * 1.10 ** (-day / 365)).sum()
    years = np.unique(year)
    pv_cost = (SERVICE_COST * r ** (years - 1) / 1.10 ** (years - 1)).sum()
    return {"total": pv_margin - pv_cost}


def _cohort_retention():
    panel = cv.cohort_panel(shop().transactions, cohort="2022").droplevel("group")
    return panel.loc[3, "retained"] / panel.loc[2, "retained"]


CLAIMS.append(Claim("Her forecast profit over the next three years, in today's money, is ¥{total:,.0f}",
                    _event_forecast))
