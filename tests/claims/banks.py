"""Figures the exercise banks state about the data, tied to the code that computes them.

An exercise's text (prompt, hints, explanation, option and item texts and feedback, mistakes'
messages, model answer) often quotes a figure about the simulated data: about the course's
ValueMart (``simulate_retailer(5000, seed=0)``, :func:`tests.claims.shop`, the shop the chapters
show) or about what a student finds in her own shop (``casekit.data.for_student``). Each
:class:`BankClaim` here is such a fragment with ``{holes}``, the exercise and field it stands in, and
the function that computes the figures: for the course's shop directly (reusing the chapter claims'
helpers, so a bank and its chapter cannot disagree); for a claim about students' shops over the
fixed class :data:`STUDENTS`, as a range from the 10th to the 90th percentile ("between about X and
Y on most students' data") or the median ("typically", "about"), rounded as the text rounds.
``tests/test_claims.py`` renders each claim and requires that exact text in its field.

Words are figures too: "about a third" renders :func:`share_word` of the value, "one in six"
:func:`one_in`, so a change of the data that moves them fails the build like a number would.

Checked and not tied (not figures about the data): the exercises' given inputs and what follows
from them by arithmetic (the word-of-mouth store, the odds-ratio customer, the IFE worked example,
Zhang's appraisal, the bonus split, the excess defections' 60.5 and 66.5 from the prompt's 127 and
2.1, the promotion test's 9 and 16 points from its rounded 52%, 43% and 36%), citations and
published figures with their source (Reichheld & Sasser, Jones & Sasser's Xerox, Osco Drug's 1.2
million baskets, Hardgrave et al.'s 16%, Wang Lao Ji's sales, the drinks output of 2000), the
chosen windows and cut-offs of the methods, and illustrations that name no data (checkout queues of
nine minutes, the lift-reading exercise's rules given only a leverage or a conviction).
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Callable

import numpy as np
import pandas as pd

from tests.claims import ch01b as nb01b
from tests.claims import ch02 as nb02
from tests.claims import ch03 as nb03
from tests.claims import ch04 as nb04
from tests.claims import ch05 as nb05
from tests.claims import ch06 as nb06
from tests.claims import shop

#: The class whose shops the "most students" claims describe (fixed, so the figures are too).
STUDENTS = tuple(f"s2026-{k:03d}" for k in range(1, 21))

WORDS = {2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight", 9: "nine",
         10: "ten", 12: "twelve", 15: "fifteen", 20: "twenty", 25: "twenty-five", 30: "thirty",
         40: "forty", 50: "fifty"}
SHARES = {"a tenth": 0.1, "a fifth": 0.2, "a quarter": 0.25, "a third": 1 / 3, "two fifths": 0.4,
          "half": 0.5, "three fifths": 0.6, "two thirds": 2 / 3, "three quarters": 0.75,
          "four fifths": 0.8, "nine in ten": 0.9}


@dataclass(frozen=True)
class BankClaim:
    """``text`` (with ``str.format`` holes) stands in ``field`` of exercise ``exercise`` once
    filled with ``compute()``. ``field`` is a path into the exercise: ``prompt``,
    ``explanation``, ``model_answer``, ``hints.1``, ``options.0.text``, ``items.2.feedback``,
    ``mistakes.0.message``."""

    exercise: str
    field: str
    text: str
    compute: Callable[[], dict]

    def render(self) -> str:
        return self.text.format(**self.compute())


def field_text(exercise, path: str) -> str:
    """The text at ``path`` (see :class:`BankClaim`) of a bank exercise."""
    name, *rest = path.split(".")
    value = getattr(exercise, name)
    for part in rest:
        value = value[int(part)] if part.isdigit() else value[part]
    return value if isinstance(value, str) else value["text"]


# --------------------------------------------------------------------------- wording helpers
def share_word(x: float) -> str:
    """The simple fraction nearest a share: 0.35 -> 'a third'."""
    return min(SHARES, key=lambda w: abs(SHARES[w] - x))


def one_in(x: float) -> str:
    """'one in N' for a share, N the nearest of the round numbers in :data:`WORDS`."""
    return f"one in {WORDS[min(WORDS, key=lambda n: abs(n - 1 / x))]}"


# --------------------------------------------------------------------------- students' shops
@functools.lru_cache(maxsize=None)
def student(student_id: str):
    from casekit.data import for_student

    return for_student(student_id)


@functools.lru_cache(maxsize=None)
def over_students(f: Callable) -> np.ndarray:
    """``f(shop)`` for every student of :data:`STUDENTS` (run the claims inside
    ``casekit.solutions.work_once()`` so that the solutions' shared steps run once a shop)."""
    return np.array([f(student(s)) for s in STUDENTS], dtype=float)


def most(f: Callable, scale: float = 1.0) -> dict:
    """``{"lo": …, "hi": …, "mid": …}``: the 10th and 90th percentiles and the median of
    ``f`` over the students, times ``scale``."""
    lo, mid, hi = np.percentile(over_students(f), [10, 50, 90]) * scale
    return {"lo": lo, "mid": mid, "hi": hi}


def solution(path: str) -> Callable:
    """A reference solution or mistake of casekit.solutions, ``"ch03:price_cut_share"``."""
    import importlib

    module, name = path.split(":")
    return getattr(importlib.import_module(f"casekit.solutions.{module}"), name)


# chapter 1
def _lifecycle_best(shop_) -> float:
    return float(solution("ch01:lifecycle_agreement")(shop_).idxmax())


def _lifecycle_windows() -> dict:
    best = pd.Series(over_students(_lifecycle_best)).astype(int).value_counts()
    others = sorted(best.index[1:])
    return {"mode": best.index[0], "others": " or ".join(str(w) for w in others)}


# chapter 2
def _type_share(kind: str) -> Callable:
    def share(shop_) -> float:
        counts = solution("ch02:loyalty_type_counts")(shop_)["customers"]
        return float(counts[kind] / counts.sum())
    share.__name__ = f"type_share_{kind}"
    return share


_SUPER, _LATENT = _type_share("super loyalty"), _type_share("latent loyalty")


# chapter 3
def _precision_at(threshold: float) -> Callable:
    def precision(shop_) -> float:
        ch03 = __import__("casekit.solutions.ch03", fromlist=["x"])
        return ch03._precision_recall(ch03._flags_vs_truth(shop_, threshold))[0]
    precision.__name__ = f"precision_at_{threshold}"
    return precision


_PRECISION_06, _PRECISION_08 = _precision_at(0.6), _precision_at(0.8)
_BLIND = ("visit_ratio_risk", "gap_ratio_risk", "p_alive_risk")


def _blind_low(shop_) -> float:
    from casekit.solutions import ch03

    return float(ch03._recent_aucs(shop_)[list(_BLIND)].min())


def _blind_high(shop_) -> float:
    from casekit.solutions import ch03

    return float(ch03._recent_aucs(shop_)[list(_BLIND)].max())


def _calendar_share() -> float:
    """The share of the data's days that twelve weeks are (as the chapter's dashed line)."""
    return nb03._price_cut()["base"]


def _cut_multiple(shop_) -> float:
    """Price defections in the 12 weeks after the region's cut, as a multiple of the share of
    the data's days those weeks are."""
    day = shop_.transactions["timestamp"].dt.normalize()
    base = 84 / ((day.max() - day.min()).days + 1)
    return solution("ch05:price_cut_defections")(shop_) / solution("ch05:mistake_price_all_period")(shop_) / base


# chapter 4
def _planted_lift(which: str) -> Callable:
    def lift(shop_) -> float:
        lifts = solution("ch04:planted_rules")(shop_)["lift"]
        strong = lifts.drop("{cereal} => {milk}")
        return float({"low": strong.min(), "high": strong.max(), "cereal": lifts["{cereal} => {milk}"]}[which])
    lift.__name__ = f"planted_lift_{which}"
    return lift


_PLANTED_LOW, _PLANTED_HIGH, _CEREAL = _planted_lift("low"), _planted_lift("high"), _planted_lift("cereal")


def _fathers_other_lift(shop_) -> float:
    from casekit.segments import rule_metrics
    from casekit.solutions import ch04

    other = ch04._young_fathers(shop_) & ~ch04.young_father_evening(shop_)
    return rule_metrics(ch04._has(shop_, "diapers")[other], ch04._has(shop_, "beer")[other])["lift"]


def _orders_running_out(shop_) -> float:
    """The share of the orders of basket.stockout-days' policy after which the shelf empties
    before the order arrives (it arrives on the morning of the lead time's last day)."""
    from casekit.replenish import reorder_point_simulation
    from casekit.solutions import ch04

    demand = ch04._stock_demand(shop_)
    sim = reorder_point_simulation(demand, **ch04.stock_policy(demand))
    lead = ch04.LEAD_TIME_DAYS
    placed = sim.index[sim["ordered"] > 0]
    return float(np.mean([sim.loc[day + 1: day + lead - 1, "stockout"].any() for day in placed]))


# chapter 5
def _region_share(which: str) -> Callable:
    def share(shop_) -> float:
        s = solution("ch05:region_share")(shop_)["share"]
        return float(s.min() if which == "min" else s.max())
    share.__name__ = f"region_share_{which}"
    return share


_REGION_MIN, _REGION_MAX = _region_share("min"), _region_share("max")


def _uplift_half_width(shop_) -> float:
    from casekit import targeting
    from casekit.solutions import ch05

    u = targeting.uplift(ch05._coupon(shop_))
    return (u.high - u.low) / 2


# chapter 6
def _agents(which: str) -> Callable:
    def share(shop_) -> float:
        calls = solution("ch06:my_calls")(shop_)
        by_agent = (calls["rings"] <= 2).groupby(calls["agent"]).mean()
        return float(by_agent.min() if which == "min" else by_agent.max())
    share.__name__ = f"agents_{which}"
    return share


_SLOWEST, _QUICKEST = _agents("min"), _agents("max")


# --------------------------------------------------------------------------- the course's shop
@functools.lru_cache(maxsize=None)
def _top_customer_2024() -> float:
    t = shop().transactions
    return float(t[t["timestamp"].dt.year == 2024].groupby("customer")["total"].sum().max())


@functools.lru_cache(maxsize=None)
def _return_after_a_quarter() -> float:
    """The share of customers absent one quarter who buy in the next (chapter 1's bar chart)."""
    tx = shop().transactions
    shopped = (pd.crosstab(tx["customer"], tx["timestamp"].dt.to_period("Q")) > 0).to_numpy()
    last = np.maximum.accumulate(np.where(shopped, np.arange(shopped.shape[1]), -1), axis=1)
    state = np.where(last >= 0, np.arange(shopped.shape[1]) - last + 1, 0).clip(max=5)
    moves = pd.DataFrame({"state": state[:, :-1].ravel(), "buys": shopped[:, 1:].ravel()})
    return float(moves.loc[moves["state"] == 2, "buys"].mean())


@functools.lru_cache(maxsize=None)
def _drivers():
    from casekit import loyalty

    return loyalty.driver_analysis(shop().survey)


def _rated_5_or_more() -> dict:
    sv = shop().survey
    return {k: (sv[k] >= 5).mean() for k in ("brand", "quality", "relationship", "fulfilment")}


@functools.lru_cache(maxsize=None)
def _switch(owed: int, months: int, costs: int = 5_000):
    from casekit.defection import switching_calculator

    return switching_calculator(owed, months, 0.0594, rate_factor=0.7, switching_costs=costs)


def _fiber():
    from casekit.defection import churn_by

    t = nb03._telco()
    r = churn_by(t, "internet_service")
    return {"left": int(r.loc["Fiber optic", "churned"]), "n": int(r.loc["Fiber optic", "customers"]),
            "fiber": r.loc["Fiber optic", "churn_rate"], "dsl": r.loc["DSL", "churn_rate"],
            "none": r.loc["No", "churn_rate"], "odds": nb03._odds()["fiber"]}


def _rule(rule: str) -> dict:
    r = nb04._table().loc[rule]
    return {"conf": r["confidence"], "share": r["confidence"] / r["lift"], "lift": r["lift"]}


def _outside_segment() -> dict:
    return {"conf": nb04._ctx("outside that segment", "confidence"),
            "share": nb04._ctx("outside that segment", "consequent share"),
            "lift": nb04._ctx("outside that segment", "lift")}


def _coupon_points() -> dict:
    u, before, after = nb05._coupon()
    t, c, b = (round(100 * x) for x in (u.treated, u.control, before))
    return {"t": t, "c": c, "b": b, "uplift": t - c, "gain": t - b}


def _baby_margin() -> dict:
    s = shop()
    lines = s.lines[s.lines["category"].astype(str) == "baby"]
    owner = lines["trip"].map(s.transactions.set_index("trip")["customer"])
    household = owner.map(s.customers.set_index("customer")["household"].astype(str))
    share = (lines["quantity"] * lines["price"]).groupby(household.to_numpy()).sum()
    share = share["young family"] / share.sum()      # one margin rate per category
    return {"most": "most" if share > 0.5 else f"{share:.0%}"}


def _joined_in_store() -> dict:
    joined = nb05._joined()
    low, high = share_word(joined.min()), share_word(joined.max())
    return {"half": low.capitalize() if low == high else f"{joined.min():.0%}–{joined.max():.0%}"}


def _stores_fulfilment() -> dict:
    means = nb05._stores()["mean"]
    return {"k": WORDS[int((means < 3.5).sum())], "low": round(means[means < 3.5].mean()),
            "best": math.floor(means.max())}


# --------------------------------------------------------------------------- the claims
def C(exercise, field, text, compute):
    return BankClaim(exercise, field, text, compute)


CLAIMS = [
    # ---------------------------------------------------------------- 00 What CRM is
    C("crm.top20-share", "mistakes.0.message", "(e.g. {mid:.2f})",
      lambda: most(solution("ch00:mistake_top20_fraction"))),

    # ---------------------------------------------------------------- 01 Customer value
    C("value.revenue-not-value", "prompt", "Last year ValueMart's biggest customer spent about **¥{v:,.0f}**.",
      lambda: {"v": round(_top_customer_2024(), -3)}),
    C("value.revenue-not-value", "hints.1", "Two things are missing from ¥{v:,.0f}:",
      lambda: {"v": round(_top_customer_2024(), -3)}),
    C("value.migration-model", "prompt", "about **{one_in}** customers who skipped a quarter buys again",
      lambda: {"one_in": one_in(_return_after_a_quarter())}),
    C("value.constant-retention", "options.1.feedback", "(about {w} of ValueMart's cardholders have)",
      lambda: {"w": share_word(1 - shop().truth.customers["active_at_end"].mean())}),
    C("value.lifecycle-decline", "explanation",
      "the best agreement is usually at {mode} days (on some students' data at {others})", _lifecycle_windows),
    C("value.bgnbd-forecast", "explanation", "the chapter's CDNOW holdout was {gap:.0%} short",
      nb01b._holdout),

    # ---------------------------------------------------------------- 02 Loyalty
    C("loyal.correlated-not-identical", "prompt",
      "satisfaction and repurchase intent strongly correlated (about {r:.1f})", nb02._correlation),
    C("loyal.correlated-not-identical", "options.0.feedback", "the hostages, about one respondent in {n} at ValueMart",
      lambda: {"n": one_in(nb02._quadrant_shares()["hostage"]).split()[-1]}),
    C("loyal.kotler-grid", "explanation",
      "(ValueMart's is about {share:.0%} of sales) pays for staff, rent and energy first, and ¥{per_trip:.0f} "
      "a trip", nb02._margin),
    C("loyal.kotler-grid", "items.0.text", "about ¥{per_trip:.0f} of gross margin on a typical trip",
      nb02._margin),
    C("loyal.read-drivers", "prompt",
      "Quality's coefficient is about {c:.1f}, with a 95% interval of {lo:.2f} to {hi:.2f}",
      lambda: (lambda q: {"c": q["coef"], "lo": q["ci_low"], "hi": q["ci_high"]})(_drivers().loc["quality"])),
    C("loyal.read-drivers", "explanation", "from {n:,} answers", lambda: {"n": len(shop().survey)}),
    C("loyal.nps-caveats", "options.4.feedback", "the chapter's ValueMart scores {nps}", nb02._nps),
    C("loyal.mercenaries", "prompt", "About {w} of ValueMart's respondents is a **mercenary**",
      lambda: {"w": one_in(nb02._quadrant_shares()["mercenary"])}),
    C("loyal.service-level", "model_answer",
      "About {lo:.0f}–{hi:.0%} of respondents rate brand and\nquality 5 or more, {rel:.0%} relationship, but only "
      "{ful:.0%} fulfilment",
      lambda: (lambda r: {"lo": 100 * min(r["brand"], r["quality"]), "hi": max(r["brand"], r["quality"]),
                          "rel": r["relationship"], "ful": r["fulfilment"]})(_rated_5_or_more())),
    C("loyal.service-level", "model_answer",
      "fulfilment carries about {w:.0%} of the weight in satisfaction, second only to quality",
      lambda: {"w": _drivers().loc["fulfilment", "weight"]}
      if _drivers()["weight"].sort_values().index[-2] == "fulfilment" else {"w": float("nan")}),
    C("loyal.service-level", "model_answer",
      "{k} stores' customers rate fulfilment around {low} out\nof 7 while the best stores score above {best}",
      _stores_fulfilment),
    C("loyal.my-nps", "explanation", "the average is above {floor} yet the NPS is {nps}",
      lambda: {"floor": math.floor(nb02._nps()["mean"]), "nps": nb02._nps()["nps"]}),
    C("loyal.hostage-share", "explanation", "(about one respondent in {n} in the chapter's ValueMart)",
      lambda: {"n": one_in(nb02._quadrant_shares()["hostage"]).split()[-1]}),
    C("loyal.quality-weight", "explanation",
      "(brand {brand:.2f}, quality {quality:.2f}, relationship {relationship:.2f}, fulfilment {fulfilment:.2f})",
      lambda: shop().truth.survey_weights),
    C("loyal.loyalty-types", "explanation",
      "Typically about {w} of the respondents are super (premium) loyal (between about {lo:.0%} and {hi:.0%} "
      "on most\nstudents' data)", lambda: {"w": share_word(most(_SUPER)["mid"]), **most(_SUPER)}),
    C("loyal.loyalty-types", "explanation",
      "more common still (between about {lo:.0%} and {hi:.0%})", lambda: most(_LATENT)),
    C("loyal.completely-vs-satisfied", "explanation", "in the chapter's ValueMart the ratio is {ratio:.1f}",
      nb02._trips_by_satisfaction),

    # ---------------------------------------------------------------- 03 Defection
    C("defect.price-cut-reading", "prompt",
      "On ValueMart, {all:.1%} of all defections fall in the 12 weeks after a competitor cut prices in the\n"
      "defector's region (close to the {base:.1%} the calendar alone gives: one 12-week window in three years), "
      "but\n**{price:.0%}** of the *price-caused* defections do.",
      lambda: {"all": __import__("casekit.defection", fromlist=["x"]).after_event(
          shop().defections, shop().truth.events, shop().customers, days=84).mean(), **nb03._price_cut()}),
    C("defect.price-cut-reading", "options.1.text", "{rest:.0%} of price defections happen at other times",
      lambda: {"rest": 1 - round(nb03._price_cut()["price"], 2)}),
    C("defect.price-cut-reading", "options.1.feedback", "Compare {price:.0%} with the {base:.1%} that timing "
      "alone gives", nb03._price_cut),
    C("defect.p-alive", "hints.1", "customers under 0.2 were really gone about {gone:.0%} of the time",
      lambda: {"gone": 1 - nb03._calibration()["act_low"]}),
    C("defect.p-alive", "explanation", "had\nreally dropped out about {gone:.0f} times in 100",
      lambda: {"gone": 100 * (1 - nb03._calibration()["act_low"])}),
    C("defect.switching-break-even", "explanation",
      "Old payment at r = 0.0594/12: **¥{old:,.2f}**; new at r = 0.04158/12: **¥{new:,.2f}**; saving\n"
      "¥{save:,.2f} a month. ¥5,000 ÷ {save:,.2f} = {months:.1f}, so the costs are covered in **month {month}**, "
      "and over the 240\nmonths the borrower saves about ¥{net:,.0f} net",
      lambda: (lambda r: {"old": r.old_payment, "new": r.new_payment, "save": r.old_payment - r.new_payment,
                          "months": 5000 / (r.old_payment - r.new_payment), "month": r.break_even_month,
                          "net": round(r.net_saving, -3)})(_switch(500_000, 240))),
    C("defect.switching-break-even", "hints.1", "The monthly saving is about ¥{save:.0f}",
      lambda: {"save": _switch(500_000, 240).old_payment - _switch(500_000, 240).new_payment}),
    C("defect.switching-break-even", "mistakes.0.message", "After 10 months the savings are 10 × ¥{save:.0f} = "
      "¥{ten:,.0f}",
      lambda: (lambda s: {"save": s, "ten": 10 * s})(_switch(500_000, 240).old_payment
                                                            - _switch(500_000, 240).new_payment)),
    C("defect.break-even-order", "explanation",
      "¥800,000 over 25 years **{a}**, ¥500,000 over 20 years **{b}**, ¥500,000 over 5 years **{c}**,\n"
      "¥300,000 over 10 years **{d}**, ¥200,000 over 3 years **{e}**, ¥150,000 over 20 years **{f}**.",
      lambda: dict(zip("abcdef", (_switch(p, 12 * y).break_even_month for p, y in
                                  [(800_000, 25), (500_000, 20), (500_000, 5), (300_000, 10), (200_000, 3),
                                   (150_000, 20)])))),
    C("defect.break-even-order", "explanation",
      "The last two save only about ¥{save:.0f} a month: the ¥200,000 loan over three years\npays back its costs "
      "only in its final months and nets about ¥{short:,.0f}, while the ¥150,000 loan over twenty years\ntakes "
      "almost three years to break even but, with seventeen more to run, still nets about ¥{long:,.0f}.",
      lambda: (lambda a, b: {"save": round(((a.old_payment - a.new_payment) + (b.old_payment - b.new_payment)) / 2,
                                           -1),
                             "short": round(a.net_saving, -1), "long": round(b.net_saving, -2)})(
          _switch(200_000, 36), _switch(150_000, 240))),
    C("defect.case-mortgage", "model_answer",
      "a ¥500,000 loan with 20\nyears left saves about ¥{save:.0f} a month",
      lambda: {"save": round(_switch(500_000, 240).old_payment - _switch(500_000, 240).new_payment, -1)}),
    C("defect.case-mortgage", "model_answer", "¥100,000 loan with three years left may {never} pay back its costs",
      lambda: {"never": "never" if _switch(100_000, 36).break_even_month is None else "?"}),
    C("defect.telco-fiber", "explanation",
      "{left:,} of {n:,} fiber customers left: **{fiber:.1%}**, against {dsl:.1%} for DSL and {none:.1%} without "
      "internet.\nThe logistic model confirms it holds with contract and tenure held equal (odds ratio about "
      "{odds:.1f})", _fiber),
    C("defect.telco-fiber", "mistakes.0.message", "{all:.1%} is the churn rate of **all** customers",
      nb03._telco_rates),
    C("defect.telco-fiber", "mistakes.1.message", "Divide by all {n:,} fiber customers", _fiber),
    C("defect.telco-km-12", "explanation",
      "Kaplan–Meier puts it at **{s12:.1%}**. The naive share of month-to-month customers with tenure\nabove 12 "
      "months is {naive:.1%}", nb03._survival),
    C("defect.telco-km-12", "mistakes.3.message", "the month-to-month churn rate ({m2m:.1%})", nb03._telco_rates),
    C("defect.km-vs-naive", "explanation",
      "On Telco's month-to-month customers the naive share is {naive:.0%}; Kaplan–Meier gives {s12:.0%}.",
      nb03._survival),
    C("defect.switching-net", "explanation",
      "The payment falls by only about ¥{save:.0f} a month, so 36 months save about ¥{saved:,.0f}, less than "
      "the\n¥8,000 of costs: a net **loss of about ¥{loss:,.0f}**",
      lambda: (lambda r: {"save": round(r.old_payment - r.new_payment, -1), "saved": r.net_saving + 8_000,
                          "loss": -r.net_saving})(_switch(200_000, 36, 8_000))),
    C("defect.switching-net", "mistakes.0.message", "the savings (about ¥{saved:,.0f}) are **smaller**",
      lambda: {"saved": _switch(200_000, 36, 8_000).net_saving + 8_000}),
    C("defect.price-share", "explanation", "than among\nall defectors (about {mid:.0f}%)",
      lambda: most(solution("ch03:mistake_price_share_all"))),
    C("defect.price-cut-window", "explanation",
      "Between about {lo:.0f}% and {hi:.0f}% of price defections (on most students' data) fall in the 12 weeks",
      lambda: most(solution("ch03:price_cut_share"))),
    C("defect.price-cut-window", "explanation", "(12 weeks of about 156, near {base:.0%})",
      lambda: {"base": _calendar_share()}),
    C("defect.cohort-retention", "explanation", "About {w} of first-quarter customers buy again a year later",
      lambda: {"w": share_word(most(solution("ch03:cohort_retention_q4"))["mid"])}),
    C("defect.partial-precision", "explanation",
      "precision falls from between about {lo6:.0%} and {hi6:.0%} at the default 0.6\nto between about "
      "{lo8:.0%} and {hi8:.0%} at 0.8",
      lambda: {"lo6": most(_PRECISION_06)["lo"], "hi6": most(_PRECISION_06)["hi"],
               "lo8": most(_PRECISION_08)["lo"], "hi8": most(_PRECISION_08)["hi"]}),
    C("defect.p-alive-lost", "explanation", "Close to {mid:.0%} of the customers the model puts below 0.5",
      lambda: {"mid": round(most(solution("ch03:lost_share_low_p_alive"))["mid"], 1)}),
    C("defect.warning-partial", "explanation",
      "with an AUC around {mid:.1f}\n(between about {lo:.2f} and {hi:.2f} on most students' data)",
      lambda: most(solution("ch03:best_partial_auc"))),
    C("defect.warning-partial", "explanation", "(AUCs between about {lo:.2f} and {hi:.2f}:",
      lambda: {"lo": most(_blind_low)["lo"], "hi": most(_blind_high)["hi"]}),
    C("defect.warning-partial", "explanation", "sees them less clearly (between about\n{lo:.2f} and {hi:.2f})",
      lambda: most(solution("ch03:mistake_partial_auc_score"))),

    # ---------------------------------------------------------------- 04 Walmart and data mining
    C("basket.segment-decision", "prompt",
      "{{diapers}} ⇒ {{beer}} has confidence of about {seg:.1f} (lift about {lift:.0f}) on young fathers' trips\n"
      "on Thursday–Saturday evenings and about {all:.2f} over all trips. On the same young fathers' other trips "
      "the\nlift is only about {other:.1f}",
      lambda: {"seg": nb04._ctx(nb04.SEGMENT, "confidence"), "lift": nb04._ctx(nb04.SEGMENT, "lift"),
               "all": nb04._ctx("all trips", "confidence"), "other": nb04._ctx(nb04.OTHER, "lift")}),
    C("basket.lift-reading", "items.0.text", "{{pasta}} ⇒ {{pasta sauce}}, lift {lift:.1f}",
      lambda: _rule("{pasta} => {pasta sauce}")),
    C("basket.lift-reading", "items.1.text",
      "{{charcoal}} ⇒ {{sausages}}: {conf:.0%} of charcoal baskets hold sausages; sausages are in {share:.0%} of "
      "all baskets", lambda: _rule("{charcoal} => {sausages}")),
    C("basket.lift-reading", "items.2.text",
      "{{baby food}} ⇒ {{beer}}: {conf:.0%} of baby-food baskets hold beer; beer is in {share:.0%} of all baskets",
      lambda: _rule("{baby food} => {beer}")),
    C("basket.lift-reading", "items.4.text",
      "{{diapers}} ⇒ {{beer}} outside the young fathers' evenings: confidence {conf:.2f}; beer is in {share:.0%} "
      "of those baskets", _outside_segment),
    C("basket.lift-reading", "items.4.feedback", "{conf:.2f} ÷ {share:.2f} = {lift:.1f}: a lift just below 1.",
      _outside_segment),
    C("basket.lift-reading", "explanation",
      "Charcoal ⇒ sausages: {conf:.2f} ÷ {share:.2f}, a lift of about {lift:.1f}",
      lambda: _rule("{charcoal} => {sausages}")),
    C("basket.lift-reading", "explanation", "Baby food ⇒ beer: {conf:.2f} ÷ {share:.2f}, a lift of about {lift:.1f}",
      lambda: _rule("{baby food} => {beer}")),
    C("basket.lift-reading", "explanation",
      "evenings: {conf:.2f} ÷ {share:.2f}, a lift of about {lift:.1f}, slightly below chance", _outside_segment),
    C("basket.diapers-beer-support", "explanation", "A support of about {mid:.0%} looks small",
      lambda: most(solution("ch04:diapers_beer_support"))),
    C("basket.diapers-beer-confidence", "explanation", "only about {w} diaper basket in {n} holds beer",
      lambda: dict(zip(("w", "n"), one_in(most(solution("ch04:diapers_beer_confidence"))["mid"]).split(" in ")))),
    C("basket.segment-confidence", "explanation",
      "with confidence around {seg:.1f} against about {all:.2f} over all trips",
      lambda: {"seg": most(solution("ch04:segment_confidence"))["mid"],
               "all": most(solution("ch04:diapers_beer_confidence"))["mid"]}),
    C("basket.segment-confidence", "explanation",
      "the lift is only between about {lo:.1f} and {hi:.1f} on most students' data", lambda: most(_fathers_other_lift)),
    C("basket.planted-rules", "explanation",
      "have lifts between about {lo:.1f} and {hi:.1f} on most students' data",
      lambda: {"lo": most(_PLANTED_LOW)["lo"], "hi": most(_PLANTED_HIGH)["hi"]}),
    C("basket.planted-rules", "explanation", "by far the lowest lift (about {mid:.1f})",
      lambda: most(_CEREAL) if most(_CEREAL)["hi"] < most(_PLANTED_LOW)["lo"] else {"mid": float("nan")}),
    C("basket.stockout-days", "explanation",
      "(between about {lo:.0%} and {hi:.0%} of them run out before the delivery arrives, on most students' data)",
      lambda: most(_orders_running_out)),

    # ---------------------------------------------------------------- 05 SWOT
    C("swot.internal-external", "items.1.text",
      "{k} of its twelve stores are rated below 4 of 7 on fulfilment; the other {rest} {low:.1f} or above",
      lambda: {"k": nb05.WORDS[int((nb05._stores()["mean"] < 4).sum())],
               "rest": nb05.WORDS[int((nb05._stores()["mean"] >= 4).sum())],
               "low": nb05._stores().loc[nb05._stores()["mean"] >= 4, "mean"].min() // 0.5 * 0.5}),
    C("swot.excess-defections", "prompt",
      "**{n}** customers defected for price in the twelve weeks after a rival's\nprice cut in their region "
      "({cuts} cuts together), a weekly rate **{ratio:.1f} times** the usual one",
      lambda: {**nb05._cuts(), "cuts": nb05.WORDS[nb05._cuts()["cuts"]].lower()}),
    C("swot.limitations", "options.0.text", "'top 20% of customers bring {mid:.0%} of revenue'",
      lambda: most(solution("ch05:top20_share"))),
    C("swot.three-channels", "items.1.text", "Respondents spend about {w} of their grocery budget at ValueMart",
      lambda: {"w": share_word(shop().survey["share_of_wallet"].mean())}),
    C("swot.three-channels", "items.0.text", "Young families bring {most} of the margin on baby products",
      _baby_margin),
    C("swot.three-channels", "items.3.text", "{half} of every segment first joined the card in a store",
      _joined_in_store),
    C("swot.promo-control", "prompt",
      "Of the coupon holders, {t}% shop in those weeks, against {b}% of the same customers in the\nfour weeks "
      "before. Of the other half, who got no coupon, {c}% shop in the test weeks.", _coupon_points),
    C("swot.promo-control", "options.0.text",
      "By {uplift} percentage points: the coupon holders' {t}% minus the other half's {c}% in the same weeks",
      _coupon_points),
    C("swot.promo-control", "options.1.text", "By {gain} percentage points: the coupon holders went from {b}% to {t}%",
      _coupon_points),
    C("swot.top20-share", "explanation", "About {w} of revenue comes from a fifth of the customers",
      lambda: {"w": share_word(most(solution("ch05:top20_share"))["mid"])}),
    C("swot.region-spread", "explanation", "The four regions bring similar shares, each about {w}",
      lambda: {"w": share_word(most(_REGION_MIN)["lo"])} if share_word(most(_REGION_MIN)["lo"])
      == share_word(most(_REGION_MAX)["hi"]) else {"w": "?"}),
    C("swot.family-share", "explanation", "Families bring about {w} of revenue, close to their share of customers",
      lambda: {"w": share_word(most(solution("ch05:family_share"))["mid"])}
      if share_word(most(solution("ch05:family_share"))["mid"])
      == share_word(most(solution("ch05:mistake_family_customer_share"))["mid"]) else {"w": "?"}),
    C("swot.share-of-wallet", "explanation", "Respondents spend only about {w} of their grocery money at ValueMart",
      lambda: {"w": share_word(most(solution("ch05:mean_share_of_wallet"))["mid"])}),
    C("swot.price-cut-defections", "explanation",
      "yet they hold between about {lo:.1f} and {hi:.1f} times\nthat share of the price defections on most "
      "students' data", lambda: most(_cut_multiple)),
    C("swot.price-cut-defections", "explanation", "Twelve weeks are under {base:.0%} of the three years",
      lambda: {"base": math.ceil(100 * _calendar_share()) / 100}),
    C("swot.coupon-uplift", "explanation", "its 95% interval reaches about {mid:.0f} points on either side",
      lambda: most(_uplift_half_width, 100)),

    # ---------------------------------------------------------------- 06 Running the service team
    C("service.survey-sees-truth", "prompt",
      "correlates about {store:.2f} with the\nstores' true service quality, but across individual respondents "
      "only about {people:.2f}.",
      lambda: {"store": nb06._stores()[1], "people": nb06._stores()[2]}),
    C("service.survey-sees-truth", "explanation", "Averaging some {n:.0f} answers per store",
      lambda: {"n": round(nb06._stores()[0]["size"].mean(), -1)}),
    C("service.fulfilment-corr", "explanation",
      "and you get between about {lo:.2f} and {hi:.2f} on most students'\ndata). Averaging ~{n:.0f} answers",
      lambda: {**most(solution("ch06:mistake_corr_respondents")),
               "n": round(len(shop().survey) / len(shop().truth.stores), -1)}),
    C("service.two-ring-share", "explanation",
      "(from about {lo:.0%}\nto {hi:.0%} of an agent's calls on most students' desks)",
      lambda: {"lo": most(_SLOWEST)["lo"], "hi": most(_QUICKEST)["hi"]}),
]
