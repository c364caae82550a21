"""Chapter 4 (Walmart and data mining): the figures its prose states, recomputed with casekit
on the chapter's own data (ValueMart, 5,000 customers, seed 0, and the eight toy baskets)."""
import functools
import math

from tests.claims import Claim, shop

NOTEBOOK = "notebooks/04-walmart-data-mining.ipynb"

TOY = [["beer", "diapers", "chips"], ["beer", "diapers", "milk"], ["beer", "chips"],
       ["bread", "milk", "diapers"], ["bread", "milk"], ["beer", "diapers", "bread"],
       ["milk", "diapers", "bread"], ["beer", "chips", "milk"]]
WORDS = {4: "four", 6: "six", 7: "seven", 8: "eight"}


@functools.lru_cache(maxsize=None)
def _toy_rules():
    from casekit.baskets import association_rules, read_baskets, rule_table

    return rule_table(association_rules(read_baskets(TOY), 0.25, 0.5)).set_index("rule")


@functools.lru_cache(maxsize=None)
def _baskets():
    from casekit.baskets import read_baskets

    return read_baskets(shop().lines, basket="trip")


@functools.lru_cache(maxsize=None)
def _rules():
    from casekit.baskets import association_rules

    return association_rules(_baskets(), min_support=0.005, min_confidence=0.05, max_len=2)


@functools.lru_cache(maxsize=None)
def _table():
    from casekit.baskets import rule_table

    return rule_table(_rules()).set_index("rule")


@functools.lru_cache(maxsize=None)
def _context():
    from casekit.segments import rule_by_context

    return rule_by_context(shop(), "diapers", "beer")


@functools.lru_cache(maxsize=None)
def _households():
    from casekit.segments import rule_by_group, segment_trips

    return rule_by_group(shop(), "diapers", "beer", where=~segment_trips(shop()))


@functools.lru_cache(maxsize=None)
def _stock():
    from casekit.replenish import (daily_demand, reorder_point_simulation, simulation_summary,
                                   suggest_reorder_point)

    demand = daily_demand(shop(), "diapers", start="2024-01-01", end="2024-12-31")
    q, s = math.ceil(14 * demand.mean()), math.ceil(7 * demand.mean())
    runs = {lead: simulation_summary(reorder_point_simulation(demand, point, q, lead, q))
            for lead, point in [(7, s), (2, suggest_reorder_point(demand, 2))]}
    return demand, runs


@functools.lru_cache(maxsize=None)
def _phantom():
    from casekit.replenish import phantom_stock_simulation, suggest_reorder_point

    demand = _stock()[0]
    q = math.ceil(14 * demand.mean())
    return {every: phantom_stock_simulation(demand, suggest_reorder_point(demand, 7), q, 7, q,
                                            shrink_per_day=0.05, count_every_days=every, seed=0)
            for every in (None, 90, 1)}


def _toy(rule, column):
    return float(_toy_rules().loc[rule, column])


def _rule(rule, column):
    return float(_table().loc[rule, column])


def _ctx(row, column):
    return float(_context().loc[row, column])


SEGMENT = "young fathers, Thu–Sat 17:00–21:00"
OTHER = "young fathers at other times"

