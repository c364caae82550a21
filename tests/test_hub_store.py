"""The classroom's attempt store, run twice: on SQLite (WAL) and on a real PostgreSQL
server that the ``postgres_url`` fixture starts in a temporary folder and removes after.

Without PostgreSQL on the machine the PostgreSQL half is skipped with the reason; under
CI=true it must run (.ci/run installs Debian's postgresql package).
"""
from __future__ import annotations

import contextlib
import datetime as dt
import glob
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
import threading
from pathlib import Path

import pytest

import sqlalchemy as sa

from casekit.hub.store import AttemptStore, ClientIdConflict, NoTriesLeft
from tests.conftest import require


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _postgres_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0)
    return Path(found[-1]).parent if found else None


def _need_postgres() -> Path:
    bindir = _postgres_bin()
    require(bindir is not None, "PostgreSQL", "apt-get install postgresql")
    return bindir


@pytest.fixture(scope="session")
def postgres_server():
    """A throw-away PostgreSQL cluster on a free loopback port: yields its base URL
    (``postgresql+psycopg://casekit@127.0.0.1:PORT``); stopped and deleted afterwards."""
    with postgres_cluster(_need_postgres()) as url:
        yield url


@contextlib.contextmanager
def postgres_cluster(bindir: Path, durable: bool = False):
    """Start a PostgreSQL cluster in a temporary folder (as the ``postgres`` user when run
    as root: PostgreSQL refuses root); yield its base URL; stop it and delete the folder.
    ``durable=False`` turns fsync off (tests do not test PostgreSQL's own durability)."""
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    folder = Path(tempfile.mkdtemp(prefix="casekit-pg-"))
    data, log = folder / "data", folder / "server.log"
    if as_postgres:
        shutil.chown(folder, "postgres", "postgres")
    port = _free_port()
    try:
        subprocess.run([*as_postgres, str(bindir / "initdb"), "-D", str(data), "-U", "casekit",
                        "-A", "trust", "-E", "UTF8", "--no-sync"],
                       check=True, capture_output=True, timeout=120)
        options = (f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 "
                   f"-c max_connections=100{'' if durable else ' -c fsync=off'}")
        started = subprocess.run([*as_postgres, str(bindir / "pg_ctl"), "-D", str(data), "-l",
                                  str(log), "-o", options, "-w", "-t", "60", "start"],
                                 capture_output=True, text=True, timeout=90)
        if started.returncode != 0:
            raise RuntimeError(f"PostgreSQL did not start: {started.stderr}\n"
                               f"{log.read_text() if log.exists() else ''}")
        yield f"postgresql+psycopg://casekit@127.0.0.1:{port}"
    finally:
        if (data / "postmaster.pid").exists():
            subprocess.run([*as_postgres, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate",
                            "-w", "-t", "60", "stop"], capture_output=True, timeout=90)
        shutil.rmtree(folder, ignore_errors=True)


_numbers = itertools.count(1)


@pytest.fixture
def postgres_url(postgres_server):
    """A fresh, empty database on the session's PostgreSQL server."""
    name = f"casekit_test_{os.getpid()}_{next(_numbers)}"
    admin = sa.create_engine(f"{postgres_server}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"{postgres_server}/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.slow)])
def db(request, tmp_path):
    """The database the store is tested on: a SQLite file, then a PostgreSQL database."""
    if request.param == "sqlite":
        return str(tmp_path / "attempts.sqlite")
    return request.getfixturevalue("postgres_url")


def _record(store, student="alice", exercise="crm.quiz-01", answer="A", client_id="c1", **kw):
    fields = dict(score=1.0, correct=True, valid=True, message="✓ Correct.", points=1.0)
    fields.update(kw)
    return store.record(student, exercise, answer, client_id=client_id, **fields)


def test_an_attempt_is_recorded_with_the_server_time_and_read_back_as_sent(db):
    before = dt.datetime.now(dt.timezone.utc)
    with AttemptStore(db) as store:
        answer = {"columns": ["a", "b"], "data": [[1, 2.5], [None, "x"]], "note": "中文"}
        row, created = _record(store, exercise="crm.top20-share", answer=answer, score=0.5,
                               correct=False, message="◐ Half right.", client_time="yesterday")
        after = dt.datetime.now(dt.timezone.utc)
        assert created
        (stored,) = store.attempts("alice")
    assert stored == row
    assert stored["answer"] == answer and stored["exercise"] == "crm.top20-share"
    assert (stored["score"], stored["correct"], stored["valid"]) == (0.5, False, True)
    assert stored["message"] == "◐ Half right." and stored["attempt"] == 1
    assert before <= stored["server_time"] <= after, "server time is stamped on the server, in UTC"
    assert stored["server_time"].utcoffset() == dt.timedelta(0)
    assert stored["client_time"] == "yesterday"


