"""Grading policy: which attempt counts, when it was handed in, how late it is, what it earns.

Pure rules over re-checked attempts, no I/O but the gradebook reads and writes of
:func:`rescore`:

- ``policy`` "best" counts the best attempt, "last" the last readable one; partial credit
  (a share of the points) comes from the checker;
- an attempt's time is the LMS's record of when the sheet holding it was handed in
  (``handed_in``, written by ``casekit collect --times``) where there is one, else the
  time the student's own computer wrote on it;
- after the student's deadline (their extension, else the chapter's, else the one for all
  chapters) an attempt loses ``late_penalty`` of its value per started day late;
- attempts dated before the chapter's release, or after the LMS says the sheet was handed
  in, are flagged (the clock was wrong, or the sheet was edited).

>>> s = Settings(deadlines=(("*", "2026-12-01T23:59:00+08:00"),), late_penalty=0.1)
>>> s.deadline("01").isoformat()
'2026-12-01T23:59:00+08:00'
>>> a = Attempt(seq=1, exercise="x.q", answer='"B"', timestamp="2026-12-03T12:00:00Z",
...             valid=1, correct=1, score=1.0)
>>> score_exercise("single", 2.0, [a], settings=s, deadline=s.deadline("01")).points
1.6
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import math
from dataclasses import dataclass

from casekit.grading.common import check_choice
from casekit.grading.sheets import parse_timestamp

__all__ = ["POLICIES", "Attempt", "Score", "Settings", "attempt_flags", "class_deadline",
           "deadline_for", "late_days", "own_deadline", "parse_deadline", "rescore",
           "score_exercise", "text_sha"]

POLICIES = ("best", "last")
#: How far a student's clock may run ahead of the LMS before an attempt is flagged.
CLOCK_SLACK = dt.timedelta(minutes=10)


def parse_deadline(text: str) -> tuple[str, str]:
    """``"2026-12-01T23:59+08:00"`` (all chapters) or ``"00=2026-12-01T23:59Z"`` (chapter
    00) as ``(chapter or "*", ISO time)``; the time must say its time zone.

    >>> parse_deadline("00=2026-12-01T23:59+08:00")
    ('00', '2026-12-01T23:59:00+08:00')
    """
    if not isinstance(text, str):
        raise TypeError(f"a time must be text such as '2026-12-01T23:59+08:00', got {text!r}")
    chapter, _, when = text.rpartition("=") if "=" in text else ("*", "", text)
    stamp = parse_timestamp(when.strip())
    if stamp is None:
        raise ValueError(f"{text!r} is not an ISO time with a time zone: write e.g. "
                         "2026-12-01T23:59+08:00 (or ...Z for UTC), optionally preceded by a "
                         "chapter and '=' (00=2026-12-01T23:59+08:00).")
    return chapter.strip() or "*", stamp.isoformat()


def _per_chapter(table: tuple[tuple[str, str], ...], chapter: str) -> dt.datetime | None:
    lookup = dict(table)
    when = lookup.get(chapter, lookup.get("*"))
    return None if when is None else dt.datetime.fromisoformat(when)


@dataclass(frozen=True)
class Settings:
    """How points are given: ``policy`` ("best" or "last" attempt), ``deadlines`` and
    ``releases`` (chapter or "*" → ISO time), ``late_penalty`` (share of the value lost per
    started day late, 0–1) and the ``chapters`` graded (``None``: every chapter)."""

    policy: str = "best"
    deadlines: tuple[tuple[str, str], ...] = ()
    late_penalty: float = 0.0
    chapters: tuple[str, ...] | None = None
    releases: tuple[tuple[str, str], ...] = ()

    def __post_init__(self):
        check_choice("policy", self.policy, POLICIES)
        if isinstance(self.late_penalty, bool) or not isinstance(self.late_penalty, (int, float)) \
                or not 0 <= self.late_penalty <= 1:
            raise ValueError(f"late_penalty must be a share from 0 to 1 lost per day late "
                             f"(0.1 = 10% a day), got {self.late_penalty!r}")
        for what, table in (("deadline", self.deadlines), ("release", self.releases)):
            for chapter, when in table:
                if parse_timestamp(when) is None:
                    raise ValueError(f"{what} {when!r} for {chapter!r} is not an ISO time with "
                                     "a time zone")

    def deadline(self, chapter: str) -> dt.datetime | None:
        """The class deadline of ``chapter`` (its own, else the one for all chapters), or None."""
        return _per_chapter(self.deadlines, chapter)

    def release(self, chapter: str) -> dt.datetime | None:
        """When ``chapter`` was released to students, or None."""
        return _per_chapter(self.releases, chapter)

    def describe(self) -> str:
        """The settings in words.

        >>> Settings(deadlines=(("*", "2026-12-01T23:59:00+08:00"),), late_penalty=0.1).describe()
        'best attempt counts; deadline 2026-12-01T23:59:00+08:00; late penalty 10% per started day; all chapters'
        """
        deadlines = "; ".join(f"deadline {when}" if chapter == "*" else
                              f"chapter {chapter} deadline {when}" for chapter, when in self.deadlines)
        releases = "; ".join(f"released {when}" if chapter == "*" else
                             f"chapter {chapter} released {when}" for chapter, when in self.releases)
        return "; ".join(x for x in [
            f"{self.policy} attempt counts", deadlines or "no deadline",
            f"late penalty {self.late_penalty:.0%} per started day", releases,
            "all chapters" if self.chapters is None else "chapters " + ", ".join(self.chapters)] if x)

    def to_json(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data: dict | None) -> "Settings":
        if not data:
            return cls()
        chapters = data.get("chapters")
        return cls(data["policy"], tuple(tuple(d) for d in data["deadlines"]),
                   float(data["late_penalty"]), None if chapters is None else tuple(chapters),
                   tuple(tuple(r) for r in data.get("releases", ())))


def deadline_for(gb, student: str, chapter: str) -> dt.datetime | None:
    """``student``'s own deadline for ``chapter``: their extension (for that chapter, else
    for all chapters) if they have one, else the class deadline stored in gradebook ``gb``.

    Example: ``deadline_for(gb, "s2026-017", "01")``.
    """
    return own_deadline(Settings.from_json(gb.meta("settings")), gb.extensions(student), chapter)


def own_deadline(settings: "Settings", extensions: dict[str, str], chapter: str) -> dt.datetime | None:
    """The deadline of ``chapter`` for a student with these ``extensions`` (chapter or "*"
    → ISO time): their extension if any, else the class's.

    >>> s = Settings(deadlines=(("*", "2026-12-01T23:59:00+08:00"),))
    >>> own_deadline(s, {"01": "2026-12-08T23:59:00+08:00"}, "01").day, own_deadline(s, {}, "01").day
    (8, 1)
    """
    when = extensions.get(chapter, extensions.get("*"))
    return dt.datetime.fromisoformat(when) if when is not None else settings.deadline(chapter)


def class_deadline(gb, chapter: str) -> dt.datetime | None:
    """The last moment anyone in gradebook ``gb`` may still hand in ``chapter``: the class
    deadline or the latest extension that covers it (None when no deadline is set). What is
    the same for every student (a fixed answer, an explanation) is shown to nobody before it.

    Example: ``class_deadline(gb, "01")``.
    """
    times = [dt.datetime.fromisoformat(t) for t in gb.extended_until(chapter)]
    own = Settings.from_json(gb.meta("settings")).deadline(chapter)
    if own is None and not times:
        return None
    return max(times + ([own] if own is not None else []))


@dataclass(frozen=True)
class Attempt:
    """One re-checked attempt as the gradebook keeps it. ``answer`` is the stored JSON;
    ``timestamp`` the student's clock, ``handed_in`` the LMS's time (when known);
    ``valid`` is 1 (readable), 0 (unreadable) or -1 (the reference failed)."""

    seq: int
    exercise: str
    answer: str
    timestamp: str | None
    valid: int
    correct: int
    score: float
    claimed: float | None = None
    message: str = ""
    handed_in: str | None = None
    flags: str = ""

    @property
    def when(self) -> str | None:
        """The time the late policy uses: the LMS's when there is one."""
        return self.handed_in or self.timestamp

    @classmethod
    def from_row(cls, row) -> "Attempt":
        return cls(**{f.name: row[f.name] for f in dataclasses.fields(cls)})


