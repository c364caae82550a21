"""Grade straight from the casekit service's database: no answer sheets to collect.

The service records every attempt with the server's time. :func:`write_sheets` turns its
rows into one answer sheet per hub user, each attempt carrying ``handed_in`` = the server
time (and the ``penalty`` its try number cost under the course file), in a folder marked
with collect's ``.casekit-collect``, where the grader trusts ``handed_in``. :func:`grade_db`
grades that folder into the gradebook like any collected folder, so deadlines, per-student
extensions, ``casekit export``, ``feedback`` and ``report`` work as on the LMS path. The
grader re-checks every answer itself; the service's own scores are only compared.

``casekit grade --db URL [--course course.toml]`` runs it::

    casekit grade --db /srv/casekit/attempts.sqlite --course course.toml --chapter 06
    casekit grade --db postgresql://casekit@db/course --late-penalty 10%

With ``--course`` and no ``--deadline``, the course file's deadlines are the grader's and
its extensions are written to the gradebook (as ``casekit extend`` does).
"""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

__all__ = ["grade_db", "sheets_from_rows", "write_sheets"]


def _z(stamp) -> str:
    return stamp.isoformat().replace("+00:00", "Z")


def sheets_from_rows(rows: list[dict]) -> dict[str, dict]:
    """Answer sheets (student → sheet dict) from the store's rows, oldest attempt first.

    >>> import datetime as dt
    >>> t = dt.datetime(2026, 12, 1, 10, tzinfo=dt.timezone.utc)
    >>> row = {"student": "alice", "exercise": "crm.quiz-01", "answer": "Reactive", "score": 1.0,
    ...        "correct": True, "valid": True, "points": 1.0, "casekit": "0.1.0", "attempt": 1,
    ...        "server_time": t, "penalty": None}
    >>> sheet = sheets_from_rows([row])["alice"]
    >>> sheet["attempts"][0]["handed_in"], sheet["attempts"][0]["timestamp"]
    ('2026-12-01T10:00:00Z', '2026-12-01T10:00:00Z')
    """
    from casekit.exercises.sheetformat import FORMAT, VERSION

    if not isinstance(rows, list):
        raise TypeError(f"rows must be a list of the store's attempts, got {type(rows).__name__}")
    sheets: dict[str, dict] = {}
    for r in rows:
        attempt = {"id": r["exercise"], "answer": r["answer"], "score": r["score"],
                   "correct": r["correct"], "valid": r["valid"], "attempt": r["attempt"],
                   "timestamp": _z(r["server_time"]), "handed_in": _z(r["server_time"])}
        if r.get("points") is not None:
            attempt["points"] = r["points"]
        if r.get("casekit"):
            attempt["casekit"] = r["casekit"]
        if r.get("penalty"):
            attempt["penalty"] = r["penalty"]
        sheets.setdefault(r["student"], {"format": FORMAT, "version": VERSION,
                                         "student": r["student"], "attempts": []})
        sheets[r["student"]]["attempts"].append(attempt)
    return sheets


def write_sheets(db, out) -> list[Path]:
    """Write one sheet per student of the service's database ``db`` (a SQLite file or a
    postgresql:// URL) into the folder ``out``, with collect's marker; return the paths.
    Each file is written atomically."""
    from casekit.grading.common import atomic_write
    from casekit.grading.grade import COLLECT_MARKER
    from casekit.hub.store import AttemptStore

    if not isinstance(out, (str, os.PathLike)):
        raise TypeError(f"out must be a folder path, got {type(out).__name__}")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    with AttemptStore(db) as store:
        rows = store.all_attempts()
    paths = []
    for student, sheet in sorted(sheets_from_rows(rows).items()):
        path = out / f"{student}.json"
        atomic_write(path, json.dumps(sheet, ensure_ascii=False, indent=1, sort_keys=True))
        paths.append(path)
    atomic_write(out / COLLECT_MARKER, "sheets written by casekit grade --db from the casekit "
                                       "service's database; handed_in is the server's time\n")
    return paths


def grade_db(db, gradebook="gradebook.sqlite", *, course=None, deadlines=None, **grade_args):
    """Grade every attempt in the service's database ``db`` into ``gradebook`` and return
    the grader's summary. ``course`` (a course file) supplies the deadlines when
    ``deadlines`` is None, and its extensions; other keywords go to
    :func:`casekit.grading.grade.grade` (``policy``, ``late_penalty``, ``chapters``, ...).

    Example: ``grade_db("attempts.sqlite", "gradebook.sqlite", course="course.toml")``.
    """
    from casekit.exercises.bank import load_bank
    from casekit.grading.grade import grade
    from casekit.grading.gradebook import Gradebook
    from casekit.grading.policy import parse_deadline
    from casekit.hub.course import load_course

    bank = load_bank()
    loaded = None if course is None else load_course(course, bank)
    if loaded is not None and deadlines is None:
        deadlines = loaded.grader_deadlines(bank) or None
    with tempfile.TemporaryDirectory(prefix="casekit-db-sheets-") as folder:
        write_sheets(db, folder)
        summary = grade(folder, gradebook, deadlines=deadlines, **grade_args)
    if loaded is not None and loaded.extensions:
        from casekit.grading.grade import extend

        with Gradebook(gradebook, create=False) as gb:
            todo = [(s, c, parse_deadline(t.isoformat())[1])
                    for s, chapters in sorted(loaded.extensions.items())
                    for c, t in sorted(chapters.items())
                    if gb.student(s) is not None
                    and (c == "*" or c in {ex["chapter"] for ex in gb.exercises()})
                    and gb.extensions(s).get(c) != parse_deadline(t.isoformat())[1]]
        for student, chapter, until in todo:
            extend(gradebook, student, until, chapter=chapter, reason=f"course file {course}")
            summary.notes.append(f"Extension from the course file: {student} until {until}"
                                 + ("" if chapter == "*" else f" (chapter {chapter})") + ".")
    return summary
