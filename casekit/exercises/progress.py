"""Where a student stands, and their computed answers made ready ahead of time.

:func:`progress` reads the answer sheet and shows, per chapter, how many exercises are
done (answered right), attempted, and the score so far as grading counts it (the best
attempt of each exercise).

The expected answer of a computed exercise is worked out on the student's own data, which
takes a second or two the first time. So that no check waits for it, :func:`warm` (run by
``start()``) works out every computed exercise once per student in a background process
and keeps the keys on disk, under ``<workbook folder>/cache/keys/<student>.json``, each
with the exercise's fingerprint (:func:`casekit.grading.reference.fingerprint`): a key is
used only while the exercise, its solution, the simulator and the libraries are unchanged.
The cached keys are what the student could compute from their own data with the
solutions shipped in the package; grading works its keys out again and never reads them.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from casekit.i18n import _

__all__ = ["Progress", "cached_key", "grading_rule", "progress", "store_key", "wait_ready",
           "warm"]


def grading_rule() -> str:
    """How grading counts attempts, in the reader's language (Markdown)."""
    return _("How grading counts: each exercise earns the points of your **best** checked "
             "attempt (trying again never lowers a score, and you may check as often as you "
             "like); attempts saved after a chapter's deadline may lose part of their value, "
             "as your instructor sets. Asking for a hint costs nothing.")


# --------------------------------------------------------------------------- progress
class Progress:
    """A student's progress: ``table`` (a DataFrame, one row per chapter) and the rule
    (default: :func:`grading_rule`)."""

    def __init__(self, student: str, table, rule: str | None = None):
        self.student, self.table = student, table
        self.rule = grading_rule() if rule is None else rule

    def __repr__(self):
        return (_("Progress of {student}").format(student=repr(self.student))
                + f"\n{self.table.to_string()}\n\n" + self.rule.replace("**", ""))

    def _repr_html_(self):
        from casekit.markup import to_html

        title = _("Progress of {student}").format(student=self.student)
        return (f"<div class='casekit-progress'><b>{_esc(title)}</b>"
                f"{self.table.to_html(classes='casekit-progress-table', border=0)}"
                f"{to_html(self.rule)}</div>")


def _esc(text: str) -> str:
    import html

    return html.escape(text)


def progress(chapter: str | int | None = None, student: str | None = None) -> Progress:
    """Per chapter (or for one ``chapter``, e.g. "01"): exercises, done (answered right),
    attempted, and the score so far (best attempt of each exercise, in points out of the
    chapter's points), read from the answer sheet of ``student`` (default: the current one).
    The table's headings are in the reader's language.

    >>> list(progress(student="nobody-yet").table.columns)
    ['exercises', 'done', 'attempted', 'points so far', 'points', 'score so far']
    >>> progress("42")
    Traceback (most recent call last):
    ...
    ValueError: chapter '42' has no exercises; chapters: 00, ...
    """
    import pandas as pd

    import casekit.exercises as engine
    from casekit.exercises.sheet import AnswerSheet, check_student_id

    who = engine.student() if student is None else check_student_id(student)
    bank = engine._bank()
    if chapter is not None:
        key = f"{int(chapter):02d}" if isinstance(chapter, int) or str(chapter).isdigit() \
            else str(chapter)
        chosen = {i: e for i, e in bank.items() if e.chapter == key}
        if not chosen:
            have = ", ".join(sorted({e.chapter for e in bank.values()}))
            raise ValueError(_("chapter {chapter} has no exercises; chapters: {chapters}")
                             .format(chapter=repr(str(chapter)), chapters=have))
        bank = chosen
    best: dict[str, float] = {}
    for attempt in AnswerSheet(who).attempts():
        if attempt["id"] in bank and attempt.get("valid", True):
            score = attempt.get("score")
            score = float(score) if isinstance(score, (int, float)) else 0.0
            best[attempt["id"]] = max(best.get(attempt["id"], 0.0), score)
    rows = {}
    for ex in bank.values():
        row = rows.setdefault(ex.chapter, {"exercises": 0, "done": 0, "attempted": 0,
                                           "points so far": 0.0, "points": 0.0})
        row["exercises"] += 1
        row["points"] += ex.points
        if ex.id in best:
            row["attempted"] += 1
            row["done"] += best[ex.id] >= 1.0
            row["points so far"] += best[ex.id] * ex.points
    table = pd.DataFrame.from_dict(rows, orient="index").sort_index()
    table["points so far"] = table["points so far"].round(2)
    table["score so far"] = (100 * table["points so far"] / table["points"].where(table["points"] > 0)) \
        .fillna(0).round(0).astype(int).astype(str) + " %"
    table = table.rename(columns={"exercises": _("exercises"), "done": _("done"),
                                  "attempted": _("attempted"), "points so far": _("points so far"),
                                  "points": _("points"), "score so far": _("score so far")})
    table.index.name = _("chapter")
    return Progress(who, table)


