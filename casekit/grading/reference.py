"""Each student's expected answers, worked out on their own data, and readable renderings.

A computed exercise (one with a ``solution``) has a different answer for every student:
its reference solution runs on ``casekit.data.for_student(student)``. This module builds
those answers, fingerprints them (so a gradebook can cache them and notice when the bank,
the solutions or the simulator change) and renders answers for people to read.

>>> from casekit.exercises.types import ChoiceExercise
>>> ex = ChoiceExercise(id="d.q", prompt="?", options=({"text": "Yes", "correct": True},
...                                                     {"text": "No"}))
>>> describe_expected(ex)
'A. Yes'
>>> describe_answer(ex, "No")
'B. No'
>>> describe_answer(ex, "No", student="s1")       # the letter that student saw
'A. No'
"""
from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import replace
from pathlib import Path
from typing import Any, Iterable

from casekit.exercises.types import AnswerError, Exercise, is_cut
from casekit.i18n import _

__all__ = ["describe_answer", "describe_expected", "fingerprint", "pack",
           "resolve_for", "student_data", "unpack"]


def student_data(student: str):
    """This student's simulated retailer (``casekit.exercises.my_retailer`` for them)."""
    import casekit.exercises as engine
    from casekit.exercises.sheet import check_student_id

    return engine._student_data(check_student_id(student))


def resolve_for(student: str, exercises: Iterable[Exercise]) -> tuple[dict[str, Exercise], dict[str, str]]:
    """The ``exercises`` with their answers worked out on ``student``'s data:
    ``(resolved, errors)``; a reference that fails lands in ``errors`` (id → message)
    instead of raising. The data is built only if a computed exercise needs it.

    >>> from casekit.exercises.types import NumericExercise
    >>> resolve_for("s1", [NumericExercise(id="d.n", prompt="?", answer=3.0)])[0]["d.n"].answer
    3.0
    """
    from casekit.exercises.sheet import check_student_id
    from casekit.solutions import work_once

    check_student_id(student)
    exercises = list(exercises)
    if not all(isinstance(ex, Exercise) for ex in exercises):
        raise TypeError("exercises must be casekit Exercise objects")
    resolved, errors = {}, {}
    retailer, failure = None, None
    with work_once():   # a step several solutions share runs once for this student
        for ex in exercises:
            if not ex.computed:
                resolved[ex.id] = ex
                continue
            if retailer is None and failure is None:
                try:
                    retailer = student_data(student)
                except Exception as err:  # the simulator failing must not stop a class's grading
                    failure = f"{student}'s data could not be built ({type(err).__name__}: {err})"
            if failure is not None:
                errors[ex.id] = failure
                continue
            try:
                resolved[ex.id] = ex.resolve(retailer)
            except Exception as err:
                errors[ex.id] = f"reference solution {ex.solution} failed ({type(err).__name__}: {err})"
    return resolved, errors


def _check_exercise(exercise) -> None:
    if not isinstance(exercise, Exercise):
        raise TypeError(f"exercise must be a casekit Exercise, got {type(exercise).__name__}")


#: Parts of casekit that cannot change an expected answer or a score.
_NOT_KEYS = ("grading", "hub", "cli.py", "widgets.py", "explorers", "plots.py", "glossary.py",
             "i18n.py")
#: Libraries whose results the reference solutions and checkers depend on.
_LIBRARIES = ("numpy", "pandas", "scipy", "statsmodels")
_PACKAGE = Path(__file__).resolve().parents[1]


def fingerprint(exercise: Exercise) -> str:
    """A short hash of everything that can change an exercise's key or score: the exercise
    itself, the checker, and for a computed exercise every analysis module, solution and
    the simulator (the whole package but its grading, hub and display code) and the
    versions of numpy, pandas, scipy and statsmodels. A cached expected answer or a
    re-checked attempt is reused only while it is unchanged.

    >>> from casekit.exercises.types import NumericExercise
    >>> len(fingerprint(NumericExercise(id="d.n", prompt="?", answer=3.0)))
    16
    """
    _check_exercise(exercise)
    import casekit

    parts = [repr(exercise), casekit.__version__, _sources_digest(str(_PACKAGE / "exercises"))]
    if exercise.computed:
        parts += [_sources_digest(str(_PACKAGE)), _libraries()]
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()[:16]


@functools.lru_cache(maxsize=8)
def _sources_digest(folder: str) -> str:
    """SHA-256 over the Python sources under ``folder`` that can change a key."""
    digest = hashlib.sha256()
    root = Path(folder)
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root)
        if any(part in _NOT_KEYS or part == "__pycache__" for part in rel.parts):
            continue
        digest.update(str(rel).encode() + b"\x00" + path.read_bytes())
    return digest.hexdigest()


@functools.lru_cache(maxsize=1)
def _libraries() -> str:
    from importlib.metadata import PackageNotFoundError, version

    def installed(name):
        try:
            return version(name)
        except PackageNotFoundError:
            return "absent"

    return ",".join(f"{name}={installed(name)}" for name in _LIBRARIES)


