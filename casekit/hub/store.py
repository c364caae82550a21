"""The attempt store of the classroom service: every checked answer, with the server's time.

One table, ``casekit_attempts``, on SQLAlchemy Core, so the same code runs on

- **SQLite** (the default: one file, WAL mode, ``synchronous=FULL`` so an acknowledged
  attempt survives a crash of the service or of the machine), and
- **PostgreSQL** for a large course: pass a database URL such as
  ``postgresql+psycopg://casekit@db.example.org/course``.

Columns: ``id``, ``student`` (the hub user), ``exercise``, ``answer`` (JSON text),
``score``, ``correct``, ``valid``, ``points``, ``message`` (the feedback shown),
``server_time`` (UTC, stamped here, never by the client), ``client_id`` (chosen by the
student's kernel for each attempt), ``client_time`` (what the kernel's clock said, for
information only), ``casekit`` (the service's version) and ``penalty`` (the share of its
value this try loses under the course's ``penalty_per_try``; None for practice). A database
made before ``penalty`` existed gets the column on first use.

``(student, client_id)`` is unique: an attempt that is sent again (after a lost reply, or
from the outbox of a kernel that could not reach the service) is recorded once, and the
second call gets the first one back. Every write is one transaction.

An attempt limit (``max_tries``) holds however many service processes share the database:
the count of a student's tries and the insert of a new one are one transaction that holds
the student's write lock (SQLite: ``BEGIN IMMEDIATE``, the database's one writer lock;
PostgreSQL: a transaction-scoped advisory lock keyed on the student), so two checks sent
at the same moment to two processes cannot both take the last try. On SQLite the attempts
of a process's threads that arrive together share one commit (one disk flush), each
acknowledged only once it is committed.

>>> import tempfile, pathlib
>>> store = AttemptStore(pathlib.Path(tempfile.mkdtemp()) / "attempts.sqlite")
>>> row, new = store.record("alice", "crm.quiz-01", "A", score=1.0, correct=True, valid=True,
...                         message="✓ Correct.", client_id="a1")
>>> new, row["attempt"], row["server_time"].tzname()
(True, 1, 'UTC')
>>> store.record("alice", "crm.quiz-01", "A", score=1.0, correct=True, valid=True,
...              message="✓ Correct.", client_id="a1")[1]          # sent again: kept once
False
>>> [a["exercise"] for a in store.attempts("alice")], store.attempts("bob")
(['crm.quiz-01'], [])
>>> store.close()
"""
from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import math
import os
import re
import threading
from pathlib import Path
from typing import Any, Callable

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

__all__ = ["AttemptStore", "ClientIdConflict", "NoTriesLeft", "database_url", "default_database",
           "keys_table"]

CLIENT_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
EXERCISE_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,200}$")
MAX_ANSWER_CHARS = 200_000
MAX_MESSAGE_CHARS = 20_000

metadata = sa.MetaData()
attempts_table = sa.Table(
    "casekit_attempts", metadata,
    sa.Column("id", sa.Integer, sa.Identity(), primary_key=True),
    sa.Column("student", sa.String(64), nullable=False),
    sa.Column("exercise", sa.String(200), nullable=False),
    sa.Column("answer", sa.Text, nullable=False),
    sa.Column("score", sa.Float, nullable=False),
    sa.Column("correct", sa.Boolean, nullable=False),
    sa.Column("valid", sa.Boolean, nullable=False),
    sa.Column("points", sa.Float, nullable=True),
    sa.Column("message", sa.Text, nullable=False),
    sa.Column("server_time", sa.DateTime(timezone=True), nullable=False),
    sa.Column("client_id", sa.String(64), nullable=False),
    sa.Column("client_time", sa.String(40), nullable=True),
    sa.Column("casekit", sa.String(32), nullable=True),
    sa.Column("penalty", sa.Float, nullable=True),
    sa.UniqueConstraint("student", "client_id", name="uq_casekit_attempts_client"),
    sa.Index("ix_casekit_attempts_student_exercise", "student", "exercise"),
)


