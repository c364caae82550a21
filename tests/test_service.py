"""casekit.service: the case-5.1 appraisal by hand, the bonus split to the cent, the call
norms, the simulators and the errors a student sees."""
import math

import numpy as np
import pandas as pd
import pytest

from casekit import service as sv


def one_technician(**changes):
    row = {"absences": 2, "late_services": 1, "missed_services": 0, "attitude": 80,
           "solved": 90, "professionalism": 70, "manager": 85, "onsite_rate": 60,
           "feedback": 90}
    row.update(changes)
    return pd.DataFrame([row], index=["Zhang"])


def test_weights_add_up_to_one_everywhere():
    assert math.isclose(sum(sv.WEIGHTS.values()), 1)
    for module, parts in sv.PARTS.items():
        assert math.isclose(sum(parts.values()), 1), module
    assert math.isclose(sv.scheme_table()["in_final"].sum(), 1)


def test_hand_computed_appraisal():
    # attendance: on duty 100 − 2×10 = 80, punctuality 100 − 10 = 90 → 0.4×80 + 0.6×90 = 86
    # customer: 0.25×80 + 0.5×90 + 0.25×70 = 82.5; manager 85
    # problem solving: 0.4×60 + 0.6×90 = 78
    # final: 0.1×86 + 0.2×82.5 + 0.3×85 + 0.4×78 = 8.6 + 16.5 + 25.5 + 31.2 = 81.8
    row = sv.appraise(one_technician()).loc["Zhang"]
    assert row["attendance"] == pytest.approx(86)
    assert row["customer"] == pytest.approx(82.5)
    assert row["manager"] == 85
    assert row["problem_solving"] == pytest.approx(78)
    assert row["final"] == pytest.approx(81.8)
    assert row["rank"] == 1
    assert sv.final_score(86, 82.5, 85, 78) == pytest.approx(81.8)


def test_one_missed_service_zeroes_attendance_and_costs_its_weight():
    clean = sv.appraise(one_technician(absences=0, late_services=0)).loc["Zhang"]
    missed = sv.appraise(one_technician(absences=0, late_services=0, missed_services=1)).loc["Zhang"]
    assert clean["attendance"] == 100 and missed["attendance"] == 0
    assert clean["final"] - missed["final"] == pytest.approx(10)    # the module's whole 10%
    assert sv.attendance_score(0, 0, 3) == 0.0


def test_deductions_stop_at_zero_and_penalty_is_a_setting():
    assert sv.attendance_score(absences=15, late_services=0) == pytest.approx(60)   # 0.4×0 + 60
    assert sv.attendance_score(absences=1, penalty=5) == pytest.approx(98)


def test_vectorised_scores_keep_the_series_index():
    idx = pd.Index(["a", "b"])
    out = sv.customer_score(pd.Series([80, 100], index=idx), 90, 70)
    assert isinstance(out, pd.Series) and out.index.equals(idx)
    assert out.tolist() == pytest.approx([82.5, 87.5])


def test_rank_ties_share_the_better_rank():
    team = pd.concat([one_technician(), one_technician()]).set_axis(["a", "b"])
    assert sv.appraise(team)["rank"].tolist() == [1, 1]


def test_other_weights_change_the_order():
    team = pd.concat([one_technician(manager=100, feedback=60),
                      one_technician(manager=80, feedback=100)]).set_axis(["boss's pet", "fixer"])
    default = sv.appraise(team)
    assert default.loc["fixer", "rank"] == 1
    manager_heavy = sv.appraise(team, weights={"attendance": 0.1, "customer": 0.1,
                                               "manager": 0.7, "problem_solving": 0.1})
    assert manager_heavy.loc["boss's pet", "rank"] == 1


@pytest.mark.parametrize("seed", range(20))
def test_bonus_parts_add_up_exactly_to_the_pool(seed):
    rng = np.random.default_rng(seed)
    scores = pd.Series(rng.uniform(40, 100, rng.integers(2, 15)))
    pool = round(float(rng.uniform(100, 50_000)), 2)
    bonus = sv.split_bonus(scores, pool)
    cents = np.round(bonus.to_numpy() * 100).astype(np.int64)
    assert cents.sum() == round(pool * 100)
    assert np.allclose(bonus * 100, cents)                           # whole cents
    exact = pool * scores / scores.sum()
    assert (bonus - exact).abs().max() < 0.01                        # never a cent off


def test_bonus_is_proportional_and_largest_remainder():
    bonus = sv.split_bonus(pd.Series([90, 80, 70], index=["a", "b", "c"]), 1000)
    assert bonus.tolist() == [375.0, 333.33, 291.67]     # 375, 333.333…, 291.666…
    assert sv.split_bonus([1, 1, 1], 0.02).tolist() == [0.01, 0.01, 0.0]
    assert sv.bonus_pool(12_345_678) == pytest.approx(12_345.68)
    assert sv.bonus_pool(10_000, rate=0.002) == 20


