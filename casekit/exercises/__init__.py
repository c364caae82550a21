"""Exercises with immediate, specific feedback, saved to the student's answer sheet.

In a notebook::

    from casekit.exercises import start, show, check, my_retailer
    start("s2026-017")              # once: who is working (answers go to this sheet)
    show("crm.quiz-01")             # a widget: prompt, input, Check, Hint, feedback
    data = my_retailer()            # this student's own simulated retailer
    check("crm.top-share", 0.61)    # check a computed value

Exercise content lives as data in ``exercises/*.toml``; this package holds the checking
logic (:mod:`casekit.exercises.types`), the bank reader (:mod:`~casekit.exercises.bank`),
the answer sheet (:mod:`~casekit.exercises.sheet`) and the widgets
(:mod:`~casekit.exercises.widgets`).
"""
from __future__ import annotations

import difflib
import errno
import functools
import os
from typing import Any

from casekit.exercises.bank import BankError, bank_dir, load_bank
from casekit.exercises.sheet import AnswerSheet, check_student_id, workbook_home
from casekit.exercises.types import AnswerError, Exercise, Feedback

__all__ = ["AnswerError", "AnswerSheet", "BankError", "Exercise", "Feedback", "catalog",
           "check", "get", "my_retailer", "show", "start", "student", "submit",
           "workbook_home"]

DEFAULT_STUDENT = "self-study"
_state: dict[str, str | None] = {"student": None}


class Session:
    """Who is working; shown by :func:`start`."""

    def __init__(self, student: str):
        self.student = student

    def __repr__(self):
        return (f"Working as {self.student!r}. Every answer you check is saved to your answer "
                f"sheet ({self.student}.json in your workbook folder: "
                "casekit.exercises.AnswerSheet(student()).path shows where).")


def start(student_id: str) -> Session:
    """Say who is working: answers are saved to this student's sheet and computed
    exercises use this student's own data.

    >>> start("demo-student")
    Working as 'demo-student'. ...
    """
    from casekit.hub import client as hub_client   # standard library only: cheap
    if hub_client.active():     # on JupyterHub the hub says who is working, not a typed id
        student_id = hub_client.hub_user()
    _state["student"] = check_student_id(student_id)
    return Session(_state["student"])


def student() -> str:
    """The current student id: set by :func:`start`, else ``CASEKIT_STUDENT``, else 'self-study'."""
    from casekit.hub import client as hub_client
    hub_user = hub_client.hub_user() if hub_client.active() else None
    return _state["student"] or check_student_id(
        hub_user or os.environ.get("CASEKIT_STUDENT", DEFAULT_STUDENT))


@functools.lru_cache(maxsize=4)
def _bank_cached(folder: str, stamp: tuple) -> dict[str, Exercise]:
    return load_bank(folder)


#: A student build (``casekit build-student``) ships its banks here, as JSON: practice
#: exercises whole, assessed ones as forms without their keys (:func:`~casekit.exercises.types.form_of`).
PACKAGED_BANK = os.path.join(os.path.dirname(__file__), "banks", "bank.json")


@functools.lru_cache(maxsize=2)
def _packaged_bank(path: str, stamp: int) -> dict[str, Exercise]:
    import json

    from casekit.exercises.bank import _build
    from casekit.exercises.types import from_form

    with open(path, encoding="utf-8") as handle:
        doc = json.load(handle)
    bank: dict[str, Exercise] = {}
    for n, entry in enumerate(doc["exercises"]):
        entry = dict(entry)
        if entry.pop("form_only", False):
            ex = from_form(entry)
        else:
            chapter = str(entry.pop("chapter"))
            ex = _build(entry, chapter, f"{path}, exercise {n + 1}")
        bank[ex.id] = ex
    return bank


def _bank() -> dict[str, Exercise]:
    if not os.environ.get("CASEKIT_EXERCISES") and os.path.isfile(PACKAGED_BANK):
        return _packaged_bank(PACKAGED_BANK, os.stat(PACKAGED_BANK).st_mtime_ns)
    folder = bank_dir()
    stamp = tuple((p.name, p.stat().st_mtime_ns) for p in sorted(folder.glob("*.toml"))) \
        if folder.is_dir() else ()
    return _bank_cached(str(folder), stamp)


def get(exercise_id: str) -> Exercise:
    """The exercise with this id; an unknown id raises ValueError with close matches.

    >>> get("no-such-id")
    Traceback (most recent call last):
    ...
    ValueError: No exercise 'no-such-id'. ...
    """
    bank = _bank()
    if not isinstance(exercise_id, str) or exercise_id not in bank:
        close = difflib.get_close_matches(str(exercise_id), list(bank), n=3)
        hint = f" Did you mean {', '.join(close)}?" if close else \
            " casekit.exercises.catalog() lists every exercise."
        raise ValueError(f"No exercise {exercise_id!r}.{hint}")
    return bank[exercise_id]


def catalog():
    """Every exercise as a table: id, chapter, type, points, computed, term (en, 中文), prompt.

    >>> list(catalog().columns)
    ['id', 'chapter', 'type', 'points', 'computed', 'term_en', 'term_zh', 'prompt']
    """
    import pandas as pd

    rows = [{"id": ex.id, "chapter": ex.chapter, "type": ex.kind, "points": ex.points,
             "computed": ex.computed, "term_en": ex.term.get("en", ""),
             "term_zh": ex.term.get("zh", ""),
             "prompt": " ".join(ex.prompt.split())[:80]} for ex in _bank().values()]
    columns = ["id", "chapter", "type", "points", "computed", "term_en", "term_zh", "prompt"]
    return pd.DataFrame(rows, columns=columns)


