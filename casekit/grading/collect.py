"""Gather answer sheets from folders, single files and LMS zip exports into one folder.

Every ``*.json`` file found (in folders at any depth, in zip files, in zips inside zips) is
read as an untrusted sheet (:func:`casekit.grading.sheets.parse_sheet`). What a student
hands in can never move another student's grade, and collecting never deletes:

- **Identity at every level.** A sheet is collected only if some level of where it was
  found names its student (the file name, a folder, a zip, a folder or zip inside a zip —
  by id, or by roster name as LMS exports write it: Moodle's
  "Bo Chen_1234_assignsubmission_file_/", Canvas's "chenbo_1234_5678_s17.json") and no
  level names a different student (a roster student; without a roster, an id shaped like
  the sheet's). Anything else is reported (``names-another-student``, ``name-mismatch``)
  and never touches the named student's sheet.
- **Additive.** Every distinct upload of a student is kept, byte for byte, as a version
  ``out/.versions/<student>/<sha256 prefix>.json`` (with ``index.json``: where each came
  from and when the LMS received it); versions are never removed. ``out/<student>.json``
  is the merge of all versions (identical or older copies add nothing, a copy that
  extends another replaces it, diverging copies are merged: every distinct attempt, in
  time order). Re-running with late uploads adds to the folder; a corrupt or foreign
  re-upload is reported and changes nothing.
- **Bounded.** Sheets over ``max_bytes`` are not read; the reader bounds nesting depth,
  answer size and attempts. Zips are streamed (an inner zip goes through a spooled
  temporary file, one at a time): per entry of a zip given (one student's upload in an
  LMS export) at most ``MAX_UNPACKED_BYTES`` (1 GB) are decompressed, per file given
  ``MAX_EXPORT_BYTES`` (8 GB); zips nest at most ``MAX_ZIP_DEPTH`` (4) deep; an inner zip
  is at most ``MAX_INNER_ZIP_BYTES`` (256 MB) and a zip lists at most ``MAX_ZIP_ENTRIES``
  (50,000) entries; a student has at most ``MAX_VERSIONS`` (500) distinct sheets kept
  (``too-large``, ``too-deep``; the rest of the run goes on).
- Zip entries under ``..``, absolute paths, dot-folders and ``__MACOSX`` are skipped,
  counted and listed; file names that are not UTF-8, special files (fifos, link loops)
  and notebooks handed in instead of sheets (``notebook-not-sheet``) are reported. Every
  label shown or written passes through :func:`casekit.grading.common.printable`.
- A sheet whose student is off the roster but close to a roster id (``s2026-39`` for
  ``s2026-039``) is reported with a suggestion ("did you mean …?") and never taken for,
  or merged with, that roster student.

``out/collect-report.csv`` lists every file with what happened to it.

**Submission times (the contract with the grader).** With ``times`` (an LMS export of
submission times, see :func:`read_times`), every attempt in ``out/<student>.json`` carries
``"handed_in": "<ISO time, UTC, ending in Z>"`` — the LMS time of the earliest upload that
contained that attempt, when known — and ``"lms_late": true`` when that upload's Canvas
file name (or an enclosing folder or zip) said ``_LATE_`` (with or without ``times``).
Collect first strips both keys from every incoming attempt (``forged-fields``), so only
collect writes them; the grader may trust them only in a folder holding collect's marker
file ``.casekit-collect``. A times file describes one LMS export: give it in the run that
collects that export, and collect e-mailed late sheets in a separate run without it.

The collected copies are written atomically but not flushed to disk one by one (the
sources stay where they are): after a power cut during a collection, collect again.

Example::

    report = collect(["lms-export.zip"], "sheets", roster="roster.csv", times="times.csv")
    print(report.summary())
"""
from __future__ import annotations

import csv
import datetime as dt
import difflib
import hashlib
import io
import json
import os
import re
import stat
import struct
import tempfile
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from casekit.exercises.sheetformat import check_student_id
from casekit.grading.common import Progress, atomic_write, check_path, printable, write_csv
from casekit.grading.sheets import (MAX_SHEET_BYTES, Problem, Sheet, parse_sheet,
                                    parse_timestamp, read_limited)

__all__ = ["LMS_KEYS", "MARKER", "MAX_EXPORT_BYTES", "MAX_INNER_ZIP_BYTES", "MAX_UNPACKED_BYTES",
           "MAX_VERSIONS", "MAX_ZIP_DEPTH",
           "MAX_ZIP_ENTRIES", "CollectReport", "collect", "read_roster", "read_times"]

MARKER = ".casekit-collect"
REPORT = "collect-report.csv"
VERSIONS = ".versions"
#: Keys only collect writes into collected attempts (stripped from everything handed in).
LMS_KEYS = ("handed_in", "lms_late")
#: Bytes decompressed from one entry of a zip given (a student's upload in an LMS export),
#: all its inner zips included.
MAX_UNPACKED_BYTES = 2 ** 30
#: Bytes decompressed from one file given (an LMS export of a whole class).
MAX_EXPORT_BYTES = 8 * 2 ** 30
#: Zips inside zips: an LMS export (1) holding a student's zip (2) holding … (4).
MAX_ZIP_DEPTH = 4
#: One zip inside a zip, decompressed (it goes to a temporary file, not to memory).
MAX_INNER_ZIP_BYTES = 256 * 2 ** 20
#: Entries of one zip, and bytes of its central directory (read into memory by zipfile).
MAX_ZIP_ENTRIES = 50_000
#: Distinct sheets kept for one student (a term of re-uploads is a few dozen).
MAX_VERSIONS = 500
_MAX_DIRECTORY_BYTES = 8 * 2 ** 20
_SPOOL_BYTES = 2 ** 20
_CHUNK = 2 ** 16
_ID_COLUMNS = ("student id", "sis user id", "sis login id", "id number", "student_id",
               "student number", "username", "login id", "user id", "id", "student")
