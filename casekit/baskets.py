"""Market-basket analysis: frequent itemsets and association rules.

Chapter 4 (Walmart and data mining) asks which products sell together. This
module answers it the way R's *arules* does, so the numbers a textbook quotes
can be reproduced exactly, and fast enough for a million baskets:

* :func:`read_baskets` turns a ``groceries.csv``-style file, a list of lists,
  a Series of lists or a long ``basket``/``item`` table into :class:`Baskets`;
* :func:`frequent_itemsets` lists every itemset bought in at least
  ``min_support`` of the baskets;
* :func:`association_rules` turns them into rules ``{A} => {c}`` with
  support, confidence, lift, leverage and conviction;
* :func:`filter_rules` re-filters precomputed rules in about a millisecond
  (for an explorer widget);
* :func:`apriori_trace` shows the Apriori algorithm's join, prune and count
  steps level by level, for teaching.

Thresholds are applied to exact integer counts, like the minimum count arules
derives from its support: an itemset is frequent when
``count >= ceil(min_support * n_baskets)`` and a rule is kept when
``count >= min_confidence * antecedent_count``, both in exact rational
arithmetic, reading a float threshold as the decimal it was written as
(``0.8`` is 8/10, not the binary float nearest to it). A rule whose confidence
is exactly 0.8 is therefore kept at ``min_confidence=0.8``, where a ratio of
floating-point supports can land just below 0.8 and silently drop it.

>>> from casekit.baskets import read_baskets, association_rules
>>> b = read_baskets([["bread", "milk"], ["bread", "diapers", "beer", "eggs"],
...                   ["milk", "diapers", "beer", "cola"],
...                   ["bread", "milk", "diapers", "beer"],
...                   ["bread", "milk", "diapers", "cola"]])
>>> b
Baskets(5 baskets, 6 items, 0 empty, mean size 3.6)
>>> rules = association_rules(b, min_support=0.6, min_confidence=1.0)
>>> [(sorted(r.antecedent), sorted(r.consequent), r.count) for r in rules.itertuples()]
[(['beer'], ['diapers'], 3)]
"""
from __future__ import annotations

import csv
import math
import numbers
import os
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd
from scipy import sparse

from casekit.checks import check_fraction, check_frame, check_whole

__all__ = [
    "Baskets",
    "Itemset",
    "apriori_trace",
    "association_rules",
    "filter_rules",
    "frequent_itemsets",
    "read_baskets",
]

# The miner works through each level in runs of at most this many emitted
# positions plus count-table cells, so its peak memory stays bounded whatever
# the size of the data (about 40 bytes per unit: some 80 MiB).
_RUN_BUDGET = 1 << 21


# --------------------------------------------------------------------------- labels


def _label_key(x):
    """Sort key that orders labels naturally and never fails on mixed types."""
    if isinstance(x, str):
        return (1, "", x)
    if isinstance(x, numbers.Real) and not isinstance(x, bool):
        return (0, "", float(x))
    return (2, type(x).__name__, repr(x))


def _sorted_labels(labels):
    try:
        return sorted(labels)
    except TypeError:
        return sorted(labels, key=_label_key)


class Itemset(frozenset):
    """A frozenset of items that lists its items in sorted order.

    It is a ``frozenset`` in every respect (equal to and hashed like the plain
    frozenset of the same items), but iterating over it and printing it give
    the items sorted, so tables of rules read the same on every run.

    >>> s = Itemset(["milk", "bread"])
    >>> s
    Itemset({'bread', 'milk'})
    >>> list(s), s == frozenset({"bread", "milk"})
    (['bread', 'milk'], True)
    """

    __slots__ = ()

    def __iter__(self):
        items = list(frozenset.__iter__(self))
        try:
            items.sort()
        except TypeError:
            items.sort(key=_label_key)
        return iter(items)

    def __repr__(self):
        if not self:
            return "Itemset()"
        return "Itemset({" + ", ".join(repr(x) for x in self) + "})"

    def __str__(self):
        return "{" + ", ".join(str(x) for x in self) + "}"


# --------------------------------------------------------------------------- validation


