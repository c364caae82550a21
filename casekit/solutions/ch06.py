"""Reference solutions for chapter 6's computed exercises, in the bank
``casekit/exercises/banks/06-service-team.toml``.

Each function takes a simulated retailer (``casekit.data.simulate_retailer`` or
``casekit.exercises.my_retailer()``) and returns the answer to one exercise. The student's
service team and service-desk call log are simulated from the retailer's own seed
(``service.simulate_team(8, seed=data.seed)``, ``service.simulate_calls(600, 6,
seed=data.seed)``), the bonus pool from its North-region sales, and the store comparison
uses its ``survey``, ``customers`` and ``truth.stores``. Functions whose names start with
``mistake_`` compute a *typical wrong* answer, so the checker can name the mistake.

The examples run on a tiny retailer: four stores, six respondents, seed 1.

>>> shop = tiny_retailer()
>>> shop.truth.stores
  store region  service_quality
0   S01  North             -1.0
1   S02  North              0.5
2   S03  South              1.0
3   S04  South              0.0
"""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd

from casekit import service
from casekit.solutions import shared

__all__ = ["TEAM_SIZE", "N_CALLS", "N_AGENTS", "SCALE", "my_team", "my_calls", "team_scores",
           "net_collections", "top_bonus", "two_ring_share", "callback_rate",
           "store_fulfilment", "fulfilment_truth_corr", "tiny_retailer"]

TEAM_SIZE = 8
N_CALLS, N_AGENTS = 600, 6
SCALE = 1000          # the 5,000 cardholders stand for a chain a thousand times larger
REGION, MONTH = "North", "2024-12"
MODULES = ["attendance", "customer", "manager", "problem_solving", "final"]


def tiny_retailer() -> SimpleNamespace:
    """Four stores in two regions, six trips in December 2024, six survey answers, seed 1."""
    stores = pd.DataFrame({"store": ["S01", "S02", "S03", "S04"],
                           "region": ["North", "North", "South", "South"],
                           "service_quality": [-1.0, 0.5, 1.0, 0.0]})
    transactions = pd.DataFrame({
        "store": pd.Categorical(["S01", "S02", "S03", "S01", "S02", "S04"]),
        "timestamp": pd.to_datetime(["2024-12-02", "2024-12-15", "2024-12-20", "2024-11-30",
                                     "2024-12-31T20:00", "2024-12-05"], format="ISO8601"),
        "total": [100.0, 250.0, 80.0, 999.0, 50.0, 70.0]})
    customers = pd.DataFrame({"customer": [1, 2, 3, 4, 5, 6],
                              "home_store": pd.Categorical(["S01", "S01", "S02", "S03", "S03",
                                                            "S04"])})
    survey = pd.DataFrame({"customer": [1, 2, 3, 4, 5, 6], "fulfilment": [3, 4, 5, 6, 6, 4]})
    return SimpleNamespace(seed=1, transactions=transactions, customers=customers,
                           survey=survey, truth=SimpleNamespace(stores=stores))


# --------------------------------------------------------------------------- the team
def my_team(retailer) -> pd.DataFrame:
    """The student's team of eight technicians, seeded by the retailer's seed.

    >>> my_team(tiny_retailer()).index.tolist()[:3]
    ['T01', 'T02', 'T03']
    """
    return service.simulate_team(TEAM_SIZE, seed=retailer.seed)


@shared
def _appraisal(retailer) -> pd.DataFrame:
    return service.appraise(my_team(retailer))


def team_scores(retailer) -> pd.DataFrame:
    """service.my-team-scores: each technician's four module scores and final score.

    >>> team_scores(tiny_retailer()).loc["T01"].tolist()
    [90.0, 87.25, 76.0, 83.4, 82.61]
    """
    return _appraisal(retailer)[MODULES]


def mistake_scores_unweighted(retailer) -> pd.DataFrame:
    """Wrong on purpose: the final score as the plain mean of the four modules.

    >>> float(mistake_scores_unweighted(tiny_retailer()).loc["T01", "final"])
    84.1625
    """
    out = team_scores(retailer)
    out["final"] = out[MODULES[:4]].mean(axis=1)
    return out


@shared
def net_collections(retailer) -> float:
    """The North region's net collections: its stores' December 2024 sales × SCALE.

    >>> net_collections(tiny_retailer())         # (100 + 250 + 50) × 1000
    400000.0
    """
    t, stores, month = retailer.transactions, retailer.truth.stores, pd.Period(MONTH)
    north = t["store"].isin(stores.loc[stores["region"] == REGION, "store"])
    in_month = t["timestamp"].between(month.start_time, month.end_time)
    return float(round(t.loc[north & in_month, "total"].sum() * SCALE, 2))


def _bonus(retailer) -> pd.Series:
    scores = _appraisal(retailer)["final"]
    return service.split_bonus(scores, service.bonus_pool(net_collections(retailer)))


def top_bonus(retailer) -> float:
    """service.top-bonus: the bonus (¥) of the technician with the highest final score, from
    a pool of 1‰ of the North region's net collections.

    >>> top_bonus(tiny_retailer())
    53.75
    """
    scores = _appraisal(retailer)["final"]
    return float(_bonus(retailer)[scores.idxmax()])