@dataclass(frozen=True)
class Score:
    """Points for one exercise and how they came about."""

    points: float
    max_points: float
    raw: float | None = None
    attempts: int = 0
    chosen: int | None = None
    late_days: int = 0
    status: str = "unattempted"


def attempt_flags(timestamp: str | None, handed_in: str | None, lms_late: bool,
                  release: dt.datetime | None, graded_at: dt.datetime | None = None) -> list[str]:
    """What is odd about an attempt's times: dated before the chapter's release, after the
    LMS says it was handed in, or after the grading run itself (a clock running fast), or
    handed in late by the LMS's own mark.

    >>> attempt_flags("2025-01-01T00:00:00Z", "2026-12-01T10:00:00Z", False,
    ...               dt.datetime(2026, 11, 1, tzinfo=dt.timezone.utc))
    ['dated-before-release']
    """
    flags = []
    stamp, lms = parse_timestamp(timestamp), parse_timestamp(handed_in)
    if stamp is not None and release is not None and stamp < release:
        flags.append("dated-before-release")
    if stamp is not None and lms is not None and stamp > lms + CLOCK_SLACK:
        flags.append("dated-after-hand-in")
    elif stamp is not None and graded_at is not None and stamp > graded_at + CLOCK_SLACK:
        flags.append("dated-in-the-future")
    if lms_late:
        flags.append("lms-late")
    return flags