# --------------------------------------------------------------------------- key cache
def _cache_file(student: str) -> Path:
    from casekit.exercises.sheet import workbook_home

    return workbook_home() / "cache" / "keys" / f"{student}.json"


def _read_cache(student: str) -> dict:
    try:
        data = json.loads(_cache_file(student).read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def cached_key(exercise, student: str):
    """``exercise`` resolved for ``student`` from the disk cache, or None if not cached
    (or cached for an older version of the exercise, its solution or the simulator)."""
    from casekit.grading.reference import fingerprint, unpack

    entry = _read_cache(student).get(exercise.id)
    if not isinstance(entry, dict) or entry.get("fingerprint") != fingerprint(exercise):
        return None
    try:
        return unpack(exercise, entry["key"])
    except Exception:   # a damaged entry: work it out again
        return None


def store_key(exercise, resolved, student: str) -> None:
    """Keep ``resolved`` (``exercise`` worked out for ``student``) in the disk cache; a
    cache that cannot be written is skipped silently (it only saves time)."""
    from casekit.exercises.sheet import _locked, atomic_write
    from casekit.grading.reference import fingerprint, pack

    path = _cache_file(student)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with _locked(path.with_name(path.name + ".lock")):
            data = _read_cache(student)
            data[exercise.id] = {"fingerprint": fingerprint(exercise), "key": pack(resolved)}
            atomic_write(path, json.dumps(data, ensure_ascii=False), durable=False)
    except (OSError, TypeError, ValueError):
        pass


def _enabled() -> bool:
    flag = os.environ.get("CASEKIT_WARM")
    if flag is not None:
        return flag not in ("", "0", "no", "false")
    return "PYTEST_CURRENT_TEST" not in os.environ   # tests switch it on when they want it


_WARMING: dict[str, subprocess.Popen] = {}


def warm(student: str) -> None:
    """Start working out ``student``'s computed exercises in a background process (low
    priority; one per student at a time), unless every key is cached already. Off when
    ``CASEKIT_WARM=0`` (and under pytest unless ``CASEKIT_WARM=1``)."""
    if not _enabled() or (student in _WARMING and _WARMING[student].poll() is None):
        return
    try:
        _WARMING[student] = subprocess.Popen(
            [sys.executable, "-m", "casekit.exercises.progress", student],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True)
    except OSError:     # no processes left: checks then work keys out as they come
        pass


def wait_ready(timeout: float = 120.0) -> bool:
    """Wait (at most ``timeout`` seconds) for background work started by :func:`warm`;
    True if none is left running."""
    deadline = time.monotonic() + timeout
    for proc in list(_WARMING.values()):
        try:
            proc.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            return False
    return True


def _warm_now(student: str) -> int:
    """Work out and cache every computed exercise of ``student`` not cached yet (chapter
    order); another process doing it for the same student makes this one stop at once."""
    import fcntl

    import casekit.exercises as engine
    from casekit.exercises.sheet import check_student_id

    student = check_student_id(student)
    lock = _cache_file(student).with_name(f"{student}.warming")
    lock.parent.mkdir(parents=True, exist_ok=True)
    with open(lock, "a+b") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return 0
        from casekit.solutions import work_once

        data = engine._student_data(student)     # ours: no notebook changes it
        done = 0
        with work_once():    # a step several answers share (a BG/NBD fit, ...) runs once
            for ex in sorted(engine._bank().values(), key=lambda e: (e.chapter, e.id)):
                if not ex.computed or not ex.solution or cached_key(ex, student) is not None:
                    continue
                try:
                    store_key(ex, ex.resolve(data), student)
                    done += 1
                except Exception:   # the check will say what failed when the student gets there
                    continue
        return done


if __name__ == "__main__":   # python -m casekit.exercises.progress <student>
    try:
        os.nice(10)
    except (AttributeError, OSError):
        pass
    sys.exit(0 if _warm_now(sys.argv[1]) >= 0 else 1)
