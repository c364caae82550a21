"""Chapter 3 (defection): the figures its prose states, recomputed with casekit on the ValueMart
the chapter simulates (``simulate_retailer(5000, seed=0)``) and on the IBM Telco table, the way the
notebook computes them."""
import functools


from tests.claims import Claim, shop

NOTEBOOK = "notebooks/03-defection.ipynb"


def _defections():
    s = shop()
    kinds = s.defections["kind"].value_counts()
    return {"n": len(s.customers), "complete": kinds["complete"], "partial": kinds["partial"]}


def _customer_1584():
    s = shop()
    c = s.customers.set_index("customer").loc[1584]
    began = s.truth.customers.set_index("customer").loc[1584, "partial_from"]
    return {"age": c["age"], "began": f"{began.day} {began:%B %Y}"}


def _flags():
    from casekit.defection import partial_defection_flags

    s = shop()
    flags = partial_defection_flags(s.transactions)
    truth = s.truth.customers.set_index("customer")["partial_from"].notna().reindex(flags.index)
    tp = int((flags["flag"] & truth).sum())
    return {"flagged": int(flags["flag"].sum()), "tp": tp, "fp": int((flags["flag"] & ~truth).sum()),
            "true": int(truth.sum()), "precision": tp / flags["flag"].sum(), "recall": tp / truth.sum()}


def _causes():
    share = shop().defections["cause"].value_counts(normalize=True)
    return {k: share[k] for k in ("price", "product", "promotion", "service")}


def _traits():
    s = shop()
    truth = s.truth.customers.set_index("customer")
    who = s.defections.join(truth[["price_sensitivity", "promotion_sensitivity"]], on="customer").join(
        s.customers.set_index("customer")["age"], on="customer")
    tech = who["cause"] == "technology"
    return {"price": who.loc[who["cause"] == "price", "price_sensitivity"].mean(),
            "others": who.loc[who["cause"] != "price", "price_sensitivity"].mean(),
            "promo": who.loc[who["cause"] == "promotion", "promotion_sensitivity"].mean(),
            "gap": who.loc[~tech, "age"].mean() - who.loc[tech, "age"].mean(),
            "tech_age": who.loc[tech, "age"].mean(), "rest_age": who.loc[~tech, "age"].mean()}


def _price_cut():
    from casekit.defection import after_event

    s = shop()
    hit = after_event(s.defections, s.truth.events, s.customers, days=84)
    day = s.transactions["timestamp"].dt.normalize()
    return {"price": hit[s.defections["cause"] == "price"].mean(),
            "base": 84 / ((day.max() - day.min()).days + 1)}


def _word_of_mouth():
    from casekit.defection import word_of_mouth

    w = word_of_mouth(1_000, 0.90)
    return {"n_bad": w.loc["bad", "customers"], "n_good": w.loc["good", "customers"],
            "bad": w.loc["bad", "people_told"], "good": w.loc["good", "people_told"]}


@functools.lru_cache(maxsize=1)
def _telco():
    from casekit.data import load

    return load("telco")


def _telco_rates():
    from casekit.defection import churn_by

    t = _telco()
    r = churn_by(t, "contract")["churn_rate"]
    return {"n": len(t), "all": t["churn"].mean(), "m2m": r["Month-to-month"], "one": r["One year"],
            "two": r["Two year"]}


def _survival():
    from casekit.defection import kaplan_meier, survival_at

    t = _telco()
    curves = kaplan_meier(t["tenure"], t["churn"], groups=t["contract"])
    m2m = t[t["contract"] == "Month-to-month"]
    return {"s12": survival_at(curves, 12)["Month-to-month"], "s24": survival_at(curves, 24)["Month-to-month"],
            "s72": survival_at(curves, 72)["Month-to-month"], "naive": (m2m["tenure"] > 12).mean()}


@functools.lru_cache(maxsize=1)
def _odds():
    from casekit.defection import churn_by, churn_model

    t = _telco()
    model = churn_model(t.assign(tenure_years=t["tenure"] / 12), "churn",
                        ["contract", "tenure_years", "internet_service", "payment_method",
                         "senior_citizen", "paperless_billing"])
    o = model.odds_ratios["odds_ratio"]
    r = churn_by(t, "contract")["churn_rate"]
    rises = o[["payment_method[Electronic check]", "paperless_billing", "senior_citizen"]] - 1
    return {"two": o["contract[Two year]"], "one": o["contract[One year]"], "tenure": o["tenure_years"],
            "fiber": o["internet_service[Fiber optic]"], "fold": r["Month-to-month"] / r["Two year"],
            "lo": f"{100 * rises.min():.0f}", "hi": f"{100 * rises.max():.0f}"}


