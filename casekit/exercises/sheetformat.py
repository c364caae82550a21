"""The answer-sheet format, in one place: what a sheet is, its limits, and THE reader.

A sheet is one JSON document (documented in ``exercises/README.md``)::

    {"format": "casekit-answer-sheet", "version": 1, "student": "s123",
     "attempts": [{"id": "crm.quiz-01", "answer": "B", "score": 1.0, "correct": true,
                   "points": 1.0, "attempt": 1, "timestamp": "2026-11-22T10:00:00Z",
                   "casekit": "0.1.0"}]}

Both sides read it with :func:`parse_sheet`: the student's own notebook
(:meth:`casekit.exercises.sheet.AnswerSheet.read`, which raises when nothing is usable)
and the instructor's tools (:mod:`casekit.grading.sheets` re-exports this module's
reader for ``collect`` and ``grade``). The format lives under ``casekit.exercises`` and
not under ``casekit.grading`` because the student side needs it without the grading
tools (and ``casekit.grading`` already imports ``casekit.exercises``).

:func:`parse_sheet` never raises on bad content: it returns the usable part and a list of
:class:`Problem` saying what was wrong, so a run over a class keeps going. It bounds what
a sheet may hold, far above anything the notebook writes (``json_safe`` keeps answers
at most 8 levels deep and cuts text at 20,000 characters):

- ``MAX_SHEET_BYTES`` (10 MB) for the whole file, checked by the readers before reading
  (``casekit collect --max-sheet-mb`` raises it for a genuine large sheet);
- ``MAX_DEPTH`` (32) levels of nesting, counted from the sheet down through its attempts
  (sheet → attempts → attempt → answer …): deeper sheets are refused (they would later
  crash grading's worker processes, which pickle every answer);
- ``MAX_ANSWER_BYTES`` (1 MB) per answer as JSON: a larger attempt is skipped;
- ``MAX_ATTEMPTS`` (50,000) attempts per sheet: a sheet with more is refused.

>>> sheet, problems = parse_sheet(b'{"format": "casekit-answer-sheet", "version": 1, '
...     b'"student": "s1", "attempts": [{"id": "crm.quiz-01", "answer": "B"}, 7]}', "s1.json")
>>> sheet.student, len(sheet.attempts), problems[0].problem
('s1', 1, 'bad-attempts')
"""
from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any, BinaryIO

__all__ = ["FORMAT", "MAX_ANSWER_BYTES", "MAX_ATTEMPTS", "MAX_DEPTH", "MAX_SHEET_BYTES",
           "STUDENT_ID", "VERSION", "Problem", "Sheet", "check_student_id", "deeper_than",
           "parse_sheet", "parse_timestamp", "read_limited"]

FORMAT, VERSION = "casekit-answer-sheet", 1
STUDENT_ID = re.compile(r"^(?!\.)[A-Za-z0-9_.@-]{1,64}$")     # no leading dot: "..", ".x"

#: Sheets larger than this are rejected unread (a real sheet is a few hundred kB at most).
MAX_SHEET_BYTES = 10 * 2 ** 20
#: Nesting levels of the whole document (sheet → attempts → attempt → answer …).
MAX_DEPTH = 32
#: One answer, as compact JSON (a 200 × 50 table of numbers is about 200 kB).
MAX_ANSWER_BYTES = 2 ** 20
#: Attempts in one sheet (a term of clicking Check is a few thousand).
MAX_ATTEMPTS = 50_000

_OPTIONAL_TYPES = {"score": "a number from 0 to 1", "correct": "true or false",
                   "valid": "true or false", "points": "a number", "attempt": "a whole number ≥ 1",
                   "timestamp": "an ISO time with a time zone", "casekit": "a version string"}


def check_student_id(student: Any) -> str:
    """Return ``student`` if it is a valid id, else raise ValueError saying what is allowed.

    >>> check_student_id("s123")
    's123'
    """
    if not isinstance(student, str) or not (STUDENT_ID.match(student.strip())
                                            or _unicode_id(student.strip())):
        raise ValueError(f"student id {student!r} is not allowed: use 1–64 letters (any "
                         "alphabet, e.g. 张三, but not look-alike letters of two alphabets "
                         "mixed, nor full-width forms), digits 0–9 or the characters _ . @ -, "
                         "not starting with a dot (for example 's2026-017').")
    return student.strip()


_EAST_ASIAN = {"CJK", "HIRAGANA", "KATAKANA", "HANGUL", "IDEOGRAPHIC"}