@functools.lru_cache(maxsize=8)
def _student_data(student_id: str):
    from casekit.data import for_student

    return for_student(student_id)


def my_retailer():
    """This student's own simulated retailer (``casekit.data.for_student(student())``)."""
    return _student_data(student())


_RESOLVED: dict[tuple[str, str], tuple[Exercise, Exercise]] = {}


def _resolved(exercise: Exercise, student_id: str) -> Exercise:
    """``exercise`` with its answer worked out on this student's data (cached)."""
    if not exercise.computed:
        return exercise
    key = (student_id, exercise.id)
    cached = _RESOLVED.get(key)
    if cached is None or cached[0] is not exercise:
        cached = _RESOLVED[key] = (exercise, exercise.resolve(_student_data(student_id)))
    return cached[1]


def submit(exercise: Exercise, answer: Any, student_id: str | None = None) -> Feedback:
    """Check ``answer`` as ``student_id`` (default: :func:`student`) sees the exercise, save
    it to the sheet, and add the explanation once it is earned (after success, or after
    ``reveal_after`` tries). Never raises for any ``answer``.

    The sheet keeps the answer's stored form (``exercise.stored``) and the feedback is that
    of the stored form, which is what the grader re-checks: the score shown is the score
    graded. If the sheet cannot be written (disk full, read-only folder) the feedback says
    the answer was checked but not saved, and what to do; the previous sheet is untouched.
    """
    if not isinstance(exercise, Exercise):
        raise TypeError(f"exercise must be a casekit Exercise (see get()), got {type(exercise).__name__}")
    from casekit.hub import client as hub_client
    if hub_client.active():     # JupyterHub: the casekit service checks and records it
        return hub_client.submit(exercise, answer)
    who = student() if student_id is None else check_student_id(student_id)
    try:
        resolved = _resolved(exercise, who)
    except Exception as err:  # the reference failing on this student's data: not their fault
        resolved, failure = None, f"{type(err).__name__}: {err}"
    stored = (resolved or exercise).stored(answer, who)
    if resolved is None:
        feedback = Feedback(False, 0.0, "⚠ Your answer could not be checked now: working out "
                                        f"the expected answer on your data failed ({failure}). "
                                        "It is saved; tell your instructor.", valid=False)
    else:
        feedback = resolved.check(stored)
    sheet = AnswerSheet(who)
    try:
        sheet.record({"id": exercise.id, "answer": stored, "score": feedback.score,
                      "correct": feedback.correct, "valid": feedback.valid,
                      "points": exercise.points, "casekit": _version()})
        tries = sum(1 for a in sheet.attempts(exercise.id) if a.get("valid", True))
    except Exception as err:   # disk full, read-only folder, ...: say so, never raise
        return Feedback(feedback.correct, feedback.score,
                        f"{_not_saved(err, sheet)}\n\n{feedback.message}", feedback.valid)
    message = feedback.message
    if exercise.explanation and feedback.valid and (
            feedback.correct or tries >= exercise.reveal_after):
        message += f"\n\n**Why:** {exercise.explanation}"
    for notice in sheet.notices:
        message += f"\n\n**Note:** {notice}"
    return Feedback(feedback.correct, feedback.score, message, feedback.valid)


def _not_saved(err: Exception, sheet: AnswerSheet) -> str:
    """What to tell a student whose answer could not be written to their sheet."""
    if not isinstance(err, OSError):
        why = f"saving failed ({type(err).__name__})"
        todo = "Check again; if it keeps failing, tell your instructor."
    elif err.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        why = "the disk is full"
        todo = "Free some space (delete big files you no longer need), then check again."
    elif err.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        why = f"you may not write to the folder {sheet.folder}"
        todo = ("Point CASEKIT_HOME to a folder you can write to (in a cell: "
                "`import os; os.environ['CASEKIT_HOME'] = os.path.expanduser('~/casekit-work')`), "
                "then check again.")
    else:
        why = err.strerror or str(err) or type(err).__name__
        todo = "Check again; if it keeps failing, tell your instructor."
    return (f"⚠ **Checked but NOT saved.** Your answer was checked (below) but could not be "
            f"saved to your answer sheet {sheet.path.name}: {why}. An answer that is not saved "
            f"is not graded. {todo} The answers saved before are safe.")


def check(exercise_id: str, value: Any) -> Feedback:
    """Check a value you computed for exercise ``exercise_id`` and save the attempt.

    >>> fb = check("no-such-id", 1)
    >>> fb.correct, fb.message.startswith("⚠ No exercise")
    (False, True)
    >>> check("crm.recent-buyers", ...)       # the placeholder of a fresh problem set
    ⚠ Not answered yet: replace the ... in the cell above with your calculation, run it, then run this check again.
    """
    try:
        exercise = get(exercise_id)
    except ValueError as err:
        return Feedback(False, 0.0, f"⚠ {err}", valid=False)
    if value is Ellipsis:   # not saved: there is nothing to grade yet
        return Feedback(False, 0.0, "⚠ Not answered yet: replace the ... in the cell above with "
                                    "your calculation, run it, then run this check again.", valid=False)
    return submit(exercise, value)


def show(exercise_id: str):
    """The exercise as a widget: prompt, answer input, Check and Hint buttons, feedback."""
    from casekit.exercises.widgets import ExerciseView

    return ExerciseView(get(exercise_id), student())


def _version() -> str:
    import casekit

    return casekit.__version__
