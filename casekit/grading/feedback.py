"""One HTML feedback page per student, and an index of them for the instructor.

A page opens with a summary a student reads in a minute: the total, the points per
chapter, late days and the points they cost, the late policy in words, the student's own
deadlines and whether the answer key is shown, and the free-text answers still waiting
for a mark. Below it, one section per chapter (open when it has work to review); in
each, the exercises to review (wrong, partly right, waiting) come first — open when
there are six or fewer on the page, else folded under a one-line title — then the right
ones, then one folded group of those not attempted. An exercise shows the points, the
answer that counted (a table
answer as a table, its wrong cells marked once the key may be shown) and the checker's
comment, the instructor's comment, the hints in order and — only after the student's
OWN deadline (an extension moves it) — the expected answer on the student's data and
the explanation. Pages come from jinja2 templates with autoescape
(:mod:`casekit.grading.pages`); Markdown goes through :func:`casekit.markup.to_html`.
An answer that cannot be shown says so in its box and never stops the page or the class.
``index.html`` lists every student of the gradebook by name and id with their total,
linked to their page when it has been written (``students=`` writes only some).

Example::

    write_feedback("gradebook.sqlite", "feedback")     # feedback/<student>.html
"""
from __future__ import annotations

import datetime as dt
import json
import math
import re
from pathlib import Path
from urllib.parse import quote

from casekit.exercises.sheetformat import check_student_id
from casekit.grading.common import atomic_write, check_path, printable
from casekit.grading.gradebook import Gradebook
from casekit.grading.pages import NOT_SHOWN, answer_view, expected_view, markdown, render

__all__ = ["late_policy", "write_feedback"]

_STATUS = {"auto": "", "manual": "marked by your instructor",
           "pending": "free text: waiting for your instructor's mark",
           "unattempted": "not attempted", "invalid": "no readable answer",
           "error": "could not be checked yet", "missing": "no answer sheet handed in"}
_ORDER = {"none": 0, "part": 1, "wait": 2, "skip": 3, "full": 4}   # what to review first
_MARKS = re.compile(r"[*`#>]+|\$")     # Markdown marks left out of a one-line title
_OPEN_AT_MOST = 6       # a page with more exercises to review shows them all folded