def test_attempts_are_numbered_per_exercise_and_kept_in_arrival_order(db):
    with AttemptStore(db) as store:
        for n, (exercise, answer) in enumerate([("q1", "A"), ("q2", "B"), ("q1", "C"), ("q1", "D")]):
            _record(store, exercise=exercise, answer=answer, client_id=f"c{n}",
                    valid=answer != "D")
        rows = store.attempts("alice")
        assert [(r["exercise"], r["answer"], r["attempt"]) for r in rows] == [
            ("q1", "A", 1), ("q2", "B", 1), ("q1", "C", 2), ("q1", "D", 3)]
        assert [r["answer"] for r in store.attempts("alice", "q1")] == ["A", "C", "D"]
        assert store.count_valid("alice", "q1") == 2


def test_a_resent_attempt_is_recorded_once_and_returns_the_first(db):
    with AttemptStore(db) as store:
        first, created = _record(store, client_id="same")
        again, created_again = _record(store, client_id="same")
        assert created and not created_again
        assert again == first
        assert store.count() == 1


def test_the_same_client_id_for_another_attempt_is_refused_and_nothing_written(db):
    with AttemptStore(db) as store:
        _record(store, client_id="same", answer="A")
        with pytest.raises(ClientIdConflict, match="already used"):
            _record(store, client_id="same", answer="B")
        assert [r["answer"] for r in store.attempts("alice")] == ["A"]


def test_students_see_only_their_own_attempts_even_with_the_same_client_id(db):
    with AttemptStore(db) as store:
        _record(store, student="alice", answer="A", client_id="c1")
        _record(store, student="bob", answer="B", client_id="c1")
        assert [r["answer"] for r in store.attempts("alice")] == ["A"]
        assert [r["answer"] for r in store.attempts("bob")] == ["B"]
        assert store.attempts("carol") == []


@pytest.mark.parametrize("bad, error", [
    (dict(student="no spaces allowed"), "student id"),
    (dict(exercise=""), "exercise id"),
    (dict(client_id="x" * 65), "client id"),
    (dict(score=1.5), "score must be between"),
    (dict(score=float("nan")), "finite number"),
    (dict(correct="yes"), "True/False"),
    (dict(answer=object()), "plain JSON"),
    (dict(answer=float("inf")), "plain JSON"),
    (dict(answer="x" * 300_000), "too long"),
])
def test_a_bad_attempt_is_refused_with_a_clear_error_and_nothing_written(db, bad, error):
    with AttemptStore(db) as store:
        with pytest.raises(ValueError, match=error):
            _record(store, **bad)
        assert store.count() == 0