_NAME_COLUMNS = ("name", "student name", "full name")
_TIME_COLUMNS = ("submitted at", "submitted", "submission time", "submitted_at",
                 "last modified (submission)", "submission date", "timestamp")
_NOT_STUDENTS = ("points possible", "student, test", "test student")
_LMS_FORMATS = ("%A, %d %B %Y, %I:%M %p", "%d %B %Y, %I:%M %p", "%A, %d %B %Y, %H:%M",
                "%b %d, %Y %I:%M%p", "%b %d, %Y %I:%M %p", "%b %d, %Y at %I:%M%p",
                "%m/%d/%Y %H:%M", "%m/%d/%Y %I:%M %p", "%d/%m/%Y %H:%M")
_LATE = re.compile(r"(?:^|_)LATE(?:_|$)")
#: Where an LMS export names who handed a file in: Moodle's submission folders
#: ("Bo Chen_1234_assignsubmission_file_") and Canvas's file names ("chenbo_1234_5678_…").
_SUBMITTER = (re.compile(r"^(?P<who>.+?)_\d+_assign(?:submission|feedback)_"),
              re.compile(r"^(?P<who>[^_]+?)(?:_LATE)?_\d+_\d+(?:_|\.|$)"))
_NO_TIME = ("", "-", "no submission", "not submitted")


# --------------------------------------------------------------------------- class lists
def _table(path, what: str) -> list[list[str]]:
    path = check_path(what, path, must_exist=True, kind="file")
    data = path.read_bytes()
    try:        # Excel's "Unicode Text" is UTF-16 with a byte-order mark, tab-separated
        text = data.decode("utf-16") if data.startswith((b"\xff\xfe", b"\xfe\xff")) \
            else data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise ValueError(f"{what} {path} is not UTF-8 text ({err.reason} at byte {err.start}): "
                         "in Excel save it as 'CSV UTF-8 (comma delimited)', or export it from "
                         "the LMS again.") from None
    first = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first and "," not in first else ","
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as err:    # e.g. a cell over the csv module's 128 kB field limit
        raise ValueError(f"{what} {path} cannot be read as CSV ({err}).") from None
    if not rows:
        raise ValueError(f"{what} {path} is empty: it needs a header row.")
    return rows


def _columns(header: list[str], path, what: str) -> tuple[list[int], int | None]:
    """The id columns to try, in order, and the name column of a roster-like header."""
    folded = [h.strip().casefold() for h in header]
    canvas = "sis user id" in folded or "sis login id" in folded or \
        (folded[:2] == ["student", "id"] and "section" in folded)
    if canvas:      # Canvas: SIS User ID, else SIS Login ID; "ID" is Canvas's own number
        ids = [folded.index(c) for c in ("sis user id", "sis login id") if c in folded]
        if not ids:
            raise ValueError(f"{what} {path} looks like a Canvas gradebook export without the "
                             "'SIS User ID' and 'SIS Login ID' columns (Canvas's 'ID' is not a "
                             "student id): export it with them, or give a 'Student ID,Name' CSV.")
    else:
        ids = [folded.index(c) for c in _ID_COLUMNS if c in folded]
    if not ids:
        raise ValueError(f"{what} {path}: no student id column; the header must contain one "
                         f"of {', '.join(repr(c) for c in _ID_COLUMNS)}, found {header}.")
    names = [c for c in _NAME_COLUMNS if c in folded] + \
        (["student"] if canvas and "student" in folded else [])
    return ids, folded.index(names[0]) if names else None


def _cell(row: list[str], col: int | None) -> str:
    return row[col].strip() if col is not None and col < len(row) else ""


def _display_name(name: str) -> str:
    """ "Lee, Ann" (Canvas) as "Ann Lee"; other names as they are."""
    last, comma, first = name.partition(",")
    return f"{first.strip()} {last.strip()}" if comma and first.strip() and "," not in first \
        else name


def read_roster(path) -> dict[str, str]:
    """The class list: ``{student id: name}`` from a CSV whose header has a student id column
    ("Student ID", "SIS User ID", "SIS Login ID", "ID number", "Username", …) and
    optionally "Name". Canvas's gradebook export works as it is: ids from "SIS User ID"
    (else "SIS Login ID"), names from "Student" ("Lee, Ann"), the "Points Possible" row
    and the test student skipped.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "roster.csv"
    >>> _ = p.write_text("Student ID,Name\\ns1,Ann Lee\\ns2,Bo Chen\\n")
    >>> read_roster(p)
    {'s1': 'Ann Lee', 's2': 'Bo Chen'}
    """
    rows = _table(path, "roster")
    ids, name_col = _columns(rows[0], path, "roster")
    student_col = next((i for i, h in enumerate(rows[0]) if h.strip().casefold() == "student"),
                       None)
    roster: dict[str, str] = {}
    folded: dict[str, str] = {}
    for n, row in enumerate(rows[1:], 2):
        if not any(cell.strip() for cell in row):
            continue
        if _cell(row, student_col).casefold() in _NOT_STUDENTS:
            continue
        raw = next((_cell(row, c) for c in ids if _cell(row, c)), "")
        try:
            student = check_student_id(raw)
        except ValueError as err:
            raise ValueError(f"roster {path}, row {n}: {err}") from None
        twin = folded.setdefault(student.casefold(), student)
        if student in roster or twin != student:    # LMS ids match in any case: one student
            raise ValueError(f"roster {path}, row {n}: student {student!r} is listed twice"
                             + ("." if twin == student else f" (as {twin!r}: ids differing only "
                                                            "in upper/lower case are one id)."))
        roster[student] = _display_name(_cell(row, name_col))
    return roster


def _zone(timezone: str):
    import zoneinfo

    if not isinstance(timezone, str) or not timezone.strip():
        raise TypeError(f"timezone must be an IANA time-zone name such as 'Asia/Shanghai', "
                        f"got {timezone!r}")
    if timezone.strip().upper() == "UTC":
        return dt.timezone.utc
    try:
        return zoneinfo.ZoneInfo(timezone.strip())
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"timezone {timezone!r} is not a known IANA time-zone name (e.g. "
                         "'UTC', 'Asia/Shanghai', 'Europe/London')") from None


