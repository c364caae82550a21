"""Tests for casekit.baskets: frequent itemsets and association rules.

Correctness is checked three ways: against a brute-force enumerator written
here (hypothesis property tests), against mlxtend on realistic synthetic
baskets, and against the rule counts published for the Groceries data (when a
copy of groceries.csv is available, see test_groceries_published_counts).
"""
from __future__ import annotations

import itertools
import os
import pickle
import time
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import sparse

from casekit.baskets import miner
from casekit.checks import check_fraction
from casekit.baskets import (
    Baskets,
    Itemset,
    apriori_trace,
    association_rules,
    filter_rules,
    frequent_itemsets,
    read_baskets,
    rule_table,
)

# --------------------------------------------------------------------------- brute force


def brute_itemsets(baskets, min_count, max_len=None):
    """Every itemset with count >= min_count, by plain enumeration."""
    baskets = [set(b) for b in baskets]
    items = sorted(set().union(*baskets)) if baskets else []
    out = {}
    for k in range(1, len(items) + 1):
        if max_len is not None and k > max_len:
            break
        found = False
        for combo in itertools.combinations(items, k):
            s = set(combo)
            count = sum(1 for b in baskets if s <= b)
            if count >= min_count:
                out[frozenset(combo)] = count
                found = True
        if not found:
            break
    return out


def brute_rules(itemsets, n, min_confidence, min_lift=None, multi=False):
    """Rules from brute-force itemsets, metrics as exact fractions."""
    conf_min = Fraction(repr(min_confidence))
    lift_min = None if min_lift is None else Fraction(repr(min_lift))
    rules = {}
    for itemset, count in itemsets.items():
        if len(itemset) < 2:
            continue
        if multi:
            antecedents = [
                frozenset(a)
                for k in range(1, len(itemset))
                for a in itertools.combinations(sorted(itemset), k)
            ]
        else:
            antecedents = [itemset - {c} for c in itemset]
        for ante in antecedents:
            cons = itemset - ante
            ca, cc = itemsets[ante], itemsets[cons]
            conf = Fraction(count, ca)
            lift = Fraction(count * n, ca * cc)
            if conf < conf_min or (lift_min is not None and lift < lift_min):
                continue
            rules[(ante, cons)] = {
                "count": count,
                "support": Fraction(count, n),
                "confidence": conf,
                "lift": lift,
                "leverage": Fraction(count, n) - Fraction(ca, n) * Fraction(cc, n),
                "conviction": (
                    float("inf") if ca == count else Fraction(n - cc, n) / (1 - conf)
                ),
            }
    return rules


def as_dict(itemsets_df):
    return {frozenset(s): int(c) for s, c in zip(itemsets_df["itemset"], itemsets_df["count"])}


def rules_dict(rules_df):
    return {
        (frozenset(a), frozenset(c)): row
        for a, c, row in zip(
            rules_df["antecedent"], rules_df["consequent"], rules_df.to_dict("records")
        )
    }


def assert_rules_match(got_df, expected):
    got = rules_dict(got_df)
    assert set(got) == set(expected)
    for key, exp in expected.items():
        row = got[key]
        assert row["count"] == exp["count"]
        for metric in ("support", "confidence", "lift", "leverage"):
            assert row[metric] == pytest.approx(float(exp[metric]), rel=1e-12, abs=1e-15)
        if exp["conviction"] == float("inf"):
            assert row["conviction"] == float("inf")
        else:
            assert row["conviction"] == pytest.approx(float(exp["conviction"]), rel=1e-12)


# --------------------------------------------------------------------------- reading


def test_read_file_strips_dedupes_and_keeps_empty_baskets(tmp_path):
    path = tmp_path / "groceries.csv"
    path.write_text(
        "citrus fruit,semi-finished bread, margarine ,ready soups\n"
        "tropical fruit,yogurt,coffee,yogurt\n"
        "\n"
        'whole milk,"salt, fine",\n',
        encoding="utf-8",
    )
    b = read_baskets(path)
    assert len(b) == 4 and b.n_baskets == 4 and b.n_empty == 1
    assert b.to_lists() == [
        ["citrus fruit", "margarine", "ready soups", "semi-finished bread"],
        ["coffee", "tropical fruit", "yogurt"],
        [],
        ["salt, fine", "whole milk"],
    ]
    assert repr(b) == "Baskets(4 baskets, 9 items, 1 empty, mean size 2.2)"
    assert read_baskets(str(path)).to_lists() == b.to_lists()