@pytest.mark.slow
def test_concurrent_writers_lose_nothing_and_double_nothing(db):
    """8 threads × 25 attempts, each also sent twice (a lost reply): 200 rows, once each."""
    with AttemptStore(db) as store:
        errors = []

        def work(worker):
            try:
                for n in range(25):
                    for _ in range(2):
                        _record(store, student=f"s{worker}", exercise=f"q{n % 3}",
                                answer=n, client_id=f"w{worker}-{n}")
            except Exception as err:  # pragma: no cover - reported below
                errors.append(err)

        threads = [threading.Thread(target=work, args=(w,)) for w in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        assert not errors, errors
        assert store.count() == 200
        for w in range(8):
            assert sorted(r["answer"] for r in store.attempts(f"s{w}")) == list(range(25))


@pytest.mark.slow
def test_attempts_sent_at_once_each_get_their_own_outcome(db):
    """16 threads at once, half of them at their limit: the refused ones raise, the others
    are recorded (on SQLite, in shared commits), and a refusal costs a neighbour nothing."""
    with AttemptStore(db) as store:
        for w in range(0, 16, 2):
            _record(store, student=f"s{w}", client_id="first", max_tries=1)
        start = threading.Barrier(16)
        outcome = {}

        def work(w):
            start.wait()
            try:
                outcome[w] = _record(store, student=f"s{w}", client_id="second", max_tries=1,
                                     answer=w)[0]["answer"]
            except NoTriesLeft:
                outcome[w] = "refused"

        threads = [threading.Thread(target=work, args=(w,)) for w in range(16)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        assert outcome == {w: "refused" if w % 2 == 0 else w for w in range(16)}
        assert store.count() == 16
        assert [r["answer"] for r in store.attempts("s1")] == [1]


def test_recorded_attempts_survive_closing_and_reopening(db):
    with AttemptStore(db) as store:
        for n in range(5):
            _record(store, client_id=f"c{n}", answer=n)
    with AttemptStore(db) as store:
        assert [r["answer"] for r in store.attempts("alice")] == list(range(5))
        assert [r["student"] for r in store.all_attempts()] == ["alice"] * 5


def test_sqlite_runs_in_wal_mode_with_full_sync(tmp_path):
    with AttemptStore(tmp_path / "a.sqlite") as store:
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2   # FULL
    assert store.dialect == "sqlite"


@pytest.mark.slow
def test_sqlite_writers_in_separate_processes_lose_nothing(tmp_path):
    path = tmp_path / "a.sqlite"
    AttemptStore(path).close()
    code = ("import sys; from casekit.hub.store import AttemptStore\n"
            "s = AttemptStore(sys.argv[1])\n"
            "for n in range(40):\n"
            "    s.record(sys.argv[2], 'q', n, score=0.0, correct=False, valid=True,"
            " message='x', client_id=f'c{n}')\n")
    import sys
    procs = [subprocess.Popen([sys.executable, "-c", code, str(path), f"p{i}"]) for i in range(3)]
    assert [p.wait(timeout=120) for p in procs] == [0, 0, 0]
    with AttemptStore(path) as store:
        assert store.count() == 120


_RACER = """
import json, sys, time
from pathlib import Path
from casekit.hub.store import AttemptStore, NoTriesLeft
db, name, go = sys.argv[1], sys.argv[2], Path(sys.argv[3])
store = AttemptStore(db)
store.count()                               # connected before the start
print("ready", flush=True)
while not go.exists():
    time.sleep(0.001)
granted = []
for exercise in range(10):
    for n in range(3):
        try:
            row, _ = store.record("alice", f"q{exercise}", n, score=0.0, correct=False,
                                  valid=True, message="x", client_id=f"{name}-{exercise}-{n}",
                                  max_tries=2, penalty=lambda t: 0.25 * (t - 1))
            granted.append(row["try"])
        except NoTriesLeft:
            pass
print(json.dumps(granted))
"""


@pytest.mark.slow
def test_an_attempt_limit_holds_across_two_service_processes(db, tmp_path):
    """Two processes (two services on one database) race 3 tries each at ten exercises
    that allow 2: exactly 2 are recorded at each, numbered 1 and 2 with their own penalty;
    the other 40 are refused and leave nothing behind. (Without the lock, SQLite fails
    with "database is locked" and PostgreSQL lets a third try in.)"""
    import json
    import sys

    AttemptStore(db).close()
    go = tmp_path / "go"
    procs = [subprocess.Popen([sys.executable, "-c", _RACER, db, name, str(go)],
                              stdout=subprocess.PIPE, text=True) for name in ("one", "two")]
    assert [p.stdout.readline() for p in procs] == ["ready\n"] * 2
    go.touch()                                      # both start at once
    outputs = [p.communicate(timeout=120)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0]
    granted = [t for out in outputs for t in json.loads(out)]
    assert sorted(granted) == [1] * 10 + [2] * 10
    with AttemptStore(db) as store:
        for exercise in range(10):
            rows = store.attempts("alice", f"q{exercise}")
            assert [(r["try"], r["penalty"]) for r in rows] == [(1, 0.0), (2, 0.25)]


def test_an_attempt_limit_counts_readable_tries_and_a_refusal_writes_nothing(db):
    with AttemptStore(db) as store:
        _record(store, client_id="bad", valid=False, max_tries=2)
        first, _ = _record(store, client_id="c1", max_tries=2, penalty=lambda t: 0.25 * (t - 1))
        second, _ = _record(store, client_id="c2", max_tries=2, penalty=lambda t: 0.25 * (t - 1))
        assert (first["try"], first["penalty"], second["try"], second["penalty"]) == (1, 0.0, 2, 0.25)
        with pytest.raises(NoTriesLeft, match="used all 2 tries at crm.quiz-01"):
            _record(store, client_id="c3", max_tries=2)
        again, created = _record(store, client_id="c2", max_tries=2)
        assert not created and again == second, "a resent try is its first reply, not a refusal"
        assert [r["try"] for r in store.attempts("alice")] == [None, 1, 2]


def test_database_urls_are_checked():
    with pytest.raises(ValueError, match="not supported"):
        AttemptStore("mysql://somewhere/db")
    with pytest.raises(ValueError, match="file path or a URL"):
        AttemptStore("  ")


def test_keys_of_computed_exercises_are_kept_and_served_without_simulating_again(db, monkeypatch):
    """The service keeps each student's expected answers in the database: a restarted
    service (empty caches) serves them without simulating the student's shop again, and a
    key stored under another fingerprint (a changed exercise or solution) is worked out
    anew, never served."""
    from casekit import exercises
    from casekit.hub import keys

    ex = exercises.get("crm.recent-buyers")
    monkeypatch.setattr(exercises, "_RESOLVED", {})
    with AttemptStore(db) as store:
        first = keys.resolved(store, ex, "dana", warm=False)
        assert first.answer == exercises._resolved(ex, "dana").answer
        assert store.get_key("dana", ex.id)[0] == keys._fingerprint(ex)
    monkeypatch.setattr(exercises, "_RESOLVED", {})        # a restarted service
    simulated = []
    monkeypatch.setattr(exercises, "_student_data", lambda s: simulated.append(s))
    with AttemptStore(db) as store:
        assert keys.resolved(store, ex, "dana", warm=False).answer == first.answer
        assert simulated == [], "served from the database"
        store.put_keys("dana", {ex.id: ("0000000000000000", '{"answer": 1.0, "mistakes": []}')})
        monkeypatch.setattr(exercises, "_RESOLVED", {})
        monkeypatch.undo()
        monkeypatch.setattr(exercises, "_RESOLVED", {})
        assert keys.resolved(store, ex, "dana", warm=False).answer == first.answer != 1.0
        assert store.get_key("dana", ex.id)[0] == keys._fingerprint(ex)