@functools.lru_cache(maxsize=1)
def _p_alive():
    from casekit.clv import BetaGeoModel, summarize_transactions

    s = shop()
    summary = summarize_transactions(s.transactions, date="timestamp")
    return BetaGeoModel().fit(summary).p_alive(summary)


def _calibration():
    p = _p_alive()
    active = shop().truth.customers.set_index("customer")["active_at_end"].reindex(p.index)
    low, high = p <= 0.2, p > 0.95
    return {"n_low": int(low.sum()), "act_low": active[low].mean(), "n_high": int(high.sum()),
            "act_high": active[high].mean()}


@functools.lru_cache(maxsize=1)
def _warning():
    from casekit.defection import early_warning, warning_quality

    s = shop()
    w = early_warning(s.transactions, p_alive=_p_alive(), recent_weeks=13, earlier_weeks=52)
    fate = s.truth.customers.set_index("customer").reindex(w.index)
    gone, partial = ~fate["active_at_end"].astype(bool), fate["partial_from"].notna()
    defected, still = gone | partial, w["recent_trips"] > 0

    def q(col, y, rows=slice(None), what="auc"):
        return warning_quality(w.loc[rows, col], y[rows])[what]

    return {"n_still": int(still.sum()),
            "pa_all": q("p_alive_risk", defected), "sc_all": q("score", defected),
            "pa_s": q("p_alive_risk", defected, still), "sc_s": q("score", defected, still),
            "b_p": q("basket_ratio_risk", partial, still), "pa_p": q("p_alive_risk", partial, still),
            "sc_p": q("score", partial, still), "lift": q("score", defected, still, "lift")}


def _switching():
    from casekit.defection import switching_calculator

    r = switching_calculator(500_000, 240, 0.0594, rate_factor=0.7, switching_costs=5_000)
    return {"old": r.old_payment, "new": r.new_payment, "saving": r.old_payment - r.new_payment,
            "month": r.break_even_month, "net": round(r.net_saving, -3)}


CLAIMS = [
    Claim("Of {n:,} cardholders over three years, {complete:,} stopped buying (complete) and {partial} began to "
          "shift part", _defections),
    Claim("customer 1584, a single man of {age} whose partial defection began on {began}:", _customer_1584),
    Claim("Of the {flagged} customers flagged, {tp} really are partial defectors (a **precision** of "
          "{precision:.0%}); the other {fp} simply", _flags),
    Claim("the flag catches only {tp} of the {true} partial defectors who shopped in both windows (a "
          "**recall** of {recall:.0%})", _flags),
    Claim("Price leads with {price:.0%} of defections, then product ({product:.0%}), promotion ({promotion:.0%}) "
          "and service ({service:.0%}).", _causes),
    Claim("On ValueMart, price is the largest ({price:.0%})", _causes),
    Claim("Price defectors are the most price-sensitive ({price:.2f} on a 0–1 scale, against {others:.2f} for the "
          "other causes), promotion defectors the most promotion-sensitive ({promo:.2f}), and technology "
          "defectors are about {gap:.0f} years younger than the rest ({tech_age:.0f} against {rest_age:.0f}).",
          _traits),
    Claim("{price:.0%} of price defections fall in those twelve weeks, more than twice what the calendar alone "
          "would give ({base:.1%}, dashed)", _price_cut),
    Claim("The {n_bad:,.0f} dissatisfied customers reach {bad:,.0f} people, the {n_good:,.0f} satisfied ones "
          "{good:,.0f}", _word_of_mouth),
    Claim("{n:,} customers of a telecom provider", _telco_rates),
    Claim("{all:.1%} of all customers left in the month, but {m2m:.1%} of month-to-month customers against "
          "{one:.1%} on one-year and {two:.1%} on two-year contracts", _telco_rates),
    Claim("In the Telco data, {all:.1%} churned in the month", _telco_rates),
    Claim("{s12:.0%} of month-to-month customers are estimated to stay a year, {s24:.0%} two years, {s72:.0%} "
          "the full six years", _survival),
    Claim("with tenure above 12 months is {naive:.0%}", _survival),
    Claim("multiplies the odds of churn by about {two:.2f} against month-to-month, a one-year contract by about "
          "{one:.2f}; part of the raw {fold:.0f}-fold gap was tenure", _odds),
    Claim("multiplies the odds by about {tenure:.2f}", _odds),
    Claim("customers have about {fiber:.1f} times the odds of DSL customers", _odds),
    Claim("each raise the odds by {lo}–{hi}%", _odds),
    Claim("contract ({two:.2f} for two years), tenure ({tenure:.2f} a year) and fiber ({fiber:.1f})", _odds),
    Claim("of the {n_low:,} customers the model scores below 0.2, {act_low:.1%} were really still customers; of "
          "the {n_high} above 0.95, {act_high:.0%}", _calibration),
    Claim("P(alive) ranks best (AUC {pa_all:.2f}), the score close behind ({sc_all:.2f})", _warning),
    Claim("among the {n_still:,} customers **still shopping**, every indicator is weaker. The score (AUC "
          "{sc_s:.2f}) beats each single indicator, P(alive) included ({pa_s:.2f})", _warning),
    Claim("visible only in the basket (AUC {b_p:.2f}); on visits and silence they look like loyal customers, "
          "and P(alive) ranks them *below* chance ({pa_p:.2f}). The score sees them only through its basket "
          "share ({sc_p:.2f}).", _warning),
    Claim("The score turns a list of {n_still:,} customers into a ranking: its top tenth holds {lift:.1f} times",
          _warning),
    Claim("(AUC {sc_s:.2f} against {pa_s:.2f} for P(alive))", _warning),
    Claim("The payment falls from ¥{old:,.0f} to ¥{new:,.0f}, saving ¥{saving:,.0f} a month; the ¥5,000 are paid "
          "back in month {month}, and over the 20 years the borrower is about ¥{net:,.0f} better off", _switching),
]

