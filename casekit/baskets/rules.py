"""Association rules from frequent itemsets, with arules' metrics and exact thresholds:
:func:`association_rules`, :func:`filter_rules` and :func:`rule_table` (to read them)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from casekit.baskets.data import Itemset, _as_baskets, _sorted_labels
from casekit.baskets.miner import _exact_ge, _min_count, _mine_levels
from casekit.checks import check_fraction, check_frame, check_whole

# --------------------------------------------------------------------------- rules


class _Lookup:
    """Exact count lookup of any frequent itemset from its set-hash."""

    def __init__(self, levels, n_labels):
        seed = 20240917
        while True:
            rng = np.random.default_rng(seed)
            self.h = rng.integers(0, 2**63, size=n_labels, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
            hashes = [self.hash(s) for s, _ in levels]
            allh = np.concatenate(hashes) if hashes else np.empty(0, np.uint64)
            order = np.argsort(allh, kind="stable")
            self.keys = allh[order]
            if self.keys.size < 2 or np.all(self.keys[1:] != self.keys[:-1]):
                break
            seed += 1  # a 64-bit collision: astronomically rare, but stay exact
        self.values = np.concatenate([c for _, c in levels])[order] if levels else np.empty(0)

    def hash(self, sets):
        if sets.shape[1] == 0:
            return np.zeros(sets.shape[0], np.uint64)
        return self.h[sets].sum(axis=1, dtype=np.uint64)

    def get(self, hashes):
        pos = np.searchsorted(self.keys, hashes)
        pos = np.minimum(pos, max(len(self.keys) - 1, 0))
        found = self.keys[pos] == hashes if len(self.keys) else np.zeros(len(hashes), bool)
        return self.values[pos] if len(self.keys) else np.zeros(len(hashes), np.int64), found


def _levels_from_frame(itemsets, name):
    need = {"itemset", "count"}
    if not need.issubset(itemsets.columns):
        raise ValueError(
            f"{name} must be Baskets or the DataFrame returned by frequent_itemsets (with "
            f"columns 'itemset' and 'count'); its columns are {list(itemsets.columns)!r}"
        )
    n = itemsets.attrs.get("n_baskets")
    if n is None:
        if not len(itemsets) or "support" not in itemsets.columns:
            raise ValueError(
                f"{name} does not say how many baskets there were: pass the DataFrame "
                "returned by frequent_itemsets (its attrs['n_baskets'] is needed)"
            )
        first = itemsets.iloc[0]
        n = int(round(first["count"] / first["support"]))
    labels = set()
    for s in itemsets["itemset"]:
        if not isinstance(s, frozenset):
            raise TypeError(f"{name}['itemset'] must hold frozensets; got {type(s).__name__}")
        labels.update(s)
    labels = _sorted_labels(labels)
    rank = {x: i for i, x in enumerate(labels)}
    by_len = {}
    counts = itemsets["count"].to_numpy(dtype=np.int64)
    for s, c in zip(itemsets["itemset"], counts):
        if s:
            by_len.setdefault(len(s), ([], []))
            by_len[len(s)][0].append(sorted(rank[x] for x in s))
            by_len[len(s)][1].append(c)
    levels = []
    for k in sorted(by_len):
        sets = np.asarray(by_len[k][0], dtype=np.int64).reshape(-1, k)
        levels.append((sets, np.asarray(by_len[k][1], dtype=np.int64)))
    return levels, labels, int(n)


def _rule_candidates(levels, lookup, multi):
    """Antecedent/consequent splits of every itemset of length >= 2."""
    out = []
    for sets, counts in levels:
        m, k = sets.shape
        if k < 2 or m == 0:
            continue
        full = lookup.hash(sets)
        if not multi:
            for i in range(k):
                ant = np.delete(sets, i, axis=1)
                con = sets[:, i:i + 1]
                out.append((ant, con, counts, full - lookup.h[sets[:, i]], lookup.h[sets[:, i]]))
        else:
            for mask in range(1, (1 << k) - 1):
                a_cols = [c for c in range(k) if mask >> c & 1]
                c_cols = [c for c in range(k) if not mask >> c & 1]
                ant, con = sets[:, a_cols], sets[:, c_cols]
                ah = lookup.hash(ant)
                out.append((ant, con, counts, ah, full - ah))
    return out


def _pad(sets, width):
    padded = np.full((sets.shape[0], width), -1, dtype=np.int64)
    padded[:, : sets.shape[1]] = sets
    return padded


_RULE_COLUMNS = [
    "antecedent", "consequent", "support", "confidence", "lift", "leverage", "conviction",
    "count", "antecedent_count", "consequent_count",
]


def _rules_frame(levels, labels, n, min_count, conf, lift, multi, attrs):
    lookup = _Lookup(levels, len(labels))
    ants, cons, c_rule, c_ant, c_con = [], [], [], [], []
    width = max((s.shape[1] for s, _ in levels), default=1)
    for ant, con, counts, ah, ch in _rule_candidates(levels, lookup, multi):
        keep = counts >= min_count
        if not keep.any():
            continue
        ant, con, counts, ah, ch = ant[keep], con[keep], counts[keep], ah[keep], ch[keep]
        ca, fa = lookup.get(ah)
        cc, fc = lookup.get(ch)
        if not (fa.all() and fc.all()):
            bad = np.flatnonzero(~(fa & fc))[0]
            missing = [labels[j] for j in np.concatenate([ant[bad], con[bad]])]
            raise ValueError(
                f"the itemsets miss a subset of {sorted(map(str, missing))}: pass the full "
                "output of frequent_itemsets (rules need every subset's count)"
            )
        keep = _exact_ge(counts, ca, conf)
        if lift is not None:
            keep &= _exact_ge(counts * np.int64(n), ca * cc, lift)
        if not keep.any():
            continue
        ants.append(_pad(ant[keep], width))
        cons.append(_pad(con[keep], width))
        c_rule.append(counts[keep])
        c_ant.append(ca[keep])
        c_con.append(cc[keep])
    if not ants:
        df = pd.DataFrame({c: pd.Series(dtype=object if c in ("antecedent", "consequent")
                                         else (np.int64 if c.endswith("count") else float))
                           for c in _RULE_COLUMNS})
        df.attrs.update(attrs)
        return df
    A = np.concatenate(ants)
    C = np.concatenate(cons)
    cI = np.concatenate(c_rule).astype(np.int64)
    cA = np.concatenate(c_ant).astype(np.int64)
    cC = np.concatenate(c_con).astype(np.int64)
    nn = np.int64(n)
    support = cI / n
    confidence = cI / cA
    lift_v = (cI * nn) / (cA * cC)
    leverage = (cI * nn - cA * cC) / (float(n) * float(n))
    num = (nn - cC) * cA
    den = nn * (cA - cI)
    conviction = np.full(len(cI), np.inf)
    np.divide(num, den, out=conviction, where=den != 0)
    # deterministic order: lift, confidence, count (descending), then items
    keys = [C[:, c] for c in range(width - 1, -1, -1)]
    keys += [A[:, c] for c in range(width - 1, -1, -1)]
    keys += [(A >= 0).sum(axis=1), -cI, -confidence, -lift_v]
    o = np.lexsort(keys)
    A, C = A[o], C[o]

    def objects(P):
        lab = np.empty(len(labels), dtype=object)
        lab[:] = labels
        rows = P.tolist()
        return [Itemset([lab[j] for j in r if j >= 0]) for r in rows]

    df = pd.DataFrame(
        {
            "antecedent": pd.Series(objects(A), dtype=object),
            "consequent": pd.Series(objects(C), dtype=object),
            "support": support[o],
            "confidence": confidence[o],
            "lift": lift_v[o],
            "leverage": leverage[o],
            "conviction": conviction[o],
            "count": cI[o],
            "antecedent_count": cA[o],
            "consequent_count": cC[o],
        }
    )
    df.attrs.update(attrs)
    return df


def association_rules(
    baskets_or_itemsets,
    min_support,
    min_confidence,
    min_lift=None,
    max_len=None,
    multi_consequent=False,
):
    """Association rules ``antecedent => consequent`` with their metrics.

    Parameters
    ----------
    baskets_or_itemsets : Baskets or DataFrame
        Baskets to mine, or the output of :func:`frequent_itemsets` (mined at
        a support no higher than ``min_support``).
    min_support : float in (0, 1]
        Minimum support of the whole rule (antecedent and consequent
        together): ``count >= ceil(min_support * n_baskets)``, exactly.
    min_confidence : float in [0, 1]
        Keep rules with ``count >= min_confidence * antecedent_count`` in
        exact arithmetic, so a confidence of exactly 0.8 passes 0.8.
    min_lift : float >= 0, optional
        Keep rules with lift at least this, also compared exactly.
    max_len : int, optional
        Longest rule (antecedent + consequent items), like arules' ``maxlen``
        (whose default is 10; here the default is no limit).
    multi_consequent : bool, default False
        By default the consequent is a single item and the antecedent is not
        empty: arules' ``apriori(..., target = "rules")`` with ``minlen = 2``,
        the convention textbooks quote. ``True`` also lists multi-item
        consequents (mlxtend's convention).

    Returns
    -------
    pandas.DataFrame
        ``antecedent`` and ``consequent`` (:class:`Itemset`, frozensets),
        ``support``, ``confidence``, ``lift``, ``leverage``, ``conviction``
        (``inf`` when confidence is 1), ``count`` (baskets with every item of
        the rule), ``antecedent_count`` and ``consequent_count``. Sorted by
        lift, confidence and count (descending), then items. ``attrs`` records
        ``n_baskets`` so :func:`filter_rules` can filter exactly.

    Examples
    --------
    >>> from casekit.baskets import read_baskets
    >>> b = read_baskets([["a", "b"], ["a", "b"], ["a", "b"], ["a", "b"],
    ...                   ["a", "c"], ["b"], ["c"], ["c"], ["c"], ["c"]])
    >>> r = association_rules(b, min_support=0.1, min_confidence=0.8)
    >>> r[["support", "confidence", "lift", "count", "antecedent_count"]]
       support  confidence  lift  count  antecedent_count
    0      0.4         0.8   1.6      4                 5
    1      0.4         0.8   1.6      4                 5
    >>> [(str(a), str(c)) for a, c in zip(r.antecedent, r.consequent)]
    [('{a}', '{b}'), ('{b}', '{a}')]
    """
    if not isinstance(multi_consequent, (bool, np.bool_)):
        raise TypeError(f"multi_consequent must be True or False; got {multi_consequent!r}")
    sfrac = check_fraction("min_support", min_support, low_open=True)
    cfrac = check_fraction("min_confidence", min_confidence)
    lfrac = check_fraction("min_lift", min_lift, 0, None, optional=True)
    max_len = check_whole("max_len", max_len, 1, what="None or a whole number", optional=True)
    src = baskets_or_itemsets
    if isinstance(src, pd.DataFrame) and "itemset" in src.columns:
        levels, labels, n = _levels_from_frame(src, "baskets_or_itemsets")
        if max_len is not None:
            levels = [lv for lv in levels if lv[0].shape[1] <= max_len]
        min_count = _min_count(sfrac, n)
        mined_at = src.attrs.get("min_count")
        if mined_at is not None and mined_at > min_count:
            raise ValueError(
                f"min_support={min_support!r} is below the support the itemsets were mined "
                f"at ({src.attrs.get('min_support')!r}); mine them again at a lower support"
            )
    else:
        b = _as_baskets(src, "baskets_or_itemsets")
        levels, min_count = _mine_levels(b, min_support, max_len)
        labels, n = list(b.items), b.n_baskets
    attrs = {
        "n_baskets": n, "min_support": min_support, "min_confidence": min_confidence,
        "min_lift": min_lift, "min_count": min_count,
    }
    return _rules_frame(levels, labels, n, min_count, cfrac, lfrac, multi_consequent, attrs)


def filter_rules(rules, min_support=None, min_confidence=None, min_lift=None, involving=None):
    """Filter precomputed rules again, exactly and in about a millisecond.

    Meant for an explorer widget: compute the rules once at the loosest
    thresholds, then call this on every slider move.

    Parameters
    ----------
    rules : DataFrame
        Output of :func:`association_rules`.
    min_support, min_confidence, min_lift : float, optional
        Thresholds, compared in exact integer arithmetic as in
        :func:`association_rules` (``None`` leaves that metric unfiltered).
    involving : item or list of items, optional
        Keep only rules mentioning any of these items (either side).

    Returns
    -------
    pandas.DataFrame
        The matching rows, in the original order.

    Examples
    --------
    >>> from casekit.baskets import read_baskets
    >>> b = read_baskets([["a", "b"]] * 4 + [["a", "c"], ["b"], ["c"], ["c"]])
    >>> r = association_rules(b, min_support=0.1, min_confidence=0.2)
    >>> len(r), len(filter_rules(r, min_confidence=0.8)), len(filter_rules(r, involving="c"))
    (4, 2, 2)
    """
    check_frame(rules, "rules", "count", "antecedent_count", "consequent_count",
                made_by="association_rules")
    cI = rules["count"].to_numpy(dtype=np.int64)
    cA = rules["antecedent_count"].to_numpy(dtype=np.int64)
    cC = rules["consequent_count"].to_numpy(dtype=np.int64)
    keep = np.ones(len(rules), dtype=bool)
    n = rules.attrs.get("n_baskets")
    if min_support is not None:
        frac = check_fraction("min_support", min_support, low_open=True)
        if n is None:
            raise ValueError("rules.attrs['n_baskets'] is missing; min_support cannot be applied")
        keep &= cI >= _min_count(frac, int(n))
    if min_confidence is not None:
        keep &= _exact_ge(cI, cA, check_fraction("min_confidence", min_confidence))
    if min_lift is not None:
        if n is None:
            raise ValueError("rules.attrs['n_baskets'] is missing; min_lift cannot be applied")
        keep &= _exact_ge(cI * np.int64(n), cA * cC, check_fraction("min_lift", min_lift, 0, None))
    if involving is not None:
        wanted = (
            set(involving)
            if isinstance(involving, (list, tuple, set, frozenset))
            else {involving}
        )
        ante, cons = rules["antecedent"].tolist(), rules["consequent"].tolist()
        keep &= np.fromiter(
            (not wanted.isdisjoint(a) or not wanted.isdisjoint(c) for a, c in zip(ante, cons)),
            dtype=bool, count=len(rules),
        )
    return rules[keep]


#: The metrics of a rule, in the order :func:`rule_table` shows them.
_RULE_METRICS = ("support", "confidence", "lift", "leverage", "conviction", "count")


def rule_table(rules: pd.DataFrame) -> pd.DataFrame:
    """Rules as a readable table: a ``rule`` column ``{a} => {c}``, the five metrics and the count.

    >>> from casekit.baskets import read_baskets
    >>> r = association_rules(read_baskets([["a", "b"], ["a", "b"], ["a"]]), 0.5, 0.9)
    >>> rule_table(r)
              rule  support  confidence  lift  leverage  conviction  count
    0  {b} => {a}  0.666667         1.0   1.0       0.0         inf      2
    """
    check_frame(rules, "rules", "antecedent", "consequent", *_RULE_METRICS,
                made_by="casekit.baskets.association_rules")
    out = pd.DataFrame({
        "rule": [f"{a} => {c}" for a, c in zip(rules["antecedent"].map(str),
                                                rules["consequent"].map(str))],
    }, index=rules.index)
    for col in _RULE_METRICS:
        out[col] = rules[col].to_numpy()
    return out.reset_index(drop=True)
