"""One HTML feedback page per student.

Each page shows, per exercise: the points earned, the student's answer (the attempt that
counted) and the checker's comment on it, the hints in order, and — only once the
chapter's deadline has passed — the expected answer on the student's own data and the
explanation. Everything taken from a sheet or the bank is HTML-escaped. ``index.html``
lists the pages for the instructor.

Example::

    write_feedback("gradebook.sqlite", "feedback")     # feedback/<student>.html
"""
from __future__ import annotations

import datetime as dt
import html
import json
from pathlib import Path

from casekit.exercises.types import markdown_lite
from casekit.grading.common import atomic_write, check_path
from casekit.grading.gradebook import Gradebook
from casekit.grading.reference import describe_answer, describe_expected, unpack

__all__ = ["write_feedback"]

_STYLE = """body{font-family:system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;
color:#222;line-height:1.45}h1{font-size:1.5rem}.ex{border:1px solid #ddd;border-left:5px solid #888;
border-radius:4px;padding:.6rem 1rem;margin:1rem 0}.full{border-left-color:#1b7837}
.part{border-left-color:#b35806}.none{border-left-color:#b2182b}.wait{border-left-color:#0072B2}
.pts{float:right;font-weight:bold}.label{color:#555;font-size:.9rem;margin:.5rem 0 .1rem}
pre{white-space:pre-wrap;background:#f6f6f6;padding:.4rem;margin:0}table{border-collapse:collapse}
td,th{padding:.2rem .6rem;border-bottom:1px solid #eee;text-align:left}"""

_STATUS = {"auto": "", "manual": "marked by your instructor",
           "pending": "free text: waiting for your instructor's mark",
           "unattempted": "not attempted", "invalid": "no readable answer",
           "error": "could not be checked yet", "missing": "no answer sheet handed in"}


def _page(title: str, body: str) -> str:
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head>"
            f"<body>{body}</body></html>\n")


def write_feedback(gradebook, out, *, reveal: bool | None = None, students=None,
                   when: dt.datetime | None = None) -> list[Path]:
    """Write ``out/<student>.html`` for every student (or those in ``students``) and
    ``out/index.html``; return the pages written.

    ``reveal`` None shows expected answers and explanations for chapters whose deadline
    (set by ``casekit grade --deadline``) is before ``when`` (default: now); True always,
    False never.
    """
    from casekit.exercises.bank import load_bank
    from casekit.grading.policy import Settings

    out = check_path("out", out)
    if reveal is not None and not isinstance(reveal, bool):
        raise TypeError(f"reveal must be True, False or None (by deadline), got {reveal!r}")
    when = dt.datetime.now(dt.timezone.utc) if when is None else when
    if not isinstance(when, dt.datetime) or when.tzinfo is None:
        raise ValueError(f"when must be a datetime with a time zone, got {when!r}")
    if students is not None and (isinstance(students, str) or not all(isinstance(s, str) for s in students)):
        raise TypeError("students must be a list of student ids")
    bank = load_bank()
    with Gradebook(gradebook, create=False) as gb:
        settings = Settings.from_json(gb.meta("settings"))
        exercises = gb.exercises()
        roster = {r["student"]: r for r in gb.students()}
        scores = gb.scores()
        wanted = sorted(roster) if students is None else list(students)
        unknown = [s for s in wanted if s not in roster]
        if unknown:
            raise ValueError(f"students {unknown} are not in the gradebook.")
        pages = []
        for student in wanted:
            attempts = {a["seq"]: a for a in gb.attempts(student)}
            last = {}
            for a in attempts.values():
                last[a["exercise"]] = a
            expected = {r["exercise"]: r["value"] for r in gb.conn.execute(
                "SELECT exercise, value FROM expected WHERE student = ?", (student,))}
            comments = {r["exercise"]: r["comment"] for r in gb.conn.execute(
                "SELECT exercise, comment FROM manual WHERE student = ?", (student,))}
            mine = scores.get(student, {})
            total = sum(r["points"] for r in mine.values())
            maximum = sum(ex["points"] for ex in exercises)
            name = roster[student]["name"]
            parts = [f"<h1>Feedback for {html.escape(student)}"
                     f"{' (' + html.escape(name) + ')' if name else ''}</h1>",
                     f"<p><b>Total: {total:.4g} of {maximum:g} points.</b></p>"]
            for ex_row in exercises:
                ex = bank.get(ex_row["id"])
                score = mine.get(ex_row["id"])
                deadline = settings.deadline(ex_row["chapter"])
                shown = reveal if reveal is not None else (deadline is not None and when > deadline)
                parts.append(_card(ex_row, ex, score, attempts, last.get(ex_row["id"]),
                                   expected.get(ex_row["id"]), comments.get(ex_row["id"], ""),
                                   shown, deadline))
            path = atomic_write(out / f"{student}.html", _page(f"Feedback: {student}", "".join(parts)))
            pages.append(path)
    links = "".join(f'<li><a href="{html.escape(p.name)}">{html.escape(p.stem)}</a></li>'
                    for p in pages)
    atomic_write(out / "index.html", _page("Feedback pages", f"<h1>Feedback pages</h1><ul>{links}</ul>"))
    return pages