def _min_count(frac, n):
    """Smallest integer count c with c >= frac * n, exactly (never below 1)."""
    return max(1, math.ceil(frac * n))


def _exact_ge(num, den, frac):
    """Elementwise ``num / den >= frac`` for non-negative integer arrays, exactly."""
    p, q = frac.numerator, frac.denominator
    num = np.asarray(num, dtype=np.int64)
    den = np.asarray(den, dtype=np.int64)
    big = max(int(num.max(initial=0)) * q, int(den.max(initial=0)) * p)
    if big < 2**62:
        return num * q >= den * p
    # Python integers never overflow: slower, but only for extreme thresholds.
    lhs = num.astype(object) * q
    rhs = den.astype(object) * p
    return np.asarray(lhs >= rhs, dtype=bool)


# --------------------------------------------------------------------------- Baskets


class Baskets:
    """Baskets (transactions) as a sparse basket × item boolean matrix.

    Build one with :func:`read_baskets` (or :meth:`from_matrix`).

    Attributes
    ----------
    matrix : scipy.sparse.csr_array
        Boolean matrix of shape ``(n_baskets, n_items)``; row ``i`` marks the
        items in basket ``i``.
    items : tuple
        Item labels, sorted; column ``j`` of ``matrix`` is ``items[j]``.
    ids : pandas.Index
        Basket labels (line numbers of a file, the Series index, the values of
        the ``basket`` column ...), one per row.
    n_baskets : int
        Number of baskets, empty ones included: the denominator of support.
    n_empty : int
        Number of baskets without any item. They count in ``n_baskets``, as
        they do in arules, so they lower every support.

    Examples
    --------
    >>> b = read_baskets([["tea", "milk"], ["tea"], []])
    >>> b
    Baskets(3 baskets, 2 items, 1 empty, mean size 1.0)
    >>> len(b), b.n_items, b.items
    (3, 2, ('milk', 'tea'))
    >>> b.item_counts
    item
    tea     2
    milk    1
    Name: count, dtype: int64
    >>> b.to_lists()
    [['milk', 'tea'], ['tea'], []]
    """

    def __init__(self, matrix, items, ids=None):
        if not sparse.issparse(matrix):
            raise TypeError(f"matrix must be a scipy.sparse matrix; got {type(matrix).__name__}")
        matrix = sparse.csr_array(matrix)
        if matrix.dtype != bool:
            matrix = matrix.astype(bool)
        if not matrix.has_canonical_format or not matrix.data.all():
            matrix = matrix.copy()  # never modify the caller's arrays
            matrix.sum_duplicates()
            matrix.eliminate_zeros()
        if matrix.indices.dtype != np.int32 and matrix.nnz < 2**31 - 1:
            matrix = sparse.csr_array(
                (matrix.data, matrix.indices.astype(np.int32), matrix.indptr.astype(np.int32)),
                shape=matrix.shape,
            )
        items = tuple(items)
        if matrix.shape[1] != len(items):
            raise ValueError(
                f"items has {len(items)} labels but matrix has {matrix.shape[1]} columns"
            )
        if len(set(items)) != len(items):
            raise ValueError("items must be distinct labels")
        n = matrix.shape[0]
        if n == 0:
            raise ValueError("there are no baskets: the input is empty")
        self.matrix = matrix
        self.items = items
        self.ids = pd.RangeIndex(n) if ids is None else pd.Index(ids)
        if len(self.ids) != n:
            raise ValueError(f"ids has {len(self.ids)} labels but there are {n} baskets")
        self.n_baskets = int(n)
        self.n_empty = int(np.count_nonzero(np.diff(matrix.indptr) == 0))

    @classmethod
    def from_matrix(cls, matrix, items=None, ids=None):
        """Baskets from a basket × item 0/1 matrix (dense or scipy.sparse).

        Parameters
        ----------
        matrix : array-like or scipy.sparse matrix of shape (n_baskets, n_items)
            Non-zero entries mark the items in each basket.
        items : sequence, optional
            Column labels (default ``0 .. n_items-1``). Columns are reordered
            so that the labels are sorted.
        ids : sequence, optional
            Basket labels.

        Examples
        --------
        >>> Baskets.from_matrix([[1, 0, 1], [0, 1, 1]], items=["c", "b", "a"]).to_lists()
        [['a', 'c'], ['a', 'b']]
        """
        if not sparse.issparse(matrix):
            arr = np.asarray(matrix)
            if arr.ndim != 2:
                raise ValueError(f"matrix must be 2-dimensional; got shape {arr.shape}")
            matrix = sparse.csr_array(arr != 0)
        else:
            matrix = sparse.csr_array(matrix)
            matrix.data = matrix.data != 0
        if items is None:
            items = range(matrix.shape[1])
        items = list(items)
        if len(items) != matrix.shape[1]:
            raise ValueError(
                f"items has {len(items)} labels but matrix has {matrix.shape[1]} columns"
            )
        _check_hashable(items, "items")
        try:
            order = sorted(range(len(items)), key=items.__getitem__)
        except TypeError:
            order = sorted(range(len(items)), key=lambda j: _label_key(items[j]))
        if order != list(range(len(items))):
            matrix = matrix[:, order]
            items = [items[j] for j in order]
        return cls(matrix, items, ids)

    def __len__(self):
        return self.n_baskets

    @property
    def n_items(self):
        """Number of distinct items."""
        return len(self.items)

    @property
    def sizes(self):
        """Number of items in each basket (numpy array)."""
        return np.diff(self.matrix.indptr)

    @property
    def item_counts(self):
        """Number of baskets containing each item, most frequent first (Series)."""
        counts = np.bincount(self.matrix.indices, minlength=self.n_items)
        s = pd.Series(counts, index=pd.Index(self.items, name="item", dtype=object), name="count")
        order = np.lexsort((np.arange(self.n_items), -counts))
        return s.iloc[order]

    def to_lists(self):
        """The baskets as lists of items (sorted within each basket)."""
        labels = self.items
        ptr, idx = self.matrix.indptr, self.matrix.indices.tolist()
        return [[labels[j] for j in idx[ptr[i]:ptr[i + 1]]] for i in range(self.n_baskets)]

    def __repr__(self):
        mean = self.matrix.nnz / self.n_baskets
        return (
            f"Baskets({self.n_baskets} baskets, {self.n_items} items, "
            f"{self.n_empty} empty, mean size {mean:.1f})"
        )


