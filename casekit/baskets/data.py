"""Baskets and itemsets as data: :class:`Itemset`, :class:`Baskets` and :func:`read_baskets`
(a ``groceries.csv``-style file, a list of lists, a Series of lists, a long ``basket``/``item``
table or a one-hot table), stored as one sparse basket × item matrix."""
from __future__ import annotations

import csv
import numbers
import os
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd
from scipy import sparse

from casekit.i18n import _

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
        # Constructor-like in form, but a summary for readers (not code that rebuilds the
        # object), so its words are the reader's language; the class name stays.
        return _("Baskets({n} baskets, {items} items, {empty} empty, mean size {mean:.1f})").format(
            n=self.n_baskets, items=self.n_items, empty=self.n_empty,
            mean=self.matrix.nnz / self.n_baskets)


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
