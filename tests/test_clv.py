"""casekit.clv: the published CDNOW numbers, recovery of known parameters from simulated
customers, the hypergeometric term against a 60-digit series, and argument checks."""
from decimal import Decimal, localcontext

import numpy as np
import pandas as pd
import pytest

from casekit.clv import (BetaGeoModel, GammaGammaModel, lifetime_value, simulate_summary,
                         summarize_transactions)

FHL = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}   # Marketing Science 2005, table 1
FHL_GG = {"p": 6.25, "q": 3.74, "gamma": 15.44}                # JMR 2005 / Hardie's note


@pytest.fixture(scope="module")
def cdnow():
    from casekit.data.datasets import load

    return load("cdnow")


@pytest.fixture(scope="module")
def summary(cdnow):
    """The papers' set-up: calibrate on 39 weeks (to 1997-09-30), hold out 39 more."""
    return summarize_transactions(cdnow, "customer", "date", value="amount",
                                  calibration_end="1997-09-30", observation_end="1998-06-30")


@pytest.fixture(scope="module")
def bgnbd(summary):
    return BetaGeoModel().fit(summary)


# --------------------------------------------------------------------------- CDNOW
def test_cdnow_summary_is_the_papers_data(summary):
    assert len(summary) == 2357
    # FHL 2005: 1,411 of the 2,357 made no repeat purchase in the 39 calibration weeks,
    # so 946 did: the customers Gamma-Gamma is fitted on
    assert (summary["frequency"] == 0).sum() == 1411
    assert (summary["frequency"] > 0).sum() == 946
    assert summary["frequency"].sum() == 2457 and summary["frequency_holdout"].sum() == 1882
    assert summary["T"].max() == pytest.approx(272 / 7)     # 38.86 weeks from 1997-01-01
    assert summary["T"].min() == pytest.approx(27.0)        # first purchases end 1997-03-25
    assert (summary["duration_holdout"] == 39).all()
    # customer 1 bought on 1997-01-01, 01-18, 08-02 (calibration) and 12-12 (hold-out)
    row = summary.loc[1]
    assert row["frequency"] == 2 and row["recency"] == pytest.approx(213 / 7)   # 30.43
    assert row["monetary_value"] == pytest.approx((29.73 + 14.96) / 2)   # repeats only
    assert row["frequency_holdout"] == 1 and row["monetary_value_holdout"] == 26.48


def test_bgnbd_reproduces_fader_hardie_lee_2005(summary, bgnbd):
    assert {k: round(v, 3) for k, v in bgnbd.params.items()} == FHL
    assert round(bgnbd.log_likelihood, 1) == -9582.4
    # the paper's worked example: x = 2, t_x = 30.43, T = 38.86 expects 1.226 purchases
    # in the next 39 weeks
    one = pd.DataFrame({"frequency": [2], "recency": [30.43], "T": [38.86]})
    assert round(bgnbd.expected_purchases(39, one).iloc[0], 3) == 1.226
    assert bgnbd.expected_purchases(39, summary.loc[[1]]).iloc[0] == pytest.approx(1.226,
                                                                                 abs=5e-4)


def test_gamma_gamma_reproduces_the_rfm_and_clv_paper(summary):
    gg = GammaGammaModel().fit(summary)
    assert gg.n_customers == 946
    for k, v in FHL_GG.items():
        assert gg.params[k] == pytest.approx(v, abs=0.01), k
    # the 946 customers' mean repeat spend, and the model's population mean p·γ/(q−1)
    assert summary.loc[summary["frequency"] > 0, "monetary_value"].mean() == \
        pytest.approx(35.08, abs=0.01)
    p, q, g = gg.params.values()
    assert p * g / (q - 1) == pytest.approx(35.2, abs=0.1)


def test_holdout_and_tracking_against_cdnow_actuals(summary, bgnbd):
    """Not published numbers but CDNOW facts: the model's hold-out forecast and cumulative
    tracking curve land near what the customers actually did."""
    predicted = bgnbd.expected_purchases(39, summary)
    assert predicted.sum() == pytest.approx(summary["frequency_holdout"].sum(), rel=0.15)
    # repeat purchases by week 39 and week 78 since 1997-01-01: 2,457 and 4,339 actual
    curve = bgnbd.expected_cumulative([39, 78], summary)
    assert curve.loc[39] == pytest.approx(2457, rel=0.03)
    assert curve.loc[78] == pytest.approx(4339, rel=0.05)
    # p_alive is 1 without a repeat purchase and falls with the silence since the last one
    alive = bgnbd.p_alive(summary)
    assert (alive[summary["frequency"] == 0] == 1).all()
    assert ((alive > 0) & (alive <= 1)).all()