def _when(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M %Z").replace("UTC+", "UTC +").strip()


def late_policy(penalty: float) -> str:
    """The late policy in words.

    >>> late_policy(0.1)
    'An answer given after your deadline loses 10% of its points for each started day late (after 10 days it earns nothing).'
    """
    if isinstance(penalty, bool) or not isinstance(penalty, (int, float)) or not 0 <= penalty <= 1:
        raise ValueError(f"penalty must be a share from 0 to 1, got {penalty!r}")
    if penalty == 0:
        return "Answers given after the deadline are marked late but lose no points."
    days = math.ceil(round(1 / penalty, 9))
    return (f"An answer given after your deadline loses {penalty:.0%} of its points for each "
            f"started day late (after {days} day{'s' if days != 1 else ''} it earns nothing).")


def write_feedback(gradebook, out, *, reveal: bool | None = None, students=None,
                   when: dt.datetime | None = None) -> list[Path]:
    """Write ``out/<student>.html`` for every student (or those in ``students``) and
    ``out/index.html``; return the student pages written.

    ``reveal`` None shows expected answers and explanations of a chapter once the
    student's own deadline for it (their extension, else the class deadline) is before
    ``when`` (default: now); True always, False never.
    """
    from casekit.exercises.bank import load_bank
    from casekit.grading.policy import Settings, class_deadline, own_deadline

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
        gb.require_finished("write the feedback pages")
        settings = Settings.from_json(gb.meta("settings"))
        exercises = gb.exercises()
        roster = {r["student"]: r for r in gb.students()}
        scores = gb.scores()
        wanted = sorted(roster) if students is None else list(students)
        unknown = [s for s in wanted if s not in roster]
        if unknown:
            raise ValueError(f"students {unknown} are not in the gradebook.")
        for student in wanted:        # an id names a file: a hand-edited gradebook must not
            if not _valid_id(student):                                # write outside ``out``
                raise ValueError(f"{student!r} is not a valid student id (letters, digits, "
                                 "_ . @ -): was the gradebook edited by hand?")
        pages = []
        chapters = list(dict.fromkeys(e["chapter"] for e in exercises))
        latest = {ch: class_deadline(gb, ch) for ch in chapters}
        for student in wanted:
            extended = gb.extensions(student)
            deadlines = {ch: own_deadline(settings, extended, ch) for ch in chapters}
            context = _student_page(gb, bank, exercises, roster[student], scores.get(student, {}),
                                    settings.late_penalty, deadlines, reveal, when, latest)
            pages.append(atomic_write(out / f"{student}.html", render("feedback.html", **context)))
    maximum = sum(ex["points"] for ex in exercises)
    rows = [{"student": printable(s), "name": printable(roster[s]["name"]),    # everyone, linked
             "href": quote(f"{s}.html") if (out / f"{s}.html").is_file() else "",  # if a page is there
             "total": sum(scores[s][e["id"]]["points"] for e in exercises
                          if e["id"] in scores.get(s, {})), "maximum": maximum,
             "pending": sum(r["status"] == "pending" for r in scores.get(s, {}).values())}
            for s in sorted(roster) if _valid_id(s)]
    atomic_write(out / "index.html", render(
        "index.html", title="Feedback pages", rows=rows,
        note=f"{len(rows)} student(s). To mark: free-text answers waiting for your mark."))
    return pages


def _valid_id(student: str) -> bool:
    """Whether ``student`` is an id grade accepts (any alphabet; never a path), exactly."""
    try:
        return check_student_id(student) == student
    except ValueError:
        return False


def _student_page(gb, bank, exercises, who, mine, penalty, deadlines, reveal, when,
                  latest) -> dict:
    """The template context of one student's page: a personal key (a computed exercise's
    answer on their data) after their own deadline; what is the same for the whole class
    (fixed answers, explanations) only once nobody can hand the chapter in any more
    (``latest``: chapter → the class's last deadline), so a classmate with an extension
    cannot copy it."""
    from casekit.grading.reference import unpack

    student = who["student"]
    attempts = {a["seq"]: a for a in gb.attempts(student)}
    last = {a["exercise"]: a for a in attempts.values()}
    expected = {e: value for e, (_, value) in gb.expected(student).items()}
    comments = {e: mark["comment"] for e, mark in gb.manual_marks(student).items()}
    opened = {ch: reveal if reveal is not None else (d is not None and when > d)
              for ch, d in latest.items()}
    personal = {ch: reveal if reveal is not None else (d is not None and when > d)
                for ch, d in deadlines.items()}
    chapters: dict[str, dict] = {}
    for row in exercises:
        deadline = deadlines[row["chapter"]]
        ex = bank.get(row["id"])
        shown = (personal if ex is not None and ex.computed else opened)[row["chapter"]]
        key = None
        if shown and ex is not None:
            try:
                key = unpack(ex, expected[row["id"]]) if ex.computed and row["id"] in expected \
                    else None if ex.computed else ex
            except Exception:  # a damaged cache entry: the page says so, the class goes on
                key = None
        opens = deadline if ex is not None and ex.computed else latest[row["chapter"]]
        card = _card(row, ex, mine.get(row["id"]), attempts, last.get(row["id"]),
                     comments.get(row["id"], ""), shown, key,
                     opens if reveal is None else None, student, opened[row["chapter"]])
        ch = chapters.setdefault(row["chapter"], {"chapter": row["chapter"], "points": 0.0,
                                                  "maximum": 0.0, "late_days": 0, "lost": 0.0,
                                                  "cards": []})
        score = mine.get(row["id"])
        ch["points"] += card["points"]
        ch["maximum"] += row["points"]
        if score is not None and score["late_days"]:
            ch["late_days"] = max(ch["late_days"], score["late_days"])
            if score["raw"] is not None:
                ch["lost"] += max(0.0, score["raw"] * row["points"] - score["points"])
        ch["cards"].append(card)
    few = sum(c["review"] for ch in chapters.values() for c in ch["cards"]) <= _OPEN_AT_MOST
    extended = gb.extensions(student)
    for chapter, ch in chapters.items():
        ch["cards"].sort(key=lambda c: _ORDER[c["css"]])       # stable: bank order within a group
        for c in ch["cards"]:
            c["open"] = few and c["review"]
        ch["review"] = sum(c["review"] for c in ch["cards"])
        ch["open"] = ch["review"] > 0
        deadline = deadlines[chapter]
        tag = " (your extension)" if chapter in extended or "*" in extended else ""
        ch["deadline"] = f"{_when(deadline)}{tag}" if deadline else "none set"
        ch["key_state"] = "shown below" if opened[chapter] else \
            "yours shown below; the class's once every extension has ended" \
            if personal[chapter] else \
            "after your deadline" if deadline and reveal is None else "once your instructor releases them"
    return {"title": f"Feedback: {printable(who['name'] or student)}", "student": printable(student),
            "name": printable(who["name"]),
            "handed_in": who["sheet_sha256"] is not None,
            "total": sum(r["points"] for r in mine.values()),
            "maximum": sum(ex["points"] for ex in exercises),
            "chapters": list(chapters.values()), "late_policy": late_policy(penalty),
            "late": any(ch["late_days"] for ch in chapters.values()),
            "pending": [e for e, r in mine.items() if r["status"] == "pending"]}


def _title(prompt: str, limit: int = 110) -> str:
    """The prompt as one plain line, cut at a word with an ellipsis.

    >>> _title("A **firm** has  many customers and earns a margin.", 30)
    'A firm has many customers and …'
    """
    text = " ".join(_MARKS.sub("", prompt).split())
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + " …"


def _card(row, ex, score, attempts, last_attempt, comment, shown, key, deadline, student,
          explained) -> dict:
    """One exercise's box on the page; options lettered in ``student``'s own order;
    ``deadline`` is when a hidden key appears (None: when the instructor releases it);
    ``explained``: the class-wide explanation may be shown."""
    points = 0.0 if score is None else score["points"]
    status = "unattempted" if score is None else score["status"]
    share = points / row["points"] if row["points"] else 0.0
    css = "wait" if status in ("pending", "error") else "full" if share >= 0.999 else \
        "part" if share > 0 else "skip" if status in ("unattempted", "missing") else "none"
    note = _STATUS.get(status, status)
    if score is not None and score["late_days"]:
        note = (note + "; " if note else "") + f"{score['late_days']} day(s) late"
    card = {"id": row["id"], "css": css, "review": css not in ("full", "skip"), "points": points,
            "maximum": row["points"], "note": note, "gone": ex is None,
            "title": "" if ex is None else _title(ex.prompt)}
    if ex is None:
        return card
    chosen = attempts.get(score["chosen"]) if score is not None and score["chosen"] else last_attempt
    answer = None
    if chosen is not None:
        try:
            stored = json.loads(chosen["answer"])
        except (TypeError, ValueError):
            answer = {"text": NOT_SHOWN}
        else:
            answer = answer_view(ex, stored, key if shown and ex.kind == "table" else None,
                                 student=student)
    counted = "this one counted" if score is not None and chosen is not None \
        and score["chosen"] == chosen["seq"] else "your last one"
    card.update(
        prompt=markdown(ex.prompt), answer=answer,
        attempts=f"{score['attempts'] if score else 1} attempt(s); {counted}",
        checker=markdown(chosen["message"]) if chosen is not None and chosen["message"] else "",
        comment=markdown(comment) if comment else "",
        hints=[markdown(h) for h in ex.hints], expected=None, why=None, expected_label="",
        hidden=(f"The expected answer and the explanation appear here after {_when(deadline)}"
                + (" (your deadline)." if ex.computed else
                   " (when no classmate can hand this chapter in any more).")) if deadline is not None
        else "The expected answer and the explanation appear here once your instructor "
             "releases them.")
    if shown:
        card["expected"] = expected_view(key, student=student) if key is not None else \
            {"text": "(not computed yet: ask your instructor)"}
        card["expected_label"] = "Expected answer on your data:" if ex.computed else "Expected answer:"
        card["why"] = markdown(ex.explanation) if ex.explanation and explained else None
    return card
