"""Benchmark casekit.baskets against mlxtend's fpgrowth, side by side.

Each side runs in its own subprocess on the same synthetic baskets (generated
from a seed: Zipf item popularity, mean basket size 10), so each peak memory
(ru_maxrss) is its own. The table shows the mining time, the peak resident
memory of the whole process (data included), the ratios, and whether the two
sides found the same itemsets with the same counts.

    .venv/bin/python benchmarks/bench_baskets.py --quick     # 100k baskets, seconds
    .venv/bin/python benchmarks/bench_baskets.py             # 1M baskets x 2,000 items
    .venv/bin/python benchmarks/bench_baskets.py --groceries groceries.csv
    .venv/bin/python benchmarks/bench_baskets.py --sides casekit   # skip mlxtend

mlxtend receives the dense boolean one-hot DataFrame it documents (that is
where most of its memory goes); casekit receives :class:`Baskets` built from
the same sparse matrix. mlxtend turns ``min_support`` into a count with a
float ``ceil(min_support * n)``; to compare like with like it is given
``(min_count - 0.5) / n``, which yields exactly casekit's integer threshold.
Also timed: ``filter_rules`` on a few thousand precomputed rules.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))


def make_baskets(n_baskets, n_items=2000, mean_size=10, zipf=1.0, seed=0):
    """Sparse CSR basket x item matrix: Zipf popularity, sizes 1 + Poisson(mean - 1).

    Each basket draws items by popularity, skipping repeats, until it has its
    size (capped at ``n_items``): sampling without replacement.
    """
    from scipy import sparse

    rng = np.random.default_rng(seed)
    p = 1.0 / np.arange(1, n_items + 1) ** zipf
    cdf = np.cumsum(p / p.sum())
    target = np.minimum(1 + rng.poisson(mean_size - 1, n_baskets), n_items)
    rows_all, cols_all = [], []
    todo = np.arange(n_baskets, dtype=np.int64)
    need = target.copy()
    for _ in range(100):
        if todo.size == 0:
            break
        # oversample, keep each basket's first `need` distinct draws in draw order
        k = need[todo] + need[todo] // 2 + 4
        rows = np.repeat(todo, k)
        draws = np.minimum(np.searchsorted(cdf, rng.random(rows.size), side="right"), n_items - 1)
        _, first = np.unique(rows * n_items + draws, return_index=True)
        first.sort()
        rows, draws = rows[first], draws[first]
        start = np.searchsorted(rows, rows, side="left")
        rank = np.arange(rows.size) - start
        ok = rank < need[rows]
        rows_all.append(rows[ok])
        cols_all.append(draws[ok])
        got = np.bincount(rows[ok], minlength=n_baskets)
        need = need - got
        todo = np.flatnonzero(need > 0)
    rows = np.concatenate(rows_all)
    cols = np.concatenate(cols_all)
    if len(rows_all) > 1:  # top-up rounds may repeat an item already drawn
        keys = np.unique(rows * n_items + cols)
        rows, cols = keys // n_items, keys % n_items
    # random labels so that popularity is not the column order
    perm = rng.permutation(n_items)
    matrix = sparse.csr_array(
        (np.ones(rows.size, bool), (rows, perm[cols])), shape=(n_baskets, n_items)
    )
    matrix.sum_duplicates()
    matrix.sort_indices()
    items = [f"i{j:04d}" for j in range(n_items)]
    return matrix, items


def data_file(args):
    """Path of the cached synthetic data (generated once per parameter set)."""
    import tempfile

    name = (f"casekit-bench-n{args.n}-i{args.items}-m{args.mean_size:g}-z{args.zipf:g}"
            f"-s{args.seed}.npz")
    return os.path.join(tempfile.gettempdir(), name)


def ensure_data(args, generate=False):
    """Generate the cached data file (in a subprocess, so this process stays small)."""
    if args.groceries:
        return
    path = data_file(args)
    if os.path.exists(path):
        return
    if not generate:
        t0 = time.perf_counter()
        subprocess.run(worker_cmd("generate", args), check=True)
        print(f"generated {path} in {time.perf_counter() - t0:.1f} s")
        return
    matrix, _ = make_baskets(args.n, args.items, args.mean_size, args.zipf, args.seed)
    tmp = path + f".{os.getpid()}.tmp.npz"
    np.savez(tmp, indptr=matrix.indptr, indices=matrix.indices, shape=matrix.shape)
    os.replace(tmp, path)


def peak_rss_mib():
    """High-water mark of this process's resident memory (VmHWM), in MiB.

    Unlike ru_maxrss it starts afresh at exec, so a worker does not inherit
    its parent's peak.
    """
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def load_data(args):
    """The baskets as (CSR matrix, item labels), read in each worker."""
    from scipy import sparse

    if args.groceries:
        from casekit.baskets import read_baskets

        b = read_baskets(args.groceries)
        return b.matrix, list(b.items)
    with np.load(data_file(args)) as z:
        indices, indptr, shape = z["indices"], z["indptr"], tuple(z["shape"])
    matrix = sparse.csr_array((np.ones(indices.size, bool), indices, indptr), shape=shape)
    return matrix, [f"i{j:04d}" for j in range(shape[1])]


def digest(pairs):
    """Order-free fingerprint of (itemset, count) pairs."""
    h = hashlib.sha256()
    for items, count in sorted((tuple(sorted(s)), int(c)) for s, c in pairs):
        h.update(repr((items, count)).encode())
    return h.hexdigest()[:16]


def worker(args):
    """Run one side; print a JSON line with time, memory and an output digest."""
    import math
    from fractions import Fraction

    matrix, items = load_data(args)
    n = matrix.shape[0]
    min_count = max(1, math.ceil(Fraction(repr(args.support)) * n))
    rss_data = peak_rss_mib()
    out = {"side": args.worker, "n_baskets": n, "nnz": int(matrix.nnz), "min_count": min_count}
    if args.worker == "casekit":
        from casekit.baskets import Baskets, association_rules, filter_rules, frequent_itemsets

        t0 = time.perf_counter()
        b = Baskets(matrix, items)
        fi = frequent_itemsets(b, args.support)
        out["seconds"] = time.perf_counter() - t0
        pairs = zip(fi["itemset"], fi["count"])
        out["n_itemsets"] = len(fi)
        if args.rules:
            t0 = time.perf_counter()
            rules = association_rules(fi, args.support, 0.0)
            out["rules_seconds"] = time.perf_counter() - t0
            out["n_rules"] = len(rules)
            few = rules.head(5000)
            t0 = time.perf_counter()
            reps = 50
            for i in range(reps):
                filter_rules(few, min_confidence=0.2 + i / 1000, min_lift=1.1)
            out["filter_ms"] = (time.perf_counter() - t0) / reps * 1000
            out["filter_rows"] = len(few)
    else:
        import pandas as pd
        from mlxtend.frequent_patterns import fpgrowth

        onehot = pd.DataFrame(matrix.toarray(), columns=items)
        rss_data = peak_rss_mib()
        t0 = time.perf_counter()
        fi = fpgrowth(onehot, min_support=(min_count - 0.5) / n, use_colnames=True)
        out["seconds"] = time.perf_counter() - t0
        counts = np.rint(fi["support"].to_numpy() * n).astype(np.int64)
        pairs = zip(fi["itemsets"], counts)
        out["n_itemsets"] = len(fi)
    out["digest"] = digest(pairs)
    out["peak_rss_mib"] = peak_rss_mib()
    out["data_rss_mib"] = rss_data
    print(json.dumps(out))


def worker_cmd(side, args):
    cmd = [sys.executable, os.path.abspath(__file__), "--worker", side]
    cmd += ["--n", str(args.n), "--items", str(args.items), "--mean-size", str(args.mean_size)]
    cmd += ["--zipf", str(args.zipf), "--seed", str(args.seed)]
    if isinstance(args.support, float):
        cmd += ["--support", repr(args.support)]
    if args.groceries:
        cmd += ["--groceries", args.groceries]
    if args.rules:
        cmd += ["--rules"]
    return cmd


def run_side(side, args):
    cmd = worker_cmd(side, args)
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        raise SystemExit(f"{side} worker failed (exit {proc.returncode})")
    res = json.loads(proc.stdout.strip().splitlines()[-1])
    res["wall"] = time.perf_counter() - t0
    return res


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="100k baskets (seconds)")
    ap.add_argument("--n", type=int, default=None, help="number of baskets (default 1,000,000)")
    ap.add_argument("--items", type=int, default=2000)
    ap.add_argument("--mean-size", type=float, default=10)
    ap.add_argument("--zipf", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--support", type=float, action="append", default=None,
                    help="min_support (repeatable; default 0.005 and 0.001)")
    ap.add_argument("--groceries", help="mine this groceries.csv instead of synthetic data")
    ap.add_argument("--sides", default="casekit,mlxtend", help="comma-separated sides to run")
    ap.add_argument("--rules", action="store_true", help="also time rules and filter_rules")
    ap.add_argument("--worker", choices=["casekit", "mlxtend", "generate"], help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.n is None:
        args.n = 100_000 if args.quick else 1_000_000
    if args.worker == "generate":
        return ensure_data(args, generate=True)
    if args.worker:
        args.support = args.support[0]
        return worker(args)
    supports = args.support or ([0.001] if args.groceries else [0.005, 0.001])
    sides = [s.strip() for s in args.sides.split(",") if s.strip()]
    what = (f"groceries file {args.groceries}" if args.groceries else
            f"{args.n:,} baskets x {args.items:,} items, Zipf {args.zipf}, "
            f"mean size {args.mean_size:g}, seed {args.seed}")
    print(f"data: {what}", flush=True)
    ensure_data(args)
    print("mine s: frequent_itemsets (casekit, from a CSR matrix) or fpgrowth (mlxtend, from")
    print("a dense boolean DataFrame); peak MiB: whole worker process (VmHWM); before MiB:")
    print("the same just before mining (data loaded, mlxtend's DataFrame built).")
    header = (f"{'support':>8} {'side':>8} {'itemsets':>9} {'mine s':>8} {'peak MiB':>9} "
              f"{'before MiB':>10} {'digest':>17}")
    print(header)
    print("-" * len(header))
    summary = []
    for sup in supports:
        args.support = sup
        res = {}
        for side in sides:
            r = run_side(side, args)
            res[side] = r
            print(f"{sup:>8g} {side:>8} {r['n_itemsets']:>9,} {r['seconds']:>8.2f} "
                  f"{r['peak_rss_mib']:>9.0f} {r['data_rss_mib']:>10.0f} {r['digest']:>17}",
                  flush=True)
            if "rules_seconds" in r:
                print(f"{'':>8} {'':>8} rules: {r['n_rules']:,} in {r['rules_seconds']:.2f} s; "
                      f"filter_rules on {r['filter_rows']:,} rules: {r['filter_ms']:.2f} ms")
        if len(res) == 2:
            summary.append((sup, res["casekit"], res["mlxtend"]))
    if summary:
        print()
        print(f"{'support':>8} {'casekit s':>10} {'mlxtend s':>10} {'speed-up':>9} "
              f"{'casekit MiB':>12} {'mlxtend MiB':>12} {'memory':>7} {'identical':>10}")
        for sup, a, b in summary:
            same = a["digest"] == b["digest"] and a["n_itemsets"] == b["n_itemsets"]
            print(f"{sup:>8g} {a['seconds']:>10.2f} {b['seconds']:>10.2f} "
                  f"{b['seconds'] / a['seconds']:>8.1f}x {a['peak_rss_mib']:>12.0f} "
                  f"{b['peak_rss_mib']:>12.0f} {b['peak_rss_mib'] / a['peak_rss_mib']:>6.1f}x "
                  f"{'yes' if same else 'NO':>10}")
        if not all(a["digest"] == b["digest"] for _, a, b in summary):
            raise SystemExit("outputs differ")


if __name__ == "__main__":
    main()
