"""casekit.defection: hand-computed values, planted effects recovered, errors named."""
import math
import re

import numpy as np
import pandas as pd
import pytest

from casekit import defection as d


# --------------------------------------------------------------------------- switching maths
def test_annuity_payment_matches_textbook_values():
    # $100,000 over 30 years at 6%: $599.55 a month (any mortgage table)
    assert d.annuity_payment(100_000, 0.06, 360) == pytest.approx(599.55, abs=0.005)
    # ¥1,200 over 12 months at 0%: ¥100
    assert d.annuity_payment(1_200, 0.0, 12) == pytest.approx(100.0)
    # one month: principal plus one month's interest
    assert d.annuity_payment(1_000, 0.12, 1) == pytest.approx(1_010.0)


def test_annuity_payment_repays_the_loan_exactly():
    p, rate, n = 350_000, 0.0594, 180
    pay, r, balance = d.annuity_payment(p, rate, n), rate / 12, float(p)
    for _ in range(n):
        balance = balance * (1 + r) - pay
    assert balance == pytest.approx(0.0, abs=1e-6)


def test_switching_calculator_break_even_and_savings():
    res = d.switching_calculator(100_000, 360, 0.06, rate_factor=0.5, switching_costs=2_000)
    assert res.old_payment == pytest.approx(599.55, abs=0.005)
    assert res.new_payment == pytest.approx(421.60, abs=0.005)   # 3% over 30 years
    saving = res.old_payment - res.new_payment
    assert res.monthly_saving == pytest.approx(saving)
    assert res.break_even_month == math.ceil(2_000 / saving) == 12
    assert res.net_saving == pytest.approx(360 * saving - 2_000)
    assert res.schedule["cumulative_net"].iloc[11] >= 0 > res.schedule["cumulative_net"].iloc[10]
    assert len(res.schedule) == 360 and "month 12" in repr(res)


def test_switching_that_never_pays_back():
    res = d.switching_calculator(10_000, 12, 0.05, rate_factor=0.99, switching_costs=5_000)
    assert res.break_even_month is None and res.net_saving < 0
    assert "never paid back" in repr(res)
    same = d.switching_calculator(10_000, 12, 0.05, new_rate=0.05)
    assert same.monthly_saving == pytest.approx(0.0) and same.net_saving == pytest.approx(0.0)


@pytest.mark.parametrize("kwargs, error, phrase", [
    (dict(principal=-1, months=12, annual_rate=0.05), ValueError, "principal"),
    (dict(principal=1e5, months=0, annual_rate=0.05), ValueError, "months"),
    (dict(principal=1e5, months=12.5, annual_rate=0.05), TypeError, "months"),
    (dict(principal=1e5, months=12, annual_rate=5.94), ValueError, "annual_rate"),
    (dict(principal=1e5, months=12, annual_rate="5%"), TypeError, "annual_rate"),
    (dict(principal=1e5, months=12, annual_rate=0.05, switching_costs=-3), ValueError, "switching_costs"),
    (dict(principal=1e5, months=12, annual_rate=0.05, rate_factor=math.nan), ValueError, "rate_factor"),
    (dict(principal=True, months=12, annual_rate=0.05), TypeError, "principal"),
])
def test_switching_calculator_rejects_bad_input(kwargs, error, phrase):
    with pytest.raises(error, match=phrase):
        d.switching_calculator(**kwargs)


# --------------------------------------------------------------------------- survival
def test_kaplan_meier_matches_a_hand_example():
    # 6 customers: leave at 1, 2, 3, 5; censored (still customers) at 2 and 4
    km = d.kaplan_meier([1, 2, 2, 3, 4, 5], [1, 1, 0, 1, 0, 1])
    assert km["time"].tolist() == [0, 1, 2, 3, 5]
    assert km["at_risk"].tolist() == [6, 6, 5, 3, 1]
    expected = [1, 5 / 6, 5 / 6 * 4 / 5, 5 / 6 * 4 / 5 * 2 / 3, 0.0]
    assert km["survival"].to_numpy() == pytest.approx(expected)
    inner = km.iloc[1:4]
    assert (inner["lower"] < inner["survival"]).all() and (inner["survival"] < inner["upper"]).all()
    assert d.survival_at(km, 4.9) == pytest.approx(4 / 9)


