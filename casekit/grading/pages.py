"""HTML pages of the grading tools, built from jinja2 templates with autoescape on.

Every value a template prints is escaped and scrubbed of control and bidi-override
characters (they could hide or reorder what a reader sees), unless it is
:class:`markupsafe.Markup` made by :func:`markdown` — text rendered by
:func:`casekit.markup.to_html`, which escapes raw HTML itself. Answers are never trusted
to have the shape their exercise expects: :func:`answer_view` turns whatever a sheet
stored into something a template can show, and "(could not be shown)" when it cannot.

The templates' static texts are marked for translation (jinja2's i18n extension:
``{% trans %}…{% endtrans %}`` and ``_("…")``, named ``%(placeholders)s``); they are
read from casekit's catalog in the current language (:func:`casekit.i18n.translate`), so
a page rendered within ``casekit.i18n.speaking("zh")`` is in Chinese. ``tools/i18n.py``
extracts them with Babel's jinja2 extractor.

>>> render("index.html", title="Pages", rows=[], note="")[:15]
'<!DOCTYPE html>'
>>> clip("<b>" + "x" * 3000, 10)
'<b>xxxxxxx … (2,993 more characters)'
"""
from __future__ import annotations

import functools
import json
import math
import re
from typing import Any

from markupsafe import Markup

from casekit.exercises.types import AnswerError, Exercise, _close, parse_number
from casekit.i18n import _, translate

__all__ = ["NOT_SHOWN", "answer_view", "clip", "expected_view", "markdown", "render", "scrub"]

NOT_SHOWN = "(could not be shown)"     # in English; pages show it in their language
_HIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
MAX_TEXT = 2000
MAX_ROWS, MAX_COLUMNS = 50, 20      # of a table answer shown


def scrub(value: Any) -> Any:
    """``value`` with control and bidi-override characters replaced by U+FFFD (text and
    Markup; anything else unchanged).

    >>> scrub("\\u202eevil")
    '\\ufffdevil'
    """
    if isinstance(value, Markup):
        return Markup(_HIDDEN.sub("\ufffd", str(value)))
    if isinstance(value, str):
        return _HIDDEN.sub("\ufffd", value)
    return value


def clip(text: str, limit: int = MAX_TEXT) -> str:
    """``text`` cut to ``limit`` characters, saying how much was left out."""
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise ValueError(f"limit must be a whole number ≥ 1, got {limit!r}")
    if len(text) <= limit:
        return text
    return _("{text} … ({count} more characters)").format(text=text[:limit],
                                                          count=f"{len(text) - limit:,}")


def markdown(text: Any) -> Markup:
    """``text`` (Markdown) as safe HTML through :func:`casekit.markup.to_html`, without
    control or bidi-override characters; anything that is not text is shown as its JSON.

    >>> markdown("**lift** <i>")
    Markup('<p><strong>lift</strong> &lt;i&gt;</p>')
    """
    from casekit.markup import to_html

    if not isinstance(text, str):
        text = _json(text)
    return scrub(Markup(to_html(clip(text))))


@functools.lru_cache(maxsize=1)
def _environment():
    import jinja2

    def finalize(value):
        if value is None:
            return ""
        return scrub(value)

    env = jinja2.Environment(loader=jinja2.PackageLoader("casekit.grading", "templates"),
                             autoescape=True, undefined=jinja2.StrictUndefined,
                             finalize=finalize, trim_blocks=True, lstrip_blocks=True,
                             extensions=["jinja2.ext.i18n"])
    env.policies["ext.i18n.trimmed"] = True     # a {% trans %} block's lines are one message
    # new-style gettext: the message is translated first, then its %(name)s filled with
    # escaped values; in the current language, read when each page is rendered
    env.install_gettext_callables(lambda message: translate(message),
                                  lambda one, many, n: translate(one if n == 1 else many),
                                  newstyle=True)
    env.filters["clip"] = clip
    env.filters["points"] = lambda x: f"{x:.4g}"
    return env


def render(template: str, **context) -> str:
    """The page ``template`` (a file of ``casekit/grading/templates``) filled with ``context``."""
    if not isinstance(template, str):
        raise TypeError(f"template must be a template file name, got {template!r}")
    return _environment().get_template(template).render(**context)


def _json(value: Any) -> str:
    try:
        return json.dumps(value, ensure_ascii=False, allow_nan=True)
    except (TypeError, ValueError):
        return repr(value)


def _cell(value: Any) -> str:
    """One table cell as text, at most 200 characters."""
    if isinstance(value, str):
        return clip(value, 200)
    if isinstance(value, float) and math.isfinite(value):
        return f"{value:,.6g}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return clip(_json(value), 200)


def _grid(exercise: Exercise, answer: Any) -> tuple[list[str], list[tuple[str, list[Any]]]] | None:
    """A table answer as ``(column labels, [(row label, raw cells)])``, or None when it is
    not a table at all. Labels the sheet left out are taken from the exercise when the
    shape matches, else left empty."""
    columns, rows = None, None
    if isinstance(answer, dict) and set(answer) == {"columns", "index", "data"}:
        data = answer["data"]
        if isinstance(data, list) and all(isinstance(r, list) for r in data):
            index = answer["index"] if isinstance(answer["index"], list) else []
            columns = answer["columns"] if isinstance(answer["columns"], list) else None
            rows = [(index[i] if i < len(index) else "", r) for i, r in enumerate(data)]
    elif isinstance(answer, dict) and answer and all(isinstance(v, dict) for v in answer.values()):
        columns = list(dict.fromkeys(c for v in answer.values() for c in v))
        rows = [(r, [v.get(c, "") for c in columns]) for r, v in answer.items()]
    elif isinstance(answer, list) and answer and all(isinstance(r, list) for r in answer):
        labels = exercise.rows if len(answer) == len(exercise.rows) else [""] * len(answer)
        rows = list(zip(labels, answer))
    if rows is None:
        return None
    if len(rows) > MAX_ROWS:      # a huge table must not make a huge (and slow) page
        rows = rows[:MAX_ROWS] + [(f"… {len(rows) - MAX_ROWS:,} more rows", [])]
    rows = [(label, r[:MAX_COLUMNS]) for label, r in rows]
    columns = None if columns is None else columns[:MAX_COLUMNS]
    width = max([len(r) for _, r in rows] + [len(columns or ())])
    if columns is None:
        columns = list(exercise.columns) if width == len(exercise.columns) else [""] * width
    columns = list(columns) + [""] * (width - len(columns))
    return [_cell(c) for c in columns], [(_cell(label), list(r)) for label, r in rows]


