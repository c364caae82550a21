"""How long a student waits for a computed exercise's check: the first check of each
exercise in a fresh kernel session (``start()`` already run, nothing resolved in this
process) and a later one, over the whole catalogue. Goal: first < 0.5 s, later < 50 ms.

Each exercise is checked with a wrong answer of the right kind (the speed of the check
does not depend on the answer) in a fresh process per chapter, so that nothing resolved
for one chapter speeds another; the workbook folder is a fresh temporary one, filled
per mode: "bare kernel" runs only ``start()`` and switches the background work off
(CASEKIT_WARM=0: every first check works its key out, imports included); "problem set" also
runs ``data = my_retailer()``, as every problem set's first cell does before any computed
exercise can be answered; "warm" waits for the background resolution that ``start()``
begins (see ``casekit.exercises.progress``) before the first check.

    .venv/bin/python benchmarks/bench_first_check.py            # cold and warm, all chapters
    .venv/bin/python benchmarks/bench_first_check.py --chapter 01
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile

CHILD = r"""
import json, sys, time
t0 = time.perf_counter()
import casekit.exercises as ex
ex.start("bench-student")
if {load}:      # the problem set's first cell: start(...); data = my_retailer()
    data = ex.my_retailer()
if {wait}:
    ex.wait_ready(600)
setup = time.perf_counter() - t0
rows = []
for e in ex._bank().values():
    if not e.computed or e.chapter != {chapter!r}:
        continue
    times = []
    for _ in range(2):
        t = time.perf_counter()
        ex.check(e.id, [[-1.0]] if e.kind == "table" else -12345.678)
        times.append(time.perf_counter() - t)
    rows.append((e.id, times[0], times[1]))
print(json.dumps({{"setup": setup, "rows": rows}}))
"""


def run(chapter: str, home: str, wait: bool, load: bool) -> dict:
    env = dict(os.environ, CASEKIT_HOME=home, CASEKIT_STUDENT="bench-student",
               CASEKIT_WARM="1" if wait else "0")
    out = subprocess.run([sys.executable, "-c", CHILD.format(chapter=chapter, wait=wait, load=load)],
                         env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chapter", action="append", help="chapter(s) to time (default: all)")
    args = parser.parse_args()
    import casekit.exercises as ex

    chapters = args.chapter or sorted({e.chapter for e in ex._bank().values() if e.computed})
    worst = {"bare": 0.0, "cold": 0.0, "warm": 0.0, "later": 0.0}
    modes = (("bare", "bare kernel (start() only, no background work, nothing cached)", False, False),
             ("cold", "problem set (start(); data = my_retailer(), as its first cell; no background "
                      "work, nothing cached)", False, True),
             ("warm", "warm (after start()'s background resolution)", True, False))
    for key, label, wait, load in modes:
        print(f"== {label}")
        with tempfile.TemporaryDirectory() as home:
            for chapter in chapters:
                result = run(chapter, home, wait, load)
                for eid, first, later in result["rows"]:
                    print(f"  {eid:34s} first {first * 1000:8.1f} ms   later {later * 1000:6.1f} ms")
                    worst[key] = max(worst[key], first)
                    worst["later"] = max(worst["later"], later)
    print(f"slowest first check: bare kernel {worst['bare']:.2f} s, problem set {worst['cold']:.2f} s, "
          f"warm {worst['warm']:.2f} s (goal < 0.5 s); slowest later check "
          f"{worst['later'] * 1000:.0f} ms (goal < 50 ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