def test_kaplan_meier_without_censoring_is_the_empirical_survival():
    rng = np.random.default_rng(3)
    t = rng.integers(1, 30, 500)
    km = d.kaplan_meier(t, np.ones(500, bool))
    for _, row in km.iloc[1:].iterrows():
        assert row["survival"] == pytest.approx((t > row["time"]).mean())


def test_kaplan_meier_by_group():
    km = d.kaplan_meier([1, 2, 3, 1, 2, 3], [1, 1, 1, 0, 0, 1], groups=list("aaabbb"))
    assert set(km["group"]) == {"a", "b"}
    at = d.survival_at(km, 2)
    assert at["a"] == pytest.approx(1 / 3) and at["b"] == pytest.approx(1.0)


@pytest.mark.parametrize("durations, events, error, phrase", [
    ([1, 2], [1], ValueError, "equal length"),
    ([1, -2], [1, 0], ValueError, "≥ 0"),
    ([1, np.nan], [1, 0], ValueError, "NaN"),
    ([1, 2], [1, 2], ValueError, "1/0"),
    ([], [], ValueError, "empty"),
    (["a", "b"], [1, 0], TypeError, "durations"),
])
def test_kaplan_meier_rejects_bad_input(durations, events, error, phrase):
    with pytest.raises(error, match=phrase):
        d.kaplan_meier(durations, events)


# --------------------------------------------------------------------------- churn rates and model
def test_churn_rate_and_churn_by():
    assert d.churn_rate([1, 0, 0, 0]) == 0.25
    t = pd.DataFrame({"plan": pd.Categorical(["m", "m", "y", "y"]), "churn": [True, True, False, True]})
    table = d.churn_by(t, "plan")
    assert table.loc["m", "churn_rate"] == 1.0 and table.loc["y", "churned"] == 1
    with pytest.raises(ValueError, match="no column 'region'"):
        d.churn_by(t, "region")
    with pytest.raises(ValueError, match="empty"):
        d.churn_rate([])


def test_churn_model_recovers_planted_odds_ratios():
    rng = np.random.default_rng(7)
    n = 20_000
    frame = pd.DataFrame({"contract": pd.Categorical(rng.choice(["monthly", "annual", "two-year"], n),
                                                     categories=["monthly", "annual", "two-year"]),
                          "tenure_years": rng.uniform(0, 6, n)})
    logit = (-0.5 + np.log(0.4) * (frame["contract"] == "annual")
             + np.log(0.1) * (frame["contract"] == "two-year") + np.log(0.7) * frame["tenure_years"])
    frame["churn"] = rng.random(n) < 1 / (1 + np.exp(-logit))
    model = d.churn_model(frame, "churn", ["contract", "tenure_years"])
    odds = model.odds_ratios
    for term, true in [("contract[annual]", 0.4), ("contract[two-year]", 0.1), ("tenure_years", 0.7)]:
        assert odds.loc[term, "lower"] < true < odds.loc[term, "upper"], term
    p = model.predict(frame.head(3))
    assert p.between(0, 1).all() and len(p) == 3


def test_churn_model_reference_level_and_errors():
    rng = np.random.default_rng(1)
    frame = pd.DataFrame({"plan": rng.choice(["a", "b"], 500)})
    frame["churn"] = rng.random(500) < np.where(frame["plan"] == "b", 0.5, 0.2)
    flipped = d.churn_model(frame, "churn", "plan", reference={"plan": "b"})
    assert "plan[a]" in flipped.odds_ratios.index and flipped.odds_ratios.loc["plan[a]", "odds_ratio"] < 1
    with pytest.raises(ValueError, match="only one value"):
        d.churn_model(frame.assign(churn=False), "churn", ["plan"])
    with pytest.raises(ValueError, match="redundant"):
        d.churn_model(frame.assign(copy=frame["plan"] == "b"), "churn", ["plan", "copy"])
    with pytest.raises(ValueError, match="missing values"):
        d.churn_model(frame.assign(x=np.r_[np.nan, np.ones(499)]), "churn", ["x"])
    with pytest.raises(ValueError, match="predictors is empty"):
        d.churn_model(frame, "churn", [])


