"""ValueMart has the properties its documentation promises (casekit/data/simulate.py).

Each statistical test compares the data with what the generating story implies, with a
tolerance of four standard errors (computed, not guessed), on a 20,000-customer shop.
"""
import numpy as np
import pandas as pd
import pytest

from casekit.baskets import read_baskets
from casekit.data import for_student, simulate_retailer
from casekit.data.simulate import CAUSES, HOUSEHOLDS, student_seed


@pytest.fixture(scope="module")
def shop():
    return simulate_retailer(20_000, seed=3)


def _z(observed, expected, se):
    return abs(observed - expected) / se


# --------------------------------------------------------------------------- shape
def test_tables_have_the_documented_columns(shop):
    assert list(shop.customers.columns) == ["customer", "household", "age", "sex", "region",
                                            "home_store", "channel", "signup"]
    assert list(shop.transactions.columns) == ["trip", "customer", "timestamp", "store",
                                               "total", "margin"]
    assert list(shop.lines.columns) == ["trip", "item", "category", "quantity", "price"]
    assert {"brand", "quality", "relationship", "fulfilment", "satisfaction",
            "recommend"} <= set(shop.survey.columns)
    assert list(shop.defections.columns) == ["customer", "date", "kind", "cause"]
    assert set(shop.defections["cause"].cat.categories) == set(CAUSES)
    assert set(shop.customers["household"].cat.categories) == set(HOUSEHOLDS)


def test_trips_are_in_time_order_within_the_period_and_start_at_signup(shop):
    t = shop.transactions
    assert t["trip"].tolist() == list(range(1, len(t) + 1))
    assert t["timestamp"].is_monotonic_increasing
    assert t["timestamp"].min() >= shop.start and t["timestamp"].max() < shop.end
    first = t.groupby("customer")["timestamp"].min().dt.normalize()
    signup = shop.customers.set_index("customer")["signup"]
    assert (first == signup.loc[first.index]).all()
    assert len(first) == len(shop.customers)   # everyone's first trip is at sign-up


def test_lines_add_up_to_the_trip_totals_and_margins_are_positive(shop):
    amount = (shop.lines["quantity"] * shop.lines["price"]).groupby(shop.lines["trip"]).sum()
    t = shop.transactions.set_index("trip")
    np.testing.assert_allclose(amount.loc[t.index].round(2), t["total"], atol=0.006)
    assert ((t["margin"] > 0) & (t["margin"] < t["total"])).all()
    assert not shop.lines.duplicated(["trip", "item"]).any()   # an item appears once per trip


# --------------------------------------------------------------------------- BG/NBD
def test_repeat_purchases_match_the_bgnbd_expectation(shop):
    truth = shop.truth.customers
    lam, p = truth["purchase_rate"].to_numpy(), truth["dropout_prob"].to_numpy()
    T = ((shop.end - shop.customers["signup"]).dt.days / 7).to_numpy()
    days = shop.transactions["timestamp"].dt.normalize()
    repeats = (shop.transactions.assign(day=days).groupby("customer")["day"].size() - 1)
    expected = (1 - np.exp(-lam * p * T)) / p        # E[X(T) | λ, p]
    # variance of a sum of independent counts, each at most Poisson-like
    se = np.sqrt(np.sum(expected * (1 + lam * T)))
    assert _z(repeats.sum(), expected.sum(), se) < 4


def test_dropouts_match_the_truth_within_sampling_error(shop):
    truth = shop.truth.customers
    lam, p = truth["purchase_rate"].to_numpy(), truth["dropout_prob"].to_numpy()
    T = ((shop.end - shop.customers["signup"]).dt.days / 7).to_numpy()
    q = 1 - np.exp(-lam * p * T)                      # P(dropped out by the end)
    dropped = (~truth["active_at_end"]).sum()
    assert _z(dropped, q.sum(), np.sqrt(np.sum(q * (1 - q)))) < 4
    a, b = shop.truth.params["a"], shop.truth.params["b"]
    sd = np.sqrt(a * b / ((a + b) ** 2 * (a + b + 1)))
    assert _z(p.mean(), a / (a + b), sd / np.sqrt(len(p))) < 4
    r, alpha = shop.truth.params["r"], shop.truth.params["alpha"]
    assert _z(lam.mean(), r / alpha, np.sqrt(r) / alpha / np.sqrt(len(lam))) < 4


def test_complete_defections_are_the_dropped_customers_on_their_last_trip(shop):
    truth = shop.truth.customers.set_index("customer")
    complete = shop.defections[shop.defections["kind"] == "complete"].set_index("customer")
    assert set(complete.index) == set(truth.index[~truth["active_at_end"]])
    last = shop.transactions.groupby("customer")["timestamp"].max().dt.normalize()
    assert (complete["date"] == last.loc[complete.index]).all()


