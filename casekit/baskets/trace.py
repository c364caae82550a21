"""The teaching trace: :func:`apriori_trace` shows Apriori's join, prune and count steps level
by level, on baskets small enough to follow by hand."""
from __future__ import annotations

import numpy as np
import pandas as pd

from casekit.baskets.data import Itemset, _as_baskets
from casekit.baskets.miner import _min_count
from casekit.checks import check_fraction, check_whole

# --------------------------------------------------------------------------- teaching


def apriori_trace(baskets, min_support, max_len=None):
    """The Apriori algorithm step by step: candidates, pruning and counts.

    Level 1 counts every item. At level k the **join** step pairs frequent
    (k-1)-itemsets that share all but their last item; the **prune** step
    drops a candidate when one of its (k-1)-subsets is not frequent (so it
    cannot be frequent: the Apriori principle); the survivors are counted
    and kept when ``count >= ceil(min_support * n_baskets)``.

    Meant for small data (each candidate is counted on its own); use
    :func:`frequent_itemsets` for real work.

    Parameters
    ----------
    baskets : Baskets
        From :func:`read_baskets` (anything it accepts is read first).
    min_support : float in (0, 1]
    max_len : int, optional
        Stop after this level.

    Returns
    -------
    pandas.DataFrame
        One row per candidate: ``level``, ``itemset`` (:class:`Itemset`),
        ``count`` and ``support`` (missing for pruned candidates, which are
        never counted) and ``status``: ``"pruned"``, ``"infrequent"`` or
        ``"frequent"``.

    Examples
    --------
    >>> from casekit.baskets import read_baskets
    >>> b = read_baskets([["a", "b", "c"], ["a", "b"], ["a", "c"], ["b", "c"], ["a", "d"]])
    >>> t = apriori_trace(b, min_support=0.4)
    >>> t.assign(itemset=t.itemset.map(str))
       level    itemset  count  support      status
    0      1        {a}      4      0.8    frequent
    1      1        {b}      3      0.6    frequent
    2      1        {c}      3      0.6    frequent
    3      1        {d}      1      0.2  infrequent
    4      2     {a, b}      2      0.4    frequent
    5      2     {a, c}      2      0.4    frequent
    6      2     {b, c}      2      0.4    frequent
    7      3  {a, b, c}      1      0.2  infrequent
    """
    b = _as_baskets(baskets)
    frac = check_fraction("min_support", min_support, low_open=True)
    max_len = check_whole("max_len", max_len, 1, what="None or a whole number", optional=True)
    n = b.n_baskets
    min_count = _min_count(frac, n)
    labels = b.items
    csc = b.matrix.tocsc()

    def column_bits(j):
        col = np.zeros(n, dtype=bool)
        col[csc.indices[csc.indptr[j]:csc.indptr[j + 1]]] = True
        return np.packbits(col)

    rows = []
    counts1 = np.diff(csc.indptr)
    item_bits = {}
    frequent = []
    for j in range(len(labels)):
        c = int(counts1[j])
        status = "frequent" if c >= min_count else "infrequent"
        rows.append((1, (j,), c, status))
        if status == "frequent":
            frequent.append((j,))
            item_bits[j] = column_bits(j)
    bits = {(j,): v for j, v in item_bits.items()}
    k = 1
    while frequent and (max_len is None or k < max_len):
        k += 1
        prev = set(frequent)
        new_frequent, new_bits = [], {}
        for a in range(len(frequent)):
            for c in range(a + 1, len(frequent)):
                x, y = frequent[a], frequent[c]
                if x[:-1] != y[:-1]:
                    break  # sorted: no later itemset shares x's prefix
                cand = x + (y[-1],)  # join step
                if any(cand[:i] + cand[i + 1:] not in prev for i in range(k - 2)):
                    rows.append((k, cand, None, "pruned"))  # prune step
                    continue
                cb = np.bitwise_and(bits[x], item_bits[y[-1]])
                cnt = int(np.bitwise_count(cb).sum())
                status = "frequent" if cnt >= min_count else "infrequent"
                rows.append((k, cand, cnt, status))
                if status == "frequent":
                    new_frequent.append(cand)
                    new_bits[cand] = cb
        frequent, bits = new_frequent, new_bits
    lab = labels
    counts = pd.array([r[2] for r in rows], dtype="Int64")
    df = pd.DataFrame(
        {
            "level": np.array([r[0] for r in rows], dtype=np.int64),
            "itemset": pd.Series([Itemset(lab[j] for j in r[1]) for r in rows], dtype=object),
            "count": counts,
            "support": np.array([np.nan if r[2] is None else r[2] / n for r in rows]),
            "status": pd.Series([r[3] for r in rows], dtype=object),
        }
    )
    df.attrs.update({"n_baskets": n, "min_support": min_support, "min_count": min_count})
    return df