# --------------------------------------------------------------------------- cohorts, partial defection, WOM
def test_cohort_retention_by_hand():
    tx = pd.DataFrame({"customer": [1, 1, 2, 2, 3, 3],
                       "timestamp": pd.to_datetime(["2024-01-05", "2024-04-02", "2024-02-10",
                                                    "2024-09-01", "2024-05-01", "2024-05-03"])})
    table = d.cohort_retention(tx)
    assert table.loc["2024Q1", "customers"] == 2 and table.loc["2024Q2", "customers"] == 1
    assert table.loc["2024Q1", [0, 1, 2]].tolist() == [1.0, 0.5, 0.5]
    assert table.loc["2024Q2", 1] == 0.0 and np.isnan(table.loc["2024Q2", 2])
    with pytest.raises(ValueError, match="freq"):
        d.cohort_retention(tx, freq="W")


def test_partial_defection_flags_find_falling_baskets_only():
    days = pd.date_range("2023-01-01", "2024-12-31", freq="14D")
    rows = []
    for c, recent_value in [(1, 40.0), (2, 100.0)]:      # 1 cuts its basket to 40%
        rows += [(c, t, 100.0 if t < pd.Timestamp("2024-07-01") else recent_value) for t in days]
    rows += [(3, t, 100.0) for t in days if t < pd.Timestamp("2024-03-01")]   # stopped buying
    tx = pd.DataFrame(rows, columns=["customer", "timestamp", "total"])
    flags = d.partial_defection_flags(tx, recent_weeks=26, earlier_weeks=52)
    assert flags["flag"].to_dict() == {1: True, 2: False}
    assert 3 not in flags.index
    with pytest.raises(ValueError, match="threshold"):
        d.partial_defection_flags(tx, threshold=1.5)
    with pytest.raises(ValueError, match="no column 'spend'"):
        d.partial_defection_flags(tx, value="spend")


def test_word_of_mouth_expected_values():
    wom = d.word_of_mouth(1_000, 0.8)
    assert wom.loc["good", "people_told"] == pytest.approx(800 * 8)
    assert wom.loc["bad", "people_told"] == pytest.approx(200 * 25)
    two = d.word_of_mouth(1, 0.0, retell=0.1, rounds=2)           # 25 + 25 × (0.1 × 25)
    assert two.loc["bad", "people_told"] == pytest.approx(25 + 25 * 2.5)
    with pytest.raises(ValueError, match="satisfied_share"):
        d.word_of_mouth(100, 1.2)
    with pytest.raises(TypeError, match="rounds"):
        d.word_of_mouth(100, 0.5, rounds=1.5)


def test_import_is_lazy():
    import subprocess
    import sys
    code = "import sys, casekit.defection; print('statsmodels' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# --------------------------------------------------------------------------- after an event
def _event_data():
    defections = pd.DataFrame({"customer": [1, 2, 3, 4],
                               "date": pd.to_datetime(["2023-03-01", "2023-05-24", "2023-05-25",
                                                       "2023-03-10"])})
    events = pd.DataFrame({"region": ["North", "South", "North"],
                           "event": ["competitor price cut", "competitor price cut", "promotion"],
                           "date": pd.to_datetime(["2023-03-01", "2023-03-01", "2023-03-05"])})
    customers = pd.DataFrame({"customer": [1, 2, 3, 4], "region": ["North", "North", "North", "South"]})
    return defections, events, customers


def test_after_event_window_is_inclusive_exclusive_and_regional():
    defections, events, customers = _event_data()
    # 2023-03-01 + 84 days = 2023-05-24: the first day outside the window
    assert d.after_event(defections, events, customers).tolist() == [True, False, False, True]
    assert d.after_event(defections, events, customers, days=85).tolist() == [True, True, False, True]
    # North's promotion on 2023-03-05 covers 2023-05-24 and -25, not 2023-03-01
    assert d.after_event(defections, events, customers, event="promotion").tolist() == \
        [False, True, True, False]
    south_cut_only = events.iloc[[1]]
    assert d.after_event(defections, south_cut_only, customers).tolist() == [False, False, False, True]
    assert d.after_event(defections, south_cut_only, customers, same_region=False).tolist() == \
        [True, False, False, True]


