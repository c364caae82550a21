"""Exercises with immediate, specific feedback, saved to the student's answer sheet.

In a notebook::

    from casekit.exercises import start, show, check, my_retailer
    start("s2026-017")              # once: who is working (answers go to this sheet)
    show("crm.quiz-01")             # a widget: prompt, input, Check, Hint, feedback
    data = my_retailer()            # this student's own simulated retailer
    check("crm.top-share", 0.61)    # check a computed value

Exercise content lives as data in ``casekit/exercises/banks/*.toml``; this package holds
the checking logic (:mod:`casekit.exercises.types`), the bank reader
(:mod:`~casekit.exercises.bank`), the answer sheet (:mod:`~casekit.exercises.sheet`) and
the widgets (:mod:`~casekit.exercises.widgets`).
"""
from __future__ import annotations

import difflib
import errno
import functools
import os
from typing import Any

from casekit.exercises.bank import BANKS, BankError, bank_dir, load_bank
# bound after the submodule of the same name, so casekit.exercises.progress is the function
from casekit.exercises.progress import progress  # noqa: E402  (standard library only)
from casekit.exercises.sheet import AnswerSheet, check_student_id, workbook_home
from casekit.exercises.translation import localized
from casekit.i18n import _, set_language
from casekit.exercises.types import WARN, AnswerError, Exercise, Feedback, sentences

__all__ = ["AnswerError", "AnswerSheet", "BankError", "Exercise", "Feedback", "catalog",
           "check", "get", "hint", "my_retailer", "progress", "reset", "show", "start",
           "student", "submit", "workbook_home"]

DEFAULT_STUDENT = "self-study"
#: The id the instructor's copy of a problem set runs as; like DEFAULT_STUDENT it is never
#: remembered as the student's own, so chapters run after it stay "self-study".
DEMO_STUDENT = "demo-student"
_state: dict[str, str | None] = {"student": None}


class Session:
    """Who is working; shown by :func:`start`."""

    def __init__(self, student: str):
        self.student = student

    def __repr__(self):
        return _("Working as {quoted}. Every answer you check is saved to your answer sheet "
                 "({file} in your workbook folder: casekit.exercises.AnswerSheet(student()).path "
                 "shows where).").format(quoted=repr(self.student), file=f"{self.student}.json")


#: The id last given to :func:`start` in this workbook folder, read by ``start()`` with no
#: id (the chapters), so a student's chapter answers go to their own sheet.
_SAVED_ID = "student-id.txt"


def _saved_student() -> str | None:
    try:
        text = (workbook_home() / _SAVED_ID).read_text(encoding="utf-8").strip()
        return check_student_id(text)
    except (OSError, ValueError, UnicodeDecodeError):
        return None


def start(student_id: str | None = None, lang: str | None = None) -> Session:
    """Say who is working: answers are saved to this student's sheet and computed
    exercises use this student's own data. The id is remembered in the workbook folder,
    so ``start()`` with no id (as the chapters call it) works as the same student; with
    none ever given it is ``CASEKIT_STUDENT``, else 'self-study'.

    ``lang`` ("en" or "zh") sets the language of prompts, feedback, hints and widgets
    (default: as before, else ``CASEKIT_LANG``, else English); answers are saved the same
    in every language.

    >>> start("demo-student")
    Working as 'demo-student'. ...
    """
    if lang is not None:
        set_language(lang)
    from casekit.hub import client as hub_client   # standard library only: cheap
    if hub_client.active():     # on JupyterHub the hub says who is working, not a typed id
        student_id = hub_client.hub_user()
    elif student_id is None:
        student_id = os.environ.get("CASEKIT_STUDENT") or _saved_student() or DEFAULT_STUDENT
    else:
        check_student_id(student_id)
        if student_id.strip() not in (DEFAULT_STUDENT, DEMO_STUDENT):   # placeholders: not "you"
            try:
                from casekit.exercises.sheet import atomic_write
                workbook_home().mkdir(parents=True, exist_ok=True)
                atomic_write(workbook_home() / _SAVED_ID, student_id.strip() + "\n", durable=False)
            except OSError:     # a read-only folder: the chapters then ask start() again
                pass
    _state["student"] = check_student_id(student_id)
    _warm(_state["student"])
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
PACKAGED_BANK = str(BANKS / "bank.json")


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
        hint = _("Did you mean {ids}?").format(ids=", ".join(close)) if close else \
            _("casekit.exercises.catalog() lists every exercise.")
        raise ValueError(sentences(_("No exercise {id}.").format(id=repr(exercise_id)), hint))
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


@functools.lru_cache(maxsize=2)
def _student_data(student_id: str):
    """The student's retailer the expected answers are worked out on: built once per
    session, and never the one :func:`my_retailer` hands out (which the student may change)."""
    from casekit.data import for_student

    return for_student(student_id)