def _lms_time(text: str, zone) -> dt.datetime | None:
    text = " ".join(text.split())
    try:
        stamp = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        stamp = None
        for fmt in _LMS_FORMATS:
            try:
                stamp = dt.datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
    if stamp is None:
        return None
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=zone)
    try:
        return stamp.astimezone(dt.timezone.utc)
    except OverflowError:       # 9999-12-31T23:59 west of UTC: no such UTC time
        return None


def read_times(path, timezone: str = "UTC") -> tuple[dict[str, dt.datetime], list[Problem]]:
    """Submission times as an LMS exports them: ``({student: time in UTC}, problems)``.

    The id column is one a roster may use ("SIS User ID", "SIS Login ID", "ID number",
    "Username", "Student ID"; never "Email address"); the time column is "Submitted at",
    "Submitted", "Submission time", "submitted_at" or Moodle's "Last modified
    (submission)" ("Monday, 1 December 2026, 11:59 PM"). Times without a zone are in
    ``timezone`` (an IANA name). Rows without a time ("-") are skipped; a time that cannot
    be read is a problem. Several rows of one student: the latest counts.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "times.csv"
    >>> _ = p.write_text("Username,Last modified (submission)\\n"
    ...                  "s1,\\"Monday, 1 December 2026, 11:59 PM\\"\\n")
    >>> read_times(p, "Asia/Shanghai")[0]["s1"].isoformat()
    '2026-12-01T15:59:00+00:00'
    """
    zone = _zone(timezone)
    rows = _table(path, "times")
    ids, _ = _columns(rows[0], path, "times")
    folded = [h.strip().casefold() for h in rows[0]]
    time_col = next((folded.index(c) for c in _TIME_COLUMNS if c in folded), None)
    if time_col is None:
        raise ValueError(f"times {path}: no submission time column; the header must contain "
                         f"one of {', '.join(repr(c) for c in _TIME_COLUMNS)}, found {rows[0]}.")
    times: dict[str, dt.datetime] = {}
    problems = []
    label = printable(Path(path).name)
    for n, row in enumerate(rows[1:], 2):
        raw = next((_cell(row, c) for c in ids if _cell(row, c)), "")
        when = _cell(row, time_col)
        if not raw or when.casefold() in _NO_TIME:
            continue
        try:
            student = check_student_id(raw)
        except ValueError as err:
            problems.append(Problem("warning", "bad-time", label, printable(f"row {n}: {err}")))
            continue
        stamp = _lms_time(when, zone)
        if stamp is None:
            problems.append(Problem("warning", "bad-time", label, printable(
                f"row {n}: {when!r} is not a time casekit can read (ISO, or Moodle's "
                "'Monday, 1 December 2026, 11:59 PM'); no submission time for this student"),
                student))
            continue
        times[student] = max(stamp, times.get(student, stamp))
    return times, problems


