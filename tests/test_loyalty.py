"""casekit.loyalty: hand-worked NPS, the nine cells of Kotler's grid, the quadrant and
loyalty-type rules, driver analysis recovering known weights (synthetic data and ValueMart's
survey), clear errors for bad input. Chapter 2's solutions and bank:
tests/solutions/test_ch02.py."""

import numpy as np
import pandas as pd
import pytest

from casekit import loyalty as L


# --------------------------------------------------------------------------- NPS
def test_nps_on_a_hand_example():
    # 4 promoters (9, 10), 3 passives (7, 8), 3 detractors (0–6) of 10 → 40 − 30 = +10
    scores = [10, 9, 9, 8, 8, 7, 6, 5, 3, 10]
    assert L.nps(scores) == pytest.approx(10.0)
    assert L.nps(pd.Series(scores)) == pytest.approx(10.0)
    assert L.nps(np.array(scores)) == pytest.approx(10.0)
    assert L.nps([10, 10]) == 100.0 and L.nps([0, 6]) == -100.0 and L.nps([7, 8]) == 0.0
    groups = L.nps_groups(pd.Series([9, 7, 6], index=["a", "b", "c"]))
    assert groups.to_dict() == {"a": "promoter", "b": "passive", "c": "detractor"}


@pytest.mark.parametrize("bad, error, message", [
    ([11], ValueError, "≥ 0 and ≤ 10"),
    ([-1], ValueError, "≥ 0 and ≤ 10"),
    ([7.5], ValueError, "whole numbers"),
    ([], ValueError, "empty"),
    ([5, np.nan], ValueError, "missing"),
    (["ten"], TypeError, "'ten' is not a number"),
    ("10", TypeError, "must be numbers"),
    ([True, False], TypeError, "True/False"),
])
def test_nps_rejects_bad_scores_clearly(bad, error, message):
    with pytest.raises(error, match=message):
        L.nps(bad)


# --------------------------------------------------------------------------- Kotler
KOTLER = {
    ("many", "high"): "accountable", ("moderate", "high"): "proactive", ("few", "high"): "partnership",
    ("many", "medium"): "reactive", ("moderate", "medium"): "accountable", ("few", "medium"): "proactive",
    ("many", "low"): "basic", ("moderate", "low"): "reactive", ("few", "low"): "accountable",
}


@pytest.mark.parametrize("customers, margin", list(KOTLER))
def test_kotler_grid_has_its_nine_cells(customers, margin):
    assert L.relationship_level(customers, margin) == KOTLER[customers, margin]
    assert L.relationship_grid().loc[margin, customers] == KOTLER[customers, margin]


def test_kotler_grid_shape_order_and_aliases():
    grid = L.relationship_grid()
    assert grid.index.tolist() == ["high", "medium", "low"]
    assert grid.columns.tolist() == ["many", "moderate", "few"]
    assert set(grid.to_numpy().ravel()) == set(L.RELATIONSHIP_LEVELS)
    # the course Q&A's quiz: many customers, medium margin → reactive; moderate, high → proactive
    assert L.relationship_level(" Many ", "Medium") == "reactive"
    assert L.relationship_level("medium", "high") == "proactive"        # medium = moderate
    assert L.relationship_level("few", "moderate") == "proactive"       # moderate = medium


@pytest.mark.parametrize("customers, margin, error, message", [
    ("lots", "high", ValueError, "customers must be one of 'many', 'moderate', 'few', got 'lots'"),
    ("many", "huge", ValueError, "margin must be one of 'high', 'medium', 'low', got 'huge'"),
    (3, "high", TypeError, "customers must be one of"),
    ("many", None, TypeError, "margin must be one of"),
])
def test_kotler_grid_rejects_unknown_levels(customers, margin, error, message):
    with pytest.raises(error, match=message):
        L.relationship_level(customers, margin)


# --------------------------------------------------------------------------- quadrants and types
def test_quadrant_rules_with_cutoffs_inclusive():
    sat = pd.Series([7, 4, 5, 1, 5, 4], index=list("abcdef"))
    loy = pd.Series([5, 7, 4, 1, 5, 4], index=list("abcdef"))
    q = L.satisfaction_loyalty_quadrants(sat, loy, satisfaction_cut=5, loyalty_cut=5)
    assert q.to_dict() == {"a": "loyalist", "b": "hostage", "c": "mercenary", "d": "defector",
                           "e": "loyalist", "f": "defector"}
    assert list(q.cat.categories) == list(L.QUADRANTS)
    # moving a cut-off moves customers between quadrants
    strict = L.satisfaction_loyalty_quadrants(sat, loy, satisfaction_cut=7, loyalty_cut=5)
    assert strict["e"] == "hostage" and strict["a"] == "loyalist"


def test_loyalty_type_rules_and_dick_basu_names():
    att, rep = [6, 2, 6, 2, 5], [4, 9, 3, 0, 4]
    seed = L.loyalty_types(att, rep, attachment_cut=5, repeat_cut=4)
    assert seed.tolist() == ["super loyalty", "inertia loyalty", "latent loyalty",
                             "price loyalty", "super loyalty"]
    db = L.loyalty_types(att, rep, attachment_cut=5, repeat_cut=4, names="dick-basu")
    assert db.tolist() == ["loyalty", "spurious loyalty", "latent loyalty", "no loyalty", "loyalty"]
    assert dict(zip(L.LOYALTY_TYPES, L.DICK_BASU))["inertia loyalty"] == "spurious loyalty"


