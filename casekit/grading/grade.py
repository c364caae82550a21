"""Grading: re-check every attempt on the student's own data and store the scores.

The score a sheet stores is never trusted, and student code is never run: each attempt's
answer (plain JSON data) goes through the exercise's own checker
(``exercise.check(answer)``), for computed exercises on the student's own data. The rules
that turn re-checked attempts into points (best or last attempt, deadlines, extensions,
late penalties, the LMS's hand-in times) are in :mod:`casekit.grading.policy`; free-text
marks in :mod:`casekit.grading.marking`; the tables in :mod:`casekit.grading.gradebook`.

Results go to the gradebook one transaction per student. Re-running is idempotent: an
unchanged sheet is skipped, a changed one replaces the student's attempts, and every change
of a score is kept in the history table. A sheet that cannot be graded (unreadable, too
deep, a worker that died on it) is reported and the rest of the class is graded.

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
from typing import Any

from casekit.exercises.types import Exercise
from casekit.grading.common import Progress, check_choice, check_path, printable
from casekit.grading.gradebook import Gradebook
from casekit.grading.policy import (POLICIES, Attempt, Settings, attempt_flags,
                                    parse_deadline, rescore)
from casekit.grading.reference import fingerprint, pack, resolve_for, unpack
from casekit.grading.sheets import MAX_SHEET_BYTES, Problem, Sheet, parse_sheet, parse_timestamp, read_limited

__all__ = ["GradeSummary", "extend", "grade"]

#: The file ``casekit collect`` leaves in its folder: only there are LMS times trusted.
COLLECT_MARKER = ".casekit-collect"


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
    flagged: dict[str, int] = field(default_factory=dict)
    clock_only: list[str] = field(default_factory=list)

    def text(self) -> str:
        """A few lines for the terminal."""
        lines = list(self.notes)
        lines.append(f"Re-checked {self.checked} sheet(s), re-scored {self.rescored}, "
                     f"{self.unchanged} unchanged.")
        if self.missing:
            lines.append(f"{len(self.missing)} student(s) on the roster have no sheet (0 points): "
                         + ", ".join(map(printable, self.missing[:10])) + (" …" if len(self.missing) > 10 else ""))
        if self.kept:
            lines.append(f"{len(self.kept)} student(s) graded earlier have no sheet in this folder; "
                         "their grades are kept.")
        if self.inflated:
            lines.append(f"{len(self.inflated)} sheet(s) claim higher scores than the re-check "
                         "gives (edited sheets?): " + ", ".join(map(printable, self.inflated[:10])))
        if self.errors:
            lines.append(f"{self.errors} score(s) could not be computed (status 'error'): the "
                         "reference answer failed; fix it and run `casekit grade` again.")
        if self.pending:
            lines.append(f"{self.pending} free-text answer(s) wait for a mark: "
                         "`casekit grade --manual` or `--rubric-csv`.")
        if self.clock_only:
            lines.append(f"warning: {len(self.clock_only)} sheet(s) have no hand-in time from the "
                         "LMS, so their attempts are dated by the student's own clock: "
                         + ", ".join(map(printable, self.clock_only[:10])) + (" …" if len(self.clock_only) > 10
                                                              else "")
                         + " (give `casekit collect --times` the LMS's submission times).")
        for flag, n in sorted(self.flagged.items()):
            lines.append(f"{n} attempt(s) flagged {flag}: see `casekit report`.")
        if self.problems:
            lines.append(f"{len(self.problems)} problem(s):")
            lines += [f"  {printable(p)}" for p in self.problems]
        return "\n".join(lines)


def _times(name: str, value) -> tuple[tuple[str, str], ...]:
    """Deadlines or releases as given (a time, a list of ``[NN=]TIME``, a dict) as a table."""
    if isinstance(value, str):
        value = [value]
    if isinstance(value, dict):
        value = [f"{k}={v}" if k != "*" else str(v) for k, v in value.items()]
    if not isinstance(value, (list, tuple)):
        raise TypeError(f"{name} must be a list such as ['2026-12-01T23:59+08:00', "
                        "'01=2026-12-15T23:59+08:00'] or a {chapter: time} dict")
    return tuple(sorted(dict(parse_deadline(str(d)) for d in value).items()))


def _settings_from(stored: Settings, policy, deadlines, late_penalty, chapters, releases,
                   bank: dict[str, Exercise]) -> Settings:
    changes: dict[str, Any] = {}
    if policy is not None:
        changes["policy"] = check_choice("policy", policy, POLICIES)
    if deadlines is not None:
        changes["deadlines"] = _times("deadlines", deadlines)
    if releases is not None:
        changes["releases"] = _times("releases", releases)
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
    stray = [c for c, _ in settings.deadlines + settings.releases
             if c != "*" and c not in chapters_in_bank]
    if stray:
        raise ValueError(f"deadline or release for chapter(s) {stray}, which the bank does not "
                         f"have (it has {sorted(chapters_in_bank)}).")
    return settings


def grade(sheets=None, gradebook="gradebook.sqlite", *, policy: str | None = None,
          deadlines=None, late_penalty: float | None = None, chapters=None, releases=None,
          roster=None, max_bytes: int = MAX_SHEET_BYTES, jobs: int | None = None,
          progress: bool = True) -> GradeSummary:
    """Grade the answer sheets in the folder ``sheets`` (``<student>.json`` each, as
    written by :func:`casekit.grading.collect.collect`) into ``gradebook``.

    Settings left ``None`` keep the gradebook's earlier ones (first run: best attempt, no
    deadline, no penalty, every chapter). ``sheets=None`` only re-scores what the gradebook
    holds (after changing settings). ``releases`` (like ``deadlines``) say when chapters
    went out: attempts dated earlier are flagged. Hand-in times that ``casekit collect
    --times`` wrote are used only in a folder collect made. ``roster`` (CSV) adds students
    without a sheet, with 0 points. ``jobs`` processes read and re-check sheets in parallel (default: one per CPU
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
    with Gradebook(gradebook) as gb, gb.grading():     # one grading run at a time
        settings = _settings_from(Settings.from_json(gb.meta("settings")), policy, deadlines,
                                  late_penalty, chapters, releases, bank)
        scope = [ex for ex in bank.values()
                 if settings.chapters is None or ex.chapter in settings.chapters]
        prints = {ex.id: fingerprint(ex) for ex in scope}
        trusted = folder is not None and (folder / COLLECT_MARKER).is_file()
        # what a re-check stores depends on the exercises, and (in the attempts' flags) on
        # the release times and whether the LMS's times are trusted: a change re-checks
        check_key = hashlib.sha256(json.dumps([prints, settings.releases, trusted],
                                              sort_keys=True).encode()).hexdigest()[:16]
        score_key = hashlib.sha256(json.dumps([check_key, settings.to_json()]).encode()).hexdigest()[:16]
        for run in gb.unfinished_runs():
            summary.notes.append(f"Run {run['run']} ({run['started']}) did not finish (killed?); "
                                 "its completed students are kept and this run finishes the rest.")
        with gb.transaction():
            gb.abandon_unfinished_runs()
            gb.set_meta("settings", settings.to_json())
            gb.set_exercises([(ex.id, ex.chapter, ex.kind, ex.points) for ex in scope])
            gb.add_to_roster(class_list)
        summary.notes.append(f"Settings: {settings.describe()}.")
        run = gb.start_run("grade " + json.dumps({"sheets": str(folder), **settings.to_json()}))
        context = _Context(scope, prints, check_key, set(bank), max_bytes, settings, trusted)
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
        counts = gb.status_counts()
        summary.pending, summary.errors = counts.get("pending", 0), counts.get("error", 0)
        summary.inflated = gb.inflated_students()
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
    settings: Settings
    trusted_times: bool     # the folder is collect's: its hand-in times come from the LMS
    started: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.timezone.utc))