# --------------------------------------------------------------------------- numerics
def reference_expectation(t, x, t_x, T, r, alpha, a, b):
    """FHL 2005 eq. 10 exactly as printed, in 60-digit decimals: the ₂F₁ series summed
    term by term with no transformation (thousands of terms for large x)."""
    with localcontext() as ctx:
        ctx.prec = 60
        r, alpha, a, b, t, t_x, T = (Decimal(repr(float(v))) for v in (r, alpha, a, b, t, t_x, T))
        A, B, C = r + x, b + x, a + b + x - 1
        z = t / (alpha + T + t)
        term = series = Decimal(1)
        n = 0
        while n < 10 or abs(term) > Decimal(10) ** -45 * abs(series):
            term = term * (A + n) * (B + n) / ((C + n) * (n + 1)) * z
            series += term
            n += 1
        core = (a + b + x - 1) / (a - 1) * (1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * series)
        odds = a / (b + x - 1) * ((alpha + T) / (alpha + t_x)) ** (r + x) if x > 0 else 0
        return float(core / (1 + odds))


@pytest.mark.parametrize("params", [FHL, {"r": 2.0, "alpha": 1.0, "a": 3.0, "b": 0.5},
                                    {"r": 0.1, "alpha": 0.3, "a": 0.2, "b": 0.4}])
@pytest.mark.parametrize("t, x, t_x, T", [(39, 2, 30.43, 38.86), (39, 0, 0, 38.86),
                                          (39, 5000, 38.86, 38.86), (39, 5000, 38.0, 38.86),
                                          (500, 3, 10, 20), (3, 1, 0.1, 38), (1000, 0, 0, 0.5)])
def test_conditional_expectation_matches_the_exact_series(params, t, x, t_x, T):
    s = pd.DataFrame({"frequency": [x], "recency": [t_x], "T": [T]})
    got = BetaGeoModel(params).expected_purchases(t, s).iloc[0]
    assert np.isfinite(got)
    assert got == pytest.approx(reference_expectation(t, x, t_x, T, **params), rel=1e-9)


def test_hypergeometric_term_stays_finite_at_frequency_5000():
    from scipy.special import hyp2f1

    r, alpha, a, b = FHL.values()
    x, T, t = 5000, 38.86, 39.0
    z = t / (alpha + T + t)
    # the formula as printed: ∞ · 0
    assert np.isinf(hyp2f1(r + x, b + x, a + b + x - 1, z))
    assert ((alpha + T) / (alpha + T + t)) ** (r + x) == 0
    s = pd.DataFrame({"frequency": [5000, 5000, 10_000], "recency": [38.86, 38.0, 38.86],
                      "T": [38.86, 38.86, 38.86]})
    got = BetaGeoModel(FHL).expected_purchases(t, s)
    assert np.isfinite(got).all()
    assert got.iloc[0] == pytest.approx(3435.849, abs=1e-3)   # ~129 a week, thinned by dropout
    assert got.iloc[1] < 1e-30              # silent for 0.86 weeks at ~130 a week: surely gone
    assert got.iloc[2] > got.iloc[0]


def test_a_equal_to_one_is_continuous():
    """At a = 1 the formula is 0/0; the model interpolates across it."""
    s = pd.DataFrame({"frequency": [0, 3], "recency": [0.0, 20.0], "T": [30.0, 30.0]})
    base = {"r": 0.5, "alpha": 5.0, "b": 2.0}
    at = {a: BetaGeoModel(base | {"a": a}).expected_purchases(26, s).to_numpy()
          for a in (1 - 2e-5, 1 - 4e-6, 1.0, 1 + 4e-6, 1 + 2e-5)}
    assert np.all(np.isfinite(at[1.0]))
    for a, value in at.items():
        assert value == pytest.approx(at[1.0], rel=1e-4)
    assert at[1.0][0] == pytest.approx(reference_expectation(26, 0, 0, 30, a=1 + 4e-7, **base),
                                       rel=1e-6)