CLAIMS = [
    # the toy baskets
    Claim("so support = 3/8 = **{s:.3f}**", lambda: {"s": _toy("{bread} => {milk}", "support")}),
    Claim("so confidence = **{c:.2f}**", lambda: {"c": _toy("{bread} => {milk}", "confidence")}),
    Claim("Example: {c:.2f} ÷ (5/8) = **{l:.1f}**",
          lambda: {"c": _toy("{bread} => {milk}", "confidence"),
                   "l": _toy("{bread} => {milk}", "lift")}),
    Claim("Example: {s:.3f} − 0.5 × 0.625 = **{v:.4f}**",
          lambda: {"s": _toy("{bread} => {milk}", "support"),
                   "v": _toy("{bread} => {milk}", "leverage")}),
    Claim("Example: 0.375 ÷ 0.25 = **{v:.1f}**",
          lambda: {"v": _toy("{bread} => {milk}", "conviction")}),
    Claim("a confidence of {c:.1f}", lambda: {"c": _toy("{diapers} => {beer}", "confidence")}),
    Claim("so the lift is {l:.2f}", lambda: {"l": _toy("{diapers} => {beer}", "lift")}),
    Claim("Its conviction ({c:.2f}) and leverage ({v})",
          lambda: {"c": _toy("{diapers} => {beer}", "conviction"),
                   "v": f"{_toy('{diapers} => {beer}', 'leverage'):.3f}".replace("-", "−")}),
    # ValueMart
    Claim("ValueMart (chapter 0) has {n:,} cardholders",
          lambda: {"n": len(shop().customers)}),
    Claim("at least 0.5% of trips (about {n} baskets)",
          lambda: {"n": round(0.005 * len(shop().transactions))}),
    Claim("with lifts near {l:.1f}",
          lambda: {"l": _table().loc[[r for r in _table().index if r.endswith("{milk}")]]
                   .sort_values("confidence", ascending=False).head(5)["lift"].median()}),
    Claim("Milk is in about {k} baskets in ten",
          lambda: {"k": WORDS[round(10 * _rule("{cereal} => {milk}", "confidence")
                              / _rule("{cereal} => {milk}", "lift"))]}),
    Claim("{c1:.2f} against {c2:.2f} for pasta ⇒ pasta sauce, but its lift is about {l1:.1f} against "
          "about {l2:.0f}",
          lambda: {"c1": _rule("{cereal} => {milk}", "confidence"),
                   "c2": _rule("{pasta} => {pasta sauce}", "confidence"),
                   "l1": _rule("{cereal} => {milk}", "lift"),
                   "l2": _rule("{pasta} => {pasta sauce}", "lift")}),
    Claim("salsa or fish ⇒ milk reach about {l:.1f}",
          lambda: {"l": min(_rule("{salsa} => {milk}", "lift"), _rule("{fish} => {milk}", "lift"))}),
    Claim("({n:,} of them, up to {k} items)",
          lambda: (lambda f: {"n": len(f), "k": int(f["length"].max())})(
              __import__("casekit.baskets", fromlist=["x"]).frequent_itemsets(_baskets(), 0.005))),
    Claim("among all {n:,} rules", lambda: {"n": len(_rules())}),
    Claim("Lift recovers {k} of the eight planted rules",
          lambda: {"k": WORDS[int(__import__("casekit.segments", fromlist=["x"]).lift_ranking(
              _rules(), shop().truth.associations).head(12)["planted"].sum())]}),
    Claim("ranks about {r}th", lambda: {"r": round(int(__import__(
        "casekit.segments", fromlist=["x"]).compare_with_truth(
        _rules(), shop().truth.associations).loc["diapers => beer", "lift rank"]), -1)}),
    Claim("evening trips ({n:,} of {t:,}), six diaper baskets in ten also hold beer (confidence "
          "{c:.2f}), twice beer's share of those trips (lift {l:.2f})",
          lambda: {"n": int(_ctx(SEGMENT, "trips")), "t": int(_ctx("all trips", "trips")),
                   "c": _ctx(SEGMENT, "confidence"), "l": _ctx(SEGMENT, "lift")}),
    Claim("Over all trips the confidence is only {c:.2f}. Pooled over every other trip the lift is "
          "{o:.2f}",
          lambda: {"c": _ctx("all trips", "confidence"),
                   "o": _ctx("outside that segment", "lift")}),
    Claim("fathers' other trips it is {l:.2f}, *above* 1, although beer is in only {b:.0%} of those",
          lambda: {"l": _ctx(OTHER, "lift"), "b": _ctx(OTHER, "consequent share")}),
    Claim("mostly by young families ({y:,} of the {a:,} diaper trips), who put beer in only {b:.0%}",
          lambda: {"y": int(_households().loc["young family", "antecedent trips"]),
                   "a": int(_households().loc["all", "antecedent trips"]),
                   "b": _households().loc["young family", "consequent share"]}),
    Claim("(in {b:.0%} of their trips), hardly ever buy diapers ({n} trips)",
          lambda: {"b": _households().loc["single", "consequent share"],
                   "n": int(_households().loc["single", "antecedent trips"])}),
    Claim("(salsa ⇒ milk in section 4 reached {l:.2f} without any link)",
          lambda: {"l": _rule("{salsa} => {milk}", "lift")}),
    Claim("The explorer below holds the {n:,} rules", lambda: {"n": len(_rules())}),
    Claim("About {m:.1f} packs a day across the chain, with a standard deviation of about {s:.1f}",
          lambda: {"m": _stock()[0].mean(), "s": _stock()[0].std()}),
    Claim("(0.05 a day, under {p:.0%} of the packs sold)",
          lambda: {"p": math.ceil(100 * _phantom()[None]["shrink"].sum()
                                  / _phantom()[None]["sold"].sum()) / 100}),
    Claim("now runs out on {n} days when the record is never checked, and on {k} of them the record "
          "still showed enough packs. The unrecorded losses pile up ({lost} packs by December)",
          lambda: {"n": int(_phantom()[None]["stockout"].sum()),
                   "k": int(_phantom()[None]["phantom"].sum()),
                   "lost": int(_phantom()[None]["shrink"].sum())}),
    Claim("A count every 90 days brings the stockouts down to {a}; a record kept true every day, to {b}",
          lambda: {"a": int(_phantom()[90]["stockout"].sum()),
                   "b": {0: "none"}.get(int(_phantom()[1]["stockout"].sum()),
                                        int(_phantom()[1]["stockout"].sum()))}),
    Claim("(confidence ≈ {c:.2f}, lift ≈ {l:.1f}) and strong for young fathers on Thursday–Saturday "
          "evenings (≈ {s:.1f},",
          lambda: {"c": _ctx("all trips", "confidence"), "l": _ctx("all trips", "lift"),
                   "s": _ctx(SEGMENT, "confidence")}),
]

