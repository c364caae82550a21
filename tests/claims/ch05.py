"""Chapter 5 (SWOT): the figures its prose states about ValueMart, recomputed with casekit's
simulated data (5,000 customers, seed 0) in plain pandas, as the notebook does."""
import functools

import pandas as pd

from tests.claims import Claim, shop

NOTEBOOK = "notebooks/05-swot.ipynb"
FAMILIES = ["young family", "established family"]
WORDS = {2: "two", 4: "four", 5: "Five", 7: "seven"}


def _revenue():
    s = shop()
    return s.customers["customer"].map(s.transactions.groupby("customer")["total"].sum())


@functools.lru_cache(maxsize=None)
def _stores():
    s = shop()
    rated = s.survey.merge(s.customers[["customer", "home_store"]], on="customer")
    return rated.groupby("home_store", observed=True)["fulfilment"].agg(
        ["mean", "count", "sem"]).sort_values("mean")


@functools.lru_cache(maxsize=None)
def _cuts():
    s = shop()
    cuts = s.truth.events.query("event == 'competitor price cut'").set_index("region")["date"]
    price = s.defections.query("cause == 'price'").merge(
        s.customers[["customer", "region", "household"]], on="customer")
    week = (price["date"] - price["region"].astype(str).map(cuts)).dt.days // 7
    per_week = week[(week >= -20) & (week < 20)].value_counts().reindex(range(-20, 20), fill_value=0)
    after, usual = per_week.loc[0:11].mean(), per_week.drop(range(0, 12)).mean()
    inside = (week >= 0) & (week < 12)
    return {"n": int(inside.sum()), "expected": usual * 12, "excess": inside.sum() - usual * 12,
            "cuts": len(cuts), "ratio": after / usual,
            "families": price.loc[inside, "household"].isin(FAMILIES).mean()}


def _per_household():
    s = shop()
    return s.customers.assign(revenue=_revenue()).groupby("household", observed=True)["revenue"].mean()


