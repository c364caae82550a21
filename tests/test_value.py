"""casekit.value: the formulas against first principles, the tables against hand counts."""
import numpy as np
import pandas as pd
import pytest

from casekit import value as v


def brute_force_clv(m, r, d, periods, timing):
    """Sum expected discounted margins term by term (the definition, no algebra)."""
    total = 0.0
    for t in range(periods):
        if timing == "acquisition":      # margin at t = 0, 1, 2 … if still a customer
            total += m * r ** t / (1 + d) ** t
        elif timing == "end_of_period":  # margin at end of period t+1; the first is certain
            total += m * r ** t / (1 + d) ** (t + 1)
        else:                            # residual: must renew before each margin
            total += m * r ** (t + 1) / (1 + d) ** (t + 1)
    return total


@pytest.mark.parametrize("timing", ["acquisition", "end_of_period", "residual"])
@pytest.mark.parametrize("m, r, d", [(100, 0.8, 0.1), (250, 0.6, 0.15), (40, 0.95, 0.05)])
def test_clv_formulas_match_the_definition(timing, m, r, d):
    closed = v.clv_retention(m, r, d, timing=timing)
    assert closed == pytest.approx(brute_force_clv(m, r, d, 2000, timing), rel=1e-9)
    assert v.clv_retention(m, r, d, timing=timing, horizon=7) == pytest.approx(
        brute_force_clv(m, r, d, 7, timing), rel=1e-12)
    schedule = v.clv_schedule(m, r, d, periods=7, timing=timing)
    assert schedule["cumulative_clv"].iloc[-1] == pytest.approx(brute_force_clv(m, r, d, 7, timing))


def test_clv_variants_differ_only_in_timing_and_broadcast():
    acq = v.clv_retention(100, 0.8, 0.1)
    assert acq == pytest.approx(v.clv_retention(100, 0.8, 0.1, timing="end_of_period") * 1.1)
    assert acq == pytest.approx(v.clv_retention(100, 0.8, 0.1, timing="residual") * 1.1 / 0.8)
    grid = v.clv_retention(100, np.array([0.5, 0.7, 0.9]), 0.1)
    assert grid.shape == (3,) and np.all(np.diff(grid) > 0)   # more retention, more value


@pytest.mark.parametrize("kwargs, error, message", [
    ({"retention": 1.0}, ValueError, "never leave"),
    ({"retention": 1.2}, ValueError, "retention must be ≥ 0 and ≤ 1"),
    ({"retention": "0.8"}, TypeError, "retention must be a number"),
    ({"discount_rate": -1}, ValueError, "discount_rate must be > -1"),
    ({"margin": float("nan")}, ValueError, "margin must be finite"),
    ({"timing": "start"}, ValueError, "timing must be one of"),
    ({"horizon": 0}, ValueError, "horizon must be a whole number"),
])
def test_clv_rejects_bad_arguments_by_name(kwargs, error, message):
    args = {"margin": 100, "retention": 0.8, "discount_rate": 0.1} | kwargs
    with pytest.raises(error, match=message):
        v.clv_retention(**args)


def test_dwyer_table_discounts_from_year_two_and_divides_by_acquired():
    t = v.dwyer_table([1000, 600], [300_000, 198_000], [240_000, 148_500], 0.1)
    assert t.loc[1, "npv"] == 60_000                  # year 1 undiscounted
    assert t.loc[2, "npv"] == pytest.approx(49_500 / 1.1)
    assert t.loc[2, "ltv_per_customer"] == pytest.approx((60_000 + 45_000) / 1000)
    by_group = v.dwyer_table(pd.DataFrame([[100, 50], [200, 150]], index=["young", "retired"]),
                             pd.DataFrame([[1e4, 6e3], [2e4, 1.8e4]], index=["young", "retired"]),
                             pd.DataFrame([[8e3, 4e3], [1.5e4, 1.2e4]], index=["young", "retired"]),
                             0.1)
    assert by_group.loc[("retired", 2), "profit"] == 6e3
    assert by_group.loc[("young", 2), "ltv_per_customer"] == pytest.approx((2e3 + 2e3 / 1.1) / 100)
    with pytest.raises(ValueError, match="one value per year"):
        v.dwyer_table([1, 2], [1], [1, 2], 0.1)


