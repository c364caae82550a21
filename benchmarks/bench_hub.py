"""Load on the classroom service: simulated students checking answers through a real
JupyterHub (proxy, hub token auth, the casekit service, the attempt database), on loopback.

Each student is a thread that checks ``--checks`` answers one after another, as fast as
the service answers (no thinking time: a worst case), with its own hub user and API token.
An attempt the service does not acknowledge (connection refused, 502/503 while the service
restarts) is sent again with the same client id until it is, as the student's outbox does.
Reported: latency of acknowledged checks (p50/p95/p99/max), throughput, and the audit of
the database afterwards: every acknowledged attempt present (lost = 0), none twice
(doubled = 0), and every attempt made recorded exactly once.

    .venv/bin/python benchmarks/bench_hub.py --quick            # 30 students x 10 checks
    .venv/bin/python benchmarks/bench_hub.py                    # 300 students x 50 checks
    .venv/bin/python benchmarks/bench_hub.py --kill             # kill -9 the service mid-load
    .venv/bin/python benchmarks/bench_hub.py --think 3          # a check every ~3 s per student
    .venv/bin/python benchmarks/bench_hub.py --db postgresql+psycopg://casekit@127.0.0.1:5432/x
    .venv/bin/python benchmarks/bench_hub.py --computed --students 30 --checks 10
    .venv/bin/python benchmarks/bench_hub.py --computed --precompute --students 30 --checks 10

Needs ``npm ci`` (the proxy) and the ``[hub]`` extra. Exercises are fixed-answer ones
(choice and numeric without a student's data), so the numbers measure the service and its
database, not the simulation of 300 students' shops (0.9 s each on first use).
``--computed`` checks computed exercises instead (each student's own shop): the first
check of each student is reported apart (it may wait for the simulation), and
``--precompute`` first fills the service's key table (``casekit.hub.keys``) for everyone.
"""
from __future__ import annotations

import argparse
import collections
import os
import random
import signal
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from casekit import exercises  # noqa: E402
from casekit.hub import client  # noqa: E402
from casekit.hub.store import AttemptStore  # noqa: E402


def _answers() -> list[tuple[str, object]]:
    """(exercise, answer) pairs of fixed-answer exercises: right and wrong options."""
    pairs = []
    for ex in exercises._bank().values():
        if ex.computed or ex.kind not in ("single",):
            continue
        for option in ex.options[:3]:
            pairs.append((ex.id, option["text"]))
        if len(pairs) >= 60:
            break
    if not pairs:
        raise SystemExit("no fixed-answer choice exercises in the banks")
    return pairs


def _computed_answers() -> list[tuple[str, object]]:
    """(exercise, answer) pairs of computed numeric exercises (answers need not be right)."""
    pairs = [(ex.id, 1234.0) for ex in exercises._bank().values()
             if ex.computed and ex.kind == "numeric"]
    if not pairs:
        raise SystemExit("no computed numeric exercises in the banks")
    return pairs


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1))))
    return ordered[k]