def test_read_file_other_separator(tmp_path):
    path = tmp_path / "fimi.dat"
    path.write_text("1 2  3\n2 3\n", encoding="utf-8")
    assert read_baskets(path, sep=" ").to_lists() == [["1", "2", "3"], ["2", "3"]]
    path.write_text("a :: b\nb\n", encoding="utf-8")
    assert read_baskets(path, sep="::").to_lists() == [["a", "b"], ["b"]]


def test_read_lists_series_dict_long_and_onehot_agree():
    lists = [["milk", "bread"], ["beer"], [], ["bread", " milk ", "milk"]]
    expected = [["bread", "milk"], ["beer"], [], ["bread", "milk"]]
    assert read_baskets(lists).to_lists() == expected
    assert read_baskets(tuple(lists)).to_lists() == expected
    s = pd.Series(lists, index=["t1", "t2", "t3", "t4"])
    bs = read_baskets(s)
    assert bs.to_lists() == expected and list(bs.ids) == ["t1", "t2", "t3", "t4"]
    bd = read_baskets(dict(zip(["t1", "t2", "t3", "t4"], lists)))
    assert bd.to_lists() == expected
    long = pd.DataFrame(
        {
            "trip": [10, 10, 11, 12, 13, 13, 13],
            "sku": ["milk", "bread", "beer", None, "bread", " milk ", "milk"],
            "qty": [1, 2, 1, 0, 1, 1, 1],
        }
    )
    bl = read_baskets(long, basket="trip", item="sku")
    assert bl.to_lists() == expected and list(bl.ids) == [10, 11, 12, 13]
    assert bl.n_empty == 1
    onehot = pd.DataFrame(
        {"beer": [False, True, False, False], "bread": [True, False, False, True],
         "milk": [True, False, False, True]}
    )
    assert read_baskets(onehot).to_lists() == expected


def test_read_long_default_column_names_and_integer_items():
    long = pd.DataFrame({"basket": ["a", "a", "b"], "item": [3, 1, 3]})
    b = read_baskets(long)
    assert b.items == (1, 3) and b.to_lists() == [[1, 3], [3]]


def test_baskets_attributes_and_from_matrix_does_not_touch_input():
    m = sparse.csr_array(
        (np.ones(4, bool), np.array([1, 0, 0, 2]), np.array([0, 2, 2, 4])), shape=(3, 3)
    )  # row 0 is unsorted; row 1 empty
    before = (m.indices.copy(), m.indptr.copy())
    b = Baskets.from_matrix(m, items=["z", "y", "x"])
    assert np.array_equal(m.indices, before[0]) and np.array_equal(m.indptr, before[1])
    assert b.items == ("x", "y", "z")
    assert b.to_lists() == [["y", "z"], [], ["x", "z"]]
    assert list(b.sizes) == [2, 0, 2] and b.n_empty == 1 and b.n_items == 3
    assert b.item_counts.to_dict() == {"z": 2, "x": 1, "y": 1}
    assert b.item_counts.index.tolist() == ["z", "x", "y"]  # count desc, then label
    dense = Baskets.from_matrix(np.array([[1, 0], [1, 1]]))
    assert dense.to_lists() == [[0], [0, 1]]


def test_mixed_type_items_are_ordered_without_error():
    b = read_baskets([[1, "a"], [("x", 1), 2.5]])
    assert b.n_items == 4
    fi = frequent_itemsets(b, 0.5)
    assert len(fi) == 6
    assert list(fi["itemset"].iloc[4]) == [1, "a"]


@pytest.mark.parametrize(
    "source, exc, words",
    [
        ([], ValueError, ["no baskets", "empty"]),
        (pd.DataFrame({"basket": [], "item": []}), ValueError, ["empty"]),
        (["milk", "bread"], TypeError, ["basket 0", "'milk'", "[item]"]),
        ([["milk", ["nested"]]], TypeError, ["['nested']", "not hashable"]),
        ([["milk", None]], ValueError, ["missing item"]),
        ([["milk", float("nan")]], ValueError, ["missing item"]),
        ([[1], 5], TypeError, ["basket 1", "5"]),
        (42, TypeError, ["source", "int"]),
        (pd.DataFrame({"trip": [1], "sku": ["a"]}), ValueError, ["basket='basket'", "trip"]),
        (pd.DataFrame({"basket": [1, None], "item": ["a", "b"]}), ValueError, ["missing"]),
        (pd.DataFrame({"basket": [1], "item": [["a"]]}), TypeError, ["hashable"]),
        (sparse.csr_array(np.eye(2)), TypeError, ["Baskets.from_matrix"]),
        ("/no/such/groceries.csv", FileNotFoundError, ["/no/such/groceries.csv"]),
    ],
)
def test_read_baskets_errors_are_clear(source, exc, words):
    with pytest.raises(exc) as info:
        read_baskets(source)
    for word in words:
        assert word in str(info.value)


