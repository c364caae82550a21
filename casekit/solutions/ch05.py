"""Reference solutions for chapter 5's computed exercises, in the bank
``casekit/exercises/banks/05-swot.toml``.

Each function takes a simulated retailer (``casekit.data.simulate_retailer`` or
``casekit.exercises.my_retailer()``) and returns the evidence behind one SWOT factor: how
concentrated revenue is, where it comes from, what share of wallet ValueMart holds and how
many customers a competitor's price cut took. The functions whose names start with
``mistake_`` compute a *typical wrong* answer, so the checker can name the mistake.

Revenue is the sum of ``transactions["total"]`` (¥); a customer's region and household are
those in ``customers``. The examples run on a tiny retailer of five customers:

>>> shop = tiny_retailer()
>>> shop.customers
   customer           household region
0         1       young family  North
1         2             single  North
2         3  established family  South
3         4            retiree  South
4         5             couple   East
>>> shop.transactions.groupby("customer")["total"].sum().tolist()
[600.0, 100.0, 100.0, 100.0, 100.0]
"""
from __future__ import annotations

from types import SimpleNamespace

import pandas as pd

__all__ = ["tiny_retailer", "top20_share", "region_share", "region_spread", "family_share",
           "mean_share_of_wallet", "price_cut_defections", "coupon_uplift", "REGIONS"]

REGIONS = ("North", "South", "East", "West")
FAMILIES = ("young family", "established family")
WINDOW = pd.Timedelta(days=84)     # twelve weeks from a competitor's price cut


def tiny_retailer() -> SimpleNamespace:
    """Five customers, their trips, two defections, a survey and the competitors' events."""
    customers = pd.DataFrame({
        "customer": [1, 2, 3, 4, 5],
        "household": ["young family", "single", "established family", "retiree", "couple"],
        "region": ["North", "North", "South", "South", "East"],
    })
    transactions = pd.DataFrame({
        "trip": range(1, 11),
        "customer": [1, 1, 1, 2, 2, 2, 2, 3, 4, 5],
        "timestamp": pd.to_datetime(["2023-01-05", "2023-02-05", "2023-03-05", "2023-01-07",
                                     "2023-01-14", "2023-01-21", "2023-01-28", "2023-01-09",
                                     "2023-02-02", "2023-03-03"]),
        "total": [300.0, 200.0, 100.0, 25.0, 25.0, 25.0, 25.0, 100.0, 100.0, 100.0],
    })
    defections = pd.DataFrame({
        "customer": [2, 4, 5],
        "date": pd.to_datetime(["2023-03-01", "2023-02-02", "2023-03-03"]),
        "kind": ["complete", "complete", "partial"],
        "cause": ["price", "market", "price"],
    })
    survey = pd.DataFrame({"customer": [1, 3, 4], "share_of_wallet": [0.9, 0.5, 0.4]})
    events = pd.DataFrame({
        "region": ["North", "North", "South", "East"],
        "event": ["competitor price cut", "competitor promotion", "competitor price cut",
                  "competitor price cut"],
        "date": pd.to_datetime(["2023-02-15", "2023-01-01", "2023-01-20", "2022-06-01"]),
    })
    return SimpleNamespace(customers=customers, transactions=transactions,
                           defections=defections, survey=survey,
                           truth=SimpleNamespace(events=events))


def _revenue(retailer) -> pd.Series:
    """Revenue (¥) per customer, every customer included (0 when they never bought)."""
    spend = retailer.transactions.groupby("customer")["total"].sum()
    return spend.reindex(retailer.customers["customer"], fill_value=0.0)


# --------------------------------------------------------------------------- concentration
def top20_share(retailer) -> float:
    """swot.top20-share: the share of revenue that the top 20% of customers by revenue bring
    (the top ``round(0.2 × customers)`` customers).

    >>> top20_share(tiny_retailer())     # the top customer of five: 600 of 1,000
    0.6
    """
    spend = _revenue(retailer).sort_values(ascending=False)
    top = int(round(0.2 * len(spend)))
    return float(spend.iloc[:top].sum() / spend.sum())


def mistake_top20_by_trips(retailer) -> float:
    """Wrong on purpose: ranks customers by number of trips, not by revenue.

    >>> mistake_top20_by_trips(tiny_retailer())    # customer 2: 4 trips of ¥25
    0.1
    """
    t = retailer.transactions
    trips = t.groupby("customer").size().reindex(retailer.customers["customer"], fill_value=0)
    top = trips.sort_values(ascending=False, kind="stable").index[:int(round(0.2 * len(trips)))]
    spend = _revenue(retailer)
    return float(spend.loc[top].sum() / spend.sum())


def mistake_bottom80_share(retailer) -> float:
    """Wrong on purpose: the share of the other 80% of customers.

    >>> mistake_bottom80_share(tiny_retailer())
    0.4
    """
    return 1 - top20_share(retailer)


# --------------------------------------------------------------------------- where from
def region_share(retailer) -> pd.DataFrame:
    """Each region's share of revenue, by the customer's region (behind swot.region-spread).

    >>> region_share(tiny_retailer())
            share
    region
    North     0.7
    South     0.2
    East      0.1
    West      0.0
    """
    spend = _revenue(retailer)
    region = retailer.customers.set_index("customer")["region"].astype(str)
    share = spend.groupby(region.loc[spend.index].to_numpy()).sum() / spend.sum()
    out = share.reindex(list(REGIONS), fill_value=0.0).rename("share").to_frame()
    out.index.name = "region"
    return out


