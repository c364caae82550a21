"""Choosing target customers and measuring a promotion's response (chapter 5, section 9).

* :func:`category_contribution` — which product categories carry the revenue and the
  margin (Customer Service and Management: "analyse each product's contribution to sales and profit").
* :func:`target_table` — Customer Service and Management's skill exercise 2-4 on ValueMart's data: each segment's
  size, value and reachability, and the margin at stake among reachable customers.
* :func:`coupon_test` — a randomised coupon test on one segment, *simulated* from each
  customer's own purchase rate in the card data (the simulator has no promotions of
  ValueMart's own), and :func:`uplift` — treated minus control with a 95% interval.

>>> from casekit.data import simulate_retailer
>>> shop = simulate_retailer(300, seed=2, years=1)
>>> test = coupon_test(shop, "couple", seed=1)
>>> sorted(test.columns)
['before', 'customer', 'group', 'rate', 'response']
>>> u = uplift(test)
>>> u.low <= u.uplift <= u.high
True
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from casekit.i18n import _

__all__ = ["category_contribution", "target_table", "coupon_test", "uplift", "Uplift",
           "ACTIVE_DAYS", "TEST_WEEKS", "SEASON", "EFFECT"]

ACTIVE_DAYS = 180     # a customer with a trip in the last 180 days counts as reachable
TEST_WEEKS = 4        # the coupon is valid for four weeks
SEASON = 1.5          # the test weeks run up to Spring Festival: everyone shops 50% more
EFFECT = 1.0          # a coupon raises a customer's rate by up to 100%, by promotion sensitivity


def category_contribution(shop, by: str | None = None) -> pd.DataFrame:
    """Per category: revenue, margin, margin rate, and shares of all revenue and margin.

    Sorted by margin, largest first. Revenue is each line's quantity × price; margin is
    revenue × the category's margin rate in ``shop.catalogue``. With ``by`` (a column of
    ``shop.customers``, e.g. ``"household"``): each category's share of each segment's
    margin instead, one column per segment (each column adds up to 1).
    """
    lines = shop.lines
    rate = shop.catalogue.drop_duplicates("category").set_index("category")["margin_rate"]
    value = lines["quantity"] * lines["price"]
    cat = lines["category"].astype(str)
    if by is not None:
        owner = lines["trip"].map(shop.transactions.set_index("trip")["customer"])
        seg = owner.map(shop.customers.set_index("customer")[by].astype(str))
        m = (value * cat.map(rate).to_numpy()).groupby([cat, seg]).sum().unstack()
        m = m / m.sum()
        m.index.name, m.columns.name = "category", by
        return m.loc[m.mean(axis=1).sort_values(ascending=False).index]
    out = pd.DataFrame({"revenue": value.groupby(cat).sum()})
    out["margin"] = (value * cat.map(rate).to_numpy()).groupby(cat).sum()
    out["margin_rate"] = out["margin"] / out["revenue"]
    out["revenue_share"] = out["revenue"] / out["revenue"].sum()
    out["margin_share"] = out["margin"] / out["margin"].sum()
    out.index.name = "category"
    return out.sort_values("margin", ascending=False)


def target_table(shop, by: str = "household", active_days: int = ACTIVE_DAYS) -> pd.DataFrame:
    """Skill exercise 2-4's table: per segment, size, value and reachability.

    ``customers``: how many; ``size``: their share of all customers; ``margin_per_customer``:
    margin (¥) over the whole period per customer; ``reachable``: the share with a trip in
    the last ``active_days`` days (they still come in and still read the card's offers);
    ``reachable_margin``: customers × reachable × margin per customer, the margin (¥) in
    the segment's reachable part at its average value; ``channel``: the channel through
    which most of the segment joined. Sorted by ``reachable_margin``, largest first.
    """
    c = shop.customers
    t = shop.transactions
    margin = c["customer"].map(t.groupby("customer")["margin"].sum()).fillna(0.0)
    last = t["timestamp"].dt.normalize().max()
    recent = set(t.loc[t["timestamp"] > last - pd.Timedelta(days=active_days), "customer"])
    frame = pd.DataFrame({"segment": c[by].astype(str), "margin": margin,
                          "active": c["customer"].isin(recent), "channel": c["channel"].astype(str)})
    g = frame.groupby("segment")
    out = pd.DataFrame({"customers": g.size()})
    out["size"] = out["customers"] / out["customers"].sum()
    out["margin_per_customer"] = g["margin"].mean()
    out["reachable"] = g["active"].mean()
    out["reachable_margin"] = out["customers"] * out["reachable"] * out["margin_per_customer"]
    out["channel"] = g["channel"].agg(lambda s: s.value_counts().index[0])
    out.index.name = by
    return out.sort_values("reachable_margin", ascending=False)


def coupon_test(shop, segment: str, by: str = "household", seed: int = 1,
                weeks: int = TEST_WEEKS, season: float = SEASON, effect: float = EFFECT) -> pd.DataFrame:
    """A randomised coupon test on the reachable customers of one segment (simulated).

    The customers of ``segment`` with a trip in the last :data:`ACTIVE_DAYS` days are split
    at random (``seed``) into two halves: ``treated`` get a coupon, ``control`` do not.
    ``rate`` is each customer's own trips per week over the last year of card data;
    ``before`` is 1 if they shopped in the last ``weeks`` weeks of the data. ``response``
    (1 if they shop in the ``weeks`` weeks of the test) is simulated: a Poisson number
    of trips at ``rate × season``, times ``1 + effect × promotion sensitivity`` for the
    treated (the sensitivity is the simulator's truth, which the firm does not see).
    The season makes everyone shop more in the test weeks, coupon or not.
    """
    c, t = shop.customers, shop.transactions
    last = t["timestamp"].dt.normalize().max()
    recent = set(t.loc[t["timestamp"] > last - pd.Timedelta(days=ACTIVE_DAYS), "customer"])
    who = c.loc[(c[by].astype(str) == segment) & c["customer"].isin(recent), "customer"].to_numpy()
    if len(who) < 2:
        raise ValueError(f"segment {segment!r} has fewer than two reachable customers")
    year = t[t["timestamp"] > last - pd.Timedelta(days=364)]
    rate = pd.Series(who).map(year.groupby("customer").size()).fillna(0).to_numpy() / 52
    sens = pd.Series(who).map(shop.truth.customers.set_index("customer")["promotion_sensitivity"]).to_numpy()
    rng = np.random.default_rng(seed)
    treated = rng.permutation(len(who)) < len(who) // 2
    before = (rng.poisson(rate * weeks) > 0).astype(int)
    mean = rate * weeks * season * np.where(treated, 1 + effect * sens, 1.0)
    response = (rng.poisson(mean) > 0).astype(int)
    return pd.DataFrame({"customer": who, "group": np.where(treated, "treated", "control"),
                         "rate": rate, "before": before, "response": response})


@dataclass(frozen=True)
class Uplift:
    """Treated minus control response rate, with a 95% interval (normal approximation)."""

    treated: float
    control: float
    uplift: float
    low: float
    high: float
    n_treated: int
    n_control: int

    def __repr__(self):
        return _("Uplift {uplift:+.1f} percentage points (95% interval {low:+.1f} to "
                 "{high:+.1f}): treated {treated:.1%} of {n_treated:,}, control {control:.1%} "
                 "of {n_control:,}").format(
            uplift=100 * self.uplift, low=100 * self.low, high=100 * self.high,
            treated=self.treated, n_treated=self.n_treated, control=self.control,
            n_control=self.n_control)


def uplift(test: pd.DataFrame, outcome: str = "response") -> Uplift:
    """Difference in ``outcome`` rates, treated − control, ± 1.96 standard errors."""
    g = test.groupby("group")[outcome]
    p1, p0 = g.mean()["treated"], g.mean()["control"]
    n1, n0 = int(g.size()["treated"]), int(g.size()["control"])
    se = np.sqrt(p1 * (1 - p1) / n1 + p0 * (1 - p0) / n0)
    d = p1 - p0
    return Uplift(float(p1), float(p0), float(d), float(d - 1.96 * se), float(d + 1.96 * se), n1, n0)