def _check_hashable(items, name):
    for x in items:
        try:
            hash(x)
        except TypeError:
            raise TypeError(
                f"{name} must hold hashable items (str, int ...); got {x!r} "
                f"({type(x).__name__})"
            ) from None


def _is_missing(x):
    if x is None or x is pd.NA or x is pd.NaT:
        return True
    return isinstance(x, (float, np.floating)) and x != x


def _from_lists(baskets, ids, what):
    index = {}
    codes = []
    ptr = [0]
    for i, basket in enumerate(baskets):
        label = ids[i] if ids is not None else i
        if isinstance(basket, (str, bytes)) or not isinstance(basket, Iterable):
            raise TypeError(
                f"{what}: basket {label!r} is {basket!r} ({type(basket).__name__}); each "
                "basket must be a list (or set, tuple, array) of items; wrap a single item "
                "as [item]"
            )
        for x in basket:
            if isinstance(x, str):
                x = x.strip()
                if not x:
                    continue
            elif _is_missing(x):
                raise ValueError(
                    f"{what}: basket {label!r} holds a missing item ({x!r}); items must be "
                    "actual values: drop the missing ones first"
                )
            try:
                code = index.get(x)
            except TypeError:
                raise TypeError(
                    f"{what}: basket {label!r} holds {x!r} ({type(x).__name__}), which is "
                    "not hashable; items must be hashable values such as str or int"
                ) from None
            if code is None:
                code = index[x] = len(index)
            codes.append(code)
        ptr.append(len(codes))
    n = len(ptr) - 1
    if n == 0:
        raise ValueError(f"{what} holds no baskets: the input is empty")
    labels = list(index)
    ptr = np.asarray(ptr, dtype=np.int64)
    rows = np.repeat(np.arange(n, dtype=np.int64), np.diff(ptr))
    return _assemble(rows, np.asarray(codes, dtype=np.int64), n, labels, ids)


