"""Reference solutions for chapter 0's computed exercises, in the bank
``casekit/exercises/banks/00-what-is-crm.toml``.

Each function takes a simulated retailer (``casekit.data.simulate_retailer`` or
``casekit.exercises.my_retailer()``) and returns the answer to one exercise, using plain
pandas on its ``customers`` and ``transactions`` tables. The functions whose names start
with ``mistake_`` compute a *typical wrong* answer, so the checker can recognise it and
say what went wrong.

The examples run on a tiny retailer of four customers and seven trips:

>>> shop = tiny_retailer()
>>> shop.transactions[["customer", "timestamp", "total"]]
   customer           timestamp  total
0         1 2023-11-05 10:00:00   50.0
1         1 2024-03-20 18:30:00   30.0
2         2 2023-12-10 09:15:00  400.0
3         2 2023-12-20 12:00:00  100.0
4         2 2023-12-31 17:45:00  100.0
5         3 2024-03-31 11:00:00   20.0
6         1 2024-03-31 19:00:00   40.0
"""
from __future__ import annotations

import math
from types import SimpleNamespace

import pandas as pd

from casekit.solutions import shared

__all__ = ["recent_buyers", "top20_revenue_share", "trips_by_household", "tiny_retailer"]

RECENT_DAYS = 90
TOP_SHARE = 0.20
HOUSEHOLD_COLUMNS = ["Customers", "Trips per customer", "Revenue per trip"]


def tiny_retailer() -> SimpleNamespace:
    """A four-customer retailer with the simulated retailer's columns, for the examples.

    Customer 4 signed up but never bought anything.
    """
    customers = pd.DataFrame({
        "customer": [1, 2, 3, 4],
        "household": ["single", "family", "family", "single"],
    })
    transactions = pd.DataFrame({
        "trip": range(1, 8),
        "customer": [1, 1, 2, 2, 2, 3, 1],
        "timestamp": pd.to_datetime([
            "2023-11-05 10:00", "2024-03-20 18:30", "2023-12-10 09:15", "2023-12-20 12:00",
            "2023-12-31 17:45", "2024-03-31 11:00", "2024-03-31 19:00"]),
        "total": [50.0, 30.0, 400.0, 100.0, 100.0, 20.0, 40.0],
        "margin": [10.0, 6.0, 60.0, 20.0, 25.0, 4.0, 8.0],
    })
    return SimpleNamespace(customers=customers, transactions=transactions)


# --------------------------------------------------------------------------- recent buyers
@shared
def _recent_window(retailer, days: int = RECENT_DAYS) -> pd.DataFrame:
    """The trips made on the last date in the data or on the ``days - 1`` dates before it."""
    transactions = retailer.transactions
    day = transactions["timestamp"].dt.normalize()
    return transactions[day > day.max() - pd.Timedelta(days=days)]


def recent_buyers(retailer) -> int:
    """crm.recent-buyers: how many distinct customers bought in the last 90 days of the data.

    The window is the last date in ``transactions`` and the 89 dates before it (90
    calendar days); each customer counts once however many trips they made.

    >>> recent_buyers(tiny_retailer())   # 2 January–31 March: customers 1 (twice) and 3
    2
    """
    return int(_recent_window(retailer)["customer"].nunique())


def mistake_recent_trips(retailer) -> int:
    """Wrong on purpose: counts trips in the window instead of distinct customers.

    >>> mistake_recent_trips(tiny_retailer())
    3
    """
    return int(len(_recent_window(retailer)))


def mistake_all_buyers(retailer) -> int:
    """Wrong on purpose: every customer who ever bought, ignoring the 90-day window.

    >>> mistake_all_buyers(tiny_retailer())
    3
    """
    return int(retailer.transactions["customer"].nunique())


# --------------------------------------------------------------------------- top 20%
def _top_share(amounts: pd.Series, n_customers: int) -> float:
    """Share (0–1) of the total brought by the ``floor(20% × n_customers)`` largest amounts."""
    n_top = math.floor(TOP_SHARE * n_customers)
    return float(amounts.sort_values(ascending=False).head(n_top).sum() / amounts.sum())


@shared
def _revenue_per_customer(retailer, column: str = "total") -> pd.Series:
    """Each customer's total over all trips; customers who never bought count as 0."""
    spent = retailer.transactions.groupby("customer")[column].sum()
    return spent.reindex(retailer.customers["customer"], fill_value=0.0)


def top20_revenue_share(retailer) -> float:
    """crm.top20-share: the percentage of revenue brought by the top 20% of customers.

    Rank every customer in ``customers`` (including those who never bought, at 0) by
    their total revenue (the sum of ``total`` over their trips); take the top 20%
    (rounded down to a whole number of customers) and return their share of all revenue,
    in percent.

    >>> top20_revenue_share(tiny_retailer())   # 20% of 4 customers is 0.8: no one
    0.0
    >>> shop = tiny_retailer()
    >>> shop.customers = pd.DataFrame({"customer": range(1, 11)})   # 10 customers -> top 2
    >>> round(top20_revenue_share(shop), 2)    # customers 2 (600) and 1 (120) of 740
    97.3
    """
    return 100 * _top_share(_revenue_per_customer(retailer), len(retailer.customers))


def mistake_top20_fraction(retailer) -> float:
    """Wrong on purpose: the right share, but as a fraction (0.61) instead of percent."""
    return top20_revenue_share(retailer) / 100


def mistake_top20_margin(retailer) -> float:
    """Wrong on purpose: the top 20% of customers by *margin*, as a share of margin (%)."""
    return 100 * _top_share(_revenue_per_customer(retailer, "margin"), len(retailer.customers))


def mistake_top20_trips(retailer) -> float:
    """Wrong on purpose: the top 20% of *trips* (not customers) by value, in percent.

    >>> round(mistake_top20_trips(tiny_retailer()), 2)   # the largest trip, 400 of 740
    54.05
    """
    t = retailer.transactions
    return 100 * _top_share(t["total"], len(t))


def mistake_top20_buyers_only(retailer) -> float:
    """Wrong on purpose: the top 20% of the customers who bought (non-buyers left out), in %."""
    spent = retailer.transactions.groupby("customer")["total"].sum()
    return 100 * _top_share(spent, len(spent))


# --------------------------------------------------------------------------- households
def trips_by_household(retailer) -> pd.DataFrame:
    """crm.trips-by-household: customers, trips per customer and revenue per trip, by household.

    One row per household type (sorted by name); every customer in ``customers`` counts,
    including those who never bought (they make the averages per customer lower).

    - Customers: the number of customers of that household type;
    - Trips per customer: their trips ÷ their number of customers;
    - Revenue per trip: their revenue (sum of ``total``) ÷ their trips.

    >>> trips_by_household(tiny_retailer())
               Customers  Trips per customer  Revenue per trip
    household
    family             2                 2.0            155.0
    single             2                 1.5             40.0
    """
    customers = retailer.customers[["customer", "household"]]
    trips = retailer.transactions.merge(customers, on="customer", how="inner")
    table = pd.DataFrame({
        "Customers": customers.groupby("household").size(),
        "Trips": trips.groupby("household").size(),
        "Revenue": trips.groupby("household")["total"].sum(),
    }).fillna(0)
    table.index = table.index.astype(str)
    table.index.name = "household"
    out = pd.DataFrame({
        "Customers": table["Customers"].astype(int),
        "Trips per customer": table["Trips"] / table["Customers"],
        "Revenue per trip": table["Revenue"] / table["Trips"],
    })
    return out.sort_index()
