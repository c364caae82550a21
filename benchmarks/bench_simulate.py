"""How fast ValueMart is simulated: customers, trips and basket lines per second.

    .venv/bin/python benchmarks/bench_simulate.py            # 5k, 100k, 1M customers
    .venv/bin/python benchmarks/bench_simulate.py --quick    # 5k and 100k only

Each size runs in its own subprocess so its peak memory (ru_maxrss, the ``lines`` table
built) is its own; ``seconds`` is ``simulate_retailer``, ``lines s`` laying out its lines
table afterwards. The goal: 1,000,000 customers × 3 years under 25 s, peak under 3 GiB.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))


def run_one(n: int, years: int) -> dict:
    from casekit.data import simulate_retailer

    t0 = time.perf_counter()
    shop = simulate_retailer(n, seed=0, years=years)
    t1 = time.perf_counter()
    lines = len(shop.lines)
    return {"customers": n, "years": years, "seconds": round(t1 - t0, 2),
            "lines_seconds": round(time.perf_counter() - t1, 2),
            "trips": len(shop.transactions), "lines": lines,
            "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip the million-customer runs")
    parser.add_argument("--one", nargs=2, type=int, metavar=("N", "YEARS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(*args.one)))
        return
    sizes = [(5_000, 3), (100_000, 1), (100_000, 3)]
    if not args.quick:
        sizes += [(1_000_000, 1), (1_000_000, 3)]
    print(f"{'customers':>10} {'years':>5} {'seconds':>8} {'lines s':>8} {'trips':>11} "
          f"{'lines':>12} {'lines/s':>11} {'peak MiB':>9}")
    for n, years in sizes:
        out = subprocess.run([sys.executable, __file__, "--one", str(n), str(years)],
                             capture_output=True, text=True, check=True)
        r = json.loads(out.stdout)
        print(f"{r['customers']:>10,} {r['years']:>5} {r['seconds']:>8.2f} "
              f"{r['lines_seconds']:>8.2f} {r['trips']:>11,} {r['lines']:>12,} "
              f"{r['lines'] / r['seconds']:>11,.0f} {r['peak_mib']:>9,}")


if __name__ == "__main__":
    main()