def _wrong_cells(columns: list[str], rows: list, expected: Exercise) -> list[list]:
    """For each cell: True (wrong), False (right) or None (no expected value to compare)."""
    def position(labels, names):
        if set(names) <= set(labels):
            return [names.index(x) if x in names else None for x in labels]
        return [i if i < len(names) else None for i in range(len(labels))]

    def wrong(cell, target) -> bool:     # as the table's check reads and compares a cell
        try:
            return not _close(parse_number(cell)[0], target, *expected.tolerances())
        except AnswerError:
            return True

    row_at = position([label for label, _cells in rows], list(expected.rows))
    col_at = position(columns, list(expected.columns))
    marks = []
    for (_label, cells), i in zip(rows, row_at):
        line = []
        for cell, j in zip(cells, col_at):
            if i is None or j is None:
                line.append(None)
                continue
            line.append(wrong(cell, expected.answer[i][j]))
        marks.append(line + [None] * (len(columns) - len(line)))
    return marks


def answer_view(exercise: Exercise, answer: Any, expected: Exercise | None = None, *,
                student: str | None = None) -> dict:
    """What a template shows for a student's stored ``answer``: a table
    (``{"table": {"columns", "rows": [(label, [(text, wrong)])]}}``, ``wrong`` marked only
    when ``expected`` (the resolved exercise) is given) or ``{"text": ...}``, options
    lettered as ``student`` saw them. Never raises for an odd answer; an answer that
    cannot be shown gives "(could not be shown)".

    >>> from casekit.exercises.types import TableExercise
    >>> t = TableExercise(id="d.t", prompt="?", rows=("r",), columns=("c",), answer=((1.0,),))
    >>> answer_view(t, [[2]], t)["table"]["rows"]
    [('r', [('2', True)])]
    >>> answer_view(t, {"columns": [["c"]], "index": [{}], "data": 1})
    {'text': '{"columns": [["c"]], "index": [{}], "data": 1}'}
    >>> from casekit.exercises.types import OrderingExercise
    >>> answer_view(OrderingExercise(id="d.o", prompt="?", items=("a", "b")), ["b", None])
    {'text': 'b → null'}
    """
    if not isinstance(exercise, Exercise):
        raise TypeError(f"exercise must be a casekit Exercise, got {type(exercise).__name__}")
    from casekit.grading.reference import describe_answer

    try:
        limit = MAX_TEXT if exercise.kind == "text" else 300     # essays are long, numbers not
        if exercise.kind == "ordering" and isinstance(answer, list) and answer:
            return {"text": clip(" → ".join(_cell(x) for x in answer), limit)}
        if exercise.kind == "matching" and isinstance(answer, dict) and answer:
            return {"text": clip("; ".join(f"{_cell(k)} → {_cell(v)}" for k, v in answer.items()), limit)}
        if exercise.kind != "table":
            return {"text": clip(describe_answer(exercise, answer, student=student), limit)}
        grid = _grid(exercise, answer)
        if grid is None:      # not a table at all: show what was stored
            return {"text": clip(answer if isinstance(answer, str) else _json(answer), limit)}
        columns, rows = grid
        marks = _wrong_cells(columns, rows, expected) \
            if expected is not None and expected.answer is not None else \
            [[None] * len(columns) for _ in rows]
        return {"table": {"columns": columns, "rows": [
            (label, [(_cell(c), m) for c, m in zip(cells + [""] * (len(columns) - len(cells)), mark)])
            for (label, cells), mark in zip(rows, marks)]}}
    except Exception:  # one odd answer must never stop a page (or a class's pages)
        return {"text": _("(could not be shown)")}


def expected_view(exercise: Exercise, *, student: str | None = None) -> dict:
    """The expected answer of a resolved exercise for a template: a table for table
    exercises, else ``{"text": ...}`` (options lettered as ``student`` saw them);
    "(could not be shown)" if it cannot be described.

    >>> from casekit.exercises.types import NumericExercise
    >>> expected_view(NumericExercise(id="d.n", prompt="?", answer=3.0))
    {'text': '3'}
    """
    if not isinstance(exercise, Exercise):
        raise TypeError(f"exercise must be a casekit Exercise, got {type(exercise).__name__}")
    from casekit.grading.reference import describe_expected

    try:
        if exercise.kind == "table" and exercise.answer is not None:
            return {"table": {"columns": [_cell(c) for c in exercise.columns], "rows": [
                (_cell(r), [(_cell(v), None) for v in row])
                for r, row in zip(exercise.rows, exercise.answer)]}}
        return {"text": clip(describe_expected(exercise, student=student))}
    except Exception:  # a key that cannot be described must not stop the page
        return {"text": _("(could not be shown)")}
