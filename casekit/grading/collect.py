"""Gather answer sheets from folders, single files and LMS zip exports into one folder.

Every ``*.json`` file found (in folders at any depth, in zip files, in zips inside zips) is
read as an untrusted sheet (:func:`casekit.grading.sheets.parse_sheet`). The good ones are
written to ``out/<student>.json``; everything else is reported, and the run never stops
on a bad file:

- unreadable files (cut off mid-write, not JSON, not a sheet, over the size limit);
- sheets handed in under another student's name (a copied sheet): the folder an LMS
  export puts a submission in, or the name prefix it gives the file, names a different
  student of the roster — by id, or by name ("Bo Chen_1234_assignsubmission_file_" from
  Moodle, "chenbo_1234_5678_s17.json" from Canvas);
- sheets whose student is named by neither the file nor its folders (renamed or swapped);
- duplicates: identical copies are dropped, a copy that extends an older one replaces
  it, and two different sheets of one student are merged (every distinct attempt kept);
- attempts at exercises that are not in the bank (kept, ignored when grading);
- students of the roster who handed in nothing.

``out/collect-report.csv`` lists every file with what happened to it. The collected copies
are written atomically but not flushed to disk one by one (the sources stay where they
are): after a power cut during a collection, simply collect again.

Example::

    report = collect(["lms-export.zip", "late/"], "sheets", roster="roster.csv")
    print(report.summary())
"""
from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import json
import os
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from casekit.exercises.sheet import check_student_id
from casekit.grading.common import Progress, atomic_write, check_path, write_csv
from casekit.grading.sheets import MAX_SHEET_BYTES, Problem, Sheet, parse_sheet, read_limited

__all__ = ["CollectReport", "collect", "read_roster"]

MARKER = ".casekit-collect"
REPORT = "collect-report.csv"
_ID_COLUMNS = ("student id", "student", "id", "sis user id", "id number", "username", "student_id")
_NAME_COLUMNS = ("name", "student name", "full name")
_MAX_NESTED_ZIP = 512 * 2 ** 20