def _unicode_id(student: str) -> bool:
    """A non-ASCII id: letters of any one alphabet (Latin may join Chinese, Japanese or
    Korean, which have no look-alikes of it), combining marks after a letter, ASCII digits
    and ``_ . @ -``; in NFKC form (so no full-width "ｓ１" posing as "s1"), no leading dot.

    >>> _unicode_id("张三"), _unicode_id("José"), _unicode_id("Анна"), _unicode_id("ѕ1")
    (True, True, True, False)
    >>> _unicode_id("pаypal"), _unicode_id("ｓ１"), _unicode_id("a/b"), _unicode_id("a\u200bb")
    (False, False, False, False)
    """
    import unicodedata

    if not 1 <= len(student) <= 64 or student.startswith(".") or student.isascii() \
            or unicodedata.normalize("NFKC", student) != student:
        return False
    scripts, previous = set(), ""
    for ch in student:
        category = unicodedata.category(ch)
        if ch in "_.@-" or "0" <= ch <= "9":
            pass
        elif category.startswith("L"):
            script = unicodedata.name(ch, "?").split()[0]
            scripts.add("EAST ASIAN" if script in _EAST_ASIAN else script)
        elif category in ("Mn", "Mc") and previous.startswith(("L", "M")):
            pass
        else:
            return False
        previous = category
    if not scripts <= {"LATIN"} and all(ch in _LATIN_LOOK_ALIKES or ch.isascii() for ch in student):
        return False    # "ѕ2026-001" (Cyrillic ѕ) would pass for the student s2026-001
    return len(scripts) <= 1 or scripts == {"LATIN", "EAST ASIAN"}


