"""The grades as a CSV for a spreadsheet or an LMS gradebook.

One row per student (sorted by id), columns in a fixed order:

- generic (``lms="generic"``): "Student ID", "Name", one column per exercise (its id) or
  per chapter ("Chapter 00"), then "Total" and "Max";
- Canvas (``lms="canvas"``): "Student", "ID", "SIS User ID", "SIS Login ID", "Section",
  then the exercise or chapter columns (Canvas totals its own columns; the casekit id
  goes in "SIS User ID").

Cells hold points rounded to 2 decimals. A cell whose exercises all wait for a mark (free
text) or could not be computed is left empty, so the LMS does not record a 0 too early;
"Total" and chapter sums count such exercises as 0 until they are marked. The file is
UTF-8 with a byte-order mark and every text cell starting with = + - @, a tab or a
carriage return (or their full-width forms ＝ ＋ － ＠, or any of them after spaces) gets a
leading apostrophe, so Excel, LibreOffice and Google Sheets open it as text, never as
formulas.

Example::

    export_grades("gradebook.sqlite", "grades.csv", by="chapter")
"""
from __future__ import annotations

from pathlib import Path

from casekit.grading.common import check_choice, check_path, write_csv
from casekit.grading.gradebook import Gradebook

__all__ = ["export_grades"]

_EMPTY = ("pending", "error")


def _points(value: float) -> str:
    return f"{round(value, 2):g}"


def export_grades(gradebook, out, *, by: str = "exercise", lms: str = "generic") -> Path:
    """Write ``gradebook``'s grades to the CSV file ``out`` and return its path.

    ``by`` is "exercise" (a column each) or "chapter" (points summed per chapter); ``lms``
    is "generic" or "canvas" (column conventions in the module docstring).
    """
    out = check_path("out", out)
    check_choice("by", by, ("exercise", "chapter"))
    check_choice("lms", lms, ("generic", "canvas"))
    with Gradebook(gradebook, create=False) as gb:
        gb.require_finished("export")
        exercises = gb.exercises()
        students = gb.students()
        scores = gb.scores()
    if not exercises:
        raise ValueError("The gradebook has no graded exercises yet: run `casekit grade` first.")
    groups: dict[str, list[str]] = {}
    for ex in exercises:
        key = ex["id"] if by == "exercise" else f"Chapter {ex['chapter']}"
        groups.setdefault(key, []).append(ex["id"])
    maximum = sum(ex["points"] for ex in exercises)
    rows = []
    for st in students:
        mine = scores.get(st["student"], {})
        cells = []
        for ids in groups.values():
            got = [mine[i] for i in ids if i in mine]
            known = [r["points"] for r in got if r["status"] not in _EMPTY]
            cells.append(_points(sum(known)) if known or not got else "")
        total = sum(mine[e["id"]]["points"] for e in exercises if e["id"] in mine)
        if lms == "canvas":
            rows.append([st["name"], "", st["student"], "", "", *cells])
        else:
            rows.append([st["student"], st["name"], *cells, _points(total), _points(maximum)])
    if lms == "canvas":
        header = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", *groups]
    else:
        header = ["Student ID", "Name", *groups, "Total", "Max"]
    return write_csv(out, header, rows)
