"""The course file: which exercises are assessed, until when, and what students see.

``casekit serve --course course.toml`` (and ``casekit grade --db … --course``,
``casekit build-student --course``, ``casekit release --assessed``, ``casekit feedback
--course``) read one TOML file::

    # course.toml
    language = "zh"                         # optional: the course's language ("en", "zh")

    [[assessed]]
    chapters = ["01"]                       # every exercise of these chapters ...
    exercises = ["crm.quiz-05"]             # ... and/or these exercises
    deadline = 2026-12-15T23:59:00+08:00    # a TOML time or an ISO string, with its zone
    feedback = "saved"                      # "immediate" (default) or "saved"
    max_attempts = 3                        # optional: further attempts are refused
    penalty_per_try = 0.1                   # optional: each try after the first is worth 10% less
    accept_late = true                      # default; false refuses attempts after the deadline

    [extensions]                            # per student: one time for every assessed
    alice = 2026-12-17T23:59:00+08:00       # exercise, or one per chapter
    bob = { "01" = "2026-12-20T23:59+08:00" }

Everything not listed is **practice**: checked at once, as always, and never part of a
student build's secret. An exercise named in ``exercises`` takes that block's rules over
its chapter's. ``feedback = "saved"`` means that until the student's own deadline (their
extension, else the block's) a check answers only "saved, graded after the deadline"
and the student's attempt list hides the score; after it, feedback is immediate again.
``max_attempts`` counts readable attempts (an unreadable one costs nothing). The service
records ``penalty_per_try × (try − 1)`` (at most 1) with each attempt; the grader takes it
off that attempt's score. All times are compared with the server's clock.
``language`` is the language the course is taught in: ``casekit feedback`` writes the
students' pages in it unless told ``--lang``.

>>> course = parse_course('''
... [[assessed]]
... chapters = ["00"]
... deadline = "2026-12-01T23:59Z"
... feedback = "saved"
... max_attempts = 2
... [extensions]
... alice = "2026-12-03T23:59Z"
... ''')
>>> rule = course.rule("crm.quiz-01", "00")
>>> rule.feedback, rule.max_attempts, course.rule("crm.quiz-01", "01")
('saved', 2, None)
>>> course.deadline_for("alice", "00").isoformat(), course.deadline_for("bob", "00").isoformat()
('2026-12-03T23:59:00+00:00', '2026-12-01T23:59:00+00:00')
>>> parse_course('language = "zh"').language, course.language
('zh', None)
"""
from __future__ import annotations

import datetime as dt
import math
import os
import threading
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["FEEDBACK", "Course", "CourseError", "CourseFile", "Rule", "load_course",
           "parse_course"]

FEEDBACK = ("immediate", "saved")
_RULE_KEYS = {"chapters", "exercises", "deadline", "feedback", "max_attempts",
              "penalty_per_try", "accept_late"}


class CourseError(ValueError):
    """A course file that does not follow the format (the message says where and what)."""


def _time(value: Any, where: str) -> dt.datetime:
    if isinstance(value, dt.datetime):
        stamp = value
    elif isinstance(value, str):
        try:
            stamp = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise CourseError(f"{where}: {value!r} is not an ISO time such as "
                              "2026-12-15T23:59:00+08:00") from None
    else:
        raise CourseError(f"{where}: expected a time with its zone, got {value!r}")
    if stamp.tzinfo is None:
        raise CourseError(f"{where}: {value!s} has no time zone: add one (+08:00, Z for UTC)")
    return stamp.astimezone(dt.timezone.utc)


@dataclass(frozen=True)
class Rule:
    """How one assessed exercise is run (see the module docstring)."""

    deadline: dt.datetime | None = None
    feedback: str = "immediate"
    max_attempts: int | None = None
    penalty_per_try: float = 0.0
    accept_late: bool = True

    def penalty(self, attempt: int) -> float:
        """The share of its value that try number ``attempt`` (1, 2, ...) loses.

        >>> Rule(penalty_per_try=0.25).penalty(3), Rule(penalty_per_try=0.5).penalty(9)
        (0.5, 1.0)
        """
        if isinstance(attempt, bool) or not isinstance(attempt, int) or attempt < 1:
            raise ValueError(f"attempt must be a try number 1, 2, ..., got {attempt!r}")
        return min(1.0, round(self.penalty_per_try * (attempt - 1), 9))


