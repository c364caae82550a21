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

The student pages are in the course's language (``lang``; the index, the instructor's,
stays English): the templates' texts and every sentence built here come from casekit's
catalog, and the exercises' prompts, options, hints and explanations from the bank
catalogs (:func:`casekit.exercises.translation.localized`). The checker's comment stored in
the gradebook is in the language it was graded in; a page in another language checks the
stored answer again with the translated exercise (a computed one on the student's own
data, from the gradebook's cache) and shows that comment when it agrees with the stored
verdict, else the stored one. The points always come from the gradebook.

Example::

    write_feedback("gradebook.sqlite", "feedback")     # feedback/<student>.html
    write_feedback("gradebook.sqlite", "feedback-zh", lang="zh")     # 中文
"""
from __future__ import annotations

import datetime as dt
import functools
import json
import math
import re
import unicodedata
from pathlib import Path
from urllib.parse import quote

from casekit.exercises.sheetformat import check_student_id
from casekit.grading.common import atomic_write, check_path, printable
from casekit.grading.gradebook import Gradebook
from casekit.grading.pages import answer_view, expected_view, markdown, render
from casekit.i18n import _, check_language, language, speaking

__all__ = ["late_policy", "write_feedback"]

#: What HTML calls each language of :data:`casekit.i18n.LANGUAGES` (``<html lang>``: it
#: also picks the font a browser draws CJK characters in).
_HTML_LANG = {"en": "en", "zh": "zh-CN"}
#: The suffix ``casekit grade --db`` adds to a message when the course's try penalty applies.
_TRY_PENALTY = re.compile(r" \(try penalty of the course: −(\d+%)\)$")
_ORDER = {"none": 0, "part": 1, "wait": 2, "skip": 3, "full": 4}   # what to review first
_MARKS = re.compile(r"[*`#>]+|\$")     # Markdown marks left out of a one-line title
_OPEN_AT_MOST = 6       # a page with more exercises to review shows them all folded


def _when(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M %Z").replace("UTC+", "UTC +").strip()


def _status_note(status: str) -> str:
    """What an exercise's score status means, in the reader's language."""
    return {"auto": "", "manual": _("marked by your instructor"),
            "pending": _("free text: waiting for your instructor's mark"),
            "unattempted": _("not attempted"), "invalid": _("no readable answer"),
            "error": _("could not be checked yet"),
            "missing": _("no answer sheet handed in")}.get(status, status)


def late_policy(penalty: float) -> str:
    """The late policy in words.

    >>> late_policy(0.1)
    'An answer given after your deadline loses 10% of its points for each started day late (after 10 days it earns nothing).'
    """
    if isinstance(penalty, bool) or not isinstance(penalty, (int, float)) or not 0 <= penalty <= 1:
        raise ValueError(f"penalty must be a share from 0 to 1, got {penalty!r}")
    if penalty == 0:
        return _("Answers given after the deadline are marked late but lose no points.")
    days = math.ceil(round(1 / penalty, 9))
    if days == 1:
        return _("An answer given after your deadline loses {share} of its points for each "
                 "started day late (after {days} day it earns nothing).").format(
                     share=f"{penalty:.0%}", days=days)
    return _("An answer given after your deadline loses {share} of its points for each "
             "started day late (after {days} days it earns nothing).").format(
                 share=f"{penalty:.0%}", days=days)


def write_feedback(gradebook, out, *, reveal: bool | None = None, students=None,
                   when: dt.datetime | None = None, lang: str | None = None) -> list[Path]:
    """Write ``out/<student>.html`` for every student (or those in ``students``) and
    ``out/index.html``; return the student pages written.

    ``reveal`` None shows expected answers and explanations of a chapter once the
    student's own deadline for it (their extension, else the class deadline) is before
    ``when`` (default: now); True always, False never. ``lang`` is the student pages'
    language ('en', 'zh'; None: the reader's language, :func:`casekit.i18n.language`).
    """
    from casekit.exercises.bank import load_bank
    from casekit.grading.policy import Settings, class_deadline, own_deadline

    out = check_path("out", out)
    lang = language() if lang is None else check_language(lang)
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
        local = _Localized(lang)
        with speaking(lang):
            for student in wanted:
                extended = gb.extensions(student)
                deadlines = {ch: own_deadline(settings, extended, ch) for ch in chapters}
                context = _student_page(gb, bank, exercises, roster[student],
                                        scores.get(student, {}), settings.late_penalty,
                                        deadlines, reveal, when, latest, local)
                pages.append(atomic_write(out / f"{student}.html",
                                          render("feedback.html", page_lang=_HTML_LANG[lang],
                                                 **context)))
    maximum = sum(ex["points"] for ex in exercises)
    rows = [{"student": printable(s), "name": printable(roster[s]["name"]),    # everyone, linked
             "href": quote(f"{s}.html") if (out / f"{s}.html").is_file() else "",  # if a page is there
             "total": sum(scores[s][e["id"]]["points"] for e in exercises
                          if e["id"] in scores.get(s, {})), "maximum": maximum,
             "pending": sum(r["status"] == "pending" for r in scores.get(s, {}).values())}
            for s in sorted(roster) if _valid_id(s)]
    with speaking("en"):
        atomic_write(out / "index.html", render(
            "index.html", title="Feedback pages", rows=rows,
            note=f"{len(rows)} student(s). To mark: free-text answers waiting for your mark."))
    return pages


class _Localized:
    """The exercises as the pages' readers see them (:func:`localized`), each made once."""

    def __init__(self, lang: str):
        self.lang = lang
        self._made: dict[str, object] = {}

    def __call__(self, ex, resolved: bool = False):
        """``ex`` in the pages' language; ``resolved``: ``ex`` is on one student's data
        (made afresh: it differs between students)."""
        from casekit.exercises.translation import localized

        if ex is None or self.lang == "en":
            return ex
        if resolved:
            return localized(ex, self.lang)
        if ex.id not in self._made:
            self._made[ex.id] = localized(ex, self.lang)
        return self._made[ex.id]


def _checker_line(attempt, stored, checked) -> str:
    """The checker's comment on ``attempt`` in the page's language: the stored one, or,
    when ``checked`` (the exercise the attempt was checked against, in the page's
    language) is given, its comment on the ``stored`` answer, provided it reaches the
    stored verdict (valid, correct, score); else the stored one. Never raises."""
    message = attempt["message"] or ""
    if checked is None or attempt["valid"] not in (0, 1) or not message:
        return message            # -1: the checker could not run; its reason stays as it is
    try:
        feedback = checked.check(stored)
    except Exception:  # noqa: BLE001 - the stored comment is always there to fall back on
        return message
    penalty = _TRY_PENALTY.search(message)
    share = 0.0 if penalty is None else float(penalty.group(1)[:-1]) / 100
    if int(feedback.valid) != attempt["valid"] or int(feedback.correct) != attempt["correct"] \
            or abs(feedback.score * (1 - share) - attempt["score"]) > (0.01 if share else 1e-6) \
            or not feedback.message:
        return message        # the bank changed since grading: the stored comment is the one
    if penalty is None:
        return feedback.message
    return _("{message} (try penalty of the course: −{share})").format(
        message=feedback.message, share=penalty.group(1))


def _valid_id(student: str) -> bool:
    """Whether ``student`` is an id grade accepts (any alphabet; never a path), exactly."""
    try:
        return check_student_id(student) == student
    except ValueError:
        return False


def _student_page(gb, bank, exercises, who, mine, penalty, deadlines, reveal, when,
                  latest, local) -> dict:
    """The template context of one student's page: a personal key (a computed exercise's
    answer on their data) after their own deadline; what is the same for the whole class
    (fixed answers, explanations) only once nobody can hand the chapter in any more
    (``latest``: chapter → the class's last deadline), so a classmate with an extension
    cannot copy it. ``local`` gives the exercises in the page's language."""
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
        # the exercise as the student's answers were checked (a computed one on their data):
        # the key once it may be shown; in another language, also to check again in it
        mine_ex = None
        if ex is not None and (shown or local.lang != "en"):
            try:
                mine_ex = unpack(ex, expected[row["id"]]) if ex.computed and row["id"] in expected \
                    else None if ex.computed else ex
            except Exception:  # a damaged cache entry: the page says so, the class goes on
                mine_ex = None
        key = mine_ex if shown else None
        checked = None if local.lang == "en" or mine_ex is None else \
            local(mine_ex, resolved=ex.computed)
        opens = deadline if ex is not None and ex.computed else latest[row["chapter"]]
        card = _card(row, ex, mine.get(row["id"]), attempts, last.get(row["id"]),
                     comments.get(row["id"], ""), shown, key,
                     opens if reveal is None else None, student, opened[row["chapter"]],
                     local(ex), checked)
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
        own = chapter in extended or "*" in extended
        ch["deadline"] = (_("{when} (your extension)").format(when=_when(deadline)) if own
                          else _when(deadline)) if deadline else _("none set")
        ch["key_state"] = _("shown below") if opened[chapter] else \
            _("yours shown below; the class's once every extension has ended") \
            if personal[chapter] else \
            _("after your deadline") if deadline and reveal is None else \
            _("once your instructor releases them")
    return {"title": _("Feedback: {name}").format(name=printable(who["name"] or student)),
            "student": printable(student),
            "name": printable(who["name"]),
            "handed_in": who["sheet_sha256"] is not None,
            "total": sum(r["points"] for r in mine.values()),
            "maximum": sum(ex["points"] for ex in exercises),
            "chapters": list(chapters.values()), "late_policy": late_policy(penalty),
            "late": any(ch["late_days"] for ch in chapters.values()),
            "pending": [e for e, r in mine.items() if r["status"] == "pending"]}


def _wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in ("W", "F")


@functools.lru_cache(maxsize=4096)      # every student's page has the same prompts
def _title(prompt: str, limit: int = 110) -> str:
    """The prompt as one plain line of at most ``limit`` columns (a Chinese character takes
    two), cut with an ellipsis: at a word in a text that has words between spaces.

    >>> _title("A **firm** has  many customers and earns a margin.", 30)
    'A firm has many customers and …'
    >>> _title("一家企业拥有**众多**客户，利润率中等。", 16)
    '一家企业拥有众多…'
    """
    text = " ".join(_MARKS.sub("", prompt).split())
    width = 0
    for end, ch in enumerate(text):
        width += 2 if _wide(ch) else 1
        if width > limit:
            break
    else:
        return text
    cut = text[:end]
    if any(_wide(ch) for ch in cut):
        return cut.rstrip() + "…"
    return cut.rsplit(" ", 1)[0] + " …"


def _card(row, ex, score, attempts, last_attempt, comment, shown, key, deadline, student,
          explained, lex=None, checked=None) -> dict:
    """One exercise's box on the page; options lettered in ``student``'s own order;
    ``deadline`` is when a hidden key appears (None: when the instructor releases it);
    ``explained``: the class-wide explanation may be shown. ``lex`` is ``ex`` in the
    page's language (default: ``ex``), ``checked`` the exercise the student's answers were
    checked against in that language (None: the stored comment is shown as it is)."""
    lex = ex if lex is None else lex
    points = 0.0 if score is None else score["points"]
    status = "unattempted" if score is None else score["status"]
    share = points / row["points"] if row["points"] else 0.0
    css = "wait" if status in ("pending", "error") else "full" if share >= 0.999 else \
        "part" if share > 0 else "skip" if status in ("unattempted", "missing") else "none"
    note = _status_note(status)
    if score is not None and score["late_days"]:
        late = _("{days} day(s) late").format(days=score["late_days"])
        note = _("{status}; {late}").format(status=note, late=late) if note else late
    card = {"id": row["id"], "css": css, "review": css not in ("full", "skip"), "points": points,
            "maximum": row["points"], "note": note, "gone": ex is None,
            "title": "" if ex is None else _title(lex.prompt)}
    if ex is None:
        return card
    chosen = attempts.get(score["chosen"]) if score is not None and score["chosen"] else last_attempt
    answer, checker = None, ""
    if chosen is not None:
        try:
            stored = json.loads(chosen["answer"])
        except (TypeError, ValueError):
            answer = {"text": _("(could not be shown)")}
            checker = chosen["message"] or ""
        else:       # the sheet keeps the English choices: shown as the page's reader saw them
            answer = answer_view(lex, lex._shown(stored),
                                 key if shown and ex.kind == "table" else None, student=student)
            checker = _checker_line(chosen, stored, checked)
    tries = score["attempts"] if score else 1
    counted = score is not None and chosen is not None and score["chosen"] == chosen["seq"]
    if deadline is None:
        hidden = _("The expected answer and the explanation appear here once your instructor "
                   "releases them.")
    elif ex.computed:
        hidden = _("The expected answer and the explanation appear here after {when} "
                   "(your deadline).").format(when=_when(deadline))
    else:
        hidden = _("The expected answer and the explanation appear here after {when} "
                   "(when no classmate can hand this chapter in any more).").format(
                       when=_when(deadline))
    card.update(
        prompt=markdown(lex.prompt), answer=answer,
        attempts=(_("{tries} attempt(s); this one counted") if counted else
                  _("{tries} attempt(s); your last one")).format(tries=tries),
        checker=markdown(checker) if checker else "",
        comment=markdown(comment) if comment else "",
        hints=[markdown(h) for h in lex.hints], expected=None, why=None, expected_label="",
        hidden=hidden)
    if shown:
        card["expected"] = expected_view(key if checked is None else checked, student=student) \
            if key is not None else \
            {"text": _("(not computed yet: ask your instructor)")}
        card["expected_label"] = _("Expected answer on your data:") if ex.computed else \
            _("Expected answer:")
        card["why"] = markdown(lex.explanation) if lex.explanation and explained else None
    return card