def test_read_baskets_rejects_bad_separator(tmp_path):
    path = tmp_path / "b.csv"
    path.write_text("a,b\n")
    for sep in ("", None, 3):
        with pytest.raises(ValueError, match="sep must be a non-empty string"):
            read_baskets(path, sep=sep)


def test_itemset_is_a_frozenset_with_sorted_display():
    s = Itemset({"yogurt", "beer", "milk"})
    assert isinstance(s, frozenset) and s == frozenset({"beer", "milk", "yogurt"})
    assert hash(s) == hash(frozenset(s))
    assert list(s) == ["beer", "milk", "yogurt"]
    assert repr(s) == "Itemset({'beer', 'milk', 'yogurt'})" and str(s) == "{beer, milk, yogurt}"
    assert pickle.loads(pickle.dumps(s)) == s
    assert repr(Itemset()) == "Itemset()"
    assert list(Itemset([2, "a", 1])) == [1, 2, "a"]


# --------------------------------------------------------------------------- thresholds


@pytest.mark.parametrize(
    "support, n, expected",
    [
        (0.001, 9835, 10),  # 9.835 -> 10
        (0.006, 9835, 60),  # float gives 59.010000000000005
        (0.07, 100, 7),  # float gives 7.000000000000001, whose ceiling is 8
        (0.1, 30, 3),  # float gives 3.0000000000000004
        (0.3, 10, 3),
        (1, 17, 17),
        (1e-9, 10, 1),
        (Fraction(1, 3), 9, 3),
        (Decimal("0.25"), 8, 2),
        (np.float64(0.07), 100, 7),
        (np.float32(0.1), 30, 3),
    ],
)
def test_min_count_is_an_exact_ceiling(support, n, expected):
    frac = check_fraction("min_support", support, low_open=True)
    assert miner._min_count(frac, n) == expected


def test_support_exactly_at_the_boundary_is_frequent():
    # 100 baskets; {a, b} in exactly 7 of them; 0.07 * 100 is 7.000000000000001 in floats
    baskets = [["a", "b"]] * 7 + [["a"]] * 3 + [["c"]] * 90
    fi = as_dict(frequent_itemsets(baskets, 0.07))
    assert fi[frozenset({"a", "b"})] == 7
    fi = as_dict(frequent_itemsets(baskets, 0.071))
    assert frozenset({"a", "b"}) not in fi and fi[frozenset({"a"})] == 10
    # support 1: only items in every basket
    assert as_dict(frequent_itemsets([["a", "b"], ["a"]], 1.0)) == {frozenset({"a"}): 2}


def test_confidence_exactly_at_threshold_is_kept():
    # 12 baskets, count({a}) = 10, count({a, b}) = 8: confidence exactly 0.8. A ratio of
    # float supports, as mlxtend computes it, comes out just below 0.8 and loses the rule.
    assert (8 / 12) / (10 / 12) < 0.8
    baskets = [["a", "b"]] * 8 + [["a"]] * 2 + [["c"]] * 2
    rules = association_rules(baskets, min_support=0.1, min_confidence=0.8)
    got = rules_dict(rules)
    assert (frozenset("a"), frozenset("b")) in got
    row = got[(frozenset("a"), frozenset("b"))]
    assert (row["count"], row["antecedent_count"]) == (8, 10)
    assert row["confidence"] == 0.8
    assert len(association_rules(baskets, min_support=0.1, min_confidence=0.8000001)) == 1
    # 3 of 10 at 0.3: 0.3 * 10 is 3.0000000000000004 in floats
    baskets = [["x", "y"]] * 3 + [["x"]] * 7
    rules = association_rules(baskets, min_support=0.1, min_confidence=0.3)
    assert (frozenset("x"), frozenset("y")) in rules_dict(rules)


def test_lift_exactly_at_threshold_is_kept():
    # n=10, count(a)=5, count(b)=5, count(ab)=4: lift = 4*10/(5*5) = 1.6
    baskets = [["a", "b"]] * 4 + [["a"], ["b"]] + [["c"]] * 4
    rules = association_rules(baskets, 0.1, 0.0, min_lift=1.6)
    assert set(rules_dict(rules)) == {
        (frozenset("a"), frozenset("b")), (frozenset("b"), frozenset("a"))
    }
    assert rules["lift"].tolist() == [1.6, 1.6]
    assert len(association_rules(baskets, 0.1, 0.0, min_lift=1.6000001)) == 0