#: Expected answers of computed exercises per student, worked out once (a student's data
#: takes about a second to simulate): ``fingerprint`` is
#: :func:`casekit.grading.reference.fingerprint` of the exercise, so a changed exercise,
#: solution or library version is never served a stale key; ``value`` is its ``pack()``.
keys_table = sa.Table(
    "casekit_keys", metadata,
    sa.Column("student", sa.String(64), primary_key=True),
    sa.Column("exercise", sa.String(200), primary_key=True),
    sa.Column("fingerprint", sa.String(32), nullable=False),
    sa.Column("value", sa.Text, nullable=False),
)


class ClientIdConflict(ValueError):
    """A client id already recorded for this student with a different exercise or answer."""


class NoTriesLeft(ValueError):
    """The student already has ``max_tries`` readable attempts at the exercise; nothing was
    written."""

    def __init__(self, student: str, exercise: str, max_tries: int):
        super().__init__(f"{student} has used all {max_tries} tries at {exercise}")
        self.max_tries = max_tries


def default_database() -> Path:
    """The default database file: ``$CASEKIT_HUB_DB`` or ``./casekit-attempts.sqlite``."""
    return Path(os.environ.get("CASEKIT_HUB_DB", "casekit-attempts.sqlite"))


def database_url(db: str | os.PathLike) -> str:
    """A SQLAlchemy URL for ``db``: a URL is kept, a file path becomes a SQLite URL.

    >>> database_url("/srv/casekit/attempts.sqlite")
    'sqlite+pysqlite:////srv/casekit/attempts.sqlite'
    >>> database_url("postgresql+psycopg://casekit@localhost/course")
    'postgresql+psycopg://casekit@localhost/course'
    >>> database_url("mysql://x")
    Traceback (most recent call last):
    ...
    ValueError: database 'mysql://x' is not supported: give a SQLite file path or a postgresql:// URL
    """
    if isinstance(db, os.PathLike):
        db = os.fspath(db)
    if not isinstance(db, str) or not db.strip():
        raise ValueError(f"database must be a file path or a URL, got {db!r}")
    db = db.strip()
    if "://" not in db:
        return "sqlite+pysqlite:///" + str(Path(db).expanduser().resolve())
    scheme = db.split("://", 1)[0].lower()
    if scheme == "postgresql" or scheme == "postgres":
        return "postgresql+psycopg://" + db.split("://", 1)[1]
    if scheme.startswith("sqlite") or scheme.startswith("postgresql+"):
        return db
    raise ValueError(f"database {db!r} is not supported: give a SQLite file path or a "
                     "postgresql:// URL")


def _utc(value: dt.datetime) -> dt.datetime:
    """SQLite hands back naive datetimes: they were stored as UTC."""
    return value.replace(tzinfo=dt.timezone.utc) if value.tzinfo is None \
        else value.astimezone(dt.timezone.utc)


def _check_text(name: str, value: Any, pattern: re.Pattern) -> str:
    if not isinstance(value, str) or not pattern.match(value):
        raise ValueError(f"{name} {value!r} is not allowed: use {pattern.pattern}")
    return value


def _number(name: str, value: Any, low: float | None = None, high: float | None = None):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    if (low is not None and value < low) or (high is not None and value > high):
        raise ValueError(f"{name} must be between {low} and {high}, got {value!r}")
    return float(value)