def test_expected_purchases_new_is_the_mean_of_simulated_customers():
    """Eq. 7 against the generative story (simulate_summary draws it independently)."""
    m = BetaGeoModel(FHL)
    s = simulate_summary(200_000, 39.0, FHL, seed=11)
    mean, se = s["frequency"].mean(), s["frequency"].std() / np.sqrt(len(s))
    assert abs(mean - m.expected_purchases_new(39)) < 4 * se
    assert m.expected_purchases_new(0) == 0
    assert np.all(np.diff(m.expected_purchases_new(np.arange(0, 100, 5.0))) > 0)


def simulate_events(n, T, horizon, params, seed):
    """Purchase by purchase, independently of casekit: N ~ Poisson(λ(T+horizon)) arrival
    times, dropout after the K-th purchase (K ~ geometric(p)); returns the calibration
    summary and each customer's purchases in (T, T+horizon]."""
    rng = np.random.default_rng(seed)
    lam = rng.gamma(params["r"], 1 / params["alpha"], n)
    k = rng.geometric(rng.beta(params["a"], params["b"], n))
    arrivals = rng.poisson(lam * (T + horizon))
    who = np.repeat(np.arange(n), arrivals)
    when = rng.uniform(0, T + horizon, who.size)
    order = np.lexsort((when, who))
    who, when = who[order], when[order]
    rank = np.arange(who.size) - np.searchsorted(who, who)
    made = rank < k[who]                          # purchases before dropping out
    cal = made & (when <= T)
    x = np.bincount(who[cal], minlength=n)
    t_x = np.zeros(n)
    np.maximum.at(t_x, who[cal], when[cal])
    holdout = np.bincount(who[made & (when > T)], minlength=n)
    return pd.DataFrame({"frequency": x, "recency": t_x, "T": float(T)}), holdout


def test_conditional_expectation_forecasts_simulated_holdouts():
    """Eq. 10 and P(alive) against what simulated customers went on to do, by frequency."""
    cal, holdout = simulate_events(100_000, 39.0, 39.0, FHL, seed=5)
    predicted = BetaGeoModel(FHL).expected_purchases(39, cal).to_numpy()
    groups = np.minimum(cal["frequency"].to_numpy(), 4)
    for g in range(5):
        sel = groups == g
        diff = holdout[sel] - predicted[sel]
        assert abs(diff.mean()) < 4 * diff.std() / np.sqrt(sel.sum()), g
    # the event simulation and simulate_summary tell the same story
    quick = simulate_summary(100_000, 39.0, FHL, seed=6)
    se = np.hypot(cal["frequency"].std(), quick["frequency"].std()) / np.sqrt(100_000)
    assert abs(cal["frequency"].mean() - quick["frequency"].mean()) < 4 * se


# --------------------------------------------------------------------------- recovery
def test_bgnbd_recovers_known_parameters():
    """20,000 simulated customers with ages 26–39 weeks: each estimate lies within 4
    standard errors (inverse Hessian) of the truth, and the errors are a few percent."""
    truth = {"r": 0.5, "alpha": 6.0, "a": 0.7, "b": 2.5}
    ages = np.random.default_rng(0).uniform(26, 39, 20_000)
    m = BetaGeoModel().fit(simulate_summary(20_000, ages, truth, seed=1))
    for k, v in truth.items():
        se = m.standard_errors[k]
        assert 0 < se < 0.2 * v, k
        assert abs(m.params[k] - v) < 4 * se, (k, m.params[k], se)


def test_standard_errors_match_the_spread_across_samples():
    """The tolerance above is only as good as the standard errors: across 20 simulated
    samples the z-scores (estimate − truth) / se should have mean ≈ 0 and spread ≈ 1."""
    truth = {"r": 0.5, "alpha": 6.0, "a": 0.7, "b": 2.5}
    ages = np.random.default_rng(0).uniform(26, 39, 3000)
    z = []
    for seed in range(20):
        m = BetaGeoModel().fit(simulate_summary(3000, ages, truth, seed=100 + seed))
        z.append([(m.params[k] - v) / m.standard_errors[k] for k, v in truth.items()])
    z = np.array(z)
    assert np.all(np.abs(z.mean(axis=0)) < 0.7)        # 3 × 1/√20
    assert np.all((z.std(axis=0) > 0.6) & (z.std(axis=0) < 1.5))