@dataclass
class _Prepared:
    """One sheet read and re-checked, ready to be written in one transaction."""

    path: str
    student: str | None = None
    problems: list[Problem] = field(default_factory=list)
    unchanged: bool = False
    sheet: Sheet | None = None
    attempts: list[Attempt] = field(default_factory=list)
    expected: list[tuple] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)
    note: str = ""
    inflated: int = 0
    clock_only: bool = False


_WORKER: dict[str, _Context] = {}


def _init_worker(context: _Context) -> None:
    _WORKER["context"] = context


def _init_pool_worker(context: _Context) -> None:
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)   # Ctrl-C is handled once, by the parent
    _die_with_parent()
    _init_worker(context)


def _die_with_parent() -> None:
    """Ask Linux to kill this worker when the grading process dies (kill -9 included), so
    no orphan keeps re-checking sheets nobody will write."""
    import ctypes
    import signal
    import sys

    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)   # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
        if os.getppid() == 1:   # the parent died before the call took effect
            os._exit(1)


def _prepare_in_worker(task: tuple) -> _Prepared:
    try:
        return _prepare(_WORKER["context"], *task)
    except RecursionError:
        return _failed(task[0], "nested too deeply to be checked")
    except Exception as err:   # one sheet must never stop the class
        return _failed(task[0], f"{type(err).__name__}: {err}")