def _assemble(rows, codes, n, labels, ids):
    """Baskets from (basket number, item code) pairs: repeats allowed, any order."""
    try:
        order = sorted(range(len(labels)), key=labels.__getitem__)
    except TypeError:
        order = sorted(range(len(labels)), key=lambda j: _label_key(labels[j]))
    rank = np.empty(len(labels), dtype=np.int32)
    rank[order] = np.arange(len(labels), dtype=np.int32)
    # COO -> CSR is a counting sort; sum_duplicates sorts each row and merges repeats
    matrix = sparse.coo_array(
        (np.ones(len(codes), dtype=np.int8), (rows, rank[codes])), shape=(n, len(labels))
    ).tocsr()
    matrix.sum_duplicates()
    matrix.data = np.ones(matrix.nnz, dtype=bool)
    return Baskets(matrix, [labels[j] for j in order], ids)


def _read_file(path, sep, encoding):
    with open(path, encoding=encoding, newline="") as fh:
        lines = fh.read().splitlines()
    if len(sep) == 1:
        rows = csv.reader(lines, delimiter=sep)
    else:
        rows = (line.split(sep) for line in lines)
    return _from_lists(rows, None, f"file {os.fspath(path)!r}")


def _from_long(df, basket, item):
    for arg, col in (("basket", basket), ("item", item)):
        if col not in df.columns:
            raise ValueError(
                f"{arg}={col!r} is not a column of the DataFrame; its columns are "
                f"{list(df.columns)!r} (pass basket=... and item=... to name them)"
            )
    if df[basket].isna().any():
        raise ValueError(f"column {basket!r} (basket) has missing values; every row needs a basket")
    try:
        bcode, bids = pd.factorize(df[basket], sort=False)
        icode, ilabels = pd.factorize(df[item], sort=False, use_na_sentinel=True)
    except TypeError as exc:
        raise TypeError(
            f"the basket and item columns must hold hashable values such as str or int ({exc})"
        ) from None
    # strip whitespace on the (few) distinct labels, then merge labels that became equal
    merged = {}
    remap = np.empty(len(ilabels) + 1, dtype=np.int64)
    remap[-1] = -1  # icode -1 (missing item) stays -1
    for j, x in enumerate(ilabels):
        if isinstance(x, str):
            x = x.strip()
        remap[j] = -1 if x == "" else merged.setdefault(x, len(merged))
    icode = remap[np.asarray(icode, dtype=np.int64)]
    ilabels = list(merged)
    icode = np.asarray(icode, dtype=np.int64)
    keep = icode >= 0
    bcode = np.asarray(bcode, dtype=np.int64)
    n = len(bids)
    if n == 0:
        raise ValueError("the DataFrame has no rows: the input is empty")
    return _assemble(bcode[keep], icode[keep], n, ilabels, pd.Index(bids))


def _from_onehot(df):
    bad = [c for c in df.columns if not (pd.api.types.is_bool_dtype(df[c]))]
    if bad:
        raise ValueError(
            f"a one-hot DataFrame must have only boolean columns; {bad[:5]!r} are not "
            "(use df.astype(bool)), or pass a long table with basket=... and item=... columns"
        )
    if hasattr(df, "sparse") and all(isinstance(t, pd.SparseDtype) for t in df.dtypes):
        matrix = sparse.csr_array(df.sparse.to_coo())
    else:
        matrix = sparse.csr_array(df.to_numpy(dtype=bool))
    return Baskets.from_matrix(matrix, list(df.columns), ids=df.index)