BAD_THRESHOLDS = [
    ({"min_support": 0}, ValueError, "min_support must be a number > 0 and ≤ 1, got 0"),
    ({"min_support": -0.1}, ValueError, "got -0.1"),
    ({"min_support": 1.5}, ValueError, "min_support must be a number > 0 and ≤ 1, got 1.5"),
    ({"min_support": float("nan")}, ValueError, "got nan"),
    ({"min_support": float("inf")}, ValueError, "got inf"),
    ({"min_support": "0.1"}, TypeError, "min_support must be a number > 0 and ≤ 1, got '0.1'"),
    ({"min_support": True}, TypeError, "got True"),
    ({"min_support": None}, TypeError, "got None"),
    ({"min_confidence": 1.01}, ValueError, "min_confidence must be a number ≥ 0 and ≤ 1, got 1.01"),
    ({"min_confidence": -0.5}, ValueError, "min_confidence must be a number ≥ 0 and ≤ 1"),
    ({"min_confidence": "high"}, TypeError, "min_confidence"),
    ({"min_lift": -1}, ValueError, "min_lift must be None or a number ≥ 0, got -1"),
    ({"min_lift": "1"}, TypeError, "min_lift"),
    ({"max_len": 0}, ValueError, "max_len must be None or a whole number ≥ 1, got 0"),
    ({"max_len": 2.5}, TypeError, "max_len must be None or a whole number ≥ 1, got 2.5"),
    ({"multi_consequent": "yes"}, TypeError, "multi_consequent must be True or False"),
]


@pytest.mark.parametrize("kwargs, exc, message", BAD_THRESHOLDS)
def test_rule_arguments_are_validated(kwargs, exc, message):
    args = {"min_support": 0.5, "min_confidence": 0.5, **kwargs}
    with pytest.raises(exc) as info:
        association_rules([["a", "b"], ["a"]], **args)
    assert message in str(info.value)


@pytest.mark.parametrize("kwargs, exc, message", BAD_THRESHOLDS[:8] + BAD_THRESHOLDS[13:15])
def test_itemset_and_trace_arguments_are_validated(kwargs, exc, message):
    args = {"min_support": 0.5, **kwargs}
    for func in (frequent_itemsets, apriori_trace):
        with pytest.raises(exc) as info:
            func([["a", "b"], ["a"]], **args)
        assert message in str(info.value)


def test_wrong_baskets_type_is_named():
    with pytest.raises(TypeError, match="baskets must be Baskets"):
        frequent_itemsets(3.5, 0.1)
    with pytest.raises(TypeError, match="baskets_or_itemsets must be Baskets"):
        association_rules(np.int64(3), 0.1, 0.5)
    with pytest.raises(ValueError, match="empty"):
        frequent_itemsets([], 0.1)


def test_confidence_zero_and_support_one_are_allowed():
    baskets = [["a", "b"], ["a", "b"]]
    assert len(association_rules(baskets, 1.0, 0)) == 2
    assert len(association_rules(baskets, 1, 1)) == 2


# --------------------------------------------------------------------------- itemsets


def test_frequent_itemsets_layout_and_order():
    baskets = [["b", "a"], ["a", "b", "c"], ["c", "a"], ["b"], ["d"]]
    fi = frequent_itemsets(baskets, 0.4)
    assert list(fi.columns) == ["itemset", "support", "count", "length"]
    assert fi["itemset"].map(sorted).tolist() == [["a"], ["b"], ["c"], ["a", "b"], ["a", "c"]]
    assert fi["count"].tolist() == [3, 3, 2, 2, 2]
    assert fi["support"].tolist() == [0.6, 0.6, 0.4, 0.4, 0.4]
    assert fi["length"].tolist() == [1, 1, 1, 2, 2]
    assert all(isinstance(s, frozenset) for s in fi["itemset"])
    assert fi.attrs == {"n_baskets": 5, "min_support": 0.4, "min_count": 2}
    assert len(frequent_itemsets(baskets, 0.4, max_len=1)) == 3


def test_frequent_itemsets_none_frequent_gives_empty_frame():
    fi = frequent_itemsets([["a"], ["b"], []], 0.5)
    assert len(fi) == 0 and list(fi.columns) == ["itemset", "support", "count", "length"]
    assert len(association_rules([["a"], ["b"]], 0.9, 0.1)) == 0