# --------------------------------------------------------------------------- the report
@dataclass
class CollectReport:
    """What :func:`collect` did: the sheets taken in this run (student → the files they
    came from), every problem found, and what the folder now holds."""

    out: Path
    collected: dict[str, list[str]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    files_seen: int = 0
    ignored: int = 0
    skipped: int = 0
    added: int = 0          # new versions (distinct uploads) kept this run
    kept: int = 0           # uploads already kept by an earlier run
    students: int = 0       # students the folder holds after this run

    def add(self, problem: Problem) -> None:
        """Record ``problem`` with every field made safe to print."""
        self.problems.append(Problem(problem.severity, problem.problem, printable(problem.source),
                                     printable(problem.detail), printable(problem.student)))

    def summary(self, limit: int = 60) -> str:
        """A few lines for the terminal: counts, then the problems (the first ``limit``)."""
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
            raise ValueError(f"limit must be a whole number ≥ 0, got {limit!r}")
        counts: dict[str, int] = {}
        for p in self.problems:
            counts[p.problem] = counts.get(p.problem, 0) + 1
        other = ", ".join(f"{n} {what}" for n, what in ((self.ignored, "other file(s) ignored"),
                                                          (self.skipped, "skipped")) if n)
        lines = [f"Collected {len(self.collected)} sheet(s) from {self.files_seen} file(s) into "
                 f"{printable(self.out)}" + (f" ({other})" if other else "") + ".",
                 f"{self.added} new upload(s) kept, {self.kept} already kept by an earlier run; "
                 f"the folder holds {self.students} student(s)."]
        if counts:
            lines.append("Problems: " + ", ".join(f"{n} {k}" for k, n in sorted(counts.items())))
            lines += [f"  {p}" for p in self.problems[:limit]]
            if len(self.problems) > limit:
                lines.append(f"  … and {len(self.problems) - limit} more")
        lines.append(f"Every file and what happened to it: {printable(self.out / REPORT)}")
        return "\n".join(lines)


class _UploadTooLarge(Exception):
    """An upload unpacks to more than its budget allows: the rest of it is not read."""

    def __init__(self, budget: "_Budget"):
        super().__init__(budget.limit)
        self.budget = budget


class _MemberProblem(Exception):
    def __init__(self, problem: str, detail: str):
        super().__init__(detail)
        self.problem, self.detail = problem, detail


@dataclass
class _Budget:
    """Bytes that may still be decompressed (charged to the enclosing budget too)."""

    limit: int
    parent: "_Budget | None" = None
    used: int = 0

    def take(self, n: int) -> None:
        self.used += n
        if self.used > self.limit:
            raise _UploadTooLarge(self)
        if self.parent is not None:
            self.parent.take(n)


@dataclass
class _Version:
    sha256: str
    seq: int
    sources: list[str]
    handed_in: str | None = None
    lms_late: bool = False
    new: bool = False           # handed in for the first time in this run
    changed: bool = False       # its content or LMS time is new: the merged sheet is rebuilt

    @property
    def file(self) -> str:
        return f"{self.sha256[:16]}.json"

    def saw(self, source: str, when: dt.datetime | None, late: bool) -> None:
        if source not in self.sources and len(self.sources) < 20:
            self.sources.append(source)
        stamp = _iso(when) if when else None
        before = (self.handed_in, self.lms_late)
        if stamp and (self.handed_in is None or stamp < self.handed_in):
            self.handed_in, self.lms_late = stamp, late
        elif stamp is None and self.handed_in is None:
            self.lms_late = self.lms_late or late
        self.changed = self.changed or self.new or (self.handed_in, self.lms_late) != before


def _iso(when: dt.datetime) -> str:
    return when.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


# --------------------------------------------------------------------------- collect
def collect(sources, out, *, roster=None, times=None, timezone: str = "UTC",
            max_bytes: int = MAX_SHEET_BYTES, progress: bool = True) -> CollectReport:
    """Gather the answer sheets found in ``sources`` (folders, ``.json`` or ``.zip`` files)
    into the folder ``out``, one ``<student>.json`` each, and report every problem.

    ``roster`` (a CSV, see :func:`read_roster`) adds a report of students without a sheet
    and of sheets that name another student. ``times`` (a CSV, see :func:`read_times`;
    naive times in ``timezone``) stamps every attempt with when the LMS received it.
    ``out`` must be empty or an earlier collection, which is added to (never pruned).
    Sheets over ``max_bytes`` are rejected unread. Example:
    ``collect(["export.zip"], "sheets", roster="roster.csv")``.
    """
    if isinstance(sources, (str, os.PathLike)):
        sources = [sources]
    if not isinstance(sources, (list, tuple)) or not sources:
        raise TypeError("sources must be a list of folders, .json or .zip files")
    paths = [check_path("sources", s, must_exist=True) for s in sources]
    out = check_path("out", out)
    if isinstance(max_bytes, bool) or not isinstance(max_bytes, int) or max_bytes < 1:
        raise ValueError(f"max_bytes must be a positive whole number of bytes, got {max_bytes!r}")
    for p in paths:
        if p.resolve() == out.resolve():
            raise ValueError(f"out {str(out)!r} is also a source: collect into a new folder.")
    known = read_roster(roster) if roster is not None else {}
    lms_times, time_problems = read_times(times, timezone) if times is not None else ({}, [])
    if times is None:
        _zone(timezone)
    if out.exists() and not out.is_dir():
        raise ValueError(f"out {str(out)!r} is a file: give a folder.")
    if out.is_dir() and not (out / MARKER).exists() and any(out.iterdir()):
        raise ValueError(f"out {str(out)!r} is not empty and not an earlier collection: "
                         "collect into a new folder.")
    atomic_write(out / MARKER, "Answer sheets gathered by `casekit collect`; re-running it "
                               "adds to this folder (it never deletes). See "
                               "casekit/grading/collect.py for the handed_in/lms_late contract.\n")
    intake = _Intake(out, known, lms_times, max_bytes)
    for problem in time_problems:
        intake.report.add(problem)
    uploads = intake.find(paths)
    with Progress(len(uploads), "collecting", None if progress else io.StringIO()) as bar:
        for path, levels, label in uploads:
            intake.upload(path, levels, label)
            bar.advance()
    intake.finish()
    return intake.report


class _Intake:
    """One run of :func:`collect`: walks the sources, takes sheets in, writes the folder."""

    def __init__(self, out: Path, roster: dict[str, str], times: dict[str, dt.datetime],
                 max_bytes: int):
        self.out, self.roster, self.max_bytes = out, roster, max_bytes
        self.times = {s.casefold(): when for s, when in times.items()}   # LMS ids: any case
        self.report = CollectReport(out=out)
        self.bank = _bank_ids()
        self.rows: list[list[str]] = []                  # manifest: status, student, file, detail
        self.versions: dict[str, dict[str, _Version]] = {}   # student -> sha -> version
        self.notebooks: list[tuple[str, str]] = []        # (label, student or "")
        self.budget = self.export = _Budget(MAX_EXPORT_BYTES)
        self.names = _Names(roster)
        self.near: dict[str, set[str]] = {}            # roster id -> mistyped ids seen

    # -- finding files ------------------------------------------------------------------
    def find(self, paths: list[Path]) -> list[tuple[Path, tuple[str, ...], str]]:
        """Every file of the sources to look at: (path, name levels, label)."""
        uploads = []
        skip = self.out.resolve()
        for source in paths:
            if not source.is_dir():
                uploads.append((source, (source.stem,), printable(source.name)))
                continue
            for folder, dirs, files in os.walk(source):
                here = Path(folder)
                rel = here.relative_to(source).parts
                kept = []
                for d in sorted(dirs):
                    label = printable(str(Path(source.name, *rel, d)))
                    if (here / d).resolve() == skip:
                        continue
                    reason = _hidden(d) or ("a link to a folder (not followed)"
                                            if (here / d).is_symlink() else None)
                    if reason:
                        self.skip(label + "/", reason)
                    else:
                        kept.append(d)
                dirs[:] = kept
                for name in sorted(files):
                    label = printable(str(Path(source.name, *rel, name)))
                    reason = _hidden(name)
                    if reason:
                        self.skip(label, reason)
                        continue
                    if any(0xDC80 <= ord(ch) <= 0xDCFF for ch in str(Path(*rel, name))):
                        self.problem("warning", "bad-file-name", label, "the name is not UTF-8 "
                                     "text (shown with \\x escapes); read anyway")
                    uploads.append((here / name, (source.name, *rel, Path(name).stem), label))
        return uploads

    def skip(self, label: str, reason: str) -> None:
        self.report.skipped += 1
        self.rows.append(["skipped", "", label, reason])

    def problem(self, severity: str, kind: str, label: str, detail: str, student: str = "") -> None:
        self.report.add(Problem(severity, kind, label, detail, student))

    # -- reading files and zips ---------------------------------------------------------
    def upload(self, path: Path, levels: tuple[str, ...], label: str) -> None:
        """Take in one file of a source (a sheet, a zip, or something else)."""
        kind = _kind(path.name)
        if kind is None:
            self.report.ignored += 1
            self.rows.append(["ignored", "", label, "not a .json sheet or a .zip"])
            return
        self.report.files_seen += 1
        if kind == "notebook":
            self.notebook(levels, label)
            return
        try:
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        except OSError as err:
            self.problem("error", "unreadable", label,
                         f"could not be opened ({err.strerror or err})")
            return
        with os.fdopen(fd, "rb") as handle:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                self.problem("error", "not-a-file", label, "not a regular file (a fifo, device or "
                             "socket); not read")
                return
            self.budget = self.export = _Budget(MAX_EXPORT_BYTES)
            try:
                if kind == "sheet":
                    small = os.fstat(fd).st_size <= self.max_bytes
                    data = read_limited(handle, self.max_bytes) if small else None
                    self.take(levels, label, data)
                else:
                    with self.open_zip(handle, label) as archive:
                        self.walk_zip(archive, levels, label, 1)
            except _MemberProblem as err:
                self.problem("error", err.problem, label, err.detail)
            except _UploadTooLarge as err:
                self.too_large(label, err)
            except (OSError, EOFError, zipfile.BadZipFile) as err:
                self.problem("error", "unreadable", label, f"could not be read ({err})")

    def open_zip(self, handle, label: str) -> zipfile.ZipFile:
        """``handle`` as a zip, after checking its directory is of a sane size."""
        entries, directory = _directory_size(handle)
        if entries > MAX_ZIP_ENTRIES or directory > _MAX_DIRECTORY_BYTES:
            raise _MemberProblem("too-large", f"a zip of {entries:,} entries ({directory:,} bytes "
                                 f"of directory), over the limit of {MAX_ZIP_ENTRIES:,}; not read")
        try:
            return zipfile.ZipFile(handle)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError) as err:
            raise _MemberProblem("unreadable", f"not a readable zip ({err})") from None

    def walk_zip(self, archive: zipfile.ZipFile, levels: tuple[str, ...], label: str,
                 depth: int) -> None:
        for info in sorted(archive.infolist(), key=lambda i: i.filename):
            if info.is_dir():
                continue
            raw = info.filename.replace("\\", "/")
            parts = [p for p in raw.split("/") if p not in ("", ".")]
            member = printable(f"{label}/{'/'.join(parts)}")
            reason = ("an absolute path" if raw.startswith("/") or re.match(r"[A-Za-z]:", raw)
                      else "a path out of the archive (..)" if ".." in parts
                      else next(filter(None, map(_hidden, parts)), None))
            if reason or not parts:
                self.skip(member, reason or "no file name")
                continue
            kind = _kind(parts[-1])
            inner = (*levels, *parts[:-1], Path(parts[-1]).stem)
            if kind is None:
                self.report.ignored += 1
                self.rows.append(["ignored", "", member, "not a .json sheet or a .zip"])
                continue
            self.report.files_seen += 1
            if depth == 1:      # one student's upload in an LMS export: a budget of its own
                self.budget = _Budget(MAX_UNPACKED_BYTES, self.export)
            try:
                if kind == "notebook":
                    self.notebook(inner, member)
                elif kind == "sheet":
                    data = None if info.file_size > self.max_bytes else \
                        self.read_member(archive, info, self.max_bytes)
                    self.take(inner, member, data)
                elif depth >= MAX_ZIP_DEPTH:
                    self.problem("error", "too-deep", member, f"a zip inside {depth} zips (the "
                                 f"limit is {MAX_ZIP_DEPTH}); not opened")
                else:
                    with self.spool(archive, info) as spooled, \
                            self.open_zip(spooled, member) as nested:
                        self.walk_zip(nested, inner, member, depth + 1)
            except _MemberProblem as err:
                self.problem("error", err.problem, member, err.detail)
            except _UploadTooLarge as err:
                if depth > 1 or err.budget is self.export:
                    raise
                self.too_large(member, err)
            except (OSError, EOFError, zipfile.BadZipFile, RuntimeError, NotImplementedError,
                    ValueError) as err:  # damaged, encrypted or oddly compressed entries
                self.problem("error", "unreadable", member, f"could not be read ({err})")

    def too_large(self, label: str, err: _UploadTooLarge) -> None:
        self.problem("error", "too-large", label, f"unpacks to more than "
                     f"{err.budget.limit / 2 ** 20:g} MB (a zip bomb?); the rest of it was not "
                     "read")

    def read_member(self, archive: zipfile.ZipFile, info: zipfile.ZipInfo,
                    limit: int) -> bytes | None:
        """A zip entry's bytes, streamed and counted against the upload's budget; ``None``
        when it is larger than ``limit``."""
        chunks, total = [], 0
        with archive.open(info) as handle:
            while chunk := handle.read(min(_CHUNK, limit + 1 - total)):
                self.budget.take(len(chunk))
                total += len(chunk)
                chunks.append(chunk)
                if total > limit:
                    return None
        return b"".join(chunks)

    def spool(self, archive: zipfile.ZipFile, info: zipfile.ZipInfo):
        """An inner zip copied to a temporary file (in memory while small)."""
        if info.file_size > MAX_INNER_ZIP_BYTES:
            raise _MemberProblem("too-large", f"a zip of {info.file_size / 2 ** 20:,.0f} MB inside "
                                 f"a zip (the limit is {MAX_INNER_ZIP_BYTES / 2 ** 20:g} MB); "
                                 "not opened")
        spooled = tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES)
        try:
            total = 0
            with archive.open(info) as handle:
                while chunk := handle.read(_CHUNK):
                    total += len(chunk)
                    if total > MAX_INNER_ZIP_BYTES:
                        raise _MemberProblem("too-large", f"a zip inside a zip that unpacks to "
                                             f"more than {MAX_INNER_ZIP_BYTES / 2 ** 20:g} MB; "
                                             "not opened")
                    self.budget.take(len(chunk))
                    spooled.write(chunk)
            spooled.seek(0)
        except BaseException:
            spooled.close()
            raise
        return spooled

    def notebook(self, levels: tuple[str, ...], label: str) -> None:
        named = set().union(*map(self.names, levels))
        self.notebooks.append((label, sorted(named)[0] if len(named) == 1 else ""))

    # -- taking a sheet in --------------------------------------------------------------
    def take(self, levels: tuple[str, ...], label: str, data: bytes | None) -> None:
        if data is None:
            self.problem("error", "too-large", label,
                         f"larger than the {self.max_bytes / 2 ** 20:g}"
                         " MB limit for a sheet; not read (raise --max-sheet-mb if it is genuine)")
            return
        sheet, problems = parse_sheet(data, label)
        for p in problems:
            self.report.add(p)
        if sheet is None:
            return
        student = sheet.student
        others, mentioned, namesakes = _identity(levels, student,
                                                 self.names if self.roster else None)
        hint = self.suggestion(student)
        if others:
            owner = sorted(others)[0]
            who = f" ({self.roster[owner]})" if self.roster.get(owner) else ""
            why = "a mistyped id? The student should check their answers again under their " \
                  "own id and hand in again" if student in self.near.get(owner, ()) else \
                  "a copied sheet?"
            self.problem("error", "names-another-student", label,
                         f"handed in as {owner!r}{who} but the sheet belongs to {student!r} "
                         f"({why}); not collected{hint}", student)
            return
        unverified = [who for who in map(_submitter, levels) if who is not None
                      and not _mentions(_nfkc(who), student)] if not self.roster else []
        if unverified:
            self.problem("error", "needs-roster", label,
                         f"handed in through the LMS as {printable(unverified[0])!r}, who may or may "
                         f"not be {student!r}: without a roster collect cannot tell, and a sheet "
                         "must never speak for another student; not collected. Collect again "
                         "with --roster (the LMS's class list)", student)
            return
        if not mentioned:
            self.problem("error", "name-mismatch", label,
                         f"the sheet belongs to {student!r} but neither the file nor its folders "
                         f"say so (renamed or swapped?); not collected. If it is genuine, rename "
                         f"it to {student}.json{hint}", student)
            return
        if namesakes:
            self.problem("warning", "same-name", label,
                         f"collected as {student!r}, but the LMS folder or file name is a name "
                         f"{student!r} shares with {', '.join(sorted(namesakes))} on the roster: "
                         "check this upload is really theirs", student)
        forged = sum(any(k in a for k in LMS_KEYS) for a in sheet.attempts)
        if forged:
            self.problem("warning", "forged-fields", label,
                         f"{forged} attempt(s) carried {' or '.join(LMS_KEYS)}, which only collect "
                         "writes; removed", student)
        unknown = sorted({a["id"] for a in sheet.attempts} - self.bank)
        if unknown:
            self.problem("warning", "unknown-exercise", label,
                         f"attempts at {len(unknown)} exercise(s) not in the bank (ignored when "
                         "grading): " + ", ".join(unknown[:5])
                         + (" …" if len(unknown) > 5 else ""),
                         student)
        if self.roster and student not in self.roster:
            self.problem("warning", "not-on-roster", label,
                         f"collected as {student!r}, but this student is not on the roster{hint}",
                         student)
        if self.keep(sheet, data, label, any(_LATE.search(level) for level in levels)):
            self.report.collected.setdefault(student, []).append(label)

    def suggestion(self, student: str) -> str:
        """"; did you mean …?" when ``student`` is off the roster but close to a roster id."""
        if not self.roster or student in self.roster:
            return ""
        key = _digits_key(student)
        close = [s for s in self.roster if _digits_key(s) == key] or \
            difflib.get_close_matches(student, list(self.roster), n=1, cutoff=0.85)
        if not close:
            return ""
        self.near.setdefault(close[0], set()).add(student)
        name = self.roster[close[0]]
        return f"; did you mean {close[0]}{f' ({name})' if name else ''}? (a mistyped id)"

    def keep(self, sheet: Sheet, data: bytes, label: str, late: bool) -> bool:
        """Store the upload as a version of its student (once per distinct content); False
        if the student already has too many."""
        versions = self.load(sheet.student)
        version = versions.get(sheet.sha256)
        if version is None and len(versions) >= MAX_VERSIONS:
            self.problem("error", "too-large", label, f"{sheet.student} already has "
                         f"{len(versions)} different sheets kept (the limit is {MAX_VERSIONS}); "
                         "this one is not kept", sheet.student)
            return False
        if version is None:
            version = _Version(sheet.sha256, max((v.seq for v in versions.values()), default=0) + 1,
                               [], new=True)
            atomic_write(self.out / VERSIONS / sheet.student / version.file, data, durable=False)
            versions[sheet.sha256] = version
            self.report.added += 1
        elif version.new:
            self.problem("warning", "duplicate", label, f"an identical copy of the sheet from "
                         f"{version.sources[0]}; ignored", sheet.student)
        else:
            self.report.kept += 1
            self.rows.append(["kept", sheet.student, label, f"already kept ({version.file})"])
        version.saw(label, self.times.get(sheet.student.casefold()), late)
        return True

    def load(self, student: str) -> dict[str, _Version]:
        """The versions already kept for ``student`` (an older collection's sheet and files
        missing from the index are taken in)."""
        if student in self.versions:
            return self.versions[student]
        folder = self.out / VERSIONS / student
        versions: dict[str, _Version] = {}
        try:
            index = json.loads((folder / "index.json").read_text(encoding="utf-8"))
            for v in index["versions"]:
                if not re.fullmatch(r"[0-9a-f]{64}", str(v["sha256"])):
                    continue
                versions[v["sha256"]] = _Version(v["sha256"], int(v["seq"]), list(v["sources"]),
                                                 v.get("handed_in"), bool(v.get("lms_late")))
        except (OSError, ValueError, KeyError, TypeError):
            pass            # no index yet (or a damaged one): rebuilt from the files below
        files = sorted(folder.glob("*.json")) if folder.is_dir() else []
        legacy = self.out / f"{student}.json"
        if not files and legacy.is_file():     # collected before versions were kept
            files = [legacy]
        for path in files:
            if path.name == "index.json":
                continue
            data = path.read_bytes()
            sha = hashlib.sha256(data).hexdigest()
            if sha not in versions:
                if path == legacy:
                    atomic_write(folder / f"{sha[:16]}.json", data, durable=False)
                versions[sha] = _Version(sha, max((v.seq for v in versions.values()), default=0)
                                         + 1, ["an earlier collection"], changed=True)
        self.versions[student] = versions
        return versions

    # -- writing the folder -------------------------------------------------------------
    def finish(self) -> None:
        report = self.report
        held = {p.parent.name for p in (self.out / VERSIONS).glob("*/index.json")} | \
            {p.stem for p in self.out.glob("*.json")}
        for student in sorted(held - set(self.versions)):
            if not (self.out / f"{student}.json").exists():
                self.load(student)            # versions kept, merged sheet gone: rebuild
        for student in sorted(self.versions):
            if any(v.changed for v in self.versions[student].values()) or \
                    not (self.out / f"{student}.json").exists():
                self.merge(student)
            else:
                self.write_index(student)
        held |= set(self.versions)
        report.students = len(held)
        for label, student in self.notebooks:
            if student and student in held:
                self.rows.append(["ignored", student, label, "a notebook (never run, not graded); "
                                  "this student's answer sheet was collected"])
            else:
                self.problem("warning", "notebook-not-sheet", label,
                             f"a notebook, not an answer sheet: ask the student to hand in the "
                             f"answer sheet ~/casekit-workbook/answers/{student or '<their id>'}"
                             f".json; the notebook is not graded (and never run)", student)
        for student in sorted(set(self.roster) - held):
            near = sorted(self.near.get(student, ()))
            typo = f" (a sheet for {', '.join(near)} was handed in: a mistyped id?)" if near else ""
            self.problem("warning", "missing", "", "on the roster, but no sheet was handed in"
                         + typo, student)
        rows = [[p.severity, p.problem, p.student, p.source, p.detail] for p in report.problems]
        rows += [["info", status, student, printable(label), printable(detail)]
                 for status, student, label, detail in self.rows]
        write_csv(self.out / REPORT, ["Severity", "Problem", "Student", "File", "Detail"], rows)

    def merge(self, student: str) -> None:
        """Write ``<student>.json`` (all versions merged, with LMS times) and the index."""
        folder = self.out / VERSIONS / student
        order = sorted(self.versions[student].values(), key=lambda v: v.seq)
        merged: list[dict] = []
        digests: list[bytes] = []
        first: dict[bytes, tuple] = {}          # attempt -> (earliest LMS time, late flag)
        origin = ""
        for version in order:
            try:
                data = (folder / version.file).read_bytes()
            except OSError as err:
                self.problem("error", "unreadable", str(Path(VERSIONS, student, version.file)),
                             f"a kept version could not be read ({err})", student)
                continue
            sheet, _ = parse_sheet(data, version.file)
            if sheet is None or sheet.student != student:
                continue
            attempts = [{k: v for k, v in a.items() if k not in LMS_KEYS} for a in sheet.attempts]
            new = [_digest(a) for a in attempts]
            for d in new:
                when = (version.handed_in is None, version.handed_in or "", version.seq)
                if d not in first or when < first[d][0]:
                    first[d] = (when, version.handed_in, version.lms_late)
            source = version.sources[0] if version.sources else version.file
            if not origin:
                merged, digests, origin = attempts, new, source
                if version.new:
                    late = "; the LMS marked it late (_LATE_)" if version.lms_late else ""
                    self.rows.append(["collected", student, source,
                                      f"kept as {version.file}{late}"])
                continue
            if new == digests or digests[:len(new)] == new:
                outcome = None
                if version.new:
                    what = "an identical copy" if new == digests else "an older copy"
                    self.problem("warning", "duplicate", source,
                                 f"{what} of the sheet from {origin}; it adds nothing", student)
            elif new[:len(digests)] == digests:
                outcome = f"a newer copy of the sheet from {origin} ({len(new) - len(digests)} " \
                          "more attempts); it replaces it"
                merged, digests = attempts, new
            else:
                seen = set(digests)
                merged = merged + [a for a, d in zip(attempts, new) if d not in seen]
                merged.sort(key=_when)
                digests = [_digest(a) for a in merged]
                outcome = f"differs from the sheet from {origin} (two computers?): merged, " \
                          f"{len(merged)} distinct attempts kept in time order"
            if outcome and version.new:
                kind = "merged" if outcome.startswith("differs") else "duplicate"
                self.problem("warning", kind, source, outcome, student)
        annotated = []
        for attempt, d in zip(merged, digests):
            _, when, late = first[d]
            extra = {"handed_in": when} if when else {}
            annotated.append({**attempt, **extra, **({"lms_late": True} if late else {})})
        if origin:
            atomic_write(self.out / f"{student}.json",
                         Sheet(student, annotated, f"{student}.json", "").to_json(), durable=False)
        self.write_index(student)

    def write_index(self, student: str) -> None:
        """``.versions/<student>/index.json``: every version, where it came from, its LMS time."""
        order = sorted(self.versions[student].values(), key=lambda v: v.seq)
        index = {"student": student, "versions": [
            {"sha256": v.sha256, "file": v.file, "seq": v.seq, "sources": v.sources,
             "handed_in": v.handed_in, "lms_late": v.lms_late} for v in order]}
        atomic_write(self.out / VERSIONS / student / "index.json",
                     json.dumps(index, ensure_ascii=False, indent=1), durable=False)