def mistake_bonus_one_percent(retailer) -> float:
    """Wrong on purpose: a pool of 1% (per cent) instead of 1‰ (per mille).

    >>> mistake_bonus_one_percent(tiny_retailer())
    537.5
    """
    return 10 * top_bonus(retailer)


def mistake_bonus_equal_split(retailer) -> float:
    """Wrong on purpose: the pool split equally, ignoring the scores.

    >>> mistake_bonus_equal_split(tiny_retailer())
    50.0
    """
    return service.bonus_pool(net_collections(retailer)) / TEAM_SIZE


def mistake_bonus_share(retailer) -> float:
    """Wrong on purpose: the top technician's share of the team's total score, not money.

    >>> round(mistake_bonus_share(tiny_retailer()), 4)
    0.1344
    """
    scores = _appraisal(retailer)["final"]
    return float(scores.max() / scores.sum())


# --------------------------------------------------------------------------- the call log
def my_calls(retailer) -> pd.DataFrame:
    """The student's service-desk log: 600 calls to six agents, seeded by the retailer's seed.

    >>> len(my_calls(tiny_retailer()))
    600
    """
    return service.simulate_calls(N_CALLS, N_AGENTS, seed=retailer.seed)


def two_ring_share(retailer) -> float:
    """service.two-ring-share: the share of calls answered within two rings.

    >>> round(two_ring_share(tiny_retailer()), 4)
    0.64
    """
    return float((my_calls(retailer)["rings"] <= 2).mean())


def mistake_fewer_than_two(retailer) -> float:
    """Wrong on purpose: counts only calls answered at the first ring (rings < 2).

    >>> round(mistake_fewer_than_two(tiny_retailer()), 4)
    0.3133
    """
    return float((my_calls(retailer)["rings"] < 2).mean())


def mistake_within_four(retailer) -> float:
    """Wrong on purpose: the four-ring limit instead of the two-ring norm.

    >>> round(mistake_within_four(tiny_retailer()), 4)
    0.9383
    """
    return float((my_calls(retailer)["rings"] <= 4).mean())


def callback_rate(retailer) -> float:
    """service.callback-rate: among dropped calls, the share called back within 5 minutes.

    >>> round(callback_rate(tiny_retailer()), 4)
    0.8222
    """
    c = my_calls(retailer)
    dropped = c[c["dropped"]]
    return float((dropped["callback_minutes"] <= 5).mean())


def mistake_callback_all_calls(retailer) -> float:
    """Wrong on purpose: divides by all calls, not by the dropped ones.

    >>> round(mistake_callback_all_calls(tiny_retailer()), 4)
    0.0617
    """
    c = my_calls(retailer)
    return float((c["dropped"] & (c["callback_minutes"] <= 5)).mean())


def mistake_any_callback(retailer) -> float:
    """Wrong on purpose: every call back counts, however late.

    >>> round(mistake_any_callback(tiny_retailer()), 4)
    0.8667
    """
    c = my_calls(retailer)
    return float(c.loc[c["dropped"], "callback_minutes"].notna().mean())


def mistake_callback_nan_dropped(retailer) -> float:
    """Wrong on purpose: the calls never called back (NaN) left out of the denominator,
    as ``dropna()`` or a mean over ``callback_minutes`` alone does.

    >>> round(mistake_callback_nan_dropped(tiny_retailer()), 4)
    0.9487
    """
    c = my_calls(retailer)
    waits = c.loc[c["dropped"], "callback_minutes"].dropna()
    return float((waits <= 5).mean())


# --------------------------------------------------------------------------- the stores
def store_fulfilment(retailer) -> pd.DataFrame:
    """Each store's mean survey fulfilment rating (respondents by home store) and its true
    service quality.

    >>> store_fulfilment(tiny_retailer())
           fulfilment  service_quality
    store
    S01           3.5             -1.0
    S02           5.0              0.5
    S03           6.0              1.0
    S04           4.0              0.0
    """
    s = retailer.survey.merge(retailer.customers[["customer", "home_store"]], on="customer")
    mean = s.groupby(s["home_store"].astype(str))["fulfilment"].mean()
    truth = retailer.truth.stores.set_index("store")["service_quality"]
    out = pd.DataFrame({"fulfilment": mean, "service_quality": truth})
    out.index.name = "store"
    return out


def fulfilment_truth_corr(retailer) -> float:
    """service.fulfilment-corr: the correlation, across stores, of the mean fulfilment rating
    with the true service quality.

    >>> round(fulfilment_truth_corr(tiny_retailer()), 4)
    0.9463
    """
    t = store_fulfilment(retailer)
    return float(t["fulfilment"].corr(t["service_quality"]))


def mistake_corr_respondents(retailer) -> float:
    """Wrong on purpose: the correlation over respondents (each with their store's quality),
    not over the stores' means.

    >>> round(mistake_corr_respondents(tiny_retailer()), 4)
    0.93
    """
    s = retailer.survey.merge(retailer.customers[["customer", "home_store"]], on="customer")
    quality = s["home_store"].astype(str).map(
        retailer.truth.stores.set_index("store")["service_quality"])
    return float(np.corrcoef(s["fulfilment"], quality.astype(float))[0, 1])
