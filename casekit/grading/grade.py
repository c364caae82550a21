"""Grading: re-check every attempt on the student's own data, score it, mark free text.

The score a sheet stores is never trusted, and student code is never run: each attempt's
answer (plain JSON data) goes through the exercise's own checker
(``exercise.check(answer)``), for computed exercises on the student's own data. From the
re-checked attempts each exercise gets points:

- ``policy`` "best" counts the best attempt, "last" the last readable one; partial credit
  (a share of the points) comes from the checker (matching, ordering, tables, …);
- after a ``deadline`` (one for all chapters, or one per chapter) an attempt loses
  ``late_penalty`` of its value per started day late (0.1 = 10% a day);
- free-text answers wait for a mark (:func:`mark_interactively`, :func:`import_rubric_csv`).

Results go to the gradebook (:mod:`casekit.grading.gradebook`), one transaction per
student. Re-running is idempotent: an unchanged sheet is skipped, a changed one replaces
the student's attempts, and every change of a score is kept in the history table.

Example::

    summary = grade("sheets", "gradebook.sqlite", policy="best",
                    deadlines={"*": "2026-12-01T23:59+08:00"}, late_penalty=0.1)
    print(summary.text())
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from casekit.exercises.types import TYPES, Exercise
from casekit.grading.common import Progress, check_choice, check_path, write_csv
from casekit.grading.gradebook import Gradebook, now
from casekit.grading.reference import (describe_answer, fingerprint, pack,
                                       resolve_for, unpack)
from casekit.grading.sheets import MAX_SHEET_BYTES, Problem, Sheet, parse_sheet, parse_timestamp, read_limited

__all__ = ["POLICIES", "GradeSummary", "PendingAnswer", "Settings", "grade", "import_rubric_csv",
           "mark_interactively", "parse_deadline", "pending_answers", "score_exercise",
           "set_manual_mark", "write_pending_csv"]

POLICIES = ("best", "last")


# --------------------------------------------------------------------------- settings
def parse_deadline(text: str) -> tuple[str, str]:
    """``"2026-12-01T23:59+08:00"`` (all chapters) or ``"00=2026-12-01T23:59Z"`` (chapter
    00) as ``(chapter or "*", ISO time)``; the time must say its time zone.

    >>> parse_deadline("00=2026-12-01T23:59+08:00")
    ('00', '2026-12-01T23:59:00+08:00')
    """
    if not isinstance(text, str):
        raise TypeError(f"deadline must be text such as '2026-12-01T23:59+08:00', got {text!r}")
    chapter, _, when = text.rpartition("=") if "=" in text else ("*", "", text)
    stamp = parse_timestamp(when.strip())
    if stamp is None:
        raise ValueError(f"deadline {text!r} is not an ISO time with a time zone: write e.g. "
                         "2026-12-01T23:59+08:00 (or ...Z for UTC), optionally preceded by a "
                         "chapter and '=' (00=2026-12-01T23:59+08:00).")
    return chapter.strip() or "*", stamp.isoformat()


@dataclass(frozen=True)
class Settings:
    """How points are given: ``policy`` ("best" or "last" attempt), ``deadlines``
    (chapter or "*" → ISO time), ``late_penalty`` (share of the value lost per started day
    late, 0–1) and the ``chapters`` graded (``None``: every chapter of the bank)."""

    policy: str = "best"
    deadlines: tuple[tuple[str, str], ...] = ()
    late_penalty: float = 0.0
    chapters: tuple[str, ...] | None = None

    def __post_init__(self):
        check_choice("policy", self.policy, POLICIES)
        if isinstance(self.late_penalty, bool) or not isinstance(self.late_penalty, (int, float)) \
                or not 0 <= self.late_penalty <= 1:
            raise ValueError(f"late_penalty must be a share from 0 to 1 lost per day late "
                             f"(0.1 = 10% a day), got {self.late_penalty!r}")
        for chapter, when in self.deadlines:
            if parse_timestamp(when) is None:
                raise ValueError(f"deadline {when!r} for {chapter!r} is not an ISO time with "
                                 "a time zone")

    def deadline(self, chapter: str) -> dt.datetime | None:
        """The deadline of ``chapter`` (its own, else the one for all chapters), or None."""
        table = dict(self.deadlines)
        when = table.get(chapter, table.get("*"))
        return None if when is None else dt.datetime.fromisoformat(when)

    def describe(self) -> str:
        """The settings in words.

        >>> Settings(deadlines=(("*", "2026-12-01T23:59:00+08:00"),), late_penalty=0.1).describe()
        'best attempt counts; deadline 2026-12-01T23:59:00+08:00; late penalty 10% per started day; all chapters'
        """
        deadlines = "; ".join(f"deadline {when}" if chapter == "*" else
                              f"chapter {chapter} deadline {when}" for chapter, when in self.deadlines)
        return "; ".join([f"{self.policy} attempt counts", deadlines or "no deadline",
                          f"late penalty {self.late_penalty:.0%} per started day",
                          "all chapters" if self.chapters is None else
                          "chapters " + ", ".join(self.chapters)])

    def to_json(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data: dict | None) -> "Settings":
        if not data:
            return cls()
        chapters = data.get("chapters")
        return cls(data["policy"], tuple(tuple(d) for d in data["deadlines"]),
                   float(data["late_penalty"]), None if chapters is None else tuple(chapters))


def late_days(timestamp: str | None, deadline: dt.datetime | None) -> int:
    """Started days between ``deadline`` and ``timestamp`` (0 when on time or no deadline).

    >>> import datetime as dt
    >>> late_days("2026-12-02T00:30:00Z", dt.datetime(2026, 12, 1, 23, 59, tzinfo=dt.timezone.utc))
    1
    """
    if deadline is not None and (not isinstance(deadline, dt.datetime) or deadline.tzinfo is None):
        raise TypeError(f"deadline must be a datetime with a time zone, got {deadline!r}")
    stamp = parse_timestamp(timestamp)
    if deadline is None or stamp is None or stamp <= deadline:
        return 0
    return math.ceil((stamp - deadline).total_seconds() / 86400)


def _text_sha(answer_json: str) -> str:
    answer = json.loads(answer_json)
    text = answer.get("text", "") if isinstance(answer, dict) else answer
    return hashlib.sha256(str(text).encode()).hexdigest()


def score_exercise(kind: str, points: float, attempts: list[dict], *, settings: Settings,
                   chapter: str = "", manual: dict | None = None) -> dict:
    """Points for one exercise from its re-checked attempts (dicts with ``seq``, ``valid``,
    ``score``, ``timestamp``, ``answer``), under ``settings``; ``manual`` is the mark of a
    free-text answer (``fraction``, ``answer_sha256``).

    >>> s = Settings(policy="last")
    >>> score_exercise("numeric", 2.0, [{"seq": 1, "valid": 1, "score": 1.0, "timestamp": None,
    ...     "answer": "3"}, {"seq": 2, "valid": 1, "score": 0.0, "timestamp": None, "answer": "4"}],
    ...     settings=s)["points"]
    0.0
    """
    check_choice("kind", kind, list(TYPES))
    if not isinstance(settings, Settings):
        raise TypeError(f"settings must be a Settings, got {type(settings).__name__}")
    if isinstance(points, bool) or not isinstance(points, (int, float)) or points <= 0:
        raise ValueError(f"points must be a number > 0, got {points!r}")
    deadline = settings.deadline(chapter)
    result = {"points": 0.0, "max_points": points, "raw": None, "attempts": len(attempts),
              "chosen": None, "late_days": 0, "status": "unattempted"}
    if not attempts:
        return result
    if any(a["valid"] == -1 for a in attempts):
        return {**result, "status": "error"}
    usable = [a for a in attempts if a["valid"] == 1
              and (deadline is None or parse_timestamp(a["timestamp"]) is not None)]
    if not usable:
        return {**result, "status": "invalid"}

    def factor(a):
        return max(0.0, 1.0 - settings.late_penalty * late_days(a["timestamp"], deadline))

    if kind == "text":
        chosen = usable[-1]
        mark = manual if manual and manual["answer_sha256"] == _text_sha(chosen["answer"]) else None
        raw = None if mark is None else float(mark["fraction"])
        status = "pending" if mark is None else "manual"
    elif settings.policy == "last":
        chosen, raw, status = usable[-1], usable[-1]["score"], "auto"
    else:
        chosen = max(usable, key=lambda a: (a["score"] * factor(a), -a["seq"]))
        raw, status = chosen["score"], "auto"
    value = 0.0 if raw is None else round(raw * factor(chosen) * points, 6)
    return {**result, "points": value, "raw": raw, "chosen": chosen["seq"],
            "late_days": late_days(chosen["timestamp"], deadline), "status": status}


# --------------------------------------------------------------------------- grading
@dataclass
class GradeSummary:
    """What a :func:`grade` run did."""

    checked: int = 0
    rescored: int = 0
    unchanged: int = 0
    missing: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    inflated: list[str] = field(default_factory=list)
    pending: int = 0
    errors: int = 0
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def text(self) -> str:
        """A few lines for the terminal."""
        lines = list(self.notes)
        lines.append(f"Re-checked {self.checked} sheet(s), re-scored {self.rescored}, "
                     f"{self.unchanged} unchanged.")
        if self.missing:
            lines.append(f"{len(self.missing)} student(s) on the roster have no sheet (0 points): "
                         + ", ".join(self.missing[:10]) + (" …" if len(self.missing) > 10 else ""))
        if self.kept:
            lines.append(f"{len(self.kept)} student(s) graded earlier have no sheet in this folder; "
                         "their grades are kept.")
        if self.inflated:
            lines.append(f"{len(self.inflated)} sheet(s) claim higher scores than the re-check "
                         "gives (edited sheets?): " + ", ".join(self.inflated[:10]))
        if self.errors:
            lines.append(f"{self.errors} score(s) could not be computed (status 'error'): the "
                         "reference answer failed; fix it and run `casekit grade` again.")
        if self.pending:
            lines.append(f"{self.pending} free-text answer(s) wait for a mark: "
                         "`casekit grade --manual` or `--rubric-csv`.")
        if self.problems:
            lines.append(f"{len(self.problems)} problem(s):")
            lines += [f"  {p}" for p in self.problems]
        return "\n".join(lines)


def _settings_from(stored: Settings, policy, deadlines, late_penalty, chapters,
                   bank: dict[str, Exercise]) -> Settings:
    changes: dict[str, Any] = {}
    if policy is not None:
        changes["policy"] = check_choice("policy", policy, POLICIES)
    if deadlines is not None:
        if isinstance(deadlines, str):
            deadlines = [deadlines]
        if isinstance(deadlines, dict):
            deadlines = [f"{k}={v}" if k != "*" else str(v) for k, v in deadlines.items()]
        if not isinstance(deadlines, (list, tuple)):
            raise TypeError("deadlines must be a list such as ['2026-12-01T23:59+08:00', "
                            "'01=2026-12-15T23:59+08:00'] or a {chapter: time} dict")
        changes["deadlines"] = tuple(sorted(dict(parse_deadline(str(d)) for d in deadlines).items()))
    if late_penalty is not None:   # checked by Settings; stored as a float
        changes["late_penalty"] = late_penalty if isinstance(late_penalty, bool) or \
            not isinstance(late_penalty, (int, float)) else float(late_penalty)
    if chapters is not None:
        if isinstance(chapters, str):
            chapters = [chapters]
        known = sorted({ex.chapter for ex in bank.values()})
        bad = [c for c in chapters if c not in known]
        if bad:
            raise ValueError(f"chapters {bad} are not in the exercise bank; it has {known}.")
        changes["chapters"] = tuple(sorted(set(chapters))) or None
    settings = dataclasses.replace(stored, **changes)
    chapters_in_bank = {ex.chapter for ex in bank.values()}
    stray = [c for c, _ in settings.deadlines if c != "*" and c not in chapters_in_bank]
    if stray:
        raise ValueError(f"deadline for chapter(s) {stray}, which the bank does not have "
                         f"(it has {sorted(chapters_in_bank)}).")
    return settings


def grade(sheets=None, gradebook="gradebook.sqlite", *, policy: str | None = None,
          deadlines=None, late_penalty: float | None = None, chapters=None, roster=None,
          max_bytes: int = MAX_SHEET_BYTES, jobs: int | None = None,
          progress: bool = True) -> GradeSummary:
    """Grade the answer sheets in the folder ``sheets`` (``<student>.json`` each, as
    written by :func:`casekit.grading.collect.collect`) into ``gradebook``.

    Settings left ``None`` keep the gradebook's earlier ones (first run: best attempt, no
    deadline, no penalty, every chapter). ``sheets=None`` only re-scores what the gradebook
    holds (after changing settings). ``roster`` (CSV) adds students without a sheet, with 0
    points. ``jobs`` processes read and re-check sheets in parallel (default: one per CPU
    core). Example: ``grade("sheets", "gradebook.sqlite", policy="last")``.
    """
    from casekit.exercises.bank import load_bank
    from casekit.grading.collect import read_roster

    folder = None if sheets is None else check_path("sheets", sheets, must_exist=True, kind="folder")
    if not isinstance(max_bytes, int) or isinstance(max_bytes, bool) or max_bytes < 1:
        raise ValueError(f"max_bytes must be a positive whole number of bytes, got {max_bytes!r}")
    jobs = (os.cpu_count() or 1) if jobs is None else jobs
    if not isinstance(jobs, int) or isinstance(jobs, bool) or jobs < 1:
        raise ValueError(f"jobs must be a whole number of processes ≥ 1, got {jobs!r}")
    class_list = read_roster(roster) if roster is not None else {}
    bank = load_bank()
    summary = GradeSummary()
    with Gradebook(gradebook) as gb:
        settings = _settings_from(Settings.from_json(gb.meta("settings")), policy, deadlines,
                                  late_penalty, chapters, bank)
        scope = [ex for ex in bank.values()
                 if settings.chapters is None or ex.chapter in settings.chapters]
        prints = {ex.id: fingerprint(ex) for ex in scope}
        check_key = hashlib.sha256(json.dumps(prints, sort_keys=True).encode()).hexdigest()[:16]
        score_key = hashlib.sha256(json.dumps([check_key, settings.to_json()]).encode()).hexdigest()[:16]
        for run in gb.unfinished_runs():
            summary.notes.append(f"Run {run['run']} ({run['started']}) did not finish (killed?); "
                                 "its completed students are kept and this run finishes the rest.")
        with gb.transaction():
            gb.conn.execute("UPDATE runs SET status = 'abandoned' WHERE status = 'running'")
            gb.set_meta("settings", settings.to_json())
            gb.conn.execute("DELETE FROM exercises")
            gb.conn.executemany("INSERT INTO exercises VALUES(?, ?, ?, ?, ?)",
                                [(ex.id, i, ex.chapter, ex.kind, ex.points)
                                 for i, ex in enumerate(scope)])
            for student, name in class_list.items():
                gb.conn.execute("INSERT INTO students(student, name, on_roster) VALUES(?, ?, 1) "
                                "ON CONFLICT(student) DO UPDATE SET name = excluded.name, "
                                "on_roster = 1", (student, name))
        summary.notes.append(f"Settings: {settings.describe()}.")
        run = gb.start_run("grade " + json.dumps({"sheets": str(folder), **settings.to_json()}))
        context = _Context(scope, prints, check_key, set(bank), max_bytes)
        writer = _Writer(gb, run, check_key, score_key, settings, summary)
        try:
            files = sorted(folder.glob("*.json")) if folder is not None else []
            seen = set()
            with Progress(len(files), "grading", None if progress else _Null()) as bar:
                for prepared in _prepare_all(files, gb, context, jobs):
                    if writer.write(prepared):
                        seen.add(prepared.student)
                    bar.advance()
            for row in gb.students():
                if row["student"] not in seen:
                    writer.rescore_if_needed(row)
                    if row["sheet_sha256"] is None:
                        summary.missing.append(row["student"])
                    elif folder is not None:
                        summary.kept.append(row["student"])
        except KeyboardInterrupt:
            gb.finish_run(run, "interrupted", summary.text())
            raise
        except BaseException:
            gb.finish_run(run, "failed", summary.text())
            raise
        counts = dict(gb.conn.execute("SELECT status, count(*) FROM scores GROUP BY status").fetchall())
        summary.pending, summary.errors = counts.get("pending", 0), counts.get("error", 0)
        summary.inflated = [r[0] for r in gb.conn.execute(
            "SELECT student FROM students WHERE inflated > 0 ORDER BY student")]
        gb.finish_run(run, "done", summary.text())
    return summary


class _Null:
    """A stream that is not a terminal (turns the progress bar off)."""

    def isatty(self):
        return False


@dataclass
class _Context:
    """What every sheet is checked against (sent once to each worker process)."""

    scope: list[Exercise]
    prints: dict[str, str]
    check_key: str
    bank_ids: set[str]
    max_bytes: int


@dataclass
class _Prepared:
    """One sheet read and re-checked, ready to be written in one transaction."""

    path: str
    student: str | None = None
    problems: list[Problem] = field(default_factory=list)
    unchanged: bool = False
    sheet: Sheet | None = None
    rows: list[tuple] = field(default_factory=list)
    expected: list[tuple] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)
    note: str = ""
    inflated: int = 0


_WORKER: dict[str, _Context] = {}


def _init_worker(context: _Context) -> None:
    _WORKER["context"] = context


def _init_pool_worker(context: _Context) -> None:
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)   # Ctrl-C is handled once, by the parent
    _init_worker(context)


def _prepare_in_worker(task: tuple) -> _Prepared:
    return _prepare(_WORKER["context"], *task)


def _prepare_all(files: list[Path], gb: Gradebook, context: _Context, jobs: int):
    """Yield each file :func:`_prepare`-d, in order: read, re-checked and, for computed
    exercises, with expected answers worked out, in ``jobs`` processes when there are
    enough sheets (this process writes the gradebook meanwhile)."""
    known = {r["student"]: (r["sheet_sha256"], r["check_key"]) for r in gb.students()}

    def tasks():
        for path in files:
            sha, key = known.get(path.stem, (None, None))
            cached = {r["exercise"]: (r["fingerprint"], r["value"]) for r in gb.conn.execute(
                "SELECT * FROM expected WHERE student = ?", (path.stem,))} \
                if path.stem in known else {}
            yield str(path), sha, key, cached

    if jobs == 1 or len(files) < 2 * jobs:
        _init_worker(context)
        yield from (_prepare_in_worker(t) for t in tasks())
        return
    import concurrent.futures as cf
    import multiprocessing

    # fork where the platform has it: workers then see the same casekit state as this
    # process (including a replaced casekit.exercises._student_data)
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else None
    with cf.ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context(method),
                                initializer=_init_pool_worker, initargs=(context,)) as pool:
        pending: list = []
        try:
            for task in tasks():
                pending.append(pool.submit(_prepare_in_worker, task))
                if len(pending) >= 4 * jobs:
                    yield pending.pop(0).result()
            while pending:
                yield pending.pop(0).result()
        except BaseException:
            for future in pending:
                future.cancel()
            raise


def _prepare(context: _Context, path: str, known_sha: str | None, known_key: str | None,
             cached: dict[str, tuple[str, str]]) -> _Prepared:
    """Read one sheet file and re-check its attempts (no gradebook access: this may run in
    a worker process)."""
    out = _Prepared(path)
    label = Path(path).name
    try:
        with open(path, "rb") as handle:
            data = read_limited(handle, context.max_bytes)
    except OSError as err:
        out.problems.append(Problem("error", "unreadable", label, str(err)))
        return out
    if data is None:
        out.problems.append(Problem("error", "too-large", label, f"larger than the "
                                    f"{context.max_bytes / 2 ** 20:g} MB limit; not graded"))
        return out
    sheet, problems = parse_sheet(data, label)
    out.problems.extend(problems)
    if sheet is None:
        return out
    if sheet.student != Path(path).stem:
        out.problems.append(Problem(
            "error", "name-mismatch", label, f"the sheet belongs to {sheet.student!r}, not "
            f"{Path(path).stem!r}; not graded (collect sheets with `casekit collect`)", sheet.student))
        return out
    out.student, out.sheet = sheet.student, sheet
    if known_sha == sheet.sha256 and known_key == context.check_key:
        out.unchanged = True
        return out
    by_id = {ex.id: ex for ex in context.scope}
    resolved, todo = {}, []
    for ex in context.scope:
        if ex.computed:
            hit = cached.get(ex.id)
            if hit is not None and hit[0] == context.prints[ex.id]:
                resolved[ex.id] = unpack(ex, hit[1])
            else:
                todo.append(ex)
    fresh, errors = resolve_for(sheet.student, todo) if todo else ({}, {})
    resolved.update(fresh)
    out.expected = [(sheet.student, i, context.prints[i], pack(ex)) for i, ex in fresh.items()]
    attempted = {a["id"] for a in sheet.attempts}
    out.errors = {k: v for k, v in errors.items() if k in attempted}
    unknown = set()
    for seq, attempt in enumerate(sheet.attempts, 1):
        ex_id = attempt["id"]
        if ex_id not in context.bank_ids:
            unknown.add(ex_id)
            continue
        if ex_id not in by_id:
            continue
        ex = resolved.get(ex_id, by_id[ex_id])
        answer_json = json.dumps(attempt["answer"], ensure_ascii=False)
        stamp = parse_timestamp(attempt.get("timestamp"))
        stamp_text = None if stamp is None else \
            stamp.astimezone(dt.timezone.utc).isoformat().replace("+00:00", "Z")
        claimed = attempt.get("score")
        claimed = float(claimed) if isinstance(claimed, (int, float)) \
            and not isinstance(claimed, bool) and math.isfinite(claimed) else None
        if ex_id in out.errors:
            out.rows.append((sheet.student, seq, ex_id, answer_json, stamp_text, -1, 0, 0.0,
                             claimed, out.errors[ex_id]))
            continue
        fb = ex.check(attempt["answer"])   # the checker reads stored tables itself
        if claimed is not None and claimed > fb.score + 1e-6 and ex.kind != "text":
            out.inflated += 1
        out.rows.append((sheet.student, seq, ex_id, answer_json, stamp_text, int(fb.valid),
                         int(fb.correct), fb.score, claimed, fb.message))
    notes = []
    if unknown:
        notes.append(f"attempts at unknown exercises ignored: {', '.join(sorted(unknown)[:5])}")
    if out.errors:
        first = next(iter(out.errors.values()))
        notes.append(first)
        out.problems.append(Problem("error", "reference-failed", label, first, sheet.student))
    out.note = "; ".join(notes)
    return out


class _Writer:
    """Writes prepared sheets to the gradebook, one transaction per student."""

    def __init__(self, gb, run, check_key, score_key, settings, summary):
        self.gb, self.run, self.check_key, self.score_key = gb, run, check_key, score_key
        self.settings, self.summary = settings, summary
        self.exercises = gb.exercises()

    def write(self, prepared: _Prepared) -> bool:
        """Store one prepared sheet; return False if it could not be used."""
        self.summary.problems.extend(prepared.problems)
        if prepared.student is None:
            return False
        row = self.gb.conn.execute("SELECT * FROM students WHERE student = ?",
                                   (prepared.student,)).fetchone()
        if prepared.unchanged:
            self.rescore_if_needed(row)
            return True
        sheet, ok = prepared.sheet, not prepared.errors
        reason = "sheet changed" if row is not None and row["sheet_sha256"] else "graded"
        with self.gb.transaction() as conn:
            conn.execute("DELETE FROM attempts WHERE student = ?", (sheet.student,))
            conn.executemany("INSERT INTO attempts VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                             prepared.rows)
            conn.executemany("INSERT INTO expected VALUES(?, ?, ?, ?) ON CONFLICT(student, exercise) "
                             "DO UPDATE SET fingerprint = excluded.fingerprint, "
                             "value = excluded.value", prepared.expected)
            conn.execute(
                "INSERT INTO students(student, sheet_sha256, source, check_key, graded_at, "
                "inflated, note) VALUES(?, ?, ?, ?, ?, ?, ?) ON CONFLICT(student) DO UPDATE SET "
                "sheet_sha256 = excluded.sheet_sha256, source = excluded.source, "
                "check_key = excluded.check_key, graded_at = excluded.graded_at, "
                "inflated = excluded.inflated, note = excluded.note",
                (sheet.student, sheet.sha256, sheet.source,
                 self.check_key if ok else None, now(), prepared.inflated, prepared.note))
            _rescore(self.gb, sheet.student, self.settings, run=self.run, reason=reason,
                     exercises=self.exercises)
            conn.execute("UPDATE students SET score_key = ? WHERE student = ?",
                         (self.score_key if ok else None, sheet.student))
        self.summary.checked += 1
        return True

    def rescore_if_needed(self, row) -> None:
        """Re-score a student whose sheet did not change if the settings did."""
        if row["score_key"] == self.score_key:
            self.summary.unchanged += 1
            return
        with self.gb.transaction():
            _rescore(self.gb, row["student"], self.settings, run=self.run,
                     reason="settings changed" if row["score_key"] else "graded",
                     exercises=self.exercises)
            self.gb.conn.execute("UPDATE students SET score_key = ? WHERE student = ?",
                                 (self.score_key, row["student"]))
        self.summary.rescored += 1


def _rescore(gb: Gradebook, student: str, settings: Settings, *, run: int | None, reason: str,
             exercises: list | None = None) -> None:
    """Recompute ``student``'s points from the gradebook's attempts and marks, recording
    every change in the history table. Call it inside ``gb.transaction()``."""
    by_exercise: dict[str, list[dict]] = {}
    for a in gb.attempts(student):
        by_exercise.setdefault(a["exercise"], []).append(dict(a))
    manual = {r["exercise"]: dict(r) for r in gb.conn.execute(
        "SELECT * FROM manual WHERE student = ?", (student,))}
    row = gb.conn.execute("SELECT sheet_sha256 FROM students WHERE student = ?", (student,)).fetchone()
    has_sheet = row is not None and row[0] is not None
    old = {r["exercise"]: r for r in gb.conn.execute("SELECT * FROM scores WHERE student = ?",
                                                     (student,))}
    stamp, history, upserts = now(), [], []
    exercises = gb.exercises() if exercises is None else exercises
    for ex in exercises:
        if has_sheet:
            new = score_exercise(ex["kind"], ex["points"], by_exercise.get(ex["id"], []),
                                 settings=settings, chapter=ex["chapter"], manual=manual.get(ex["id"]))
        else:
            new = {"points": 0.0, "max_points": ex["points"], "raw": None, "attempts": 0,
                   "chosen": None, "late_days": 0, "status": "missing"}
        before = old.get(ex["id"])
        if before is None or (before["points"], before["status"]) != (new["points"], new["status"]):
            history.append((stamp, run, student, ex["id"],
                            None if before is None else before["points"], new["points"],
                            None if before is None else before["status"], new["status"], reason))
        upserts.append((student, ex["id"], new["points"], new["max_points"], new["raw"],
                        new["attempts"], new["chosen"], new["late_days"], new["status"]))
    gone = set(old) - {ex["id"] for ex in exercises}
    history += [(stamp, run, student, g, old[g]["points"], None, old[g]["status"], None,
                 "no longer graded") for g in sorted(gone)]
    gb.conn.executemany("DELETE FROM scores WHERE student = ? AND exercise = ?",
                        [(student, g) for g in gone])
    gb.conn.executemany("INSERT OR REPLACE INTO scores VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?)", upserts)
    gb.conn.executemany("INSERT INTO history(at, run, student, exercise, old_points, new_points, "
                        "old_status, new_status, reason) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?)", history)


# --------------------------------------------------------------------------- free text
@dataclass(frozen=True)
class PendingAnswer:
    """A free-text answer waiting for a mark."""

    student: str
    exercise: Exercise
    text: str
    self_assessment: tuple[bool, ...] | None
    answer_sha256: str


def pending_answers(gradebook) -> list[PendingAnswer]:
    """Every free-text answer whose score is "pending", by student then exercise.

    Example: ``for item in pending_answers("gradebook.sqlite"): print(item.student)``
    """
    from casekit.exercises.bank import load_bank

    bank = load_bank()
    with Gradebook(gradebook, create=False) as gb:
        rows = gb.conn.execute(
            "SELECT s.student, s.exercise, a.answer FROM scores s JOIN attempts a "
            "ON a.student = s.student AND a.seq = s.chosen WHERE s.status = 'pending' "
            "ORDER BY s.student, s.exercise").fetchall()
    out = []
    for student, exercise_id, answer_json in rows:
        ex = bank.get(exercise_id)
        if ex is None or ex.kind != "text":
            continue
        answer = json.loads(answer_json)
        ticks = answer.get("rubric") if isinstance(answer, dict) else None
        ticks = tuple(ticks) if isinstance(ticks, list) and all(isinstance(t, bool) for t in ticks) \
            else None
        out.append(PendingAnswer(student, ex, describe_answer(ex, answer), ticks,
                                 _text_sha(answer_json)))
    return out


def set_manual_mark(gradebook, student: str, exercise_id: str, fraction: float, *,
                    grader: str = "", comment: str = "") -> dict:
    """Give ``student``'s current answer to the free-text exercise a mark (``fraction``
    of its points, 0–1) and re-score the student; returns the new score row.

    Example: ``set_manual_mark("gradebook.sqlite", "s1", "crm.shelved", 0.75)``
    """
    if isinstance(fraction, bool) or not isinstance(fraction, (int, float)) or not 0 <= fraction <= 1:
        raise ValueError(f"fraction must be a share of the points from 0 to 1, got {fraction!r}")
    for name, value in (("student", student), ("exercise_id", exercise_id), ("grader", grader),
                        ("comment", comment)):
        if not isinstance(value, str):
            raise TypeError(f"{name} must be text, got {type(value).__name__}")
    with Gradebook(gradebook, create=False) as gb:
        settings = Settings.from_json(gb.meta("settings"))
        row = gb.conn.execute(
            "SELECT a.answer FROM scores s JOIN attempts a ON a.student = s.student AND "
            "a.seq = s.chosen JOIN exercises e ON e.id = s.exercise WHERE s.student = ? AND "
            "s.exercise = ? AND e.kind = 'text'", (student, exercise_id)).fetchone()
        if row is None:
            raise ValueError(f"student {student!r} has no readable answer to a free-text "
                             f"exercise {exercise_id!r} in this gradebook.")
        with gb.transaction() as conn:
            conn.execute("INSERT OR REPLACE INTO manual VALUES(?, ?, ?, ?, ?, ?, ?)",
                         (student, exercise_id, float(fraction), _text_sha(row[0]), grader,
                          comment, now()))
            _rescore(gb, student, settings, run=None, reason=f"manual mark{' by ' + grader if grader else ''}")
        return dict(gb.conn.execute("SELECT * FROM scores WHERE student = ? AND exercise = ?",
                                    (student, exercise_id)).fetchone())


def mark_interactively(gradebook, *, ask: Callable[[str], str] = input,
                       say: Callable[[str], None] = print, grader: str = "") -> int:
    """Mark pending free-text answers one by one at the terminal: for each rubric item,
    y or n (s skips the answer, q stops); every mark is saved at once. Returns how many
    were marked. Example: ``mark_interactively("gradebook.sqlite")``.
    """
    if not callable(ask) or not callable(say):
        raise TypeError("ask and say must be functions (like input and print)")
    items = pending_answers(gradebook)
    if not items:
        say("Nothing to mark: no free-text answer is pending.")
        return 0
    marked = 0
    for n, item in enumerate(items, 1):
        ex = item.exercise
        say(f"\n── {n} of {len(items)} · {item.student} · {ex.id} ({ex.points:g} pt) ──")
        say(f"Question: {' '.join(ex.prompt.split())}")
        say(f"Model answer: {' '.join(ex.model_answer.split())}")
        say(f"Student's answer:\n{item.text}")
        if item.self_assessment is not None:
            say(f"(Student's self-assessment: {sum(item.self_assessment)} of "
                f"{len(item.self_assessment)} rubric items met.)")
        try:
            fraction = _ask_mark(ex, ask, say)
            if fraction == "quit":
                break
            if fraction is None:
                continue
            comment = ask("Comment (optional, Enter to skip): ").strip()
        except EOFError:
            break
        set_manual_mark(gradebook, item.student, ex.id, fraction, grader=grader, comment=comment)
        marked += 1
        say(f"Saved: {fraction * ex.points:g} of {ex.points:g} points.")
    say(f"\n{marked} answer(s) marked.")
    return marked


def _ask_mark(ex, ask, say):
    if not ex.rubric:
        while True:
            reply = ask(f"Points (0–{ex.points:g}), s to skip, q to quit: ").strip().lower()
            if reply in ("s", "q"):
                return None if reply == "s" else "quit"
            try:
                value = float(reply)
            except ValueError:
                value = -1
            if 0 <= value <= ex.points:
                return value / ex.points
            say(f"Type a number from 0 to {ex.points:g}.")
    ticks = []
    for i, item in enumerate(ex.rubric, 1):
        while True:
            reply = ask(f"  {i}. {item} — met? [y/n, s skip, q quit] ").strip().lower()
            if reply in ("y", "n"):
                ticks.append(reply == "y")
                break
            if reply in ("s", "q"):
                return None if reply == "s" else "quit"
            say("Answer y or n (or s to skip this answer, q to stop).")
    return sum(ticks) / len(ticks)


def _plain(cell: str) -> str:
    """A CSV cell back as typed: drop the apostrophe put before = + - @ on export."""
    cell = cell.strip()
    return cell[1:] if len(cell) > 1 and cell[0] == "'" and cell[1] in "=+-@" else cell


def write_pending_csv(gradebook, path) -> int:
    """Write the pending free-text answers as a CSV to mark in a spreadsheet (fill the
    "Points" column, then :func:`import_rubric_csv`); returns the number of rows."""
    path = check_path("path", path)
    items = pending_answers(gradebook)
    rows = [[i.student, i.exercise.id, i.exercise.points, "", "", i.text,
             "" if i.self_assessment is None else f"{sum(i.self_assessment)}/{len(i.self_assessment)}",
             " | ".join(i.exercise.rubric)] for i in items]
    write_csv(path, ["Student ID", "Exercise", "Max", "Points", "Comment", "Answer",
                     "Self-assessment", "Rubric"], rows)
    return len(rows)


def import_rubric_csv(gradebook, path, *, grader: str = "") -> tuple[int, list[str]]:
    """Apply marks from a CSV with columns "Student ID", "Exercise", "Points" (out of the
    exercise's points) and optionally "Comment"; rows with no points are skipped. Returns
    ``(marks applied, problems)``; a bad row is reported, never fatal."""
    import csv

    path = check_path("path", path, must_exist=True, kind="file")
    with open(path, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    needed = {"Student ID", "Exercise", "Points"}
    if not rows or not needed <= set(rows[0]):
        raise ValueError(f"{path} needs the columns {sorted(needed)} (and optionally 'Comment'); "
                         f"`casekit grade --pending-csv FILE` writes a template.")
    with Gradebook(gradebook, create=False) as gb:
        points = {r["id"]: r["points"] for r in gb.exercises() if r["kind"] == "text"}
    applied, problems = 0, []
    for n, row in enumerate(rows, 2):
        student, exercise, given = _plain(row["Student ID"]), _plain(row["Exercise"]), row["Points"].strip()
        if not given:
            continue
        where = f"{path.name} row {n} ({student}, {exercise})"
        if exercise not in points:
            problems.append(f"{where}: {exercise!r} is not a free-text exercise being graded.")
            continue
        try:
            value = float(given)
        except ValueError:
            value = -1.0
        if not 0 <= value <= points[exercise]:
            problems.append(f"{where}: points must be a number from 0 to {points[exercise]:g}, "
                            f"got {given!r}.")
            continue
        try:
            set_manual_mark(gradebook, student, exercise, value / points[exercise], grader=grader,
                            comment=(row.get("Comment") or "").strip())
        except ValueError as err:
            problems.append(f"{where}: {err}")
            continue
        applied += 1
    return applied, problems
