"""Chapter 6 (running the service team): the figures its prose states, recomputed with
casekit.service (the seeded call log and team) and casekit's simulated ValueMart (seed 0)."""
import functools

import pandas as pd

from tests.claims import Claim, shop

NOTEBOOK = "notebooks/06-service-team.ipynb"
WORDS = {2: "two", 3: "three"}


@functools.lru_cache(maxsize=None)
def _calls():
    from casekit import service

    calls = service.simulate_calls(600, 6, seed=0)
    return calls, service.norm_report(calls, by="agent")


@functools.lru_cache(maxsize=None)
def _team():
    from casekit import service

    team = service.simulate_team(8, seed=0)
    return team, service.appraise(team)


@functools.lru_cache(maxsize=None)
def _bonus():
    from casekit import service

    s = shop()
    north = s.truth.stores.loc[s.truth.stores["region"] == "North", "store"]
    december = s.transactions["timestamp"].dt.strftime("%Y-%m") == "2024-12"
    sales = s.transactions.loc[december & s.transactions["store"].isin(north), "total"].sum()
    pool = service.bonus_pool(round(sales * 1000, 2))
    final = _team()[1]["final"]
    return pool, service.split_bonus(final, pool), final


@functools.lru_cache(maxsize=None)
def _stores():
    s = shop()
    survey = s.survey.merge(s.customers[["customer", "home_store"]], on="customer")
    by_store = survey.groupby(survey["home_store"].astype(str))["fulfilment"].agg(["mean", "size"])
    by_store["q"] = s.truth.stores.set_index("store")["service_quality"]
    r_people = survey["fulfilment"].corr(survey["home_store"].astype(str).map(by_store["q"]))
    return by_store, by_store["mean"].corr(by_store["q"]), r_people


def _what_if():
    from casekit import service

    team = _team()[0].copy()
    team.loc["T03", "missed_services"] = 1
    return service.appraise(team).loc["T03"]


def _zhang():
    from casekit import service

    zhang = pd.DataFrame([{"absences": 2, "late_services": 1, "missed_services": 0, "attitude": 80,
                           "solved": 90, "professionalism": 70, "manager": 85, "onsite_rate": 60,
                           "feedback": 90}], index=["Zhang"])
    return service.appraise(zhang).loc["Zhang"]


def _swapped():
    b = _stores()[0]
    ranks = b[["mean", "q"]].rank()
    return sorted(ranks.index[ranks["mean"] != ranks["q"]])


CLAIMS = [
    Claim("Overall the desk answers about {a:.0%} of calls within two rings and {b:.0%} within four",
          lambda: {"a": round((_calls()[0]["rings"] <= 2).mean(), 1),
                   "b": (_calls()[0]["rings"] <= 4).mean()}),
    Claim("The same three let {lo:.0f}–{hi:.0%} of their calls ring beyond the four-ring limit",
          lambda: (lambda r: {"lo": 100 * (1 - r.loc[["A1", "A5", "A6"], "within_max"].max()),
                              "hi": 1 - r.loc[["A1", "A5", "A6"], "within_max"].min()})(_calls()[1])),
    Claim("(about {n} calls a month in all)",
          lambda: {"n": int(round(_calls()[1]["dropped"].sum(), -1))}),
    Claim("the manager gives them the lowest marks ({a} and {b}), and T05 also solves the fewest "
          "problems on site ({c}%)",
          lambda: (lambda t: {"a": t.loc["T05", "manager"], "b": t.loc["T01", "manager"],
                              "c": t["onsite_rate"].min()})(_team()[0])),
    Claim("T03's attendance drops from {a:.0f} to 0, the final score by {d:.1f} points, and the rank from "
          "1 to {r}",
          lambda: {"a": _team()[1].loc["T03", "attendance"],
                   "d": _team()[1].loc["T03", "final"] - _what_if()["final"],
                   "r": int(_what_if()["rank"])}),
    Claim("so the top technician's bonus is {p:.0%} above the bottom one's",
          lambda: {"p": _bonus()[1].max() / _bonus()[1].min() - 1}),
    Claim("The top technician earns about ¥{a:,.0f} and the lowest about ¥{b:,.0f}, against ¥{c:,.0f} each "
          "for an equal split: the top bonus is {p:.0%} above the bottom one",
          lambda: {"a": round(_bonus()[1].max(), -2), "b": round(_bonus()[1].min(), -2),
                   "c": _bonus()[0] / 8, "p": _bonus()[1].max() / _bonus()[1].min() - 1}),
    Claim("a score of {lo:.0f} is {p:.0%} of a score of {hi:.0f}",
          lambda: {"lo": int(_bonus()[2].min()), "hi": int(_bonus()[2].max()),
                   "p": _bonus()[2].min() / _bonus()[2].max()}),
    Claim("By hand: attendance = 0.4 × (100 − 2 × 10) + 0.6 × (100 − 10) = 32 + 54 = **{a:g}**; customer = "
          "0.25 × 80 + 0.5 × 90 + 0.25 × 70 = **{c:g}**; manager **{m:g}**; problem-solving = 0.4 × 60 + "
          "0.6 × 90 = **{p:g}**. Final = 0.1 × {a:g} + 0.2 × {c:g} + 0.3 × {m:g} + 0.4 × {p:g} = {wa:g} + "
          "{wc:g} + {wm:g} + {wp:g} = **{f:g}**",
          lambda: (lambda z: {"a": z["attendance"], "c": z["customer"], "m": z["manager"],
                              "p": z["problem_solving"], "wa": round(0.1 * z["attendance"], 2),
                              "wc": round(0.2 * z["customer"], 2), "wm": round(0.3 * z["manager"], 2),
                              "wp": round(0.4 * z["problem_solving"], 2), "f": z["final"]})(_zhang())),
    Claim("line up almost perfectly with the truth (r ≈ {r:.2f})", lambda: {"r": _stores()[1]}),
    Claim("the survey puts {a} below {b} and {c} above {d}",
          lambda: dict(zip("abcd", ["S08", "S02", "S10", "S12"]))
          if _swapped() == ["S02", "S08", "S10", "S12"] else {"a": "?", "b": "?", "c": "?", "d": "?"}),
    Claim("the correlation is only about {r:.2f}", lambda: {"r": _stores()[2]}),
    Claim("(r ≈ {r:.2f} over stores, two close pairs swapped)",
          lambda: {"r": _stores()[1]} if len(_swapped()) == 4 else {"r": float("nan")}),
    Claim("The {r:.2f} follows from how the simulator builds", lambda: {"r": _stores()[1]}),
    Claim("So treat {r:.2f} as the ceiling", lambda: {"r": _stores()[1]}),
    Claim("The {r:.2f} is the simulator's", lambda: {"r": _stores()[1]}),
]