def _card(ex_row, ex, score, attempts, last_attempt, expected_json, comment, shown, deadline) -> str:
    esc = html.escape
    points = 0.0 if score is None else score["points"]
    status = "unattempted" if score is None else score["status"]
    share = points / ex_row["points"] if ex_row["points"] else 0.0
    css = "wait" if status in ("pending", "error") else "full" if share >= 0.999 else \
        "part" if share > 0 else "none"
    note = _STATUS.get(status, status)
    if score is not None and score["late_days"]:
        note = (note + "; " if note else "") + f"{score['late_days']} day(s) late"
    head = (f'<div class="ex {css}"><span class="pts">{points:.4g} / {ex_row["points"]:g}</span>'
            f"<b>{esc(ex_row['id'])}</b>" + (f" — <i>{esc(note)}</i>" if note else ""))
    if ex is None:
        return head + "<p>(This exercise is no longer in the bank.)</p></div>"
    body = [head, markdown_lite(ex.prompt)]
    chosen = attempts.get(score["chosen"]) if score is not None and score["chosen"] else last_attempt
    if chosen is not None:
        answer = describe_answer(ex, json.loads(chosen["answer"]))
        which = "this one counted" if score is not None and score["chosen"] == chosen["seq"] \
            else "your last one"
        body.append(f'<div class="label">Your answer ({score["attempts"] if score else 1} '
                    f"attempt(s); {which}):</div><pre>{esc(answer)}</pre>")
        if chosen["message"]:
            body.append(f'<div class="label">Checker:</div>{markdown_lite(chosen["message"])}')
    if comment:
        body.append(f'<div class="label">Your instructor:</div><pre>{esc(comment)}</pre>')
    if ex.hints:
        items = "".join(f"<li>{markdown_lite(h)}</li>" for h in ex.hints)
        body.append(f'<div class="label">Hints, in order:</div><ol>{items}</ol>')
    if shown:
        if ex.computed:
            text = describe_expected(unpack(ex, expected_json)) if expected_json else \
                "(not computed yet: ask your instructor)"
            label = "Expected answer on your data:"
        else:
            text, label = describe_expected(ex), "Expected answer:"
        body.append(f'<div class="label">{label}</div><pre>{esc(text)}</pre>')
        if ex.explanation:
            body.append(f'<div class="label">Why:</div>{markdown_lite(ex.explanation)}')
    else:
        when = f" ({deadline.isoformat()})" if deadline is not None else ""
        body.append(f'<p class="label">The expected answer and the explanation appear here after '
                    f"the deadline{esc(when)}.</p>")
    return "".join(body) + "</div>"