# --------------------------------------------------------------------------- helpers
def _bank_ids() -> set[str]:
    from casekit.exercises.bank import load_bank

    return set(load_bank())


def _kind(name: str) -> str | None:
    suffix = os.path.splitext(name)[1].lower()
    return {".json": "sheet", ".zip": "zip", ".ipynb": "notebook"}.get(suffix)


def _hidden(name: str) -> str | None:
    if name == "__MACOSX":
        return "a macOS resource folder (__MACOSX)"
    if name.startswith("."):
        return "a hidden file or folder"
    return None


def _directory_size(handle) -> tuple[int, int]:
    """Entries and central-directory bytes a zip declares (0, 0 if it has no end record:
    zipfile then says what is wrong)."""
    handle.seek(0, os.SEEK_END)
    size = handle.tell()
    tail_size = min(size, 65_535 + 22)
    handle.seek(size - tail_size)
    tail = handle.read(tail_size)
    handle.seek(0)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < 22:
        return 0, 0
    entries, directory = struct.unpack("<HL", tail[at + 10:at + 16])
    record = tail[at - 76:at - 20] if at >= 76 else b""
    if tail[at - 20:at - 16] == b"PK\x06\x07" and record[:4] == b"PK\x06\x06":
        entries, directory = struct.unpack("<QQ", record[32:48])   # zip64: the real counts
    return entries, directory