class AttemptStore:
    """Attempts in a SQLite file (WAL) or a PostgreSQL database; safe across threads and
    processes (every write is one transaction; the database enforces one row per
    ``(student, client_id)``).

    ``db`` is a file path or a SQLAlchemy URL (``postgresql://…`` uses psycopg 3).
    The table is created when missing. See the module docstring for an example.
    """

    def __init__(self, db: str | os.PathLike | None = None, *, echo: bool = False):
        self.url = database_url(default_database() if db is None else db)
        kwargs: dict[str, Any] = {"echo": echo, "future": True}
        if self.url.startswith("sqlite"):
            path = sa.engine.make_url(self.url).database
            if path and path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
        else:
            kwargs.update(pool_size=8, max_overflow=8, pool_pre_ping=True)
        self.engine = sa.create_engine(self.url, **kwargs)
        if self.url.startswith("sqlite"):
            sa.event.listen(self.engine, "connect", _sqlite_pragmas)
            sa.event.listen(self.engine, "begin", _sqlite_begin)
            self._commits = _GroupCommit(self.engine.execution_options(casekit_immediate=True))
        metadata.create_all(self.engine)
        self._add_missing_columns()

    def _add_missing_columns(self) -> None:
        """Columns added since the table was first made (``penalty``), added in place."""
        have = {c["name"] for c in sa.inspect(self.engine).get_columns("casekit_attempts")}
        if "penalty" in have:
            return
        try:
            with self.engine.begin() as conn:
                conn.execute(sa.text("ALTER TABLE casekit_attempts ADD COLUMN penalty FLOAT"))
        except sa.exc.DBAPIError:       # another process added it first
            have = {c["name"] for c in sa.inspect(self.engine).get_columns("casekit_attempts")}
            if "penalty" not in have:
                raise

    def __repr__(self):
        return f"AttemptStore({self.engine.url.render_as_string(hide_password=True)!r})"

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self) -> None:
        """Release every database connection."""
        self.engine.dispose()

    @property
    def dialect(self) -> str:
        """``'sqlite'`` or ``'postgresql'``."""
        return self.engine.dialect.name

    def record(self, student: str, exercise: str, answer: Any, *, score: float, correct: bool,
               valid: bool, message: str, client_id: str, points: float | None = None,
               client_time: str | None = None, casekit: str | None = None,
               max_tries: int | None = None,
               penalty: Callable[[int], float] | None = None) -> tuple[dict, bool]:
        """Record one attempt in one transaction; return ``(row, created)``.

        ``answer`` must be plain JSON data (see :func:`casekit.exercises.sheet.json_safe`).
        If this student already sent ``client_id``, nothing is written and the stored row
        comes back with ``created=False``; a different exercise or answer under the same
        client id raises :class:`ClientIdConflict`.

        ``max_tries``: refuse (:class:`NoTriesLeft`, nothing written) when the student
        already has that many readable attempts at ``exercise``. ``penalty``: try number
        (1, 2, ...) → the share of its value a readable attempt loses, stored with it.
        The new row's ``try`` is its number among the readable ones (None if unreadable).
        """
        from casekit.exercises.sheet import check_student_id

        student = check_student_id(student)
        exercise = _check_text("exercise id", exercise, EXERCISE_ID)
        client_id = _check_text("client id", client_id, CLIENT_ID)
        score = _number("score", score, 0.0, 1.0)
        if not isinstance(correct, bool) or not isinstance(valid, bool):
            raise ValueError(f"correct and valid must be True/False, got {correct!r}, {valid!r}")
        if not isinstance(message, str):
            raise ValueError(f"message must be text, got {type(message).__name__}")
        if points is not None:
            points = _number("points", points, 0.0)
        if max_tries is not None and (isinstance(max_tries, bool) or not isinstance(max_tries, int)
                                      or max_tries < 1):
            raise ValueError(f"max_tries must be a whole number ≥ 1 or None, got {max_tries!r}")
        if penalty is not None and not callable(penalty):
            raise TypeError(f"penalty must map a try number to a share, got {penalty!r}")
        try:
            answer_text = json.dumps(answer, ensure_ascii=False, allow_nan=False, sort_keys=True)
        except (TypeError, ValueError) as err:
            raise ValueError(f"answer is not plain JSON data ({err}): pass it through "
                             "casekit.exercises.sheet.json_safe first") from None
        if len(answer_text) > MAX_ANSWER_CHARS:
            raise ValueError(f"answer is too long ({len(answer_text)} characters as JSON, "
                             f"at most {MAX_ANSWER_CHARS})")
        row = {"student": student, "exercise": exercise, "answer": answer_text,
               "score": score, "correct": correct, "valid": valid, "points": points,
               "message": message[:MAX_MESSAGE_CHARS],
               "server_time": dt.datetime.now(dt.timezone.utc), "client_id": client_id,
               "client_time": None if client_time is None else str(client_time)[:40],
               "casekit": None if casekit is None else str(casekit)[:32], "penalty": None}
        t = attempts_table

        def insert(conn):       # count, check the limit, insert: one step under the lock
            sent = conn.execute(sa.select(t.c.id).where(
                t.c.student == student, t.c.client_id == client_id)).first()
            if sent is not None:
                return None
            before, tries = conn.execute(sa.select(
                sa.func.count(), sa.func.count().filter(t.c.valid.is_(True))).where(
                t.c.student == student, t.c.exercise == exercise)).one()
            if max_tries is not None and tries >= max_tries:
                raise NoTriesLeft(student, exercise, max_tries)
            if valid and penalty is not None:
                row["penalty"] = _number("penalty", penalty(tries + 1), 0.0, 1.0)
            # the last statement, the only write: a job that fails has written nothing, and
            # under the lock the new row is the student's latest at this exercise
            row["id"] = conn.execute(t.insert().values(**row).returning(t.c.id)).scalar_one()
            return before + 1, tries

        try:
            if self.dialect == "sqlite":
                done = self._commits.run(insert)
            else:
                with _advisory(self.engine, student) as conn:
                    done = insert(conn)
        except IntegrityError:      # a writer that takes no lock (an older casekit) was first
            if self.find(student, client_id) is None:   # not our unique key: a real error
                raise
            done = None
        if done is None:
            return self._sent_before(student, exercise, client_id, answer_text), False
        number, tries = done
        return {**row, "answer": json.loads(answer_text), "attempt": number,
                "try": tries + 1 if valid else None}, True

    def _sent_before(self, student: str, exercise: str, client_id: str, answer_text: str) -> dict:
        """The stored attempt a resent ``client_id`` names; :class:`ClientIdConflict` if it
        was another exercise or answer."""
        existing = self.find(student, client_id)
        same = json.dumps(existing["answer"], ensure_ascii=False, sort_keys=True)
        if existing["exercise"] != exercise or same != answer_text:
            raise ClientIdConflict(
                f"client id {client_id!r} was already used by {student} for another "
                f"attempt ({existing['exercise']}); send a new id for a new attempt")
        return existing

    def find(self, student: str, client_id: str) -> dict | None:
        """The attempt this student sent with ``client_id``, or None."""
        t = attempts_table
        with self.engine.connect() as conn:
            found = conn.execute(sa.select(t).where(t.c.student == student,
                                                    t.c.client_id == client_id)).mappings().first()
            if found is None:
                return None
            earlier = conn.execute(sa.select(sa.func.count(), sa.func.count().filter(
                t.c.valid.is_(True))).select_from(t).where(
                t.c.student == student, t.c.exercise == found["exercise"],
                t.c.id <= found["id"])).one()
        return self._row(found, *earlier)

    def attempts(self, student: str, exercise: str | None = None) -> list[dict]:
        """This student's attempts (all, or at one exercise) in the order they arrived,
        each with ``attempt`` = its number among the student's tries at that exercise and
        ``try`` = its number among the readable ones (None if unreadable)."""
        from casekit.exercises.sheet import check_student_id

        student = check_student_id(student)
        t = attempts_table
        query = sa.select(t).where(t.c.student == student)
        if exercise is not None:
            query = query.where(t.c.exercise == _check_text("exercise id", exercise, EXERCISE_ID))
        with self.engine.connect() as conn:
            rows = conn.execute(query.order_by(t.c.id)).mappings().all()
        return self._numbered(rows)

    def count_valid(self, student: str, exercise: str) -> int:
        """How many readable answers this student gave to this exercise (for revealing the
        explanation after ``reveal_after`` tries, as the answer sheet does)."""
        t = attempts_table
        with self.engine.connect() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(t).where(
                t.c.student == student, t.c.exercise == exercise,
                t.c.valid.is_(True))).scalar_one()

    def all_attempts(self) -> list[dict]:
        """Every attempt of every student (for the instructor's gradebook), oldest first."""
        t = attempts_table
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(t).order_by(t.c.id)).mappings().all()
        return self._numbered(rows)

    def _numbered(self, rows) -> list[dict]:
        """``rows`` (oldest first) with their ``attempt`` and ``try`` numbers."""
        counts: dict[tuple, list[int]] = {}
        out = []
        for r in rows:
            count = counts.setdefault((r["student"], r["exercise"]), [0, 0])
            count[0] += 1
            count[1] += bool(r["valid"])
            out.append(self._row(r, *count))
        return out

    def get_key(self, student: str, exercise: str) -> tuple[str, str] | None:
        """``(fingerprint, packed answer)`` stored for this student and exercise, or None."""
        t = keys_table
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(t.c.fingerprint, t.c.value).where(
                t.c.student == student, t.c.exercise == exercise)).first()
        return None if row is None else (row[0], row[1])

    def put_keys(self, student: str, keys: dict[str, tuple[str, str]]) -> None:
        """Store ``{exercise: (fingerprint, packed answer)}`` for ``student`` in one
        transaction, replacing what was there."""
        from casekit.exercises.sheet import check_student_id

        student = check_student_id(student)
        if not keys:
            return
        t = keys_table
        rows = [{"student": student, "exercise": _check_text("exercise id", e, EXERCISE_ID),
                 "fingerprint": f, "value": v} for e, (f, v) in keys.items()]
        try:
            with self.engine.begin() as conn:
                conn.execute(t.delete().where(t.c.student == student, t.c.exercise.in_(list(keys))))
                conn.execute(t.insert(), rows)
        except IntegrityError:      # another thread stored them at the same moment: the same keys
            pass

    def count(self) -> int:
        """How many attempts the store holds."""
        with self.engine.connect() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(attempts_table)).scalar_one()

    @staticmethod
    def _row(r, number: int, tried: int) -> dict:
        row = dict(r)
        row["answer"] = json.loads(row["answer"])
        row["server_time"] = _utc(row["server_time"])
        row["attempt"] = number
        row["try"] = tried if row["valid"] else None
        return row