def read_baskets(source, sep=",", basket="basket", item="item", *, encoding="utf-8"):
    """Read baskets (transactions) from a file, lists, a Series or a DataFrame.

    Parameters
    ----------
    source : str, path, list of lists, dict, pandas.Series or pandas.DataFrame
        * a path to a text file with one basket per line and items separated by
          ``sep`` (the ``groceries.csv`` layout); a blank line is an empty basket;
        * a list (or any iterable) of baskets, each a list/set/tuple of items;
        * a dict ``{basket_id: items}`` or a Series of lists (the index gives
          the basket ids);
        * a long DataFrame with one row per (basket, item), columns named by
          ``basket`` and ``item``; a row whose item is missing marks a basket
          with no item;
        * a one-hot boolean DataFrame (one column per item, mlxtend's layout);
        * a :class:`Baskets`, returned as is.
    sep : str, default ","
        Item separator in a file (quoted items may contain it).
    basket, item : str, default "basket", "item"
        Column names of a long DataFrame.
    encoding : str, default "utf-8"
        Text encoding of a file.

    Returns
    -------
    Baskets
        Whitespace around item names is stripped, blank names are dropped,
        an item repeated in a basket counts once, and empty baskets are kept
        (they count in the denominator of support; see ``n_empty``).

    Raises
    ------
    TypeError
        For an unsupported ``source``, a basket that is not a collection,
        or an item that is not hashable.
    ValueError
        For empty input, missing items in lists, or missing columns.
    FileNotFoundError
        When ``source`` is a path that does not exist.

    Examples
    --------
    >>> b = read_baskets([[" milk", "bread", "milk"], ["beer"], []])
    >>> b
    Baskets(3 baskets, 3 items, 1 empty, mean size 1.0)
    >>> b.to_lists()
    [['bread', 'milk'], ['beer'], []]
    >>> import pandas as pd
    >>> lines = pd.DataFrame({"trip": [7, 7, 9], "sku": ["tea", "jam", "tea"]})
    >>> read_baskets(lines, basket="trip", item="sku").to_lists()
    [['jam', 'tea'], ['tea']]
    """
    if isinstance(source, Baskets):
        return source
    if not isinstance(sep, str) or sep == "":
        raise ValueError(f"sep must be a non-empty string; got {sep!r}")
    if isinstance(source, (str, os.PathLike)):
        if not os.path.isfile(source):
            raise FileNotFoundError(
                f"source={os.fspath(source)!r} is not an existing file; pass a path to a "
                "text file with one basket per line, or the baskets themselves"
            )
        return _read_file(source, sep, encoding)
    if isinstance(source, pd.DataFrame):
        if basket in source.columns or item in source.columns:
            return _from_long(source, basket, item)
        if len(source.columns) and all(pd.api.types.is_bool_dtype(t) for t in source.dtypes):
            return _from_onehot(source)
        return _from_long(source, basket, item)  # raises, naming the missing column
    if isinstance(source, pd.Series):
        return _from_lists(source.tolist(), list(source.index), "source")
    if isinstance(source, Mapping):
        return _from_lists(list(source.values()), list(source.keys()), "source")
    if sparse.issparse(source):
        raise TypeError(
            "source is a scipy.sparse matrix; use Baskets.from_matrix(matrix, items) instead"
        )
    if isinstance(source, bytes) or not isinstance(source, Iterable):
        raise TypeError(
            f"source must be a path, a list of lists, a dict, a Series of lists or a "
            f"DataFrame; got {type(source).__name__}"
        )
    return _from_lists(list(source), None, "source")


def _as_baskets(obj, name="baskets"):
    if isinstance(obj, Baskets):
        return obj
    if isinstance(obj, (str, os.PathLike, list, tuple, Mapping, pd.Series, pd.DataFrame)):
        return read_baskets(obj)
    raise TypeError(
        f"{name} must be Baskets (see read_baskets), a path, a list of lists, a Series "
        f"or a DataFrame; got {type(obj).__name__}"
    )


# --------------------------------------------------------------------------- mining
#
# The miner enumerates itemsets in a prefix tree, level by level, "thinking in
# columns". Frequent items are renumbered from the rarest (0) to the most
# frequent, and each basket is kept as its sorted list of frequent item numbers
# in one flat array ``col`` (CSR layout). An occurrence of an itemset P in a
# basket is stored as the position in ``col`` of P's largest item; the items
# that can extend P in that basket are exactly the positions after it up to the
# end of the basket (``row_end``). For a batch of prefixes, every such position
# is emitted at once with numpy, counted with one ``bincount`` over
# (prefix, item) cells, and the positions of the frequent extensions become the
# occurrences of the next level. Counts are exact, so no candidate needs a
# subset check, and the work is proportional to the occurrences of frequent
# prefixes only, never to the number of baskets times the number of items.