#: Letters of other alphabets that look like Latin ones: an id made only of these (and
#: ASCII) could pass for another student's.
_LATIN_LOOK_ALIKES = set("аеорсуxхѕіјԁһԛԝӏүАВЕКМНОРСТХЅІЈҮԚԜӀ"
                         "ΑΒΕΖΗΙΚΜΝΟΡΤΥΧοινκρυ" "օսցհոլ")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a handed-in file: ``severity`` is "error" (the sheet or part
    of it is not used) or "warning" (used, but look at it)."""

    severity: str
    problem: str
    source: str
    detail: str
    student: str = ""

    def __str__(self):
        where = " ".join(x for x in (f"[{self.student}]" if self.student else "", self.source) if x)
        return f"{self.severity}: {self.problem} {where}: {self.detail}"


@dataclass
class Sheet:
    """The usable part of one sheet: its student, its well-formed attempts (as written, in
    order), where it came from and the SHA-256 of its bytes."""

    student: str
    attempts: list[dict]
    source: str
    sha256: str

    def to_json(self) -> str:
        """The sheet in the standard format (for the collected copy)."""
        return json.dumps({"format": FORMAT, "version": VERSION, "student": self.student,
                           "attempts": self.attempts}, ensure_ascii=False)


def read_limited(handle: BinaryIO, limit: int = MAX_SHEET_BYTES) -> bytes | None:
    """Read at most ``limit`` bytes; ``None`` if there is more (the file is too large).

    >>> import io
    >>> read_limited(io.BytesIO(b"abc"), 2) is None, read_limited(io.BytesIO(b"ab"), 2)
    (True, b'ab')
    """
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise ValueError(f"limit must be a positive number of bytes, got {limit!r}")
    data = handle.read(limit + 1)
    return None if len(data) > limit else data


def parse_timestamp(value: Any) -> dt.datetime | None:
    """An attempt's timestamp as an aware datetime, or ``None`` if it is not a valid ISO
    time with a time zone.

    >>> parse_timestamp("2026-11-22T10:00:00Z")
    datetime.datetime(2026, 11, 22, 10, 0, tzinfo=datetime.timezone.utc)
    >>> parse_timestamp("yesterday") is None
    True
    """
    if not isinstance(value, str) or len(value) > 40:
        return None
    return _parse_iso(value)


@functools.lru_cache(maxsize=65536)
def _parse_iso(value: str) -> dt.datetime | None:
    try:
        stamp = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if stamp.tzinfo is None:
        return None
    try:        # 0001-01-01T00:00+14:00 has no UTC form: comparing or converting it overflows
        stamp.astimezone(dt.timezone.utc)
    except OverflowError:
        return None
    return stamp


def deeper_than(value: Any, limit: int) -> bool:
    """Whether lists and objects in ``value`` nest more than ``limit`` levels (``value``
    itself being the first), found without recursion.

    >>> deeper_than({"a": [[1], "[[[["]}, 3), deeper_than([[[[]]]], 3)
    (False, True)
    """
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise ValueError(f"limit must be a whole number ≥ 1, got {limit!r}")
    stack = [(value, 1)] if isinstance(value, (dict, list)) else []
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return True
        for child in (node.values() if isinstance(node, dict) else node):
            if type(child) is dict or type(child) is list:
                stack.append((child, depth + 1))
    return False


def parse_sheet(data: bytes, source: str) -> tuple[Sheet | None, list[Problem]]:
    """Validate a sheet's bytes: ``(sheet, problems)``; ``sheet`` is ``None`` when nothing
    in it can be used (not JSON, not a sheet, no valid student id, over a limit)."""
    if not isinstance(data, (bytes, bytearray)):
        raise TypeError(f"data must be the file's bytes, got {type(data).__name__}")
    if not isinstance(source, str):
        raise TypeError(f"source must be a str naming the file, got {type(source).__name__}")

    def error(problem, detail, student=""):
        return None, [Problem("error", problem, source, detail, student)]

    try:
        text = _decode(bytes(data))
        doc = json.loads(text)
    except UnicodeDecodeError:
        return error("unreadable", "not UTF-8 text (is it an answer sheet at all?)")
    except RecursionError:
        return error("unreadable", "nested too deeply to be an answer sheet")
    except ValueError as err:
        return error("unreadable", f"not valid JSON, e.g. cut off while being written ({err})")
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        return error("not-a-sheet", f"valid JSON but not a casekit answer sheet (its 'format' "
                                    f"is not {FORMAT!r})")
    try:
        student = check_student_id(doc.get("student"))
    except ValueError as err:
        return error("bad-student", str(err))
    if doc.get("version") != VERSION or isinstance(doc.get("version"), bool):
        return error("bad-version", f"sheet version {doc.get('version')!r} is not supported "
                                    f"(this casekit reads version {VERSION})", student)
    raw = doc.get("attempts")
    if not isinstance(raw, list):
        return error("bad-attempts", f"'attempts' must be a list, got {type(raw).__name__}",
                     student)
    if len(raw) > MAX_ATTEMPTS:
        return error("too-large", f"{len(raw):,} attempts, over the limit of {MAX_ATTEMPTS:,} "
                                  "for one sheet; not read", student)
    # sheet -> attempts -> attempt: an attempt may nest MAX_DEPTH - 2 levels itself
    if any(type(a) is dict and deeper_than(a, MAX_DEPTH - 2) for a in raw):
        return error("too-deep", f"nested more than {MAX_DEPTH} levels deep (the notebook never "
                                 "writes that); not read", student)
    big = len(data) > MAX_ANSWER_BYTES       # only then can one answer be over the limit
    # "\ud800" alone is valid JSON but no text: it cannot be written to a file or a database
    surrogates = re.search(r"\\u[dD][89a-fA-F]", text) is not None
    attempts, skipped, odd = [], [], []
    for n, attempt in enumerate(raw, 1):
        if not isinstance(attempt, dict):
            skipped.append(f"#{n} is not an object")
        elif not isinstance(attempt.get("id"), str) or not 0 < len(attempt["id"]) <= 200:
            skipped.append(f"#{n} has no exercise id")
        elif "answer" not in attempt:
            skipped.append(f"#{n} ({attempt['id']}) has no answer")
        elif big and len(json.dumps(attempt["answer"], ensure_ascii=False)) > MAX_ANSWER_BYTES:
            skipped.append(f"#{n} ({attempt['id']}) has an answer over the "
                           f"{MAX_ANSWER_BYTES / 2 ** 20:g} MB limit")
        elif surrogates and not _encodable(attempt):
            skipped.append(f"#{n} holds text that is not valid Unicode (a lone \\ud800-\\udfff)")
        else:
            attempts.append(attempt)
            odd.extend(f"#{n} {key}" for key in _OPTIONAL_TYPES
                       if key in attempt and not _well_typed(key, attempt[key]))
    problems = []
    if skipped:
        problems.append(Problem("error", "bad-attempts", source,
                                f"{len(skipped)} attempt(s) skipped: {_few(skipped)}", student))
    if odd:
        problems.append(Problem("warning", "bad-fields", source,
                                f"{len(odd)} field(s) of the wrong type (ignored; the grader "
                                f"re-checks every answer): {_few(odd)}", student))
    digest = hashlib.sha256(data).hexdigest()
    return Sheet(student, attempts, source, digest), problems


def _encodable(value: Any) -> bool:
    """Whether ``value``'s text can be written as UTF-8 (no lone surrogates)."""
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


_BOMS = ((b"\xff\xfe\x00\x00", "utf-32"), (b"\x00\x00\xfe\xff", "utf-32"),
         (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))


def _decode(data: bytes) -> str:
    """A sheet's text: UTF-8 (with or without a BOM), or UTF-16/32 with a BOM (an editor
    such as Notepad re-saved it)."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data.decode(encoding)
    return data.decode("utf-8-sig")


def _well_typed(key: str, value: Any) -> bool:
    kind = type(value)          # JSON gives only dict, list, str, int, float, bool and None
    if key == "score":
        return kind in (int, float) and 0.0 <= value <= 1.0
    if key in ("correct", "valid"):
        return kind is bool
    if key == "points":
        return kind in (int, float)
    if key == "attempt":
        return kind is int and value >= 1
    if key == "timestamp":
        return parse_timestamp(value) is not None
    return kind is str


def _few(items: list[str], n: int = 4) -> str:
    return "; ".join(items[:n]) + (f"; … {len(items) - n} more" if len(items) > n else "")