def late_days(timestamp: str | None, deadline: dt.datetime | None) -> int:
    """Started days between ``deadline`` and ``timestamp`` (0 when on time or no deadline).

    >>> late_days("2026-12-02T00:30:00Z", dt.datetime(2026, 12, 1, 23, 59, tzinfo=dt.timezone.utc))
    1
    """
    if deadline is not None and (not isinstance(deadline, dt.datetime) or deadline.tzinfo is None):
        raise TypeError(f"deadline must be a datetime with a time zone, got {deadline!r}")
    stamp = parse_timestamp(timestamp)
    if deadline is None or stamp is None or stamp <= deadline:
        return 0
    return math.ceil((stamp - deadline).total_seconds() / 86400)


def _days_late(a: Attempt, deadline: dt.datetime | None) -> int:
    days = late_days(a.when, deadline)
    # Canvas marks a late upload in its file name without saying when: at least a day late
    return max(days, 1) if deadline is not None and "lms-late" in a.flags.split() else days


def text_sha(answer_json: str) -> str:
    """The SHA-256 of a free-text answer's text (what a manual mark is tied to)."""
    answer = json.loads(answer_json)
    text = answer.get("text", "") if isinstance(answer, dict) else answer
    return hashlib.sha256(str(text).encode()).hexdigest()


def score_exercise(kind: str, points: float, attempts: list[Attempt], *, settings: Settings,
                   deadline: dt.datetime | None = None, manual: dict | None = None) -> Score:
    """Points for one exercise from its re-checked ``attempts`` under ``settings`` and the
    student's ``deadline``; ``manual`` is the mark of a free-text answer (``fraction``,
    ``answer_sha256``).

    >>> s = Settings(policy="last")
    >>> tries = [Attempt(1, "x.n", '"3"', None, 1, 1, 1.0), Attempt(2, "x.n", '"4"', None, 1, 0, 0.0)]
    >>> score_exercise("numeric", 2.0, tries, settings=s).points
    0.0
    """
    from casekit.exercises.types import TYPES

    check_choice("kind", kind, list(TYPES))
    if not isinstance(settings, Settings):
        raise TypeError(f"settings must be a Settings, got {type(settings).__name__}")
    if isinstance(points, bool) or not isinstance(points, (int, float)) or points <= 0:
        raise ValueError(f"points must be a number > 0, got {points!r}")
    empty = Score(0.0, points, attempts=len(attempts))
    if not attempts:
        return empty
    if any(a.valid == -1 for a in attempts):
        return dataclasses.replace(empty, status="error")
    usable = [a for a in attempts if a.valid == 1
              and (deadline is None or parse_timestamp(a.when) is not None)]
    if not usable:
        return dataclasses.replace(empty, status="invalid")

    def factor(a: Attempt) -> float:
        return max(0.0, 1.0 - settings.late_penalty * _days_late(a, deadline))

    if kind == "text":
        chosen = usable[-1]
        mark = manual if manual and manual["answer_sha256"] == text_sha(chosen.answer) else None
        raw = None if mark is None else float(mark["fraction"])
        status = "pending" if mark is None else "manual"
    elif settings.policy == "last":
        chosen, raw, status = usable[-1], usable[-1].score, "auto"
    else:
        chosen = max(usable, key=lambda a: (a.score * factor(a), -a.seq))
        raw, status = chosen.score, "auto"
    value = 0.0 if raw is None else round(raw * factor(chosen) * points, 6)
    return Score(value, points, raw, len(attempts), chosen.seq, _days_late(chosen, deadline), status)


def rescore(gb, student: str, settings: Settings, *, run: int | None, reason: str,
            exercises: list | None = None) -> None:
    """Recompute ``student``'s points from gradebook ``gb``'s attempts, marks and their own
    deadlines, recording every change in its history. Call it inside ``gb.transaction()``."""
    by_exercise: dict[str, list[Attempt]] = {}
    for a in gb.attempts(student):
        by_exercise.setdefault(a["exercise"], []).append(Attempt.from_row(a))
    manual = gb.manual_marks(student)
    has_sheet = gb.has_sheet(student)
    extensions = gb.extensions(student)
    scores = {}
    for ex in gb.exercises() if exercises is None else exercises:
        if not has_sheet:
            scores[ex["id"]] = Score(0.0, ex["points"], status="missing")
            continue
        deadline = own_deadline(settings, extensions, ex["chapter"])
        scores[ex["id"]] = score_exercise(ex["kind"], ex["points"], by_exercise.get(ex["id"], []),
                                          settings=settings, deadline=deadline,
                                          manual=manual.get(ex["id"]))
    gb.replace_scores(student, scores, run=run, reason=reason)