def test_empty_baskets_lower_support():
    fi = as_dict(frequent_itemsets([["a"], ["a"], [], []], 0.5))
    assert fi == {frozenset("a"): 2}
    assert frequent_itemsets([["a"], ["a"], [], []], 0.5)["support"].tolist() == [0.5]
    assert len(frequent_itemsets([["a"], ["a"], [], []], 0.51)) == 0


baskets_strategy = st.lists(
    st.lists(st.sampled_from("abcdefg"), max_size=6), min_size=1, max_size=24
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    baskets=baskets_strategy,
    support=st.integers(1, 24),
    max_len=st.one_of(st.none(), st.integers(1, 4)),
)
def test_itemsets_match_brute_force(baskets, support, max_len):
    n = len(baskets)
    min_support = min(support, n) / n
    fi = frequent_itemsets(baskets, min_support, max_len=max_len)
    expected = brute_itemsets(baskets, fi.attrs["min_count"], max_len)
    assert as_dict(fi) == expected
    # deterministic order: length, count desc, items
    keys = [(len(s), -c, sorted(s)) for s, c in zip(fi["itemset"], fi["count"])]
    assert keys == sorted(keys)
    assert np.allclose(fi["support"], fi["count"] / n)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(baskets=baskets_strategy, support=st.integers(1, 6), data=st.data())
def test_itemsets_match_brute_force_in_small_work_chunks(baskets, support, data):
    # tiny work limits force the miner to split every level into many runs
    old = miner._RUN_BUDGET
    miner._RUN_BUDGET = data.draw(st.integers(1, 40))
    try:
        fi = frequent_itemsets(baskets, min(support, len(baskets)) / len(baskets))
    finally:
        miner._RUN_BUDGET = old
    assert as_dict(fi) == brute_itemsets(baskets, fi.attrs["min_count"])


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(baskets=st.lists(st.lists(st.sampled_from("abcdefg"), max_size=6), min_size=1,
                        max_size=150),
       support=st.integers(1, 30), max_len=st.one_of(st.none(), st.integers(2, 4)),
       bitsets=st.booleans(), budget=st.integers(1, 40))
def test_itemsets_match_brute_force_counted_either_way(baskets, support, max_len, bitsets,
                                                       budget):
    # the miner counts on bitsets or by emitting positions, whichever is cheaper: force
    # each (more than 64 baskets fill several words), in small work chunks too
    old = miner._bitsets_cheaper, miner._RUN_BUDGET
    miner._bitsets_cheaper, miner._RUN_BUDGET = (lambda work, nf: bitsets), budget
    try:
        fi = frequent_itemsets(baskets, min(support, len(baskets)) / len(baskets), max_len)
    finally:
        miner._bitsets_cheaper, miner._RUN_BUDGET = old
    assert as_dict(fi) == brute_itemsets(baskets, fi.attrs["min_count"], max_len)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    baskets=baskets_strategy,
    support=st.integers(1, 8),
    confidence=st.sampled_from([0, 0.1, 0.25, 0.3, 0.5, 0.6, 2 / 3, 0.7, 0.75, 0.8, 0.9, 1]),
    lift=st.sampled_from([None, 0.5, 1, 1.2, 1.5, 2]),
    multi=st.booleans(),
)
def test_rules_match_brute_force(baskets, support, confidence, lift, multi):
    n = len(baskets)
    min_support = min(support, n) / n
    rules = association_rules(
        baskets, min_support, confidence, min_lift=lift, multi_consequent=multi
    )
    itemsets = brute_itemsets(baskets, rules.attrs["min_count"])
    expected = brute_rules(itemsets, n, confidence, lift, multi)
    assert_rules_match(rules, expected)
    if not multi:
        assert all(len(c) == 1 for c in rules["consequent"])
    assert all(len(a) >= 1 for a in rules["antecedent"])
    # rules from precomputed itemsets are the same rules, in the same order
    fi = frequent_itemsets(baskets, min_support)
    again = association_rules(fi, min_support, confidence, min_lift=lift, multi_consequent=multi)
    pd.testing.assert_frame_equal(rules, again)


@settings(max_examples=60, deadline=None)
@given(
    baskets=baskets_strategy,
    confidence=st.sampled_from([0.2, 0.5, 0.8]),
    lift=st.sampled_from([None, 1, 1.5]),
    support=st.integers(1, 4),
)
def test_filter_rules_equals_mining_at_stricter_thresholds(baskets, confidence, lift, support):
    n = len(baskets)
    loose = association_rules(baskets, 1 / n, 0)
    s = min(support, n) / n
    direct = association_rules(baskets, s, confidence, min_lift=lift)
    filtered = filter_rules(loose, min_support=s, min_confidence=confidence, min_lift=lift)
    assert rules_dict(filtered).keys() == rules_dict(direct).keys()
    assert filtered.index.is_monotonic_increasing