CLAIMS = [
    Claim("the highest spends only about a tenth more than the lowest over three years (young families "
          "¥{y:,.0f}, retirees ¥{r:,.0f})",
          lambda: {"y": _per_household().max(), "r": _per_household().min()}),
    Claim("{k} stores are rated below 4 of 7, the other {rest} at {low:.1f} or above",
          lambda: {"k": WORDS[int((_stores()["mean"] < 4).sum())],
                   "rest": WORDS[int((_stores()["mean"] >= 4).sum())],
                   "low": _stores().loc[_stores()["mean"] >= 4, "mean"].min() // 0.5 * 0.5}),
    Claim("With about {n} respondents a store, each mean is uncertain by about ±{u:.1f} (two standard "
          "errors)",
          lambda: {"n": int(round(_stores()["count"].mean(), -1)), "u": 2 * _stores()["sem"].mean()}),
    Claim("The two lowest, {a} and {b}, are within {gap:.1f} of the next two, {c} and {d}",
          lambda: dict(zip("abcd", _stores().index[:4]),
                       gap=round(_stores()["mean"].iloc[3] - _stores()["mean"].iloc[0] + 0.05, 1))),
    Claim("Of the {n} price defections in the four windows, about {e:.0f} would have happened at the "
          "usual rate: the cuts took about {x:.0f} customers, some {p:.0f} per cut, and about half of the "
          "defectors in the windows were families (who are {f:.0%} of all customers)",
          lambda: {**{k: _cuts()[k] for k in ("n",)}, "e": _cuts()["expected"],
                   "x": _cuts()["excess"], "p": _cuts()["excess"] / _cuts()["cuts"],
                   "f": shop().customers["household"].isin(FAMILIES).mean()}),
    Claim("a small but growing group of defectors ({a} in 2022, {b} in 2024)",
          lambda: (lambda y: {"a": y[2022], "b": y[2024]})(
              shop().defections.query("cause == 'technology'")["date"].dt.year.value_counts())),
    Claim("The survey's store means rest on {a}–{b} respondents",
          lambda: {"a": int(_stores()["count"].min()), "b": int(_stores()["count"].max())}),
    Claim("Internally ValueMart is a little below average ({i:.2f})",
          lambda: {"i": _ife_efe()[0]}),
    Claim("Externally it scores {e:.2f}", lambda: {"e": _ife_efe()[1]}),
    Claim("the totals (here {i:.2f} and {e:.2f})",
          lambda: {"i": _ife_efe()[0], "e": _ife_efe()[1]}),
]


@functools.lru_cache(maxsize=None)
def _ife_efe():
    """The chapter's weights and ratings (its judgement, typed in the notebook) on casekit.swot."""
    from casekit import swot

    t = swot.swot([("S", "a", 0.20, 3), ("S", "b", 0.20, 4), ("S", "c", 0.10, 3),
                   ("W", "d", 0.15, 2), ("W", "e", 0.20, 1), ("W", "f", 0.15, 1),
                   ("O", "g", 0.20, 3), ("O", "h", 0.20, 2), ("O", "i", 0.10, 3),
                   ("T", "j", 0.25, 1), ("T", "k", 0.15, 2), ("T", "l", 0.10, 2)])
    return swot.ife(t).total, swot.efe(t).total


EXEMPT = {
    "first sold in 1828": "a date (the brand's founding, widely published)",
    "\"nearly 20-fold in four years": "*Customer Service and Management*'s figure, quoted as the course text's",
    "~20-fold sales growth": "*Customer Service and Management*'s figure, quoted as the course text's",
    "more than 11 million tonnes": "sum of *Customer Service and Management*'s three output figures (5.54 + 4.20 + 1.85), charted above",
    "last 180 days": "the lapse window the chapter defines",
    "with 2.5 the midpoint": "the IFE/EFE scale's midpoint, David, Strategic Management",
    "the top 20% of customers bring": "the Pareto cut the chapter chooses; its share is printed above",
    "56(3), 102304": "citation volume and article number",
    "15(2), 54–66": "citation volume and pages",
    "no. 12": "citation issue",
}


# --------------------------------------------------------------------------- section 9
@functools.lru_cache(maxsize=None)
def _contribution():
    from casekit import targeting

    return targeting.category_contribution(shop())


@functools.lru_cache(maxsize=None)
def _by_segment():
    from casekit import targeting

    return targeting.category_contribution(shop(), by="household")


@functools.lru_cache(maxsize=None)
def _targets():
    from casekit import targeting

    return targeting.target_table(shop())


@functools.lru_cache(maxsize=None)
def _coupon():
    from casekit import targeting

    test = targeting.coupon_test(shop(), "young family", seed=1)
    treated = test.query("group == 'treated'")
    return targeting.uplift(test), treated["before"].mean(), treated["response"].mean()


def _joined():
    c = shop().customers
    return pd.crosstab(c["household"], c["channel"], normalize="index")["store"]


def _pct(x, d=0):
    return f"{x:.{d}%}"


CLAIMS += [
    Claim("Pantry goods are the core product by both measures ({p} of the margin)",
          lambda: {"p": _pct(_contribution().loc["pantry", "margin_share"])}),
    Claim("meat is {r} of revenue but, at a {m} margin rate, only {s} of the margin",
          lambda: {"r": _pct(_contribution().loc["meat", "revenue_share"], 1),
                   "m": _pct(_contribution().loc["meat", "margin_rate"]),
                   "s": _pct(_contribution().loc["meat", "margin_share"], 1)}),
    Claim("bakery, at {m}, turns {r} of revenue into {s} of the margin",
          lambda: {"m": _pct(_contribution().loc["bakery", "margin_rate"]),
                   "r": _pct(_contribution().loc["bakery", "revenue_share"], 1),
                   "s": _pct(_contribution().loc["bakery", "margin_share"], 1)}),
    Claim("baby products are {b} of young\nfamilies' margin",
          lambda: {"b": _pct(_by_segment().loc["baby", "young family"])}),
    Claim("ValueMart's thinnest category\n({r} margin)",
          lambda: {"r": _pct(_contribution()["margin_rate"].min())}),
    Claim("hardly differs between the segments (¥{lo:,.0f}–¥{hi:,.0f} over three years)",
          lambda: {"lo": _targets()["margin_per_customer"].min(),
                   "hi": _targets()["margin_per_customer"].max()}),
    Claim("about half the customers are still reachable ({lo}–{hi})",
          lambda: {"lo": _pct(_targets()["reachable"].min()), "hi": _pct(_targets()["reachable"].max())}),
    Claim("singles, the largest\ngroup ({n:,} customers)",
          lambda: {"n": int(_targets().loc["single", "customers"])}),
    Claim("Every segment joined mostly in a store ({lo}–{hi})",
          lambda: {"lo": _pct(_joined().min()), "hi": _pct(_joined().max())}),
    Claim("Of the {n1:,} treated families {t} shopped in the four weeks, and so did {c} of\nthe {n0:,} "
          "controls",
          lambda: {"n1": _coupon()[0].n_treated, "n0": _coupon()[0].n_control,
                   "t": _pct(_coupon()[0].treated, 1), "c": _pct(_coupon()[0].control, 1)}),
    Claim("{u:.1f} percentage points, with a 95% interval from {lo:.1f} to {hi:.1f}",
          lambda: {"u": 100 * _coupon()[0].uplift, "lo": 100 * _coupon()[0].low,
                   "hi": 100 * _coupon()[0].high}),
    Claim("\"{t} of coupon holders shopped\"", lambda: {"t": _pct(_coupon()[0].treated, 1)}),
    Claim("The before/after gain ({b} → {a}, {ba:+.1f} points)",
          lambda: {"b": _pct(_coupon()[1], 1), "a": _pct(_coupon()[2], 1),
                   "ba": 100 * (_coupon()[2] - _coupon()[1])}),
]

EXEMPT.update({
    "in the last 180 days": "the reachability window the chapter defines (as the lapse window)",
    "everyone shops 50%": "an assumption of the simulated test, stated as such",
    "± 1.96 standard errors": "the normal quantile of a 95% interval",
    "with a 95% interval": "the interval's conventional level",
    "1 May 2022": "a date (Alexa's closure, announced by Amazon)",
    "last of the seven Ps": "the 7P framework's count (Booms and Bitner, 1981)",
    "(its table 2-5)": "*Customer Service and Management*'s table number",
    "reading 2-11": "*Customer Service and Management*'s reading number",
    "Skill exercise 2-7": "*Customer Service and Management*'s exercise number",
    "Skill exercise 2-4": "*Customer Service and Management*'s exercise number",
    "The course text's second 2-7": "*Customer Service and Management*'s exercise number",
    "exercises 2-7": "*Customer Service and Management*'s exercise number",
    "(pp. 47–51)": "citation pages",
    "the festival's 50% rise": "an assumption of the simulated test, stated as such",
})