def _rule(block: dict, where: str) -> tuple[Rule, list[str], list[str]]:
    unknown = set(block) - _RULE_KEYS
    if unknown:
        raise CourseError(f"{where}: unknown key(s) {sorted(unknown)}; allowed: {sorted(_RULE_KEYS)}")
    chapters, exercises = block.get("chapters", []), block.get("exercises", [])
    for name, value in (("chapters", chapters), ("exercises", exercises)):
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise CourseError(f"{where}: {name} must be a list of texts, got {value!r}")
    if not chapters and not exercises:
        raise CourseError(f"{where}: name the assessed chapters and/or exercises")
    feedback = block.get("feedback", "immediate")
    if feedback not in FEEDBACK:
        raise CourseError(f"{where}: feedback must be 'immediate' or 'saved', got {feedback!r}")
    deadline = _time(block["deadline"], f"{where}, deadline") if "deadline" in block else None
    if feedback == "saved" and deadline is None:
        raise CourseError(f"{where}: feedback = 'saved' needs a deadline (when it is graded)")
    most = block.get("max_attempts")
    if most is not None and (isinstance(most, bool) or not isinstance(most, int) or most < 1):
        raise CourseError(f"{where}: max_attempts must be a whole number ≥ 1, got {most!r}")
    penalty = block.get("penalty_per_try", 0.0)
    if isinstance(penalty, bool) or not isinstance(penalty, (int, float)) \
            or not math.isfinite(penalty) or not 0 <= penalty <= 1:
        raise CourseError(f"{where}: penalty_per_try must be a share from 0 to 1 (0.1 = 10% "
                          f"less per extra try), got {penalty!r}")
    late = block.get("accept_late", True)
    if not isinstance(late, bool):
        raise CourseError(f"{where}: accept_late must be true or false, got {late!r}")
    return Rule(deadline, feedback, most, float(penalty), late), chapters, exercises


@dataclass(frozen=True)
class Course:
    """A parsed course file: rules by chapter and by exercise, and extensions by student."""

    chapters: dict[str, Rule] = field(default_factory=dict)
    exercises: dict[str, Rule] = field(default_factory=dict)
    extensions: dict[str, dict[str, dt.datetime]] = field(default_factory=dict)
    source: str = ""
    language: str | None = None         # the course's language ("en", "zh"), if it names one

    def rule(self, exercise: str, chapter: str) -> Rule | None:
        """The rules of an exercise (by id and chapter), or None when it is practice."""
        if not isinstance(exercise, str) or not isinstance(chapter, str):
            raise TypeError("exercise and chapter must be texts")
        return self.exercises.get(exercise) or self.chapters.get(chapter)

    def assessed(self, bank: dict) -> list[str]:
        """The ids in ``bank`` (id → Exercise) that this course assesses, in bank order."""
        return [i for i, ex in bank.items() if self.rule(i, ex.chapter) is not None]

    def deadline_for(self, student: str, chapter: str, rule: Rule | None = None,
                     exercise: str | None = None) -> dt.datetime | None:
        """``student``'s deadline for ``chapter``: their extension for it, else their
        extension for everything, else the rule's (the chapter's if ``rule`` is None)."""
        own = self.extensions.get(student, {})
        if chapter in own:
            return own[chapter]
        if "*" in own:
            return own["*"]
        if rule is None:
            rule = self.rule(exercise or "", chapter)
        return None if rule is None else rule.deadline

    def check_against(self, bank: dict) -> "Course":
        """Raise CourseError if a chapter or exercise named here is not in ``bank``."""
        import difflib

        chapters = {ex.chapter for ex in bank.values()}
        for name in self.exercises:
            if name not in bank:
                close = difflib.get_close_matches(name, list(bank), n=2)
                raise CourseError(f"{self.source}: exercise {name!r} is not in the exercise "
                                  "bank" + (f" (did you mean {', '.join(close)}?)" if close else ""))
        for name in list(self.chapters) + [c for e in self.extensions.values() for c in e]:
            if name != "*" and name not in chapters:
                raise CourseError(f"{self.source}: chapter {name!r} is not in the exercise bank "
                                  f"(it has {', '.join(sorted(chapters))})")
        return self

    def grader_deadlines(self, bank: dict) -> list[str]:
        """The deadlines as ``casekit grade --deadline`` takes them (``NN=TIME``), one per
        assessed chapter; an exercise with its own deadline gives its chapter's when the
        chapter has none. Two different deadlines in one chapter raise CourseError."""
        found: dict[str, dt.datetime] = {}
        for ex_id in self.assessed(bank):
            chapter = bank[ex_id].chapter
            rule = self.rule(ex_id, chapter)
            if rule.deadline is None:
                continue
            if found.setdefault(chapter, rule.deadline) != rule.deadline:
                raise CourseError(f"{self.source}: chapter {chapter} has two deadlines "
                                  f"({found[chapter].isoformat()}, {rule.deadline.isoformat()}); "
                                  "the gradebook keeps one per chapter")
        return [f"{c}={t.isoformat()}" for c, t in sorted(found.items())]