def test_gamma_gamma_recovers_known_parameters():
    truth = {"p": 6.0, "q": 4.0, "gamma": 15.0}
    s = simulate_summary(20_000, 52.0, {"r": 1.0, "alpha": 5.0, "a": 0.5, "b": 3.0}, truth,
                         seed=2)
    gg = GammaGammaModel().fit(s)
    assert gg.n_customers == int((s["frequency"] > 0).sum()) > 10_000
    for k, v in truth.items():
        se = gg.standard_errors[k]
        assert 0 < se < 0.2 * v, k
        assert abs(gg.params[k] - v) < 4 * se, (k, gg.params[k], se)


def test_weights_count_rows(summary):
    """A summary collapsed to distinct rows with counts fits exactly like the full one."""
    counts = summary.groupby(["frequency", "recency", "T"]).size().rename("n").reset_index()
    full = BetaGeoModel().fit(summary)
    collapsed = BetaGeoModel().fit(counts, weights="n")
    assert len(counts) < len(summary) / 2
    for k in FHL:
        assert collapsed.params[k] == pytest.approx(full.params[k], rel=1e-6)
    assert collapsed.log_likelihood == pytest.approx(full.log_likelihood, rel=1e-9)
    gg_full = GammaGammaModel().fit(summary)
    twice = GammaGammaModel().fit(summary, weights=np.full(len(summary), 2.0))
    for k in FHL_GG:
        assert twice.params[k] == pytest.approx(gg_full.params[k], rel=1e-5)
    assert twice.log_likelihood == pytest.approx(2 * gg_full.log_likelihood, rel=1e-9)


# --------------------------------------------------------------------------- curves, CLV
def test_expected_cumulative_sums_each_customers_curve(summary, bgnbd):
    grid = np.array([0.0, 5.0, 20.0, 39.0, 60.0, 78.0])
    birth = summary["T"].max() - summary["T"].to_numpy()
    by_hand = [bgnbd.expected_purchases_new(np.maximum(t - birth, 0)).sum() for t in grid]
    curve = bgnbd.expected_cumulative(grid, summary)
    assert list(curve.index) == list(grid)
    assert curve.to_numpy() == pytest.approx(by_hand, rel=1e-12)
    # an explicit birth: everybody joins at week 10
    late = bgnbd.expected_cumulative([10, 49], summary, birth=np.full(len(summary), 10.0))
    assert late.to_numpy() == pytest.approx([0, len(summary) * bgnbd.expected_purchases_new(39)])


def test_lifetime_value_is_the_discounted_sum_of_period_purchases(summary, bgnbd):
    gg = GammaGammaModel().fit(summary)
    few = summary.iloc[:50]
    clv = lifetime_value(bgnbd, gg, few, horizon=6, discount_rate=0.02, margin=0.3, period=4)
    spend = gg.expected_spend(few)
    cum = [bgnbd.expected_purchases(4 * k, few) for k in range(7)]
    by_hand = sum((cum[k] - cum[k - 1]) / 1.02 ** k for k in range(1, 7)) * spend * 0.3
    assert clv.to_numpy() == pytest.approx(by_hand.to_numpy(), rel=1e-10)
    undiscounted = lifetime_value(bgnbd, gg, few, 6, 0.0, 1.0, period=4)
    assert undiscounted.to_numpy() == pytest.approx((cum[6] * spend).to_numpy(), rel=1e-10)
    assert (clv < undiscounted).all() and clv.name == "clv"
    per_customer = lifetime_value(bgnbd, gg, few, 6, 0.02, np.full(50, 0.3), period=4)
    assert per_customer.to_numpy() == pytest.approx(clv.to_numpy())


def test_expected_spend_shrinks_toward_the_population_mean():
    gg = GammaGammaModel(FHL_GG)
    s = pd.DataFrame({"frequency": [0, 1, 10, 100], "monetary_value": [0.0, 80.0, 80.0, 80.0]})
    spend = gg.expected_spend(s).to_numpy()
    p, q, g = FHL_GG.values()
    assert spend[0] == pytest.approx(p * g / (q - 1))
    assert spend[0] < spend[1] < spend[2] < spend[3] < 80


# --------------------------------------------------------------------------- summary
def tx(**cols):
    base = {"customer": [1, 1, 1, 2],
            "date": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-01-15", "2024-01-08"]),
            "amount": [10.0, 5.0, 30.0, 20.0]}
    return pd.DataFrame(base | cols)