def pack(exercise: Exercise) -> str:
    """A resolved computed exercise's answer (and computed mistakes) as JSON text."""
    _check_exercise(exercise)
    return json.dumps({"answer": exercise.answer, "mistakes": list(getattr(exercise, "mistakes", ()))})


def unpack(exercise: Exercise, text: str) -> Exercise:
    """``exercise`` with the answer saved by :func:`pack` put back."""
    _check_exercise(exercise)
    if not isinstance(text, str):
        raise TypeError(f"text must be the JSON written by pack(), got {type(text).__name__}")
    data = json.loads(text)
    answer = data["answer"]
    if isinstance(answer, list):
        answer = tuple(tuple(row) for row in answer)
    return replace(exercise, answer=answer, mistakes=tuple(data["mistakes"])) \
        if hasattr(exercise, "mistakes") else replace(exercise, answer=answer)


def _readable(exercise: Exercise, answer: Any) -> Any:
    """A table answer as stored in a sheet (``{"columns", "index", "data"}``) as
    ``{row: {column: value}}`` (or its rows, when the labels differ), for people to read.
    Other answers are returned as they are.

    >>> from casekit.exercises.types import TableExercise
    >>> t = TableExercise(id="d.t", prompt="?", rows=("r",), columns=("c",), answer=((1.0,),))
    >>> _readable(t, {"columns": ["c"], "index": ["r"], "data": [[1.0]]})
    {'r': {'c': 1.0}}
    """
    _check_exercise(exercise)
    if exercise.kind != "table" or not isinstance(answer, dict) \
            or set(answer) != {"columns", "index", "data"}:
        return answer
    columns, index, data = answer["columns"], answer["index"], answer["data"]
    if not (isinstance(columns, list) and isinstance(index, list) and isinstance(data, list)
            and len(data) == len(index) and all(isinstance(r, list) and len(r) == len(columns)
                                                for r in data)):
        return data
    if set(exercise.rows) <= set(index) and set(exercise.columns) <= set(columns):
        return {i: dict(zip(columns, row)) for i, row in zip(index, data)}
    return data


def _check_student(student: Any) -> None:
    if student is not None:
        from casekit.exercises.sheet import check_student_id

        check_student_id(student)


def _labels(exercise: Exercise, picks: list[int], student: str | None) -> str:
    """Options ``picks`` (bank positions) as ``student`` saw them, in that order."""
    order = exercise.order(student)
    return "; ".join(exercise.label(i, student) for i in sorted(picks, key=order.index))


def _number(x: float) -> str:
    x = float(x)
    return f"{int(x):,}" if x.is_integer() and abs(x) < 1e15 else f"{x:,.6g}"


def describe_expected(exercise: Exercise, student: str | None = None) -> str:
    """The expected answer of a (resolved) exercise, for people: an option letter (as
    ``student`` saw the options; bank order for ``None``) and its text, a number with
    units, a table, the model answer of a free-text exercise."""
    _check_exercise(exercise)
    _check_student(student)
    kind = exercise.kind
    if kind == "numeric":
        if exercise.answer is None:
            return _("(computed on the student's data)")
        units = exercise.units
        if units in ("share", "fraction"):
            return f"{exercise.answer:.4g} ({exercise.answer:.1%})"
        return _number(exercise.answer) + (f" {units}" if units and units != "%" else
                                           "%" if units == "%" else "")
    if kind in ("single", "multiple"):
        picks = exercise.reference()
        picks = picks if isinstance(picks, list) else [picks]
        return _labels(exercise, picks, student)
    if kind == "matching":
        return "; ".join(f"{it['text']} → {it['answer']}" for it in exercise.items)
    if kind == "ordering":
        return " → ".join(exercise.items)
    if kind == "table":
        if exercise.answer is None:
            return _("(computed on the student's data)")
        return "; ".join(f"{r}: " + ", ".join(f"{c} = {_number(v)}" for c, v in zip(exercise.columns, row))
                         for r, row in zip(exercise.rows, exercise.answer))
    return exercise.model_answer


def describe_answer(exercise: Exercise, answer: Any, student: str | None = None) -> str:
    """A student's answer (as stored in the sheet), for people, options lettered as
    ``student`` saw them (bank order for ``None``); falls back to its JSON. Sheets store the
    chosen options' texts; older sheets stored letters or positions, read in bank order."""
    _check_exercise(exercise)
    _check_student(student)
    if is_cut(answer):
        return _("(not stored whole: {summary})").format(summary=answer["cut"])
    try:
        if exercise.kind == "single":
            return _labels(exercise, [exercise.option_index(answer)], student)
        if exercise.kind == "multiple":
            return _labels(exercise, exercise._picks(answer), student)
        if exercise.kind == "text":
            return str(answer.get("text", "")) if isinstance(answer, dict) else str(answer)
    except (AnswerError, AttributeError, TypeError):
        pass
    if isinstance(answer, str):
        return answer
    return json.dumps(_readable(exercise, answer), ensure_ascii=False)