def run(students: int, checks: int, db: str | None, kill: bool, resend: float, seed: int,
        think: float = 0.0, computed: bool = False, precompute: bool = False) -> int:
    from tests.test_hub import Hub      # the launcher the tests use

    folder = Path(tempfile.mkdtemp(prefix="casekit-bench-hub-"))
    db = db or str(folder / "casekit-attempts.sqlite")
    hub = Hub(folder, db)
    names = [f"student{n:03d}" for n in range(students)]
    pairs = _computed_answers() if computed else _answers()
    latencies: list[float] = []
    firsts: list[float] = []
    acknowledged: dict[str, str] = {}     # client_id -> student
    made: dict[str, str] = {}
    retries = collections.Counter()
    lock = threading.Lock()
    done = threading.Event()
    progress = [0]
    try:
        t0 = time.monotonic()
        hub.wait_until_up()
        for first in range(0, len(names), 50):
            hub.api("POST", "users", {"usernames": names[first:first + 50]}, timeout=180)
        for name in names:
            hub.tokens[name] = hub.api("POST", f"users/{name}/tokens", {"note": "bench"})["token"]
        print(f"hub up, {students} users with tokens in {time.monotonic() - t0:.1f} s; "
              f"attempts in {AttemptStore(db).dialect}")
        if precompute:
            from casekit.hub.keys import precompute as work_out

            t1 = time.monotonic()
            with AttemptStore(db) as store:
                work_out(store, names)
            took = time.monotonic() - t1
            print(f"keys of every computed exercise worked out for {students} students in "
                  f"{took:.1f} s ({took / students:.2f} s a student, one process)")

        def student(name: str, rng: random.Random):
            env = hub.env_for(name)
            for number in range(checks):
                if think:
                    time.sleep(rng.expovariate(1 / think))
                exercise, answer = rng.choice(pairs)
                attempt = {"exercise": exercise, "answer": answer, "client_id": uuid.uuid4().hex}
                with lock:
                    made[attempt["client_id"]] = name
                sends = 2 if rng.random() < resend else 1      # a reply lost: sent again
                for _ in range(sends):
                    while True:
                        start = time.perf_counter()
                        try:
                            reply = client.post_check(attempt, env, timeout=60)
                        except client.Unreachable:
                            retries[name] += 1
                            time.sleep(0.2)
                            continue
                        elapsed = time.perf_counter() - start
                        break
                    assert reply["saved"] and reply["client_id"] == attempt["client_id"]
                    with lock:
                        (firsts if number == 0 and sends == 1 else latencies).append(elapsed)
                        acknowledged[attempt["client_id"]] = name
                        progress[0] += 1

        threads = [threading.Thread(target=student, args=(n, random.Random(f"{seed}-{n}")),
                                    daemon=True) for n in names]
        started = time.monotonic()
        for t in threads:
            t.start()
        killed = None
        if kill:
            total = students * checks
            while progress[0] < total // 2 and any(t.is_alive() for t in threads):
                time.sleep(0.05)
            killed = hub.service_pid()
            os.kill(killed, signal.SIGKILL)
            print(f"kill -9 of the service (pid {killed}) after {progress[0]} acknowledged checks")
            hub.wait_for_service(not_pid=killed)
            print(f"the hub restarted it {time.monotonic() - started:.1f} s into the run")
        for t in threads:
            t.join()
        wall = time.monotonic() - started
        done.set()

        with AttemptStore(db) as store:
            rows = store.all_attempts()
        recorded = collections.Counter(r["client_id"] for r in rows)
        lost = [c for c in acknowledged if c not in recorded]
        doubled = [c for c, n in recorded.items() if n > 1]
        wrong_owner = [r["client_id"] for r in rows if made.get(r["client_id"]) != r["student"]]
        print(f"{students} students x {checks} checks = {len(made)} attempts "
              f"({len(latencies) + len(firsts)} requests incl. resends) in {wall:.1f} s: "
              f"{(len(latencies) + len(firsts)) / wall:.0f} checks/s")
        if computed and firsts:
            fs = [x * 1000 for x in firsts]
            print(f"first check of each student, ms: p50 {_percentile(fs, 50):.0f}  "
                  f"p95 {_percentile(fs, 95):.0f}  max {max(fs):.0f}")
        ms = [x * 1000 for x in latencies]
        print(f"{'later checks, ' if computed else ''}latency ms: p50 {_percentile(ms, 50):.1f}  p95 {_percentile(ms, 95):.1f}  "
              f"p99 {_percentile(ms, 99):.1f}  max {max(ms):.1f}  mean {statistics.mean(ms):.1f}")
        print(f"audit: recorded {len(rows)}, acknowledged {len(acknowledged)}, lost {len(lost)}, "
              f"doubled {len(doubled)}, under the wrong student {len(wrong_owner)}, "
              f"retries while unreachable {sum(retries.values())}")
        ok = not lost and not doubled and not wrong_owner and len(rows) == len(made)
        print("OK" if ok else "FAILED")
        return 0 if ok else 1
    finally:
        hub.stop()


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--students", type=int, default=300)
    p.add_argument("--checks", type=int, default=50, help="checks per student")
    p.add_argument("--quick", action="store_true", help="30 students x 10 checks")
    p.add_argument("--kill", action="store_true", help="kill -9 the service half-way")
    p.add_argument("--resend", type=float, default=0.02,
                   help="share of attempts sent twice, as after a lost reply (default 0.02)")
    p.add_argument("--db", help="database URL (default: a SQLite file in a temporary folder)")
    p.add_argument("--postgres", action="store_true",
                   help="start a throw-away PostgreSQL server (Debian's package) and use it")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--think", type=float, default=0.0,
                   help="mean seconds a student thinks before each check (default 0: flat out)")
    p.add_argument("--computed", action="store_true",
                   help="check computed exercises (each student's own shop) instead")
    p.add_argument("--precompute", action="store_true",
                   help="with --computed: work out every student's keys before the run")
    args = p.parse_args(argv)
    if args.quick:
        args.students, args.checks = 30, 10
    if args.students < 1 or args.checks < 1 or not 0 <= args.resend <= 1 or args.think < 0:
        p.error("--students and --checks must be at least 1, --resend in [0, 1], --think >= 0")
    if args.postgres:
        import sqlalchemy as sa

        from tests.test_hub_store import _postgres_bin, postgres_cluster

        if _postgres_bin() is None:
            p.error("--postgres: PostgreSQL is not installed (apt-get install postgresql)")
        with postgres_cluster(_postgres_bin(), durable=True) as server:
            engine = sa.create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
            with engine.connect() as conn:
                conn.execute(sa.text("CREATE DATABASE casekit_bench"))
            engine.dispose()
            return run(args.students, args.checks, f"{server}/casekit_bench", args.kill,
                       args.resend, args.seed, args.think, args.computed, args.precompute)
    return run(args.students, args.checks, args.db, args.kill, args.resend, args.seed, args.think,
               args.computed, args.precompute)


if __name__ == "__main__":
    sys.exit(main())