def test_summary_merges_same_day_purchases_and_counts_days():
    s = summarize_transactions(tx(), value="amount")
    assert s.loc[1].tolist() == [1, 2.0, 2.0, 30.0]     # one repeat day, 2 weeks, T to 15 Jan
    assert s.loc[2].tolist() == [0, 0.0, 1.0, 0.0]
    days = summarize_transactions(tx(), freq="D")
    assert days["recency"].tolist() == [14.0, 0.0] and days["T"].tolist() == [14.0, 7.0]
    assert list(days.columns) == ["frequency", "recency", "T"]


def test_summary_calibration_keeps_early_customers_and_counts_the_holdout():
    t = pd.DataFrame({"customer": ["a", "a", "a", "b", "c"],
                      "date": pd.to_datetime(["2024-01-01", "2024-01-10", "2024-02-01",
                                              "2024-01-05", "2024-01-20"]),
                      "amount": [1.0, 2.0, 3.0, 4.0, 5.0]})
    s = summarize_transactions(t, calibration_end="2024-01-14", observation_end="2024-02-11",
                               freq="D")
    assert list(s.index) == ["a", "b"]                    # c first bought after calibration
    assert s["frequency"].tolist() == [1, 0] and s["T"].tolist() == [13.0, 9.0]
    assert s["frequency_holdout"].tolist() == [1, 0]
    assert s["duration_holdout"].tolist() == [28.0, 28.0]


def test_summary_handles_time_zones_and_times_of_day():
    t = tx(date=pd.to_datetime(["2024-01-01 09:00", "2024-01-01 18:00", "2024-01-15 08:00",
                                "2024-01-08 12:00"]).tz_localize("Europe/Berlin"))
    s = summarize_transactions(t, observation_end="2024-01-22")
    assert s["frequency"].tolist() == [1, 0] and s["T"].tolist() == [3.0, 2.0]


@pytest.mark.parametrize("kwargs, error, message", [
    ({"customer": "client"}, ValueError, "no column 'client' \\(the customer column\\)"),
    ({"value": "spend"}, ValueError, "no column 'spend' \\(the value column\\)"),
    ({"freq": "M"}, ValueError, "freq must be 'W'"),
    ({"observation_end": "2024-01-10"}, ValueError, "observation_end 2024-01-10 is before"),
    ({"calibration_end": "2024-02-01", "observation_end": "2024-01-20"}, ValueError,
     "calibration_end 2024-02-01 must be before observation_end"),
    ({"calibration_end": "2023-12-01"}, ValueError, "no customer made a first purchase"),
    ({"calibration_end": "someday"}, TypeError, "calibration_end must be a date"),
])
def test_summary_rejects_bad_arguments(kwargs, error, message):
    with pytest.raises(error, match=message):
        summarize_transactions(tx(), **kwargs)


@pytest.mark.parametrize("frame, kwargs, error, message", [
    ([1, 2], {}, TypeError, "transactions must be a pandas DataFrame"),
    (tx().iloc[:0], {}, ValueError, "transactions is empty"),
    (tx(date=["2024-01-01"] * 4), {}, TypeError, "must hold datetimes"),
    (tx(date=pd.to_datetime(["2024-01-01", None, "2024-01-02", "2024-01-03"])), {}, ValueError,
     "1 missing dates"),
    (tx(customer=[1, None, 1, 2]), {}, ValueError, "missing ids"),
    (tx(amount=["a", "b", "c", "d"]), {"value": "amount"}, TypeError, "must be numeric"),
    (tx(amount=[1.0, np.nan, 2.0, 3.0]), {"value": "amount"}, ValueError, "missing or infinite"),
])
def test_summary_rejects_bad_transactions(frame, kwargs, error, message):
    with pytest.raises(error, match=message):
        summarize_transactions(frame, **kwargs)


# --------------------------------------------------------------------------- model checks
def rfm(**cols):
    return pd.DataFrame({"frequency": [2, 0], "recency": [10.0, 0.0], "T": [20.0, 20.0]} | cols)