def test_call_norms_by_hand():
    log = pd.DataFrame({"agent": ["A", "A", "B", "B"], "rings": [2, 3, 4, 5],
                        "dropped": [True, True, False, False],
                        "callback_minutes": [5.0, 6.0, np.nan, np.nan],
                        "greeting": [True, False, True, True], "polite": [True, True, False, True]})
    flags = sv.call_norms(log)
    assert flags["within_target"].tolist() == [True, False, False, False]
    assert flags["within_max"].tolist() == [True, True, True, False]
    assert flags["callback_ok"].tolist()[:2] == [True, False]
    assert flags["callback_ok"].isna().tolist() == [False, False, True, True]
    report = sv.norm_report(log)
    assert report.loc["A", "callback_ok"] == 0.5 and np.isnan(report.loc["B", "callback_ok"])
    assert report.loc["B", "within_max"] == 0.5 and report["calls"].tolist() == [2, 2]


def test_simulators_are_seeded_and_plausible():
    assert sv.simulate_calls(300, 4, seed=3).equals(sv.simulate_calls(300, 4, seed=3))
    assert not sv.simulate_calls(300, 4, seed=3).equals(sv.simulate_calls(300, 4, seed=4))
    calls = sv.simulate_calls(2000, 5, seed=1)
    assert calls["time"].is_monotonic_increasing
    assert calls.loc[~calls["dropped"], "callback_minutes"].isna().all()
    report = sv.norm_report(calls, by=None)
    assert 0.3 < report.loc["all", "within_target"] < 0.95
    team = sv.simulate_team(8, seed=5)
    assert team.equals(sv.simulate_team(8, seed=5)) and len(team) == 8
    assert ((team[["attitude", "manager", "feedback"]] >= 0)
            & (team[["attitude", "manager", "feedback"]] <= 100)).all().all()
    sv.appraise(team)


def test_pay_table_ranks_best_first_and_pays_the_whole_pool():
    team = sv.simulate_team(6, seed=3)
    table = sv.pay_table(team, 4321.5)
    assert table["bonus"].sum() == pytest.approx(4321.5)
    assert table["rank"].is_monotonic_increasing and table["rank"].iloc[0] == 1
    assert table["final"].equals(sv.appraise(team)["final"].loc[table.index])
    manager_only = {"attendance": 0, "customer": 0, "manager": 1, "problem_solving": 0}
    assert sv.pay_table(team, 100, weights=manager_only).index[0] == team["manager"].idxmax()


@pytest.mark.parametrize("call, error, message", [
    (lambda: sv.attendance_score(absences=1.5), ValueError, "absences must be whole numbers"),
    (lambda: sv.attendance_score(absences="two"), TypeError, "absences must be numbers"),
    (lambda: sv.customer_score(80, 101, 90), ValueError, "solved must be ≥ 0 and ≤ 100"),
    (lambda: sv.customer_score([80, 90], [80, 90, 70], 90), ValueError, "same length"),
    (lambda: sv.problem_solving_score(np.nan, 80), ValueError, "onsite_rate has 1 missing value"),
    (lambda: sv.final_score(90, 90, 90, 90, weights={"attendance": 1}), ValueError,
     "weights must give exactly the modules"),
    (lambda: sv.final_score(90, 90, 90, 90, weights=[0.1, 0.2, 0.3, 0.4]), TypeError,
     "weights must be a dict"),
    (lambda: sv.appraise([1, 2]), TypeError, "team must be a pandas DataFrame"),
    (lambda: sv.appraise(one_technician().drop(columns=["feedback"])), ValueError,
     "team has no column 'feedback'"),
    (lambda: sv.appraise(one_technician(manager=-3)), ValueError, "manager must be ≥ 0"),
    (lambda: sv.split_bonus([], 100), ValueError, "scores is empty"),
    (lambda: sv.split_bonus([50, -1], 100), ValueError, "scores must be ≥ 0"),
    (lambda: sv.split_bonus([50, 60], float("inf")), ValueError, "pool must be finite"),
    (lambda: sv.bonus_pool("lots"), TypeError, "net_collections must be numbers"),
    (lambda: sv.simulate_team(0), ValueError, "n_technicians must be a whole number ≥ 1"),
    (lambda: sv.simulate_calls(seed=1.5), TypeError, "seed must be a whole number"),
    (lambda: sv.call_norms(pd.DataFrame({"rings": [1]})), ValueError, "calls has no column"),
    (lambda: sv.call_norms(sv.simulate_calls(10, seed=0), target_rings=5, max_rings=4),
     ValueError, r"max_rings \(4\) must be at least target_rings \(5\)"),
    (lambda: sv.norm_report(sv.simulate_calls(10, seed=0), by="shift"), ValueError,
     "by must be a column"),
])
def test_bad_inputs_are_explained(call, error, message):
    with pytest.raises(error, match=message):
        call()