@pytest.mark.parametrize("call, error, message", [
    (lambda: L.satisfaction_loyalty_quadrants([5, 6], [5], satisfaction_cut=5, loyalty_cut=5),
     ValueError, "same length"),
    (lambda: L.satisfaction_loyalty_quadrants([5], [5], satisfaction_cut="high", loyalty_cut=5),
     TypeError, "satisfaction_cut must be a number"),
    (lambda: L.satisfaction_loyalty_quadrants([5], [5], satisfaction_cut=np.nan, loyalty_cut=5),
     ValueError, "satisfaction_cut must be finite"),
    (lambda: L.satisfaction_loyalty_quadrants([5], [None], satisfaction_cut=5, loyalty_cut=5),
     ValueError, "loyalty has 1 missing value"),
    (lambda: L.loyalty_types([5], [-1], attachment_cut=5, repeat_cut=4),
     ValueError, "repeat must be ≥ 0"),
    (lambda: L.loyalty_types([5], [1], attachment_cut=5, repeat_cut=True),
     TypeError, "repeat_cut must be a number"),
    (lambda: L.loyalty_types([5], [1], attachment_cut=5, repeat_cut=4, names="aaker"),
     ValueError, "names must be 'course' or 'dick-basu'"),
])
def test_quadrants_and_types_reject_bad_input(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_repeat_trips_counts_the_window_and_zeros():
    trips = pd.DataFrame({"customer": [1, 1, 1, 2, 3],
                          "timestamp": pd.to_datetime(["2024-01-01 00:00", "2024-01-31 23:59",
                                                       "2024-02-01 00:00", "2023-12-31 12:00",
                                                       "2024-01-15 09:00"])})
    counts = L.repeat_trips(trips, [3, 1, 2, 9], "2024-01-01", "2024-02-01")
    assert counts.to_dict() == {3: 1, 1: 2, 2: 0, 9: 0}
    with pytest.raises(ValueError, match="transactions has no column 'timestamp'"):
        L.repeat_trips(trips.rename(columns={"timestamp": "date"}), [1], "2024-01-01", "2024-02-01")
    with pytest.raises(TypeError, match="customers must be a list"):
        L.repeat_trips(trips, 1, "2024-01-01", "2024-02-01")
    with pytest.raises(ValueError, match="start and end must be dates"):
        L.repeat_trips(trips, [1], "soon", "2024-02-01")


# --------------------------------------------------------------------------- drivers
def test_driver_analysis_recovers_known_weights_on_synthetic_data():
    rng = np.random.default_rng(7)
    n = 5000
    common = rng.normal(size=n)                      # correlated drivers, as in real surveys
    x = pd.DataFrame({name: 0.6 * common + 0.8 * rng.normal(size=n)
                      for name in ["brand", "quality", "relationship", "fulfilment"]})
    truth = pd.Series({"brand": 0.1, "quality": 0.4, "relationship": 0.2, "fulfilment": 0.3})
    x["satisfaction"] = 4 + x[truth.index] @ truth + rng.normal(0, 0.3, n)
    table = L.driver_analysis(x)
    assert table.index.tolist() == truth.index.tolist()
    assert table.columns.tolist() == ["coef", "std_err", "ci_low", "ci_high", "p_value",
                                      "standardized", "weight"]
    assert np.allclose(table["coef"], truth, atol=0.02)
    assert ((table["ci_low"] < truth) & (truth < table["ci_high"])).all()
    assert table["weight"].sum() == pytest.approx(1.0)
    assert table.attrs["n"] == n and table.attrs["intercept"] == pytest.approx(4, abs=0.02)
    assert 0.8 < table.attrs["r_squared"] < 1
    sd = x.std()
    assert np.allclose(table["standardized"], table["coef"] * sd[truth.index] / sd["satisfaction"])
    wide = L.driver_analysis(x, confidence=0.99)
    assert (wide["ci_high"] - wide["ci_low"] > table["ci_high"] - table["ci_low"]).all()


def test_driver_analysis_recovers_valuemarts_survey_weights():
    from casekit.data import simulate_retailer

    shop = simulate_retailer(5000, seed=0)
    table = L.driver_analysis(shop.survey)
    truth = pd.Series(shop.truth.survey_weights)
    assert np.allclose(table["weight"], truth[table.index], atol=0.03)
    assert table["weight"].idxmax() == "quality"


@pytest.mark.parametrize("kwargs, error, message", [
    (dict(survey="not a table"), TypeError, "survey must be a pandas DataFrame"),
    (dict(drivers=["price", "taste"]), ValueError, "survey has no column 'taste'"),
    (dict(drivers=[]), TypeError, "drivers must be a list of column names"),
    (dict(drivers=["price", "price"]), ValueError, "names a column twice"),
    (dict(outcome="price", drivers=["price"]), ValueError, "cannot also be a driver"),
    (dict(confidence=95), ValueError, "confidence must be > 0 and < 1"),
    (dict(drivers=["flat"]), ValueError, "'flat' has the same value for every respondent"),
])
def test_driver_analysis_rejects_bad_input(kwargs, error, message):
    toy = pd.DataFrame({"price": [1, 2, 3, 4, 5.0], "flat": 3.0,
                        "satisfaction": [2, 3, 3, 5, 6.0]})
    args = {"survey": toy, "drivers": ["price"], **kwargs}
    with pytest.raises(error, match=message):
        L.driver_analysis(**args)


def test_driver_analysis_needs_enough_answers_and_numbers():
    toy = pd.DataFrame({"a": [1, 2], "b": [2, 1], "satisfaction": [3, 4]})
    with pytest.raises(ValueError, match="at least 4 answers"):
        L.driver_analysis(toy, drivers=["a", "b"])
    toy = pd.DataFrame({"a": [1, 2, "x", 4], "satisfaction": [3, 4, 5, 6]})
    with pytest.raises(TypeError, match=r"survey\['a'\] must be numbers"):
        L.driver_analysis(toy, drivers=["a"])
