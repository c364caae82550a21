"""Chapter 2 (loyalty): the figures its prose states, recomputed with casekit on the ValueMart
the chapter simulates (``simulate_retailer(5000, seed=0)``), the way the notebook computes them."""
import functools

import pandas as pd

from tests.claims import Claim, shop

NOTEBOOK = "notebooks/02-loyalty.ipynb"


@functools.lru_cache(maxsize=1)
def _survey() -> pd.DataFrame:
    """The survey with the columns the chapter adds: trips in the next year, truth, types."""
    from casekit import loyalty

    s = shop()
    survey = s.survey.copy()
    start = survey["date"].min()
    trips = loyalty.repeat_trips(s.transactions, survey["customer"], start, start + pd.Timedelta(days=365))
    truth = s.truth.customers.set_index("customer")
    day = s.transactions["timestamp"].dt.normalize()
    recent = set(s.transactions.loc[day > day.max() - pd.Timedelta(days=180), "customer"])
    return survey.assign(
        trips=trips.to_numpy(),
        active=survey["customer"].map(truth["active_at_end"]).to_numpy(),
        dropout=survey["customer"].map(truth["dropout_date"]).to_numpy(),
        lapsed=~survey["customer"].isin(recent),
        quadrant=loyalty.satisfaction_loyalty_quadrants(
            survey["satisfaction"], survey["repurchase_intent"], satisfaction_cut=5, loyalty_cut=5).to_numpy(),
        type=loyalty.loyalty_types(survey["attachment"], trips.to_numpy(),
                                   attachment_cut=5, repeat_cut=4).to_numpy())


def _correlation():
    s = _survey()
    return {"r": s["satisfaction"].corr(s["repurchase_intent"])}


def _trips_by_satisfaction():
    by = _survey().groupby("satisfaction")["trips"].mean()
    return {"six": by[6], "seven": by[7], "ratio": by[7] / by[5]}


def _quadrant_shares():
    share = _survey()["quadrant"].value_counts(normalize=True)
    return {q: share[q] for q in ("loyalist", "hostage", "mercenary", "defector")}


def _types():
    s = _survey()
    share = s["type"].value_counts(normalize=True)
    active = s.groupby("type", observed=True)["active"].mean()
    return {"super": share["super loyalty"], "inertia": share["inertia loyalty"],
            "inertia_active": active["inertia loyalty"], "super_active": active["super loyalty"]}


def _margin():
    t = shop().transactions
    return {"share": t["margin"].sum() / t["total"].sum(), "per_trip": t["margin"].mean()}


def _nps():
    from casekit import loyalty

    r = shop().survey["recommend"]
    groups = loyalty.nps_groups(r).value_counts(normalize=True)
    return {"mean": r.mean(), "detractors": groups["detractor"], "promoters": groups["promoter"],
            "nps": f"{loyalty.nps(r):.0f}".replace("-", "−")}


def _still_active_at_7():
    return {"share": _survey().groupby("satisfaction")["active"].mean()[7]}


def _gone_before_survey():
    s = _survey()
    return {"share": (s["dropout"] < s["date"].min()).mean()}


def _stores():
    s = shop()
    by_store = s.survey.merge(s.customers[["customer", "home_store"]], on="customer").groupby(
        "home_store", observed=True)[["quality", "fulfilment"]].mean()
    service = s.truth.stores.set_index("store")["service_quality"].reindex(by_store.index)
    return {"r": by_store["fulfilment"].corr(service), "n": len(by_store)}


CLAIMS = [
    Claim("ValueMart surveyed {n:,} of its cardholders", lambda: {"n": len(shop().survey)}),
    Claim("the correlation is r = {r:.2f}", _correlation),
    Claim("It is highly correlated with loyalty — {r:.1f} with repurchase intent at ValueMart", _correlation),
    Claim("from 6 to 7 (from {six:.1f} to {seven:.1f} trips), and the respondents who answered 7 made "
          "{ratio:.1f}× the trips of those who answered 5", _trips_by_satisfaction),
    Claim("At ValueMart, with cut-offs of 5: {loyalist:.0%}, {hostage:.0%}, {mercenary:.0%}, {defector:.0%}.",
          _quadrant_shares),
    Claim("Only {super:.1%} are super (premium) loyal", _types),
    Claim("Inertia loyalty ({inertia:.0%}) is the group", _types),
    Claim("only {inertia_active:.0%} of them were still buying at the end, against {super_active:.0%} of the "
          "super loyal", _types),
    Claim("it comes to {share:.0%} of sales", _margin),
    Claim("¥{per_trip:.0f} of gross margin on an average trip", _margin),
    Claim("ValueMart's {share:.0%} gross margin is ¥{per_trip:.0f} a trip", _margin),
    Claim("The average answer is {mean:.1f}, yet the NPS is negative: {detractors:.1%} are detractors against "
          "{promoters:.1%} promoters.", _nps),
    Claim("The **NPS** is {nps},", _nps),
    Claim("{share:.0%} of the completely satisfied were still customers at the end", _still_active_at_7),
    Claim("Who is missing matters: {share:.0%} of ValueMart's respondents", _gone_before_survey),
    Claim("the service quality the simulation gave each store (correlation {r:.2f})", _stores),
]

EXEMPT = {
    "six times as likely to buy again within 18 months": "Jones & Sasser (1995): Xerox's published figure",
    "73(6), 88–99": "citation (volume, issue, pages)",
    "22(2), 99–113": "citation (volume, issue, pages)",
    "81(12), 46–54": "citation (volume, issue, pages)",
    "71(3), 39–51": "citation (volume, issue, pages)",
    "the last 180 days": "the chapter's definition of lapsed (a chosen window)",
    "## 11 ·": "section number",
}