def read_roster(path) -> dict[str, str]:
    """The class list: ``{student id: name}`` from a CSV whose header has a column
    "Student ID" (or "student", "id", "SIS User ID", "ID number", "username") and
    optionally "Name".

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "roster.csv"
    >>> _ = p.write_text("Student ID,Name\\ns1,Ann Lee\\ns2,Bo Chen\\n")
    >>> read_roster(p)
    {'s1': 'Ann Lee', 's2': 'Bo Chen'}
    """
    path = check_path("roster", path, must_exist=True, kind="file")
    with open(path, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    if not rows:
        raise ValueError(f"roster {path} is empty: it needs a header row with a 'Student ID' "
                         "column and one row per student.")
    header = [h.strip().casefold() for h in rows[0]]
    id_col = next((header.index(c) for c in _ID_COLUMNS if c in header), None)
    if id_col is None:
        raise ValueError(f"roster {path}: no student id column; the header must contain one "
                         f"of {', '.join(repr(c) for c in _ID_COLUMNS)}, found {rows[0]}.")
    name_col = next((header.index(c) for c in _NAME_COLUMNS if c in header), None)
    roster: dict[str, str] = {}
    for n, row in enumerate(rows[1:], 2):
        if not any(cell.strip() for cell in row):
            continue
        try:
            student = check_student_id(row[id_col] if id_col < len(row) else "")
        except ValueError as err:
            raise ValueError(f"roster {path}, row {n}: {err}") from None
        if student in roster:
            raise ValueError(f"roster {path}, row {n}: student {student!r} is listed twice.")
        roster[student] = row[name_col].strip() if name_col is not None and name_col < len(row) else ""
    return roster


@dataclass
class CollectReport:
    """What :func:`collect` did: the sheets written (student → the files they came from)
    and every problem found."""

    out: Path
    collected: dict[str, list[str]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    files_seen: int = 0
    ignored: int = 0

    def summary(self) -> str:
        """A few lines for the terminal: counts, then every problem."""
        counts: dict[str, int] = {}
        for p in self.problems:
            counts[p.problem] = counts.get(p.problem, 0) + 1
        lines = [f"Collected {len(self.collected)} sheet(s) from {self.files_seen} file(s) into "
                 f"{self.out}" + (f" ({self.ignored} other file(s) ignored)" if self.ignored else "")
                 + "."]
        if counts:
            lines.append("Problems: " + ", ".join(f"{n} {k}" for k, n in sorted(counts.items())))
            lines += [f"  {p}" for p in self.problems]
        lines.append(f"Every file and what happened to it: {self.out / REPORT}")
        return "\n".join(lines)


@dataclass
class _Candidate:
    label: str                      # shown in reports, e.g. "export.zip/Ann_12/s1.json"
    names: tuple[str, ...]          # file stem and folder names that may name the student
    read: Callable[[int], bytes | None]


def collect(sources, out, *, roster=None, max_bytes: int = MAX_SHEET_BYTES,
            progress: bool = True) -> CollectReport:
    """Gather the answer sheets found in ``sources`` (folders, ``.json`` or ``.zip`` files)
    into the folder ``out``, one ``<student>.json`` each, and report every problem.

    ``roster`` (a CSV, see :func:`read_roster`) adds a report of students without a sheet
    and of sheets that name another student. ``out`` must be empty or an earlier
    collection (which is then brought up to date). Sheets over ``max_bytes`` are rejected
    unread. Example: ``collect(["export.zip"], "sheets", roster="roster.csv")``.
    """
    if isinstance(sources, (str, os.PathLike)):
        sources = [sources]
    if not isinstance(sources, (list, tuple)) or not sources:
        raise TypeError("sources must be a list of folders, .json or .zip files")
    paths = [check_path("sources", s, must_exist=True) for s in sources]
    out = check_path("out", out)
    if not isinstance(max_bytes, int) or isinstance(max_bytes, bool) or max_bytes < 1:
        raise ValueError(f"max_bytes must be a positive whole number of bytes, got {max_bytes!r}")
    for p in paths:
        if p.resolve() == out.resolve():
            raise ValueError(f"out {str(out)!r} is also a source: collect into a new folder.")
    known = read_roster(roster) if roster is not None else {}
    if out.exists() and not out.is_dir():
        raise ValueError(f"out {str(out)!r} is a file: give a folder.")
    previous = out.is_dir() and (out / MARKER).exists()
    if out.is_dir() and not previous and any(out.iterdir()):
        raise ValueError(f"out {str(out)!r} is not empty and not an earlier collection: "
                         "collect into a new folder.")
    atomic_write(out / MARKER, "Answer sheets gathered by `casekit collect`; re-running it "
                               "updates this folder.\n")

    report = CollectReport(out=out)
    manifest: list[list[str]] = []
    bank = _bank_ids()
    seen: dict[str, list[bytes]] = {}
    with contextlib.ExitStack() as stack:
        candidates: list[_Candidate] = []
        for source in paths:
            for item in _walk(source, out, stack, report):
                candidates.append(item)
        report.files_seen = len(candidates)
        with Progress(len(candidates), "collecting", None if progress else io.StringIO()) as bar:
            for cand in candidates:
                status = _take(cand, out, known, bank, max_bytes, report, seen)
                manifest.append([status, cand.label])
                bar.advance()
    for student in sorted(set(known) - set(report.collected)):
        report.problems.append(Problem("warning", "missing", "", "on the roster, but no sheet "
                                       "was handed in", student))
    if previous:
        for stale in out.glob("*.json"):
            if stale.stem not in report.collected:
                stale.unlink()
    rows = [[p.severity, p.problem, p.student, p.source, p.detail] for p in report.problems]
    rows += [["info", status, "", label, ""] for status, label in manifest if status != "rejected"]
    write_csv(out / REPORT, ["Severity", "Problem", "Student", "File", "Detail"], rows)
    return report


def _bank_ids() -> set[str]:
    from casekit.exercises.bank import load_bank

    return set(load_bank())


def _walk(source: Path, out: Path, stack: contextlib.ExitStack,
          report: CollectReport) -> Iterator[_Candidate]:
    if source.is_file():
        yield from _file(source, (), source.name, stack, report)
        return
    skip = out.resolve()
    for folder, dirs, files in os.walk(source):
        here = Path(folder)
        dirs[:] = sorted(d for d in dirs if not d.startswith((".", "__MACOSX"))
                         and (here / d).resolve() != skip)
        rel = here.relative_to(source).parts
        for name in sorted(files):
            if not name.startswith("."):
                yield from _file(here / name, rel, str(Path(source.name, *rel, name)), stack, report)


def _file(path: Path, folders: tuple[str, ...], label: str, stack, report) -> Iterator[_Candidate]:
    suffix = path.suffix.lower()
    if suffix == ".json":
        def read(limit, path=path):
            if path.stat().st_size > limit:
                return None
            with open(path, "rb") as handle:
                return read_limited(handle, limit)
        yield _Candidate(label, (*folders, path.stem), read)
    elif suffix == ".zip":
        try:
            archive = stack.enter_context(zipfile.ZipFile(path))
        except (OSError, zipfile.BadZipFile) as err:
            report.problems.append(Problem("error", "unreadable", label, f"not a readable zip ({err})"))
            return
        yield from _zip(archive, label, stack, report, depth=1)
    else:
        report.ignored += 1


def _zip(archive: zipfile.ZipFile, label: str, stack, report, depth: int) -> Iterator[_Candidate]:
    for info in sorted(archive.infolist(), key=lambda i: i.filename):
        parts = [p for p in info.filename.replace("\\", "/").split("/") if p]
        if info.is_dir() or not parts or any(p.startswith((".", "__MACOSX")) for p in parts):
            continue
        member = f"{label}/{'/'.join(parts)}"
        name = parts[-1].lower()
        if name.endswith(".json"):
            def read(limit, info=info):
                if info.file_size > limit:
                    return None
                with archive.open(info) as handle:
                    return read_limited(handle, limit)
            yield _Candidate(member, (*parts[:-1], Path(parts[-1]).stem), read)
        elif name.endswith(".zip") and depth < 3:
            try:
                data = None if info.file_size > _MAX_NESTED_ZIP else archive.read(info)
                if data is None:
                    raise ValueError(f"larger than {_MAX_NESTED_ZIP // 2 ** 20} MB")
                inner = stack.enter_context(zipfile.ZipFile(io.BytesIO(data)))
            except Exception as err:  # a damaged archive is reported, never fatal
                report.problems.append(Problem("error", "unreadable", member,
                                               f"not a readable zip ({err})"))
                continue
            yield from _zip(inner, member, stack, report, depth + 1)
        else:
            report.ignored += 1


def _take(cand: _Candidate, out: Path, roster: dict[str, str], bank: set[str],
          max_bytes: int, report: CollectReport, seen: dict[str, list[bytes]]) -> str:
    """Read, check and write one candidate; return its status for the manifest."""
    try:
        data = cand.read(max_bytes)
    except Exception as err:  # I/O on an untrusted file or archive: report, carry on
        report.problems.append(Problem("error", "unreadable", cand.label,
                                       f"could not be read ({type(err).__name__}: {err})"))
        return "rejected"
    if data is None:
        report.problems.append(Problem("error", "too-large", cand.label,
                                       f"larger than the {max_bytes / 2 ** 20:g} MB limit for a "
                                       "sheet; not read (raise --max-sheet-mb if it is genuine)"))
        return "rejected"
    sheet, problems = parse_sheet(data, cand.label)
    report.problems.extend(problems)
    if sheet is None:
        return "rejected"
    owner = _owner(cand.names, sheet.student, roster)
    if owner is not None:
        if owner:
            report.problems.append(Problem(
                "error", "names-another-student", cand.label,
                f"handed in as {owner!r} but the sheet belongs to {sheet.student!r} "
                "(a copied sheet?); not collected", sheet.student))
        else:
            report.problems.append(Problem(
                "error", "name-mismatch", cand.label,
                f"the sheet belongs to {sheet.student!r} but neither the file nor its folder "
                f"says so (renamed or swapped?); not collected. If it is genuine, rename it to "
                f"{sheet.student}.json", sheet.student))
        return "rejected"
    unknown = sorted({a["id"] for a in sheet.attempts} - bank)
    if unknown:
        report.problems.append(Problem(
            "warning", "unknown-exercise", cand.label,
            f"attempts at {len(unknown)} exercise(s) not in the bank (ignored when grading): "
            + ", ".join(unknown[:5]) + (" …" if len(unknown) > 5 else ""), sheet.student))
    if roster and sheet.student not in roster:
        report.problems.append(Problem("warning", "not-on-roster", cand.label,
                                       "collected, but this student is not on the roster",
                                       sheet.student))
    return _store(sheet, out, report, seen)


def _mentions(part: str, student: str) -> bool:
    pattern = rf"(?<![A-Za-z0-9]){re.escape(student)}(?![A-Za-z0-9])"
    return re.search(pattern, part, re.IGNORECASE) is not None


def _letters(text: str) -> str:
    return "".join(ch for ch in text.casefold() if ch.isalpha())


def _named(part: str, roster: dict[str, str]) -> set[str]:
    """Roster students a file or folder name points at: by id, or by name as LMS exports
    write it ("Bo Chen_1234_assignsubmission_file_", "chenbo_1234_5678_s2.json")."""
    tokens = {_letters(t) for t in part.split("_")} - {""}
    found = set()
    for student, name in roster.items():
        words = [_letters(w) for w in name.split()]
        variants = {"".join(words), "".join(reversed(words))} - {""}
        if _mentions(part, student) or tokens & variants:
            found.add(student)
    return found


def _owner(parts: tuple[str, ...], student: str, roster: dict[str, str]) -> str | None:
    """Who handed the file in, if not ``student``: ``None`` when the path agrees with the
    sheet, another student's id when it names someone else, "" when it names nobody.

    Folders (the LMS's own labels, innermost first) decide first; then the file name.
    """
    *folders, stem = parts
    for folder in reversed(folders):
        named = _named(folder, roster) if roster else set()
        if student in named or _mentions(folder, student):
            return None
        if named:
            return sorted(named)[0]
    named = _named(stem, roster) if roster else set()
    others = sorted(named - {student})
    if others:
        return others[0]
    return None if _mentions(stem, student) else ""


def _digest(attempt: dict) -> bytes:
    return hashlib.sha1(json.dumps(attempt, sort_keys=True, ensure_ascii=False).encode()).digest()


def _store(sheet: Sheet, out: Path, report: CollectReport, seen: dict[str, list[bytes]]) -> str:
    """Write ``sheet``, or reconcile it with the copy of the same student already written
    (``seen`` keeps a digest of every attempt written, so a copy is compared without
    reading the earlier one back)."""
    target = out / f"{sheet.student}.json"
    new = [_digest(a) for a in sheet.attempts]
    old = seen.get(sheet.student)
    if old is None:
        report.collected[sheet.student] = [sheet.source]
        seen[sheet.student] = new
        atomic_write(target, sheet.to_json(), durable=False)
        return "collected"
    earlier = report.collected[sheet.student]
    earlier.append(sheet.source)
    first = earlier[0]
    if new == old or old[:len(new)] == new:
        what = "an identical copy" if new == old else "an older copy"
        report.problems.append(Problem("warning", "duplicate", sheet.source,
                                       f"{what} of the sheet from {first}; ignored", sheet.student))
        return "duplicate"
    if new[:len(old)] == old:
        report.problems.append(Problem("warning", "duplicate", sheet.source,
                                       f"a newer copy of the sheet from {first} "
                                       f"({len(new) - len(old)} more attempts); it replaces it",
                                       sheet.student))
        seen[sheet.student] = new
        atomic_write(target, sheet.to_json(), durable=False)
        return "replaced"
    kept = json.loads(target.read_text(encoding="utf-8"))["attempts"]
    known = set(old)
    merged = kept + [a for a, d in zip(sheet.attempts, new) if d not in known]
    merged.sort(key=lambda a: str(a.get("timestamp", "")))
    report.problems.append(Problem("warning", "merged", sheet.source,
                                   f"differs from the sheet from {first} (two computers?): "
                                   f"merged, {len(merged)} distinct attempts kept in time order",
                                   sheet.student))
    seen[sheet.student] = [_digest(a) for a in merged]
    atomic_write(target, Sheet(sheet.student, merged, target.name, "").to_json(), durable=False)
    return "merged"
