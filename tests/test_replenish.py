"""casekit.replenish: the reorder-point simulation keeps its books (units conserved, no
negative stock, orders only at the reorder point), daily demand from the tills adds up, and
bad input is explained."""
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casekit.replenish import (daily_demand, reorder_point_simulation, simulation_summary,
                               suggest_reorder_point)


@pytest.fixture(scope="module")
def shop():
    from casekit.data import simulate_retailer

    return simulate_retailer(600, seed=11, years=1)


@settings(max_examples=150, deadline=None)
@given(demand=st.lists(st.integers(0, 30), max_size=80), s=st.integers(0, 60),
       q=st.integers(1, 80), lead=st.integers(1, 10), stock=st.integers(0, 100))
def test_the_books_balance(demand, s, q, lead, stock):
    sim = reorder_point_simulation(demand, s, q, lead, stock)
    assert len(sim) == len(demand) and sim["day"].tolist() == list(range(len(demand)))
    assert (sim["stock"] >= 0).all() and (sim["on_order"] >= 0).all()
    assert (sim["sold"] + sim["lost"] == sim["demand"]).all()
    assert ((sim["lost"] > 0) == sim["stockout"]).all()
    # units: what was there plus what came in is what went out plus what is left
    left = sim["stock"].iloc[-1] if len(sim) else stock
    assert stock + sim["received"].sum() == sim["sold"].sum() + left
    # every order is Q units, placed only when the position had fallen to s or below
    orders = sim[sim["ordered"] > 0]
    assert (orders["ordered"] == q).all()
    assert (orders["stock"] + orders["on_order"] - q <= s).all()
    # an order arrives exactly lead days later
    placed = orders["day"].to_numpy()
    arrived = sim.loc[sim["received"] > 0, "day"].to_numpy()
    assert set(arrived) <= set(placed + lead)
    assert sim["received"].sum() == q * int(np.sum(placed + lead < len(sim)))


def test_a_shorter_lead_time_helps_on_a_known_week():
    demand = [3, 4, 5, 2, 6, 5, 4, 6, 3, 5]
    slow = reorder_point_simulation(demand, 8, 12, 4, 12)
    fast = reorder_point_simulation(demand, 8, 12, 1, 12)
    assert slow["stockout"].sum() > 0 == fast["stockout"].sum()


@pytest.mark.parametrize("args, error, phrase", [
    (([1, 2], -1, 5, 1, 0), ValueError, "reorder_point"),
    (([1, 2], 1, 0, 1, 0), ValueError, "order_quantity must be a whole number ≥ 1"),
    (([1, 2], 1, 5, 0, 0), ValueError, "lead_time_days"),
    (([1, 2], 1, 5, 1.5, 0), TypeError, "lead_time_days must be a whole number"),
    (([1, 2], True, 5, 1, 0), TypeError, "reorder_point"),
    (("12", 1, 5, 1, 0), TypeError, "daily_demand"),
    (([1, 2.5], 1, 5, 1, 0), ValueError, "day 1 is 2.5"),
    (([1, float("nan")], 1, 5, 1, 0), ValueError, "day 1 is nan"),
])
def test_bad_arguments_are_named(args, error, phrase):
    with pytest.raises(error, match=phrase):
        reorder_point_simulation(*args)


def test_daily_demand_adds_up_to_the_lines(shop):
    demand = daily_demand(shop, "milk")
    assert demand.index[0] == shop.start and demand.index[-1] == shop.end - pd.Timedelta(days=1)
    assert demand.index.is_unique and len(demand) == (shop.end - shop.start).days
    assert demand.dtype == np.int64 and demand.name == "units"
    milk = shop.lines.loc[shop.lines["item"] == "milk", "quantity"].sum()
    assert demand.sum() == milk
    by_store = sum(daily_demand(shop, "milk", store=s) for s in
                   sorted(shop.transactions["store"].astype(str).unique()))
    pd.testing.assert_series_equal(by_store, demand)
    window = daily_demand(shop, "milk", start="2022-03-01", end="2022-03-31")
    assert len(window) == 31 and window.sum() == demand["2022-03"].sum()


@pytest.mark.parametrize("kwargs, phrase", [
    ({"item": "caviar"}, "not sold by this retailer"),
    ({"item": "milk", "store": "S99"}, "does not exist"),
    ({"item": "milk", "start": "2022-05-01", "end": "2022-04-01"}, "before start"),
    ({"item": "milk", "start": "someday"}, "must be a date"),
])
def test_daily_demand_explains_bad_arguments(shop, kwargs, phrase):
    with pytest.raises(ValueError, match=phrase):
        daily_demand(shop, **kwargs)
    with pytest.raises(TypeError, match="product name"):
        daily_demand(shop, 42)


def test_suggested_reorder_point_follows_the_formula():
    demand = np.array([4, 6, 5, 5, 9, 1, 5])
    for lead, z in ((1, 0), (7, 1.65), (3, 2.33)):
        expected = math.ceil(lead * demand.mean() + z * demand.std(ddof=1) * math.sqrt(lead))
        assert suggest_reorder_point(demand, lead, z) == expected
    assert suggest_reorder_point(demand, 2) < suggest_reorder_point(demand, 7)
    with pytest.raises(ValueError, match="z must be"):
        suggest_reorder_point(demand, 7, z=-1)
    with pytest.raises(ValueError, match="at least two days"):
        suggest_reorder_point([3], 7)


def test_summary_counts_what_happened():
    sim = reorder_point_simulation([3, 4, 5, 2, 6], 5, 8, 2, 10)
    summary = simulation_summary(sim)
    assert summary["stockout days"] == sim["stockout"].sum() == 1
    assert summary["fill rate"] == pytest.approx(sim["sold"].sum() / sim["demand"].sum())
    assert simulation_summary(reorder_point_simulation([0, 0], 1, 1, 1, 0))["fill rate"] == 1.0
    with pytest.raises(ValueError, match="reorder_point_simulation"):
        simulation_summary(pd.DataFrame({"x": [1]}))
    with pytest.raises(TypeError, match="sim must be a pandas DataFrame"):
        simulation_summary([1, 2])