@pytest.mark.parametrize("summary, error, message", [
    ("not a frame", TypeError, "summary must be a pandas DataFrame"),
    (rfm().drop(columns="T"), ValueError, "summary has no column 'T'"),
    (rfm().iloc[:0], ValueError, "summary is empty"),
    (rfm(recency=[25.0, 0.0]), ValueError, "recency exceeds T"),
    (rfm(frequency=[-1, 0]), ValueError, "frequency must be a whole number"),
    (rfm(frequency=[1.5, 0]), ValueError, "frequency must be a whole number"),
    (rfm(recency=[10.0, 3.0]), ValueError, "frequency 0 with recency > 0"),
    (rfm(T=[20.0, np.nan]), ValueError, "'T' has 1 missing or infinite values"),
    (rfm(recency=[10.0, -1.0], frequency=[2, 1]), ValueError, "recency and T must be ≥ 0"),
    (rfm(frequency=["2", "0"]), TypeError, "'frequency' must be numeric"),
])
def test_models_reject_impossible_summaries(summary, error, message):
    m = BetaGeoModel(FHL)
    for call in (m.p_alive, lambda s: m.expected_purchases(10, s), BetaGeoModel().fit):
        with pytest.raises(error, match=message):
            call(summary)


def test_model_arguments_are_checked():
    with pytest.raises(RuntimeError, match="call .fit"):
        BetaGeoModel().p_alive(rfm())
    with pytest.raises(RuntimeError, match="call .fit"):
        GammaGammaModel().expected_spend(rfm(monetary_value=[5.0, 0.0]))
    with pytest.raises(ValueError, match="params must be a dict with the keys"):
        BetaGeoModel({"r": 1.0})
    with pytest.raises(ValueError, match="params\\['alpha'\\] must be > 0"):
        BetaGeoModel(FHL | {"alpha": 0})
    m = BetaGeoModel(FHL)
    with pytest.raises(ValueError, match="t must be ≥ 0"):
        m.expected_purchases(-1, rfm())
    with pytest.raises(ValueError, match="t must be one number or one per customer"):
        m.expected_purchases([1, 2, 3], rfm())
    with pytest.raises(ValueError, match="birth must have one value per customer"):
        m.expected_cumulative([1, 2], rfm(), birth=[0.0])
    with pytest.raises(ValueError, match="no customer in summary has a repeat purchase"):
        BetaGeoModel().fit(rfm(frequency=[0, 0], recency=[0.0, 0.0]))
    with pytest.raises(ValueError, match="weights must have one value per summary row"):
        BetaGeoModel().fit(rfm(), weights=[1.0])
    with pytest.raises(ValueError, match="weights='n' is not a column"):
        BetaGeoModel().fit(rfm(), weights="n")
    with pytest.raises(ValueError, match="weights must be ≥ 0"):
        BetaGeoModel().fit(rfm(), weights=[1.0, -1.0])
    assert repr(BetaGeoModel()) == "BetaGeoModel()"
    assert repr(BetaGeoModel(FHL)) == "BetaGeoModel(r=0.243, alpha=4.414, a=0.793, b=2.426)"


def test_gamma_gamma_arguments_are_checked():
    gg = GammaGammaModel(FHL_GG)
    with pytest.raises(ValueError, match="no column 'monetary_value'"):
        gg.expected_spend(rfm())
    with pytest.raises(ValueError, match="monetary_value must be ≥ 0"):
        gg.expected_spend(rfm(monetary_value=[-5.0, 0.0]))
    with pytest.raises(ValueError, match="population mean spend"):
        GammaGammaModel(FHL_GG | {"q": 0.9}).expected_spend(rfm(monetary_value=[5.0, 0.0]))
    assert GammaGammaModel(FHL_GG | {"q": 0.9}).expected_spend(
        rfm(monetary_value=[5.0, 0.0]).iloc[:1]).iloc[0] > 0
    with pytest.raises(ValueError, match="Gamma-Gamma needs customers"):
        GammaGammaModel().fit(rfm(monetary_value=[5.0, 0.0]))


def test_lifetime_value_arguments_are_checked():
    bg, gg = BetaGeoModel(FHL), GammaGammaModel(FHL_GG)
    s = rfm(monetary_value=[5.0, 0.0])
    with pytest.raises(TypeError, match="gg must be a GammaGammaModel"):
        lifetime_value(bg, bg, s, 10, 0.01)
    with pytest.raises(ValueError, match="horizon must be a whole number"):
        lifetime_value(bg, gg, s, 0, 0.01)
    with pytest.raises(ValueError, match="margin must be ≥ 0 and ≤ 1"):
        lifetime_value(bg, gg, s, 10, 0.01, 30)
    with pytest.raises(ValueError, match="margin must be one number or one per customer"):
        lifetime_value(bg, gg, s, 10, 0.01, [0.3, 0.3, 0.3])
    with pytest.raises(ValueError, match="discount_rate must be > -1"):
        lifetime_value(bg, gg, s, 10, -1)
    with pytest.raises(ValueError, match="period must be > 0"):
        lifetime_value(bg, gg, s, 10, 0.01, period=0)