def test_max_len_limits_rules_like_arules_maxlen():
    baskets = [["a", "b", "c"]] * 3 + [["a", "b"]]
    assert {len(a | c) for a, c in zip(*association_rules(baskets, 0.5, 0.5)[
        ["antecedent", "consequent"]].T.values)} == {2, 3}
    short = association_rules(baskets, 0.5, 0.5, max_len=2)
    assert {len(a) + len(c) for a, c in zip(short["antecedent"], short["consequent"])} == {2}


def test_rules_layout_order_and_infinite_conviction():
    baskets = [["a", "b"]] * 4 + [["a", "c"], ["b"], ["c"], ["c"]]
    rules = association_rules(baskets, min_support=0.1, min_confidence=0.2)
    assert list(rules.columns) == [
        "antecedent", "consequent", "support", "confidence", "lift", "leverage",
        "conviction", "count", "antecedent_count", "consequent_count",
    ]
    # sorted by lift, confidence, count (descending), then items
    assert [(str(a), str(c)) for a, c in zip(rules.antecedent, rules.consequent)] == [
        ("{a}", "{b}"), ("{b}", "{a}"), ("{c}", "{a}"), ("{a}", "{c}")
    ]
    assert rules.attrs["n_baskets"] == 8
    sure = association_rules([["a", "b"], ["a", "b"], ["b"]], 0.1, 1.0)
    assert sure["conviction"].tolist() == [float("inf")]
    assert sure["confidence"].tolist() == [1.0]


def test_rules_from_itemsets_need_every_subset_and_low_enough_support():
    baskets = [["a", "b", "c"]] * 3 + [["a"]]
    fi = frequent_itemsets(baskets, 0.5)
    with pytest.raises(ValueError, match="miss a subset"):
        association_rules(fi[fi["length"] != 1], 0.5, 0.5)
    with pytest.raises(ValueError, match="mine them again"):
        association_rules(fi, 0.25, 0.5)
    with pytest.raises(ValueError, match="columns"):
        association_rules(pd.DataFrame({"itemset": []}), 0.5, 0.5)
    stricter = association_rules(fi, 0.9, 0.5)
    assert stricter.empty


def test_filter_rules_validates_and_filters_by_item():
    rules = association_rules([["a", "b"]] * 4 + [["a", "c"], ["b"], ["c"], ["c"]], 0.1, 0.2)
    assert len(filter_rules(rules, involving="c")) == 2
    assert len(filter_rules(rules, involving=["b", "zzz"])) == 2
    assert len(filter_rules(rules)) == 4
    with pytest.raises(TypeError, match="rules must be a pandas DataFrame"):
        filter_rules([1, 2])
    with pytest.raises(ValueError, match="rules has no column 'antecedent_count'"):
        filter_rules(pd.DataFrame({"count": [1]}))
    with pytest.raises(ValueError, match="min_confidence must be a number ≥ 0"):
        filter_rules(rules, min_confidence=2)


def test_rule_table_reads_like_the_rules():
    rules = association_rules([["a", "b"]] * 4 + [["a", "c"], ["b"], ["c"], ["c"]], 0.1, 0.2)
    table = rule_table(rules)
    assert table.columns.tolist() == ["rule", "support", "confidence", "lift", "leverage",
                                      "conviction", "count"]
    assert len(table) == len(rules) and table.index.tolist() == list(range(len(rules)))
    first = rules.iloc[0]
    assert table["rule"].iloc[0] == f"{first['antecedent']} => {first['consequent']}"
    assert table[["support", "lift", "count"]].equals(
        rules[["support", "lift", "count"]].reset_index(drop=True))
    with pytest.raises(ValueError, match="association_rules"):
        rule_table(pd.DataFrame({"x": [1]}))
    with pytest.raises(TypeError, match="rules must be a pandas DataFrame"):
        rule_table([("a", "b")])


def test_filter_rules_is_fast_on_thousands_of_rules():
    baskets = synthetic_baskets(3000, 80, seed=5)
    rules = association_rules(baskets, 0.003, 0.05).head(5000)
    assert len(rules) >= 3000
    best = float("inf")
    for i in range(5):
        t0 = time.perf_counter()
        out = filter_rules(rules, min_support=0.01, min_confidence=0.3 + i / 100, min_lift=1.2)
        best = min(best, time.perf_counter() - t0)
    assert 0 < len(out) < len(rules)
    assert best < 0.1, f"filter_rules took {best * 1000:.1f} ms"


