"""Time the rule explorer's update callback (chapter 4): goal under 100 ms per slider move.

The rules are mined once from ValueMart (``simulate_retailer(5000, seed=0)``, 42,921
baskets) at the chapter's thresholds: pairs only (what the chapter shows, ~2,300 rules) and
up to three items (~33,000 rules, a heavier case). For each, the callback is timed three
ways over the same sweep of slider positions:

- ``filter only``: ``RuleExplorer.update`` with no widget showing (the pure part);
- ``widget``: a slider moved on a displayed explorer (filter, redraw, PNG, HTML table);
- ``item picker``: the item drop-down moved through the items, widget showing.

    .venv/bin/python benchmarks/bench_explore.py            # both rule sets
    .venv/bin/python benchmarks/bench_explore.py --quick    # pairs only, fewer moves
"""
from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

GOAL_MS = 100.0


def timed(calls):
    out = []
    for call in calls:
        t = time.perf_counter()
        call()
        out.append(1000 * (time.perf_counter() - t))
    return np.array(out)


def sweep(n):
    """Slider positions that move every threshold back and forth."""
    rng = np.random.default_rng(0)
    return [dict(min_support=float(s), min_confidence=float(c), min_lift=float(x))
            for s, c, x in zip(rng.uniform(0.005, 0.05, n), rng.uniform(0.05, 0.8, n),
                               rng.uniform(0.5, 3.0, n))]


def bench(rules, label, moves):
    from casekit.explorers.rules import rule_explorer

    positions = sweep(moves)
    pure = rule_explorer(rules)
    filter_only = timed([lambda p=p: pure.update(**p) for p in positions])
    shown = rule_explorer(rules)
    t = time.perf_counter()
    shown.widget
    build = 1000 * (time.perf_counter() - t)
    controls = shown.controls
    widget = timed([lambda p=p: [setattr(controls[k], "value", v) for k, v in p.items()][-1]
                    for p in positions])
    widget /= 3                                   # three slider moves per position
    picker = timed([lambda x=x: setattr(controls["involving"], "value", x)
                    for x in shown.items[:moves]])
    rows = [("filter only", filter_only), ("widget (one slider move)", widget),
            ("item picker", picker)]
    print(f"\n{label}: {len(rules):,} rules; building the widget took {build:.0f} ms")
    print(f"  {'callback':<26}{'median':>9}{'p95':>9}{'max':>9}  (ms)")
    worst = 0.0
    for name, ms in rows:
        print(f"  {name:<26}{np.median(ms):9.1f}{np.percentile(ms, 95):9.1f}{ms.max():9.1f}")
        worst = max(worst, float(np.percentile(ms, 95)))
    verdict = "meets" if worst < GOAL_MS else "MISSES"
    print(f"  p95 {worst:.1f} ms: {verdict} the {GOAL_MS:.0f} ms goal")
    return worst < GOAL_MS


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="pairs only, 20 moves")
    args = parser.parse_args()
    import matplotlib

    matplotlib.use("Agg")
    from casekit.baskets import association_rules, read_baskets
    from casekit.data import simulate_retailer

    shop = simulate_retailer(5000, seed=0)
    baskets = read_baskets(shop.lines, basket="trip")
    moves = 20 if args.quick else 60
    ok = bench(association_rules(baskets, 0.005, 0.05, max_len=2),
               "ValueMart pairs (the chapter's explorer)", moves)
    if not args.quick:
        ok &= bench(association_rules(baskets, 0.005, 0.05, max_len=3),
                    "ValueMart rules of up to three items", moves)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