def _group_sort(ids, n_groups):
    """Stable order that groups ``ids`` (radix passes on 16-bit digits)."""
    if n_groups <= 1 << 16:
        return np.argsort(ids.astype(np.uint16), kind="stable")
    order = np.argsort((ids & 0xFFFF).astype(np.uint16), kind="stable")
    hi = (ids[order] >> 16).astype(np.uint16)
    return order[np.argsort(hi, kind="stable")]


def _mine(matrix, min_count, max_len):
    """Frequent itemsets of a CSR boolean matrix.

    Returns a list, one entry per length k, of ``(sets, counts)`` where
    ``sets`` is an int array (m_k, k) of column numbers and ``counts`` the
    number of baskets containing each set.
    """
    n, m = matrix.shape
    item_counts = np.bincount(matrix.indices, minlength=m).astype(np.int64)
    freq = np.flatnonzero(item_counts >= min_count)
    levels = [(freq.reshape(-1, 1), item_counts[freq])]
    if len(freq) < 2 or max_len == 1:
        return levels
    # Internal numbering: rarest frequent item first, so a prefix is extended
    # by more frequent items (fewer frequent prefixes, less work at low support).
    order = freq[np.lexsort((freq, item_counts[freq]))]
    nf = len(order)
    rank = np.full(m, nf, dtype=np.int32)  # infrequent items get nf ...
    rank[order] = np.arange(nf, dtype=np.int32)
    ranked = rank[matrix.indices]
    idx_t = np.int32 if matrix.nnz < 2**31 - 1 else np.int64
    work = sparse.csr_array(
        (ranked < nf, ranked.astype(idx_t, copy=False), matrix.indptr.astype(idx_t)),
        shape=(n, nf + 1),
    )
    del ranked
    work.has_sorted_indices = False
    work.sort_indices()
    work.eliminate_zeros()  # ... and are dropped here
    # item numbers in basket order; int16 halves the memory traffic of the gathers
    col = work.indices.astype(np.int16 if nf < 2**15 else np.int32)
    pos_t = np.int32 if len(col) < 2**31 - 1 else np.int64
    row_end = np.repeat(work.indptr[1:].astype(pos_t), np.diff(work.indptr))
    del work
    # level 1: the positions of each item, grouped by item
    occ = _group_sort(col.astype(np.int64), nf).astype(pos_t)
    ptr = np.concatenate([[0], np.cumsum(np.bincount(col, minlength=nf))]).astype(np.int64)
    sets = np.arange(nf, dtype=np.int64).reshape(-1, 1)
    expand = np.ones(nf, dtype=bool)
    k = 1
    while sets.shape[0] and expand.any() and (max_len is None or k < max_len):
        sets, counts, occ, ptr, expand = _next_level(
            sets, occ, ptr, expand, col, row_end, nf, min_count,
            keep_occ=max_len is None or k + 1 < max_len,
        )
        k += 1
        if sets.shape[0]:
            levels.append((order[sets], counts))
    return levels


