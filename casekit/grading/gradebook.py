"""The gradebook: one SQLite file holding every re-checked attempt, score and change.

Tables (all keyed by student id and exercise id):

- ``students`` — one row per student: roster name, the SHA-256 of the sheet last graded;
- ``exercises`` — the exercises being graded, in bank order, with their points;
- ``attempts`` — every attempt as re-checked by the grader (the sheet's own score is kept
  only as ``claimed``, to spot edited sheets);
- ``expected`` — each student's expected answers to computed exercises (a cache, with the
  fingerprint of what they were computed from);
- ``scores`` — points per student and exercise, with a status: ``auto``, ``manual``,
  ``pending`` (free text awaiting marking), ``unattempted``, ``invalid``, ``error``,
  ``missing`` (no sheet handed in);
- ``manual`` — marks given to free-text answers;
- ``extensions`` — a student's own deadline, for one chapter or all ("*");
- ``history`` — every change of a score: when, old and new points and status, and why;
- ``runs`` and ``meta`` — what ran when, and the grading settings.

The file runs in WAL mode and every student is written in one transaction, so a crash
or Ctrl-C leaves it consistent: a student is either fully graded or as before.

>>> import tempfile, pathlib
>>> with Gradebook(pathlib.Path(tempfile.mkdtemp()) / "gradebook.sqlite") as gb:
...     gb.integrity()
'ok'
"""
from __future__ import annotations

import contextlib
import datetime as dt
import json
import sqlite3
from typing import Any

from casekit.grading.common import check_path

__all__ = ["Gradebook", "now"]

SCHEMA_VERSION = 2

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS exercises(
    id TEXT PRIMARY KEY, position INTEGER NOT NULL, chapter TEXT NOT NULL,
    kind TEXT NOT NULL, points REAL NOT NULL);
CREATE TABLE IF NOT EXISTS students(
    student TEXT PRIMARY KEY, name TEXT NOT NULL DEFAULT '', on_roster INTEGER NOT NULL DEFAULT 0,
    sheet_sha256 TEXT, source TEXT, check_key TEXT, score_key TEXT, graded_at TEXT,
    inflated INTEGER NOT NULL DEFAULT 0, note TEXT NOT NULL DEFAULT '');
CREATE TABLE IF NOT EXISTS attempts(
    student TEXT NOT NULL, seq INTEGER NOT NULL, exercise TEXT NOT NULL, answer TEXT NOT NULL,
    timestamp TEXT, valid INTEGER NOT NULL, correct INTEGER NOT NULL, score REAL NOT NULL,
    claimed REAL, message TEXT NOT NULL, handed_in TEXT, flags TEXT NOT NULL DEFAULT '',
    PRIMARY KEY(student, seq));
CREATE INDEX IF NOT EXISTS attempts_by_exercise ON attempts(exercise);
CREATE TABLE IF NOT EXISTS expected(
    student TEXT NOT NULL, exercise TEXT NOT NULL, fingerprint TEXT NOT NULL, value TEXT NOT NULL,
    PRIMARY KEY(student, exercise));
CREATE TABLE IF NOT EXISTS scores(
    student TEXT NOT NULL, exercise TEXT NOT NULL, points REAL NOT NULL, max_points REAL NOT NULL,
    raw REAL, attempts INTEGER NOT NULL, chosen INTEGER, late_days INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL, PRIMARY KEY(student, exercise));
CREATE TABLE IF NOT EXISTS manual(
    student TEXT NOT NULL, exercise TEXT NOT NULL, fraction REAL NOT NULL
        CHECK(fraction >= 0 AND fraction <= 1),
    answer_sha256 TEXT NOT NULL, grader TEXT NOT NULL DEFAULT '', comment TEXT NOT NULL DEFAULT '',
    at TEXT NOT NULL, PRIMARY KEY(student, exercise));
CREATE TABLE IF NOT EXISTS extensions(
    student TEXT NOT NULL, chapter TEXT NOT NULL, until TEXT NOT NULL, reason TEXT NOT NULL DEFAULT '',
    at TEXT NOT NULL, PRIMARY KEY(student, chapter));