EXEMPT = {
    "0.75 ÷ (5/8)": "worked toy arithmetic, the claim above recomputes its result",
    "0.375 ÷ 0.25": "worked toy arithmetic (1 − 5/8 and 1 − 0.75), its result is a claim",
    "0.5 × 0.625": "worked toy arithmetic, P(bread) × P(milk) of the eight typed baskets",
    "3 of 8": "count in the eight toy baskets typed in the chapter",
    "3/8": "count in the eight toy baskets typed in the chapter",
    "(0.625)": "beer's share of the toy baskets, 5 of 8, counted in the sentence",
    "0.59": "cereal ⇒ milk confidence, recomputed by a claim in the same section",
    "2⁴⁹ − 1 ≈ 560 trillion": "arithmetic on the 49-item catalogue",
    "49 products": "the catalogue size, printed by the Baskets repr above it",
    "(17 itemsets counted out of 31 possible)": "counts of the toy trace printed above (2⁵ − 1 = 31)",
    "0.5% support": "a threshold the analyst chooses",
    "0.5% of trips": "a threshold the analyst chooses",
    "at least 5%": "a threshold the analyst chooses",
    "1.3 to see": "a slider setting suggested to the reader",
    "1.2 million": "Power (2002), cited",
    "1.2 million baskets": "Power (2002), cited",
    "some 25 Osco": "Power (2002), cited",
    "25 stores": "Power (2002), cited",
    "5 and 7 pm": "Power (2002), cited",
    "5–7 pm": "Power (2002), cited",
    "1.65 standard deviations": "z for a 95% cycle service level, Silver, Pyke and Thomas (2017)",
    "65%": "DeHoratius and Raman (2008), cited",
    "16%": "Hardgrave, Waller and Miller (2005), cited",
    "20 packs": "an illustration of a record that disagrees with the shelf",
    "14 × the mean": "the policy the text sets (two weeks' demand per order)",
    "section 11": "a section number",
    "## 11 ·": "a section number",
    "6 more baskets in 100": "the toy leverage 0.0625 restated, claimed above",
    "that 1.4 needs": "cereal ⇒ milk's lift, claimed in the sentence before",
    "25% (2 baskets of 8)": "the toy trace's threshold, an analyst's choice",
    "(KDD-94)": "citation (workshop name)",
    "45 years of Wal-Mart": "citation (article title)",
    "October 17": "a date (citation)",
    "13–17 (lawful basis": "law articles cited",
    "00:13": "KDnuggets issue number, citation",
    "3(23)": "citation (volume and issue)",
    "207–216": "citation pages",
    "487–499": "citation pages",
    "255–264": "citation pages",
    "181–192": "citation pages",
    "54(4), 627–641": "citation volume and pages",
    "58(4), 16–27": "citation volume and pages",
    "(4th ed.)": "citation edition",
    "20 August 2021": "a date",
    "1 November 2021": "a date",
    "arts. 13–17": "law articles cited",
    "(arts. 13–17)": "law articles cited",
    "(art. 24)": "law article cited",
    "24 (automated": "law article cited",
    "(art. 55)": "law article cited",
    "and 55 (impact": "law article cited",
    "2022–2024": "fiscal years of the cited reports",
    "1980s–90s": "a period",
    "1990–91": "dates from Talk Business (1997)",
    "top 100 suppliers": "Walmart's 2003 announcement, cited",
    "simulate_retailer(5000, seed=0)": "the call that makes the data",
}
