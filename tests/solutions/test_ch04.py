"""Chapter 4 (Walmart data mining): the reference solutions against the rule miner and a
plain-pandas recount on a student's data, the planted rules found where they were planted,
and the chapter's bank (every type, its table accepted as a DataFrame, its typed figures the
chapter's data). The shared check of every computed exercise (reference accepted, each
mistake named) is tests/test_banks.py."""

import numpy as np
import pandas as pd
import pytest

from casekit.baskets import Itemset, association_rules, frequent_itemsets, read_baskets
from casekit import segments
from casekit.solutions import ch04

CHAPTER = "04"
STUDENT = "s2026-104"


@pytest.fixture(scope="module")
def pair_rules(shop):
    return association_rules(read_baskets(shop.lines, basket="trip"), min_support=0.001,
                             min_confidence=0.01, max_len=2)


def mined(rules, antecedent, consequent):
    hit = rules[(rules["antecedent"] == Itemset([antecedent]))
                & (rules["consequent"] == Itemset([consequent]))]
    assert len(hit) == 1, (antecedent, consequent)
    return hit.iloc[0]


# --------------------------------------------------------------------------- the solutions
def test_beer_and_diapers_metrics_agree_with_the_miner(shop, pair_rules):
    rule = mined(pair_rules, "diapers", "beer")
    assert ch04.diapers_beer_support(shop) == pytest.approx(rule["support"])
    assert ch04.diapers_beer_confidence(shop) == pytest.approx(rule["confidence"])
    assert ch04.diapers_beer_lift(shop) == pytest.approx(rule["lift"])
    assert ch04.mistake_support_count(shop) == rule["count"]
    reverse = mined(pair_rules, "beer", "diapers")
    assert ch04.mistake_confidence_reversed(shop) == pytest.approx(reverse["confidence"])


def test_planted_rules_table_agrees_with_the_miner(shop, pair_rules):
    table = ch04.planted_rules(shop)
    assert table.columns.tolist() == ["support", "confidence", "lift"]
    for (a, c), (label, row) in zip(ch04.PLANTED_TABLE, table.iterrows()):
        assert label == f"{{{a}}} => {{{c}}}"
        rule = mined(pair_rules, a, c)
        np.testing.assert_allclose(row.to_numpy(), rule[["support", "confidence", "lift"]]
                                   .to_numpy(dtype=float))


@pytest.mark.slow
def test_frequent_pairs_match_a_brute_force_count(shop):
    baskets = shop.lines.groupby("trip")["item"].apply(lambda s: sorted(set(map(str, s))))
    counts = {}
    for items in baskets:
        for i, a in enumerate(items):
            for b in items[i + 1:]:
                counts[(a, b)] = counts.get((a, b), 0) + 1
    need = np.ceil(ch04.PAIR_SUPPORT * len(shop.transactions))
    assert ch04.frequent_pairs(shop) == sum(c >= need for c in counts.values())
    assert ch04.mistake_pairs_as_rules(shop) == 2 * ch04.frequent_pairs(shop)
    every = frequent_itemsets(read_baskets(shop.lines, basket="trip"), ch04.PAIR_SUPPORT)
    assert ch04.mistake_pairs_all_sizes(shop) == len(every) > ch04.frequent_pairs(shop)


def test_segment_is_young_fathers_on_thursday_to_saturday_evenings(shop):
    seg = ch04.young_father_evening(shop)
    t = shop.transactions.merge(shop.customers[["customer", "household", "sex"]],
                                on="customer")
    picked = t[seg]
    assert (picked["household"] == "young family").all() and (picked["sex"] == "M").all()
    assert set(picked["timestamp"].dt.day_name()) == {"Thursday", "Friday", "Saturday"}
    assert picked["timestamp"].dt.hour.between(17, 20).all()
    # and nothing that fits was left out
    fits = ((t["household"] == "young family") & (t["sex"] == "M")
            & t["timestamp"].dt.day_of_week.isin([3, 4, 5])
            & t["timestamp"].dt.hour.between(17, 20))
    assert (fits.to_numpy() == seg).all()