CREATE TABLE IF NOT EXISTS history(
    seq INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, run INTEGER, student TEXT NOT NULL,
    exercise TEXT NOT NULL, old_points REAL, new_points REAL, old_status TEXT, new_status TEXT,
    reason TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS runs(
    run INTEGER PRIMARY KEY AUTOINCREMENT, command TEXT NOT NULL, started TEXT NOT NULL,
    finished TEXT, status TEXT NOT NULL, summary TEXT NOT NULL DEFAULT '');
"""


def now() -> str:
    """The current UTC time as ISO text (``2026-12-01T10:00:00Z``)."""
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


class Gradebook:
    """An open gradebook file; use it as a context manager (it closes the file).

    ``create=False`` raises ValueError when the file does not exist yet (for commands
    that only read grades).
    """

    def __init__(self, path, *, create: bool = True):
        path = check_path("gradebook", path)
        if not isinstance(create, bool):
            raise TypeError(f"create must be True or False, got {create!r}")
        if not create and not path.is_file():
            raise ValueError(f"No gradebook at {str(path)!r}: run `casekit grade` first "
                             "(or pass --gradebook to point at yours).")
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.conn = sqlite3.connect(path, timeout=30, isolation_level=None)
        self.conn.row_factory = sqlite3.Row
        try:
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA synchronous=NORMAL")
            with self.transaction():
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        self.conn.execute(statement)
                version = self.meta("schema", SCHEMA_VERSION)
                if version == 1:   # v2 keeps the LMS's hand-in time and odd-time flags
                    self.conn.execute("ALTER TABLE attempts ADD COLUMN handed_in TEXT")
                    self.conn.execute("ALTER TABLE attempts ADD COLUMN flags TEXT NOT NULL DEFAULT ''")
                    self.conn.execute("UPDATE students SET check_key = NULL")
                    version = SCHEMA_VERSION
                if version != SCHEMA_VERSION:
                    raise ValueError(f"{path} is a version-{version} gradebook; this casekit "
                                     f"reads version {SCHEMA_VERSION}.")
                self.set_meta("schema", SCHEMA_VERSION)
        except sqlite3.DatabaseError as err:
            self.conn.close()
            if isinstance(err, sqlite3.OperationalError) and \
                    ("locked" in str(err) or "busy" in str(err)):
                raise ValueError(f"{str(path)!r} is in use by another program ({err}): close "
                                 "it there (or wait for it) and try again.") from None
            raise ValueError(f"{str(path)!r} is not a casekit gradebook ({err}).") from None
        except BaseException:
            self.conn.close()
            raise

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self) -> None:
        """Fold the write-ahead log back into the file and close it."""
        with contextlib.suppress(sqlite3.Error):
            self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self.conn.close()

    @contextlib.contextmanager
    def transaction(self):
        """One all-or-nothing unit of work (an exception or Ctrl-C rolls it back)."""
        if self.conn.in_transaction:
            yield self.conn
            return
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    def meta(self, key: str, default: Any = None) -> Any:
        """A stored setting (JSON), or ``default``."""
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return default if row is None else json.loads(row[0])

    def set_meta(self, key: str, value: Any) -> None:
        """Store a setting (any JSON value)."""
        self.conn.execute("INSERT INTO meta(key, value) VALUES(?, ?) ON CONFLICT(key) "
                          "DO UPDATE SET value = excluded.value", (key, json.dumps(value)))

    def integrity(self) -> str:
        """SQLite's own check of the file: ``'ok'`` when it is sound."""
        return "; ".join(r[0] for r in self.conn.execute("PRAGMA integrity_check"))

    def exercises(self) -> list[sqlite3.Row]:
        """The exercises graded, in bank order: id, position, chapter, kind, points."""
        return self.conn.execute("SELECT * FROM exercises ORDER BY position").fetchall()

    def students(self) -> list[sqlite3.Row]:
        """Every student in the gradebook, by id."""
        return self.conn.execute("SELECT * FROM students ORDER BY student").fetchall()

    def scores(self) -> dict[str, dict[str, sqlite3.Row]]:
        """``{student: {exercise: score row}}`` for every student."""
        out: dict[str, dict[str, sqlite3.Row]] = {}
        for row in self.conn.execute("SELECT * FROM scores ORDER BY student"):
            out.setdefault(row["student"], {})[row["exercise"]] = row
        return out

    def attempts(self, student: str | None = None) -> list[sqlite3.Row]:
        """Re-checked attempts in sheet order, of one student or of all."""
        if student is None:
            return self.conn.execute("SELECT * FROM attempts ORDER BY student, seq").fetchall()
        return self.conn.execute("SELECT * FROM attempts WHERE student = ? ORDER BY seq",
                                 (student,)).fetchall()

    def history(self, student: str | None = None) -> list[sqlite3.Row]:
        """Every recorded change of a score, oldest first."""
        if student is None:
            return self.conn.execute("SELECT * FROM history ORDER BY seq").fetchall()
        return self.conn.execute("SELECT * FROM history WHERE student = ? ORDER BY seq",
                                 (student,)).fetchall()

    def start_run(self, command: str) -> int:
        """Record the start of a run (finished by :meth:`finish_run`); returns its number."""
        with self.transaction():
            cur = self.conn.execute("INSERT INTO runs(command, started, status) VALUES(?, ?, ?)",
                                    (command, now(), "running"))
        return cur.lastrowid

    def finish_run(self, run: int, status: str, summary: str = "") -> None:
        """Record how a run ended: "done", "interrupted" or "failed"."""
        with self.transaction():
            self.conn.execute("UPDATE runs SET finished = ?, status = ?, summary = ? WHERE run = ?",
                              (now(), status, summary, run))

    def unfinished_runs(self) -> list[sqlite3.Row]:
        """Runs that never recorded an end (killed, or still running elsewhere)."""
        return self.conn.execute("SELECT * FROM runs WHERE status = 'running'").fetchall()

    # ------------------------------------------------------------------ per student
    @contextlib.contextmanager
    def grading(self):
        """Hold the file for one grading run: ValueError at once if another process is
        grading it (two runs would write scores under two settings or banks). The lock is
        the kernel's (``flock``): a killed run releases it."""
        with self._flock(exclusive=True, what="grade it"):
            yield

    @contextlib.contextmanager
    def _flock(self, *, exclusive: bool, what: str):
        try:
            import fcntl
        except ImportError:         # Windows: no advisory locks; SQLite's own still apply
            yield
            return
        with open(self.path, "rb") as handle:
            try:
                fcntl.flock(handle, (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB)
            except BlockingIOError:
                raise ValueError(f"A `casekit grade` is running on {str(self.path)!r} right now: "
                                 f"wait for it to finish, then {what}.") from None
            yield

    def require_finished(self, what: str) -> None:
        """ValueError if the last grading run did not finish (killed, Ctrl-C, failed, or
        still running): until a run finishes, students may be scored under different banks
        or settings, and ``what`` (an export, pages) would mix them."""
        with self._flock(exclusive=False, what=what):
            pass
        last = self.conn.execute("SELECT run, started, status FROM runs ORDER BY run DESC "
                                 "LIMIT 1").fetchone()
        if last is not None and last["status"] != "done":
            raise ValueError(f"The last `casekit grade` run ({last['run']}, started "
                             f"{last['started']}) is {last['status']}: some students may still "
                             f"have scores from before it. Run `casekit grade` again to finish "
                             f"it, then {what}.")

    def has_sheet(self, student: str) -> bool:
        """True when a sheet of ``student`` has been graded."""
        row = self.conn.execute("SELECT sheet_sha256 FROM students WHERE student = ?",
                                (student,)).fetchone()
        return row is not None and row[0] is not None

    def manual_marks(self, student: str) -> dict[str, dict]:
        """``{exercise: mark}`` of the free-text marks given to ``student``."""
        return {r["exercise"]: dict(r) for r in self.conn.execute(
            "SELECT * FROM manual WHERE student = ?", (student,))}

    def expected(self, student: str) -> dict[str, tuple[str, str]]:
        """``{exercise: (fingerprint, packed answer)}``: the cached expected answers."""
        return {r["exercise"]: (r["fingerprint"], r["value"]) for r in self.conn.execute(
            "SELECT * FROM expected WHERE student = ?", (student,))}

    def extensions(self, student: str) -> dict[str, str]:
        """``{chapter or "*": ISO time}``: the student's own deadlines."""
        return {r["chapter"]: r["until"] for r in self.conn.execute(
            "SELECT chapter, until FROM extensions WHERE student = ?", (student,))}

    def extended_until(self, chapter: str) -> list[str]:
        """Every student's own deadline that covers ``chapter`` (its own or "*")."""
        return [r[0] for r in self.conn.execute(
            "SELECT until FROM extensions WHERE chapter = ? OR chapter = '*'", (chapter,))]

    def set_extension(self, student: str, chapter: str, until: str | None, reason: str = "") -> None:
        """Give ``student`` their own deadline ``until`` for ``chapter`` ("*": all); ``None``
        removes it. Call it inside :meth:`transaction` and re-score the student after."""
        if until is None:
            self.conn.execute("DELETE FROM extensions WHERE student = ? AND chapter = ?",
                              (student, chapter))
            return
        self.conn.execute("INSERT INTO extensions VALUES(?, ?, ?, ?, ?) ON CONFLICT(student, "
                          "chapter) DO UPDATE SET until = excluded.until, reason = excluded.reason, "
                          "at = excluded.at", (student, chapter, until, reason, now()))

    def replace_attempts(self, student: str, attempts: list, expected: list[tuple]) -> None:
        """Store ``student``'s re-checked attempts (``policy.Attempt``) in place of the old
        ones, and cache newly computed expected answers ``(exercise, fingerprint, value)``."""
        self.conn.execute("DELETE FROM attempts WHERE student = ?", (student,))
        self.conn.executemany(
            "INSERT INTO attempts(student, seq, exercise, answer, timestamp, valid, correct, "
            "score, claimed, message, handed_in, flags) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(student, a.seq, a.exercise, a.answer, a.timestamp, a.valid, a.correct, a.score,
              a.claimed, a.message, a.handed_in, a.flags) for a in attempts])
        self.conn.executemany(
            "INSERT INTO expected VALUES(?, ?, ?, ?) ON CONFLICT(student, exercise) DO UPDATE "
            "SET fingerprint = excluded.fingerprint, value = excluded.value",
            [(student, *row) for row in expected])

    def replace_scores(self, student: str, scores: dict, *, run: int | None, reason: str) -> None:
        """Store ``student``'s ``{exercise: policy.Score}``, dropping exercises no longer
        graded, and record every change of points or status in the history."""
        old = {r["exercise"]: r for r in self.conn.execute(
            "SELECT * FROM scores WHERE student = ?", (student,))}
        stamp, history = now(), []
        for exercise, new in scores.items():
            before = old.get(exercise)
            if before is None or (before["points"], before["status"]) != (new.points, new.status):
                history.append((stamp, run, student, exercise,
                                None if before is None else before["points"], new.points,
                                None if before is None else before["status"], new.status, reason))
        gone = sorted(set(old) - set(scores))
        history += [(stamp, run, student, g, old[g]["points"], None, old[g]["status"], None,
                     "no longer graded") for g in gone]
        self.conn.executemany("DELETE FROM scores WHERE student = ? AND exercise = ?",
                              [(student, g) for g in gone])
        self.conn.executemany(
            "INSERT OR REPLACE INTO scores VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(student, e, s.points, s.max_points, s.raw, s.attempts, s.chosen, s.late_days,
              s.status) for e, s in scores.items()])
        self.conn.executemany(
            "INSERT INTO history(at, run, student, exercise, old_points, new_points, old_status, "
            "new_status, reason) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?)", history)

    def student(self, student: str) -> sqlite3.Row | None:
        """The students-table row of ``student``, or None."""
        return self.conn.execute("SELECT * FROM students WHERE student = ?", (student,)).fetchone()

    def set_sheet(self, student: str, sha256: str, source: str, check_key: str | None,
                  inflated: int, note: str) -> None:
        """Record which sheet of ``student`` was graded, against which keys."""
        self.conn.execute(
            "INSERT INTO students(student, sheet_sha256, source, check_key, graded_at, inflated, "
            "note) VALUES(?, ?, ?, ?, ?, ?, ?) ON CONFLICT(student) DO UPDATE SET "
            "sheet_sha256 = excluded.sheet_sha256, source = excluded.source, "
            "check_key = excluded.check_key, graded_at = excluded.graded_at, "
            "inflated = excluded.inflated, note = excluded.note",
            (student, sha256, source, check_key, now(), inflated, note))

    def set_score_key(self, student: str, key: str | None) -> None:
        """Record the settings ``student`` was last scored under (None: score again)."""
        self.conn.execute("UPDATE students SET score_key = ? WHERE student = ?", (key, student))

    # ------------------------------------------------------------------ the class
    def set_exercises(self, exercises: list[tuple[str, str, str, float]]) -> None:
        """The exercises graded, in order: ``(id, chapter, kind, points)`` each."""
        self.conn.execute("DELETE FROM exercises")
        self.conn.executemany("INSERT INTO exercises VALUES(?, ?, ?, ?, ?)",
                              [(i, n, c, k, p) for n, (i, c, k, p) in enumerate(exercises)])

    def add_to_roster(self, roster: dict[str, str]) -> None:
        """Add or rename the students of a class list ``{id: name}``."""
        self.conn.executemany(
            "INSERT INTO students(student, name, on_roster) VALUES(?, ?, 1) ON CONFLICT(student) "
            "DO UPDATE SET name = excluded.name, on_roster = 1", list(roster.items()))

    def status_counts(self) -> dict[str, int]:
        """How many scores have each status."""
        return dict(self.conn.execute("SELECT status, count(*) FROM scores GROUP BY status"))

    def inflated_students(self) -> list[str]:
        """Students whose sheet claims more than the re-check gives."""
        return [r[0] for r in self.conn.execute(
            "SELECT student FROM students WHERE inflated > 0 ORDER BY student")]

    def abandon_unfinished_runs(self) -> None:
        """Mark runs that never finished as abandoned (a new run takes over)."""
        self.conn.execute("UPDATE runs SET status = 'abandoned' WHERE status = 'running'")