# --------------------------------------------------------------------------- apriori_trace


def test_apriori_trace_shows_join_prune_and_count():
    # {a,b}, {a,c}, {b,c}, {b,d} frequent; {c,d} and {a,d} not: candidate {b,c,d} is
    # pruned (subset {c,d} infrequent) and {a,b,c} is counted.
    baskets = [["a", "b", "c"]] * 2 + [["a", "b"], ["a", "c"], ["b", "c"]] + [["b", "d"]] * 2
    baskets += [["a", "d"], ["c", "d"]]
    t = apriori_trace(baskets, 2 / 9)
    assert list(t.columns) == ["level", "itemset", "count", "support", "status"]
    rows = {(lvl, "".join(sorted(s))): (c, st_) for lvl, s, c, st_ in
            zip(t["level"], t["itemset"], t["count"], t["status"])}
    assert rows[(1, "a")] == (5, "frequent")
    assert rows[(2, "ab")] == (3, "frequent")
    assert rows[(2, "ad")] == (1, "infrequent")
    assert rows[(3, "abc")] == (2, "frequent")
    assert rows[(3, "bcd")][1] == "pruned" and pd.isna(rows[(3, "bcd")][0])
    assert t.loc[t["status"] == "pruned", "support"].isna().all()
    assert set(t["status"]) == {"frequent", "infrequent", "pruned"}
    # the frequent rows are exactly frequent_itemsets
    freq = t[t["status"] == "frequent"]
    assert as_dict(freq.assign(count=freq["count"].astype(int))) == as_dict(
        frequent_itemsets(baskets, 2 / 9)
    )
    assert t["level"].is_monotonic_increasing
    assert apriori_trace(baskets, 2 / 9, max_len=1)["level"].max() == 1


@settings(max_examples=60, deadline=None)
@given(baskets=baskets_strategy, support=st.integers(1, 6))
def test_apriori_trace_frequent_rows_match_brute_force(baskets, support):
    n = len(baskets)
    t = apriori_trace(baskets, min(support, n) / n)
    freq = t[t["status"] == "frequent"]
    got = {frozenset(s): int(c) for s, c in zip(freq["itemset"], freq["count"])}
    assert got == brute_itemsets(baskets, t.attrs["min_count"])
    # pruned candidates really have an infrequent subset
    for s in t.loc[t["status"] == "pruned", "itemset"]:
        assert any(frozenset(sub) not in got for sub in itertools.combinations(s, len(s) - 1))


# --------------------------------------------------------------------------- mlxtend


def synthetic_baskets(n, n_items, seed=0, mean_size=4):
    """Realistic-looking baskets: Zipf popularity plus a few planted bundles."""
    rng = np.random.default_rng(seed)
    names = [f"p{j:03d}" for j in range(n_items)]
    pop = 1.0 / np.arange(1, n_items + 1)
    pop /= pop.sum()
    bundles = [rng.choice(n_items, size=rng.integers(2, 5), replace=False) for _ in range(8)]
    out = []
    for _ in range(n):
        k = 1 + rng.poisson(mean_size - 1)
        items = set(rng.choice(n_items, size=k, p=pop).tolist())
        for bundle in bundles:
            if rng.random() < 0.06:
                items.update(b for b in bundle.tolist() if rng.random() < 0.85)
        out.append([names[j] for j in items])
    return out