def _next_level(sets, occ, ptr, expand, col, row_end, nf, min_count, keep_occ):
    """Children of every expandable prefix of one level, with their occurrences."""
    m_k, k = sets.shape
    lens_all = row_end[occ] - occ
    lens_all -= 1
    seg = np.diff(ptr)
    work = np.zeros(m_k, np.int64)
    if occ.size:
        work[seg > 0] = np.add.reduceat(lens_all, ptr[:-1][seg > 0], dtype=np.int64)
    work[~expand] = 0
    # count-table width of each prefix: the items after its last one
    width = (nf - 1 - sets[:, -1]).astype(np.int64)
    todo = np.flatnonzero(work)
    # runs of prefixes whose emitted positions plus count-table cells fit the budget
    cost = np.cumsum(work[todo] + width[todo])
    out = []
    i = 0
    while i < len(todo):
        base = cost[i - 1] if i else 0
        j = max(i + 1, int(np.searchsorted(cost, base + _RUN_BUDGET, side="right")))
        res = _count_run(todo[i:j], sets, occ, ptr, lens_all, width, col, nf, min_count,
                         keep_occ)
        i = j
        if res is not None:
            out.append(res)
    if not out:
        empty = np.empty(0, np.int64)
        return np.empty((0, k + 1), np.int64), empty, empty, np.zeros(1, np.int64), np.zeros(0, bool)
    parent = np.concatenate([r[0] for r in out])
    new_sets = np.concatenate([sets[parent], np.concatenate([r[1] for r in out])[:, None]], axis=1)
    new_counts = np.concatenate([r[2] for r in out])
    new_expand = np.concatenate([r[3] for r in out])
    if keep_occ:
        new_occ = np.concatenate([r[4] for r in out])
        new_ptr = np.concatenate([[0], np.cumsum(np.concatenate([r[5] for r in out]))])
    else:
        new_occ = np.empty(0, occ.dtype)
        new_ptr = np.zeros(len(new_sets) + 1, np.int64)
        new_expand[:] = False
    return new_sets, new_counts, new_occ, new_ptr.astype(np.int64), new_expand


def _count_run(run, sets, occ, ptr, lens_all, width, col, nf, min_count, keep_occ):
    """Count every one-item extension of the prefixes ``run`` with one bincount.

    Each occurrence (position p of the prefix's last item in basket t) emits
    positions p+1 .. end(t)-1, which hold exactly the items that can extend
    the prefix in that basket. Prefix r owns the count-table cells
    ``off[r] .. off[r] + width[r]``, one per item after its last item. The
    emitted positions and their cells are built with cumulative sums of jumps
    (cheaper than np.repeat).
    """
    g = len(run)
    seg = ptr[run + 1] - ptr[run]
    if g == 1 or run[-1] - run[0] == g - 1:  # consecutive prefixes: one slice
        sl = slice(ptr[run[0]], ptr[run[-1] + 1])
        r_occ, lens = occ[sl], lens_all[sl]
    else:
        idx = np.repeat(ptr[run] - np.cumsum(seg) + seg, seg) + np.arange(seg.sum())
        r_occ, lens = occ[idx], lens_all[idx]
    w = width[run]
    off = np.concatenate([[0], np.cumsum(w)])
    # per occurrence: cell of its first emitted item minus that item's number
    shift = np.repeat(off[:-1] - (nf - w), seg)
    nz = np.flatnonzero(lens)
    l_nz = lens[nz].astype(np.int64)
    total = int(l_nz.sum())
    if total == 0:
        return None
    first = np.cumsum(l_nz) - l_nz
    starts = r_occ[nz].astype(np.int64) + 1
    jumps = starts.copy()
    jumps[1:] -= starts[:-1] + l_nz[:-1] - 1
    q = np.ones(total, dtype=np.int64)
    q[first] = jumps
    np.cumsum(q, out=q)
    sh = shift[nz]
    kj = sh.copy()
    kj[1:] -= sh[:-1]
    key = np.zeros(total, dtype=np.int64)
    key[first] = kj
    np.cumsum(key, out=key)
    key += col[q]
    counts = np.bincount(key, minlength=int(off[-1]))
    fk = np.flatnonzero(counts >= min_count)
    if fk.size == 0:
        return None
    owner = np.searchsorted(off, fk, side="right") - 1
    parent = run[owner]
    item = fk - off[owner] + (nf - w[owner])
    fcounts = counts[fk]
    del counts
    # a child can grow only if a later sibling (same parent) is frequent too
    exp = np.zeros(fk.size, dtype=bool)
    exp[:-1] = owner[1:] == owner[:-1]
    if not keep_occ or not exp.any():
        return parent, item, fcounts, exp, np.empty(0, occ.dtype), np.zeros(fk.size, np.int64)
    # keep the occurrences of the children that can grow, grouped child by child
    grow = fk[exp]
    lut = np.full(int(off[-1]), -1, dtype=np.int32 if grow.size < 2**31 else np.int64)
    lut[grow] = np.arange(grow.size)
    sel = lut[key]
    del key, lut
    mask = sel >= 0
    ids = sel[mask]
    kept = q[mask].astype(occ.dtype)
    del q, sel, mask
    child_occ = kept[_group_sort(ids, grow.size)]
    child_seg = np.zeros(fk.size, np.int64)
    child_seg[exp] = np.bincount(ids, minlength=grow.size)
    return parent, item, fcounts, exp, child_occ, child_seg