def my_retailer():
    """This student's own simulated retailer (``casekit.data.for_student(student())``)."""
    from casekit.data import for_student

    return for_student(student())


_RESOLVED: dict[tuple[str, str], tuple[Exercise, Exercise]] = {}


def _resolved(exercise: Exercise, student_id: str) -> Exercise:
    """``exercise`` with its answer worked out on this student's data (cached)."""
    if not exercise.computed:
        return exercise
    key = (student_id, exercise.id)
    cached = _RESOLVED.get(key)
    if cached is None or cached[0] is not exercise:
        from casekit.exercises.progress import cached_key, store_key
        resolved = cached_key(exercise, student_id)     # worked out before, kept on disk
        if resolved is None:
            resolved = exercise.resolve(_student_data(student_id))
            store_key(exercise, resolved, student_id)
        cached = _RESOLVED[key] = (exercise, resolved)
    return cached[1]


def _warm(student_id: str) -> None:
    """Work out this student's computed answers in the background (see
    :mod:`casekit.exercises.progress`), so that no check waits for them."""
    from casekit.exercises.progress import warm
    warm(student_id)


def wait_ready(timeout: float = 120.0) -> bool:
    """Wait for the background work begun by :func:`start`; True when it is finished."""
    from casekit.exercises.progress import wait_ready as wait
    return wait(timeout)




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
    lang, exercise = exercise.lang, exercise.original or exercise   # keys come from the English
    try:
        resolved = localized(_resolved(exercise, who), lang)
    except Exception as err:  # the reference failing on this student's data: not their fault
        resolved, failure = None, f"{type(err).__name__}: {err}"
    shown = resolved or localized(exercise, lang)
    stored = shown.stored(answer, who)
    if resolved is None:
        feedback = Feedback(False, 0.0, f"{WARN} " + _(
            "Your answer could not be checked now: working out the expected answer on your "
            "data failed ({failure}). It is saved; tell your instructor.").format(failure=failure),
            valid=False)
    else:
        feedback = resolved.check(stored)
    sheet = AnswerSheet(who)
    same = _same_as_last(str(sheet.path), exercise.id, stored)
    try:
        if not same:    # a re-run cell re-checking the same answer adds no attempt
            sheet.record({"id": exercise.id, "answer": stored, "score": feedback.score,
                          "correct": feedback.correct, "valid": feedback.valid,
                          "points": exercise.points, "casekit": _version()})
            _LAST[(str(sheet.path), exercise.id)] = _stored_key(stored)
        tries = sum(1 for a in sheet.attempts(exercise.id) if a.get("valid", True))
    except Exception as err:   # disk full, read-only folder, ...: say so, never raise
        return Feedback(feedback.correct, feedback.score,
                        f"{_not_saved(err, sheet)}\n\n{feedback.message}", feedback.valid)
    message = feedback.message
    if same:
        message += "\n\n*" + _("The same answer as your last check of this exercise: it is "
                                "saved once, not counted as another attempt.") + "*"
    if shown.explanation and feedback.valid and (
            feedback.correct or tries >= exercise.reveal_after):
        message += "\n\n**" + _("Why:") + f"** {shown.explanation}"
    for notice in sheet.notices:
        message += "\n\n**" + _("Note:") + f"** {notice}"
    return Feedback(feedback.correct, feedback.score, message, feedback.valid)


#: (answer sheet path, exercise id) → the stored answer last recorded in this kernel session.
_LAST: dict[tuple[str, str], str] = {}


def _stored_key(stored: Any) -> str:
    import json

    from casekit.exercises.sheet import json_safe
    return json.dumps(json_safe(stored), sort_keys=True, ensure_ascii=False)


def _same_as_last(sheet_path: str, exercise_id: str, stored: Any) -> bool:
    """True if this session already recorded exactly this answer as the exercise's last
    attempt on this sheet (Run All after a restart is a new session, and records once more)."""
    key = _LAST.get((sheet_path, exercise_id))
    return key is not None and key == _stored_key(stored)


def _not_saved(err: Exception, sheet: AnswerSheet) -> str:
    """What to tell a student whose answer could not be written to their sheet."""
    if not isinstance(err, OSError):
        why = _("saving failed ({error})").format(error=type(err).__name__)
        todo = _("Check again; if it keeps failing, tell your instructor.")
    elif err.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        why = _("the disk is full")
        todo = _("Free some space (delete big files you no longer need), then check again.")
    elif err.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        why = _("you may not write to the folder {folder}").format(folder=sheet.folder)
        todo = _("Point CASEKIT_HOME to a folder you can write to (in a cell: "
                 "`import os; os.environ['CASEKIT_HOME'] = os.path.expanduser('~/casekit-work')`), "
                 "then check again.")
    else:
        why = err.strerror or str(err) or type(err).__name__
        todo = _("Check again; if it keeps failing, tell your instructor.")
    return f"{WARN} " + _(
        "**Checked but NOT saved.** Your answer was checked (below) but could not be saved to "
        "your answer sheet {file}: {why}. An answer that is not saved is not graded. {todo} The "
        "answers saved before are safe.").format(file=sheet.path.name, why=why, todo=todo)