EXEMPT = {
    '"8 versus 25"': "*Managing Customer Relationships*'s word-of-mouth figures, quoted",
    "a mortgage at 70% of the rate": "the course text's case (房贷七折), a policy figure",
    "about 40% of what they were over twelve weeks": "the simulator's documented partial-defection story (simulate.py step 4)",
    "the last 26 weeks with the 52 weeks before": "partial_defection_flags' chosen windows",
    "fell below 60% of what it was": "partial_defection_flags' chosen threshold",
    "tells 8 people, a dissatisfied one 25": "*Managing Customer Relationships*'s figures, quoted",
    "Treat the 8 and 25 as folklore": "*Managing Customer Relationships*'s figures, quoted",
    "in 15 studies": "East, Hammond & Wright (2007): the number of studies",
    "A store of 1,000 customers, 90% of them satisfied": "the example's inputs",
    "(25 ÷ 8)": "*Managing Customer Relationships*'s figures",
    "an odds ratio of 0.5 halves the odds": "an illustration of the definition",
    "scores below 0.2": "a bin edge chosen for the calibration table",
    "above 0.95": "a bin edge chosen for the calibration table",
    "in the last 13 weeks ÷ trips per week in the year before": "early_warning's chosen windows",
    "in the last 13 weeks ÷ spend per trip in the year before": "early_warning's chosen windows",
    "before the last 13 weeks is scored": "early_warning's chosen windows",
    "(0.5 is a coin toss, 1 a perfect ranking)": "the definition of the AUC",
    "30% mortgage-rate discount": "the course text's case title",
    "**70% of the benchmark rate**": "PBOC policy (27 October 2008)",
    "to 5.94% in December 2008": "PBOC benchmark rate (22 December 2008)",
    "*r* = annual rate ÷ 12": "the formula's definition",
    "¥500,000 with 20 years (240 months) to go at 5.94%, offered 70% of that rate (4.158%) by a rival bank, "
    "with ¥5,000 of switching costs": "the illustrative loan's inputs (4.158% = 70% of 5.94%)",
    "the saving is not 30% of the payment": "the course text's discount, quoted",
    '"tell 8 / tell 25"': "*Managing Customer Relationships*'s figures, quoted",
    "74(2), 56–69": "citation",
    "1(1), 5–17": "citation",
    "24(2), 175–184": "citation",
    "(7,043 customers, churn rate 26.5%)": "the data card's published figures (casekit/data/files/telco.md)",
    "53(282), 457–481": "citation",
    "143(1), 29–36": "citation",
    "24(2), 275–284": "citation",
    "27 October 2008": "date",
    "down to 0.7 × the benchmark": "PBOC policy",
    "22 December 2008": "date",
    "5.94% from 23 December": "PBOC benchmark rate",
}