def test_cohort_panel_counts_retained_customers_per_year_since_acquisition():
    tx = pd.DataFrame({
        "customer": [1, 1, 1, 2, 2, 3, 4],
        "timestamp": pd.to_datetime(["2024-01-05", "2024-06-01", "2025-02-01", "2024-03-01",
                                     "2026-01-01", "2024-12-31", "2025-01-01"]),
        "total": [10.0, 10.0, 20.0, 5.0, 7.0, 3.0, 100.0], "margin": [1.0] * 7})
    panel = v.cohort_panel(tx, cohort="2024")
    assert panel["acquired"].tolist() == [3, 3, 3]            # customer 4 joined in 2025
    assert panel["retained"].tolist() == [3, 1, 1]
    assert panel["sales"].tolist() == [28.0, 20.0, 7.0]
    customers = pd.DataFrame({"customer": [1, 2, 3, 4], "household": ["a", "b", "a", "b"]})
    split = v.cohort_panel(tx, cohort="2024", group="household", customers=customers)
    assert split.loc[("a", 1), "retained"] == 2 and split.loc[("b", 3), "retained"] == 1
    with pytest.raises(ValueError, match="no customer was acquired in cohort '2030'"):
        v.cohort_panel(tx, cohort="2030")
    with pytest.raises(ValueError, match="no column 'when'.*date="):
        v.cohort_panel(tx, date="when")


def test_rfm_scores_split_customers_evenly_and_rank_the_best_highest():
    rng = np.random.default_rng(1)
    tx = pd.DataFrame({"customer": rng.integers(1, 501, 5000),
                       "timestamp": pd.Timestamp("2025-01-01") + pd.to_timedelta(rng.integers(0, 365, 5000), "D"),
                       "total": rng.gamma(2, 20, 5000)})
    rfm = v.rfm_scores(tx)
    assert rfm[["R", "F", "M"]].apply(lambda s: s.value_counts().tolist() == [100] * 5).all()
    best = rfm.sort_values("score").iloc[-1]
    assert best["score"] >= 14
    assert (rfm.groupby("R")["recency_days"].max().diff().dropna() < 0).all()   # R5 = most recent
    with pytest.raises(ValueError, match="bins must be"):
        v.rfm_scores(tx, bins=1)


def test_pareto_table_shares_and_abc_classes():
    values = pd.Series(np.random.default_rng(2).pareto(1.5, 1000) + 1)
    t = v.pareto_table(values)
    assert t["value_share"].is_monotonic_increasing and t["value_share"].iloc[-1] == pytest.approx(1)
    a = t[t["abc"] == "A"]
    assert a["value_share"].iloc[-1] >= 0.8 > a["value_share"].iloc[-2]
    assert list(dict.fromkeys(t["abc"])) == ["A", "B", "C"]
    with pytest.raises(ValueError, match="sum to zero"):
        v.pareto_table(pd.Series([0.0, 0.0]))
    with pytest.raises(TypeError, match="Series"):
        v.pareto_table([1, 2])


def test_value_matrix_uses_the_stated_grid():
    assert v.VALUE_CLASSES.loc["A", ["current", "future"]].tolist() == ["high", "high"]
    assert v.VALUE_CLASSES.loc["F", ["current", "future"]].tolist() == ["low", "low"]
    cur = pd.Series([10, 20, 30, 40, 50, 60])
    fut = pd.Series([1, 100, 1, 100, 1, 100])
    out = v.value_matrix(cur, fut, current_cuts=[25, 45], future_cut=50)
    assert out["class"].tolist() == ["F", "B", "E", "C", "D", "A"]
    with pytest.raises(ValueError, match="missing values"):
        v.value_matrix(pd.Series([1.0, np.nan]), pd.Series([1.0, 2.0]))


def test_lifecycle_stage_rules():
    now = pd.Timestamp("2025-12-31")
    days = lambda *d: [now - pd.Timedelta(days=x) for x in d]
    tx = pd.DataFrame({"customer": [1, 1, 2, 2, 3, 4, 4, 5, 5],
                       "timestamp": days(120, 10, 120, 10, 20, 400, 300, 120, 10),
                       "total": [100, 100, 100, 300, 50, 10, 10, 300, 100]})
    stages = v.lifecycle_stage(tx, now=now)["stage"]
    assert stages.to_dict() == {1: "maturity", 2: "growth", 3: "acquisition", 4: "departure",
                                5: "decline"}
    assert list(stages.cat.categories) == list(v.LIFECYCLE_STAGES)


def test_share_of_wallet_checks_that_the_wallet_holds_our_spend():
    assert v.share_of_wallet(30, 120) == 0.25
    with pytest.raises(ValueError, match="exceeds wallet"):
        v.share_of_wallet(130, 120)
    with pytest.raises(ValueError, match="wallet must be > 0"):
        v.share_of_wallet(0, 0)