def test_the_chapter_segment_is_the_answer_keys_segment(shop):
    assert (segments.segment_trips(shop) == ch04.young_father_evening(shop)).all()


def test_the_planted_segment_rule_is_strong_inside_and_weak_outside(shop):
    context = segments.rule_by_context(shop)
    inside = context.loc["young fathers, Thu–Sat 17:00–21:00"]
    outside = context.loc["outside that segment"]
    overall = context.loc["all trips"]
    assert inside["confidence"] == pytest.approx(ch04.segment_confidence(shop))
    assert 0.45 < inside["confidence"] < 0.75 and inside["lift"] > 1.5
    assert overall["confidence"] < 0.3 and outside["lift"] < 1
    assert inside["trips"] + outside["trips"] == overall["trips"] == len(shop.transactions)
    assert ch04.mistake_segment_friday_to_sunday(shop) != pytest.approx(inside["confidence"])
    assert ch04.mistake_segment_hours_inclusive(shop) != pytest.approx(inside["confidence"])
    # the young fathers' other trips keep only the weak lift big baskets give any pair ...
    other = context.loc["young fathers at other times"]
    assert 1 < other["lift"] < 1.6 and other["confidence"] < 0.15
    # ... and the pooled outside lift is below 1 only because it mixes households (Simpson)
    by_household = segments.rule_by_group(shop, "diapers", "beer",
                                          where=~segments.segment_trips(shop))
    buyers = by_household.drop("all")
    assert (buyers.loc[buyers["antecedent trips"] >= 100, "lift"] > 1).all()
    assert by_household.loc["all", "lift"] == pytest.approx(outside["lift"])


def test_segment_arguments_are_checked(shop):
    with pytest.raises(ValueError, match="days"):
        segments.segment_trips(shop, days=(7,))
    with pytest.raises(ValueError, match="hours"):
        segments.segment_trips(shop, hours=(21, 17))
    with pytest.raises(ValueError, match="caviar"):
        segments.rule_by_context(shop, "caviar", "beer")
    with pytest.raises(ValueError, match="postcode"):
        segments.rule_by_group(shop, "diapers", "beer", by="postcode")


def test_lift_recovers_most_planted_rules(pair_rules, shop):
    found = segments.compare_with_truth(pair_rules, shop.truth.associations)
    assert found.index.tolist() == [f"{a} => {c}" for a, c in zip(
        shop.truth.associations["antecedent"], shop.truth.associations["consequent"])]
    assert found["lift"].notna().all()
    ranking = segments.lift_ranking(pair_rules, shop.truth.associations)
    assert ranking["pair"].is_unique and ranking["lift"].is_monotonic_decreasing
    assert len(ranking) == len(pair_rules) // 2
    # the store-wide rules planted with a strong probability are near the top ...
    assert ranking.head(12)["planted"].sum() >= 5
    # ... and the segment-only legend is not
    top = set(ranking.head(20)["pair"])
    assert "diapers & beer" not in top


def test_stockout_policy_and_its_mistakes(shop):
    from casekit.replenish import daily_demand, reorder_point_simulation

    demand = daily_demand(shop, "diapers", start="2024-01-01", end="2024-12-31")
    assert len(demand) == 366 and (demand == 0).any()
    policy = ch04.stock_policy(demand)
    assert policy["reorder_point"] >= 7 * demand.mean() > policy["reorder_point"] - 1
    sim = reorder_point_simulation(demand, **policy)
    assert ch04.diaper_stockout_days(shop) == sim["stockout"].sum() > 0
    assert ch04.mistake_stockout_lost_units(shop) == sim["lost"].sum()
    rounded = ch04.stock_policy(demand, rounding=round)
    assert rounded["reorder_point"] == round(7 * demand.mean())