def parse_course(text: str, source: str = "course.toml") -> Course:
    """Read a course file's text (format: the module docstring)."""
    if not isinstance(text, str):
        raise TypeError(f"text must be the course file's text, got {type(text).__name__}")
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise CourseError(f"{source}: not valid TOML ({err})") from None
    unknown = set(doc) - {"assessed", "extensions", "title", "language"}
    if unknown:
        raise CourseError(f"{source}: unknown section(s) {sorted(unknown)}; allowed: "
                          "[[assessed]], [extensions], title, language")
    language = doc.get("language")
    if language is not None:
        from casekit.i18n import check_language

        try:
            language = check_language(language)
        except (TypeError, ValueError) as err:
            raise CourseError(f"{source}: language: {err}") from None
    blocks = doc.get("assessed", [])
    if not isinstance(blocks, list):
        raise CourseError(f"{source}: write each assessed block as [[assessed]]")
    chapters: dict[str, Rule] = {}
    exercises: dict[str, Rule] = {}
    for n, block in enumerate(blocks, 1):
        rule, in_chapters, in_exercises = _rule(block, f"{source}, [[assessed]] {n}")
        for table, names in ((chapters, in_chapters), (exercises, in_exercises)):
            for name in names:
                if name in table:
                    raise CourseError(f"{source}: {name!r} is named in two [[assessed]] blocks")
                table[name] = rule
    from casekit.exercises.sheet import check_student_id

    extensions: dict[str, dict[str, dt.datetime]] = {}
    for student, value in doc.get("extensions", {}).items():
        where = f"{source}, extension of {student!r}"
        try:
            check_student_id(student)
        except ValueError as err:
            raise CourseError(f"{where}: {err}") from None
        if isinstance(value, dict):
            extensions[student] = {str(c): _time(t, f"{where}, chapter {c}") for c, t in value.items()}
        else:
            extensions[student] = {"*": _time(value, where)}
    return Course(chapters, exercises, extensions, source, language)


def load_course(path: str | os.PathLike, bank: dict | None = None) -> Course:
    """Read the course file at ``path``; with ``bank`` (id → Exercise), also check that
    every chapter and exercise it names exists.

    Example: ``load_course("course.toml", casekit.exercises._bank())``.
    """
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a file path, got {type(path).__name__}")
    path = Path(path)
    if not path.is_file():
        raise CourseError(f"no course file at {path}")
    course = parse_course(path.read_text(encoding="utf-8"), str(path))
    return course if bank is None else course.check_against(bank)


class CourseFile:
    """The course file a running service follows: read again when it changes on disk (an
    extension added mid-course applies at once); a broken edit keeps the last good one.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "course.toml"
    >>> _ = p.write_text('[[assessed]]\\nchapters = ["00"]\\n')
    >>> CourseFile(p).get().rule("crm.quiz-01", "00").feedback
    'immediate'
    """

    def __init__(self, path: str | os.PathLike, bank: dict | None = None):
        self.path, self.bank = Path(path), bank
        self._lock = threading.Lock()
        self._stamp = self._read_stamp()
        self._course = load_course(self.path, bank)
        self.error: str | None = None

    def _read_stamp(self):
        st = os.stat(self.path)
        return st.st_mtime_ns, st.st_size

    def get(self) -> Course:
        """The course as the file says now."""
        try:
            stamp = self._read_stamp()
        except OSError as err:
            self.error = f"course file unreadable ({err}); using the last good one"
            return self._course
        if stamp != self._stamp:
            with self._lock:
                if stamp != self._stamp:
                    try:
                        self._course = load_course(self.path, self.bank)
                        self.error = None
                    except (CourseError, OSError) as err:
                        self.error = f"{err}; using the last good course file"
                    self._stamp = stamp
        return self._course
