"""Free-text marking: answers waiting for a mark, marks given at the terminal or from a CSV.

A mark is tied to the text it was given for (its SHA-256): a student who changes the
answer needs a new mark. Every mark re-scores the student at once and is kept in the
gradebook's history.

Example::

    for item in pending_answers("gradebook.sqlite"):
        set_manual_mark("gradebook.sqlite", item.student, item.exercise.id, 0.5)
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Callable

from casekit.exercises.types import Exercise
from casekit.grading.common import check_path, write_csv
from casekit.grading.gradebook import Gradebook, now
from casekit.grading.policy import Settings, rescore, text_sha
from casekit.grading.reference import describe_answer

__all__ = ["PendingAnswer", "import_rubric_csv", "mark_interactively", "pending_answers",
           "set_manual_mark", "write_pending_csv"]


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
                                 text_sha(answer_json)))
    return out


def set_manual_mark(gradebook, student: str, exercise_id: str, fraction: float, *,
                    grader: str = "", comment: str = "", answer_sha256: str | None = None) -> dict:
    """Give ``student``'s current answer to the free-text exercise a mark (``fraction``
    of its points, 0–1) and re-score the student; returns the new score row.
    ``answer_sha256`` (or a prefix of it, at least 8 characters): the answer the marker
    read; ValueError if the current answer is another (a later sheet replaced it).

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
        if answer_sha256 is not None and (len(answer_sha256) < 8
                                          or not text_sha(row[0]).startswith(answer_sha256)):
            raise ValueError(f"the answer of {student!r} to {exercise_id!r} changed since it was "
                             "read for marking (a later sheet was graded); mark it again.")
        with gb.transaction() as conn:
            conn.execute("INSERT OR REPLACE INTO manual VALUES(?, ?, ?, ?, ?, ?, ?)",
                         (student, exercise_id, float(fraction), text_sha(row[0]), grader,
                          comment, now()))
            rescore(gb, student, settings, run=None, reason=f"manual mark{' by ' + grader if grader else ''}")
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
        try:
            set_manual_mark(gradebook, item.student, ex.id, fraction, grader=grader,
                            comment=comment, answer_sha256=item.answer_sha256)
        except ValueError as err:       # graded again meanwhile: the answer is another now
            say(f"Not saved: {err}")
            continue
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
    cell = str(cell).strip()
    return cell[1:] if len(cell) > 1 and cell[0] == "'" and cell[1] in "=+-@" else cell


#: A spreadsheet cell holds at most 32,767 characters (Excel); longer text spills or is lost.
_CELL_LIMIT = 32_000


def _cell_text(text: str) -> str:
    """``text`` cut to fit a spreadsheet cell, saying so."""
    if len(text) <= _CELL_LIMIT:
        return text
    return text[:_CELL_LIMIT] + f" …[cut: {len(text):,} characters in all; `casekit grade --manual` " \
                                "shows the whole answer]"


def write_pending_csv(gradebook, path) -> int:
    """Write the pending free-text answers as a CSV to mark in a spreadsheet (fill the
    "Points" column, then :func:`import_rubric_csv`); returns the number of rows."""
    path = check_path("path", path)
    items = pending_answers(gradebook)
    rows = [[i.student, i.exercise.id, i.exercise.points, "", "", _cell_text(i.text),
             "" if i.self_assessment is None else f"{sum(i.self_assessment)}/{len(i.self_assessment)}",
             " | ".join(i.exercise.rubric), "sha256:" + i.answer_sha256[:16]] for i in items]
    write_csv(path, ["Student ID", "Exercise", "Max", "Points", "Comment", "Answer",
                     "Self-assessment", "Rubric", "Answer ID"], rows)
    return len(rows)


def import_rubric_csv(gradebook, path, *, grader: str = "") -> tuple[int, list[str]]:
    """Apply marks from a CSV with columns "Student ID", "Exercise", "Points" (out of the
    exercise's points) and optionally "Comment"; rows with no points are skipped. Returns
    ``(marks applied, problems)``; a bad row is reported, never fatal."""
    from casekit.grading.collect import _table   # UTF-8 or Excel's UTF-16; else explained

    path = check_path("path", path, must_exist=True, kind="file")
    header, *body = _table(path, "rubric CSV")
    rows = [dict(zip(header, row)) for row in body if any(cell.strip() for cell in row)]
    needed = {"Student ID", "Exercise", "Points"}
    if not rows or not needed <= set(header):
        raise ValueError(f"{path} needs the columns {sorted(needed)} (and optionally 'Comment'); "
                         f"`casekit grade --pending-csv FILE` writes a template.")
    with Gradebook(gradebook, create=False) as gb:
        points = {r["id"]: r["points"] for r in gb.exercises() if r["kind"] == "text"}
    applied, problems = 0, []
    for n, row in enumerate(rows, 2):
        student, exercise, given = (_plain(row.get(k) or "") for k in ("Student ID", "Exercise", "Points"))
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
                            comment=(row.get("Comment") or "").strip(),
                            answer_sha256=(row.get("Answer ID") or "").strip()
                            .removeprefix("sha256:") or None)
        except ValueError as err:
            problems.append(f"{where}: {err}")
            continue
        applied += 1
    return applied, problems