def _failed(path: str, why: str) -> _Prepared:
    return _Prepared(path, problems=[Problem("error", "not-graded", Path(path).name,
                                             f"could not be graded ({why}); the rest of the "
                                             "class was graded")])


def _prepare_all(files: list[Path], gb: Gradebook, context: _Context, jobs: int):
    """Yield each file :func:`_prepare`-d, in order: read, re-checked and, for computed
    exercises, with expected answers worked out, in ``jobs`` processes when there are
    enough sheets (this process writes the gradebook meanwhile). A sheet whose worker
    fails or dies is reported and graded nowhere else; the others go on."""
    known = {r["student"]: (r["sheet_sha256"], r["check_key"]) for r in gb.students()}

    def task(path):
        sha, key = known.get(path.stem, (None, None))
        return str(path), sha, key, gb.expected(path.stem) if path.stem in known else {}

    if jobs == 1 or len(files) < 2 * jobs:
        _init_worker(context)
        yield from (_prepare_in_worker(task(path)) for path in files)
        return
    import concurrent.futures as cf
    import multiprocessing

    # fork where the platform has it: workers then see the same casekit state as this
    # process (including a replaced casekit.exercises._student_data)
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else None
    todo, suspects, fresh_failures = list(files), 0, 0
    while todo:
        pool = cf.ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context(method),
                                      initializer=_init_pool_worker, initargs=(context,))
        pending: list = []
        try:
            while todo or pending:
                # after a worker died, the sheets that were in flight go one at a time, so
                # the one that kills a worker is found and only it is reported
                limit = 1 if suspects else 4 * jobs
                while todo and len(pending) < limit:
                    try:
                        future = pool.submit(_prepare_in_worker, task(todo[0]))
                    except cf.process.BrokenProcessPool:
                        break       # found out below, from the sheets already in flight
                    pending.append((todo.pop(0), future))
                if not pending:     # broken before anything was in flight: a fresh pool,
                    fresh_failures += 1     # and after three such, this process does it
                    if fresh_failures >= 3:
                        _init_worker(context)
                        yield from (_prepare_in_worker(task(path)) for path in todo)
                        todo = []
                    break
                fresh_failures = 0
                path, future = pending.pop(0)
                try:
                    result = future.result()
                except cf.process.BrokenProcessPool:
                    if suspects or not pending:
                        yield _failed(str(path), "the worker process checking it died")
                        suspects = max(0, suspects - 1)
                        todo = [p for p, _ in pending] + todo
                    else:
                        todo = [path] + [p for p, _ in pending] + todo
                        suspects = len(pending) + 1
                    break
                except Exception as err:   # e.g. a result that cannot be sent back
                    result = _failed(str(path), f"{type(err).__name__}: {err}")
                suspects = max(0, suspects - 1)
                yield result
        except BaseException:
            for _, future in pending:
                future.cancel()
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        pool.shutdown(wait=True, cancel_futures=True)


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
    out.expected = [(i, context.prints[i], pack(ex)) for i, ex in fresh.items()]
    attempted = {a["id"] for a in sheet.attempts}
    out.errors = {k: v for k, v in errors.items() if k in attempted}
    unknown, checked = set(), {}
    out.clock_only = True
    for seq, attempt in enumerate(sheet.attempts, 1):
        ex_id = attempt["id"]
        if ex_id not in context.bank_ids:
            unknown.add(ex_id)
            continue
        if ex_id not in by_id:
            continue
        ex = resolved.get(ex_id, by_id[ex_id])
        answer_json = json.dumps(attempt["answer"], ensure_ascii=False)
        stamp = _utc(attempt.get("timestamp"))
        handed_in = _utc(attempt.get("handed_in")) if context.trusted_times else None
        lms_late = context.trusted_times and attempt.get("lms_late") is True
        out.clock_only = out.clock_only and handed_in is None
        flags = " ".join(attempt_flags(stamp, handed_in, lms_late,
                                       context.settings.release(ex.chapter), context.started))
        claimed = attempt.get("score")
        claimed = float(claimed) if isinstance(claimed, (int, float)) \
            and not isinstance(claimed, bool) and math.isfinite(claimed) else None
        if ex_id in out.errors:
            out.attempts.append(Attempt(seq, ex_id, answer_json, stamp, -1, 0, 0.0, claimed,
                                        out.errors[ex_id], handed_in, flags))
            continue
        # the same answer re-checks the same (a sheet may repeat one thousands of times)
        fb = checked.get((ex_id, answer_json))
        if fb is None:
            fb = checked[ex_id, answer_json] = ex.check(attempt["answer"])
        if claimed is not None and claimed > fb.score + 1e-6 and ex.kind != "text":
            out.inflated += 1
        score, message = fb.score, fb.message
        penalty = attempt.get("penalty") if context.trusted_times else None   # grade --db
        if type(penalty) in (int, float) and 0 < penalty <= 1 and fb.valid:
            score = round(fb.score * (1 - penalty), 6)
            message += f" (try penalty of the course: −{penalty:.0%})"
        out.attempts.append(Attempt(seq, ex_id, answer_json, stamp, int(fb.valid),
                                    int(fb.correct), score, claimed, message, handed_in,
                                    flags))
    notes = []
    if unknown:
        notes.append(f"attempts at unknown exercises ignored: {', '.join(sorted(unknown)[:5])}")
    if out.errors:
        first = next(iter(out.errors.values()))
        notes.append(first)
        out.problems.append(Problem("error", "reference-failed", label, first, sheet.student))
    out.note = "; ".join(notes)
    return out