def mlxtend_compare(baskets, min_support, min_confidence):
    mlx = pytest.importorskip("mlxtend.frequent_patterns")
    b = read_baskets(baskets)
    n = b.n_baskets
    fi = frequent_itemsets(b, min_support)
    min_count = fi.attrs["min_count"]
    onehot = pd.DataFrame(b.matrix.toarray(), columns=list(b.items))
    # mlxtend takes ceil(min_support * n) in floats; ask for exactly min_count
    ref = mlx.fpgrowth(onehot, min_support=(min_count - 0.5) / n, use_colnames=True)
    ref_counts = np.rint(ref["support"].to_numpy() * n).astype(int)
    assert as_dict(fi) == dict(zip(map(frozenset, ref["itemsets"]), ref_counts))

    ref_rules = mlx.association_rules(ref, num_itemsets=n, metric="confidence", min_threshold=0)
    # filter mlxtend's rules exactly, from their integer counts
    c_rule = np.rint(ref_rules["support"].to_numpy() * n).astype(np.int64)
    c_ante = np.rint(ref_rules["antecedent support"].to_numpy() * n).astype(np.int64)
    conf = Fraction(repr(min_confidence))
    keep = c_rule * conf.denominator >= c_ante * conf.numerator
    ref_rules = ref_rules[keep]
    for multi in (False, True):
        ours = association_rules(fi, min_support, min_confidence, multi_consequent=multi)
        theirs = ref_rules if multi else ref_rules[ref_rules["consequents"].map(len) == 1]
        theirs_d = {
            (frozenset(a), frozenset(c)): row
            for a, c, row in zip(theirs["antecedents"], theirs["consequents"],
                                 theirs.to_dict("records"))
        }
        ours_d = rules_dict(ours)
        assert ours_d.keys() == theirs_d.keys()
        n_rules = len(ours_d)
        for key, row in ours_d.items():
            ref_row = theirs_d[key]
            for metric in ("support", "confidence", "lift", "leverage"):
                assert row[metric] == pytest.approx(ref_row[metric], rel=1e-9, abs=1e-12)
            if np.isfinite(ref_row["conviction"]):
                assert row["conviction"] == pytest.approx(ref_row["conviction"], rel=1e-9)
            else:
                assert row["conviction"] == float("inf")
    return fi, n_rules


def test_matches_mlxtend_on_synthetic_baskets():
    baskets = synthetic_baskets(4000, 120, seed=11)
    fi, n_rules = mlxtend_compare(baskets, min_support=0.004, min_confidence=0.3)
    assert len(fi) > 500 and fi["length"].max() >= 4 and n_rules > 100


@pytest.mark.slow
def test_matches_mlxtend_on_simulated_retailer_trips():
    from casekit.data import simulate_retailer

    retailer = simulate_retailer()
    lines = retailer.lines
    assert {"trip", "item"} <= set(lines.columns)
    baskets = read_baskets(lines, basket="trip", item="item")
    assert len(baskets) == lines["trip"].nunique()
    trips = baskets.to_lists()[:20_000]  # keeps mlxtend's dense table small
    # 2% keeps the search to about 1,600 itemsets (at 0.2% there are about a million)
    fi, n_rules = mlxtend_compare(trips, min_support=0.02, min_confidence=0.2)
    assert len(fi) > 1000 and fi["length"].max() >= 4 and n_rules > 100


# --------------------------------------------------------------------------- Groceries


def _groceries_path():
    env = os.environ.get("CASEKIT_GROCERIES")
    if env:
        return Path(env)
    return Path(__file__).resolve().parent.parent / "datasets" / "groceries.csv"


def test_groceries_published_counts():
    """arules and Lantz's book, on the Groceries data (9,835 baskets, 169 items).

    arules: apriori(Groceries, parameter = list(support = 0.001, confidence = 0.8))
    finds 410 rules; Lantz, Machine Learning with R: support = 0.006,
    confidence = 0.25, minlen = 2 finds 463 rules. groceries.csv is not shipped:
    point CASEKIT_GROCERIES at a copy to run this test.
    """
    path = _groceries_path()
    if not path.is_file():
        pytest.skip(
            f"groceries.csv not found at {path}; set CASEKIT_GROCERIES=/path/to/groceries.csv "
            "to check arules' 410 rules and Lantz's 463 rules"
        )
    b = read_baskets(path)
    assert (b.n_baskets, b.n_items, b.n_empty) == (9835, 169, 0)
    assert b.matrix.nnz == 43367
    assert b.item_counts.iloc[0] == 2513 and b.item_counts.index[0] == "whole milk"
    assert len(association_rules(b, 0.001, 0.8)) == 410
    assert len(association_rules(b, 0.006, 0.25)) == 463


def test_baskets_repr_speaks_the_reader_s_language_with_the_same_numbers():
    import re

    from casekit.i18n import speaking

    numbers = lambda text: re.findall(r"[-+]?\d[\d,]*(?:\.\d+)?", text, flags=re.ASCII)
    b = read_baskets([["milk", "bread"], ["milk"], [], ["eggs", "milk", "tea"]])
    english = repr(b)
    assert english == "Baskets(4 baskets, 4 items, 1 empty, mean size 1.5)"
    with speaking("zh"):
        chinese = repr(b)
    assert repr(b) == english
    assert chinese.startswith("Baskets(") and "购物篮" in chinese
    assert numbers(chinese) == numbers(english)