@pytest.mark.parametrize("change, error, message", [
    (dict(days=0), ValueError, "days must be a whole number ≥ 1"),
    (dict(event="flood"), ValueError, "events has no event 'flood'"),
    (dict(event=3), TypeError, "event must be the name of an event"),
])
def test_after_event_names_bad_arguments(change, error, message):
    defections, events, customers = _event_data()
    with pytest.raises(error, match=message):
        d.after_event(defections, events, customers, **change)
    with pytest.raises(ValueError, match="customers has no column 'region'"):
        d.after_event(defections, events, customers.drop(columns="region"))


# --------------------------------------------------------------------------- early warning
def _brute_auc(score, y):
    pos = [s for s, t in zip(score, y) if t]
    neg = [s for s, t in zip(score, y) if not t]
    wins = sum(1.0 if p > n else 0.5 if p == n else 0.0 for p in pos for n in neg)
    return wins / (len(pos) * len(neg))


def test_warning_quality_auc_agrees_with_counting_pairs():
    rng = np.random.default_rng(3)
    score = rng.integers(0, 6, 200) / 5          # many ties
    y = rng.random(200) < 0.2 + 0.5 * score
    q = d.warning_quality(score, y, top=0.1)
    assert q["auc"] == pytest.approx(_brute_auc(score, y), abs=0.0005)
    top = np.argsort(-score, kind="mergesort")[:20]
    assert q["top_rate"] == pytest.approx(y[top].mean(), abs=0.0005)
    assert q["lift"] == pytest.approx(y[top].mean() / y.mean(), abs=0.001)


def test_warning_quality_perfect_and_reversed_rankings():
    y = [True, True, False, False, False]
    assert d.warning_quality([5, 4, 3, 2, 1], y)["auc"] == 1.0
    assert d.warning_quality([1, 2, 3, 4, 5], y)["auc"] == 0.0
    assert d.warning_quality([1, 1, 1, 1, 1], y)["auc"] == 0.5


@pytest.mark.parametrize("score, y, kw, error, message", [
    ([1, 2], [True], {}, ValueError, "same length"),
    ([1, 2], [True, True], {}, ValueError, "both defectors and non-defectors"),
    ([1, np.nan], [True, False], {}, ValueError, "missing"),
    ([1, 2], ["yes", "no"], {}, TypeError, "defected must be True/False"),
    ([1, 2], [True, False], {"top": 0}, ValueError, "top must be > 0"),
])
def test_warning_quality_names_bad_arguments(score, y, kw, error, message):
    with pytest.raises(error, match=message):
        d.warning_quality(score, y, **kw)


def _trips():
    return pd.DataFrame({"customer": [1, 1, 1, 1, 2, 2, 2, 2, 3, 3],
                         "timestamp": pd.to_datetime(["2024-01-05", "2024-03-01", "2024-06-01", "2024-11-20",
                                                      "2024-02-01", "2024-05-01", "2024-08-01", "2024-09-01",
                                                      "2024-04-01", "2024-12-20"]),
                         "total": [100.0, 100, 100, 40, 80, 80, 80, 80, 50, 50]})


def test_early_warning_indicators_by_hand():
    ew = d.early_warning(_trips(), end="2025-01-01", recent_weeks=13, earlier_weeks=39)
    assert ew["earlier_trips"].tolist() == [3, 4, 1] and ew["recent_trips"].tolist() == [1, 0, 1]
    assert ew.loc[1, "visit_ratio"] == pytest.approx((1 / 13) / (3 / 39), abs=0.001)
    assert ew.loc[1, "basket_ratio"] == pytest.approx(0.4)
    assert np.isnan(ew.loc[2, "basket_ratio"])
    # customer 2: 122 days of silence against a mean gap of 213 / 3 days
    assert ew.loc[2, "gap_ratio"] == pytest.approx(122 / 71, abs=0.001)
    assert ew["score"].between(0, 1).all()
    assert ew["score"].idxmax() == 2 and ew["score"].idxmin() == 3