class _GroupCommit:
    """SQLite writes of many threads in shared transactions: SQLite has one writer at a
    time and each commit waits for the disk (``synchronous=FULL``), so the attempts that
    arrive while one commit is on its way go together in the next, one disk flush for all.
    Each transaction begins ``IMMEDIATE`` (the writer lock of the whole database, across
    processes); every thread returns only once its own write is committed, with its own
    result or error. A job must write nothing unless it succeeds (the attempt's insert is
    its last statement), so one job's error leaves the others' in the commit."""

    def __init__(self, engine):
        self._engine = engine
        self._cond = threading.Condition()
        self._pending: list[list] = []      # [work, result, error, finished]
        self._leading = False

    def run(self, work):
        """``work(conn)`` in a committed transaction; its result, or what it raised."""
        job = [work, None, None, False]
        with self._cond:
            self._pending.append(job)
            while self._leading and not job[3]:
                self._cond.wait()
            lead = not job[3]           # this thread commits what is pending, its job too
            if lead:
                self._leading = True
                batch, self._pending = self._pending, []
        if lead:
            try:
                self._commit(batch)
            finally:
                with self._cond:
                    self._leading = False
                    self._cond.notify_all()
        if job[2] is not None:
            raise job[2]
        return job[1]

    def _commit(self, batch: list[list]) -> None:
        committed, failure = False, None
        try:
            with self._engine.begin() as conn:
                for job in batch:
                    try:
                        job[1] = job[0](conn)
                    except Exception as err:
                        job[2] = err
            committed = True
        except Exception as err:
            failure = err
        finally:
            for job in batch:
                if not committed:       # none of the batch is written: every job says so
                    job[1] = None
                    job[2] = job[2] or failure or RuntimeError("the commit was interrupted: "
                                                               "nothing was saved")
                job[3] = True


@contextlib.contextmanager
def _advisory(engine, student: str):
    """A PostgreSQL transaction holding an advisory lock on ``student`` until it ends."""
    key = int.from_bytes(hashlib.blake2b(student.encode(), digest_size=8).digest(), "big",
                         signed=True)
    with engine.begin() as conn:
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
        yield conn


def _sqlite_begin(conn):
    """Start SQLite transactions ourselves (pysqlite's own would begin only at the first
    write, too late to count and insert as one step): ``BEGIN IMMEDIATE`` for a connection
    with the ``casekit_immediate`` option, else a plain ``BEGIN``."""
    conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("casekit_immediate")
                         else "BEGIN")


def _sqlite_pragmas(dbapi_connection, _record):
    dbapi_connection.isolation_level = None     # transactions begin in _sqlite_begin
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
    finally:
        cursor.close()