def test_simulate_summary_arguments_are_checked():
    with pytest.raises(ValueError, match="n_customers must be a whole number"):
        simulate_summary(0, 39.0, FHL)
    with pytest.raises(ValueError, match="T must be one number or one per customer"):
        simulate_summary(3, [39.0, 20.0], FHL)
    with pytest.raises(ValueError, match="bgnbd must be a dict with the keys"):
        simulate_summary(3, 39.0, {"r": 1.0})
    s = simulate_summary(1000, 39.0, FHL, FHL_GG, seed=4)
    assert s.equals(simulate_summary(1000, 39.0, FHL, FHL_GG, seed=4))   # seeded
    assert ((s["frequency"] == 0) == (s["monetary_value"] == 0)).all()
    assert (s["recency"] <= s["T"]).all()


# --------------------------------------------------------------------------- the hand-derived likelihoods
def _bgnbd_objective_on(summary):
    from casekit.clv import _aggregate, _bgnbd_objective

    cols = [summary[c].to_numpy(dtype=float) for c in ("frequency", "recency", "T")]
    (x, t_x, T), w = _aggregate(cols, np.ones(len(summary)))
    return _bgnbd_objective(x, t_x, T, w), w.sum()


@pytest.mark.parametrize("params", [(0.243, 4.414, 0.793, 2.426), (1.7, 0.3, 5.0, 0.6),
                                    (0.05, 40.0, 0.2, 12.0)])
def test_fast_bgnbd_likelihood_is_the_papers_equation_6(summary, params):
    from casekit.clv import _bgnbd_log_likelihood

    objective, total = _bgnbd_objective_on(summary)
    fast = -objective(np.log(params))[0] * total
    plain = _bgnbd_log_likelihood(*params, *(summary[c].to_numpy(dtype=float)
                                              for c in ("frequency", "recency", "T"))).sum()
    assert fast == pytest.approx(plain, rel=1e-10)
    if params[0] == 0.243:
        assert plain == pytest.approx(-9582.4, abs=0.1)      # FHL 2005: LL = −9582.4


def test_the_fitted_bgnbd_log_likelihood_is_the_plain_sum(summary, bgnbd):
    from casekit.clv import _bgnbd_log_likelihood

    plain = _bgnbd_log_likelihood(*(bgnbd.params[k] for k in ("r", "alpha", "a", "b")),
                                  *(summary[c].to_numpy(dtype=float)
                                    for c in ("frequency", "recency", "T"))).sum()
    assert bgnbd.log_likelihood == pytest.approx(plain, rel=1e-10)


@pytest.mark.parametrize("params", [(0.243, 4.414, 0.793, 2.426), (1.7, 0.3, 5.0, 0.6),
                                    (0.05, 40.0, 0.2, 12.0)])
def test_bgnbd_gradient_matches_finite_differences(summary, params):
    from scipy.optimize import check_grad

    objective, _ = _bgnbd_objective_on(summary)
    theta = np.log(params)
    scale = max(1.0, np.linalg.norm(objective(theta)[1]))
    assert check_grad(lambda t: objective(t)[0], lambda t: objective(t)[1], theta,
                      epsilon=1e-7) < 1e-6 * scale
    # the check is sharp enough to see one coordinate off by 1e-4 of the gradient's size
    assert check_grad(lambda t: objective(t)[0],
                      lambda t: objective(t)[1] + [0, 0, 0, 1e-4 * scale],
                      theta, epsilon=1e-7) > 5e-5 * scale


@pytest.mark.parametrize("params", [(6.25, 3.74, 15.44), (1.0, 2.0, 40.0), (20.0, 9.0, 3.0)])
def test_gamma_gamma_gradient_matches_finite_differences(summary, params):
    from scipy.optimize import check_grad

    from casekit.clv import _gg_objective

    use = summary["frequency"] > 0
    x = summary.loc[use, "frequency"].to_numpy(dtype=float)
    z = summary.loc[use, "monetary_value"].to_numpy(dtype=float)
    objective = _gg_objective(x, z, np.ones(len(x)))
    theta = np.log(params)
    scale = max(1.0, np.linalg.norm(objective(theta)[1]))
    assert check_grad(lambda t: objective(t)[0], lambda t: objective(t)[1], theta,
                      epsilon=1e-7) < 1e-6 * scale