def _nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def _mentions(part: str, student: str) -> bool:
    pattern = rf"(?<![A-Za-z0-9]){re.escape(student)}(?![A-Za-z0-9])"
    return re.search(pattern, part, re.IGNORECASE) is not None


def _letters(text: str) -> str:
    return "".join(ch for ch in text.casefold() if ch.isalpha())


class _Names:
    """Which roster students a file or folder name points at: by id, or by name as LMS
    exports write it ("Bo Chen_1234_assignsubmission_file_", "chenbo_1234_5678_s2.json").

    >>> sorted(_Names({"s1": "Ann Lee", "s2": "Bo Chen"})("chenbo_1234_5678_s1.json"))
    ['s1', 's2']
    """

    def __init__(self, roster: dict[str, str]):
        self.ids = {s.casefold(): s for s in roster}
        alternatives = "|".join(re.escape(s) for s in sorted(roster, key=len, reverse=True))
        self.pattern = re.compile(rf"(?<![A-Za-z0-9])({alternatives})(?![A-Za-z0-9])",
                                  re.IGNORECASE) if roster else None
        self.variants: dict[str, set[str]] = {}
        for student, name in roster.items():
            words = [_letters(w) for w in name.split()]
            for variant in {"".join(words), "".join(reversed(words))} - {""}:
                self.variants.setdefault(variant, set()).add(student)

    def __call__(self, part: str) -> set[str]:
        found = set()
        for group in self.groups(part):
            found |= group
        return found

    def groups(self, part: str) -> list[set[str]]:
        """The students ``part`` points at, as groups: one id each, or everyone bearing a
        name found (two students may share one: "Wei Zhang")."""
        if self.pattern is None:
            return []
        part = _nfkc(part)
        found = [{self.ids[m.group(1).casefold()]} for m in self.pattern.finditer(part)]
        for token in part.split("_"):
            found.append(self.variants.get(_letters(token), set()))
        return [group for group in found if group]