def _utc(value) -> str | None:
    """An ISO time as UTC text ending in Z, or None when it is not a time with a zone."""
    stamp = parse_timestamp(value)
    return None if stamp is None else \
        stamp.astimezone(dt.timezone.utc).isoformat().replace("+00:00", "Z")


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
        row = self.gb.student(prepared.student)
        if prepared.unchanged:
            self.rescore_if_needed(row)
            return True
        sheet, ok = prepared.sheet, not prepared.errors
        reason = "sheet changed" if row is not None and row["sheet_sha256"] else "graded"
        with self.gb.transaction():
            self.gb.replace_attempts(sheet.student, prepared.attempts, prepared.expected)
            self.gb.set_sheet(sheet.student, sheet.sha256, sheet.source,
                              self.check_key if ok else None, prepared.inflated, prepared.note)
            rescore(self.gb, sheet.student, self.settings, run=self.run, reason=reason,
                    exercises=self.exercises)
            self.gb.set_score_key(sheet.student, self.score_key if ok else None)
        self.summary.checked += 1
        for a in prepared.attempts:
            for flag in a.flags.split():
                self.summary.flagged[flag] = self.summary.flagged.get(flag, 0) + 1
        if prepared.clock_only and prepared.attempts:
            self.summary.clock_only.append(sheet.student)
        return True

    def rescore_if_needed(self, row) -> None:
        """Re-score a student whose sheet did not change if the settings did."""
        if row["score_key"] == self.score_key:
            self.summary.unchanged += 1
            return
        with self.gb.transaction():
            rescore(self.gb, row["student"], self.settings, run=self.run,
                    reason="settings changed" if row["score_key"] else "graded",
                    exercises=self.exercises)
            self.gb.set_score_key(row["student"], self.score_key)
        self.summary.rescored += 1


def extend(gradebook, student: str, until: str | None, *, chapter: str = "*",
           reason: str = "") -> list[str]:
    """Give ``student`` their own deadline ``until`` (ISO time with a zone) for ``chapter``
    (default: every chapter), or remove it (``until=None``), and re-score them at once.
    Marks already given are kept. Returns a line per score that changed.

    Example: ``extend("gradebook.sqlite", "s2026-017", "2026-12-08T23:59+08:00", chapter="01")``
    """
    from casekit.exercises.sheet import check_student_id

    check_student_id(student)
    if not isinstance(chapter, str) or not isinstance(reason, str):
        raise TypeError("chapter and reason must be text")
    when = None if until is None else parse_deadline(until)[1]
    with Gradebook(gradebook, create=False) as gb:
        if gb.student(student) is None:
            raise ValueError(f"student {student!r} is not in {gradebook}: grade their sheet or "
                             "add them with --roster first.")
        chapters = {ex["chapter"] for ex in gb.exercises()}
        if chapter != "*" and chapter not in chapters:
            raise ValueError(f"chapter {chapter!r} is not graded here; graded: {sorted(chapters)}.")
        settings = Settings.from_json(gb.meta("settings"))
        before = len(gb.history(student))
        with gb.transaction():
            gb.set_extension(student, chapter, when, reason)
            rescore(gb, student, settings, run=None,
                    reason=f"extension {'removed' if when is None else 'to ' + when}"
                           + (f" ({reason})" if reason else ""))
        return [f"{h['exercise']}: {h['old_points']} → {h['new_points']} ({h['new_status']})"
                for h in gb.history(student)[before:]]