def test_early_warning_weights_and_p_alive():
    p = pd.Series({1: 0.9, 2: 0.05, 3: 0.99})
    ew = d.early_warning(_trips(), end="2025-01-01", recent_weeks=13, earlier_weeks=39, p_alive=p,
                         weights={"p_alive": 1})
    assert ew["score"].tolist() == ew["p_alive_risk"].tolist()
    only_basket = d.early_warning(_trips(), end="2025-01-01", recent_weeks=13, earlier_weeks=39,
                                  weights={"basket_ratio": 1})
    assert only_basket["score"].idxmax() == 1          # the shrinking basket


@pytest.mark.parametrize("kw, error, message", [
    (dict(weights={"p_alive": 1}), ValueError, "pass p_alive="),
    (dict(weights={"visit_ratio": -1}), ValueError, "must be ≥ 0"),
    (dict(weights={"visit_ratio": 0}), ValueError, "all zero"),
    (dict(weights=[1, 2]), TypeError, "weights must be a dict"),
    (dict(p_alive=[0.5, 0.5, 0.5]), TypeError, "p_alive must be a pandas Series"),
    (dict(recent_weeks=0), ValueError, "recent_weeks must be a whole number ≥ 1"),
    (dict(end="not a date"), ValueError, "end must be a date"),
    (dict(end="2020-01-01"), ValueError, "no transaction falls"),
])
def test_early_warning_names_bad_arguments(kw, error, message):
    with pytest.raises(error, match=message):
        d.early_warning(_trips(), **kw)


def test_early_warning_ranks_valuemarts_partial_defectors_by_basket():
    from casekit.data import simulate_retailer

    shop = simulate_retailer(1500, seed=4)
    ew = d.early_warning(shop.transactions)
    still = ew[ew["recent_trips"] > 0]
    partial = shop.truth.customers.set_index("customer")["partial_from"].notna().reindex(still.index)
    assert d.warning_quality(still["basket_ratio_risk"], partial)["auc"] > 0.7
    gone = ~shop.truth.customers.set_index("customer")["active_at_end"].reindex(ew.index).astype(bool)
    assert d.warning_quality(ew["gap_ratio_risk"], gone)["auc"] > 0.75


def _numbers(text):
    import re
    return re.findall(r"[-+]?\d[\d,]*(?:\.\d+)?", text, flags=re.ASCII)


def test_reprs_speak_the_reader_s_language_with_the_same_numbers():
    from casekit.i18n import speaking

    rng = np.random.default_rng(1)
    frame = pd.DataFrame({"plan": rng.choice(["a", "b"], 500), "age": rng.uniform(20, 60, 500)})
    frame["churn"] = rng.random(500) < np.where(frame["plan"] == "b", 0.5, 0.2)
    model = d.churn_model(frame, "churn", ["plan", "age"])
    paid = d.switching_calculator(500_000, 240, 0.0594, rate_factor=0.7, switching_costs=5_000)
    never = d.switching_calculator(10_000, 12, 0.05, rate_factor=0.99, switching_costs=5_000)
    english = [repr(x) for x in (model, paid, never)]
    assert english[0] == (f"ChurnModel: logistic regression of 'churn' on 2 terms, 500 customers, "
                          f"pseudo R² {model.result.prsquared:.3f}")
    assert english[1] == ("SwitchingResult: ¥3,565 → ¥3,072 a month (saves ¥493); switching costs "
                          "¥5,000 are paid back in month 11; net saving over 240 months ¥113,363")
    assert "are never paid back" in english[2]
    with speaking("zh"):
        chinese = [repr(x) for x in (model, paid, never)]
    assert [repr(x) for x in (model, paid, never)] == english
    for en, zh in zip(english, chinese):
        assert re.search("[\u4e00-\u9fff]", zh), zh
        assert _numbers(zh) == _numbers(en), (en, zh)
    assert "逻辑回归" in chinese[0] and "'churn'" in chinese[0] and "转贷成本" in chinese[1]