# --------------------------------------------------------------------------- spend
def test_trip_values_follow_the_gamma_gamma_story(shop):
    partial = shop.defections.loc[shop.defections["kind"] == "partial", "customer"]
    t = shop.transactions[~shop.transactions["customer"].isin(partial)]
    truth = shop.truth.customers.set_index("customer")
    ratio = t["total"].to_numpy() / truth["mean_spend"].loc[t["customer"]].to_numpy()
    p = shop.truth.params["spend_p"]
    assert _z(ratio.mean(), 1.0, 1 / np.sqrt(p) / np.sqrt(len(ratio))) < 4
    assert _z(ratio.var(), 1 / p, 0.05 / p) < 4       # Gamma(p, ν)/(p/ν) has variance 1/p


def test_partial_defectors_spend_less_after_their_date(shop):
    truth = shop.truth.customers.set_index("customer")
    partial = truth[truth["partial_from"].notna()]
    assert len(partial) > 100 and partial["active_at_end"].all()
    t = shop.transactions.join(partial["partial_from"], on="customer", how="inner")
    weeks_after = (t["timestamp"] - t["partial_from"]).dt.days / 7
    before = t.loc[weeks_after < 0, "total"].mean()
    late = t.loc[weeks_after > 12, "total"].mean()
    assert late / before == pytest.approx(0.4, abs=0.1)


# --------------------------------------------------------------------------- baskets
def _rule(lines, ante, cons, trips=None):
    if trips is not None:
        lines = lines[lines["trip"].isin(trips)]
    n = lines["trip"].nunique()
    has_a = set(lines.loc[lines["item"] == ante, "trip"])
    has_c = set(lines.loc[lines["item"] == cons, "trip"])
    both = len(has_a & has_c)
    confidence = both / len(has_a)
    return confidence, confidence / (len(has_c) / n)


def test_planted_rules_have_their_lift(shop):
    for ante, cons in [("pasta", "pasta sauce"), ("tortilla chips", "salsa"),
                       ("baby food", "diapers"), ("tea", "biscuits")]:
        confidence, lift = _rule(shop.lines, ante, cons)
        assert lift > 2.5, (ante, cons, lift)
    confidence, lift = _rule(shop.lines, "cereal", "milk")
    assert confidence > 0.5 and lift < 1.6   # a rule into a popular item: high confidence, low lift


def test_beer_and_diapers_holds_for_young_fathers_on_weekend_evenings_only(shop):
    t = shop.transactions.merge(shop.customers, on="customer")
    segment = ((t["household"] == "young family") & (t["sex"] == "M")
               & t["timestamp"].dt.day_of_week.isin([3, 4, 5])
               & t["timestamp"].dt.hour.between(17, 20))
    conf_in, lift_in = _rule(shop.lines, "diapers", "beer", t.loc[segment, "trip"])
    conf_all, lift_all = _rule(shop.lines, "diapers", "beer")
    conf_out, lift_out = _rule(shop.lines, "diapers", "beer", t.loc[~segment, "trip"])
    assert conf_in > 0.5 and lift_in > 1.7
    assert conf_all < 0.25 and lift_out < 1.1


def test_charcoal_and_sausages_go_together_in_summer(shop):
    month = shop.transactions.set_index("trip")["timestamp"].dt.month
    summer = month[month.between(5, 9)].index
    lines = shop.lines.merge(month.rename("month"), left_on="trip", right_index=True)
    conf_summer, _ = _rule(lines, "charcoal", "sausages", summer)
    assert conf_summer > 0.5
    share_summer = lines.loc[lines["item"] == "charcoal", "month"].between(5, 9).mean()
    assert share_summer > 0.85


def test_baskets_read_directly_into_the_miner(shop):
    baskets = read_baskets(shop.lines, basket="trip", item="item")
    assert baskets.n_baskets == len(shop.transactions)
    assert baskets.item_counts.index[0] == "milk"


# --------------------------------------------------------------------------- defection, survey
def test_defection_causes_follow_customer_traits(shop):
    d = shop.defections.merge(shop.truth.customers, on="customer")
    price = d["cause"] == "price"
    assert d.loc[price, "price_sensitivity"].mean() > d.loc[~price, "price_sensitivity"].mean() + 0.05
    promo = d["cause"] == "promotion"
    assert d.loc[promo, "promotion_sensitivity"].mean() > d.loc[~promo, "promotion_sensitivity"].mean()
    cuts = shop.truth.events[shop.truth.events["event"] == "competitor price cut"]
    d = d.merge(shop.customers[["customer", "region"]], on="customer")
    cut = d["region"].astype(str).map(cuts.set_index("region")["date"])
    after_cut = (d["date"] >= cut) & (d["date"] < cut + pd.Timedelta(weeks=12))
    assert price[after_cut].mean() > price[~after_cut].mean() + 0.1