def check(exercise_id: str, value: Any) -> Feedback:
    """Check a value you computed for exercise ``exercise_id`` and save the attempt.

    >>> fb = check("no-such-id", 1)
    >>> fb.correct, fb.message.startswith("⚠ No exercise")
    (False, True)
    >>> check("crm.recent-buyers", ...)       # the placeholder of a fresh problem set
    ⚠ Not answered yet: the value you check is still `...`. In the cell above, replace the ... with your calculation and run that cell, then run this check again.
    """
    try:
        exercise = get(exercise_id)
    except ValueError as err:
        return Feedback(False, 0.0, f"{WARN} {err}", valid=False)
    if value is Ellipsis:   # not saved: there is nothing to grade yet
        return Feedback(False, 0.0, f"{WARN} " + _(
            "Not answered yet: the value you check is still `...`. In the cell above, replace "
            "the ... with your calculation and run that cell, then run this check again."),
            valid=False)
    feedback = submit(localized(exercise), value)
    if feedback.correct or not feedback.valid or not exercise.hints:
        return feedback
    seen = _HINTS_SEEN.get((student(), exercise.id), 0)
    if seen < len(exercise.hints):
        more = _('Stuck? `hint("{id}")` shows hint {n} of {m}.') \
            .format(id=exercise.id, n=seen + 1, m=len(exercise.hints))
    else:
        more = _('You have seen all {m} hints (`hint("{id}", all=True)` shows them again).') \
            .format(id=exercise.id, m=len(exercise.hints))
    return Feedback(feedback.correct, feedback.score, f"{feedback.message}\n\n{more}",
                    feedback.valid)


#: (student, exercise id) → how many hints this session has shown.
_HINTS_SEEN: dict[tuple[str, str], int] = {}


class Hints:
    """Hints shown by :func:`hint`: Markdown in a notebook, plain text elsewhere."""

    def __init__(self, exercise_id: str, hints: list[str], total: int, note: str = ""):
        self.exercise_id, self.hints, self.total, self.note = exercise_id, hints, total, note

    def _lines(self) -> list[str]:
        if not self.total:
            return [_("{id} has no hints: read its prompt again, or the chapter section it "
                      "names.").format(id=self.exercise_id)]
        line = _("Hint {n} of {m}: {hint}")
        lines = [line.format(n=n, m=self.total, hint=h) for n, h in enumerate(self.hints, 1)]
        return lines + ([self.note] if self.note else [])

    def __repr__(self):
        return "\n".join(self._lines())

    def _repr_markdown_(self):
        return "\n\n".join(self._lines())


def hint(exercise_id: str, all: bool = False) -> Hints:   # noqa: A002 - the word a student types
    """The next hint of an exercise (one more each time you run it; ``all=True`` shows
    every hint seen so far again). Asking for a hint costs nothing.

    >>> hint("no-such-id")
    Traceback (most recent call last):
    ...
    ValueError: No exercise 'no-such-id'. ...
    """
    exercise = localized(get(exercise_id))
    hints, key = list(exercise.hints), (student(), exercise_id)
    seen = _HINTS_SEEN.get(key, 0) if all else min(_HINTS_SEEN.get(key, 0) + 1, len(hints))
    _HINTS_SEEN[key] = max(seen, _HINTS_SEEN.get(key, 0))
    note = "" if not hints or seen < len(hints) else _("That is every hint (there are no more).")
    if hints and seen < len(hints):
        note = _('Run `hint("{id}")` again for the next one.').format(id=exercise_id)
    return Hints(exercise_id, hints[:max(seen, 1 if all and hints else seen)], len(hints), note)


def show(exercise_id: str):
    """The exercise as a widget: prompt, answer input, Check and Hint buttons, feedback."""
    from casekit.exercises.widgets import ExerciseView

    return ExerciseView(localized(get(exercise_id)), student())


def reset(exercise_id: str):
    """A fresh widget for an exercise (empty answer, no feedback, hints from the first),
    and ``check`` forgets this session's hints for it. The attempts already saved stay on
    your answer sheet: grading counts your best one, so starting over costs nothing."""
    exercise = get(exercise_id)
    _HINTS_SEEN.pop((student(), exercise.id), None)
    _LAST.pop((str(AnswerSheet(student()).path), exercise.id), None)
    return show(exercise_id)


def _version() -> str:
    import casekit

    return casekit.__version__