def region_spread(retailer) -> float:
    """swot.region-spread: the largest region's share of revenue minus the smallest's.

    >>> round(region_spread(tiny_retailer()), 6)     # North 0.7, West 0.0
    0.7
    """
    share = region_share(retailer)["share"]
    return float(share.max() - share.min())


def mistake_region_spread_customers(retailer) -> float:
    """Wrong on purpose: the gap between the regions' shares of *customers*.

    >>> mistake_region_spread_customers(tiny_retailer())   # North 2 of 5, West 0
    0.4
    """
    region = retailer.customers["region"].astype(str)
    share = region.value_counts(normalize=True).reindex(list(REGIONS), fill_value=0.0)
    return float(share.max() - share.min())


def mistake_region_spread_yuan(retailer) -> float:
    """Wrong on purpose: the gap in ¥ of revenue, not in shares.

    >>> mistake_region_spread_yuan(tiny_retailer())
    700.0
    """
    spend = _revenue(retailer)
    return float(region_spread(retailer) * spend.sum())


def family_share(retailer) -> float:
    """swot.family-share: the share of revenue from families (young and established).

    >>> family_share(tiny_retailer())     # 600 + 100 of 1,000
    0.7
    """
    spend = _revenue(retailer)
    household = retailer.customers.set_index("customer")["household"].astype(str)
    families = household.loc[spend.index].isin(FAMILIES).to_numpy()
    return float(spend[families].sum() / spend.sum())


def mistake_family_customer_share(retailer) -> float:
    """Wrong on purpose: the families' share of *customers*, not of revenue.

    >>> mistake_family_customer_share(tiny_retailer())   # customers 1 and 3 of 5
    0.4
    """
    return float(retailer.customers["household"].astype(str).isin(FAMILIES).mean())


def mistake_family_young_only(retailer) -> float:
    """Wrong on purpose: only young families counted.

    >>> mistake_family_young_only(tiny_retailer())       # 600 of 1,000
    0.6
    """
    spend = _revenue(retailer)
    household = retailer.customers.set_index("customer")["household"].astype(str)
    return float(spend[(household.loc[spend.index] == "young family").to_numpy()].sum() / spend.sum())


def mean_share_of_wallet(retailer) -> float:
    """swot.share-of-wallet: the respondents' mean share of wallet (their grocery spending
    that goes to ValueMart, a share from 0 to 1).

    >>> round(mean_share_of_wallet(tiny_retailer()), 3)
    0.6
    """
    return float(retailer.survey["share_of_wallet"].mean())


# --------------------------------------------------------------------------- threats
def _price_cut_window(retailer, causes=("price",)) -> pd.Series:
    d = retailer.defections.merge(retailer.customers[["customer", "region"]], on="customer")
    d["region"] = d["region"].astype(str)
    ev = retailer.truth.events
    cuts = ev[ev["event"] == "competitor price cut"].set_index(ev.loc[
        ev["event"] == "competitor price cut", "region"].astype(str))["date"]
    when = d["region"].map(cuts)
    inside = (d["date"] >= when) & (d["date"] < when + WINDOW)
    return inside & d["cause"].astype(str).isin(causes)


def price_cut_defections(retailer) -> int:
    """swot.price-cut-defections: customers who defected (completely or partly) **for price**
    in the twelve weeks (84 days) from the competitor's price cut in their own region,
    summed over the regions.

    >>> price_cut_defections(tiny_retailer())   # customer 2 (North, 14 days after the cut)
    1
    """
    return int(_price_cut_window(retailer).sum())


def mistake_price_cut_all_causes(retailer) -> int:
    """Wrong on purpose: counts defections of every cause in the window.

    >>> mistake_price_cut_all_causes(tiny_retailer())   # customers 2 and 4
    2
    """
    return int(_price_cut_window(retailer, ("price", "product", "service", "promotion",
                                            "market", "technology")).sum())


def mistake_price_all_period(retailer) -> int:
    """Wrong on purpose: counts every price defection, whenever it happened.

    >>> mistake_price_all_period(tiny_retailer())
    2
    """
    return int((retailer.defections["cause"].astype(str) == "price").sum())


# --------------------------------------------------------------------------- promotion response
COUPON_SEGMENT = "young family"    # the segment the chapter's coupon test targets
COUPON_SEED = 1                    # the randomisation's seed, as in the chapter


def _coupon(retailer) -> pd.DataFrame:
    from casekit.targeting import coupon_test

    return coupon_test(retailer, COUPON_SEGMENT, seed=COUPON_SEED)


def coupon_uplift(retailer) -> float:
    """swot.coupon-uplift: the coupon's uplift, the treated group's response rate minus the
    control group's, in the test of ``casekit.targeting.coupon_test(retailer, "young family")``.
    """
    g = _coupon(retailer).groupby("group")["response"].mean()
    return float(g["treated"] - g["control"])


def mistake_coupon_before_after(retailer) -> float:
    """Wrong on purpose: the treated group's response in the test weeks minus its own rate in
    the four weeks before (a before/after comparison, which counts the season as the coupon's)."""
    t = _coupon(retailer).query("group == 'treated'")
    return float(t["response"].mean() - t["before"].mean())


def mistake_coupon_response_rate(retailer) -> float:
    """Wrong on purpose: the treated group's response rate, as if no one would have shopped
    without the coupon."""
    return float(_coupon(retailer).query("group == 'treated'")["response"].mean())