# --------------------------------------------------------------------------- itemsets


def _rank_sort_levels(levels):
    """Sort each level's rows by (count desc, items) in label order (= column order)."""
    out = []
    for sets, counts in levels:
        sets = np.sort(sets, axis=1)
        keys = [sets[:, c] for c in range(sets.shape[1] - 1, -1, -1)] + [-counts]
        o = np.lexsort(keys)
        out.append((sets[o], counts[o]))
    return out


def _itemset_objects(sets, labels):
    lab = np.empty(len(labels), dtype=object)
    lab[:] = labels
    return [Itemset(row) for row in lab[sets].tolist()]


def _levels_frame(levels, labels, n, attrs):
    parts_sets, parts_counts, parts_len = [], [], []
    for sets, counts in levels:
        parts_sets.extend(_itemset_objects(sets, labels))
        parts_counts.append(counts)
        parts_len.append(np.full(len(counts), sets.shape[1], dtype=np.int64))
    counts = np.concatenate(parts_counts) if parts_counts else np.empty(0, np.int64)
    lengths = np.concatenate(parts_len) if parts_len else np.empty(0, np.int64)
    itemsets = pd.Series(parts_sets, dtype=object)
    df = pd.DataFrame(
        {
            "itemset": itemsets,
            "support": counts / n,
            "count": counts.astype(np.int64),
            "length": lengths,
        }
    )
    df.attrs.update(attrs)
    return df


def _mine_levels(b, min_support, max_len):
    frac = check_fraction("min_support", min_support, low_open=True)
    max_len = check_whole("max_len", max_len, 1, what="None or a whole number", optional=True)
    min_count = _min_count(frac, b.n_baskets)
    levels = _rank_sort_levels(_mine(b.matrix, min_count, max_len))
    return levels, min_count


def frequent_itemsets(baskets, min_support, max_len=None):
    """Every itemset contained in at least ``min_support`` of the baskets.

    Parameters
    ----------
    baskets : Baskets
        From :func:`read_baskets` (anything it accepts is read first).
    min_support : float in (0, 1]
        Minimum share of baskets. An itemset is frequent when its count is
        at least ``ceil(min_support * n_baskets)``, computed exactly.
    max_len : int, optional
        Longest itemset to report (default: no limit).

    Returns
    -------
    pandas.DataFrame
        Columns ``itemset`` (:class:`Itemset`, a frozenset), ``support``,
        ``count`` (baskets containing the itemset) and ``length``; sorted by
        length, then count (descending), then items. ``attrs`` records
        ``n_baskets``, ``min_support`` and ``min_count``.

    Examples
    --------
    >>> b = read_baskets([["a", "b"], ["a", "b", "c"], ["a", "c"], ["b"]])
    >>> fi = frequent_itemsets(b, min_support=0.5)
    >>> fi.assign(itemset=fi.itemset.map(str))
        itemset  support  count  length
    0       {a}     0.75      3       1
    1       {b}     0.75      3       1
    2       {c}     0.50      2       1
    3    {a, b}     0.50      2       2
    4    {a, c}     0.50      2       2
    >>> fi.attrs["min_count"]
    2
    """
    b = _as_baskets(baskets)
    levels, min_count = _mine_levels(b, min_support, max_len)
    attrs = {"n_baskets": b.n_baskets, "min_support": min_support, "min_count": min_count}
    return _levels_frame(levels, b.items, b.n_baskets, attrs)


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