# --------------------------------------------------------------------------- the bank
def test_bank_covers_every_type(bank):   # the house rules: tests/test_banks.py
    assert len(bank) >= 20
    assert {e.kind for e in bank.values()} == {"numeric", "single", "multiple", "matching",
                                               "ordering", "table", "text"}
    cases = [e for e in bank.values() if e.id.startswith("basket.case-")]
    assert len(cases) == 4 and all(e.kind == "text" and e.rubric for e in cases)


def test_the_planted_rules_table_is_accepted_as_a_dataframe(bank, shop):
    (table,) = [e for e in bank.values() if e.kind == "table"]
    assert table.resolve(shop).check(ch04.planted_rules(shop)).correct


def test_numeric_answers_in_the_notebook_bank_are_right(bank):
    lift = bank["basket.lift-from-confidence"]
    assert lift.answer == pytest.approx(0.60 / 0.40)
    assert "confidence" in lift.check(0.6).message


def test_tiny_retailer_needs_no_simulation():
    tiny = ch04.tiny_retailer()
    assert isinstance(tiny.lines, pd.DataFrame) and len(tiny.transactions) == 10
    assert ch04.diapers_beer_support(tiny) == pytest.approx(0.3)


def test_phantom_stock_keeps_units_and_the_record_drifts_by_the_shrink(shop):
    from casekit.replenish import (daily_demand, phantom_stock_simulation,
                                   reorder_point_simulation, suggest_reorder_point)

    demand = daily_demand(shop, "diapers", start="2024-01-01", end="2024-12-31")
    s, q = suggest_reorder_point(demand, 7), int(np.ceil(14 * demand.mean()))
    plain = reorder_point_simulation(demand, s, q, 7, q)
    none = phantom_stock_simulation(demand, s, q, 7, q, shrink_per_day=0)
    assert none[plain.columns].equals(plain) and (none["record"] == none["stock"]).all()
    never = phantom_stock_simulation(demand, s, q, 7, q, shrink_per_day=0.05, seed=3)
    # units are conserved, and the record is the shelf plus everything lost unrecorded
    assert q + never["received"].sum() == never["sold"].sum() + never["shrink"].sum() \
        + never["stock"].iloc[-1]
    assert (never["record"] - never["stock"] == never["shrink"].cumsum()).all()
    daily = phantom_stock_simulation(demand, s, q, 7, q, shrink_per_day=0.05, count_every_days=1,
                                     seed=3)
    assert (daily["record"] == daily["stock"]).all() and not daily["phantom"].any()
    assert never["stockout"].sum() > daily["stockout"].sum()
    assert never["phantom"].sum() <= never["stockout"].sum()


@pytest.mark.parametrize("kwargs, message", [
    ({"shrink_per_day": -1}, "shrink_per_day"),
    ({"shrink_per_day": 0.1, "count_every_days": 0}, "count_every_days"),
    ({"shrink_per_day": "a lot"}, "shrink_per_day"),
])
def test_phantom_stock_arguments_are_checked(kwargs, message):
    from casekit.replenish import phantom_stock_simulation

    with pytest.raises((ValueError, TypeError), match=message):
        phantom_stock_simulation([1, 2, 3], 2, 4, 1, 4, **kwargs)


def test_the_segment_decision_item_quotes_the_chapters_data():
    """basket.segment-decision and basket.lift-reading type the chapter's seed-0 figures."""
    from tests.claims import shop as chapter_shop

    context = segments.rule_by_context(chapter_shop())
    assert round(context.loc["young fathers, Thu–Sat 17:00–21:00", "confidence"], 1) == 0.6
    assert round(context.loc["all trips", "confidence"], 2) == 0.16
    assert round(context.loc["young fathers at other times", "lift"], 1) == 1.3
    outside = context.loc["outside that segment"]
    assert (round(outside["confidence"], 2), round(outside["consequent share"], 2)) == (0.09, 0.10)