EXEMPT = {
    "case 5.1": "the case's number in the course Q&A",
    "Case 5.1": "the case's number in the course Q&A",
    "案例5.1": "the case's number in the course Q&A",
    "(5.1.1–5.1.4, the final score 5.2, the bonus 5.3)": "section numbers of the case",
    "Section 5.3 of the case": "a section number of the case",
    "each out of 100": "the scale of case 5.1's modules",
    "(30%), then the post-service feedback (24%) and the on-site resolution rate (16%)":
        "case 5.1's weights (30%; 40% × 60%; 40% × 40%), shown by scheme_table above",
    "The customer forms average 80 for attitude, 90 for problem solved, 70 for professionalism; the sales "
    "manager gives 85; 60% of problems were solved on site and the post-service feedback averages 90":
        "the worked example's inputs, typed in the code cell below it",
    "the 0–100 marks": "the scale of case 5.1's marks",
    "the module with 40%": "case 5.1's weight",
    "by at most 10 points": "attendance's 10% weight on a 0–100 module",
    "Everyone lands between 80 and 90": "the range of the printed final scores (80.17–89.44)",
    "On a 0–100 axis": "the scale of the score",
    "sample of 5,000 customers": "the simulated retailer's size, its call",
    "scaled up 1,000 times": "this chapter's assumption, stated as such",
    "10 + 20 + 30 + 40 = 100%, and the parts of each module add up to 100%, so the final score stays on "
    "the 0–100 scale. Outcomes (problem-solving, 40%)": "case 5.1's weights",
    "The manager's 30%": "case 5.1's weight",
    "points of 100": "case 5.1's scale",
    "per 100 calls": "a rate's unit",
    "(60% of the module)": "case 5.1's weight",
    "so it earns 90% of the money": "the ratio in the claim before it",
    "(about ±0.2 for some 80 answers, chapter 5)": "two standard errors of a store mean, computed in chapter 5",
    "Averaging some 80 answers per store": "respondents per store, printed in the size column above",
    "counts 24% of their score": "case 5.1's weight (40% × 60%)",
    "attendance 10% (on-duty 40%, punctuality 60%; −10 per incident; one missed service → 0), customer "
    "evaluation 20% (25/50/25), sales manager 30%, problem-solving 40% (on-site 40%, feedback 60%)":
        "case 5.1's weights, restated",
    "The weights add up to 100%": "case 5.1's weights",
    "the modules add up to 100%": "case 5.1's weights",
    "a single rater's 30%": "case 5.1's weight",
    "× 1,000 (an assumption": "this chapter's assumption",
}
