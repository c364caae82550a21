"""The frequent-itemset miner: exact integer thresholds and a level-wise, column-at-a-time
enumeration over the sparse basket matrix (see the comment above :func:`_mine`), or, when
there are few frequent items, counts on bitsets (the comment above :func:`_bitsets_cheaper`),
and :func:`frequent_itemsets`, its public face."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import sparse

from casekit.baskets.data import Itemset, _as_baskets
from casekit.checks import check_fraction, check_whole

# The miner works through each level in runs of at most this many emitted
# positions plus count-table cells (or bitset words), so its peak memory stays
# bounded whatever the size of the data (about 40 bytes per unit: some 80 MiB).
_RUN_BUDGET = 1 << 21

# --------------------------------------------------------------------------- thresholds


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
    work.eliminate_zeros()  # ... and are dropped here
    if _bitsets_cheaper(work, nf):
        return levels + [(order[sets], counts) for sets, counts in
                         _bitset_levels(work, nf, min_count, max_len)]
    work.sort_indices()
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


# With few frequent items, counting on bitsets is cheaper: item i's row of ``bits`` marks
# the baskets holding it, 64 to a word, and a candidate's count is the number of bits set
# in the AND of its items' rows. The candidates of level k + 1 join two frequent k-sets
# that differ only in their last item (Apriori's join), so a level costs its candidates
# times the words per row, whatever the size of the baskets.


def _bitsets_cheaper(work, nf):
    """Do bitsets count the pairs with fewer words than there are positions to emit?"""
    sizes = np.diff(work.indptr).astype(np.int64)
    positions = int((sizes * (sizes - 1) // 2).sum())
    return nf * (nf - 1) // 2 * -(-work.shape[0] // 64) < positions


def _bitset_levels(work, nf, min_count, max_len):
    """Levels 2, 3 ... as ``(sets, counts)``, counted on bitsets (see the comment above)."""
    n = work.shape[0]
    dense = np.zeros((nf, n + -n % 64), dtype=bool)
    dense[work.indices, np.repeat(np.arange(n), np.diff(work.indptr))] = True
    bits = np.packbits(dense, axis=1).view(np.uint64)
    step = max(1, _RUN_BUDGET // bits.shape[1])
    sets, levels = np.arange(nf, dtype=np.int64).reshape(-1, 1), []
    while len(sets) > 1 and (max_len is None or sets.shape[1] < max_len):
        cand = _join(sets)
        counts = np.concatenate([np.zeros(0, np.int64)] + [
            _count_bits(bits, cand[i:i + step]) for i in range(0, len(cand), step)])
        frequent = counts >= min_count
        if not frequent.any():
            break
        sets = cand[frequent]
        levels.append((sets, counts[frequent]))
    return levels


def _join(sets):
    """Every union of two rows of ``sets`` (sorted, each sorted) that differ only in their
    last item, in sorted order."""
    m = len(sets)
    new = np.ones(m, dtype=bool)
    new[1:] = (sets[1:, :-1] != sets[:-1, :-1]).any(axis=1)
    start = np.flatnonzero(new)
    size = np.diff(np.append(start, m))
    partners = np.repeat(start + size, size) - np.arange(m) - 1   # later rows of its group
    left = np.repeat(np.arange(m), partners)
    right = left + 1 + np.arange(len(left)) - np.repeat(np.cumsum(partners) - partners, partners)
    return np.column_stack([sets[left], sets[right, -1]])


def _count_bits(bits, cand):
    """Number of baskets holding each candidate: the bits set in the AND of its items' rows."""
    both = bits[cand[:, 0]]
    for c in range(1, cand.shape[1]):
        both &= bits[cand[:, c]]
    return np.bitwise_count(both).sum(axis=1, dtype=np.int64)


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
    >>> from casekit.baskets import read_baskets
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