def _shape(text: str) -> str:
    return "".join("9" if ch.isdigit() else "a" if ch.isalpha() else ch for ch in text.casefold())


def _ids_like(part: str, student: str) -> set[str]:
    """Without a roster: the ids in a name shaped like ``student`` (same letters, digits and
    punctuation pattern, with a digit), e.g. "s2026-002" next to "s2026-001"."""
    if not any(ch.isdigit() for ch in student):
        return set()
    shape = _shape(student)
    tokens = set(re.split(r"[\s_]+", _nfkc(part))) | {_nfkc(part)}
    return {t.casefold() for t in tokens if _shape(t) == shape}


def _identity(levels: tuple[str, ...], student: str,
              names: _Names | None) -> tuple[set[str], bool, set[str]]:
    """(other students named by any level, whether some level names ``student``, roster
    students sharing a name with ``student`` that a level gives)."""
    others: set[str] = set()
    mentioned, namesakes = False, set()
    for level in levels:
        if names is not None:
            groups = names.groups(level)
            # a name two students share, one of them the sheet's: it names neither for sure
            shared = [g for g in groups if len(g) > 1 and student in g]
            named = set().union(*[g for g in groups if g not in shared])
            namesakes |= set().union(*shared) - {student}
        else:
            shared, named = [], _ids_like(level, student)
        if student in named or student.casefold() in named or _mentions(_nfkc(level), student):
            mentioned = True
        others |= {s for s in named if s.casefold() != student.casefold()}
    return others, mentioned, namesakes


def _submitter(level: str) -> str | None:
    """The person an LMS export says handed a file in, from a folder or file name, or None.

    >>> _submitter("Bo Chen_1234_assignsubmission_file_"), _submitter("chenbo_LATE_12_34_s1.json")
    ('Bo Chen', 'chenbo')
    >>> _submitter("week1") is None
    True
    """
    for pattern in _SUBMITTER:
        match = pattern.match(level)
        if match:
            return match["who"]
    return None


def _digits_key(student: str) -> str:
    return re.sub(r"\d+", lambda m: str(int(m.group())), student.casefold())


def _digest(attempt: dict) -> bytes:
    return hashlib.sha1(json.dumps(attempt, sort_keys=True, ensure_ascii=False).encode()).digest()


def _when(attempt: dict) -> tuple:
    stamp = parse_timestamp(attempt.get("timestamp"))
    return (0, stamp.astimezone(dt.timezone.utc).isoformat()) if stamp else \
        (1, str(attempt.get("timestamp", "")))