def test_survey_satisfaction_is_driven_by_the_documented_weights(shop):
    s = shop.survey
    drivers = ["brand", "quality", "relationship", "fulfilment"]
    X = np.column_stack([np.ones(len(s))] + [s[c] for c in drivers])
    coef = np.linalg.lstsq(X, s["satisfaction"], rcond=None)[0][1:]
    weights = shop.truth.survey_weights
    assert np.argmax(coef) == drivers.index(max(weights, key=weights.get))
    assert (coef > 0).all()
    truth = shop.truth.customers.set_index("customer")
    dropped = ~truth["active_at_end"].loc[s["customer"]].to_numpy()
    assert s["satisfaction"][dropped].mean() < s["satisfaction"][~dropped].mean() - 0.2
    assert s["satisfaction"].between(1, 7).all() and s["recommend"].between(0, 10).all()


def test_household_mix_matches_the_documented_shares(shop):
    share = shop.customers["household"].value_counts(normalize=True)
    n = len(shop.customers)
    for name, expected in zip(HOUSEHOLDS, (0.22, 0.20, 0.25, 0.18, 0.15)):
        assert _z(share[name], expected, np.sqrt(expected * (1 - expected) / n)) < 4


# --------------------------------------------------------------------------- seeds, students
def test_same_seed_same_shop_other_seed_other_shop():
    a, b, c = simulate_retailer(400, seed=5), simulate_retailer(400, seed=5), simulate_retailer(400, seed=6)
    for name in ("customers", "transactions", "lines", "survey", "defections"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name))
    assert not a.transactions["total"].equals(c.transactions["total"])


def test_student_variants_are_stable_and_personal():
    # the seed comes from SHA-256 of the id: these numbers are the same on every machine
    assert student_seed("s2026-017") == 1895473323143864121
    a = for_student("s2026-017", 500)
    assert for_student(" s2026-017 ", 500).transactions.equals(a.transactions)
    b = for_student("s2026-018", 500)
    assert a.truth.params != b.truth.params
    for name in ("r", "alpha", "a", "b"):
        assert 0.85 <= a.truth.params[name] / simulate_retailer(1).truth.params[name] <= 1.15


@pytest.mark.parametrize("kwargs, message", [
    (dict(n_customers=0), "n_customers must be a whole number"),
    (dict(seed=-1), "seed must be a whole number"),
    (dict(years=0), "years must be a whole number ≥ 1 and ≤ 10"),
    (dict(r=-1), "r must be > 0 and < 1,000,000"),
    (dict(spend_q=1), "spend_q must be > 1"),
    (dict(partial_share=1.5), "partial_share must be ≥ 0 and ≤ 1"),
    (dict(start="next tuesday-ish"), "start must be a date"),
])
def test_bad_arguments_say_what_is_allowed(kwargs, message):
    with pytest.raises(ValueError, match=message):
        simulate_retailer(**{"n_customers": 10, **kwargs})


def test_a_fractional_size_or_seed_is_a_type_error():
    with pytest.raises(TypeError, match="n_customers must be a whole number ≥ 1 and ≤ 10,000,000, got 2.5"):
        simulate_retailer(2.5)
    with pytest.raises(TypeError, match="seed must be a whole number ≥ 0"):
        simulate_retailer(10, seed="s1")


def test_unknown_knob_lists_the_knobs():
    with pytest.raises(TypeError, match="unknown knob.*'alpha'"):
        simulate_retailer(10, alpah=2)


@pytest.mark.parametrize("bad", ["", "   ", None, 17])
def test_for_student_needs_an_id(bad):
    with pytest.raises(ValueError, match="student_id must be a non-empty string"):
        for_student(bad)


@pytest.mark.slow
def test_bgnbd_and_gamma_gamma_recover_the_generating_parameters():
    """The firm sees days; fitted on the daily log, the models find the truth (|z| < 4)."""
    from casekit.clv import BetaGeoModel, GammaGammaModel, summarize_transactions

    shop = simulate_retailer(20_000, seed=11, partial_share=0)
    summary = summarize_transactions(shop.transactions, "customer", "timestamp", value="total",
                                     observation_end=shop.end)
    truth = shop.truth.params
    bgnbd = BetaGeoModel().fit(summary)
    for name, value in bgnbd.params.items():
        assert _z(value, truth[name], bgnbd.standard_errors[name]) < 4, (name, value)
    spend = GammaGammaModel().fit(summary)
    for name, value in spend.params.items():
        assert _z(value, truth[f"spend_{name}"], spend.standard_errors[name]) < 4, (name, value)
