"""Chapter 1 (customer value): the reference solutions against a plain-pandas recount on the
tiny retailer and a student's data, and the chapter's bank (every type, its tables accepted
as DataFrames, the formula exercise and its mistakes from clv_retention). The shared check of
every computed exercise (reference accepted, each mistake named) is tests/test_banks.py."""

import numpy as np
import pandas as pd
import pytest

from casekit.solutions import ch01
from casekit.value import clv_retention

CHAPTER = "01"
STUDENT = "s2026-101"


# --------------------------------------------------------------------------- the solutions
def by_year(shop):
    """The 2022 cohort's trips with their calendar year, in plain pandas."""
    tx = shop.transactions
    first = tx.groupby("customer")["timestamp"].transform("min")
    cohort = tx[first.dt.year == 2022]
    return cohort.assign(year=cohort["timestamp"].dt.year)


@pytest.mark.parametrize("make", [ch01.tiny_retailer, "student"])
def test_cohort_clv_and_dwyer_match_a_hand_count(make, shop):
    data = ch01.tiny_retailer() if make == ch01.tiny_retailer else shop
    trips = by_year(data)
    active = trips.groupby("year")["customer"].nunique()
    margin = trips.groupby("year")["margin"].sum()
    sales = trips.groupby("year")["total"].sum()
    r, m = active[2024] / active[2023], margin[2024] / active[2024]
    assert ch01.cohort_clv(data) == pytest.approx(m * 1.1 / (1.1 - r))
    profit = margin - 24 * active
    npv = profit / 1.1 ** (profit.index - 2022)
    table = ch01.dwyer_cohort(data)
    assert table.index.tolist() == ["1", "2", "3"]
    np.testing.assert_allclose(table["retained"], active.to_numpy())
    np.testing.assert_allclose(table["costs"], (sales - margin + 24 * active).to_numpy())
    np.testing.assert_allclose(table["cumulative_npv"], npv.cumsum().to_numpy())
    assert ch01.dwyer_ltv(data) == pytest.approx(npv.sum() / active[2022])


def test_rfm_abc_and_lifecycle_answers_are_consistent(shop):
    share = ch01.rfm_top_share(shop)
    assert 0 < share < 100
    assert ch01.mistake_rfm_share_customers(shop) < share     # the best cell is small …
    abc = ch01.abc_thirty(shop)                                 # … and brings a lot
    assert abc["Customers"].sum() == 30
    assert abc["Share of value (%)"].sum() == pytest.approx(100)
    # value = current (last 365 days' margin) + future (models' next 52 weeks), by hand
    tx = shop.transactions
    ids = range(1, 31)
    current = (tx[tx["timestamp"] >= shop.end - pd.Timedelta(days=365)]
               .groupby("customer")["margin"].sum().reindex(ids, fill_value=0))
    value = current + ch01.future_values(shop).reindex(ids, fill_value=0)
    ranked = 100 * value.sort_values(ascending=False) / value.sum()
    n_a = abc.loc["A", "Customers"]
    # class A reaches 80% of the value, and would not without its smallest member
    assert ranked.iloc[:n_a].sum() >= 80 > ranked.iloc[:n_a - 1].sum()
    assert abc.loc["A", "Share of value (%)"] == pytest.approx(ranked.iloc[:n_a].sum())
    agreement = ch01.lifecycle_agreement(shop)
    assert list(agreement.index) == [60, 90, 120, 180] and agreement.between(0.5, 1).all()
    best = {60: ch01.mistake_decline_60, 90: ch01.mistake_decline_90,
            120: ch01.mistake_decline_120, 180: ch01.mistake_decline_180}[agreement.idxmax()]
    assert ch01.lifecycle_decline(shop) == best(shop)
    assert 0 < ch01.lifecycle_decline(shop) < len(shop.customers)


def test_value_classes_cover_exactly_the_current_customers(shop):
    classes = ch01.value_classes(shop)
    recent = shop.transactions["timestamp"] >= shop.end - pd.Timedelta(days=365)
    assert set(classes.index) == set(shop.transactions.loc[recent, "customer"])
    counts = ch01.value_class_counts(shop)
    assert counts.index.tolist() == list("ABCDEF")
    assert counts["Customers"].sum() == len(classes)
    # A is high on both axes, D high today and low tomorrow
    mean = classes.groupby("class")[["current", "future"]].mean()
    assert mean.loc["A", "future"] > mean.loc["D", "future"]
    assert mean.loc["D", "current"] > mean.loc["B", "current"]


def test_bgnbd_holdout_gap_is_small_and_the_slips_are_not(shop):
    gap = ch01.bgnbd_forecast(shop)               # % off on the 2024 holdout
    assert abs(gap) < 15
    assert ch01.mistake_forecast_all_new(shop) > gap + 20   # history ignored: far too many


def test_cohort_without_later_customers_is_reported():
    tiny = ch01.tiny_retailer()
    tiny.transactions = tiny.transactions[tiny.transactions["timestamp"].dt.year == 2022]
    with pytest.raises(ValueError, match="no customers in 2023 or 2024"):
        ch01.cohort_clv(tiny)


# --------------------------------------------------------------------------- the bank
def test_bank_covers_every_type(bank):   # the house rules: tests/test_banks.py
    assert len(bank) >= 20
    assert {e.kind for e in bank.values()} == {"numeric", "single", "multiple", "matching",
                                               "ordering", "table", "text"}


def test_the_reference_table_is_accepted_as_a_dataframe_too(bank, shop):
    for exercise_id, solution in (("value.dwyer-table", ch01.dwyer_cohort),
                                  ("value.abc-30", ch01.abc_thirty),
                                  ("value.af-counts", ch01.value_class_counts)):
        resolved = bank[exercise_id].resolve(shop)
        assert resolved.check(solution(shop)).correct, exercise_id


def test_the_formula_exercise_and_its_mistakes_follow_clv_retention(bank):
    e = bank["value.clv-formula"]
    assert e.answer == pytest.approx(clv_retention(120, 0.75, 0.10))
    slips = {round(m["value"], 2) for m in e.mistakes}
    assert {round(clv_retention(120, 0.75, 0.10, timing="end_of_period"), 2),
            round(clv_retention(120, 0.75, 0.10, timing="residual"), 2),
            round(clv_retention(120, 0.25, 0.10), 2),
            round(clv_retention(600, 0.75, 0.10), 2)} <= slips
