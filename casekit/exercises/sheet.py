"""The answer sheet: every checked answer of one student, in one JSON file.

The sheet is the unit of submission. It lives at
``<workbook folder>/answers/<student>.json``; the workbook folder is ``~/casekit-workbook``
unless ``CASEKIT_HOME`` says otherwise. Format (documented in ``exercises/README.md``)::

    {"format": "casekit-answer-sheet", "version": 1, "student": "s123",
     "attempts": [{"id": "crm.quiz-01", "answer": "B", "score": 1.0, "correct": true,
                   "points": 1.0, "attempt": 1, "timestamp": "2026-11-22T10:00:00Z",
                   "casekit": "0.1.0"}]}

Writes are atomic (a temporary file in the same folder, fsync, ``os.replace``) and
serialised by an exclusive lock on ``<student>.json.lock``, so two notebooks checking at
once lose nothing. A sheet that cannot be read is never overwritten: it is renamed to
``<student>.corrupt-<time>.json``, the student is told, and a new sheet starts.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import json
import math
import os
import tempfile
from pathlib import Path
from typing import Any

from casekit.exercises.sheetformat import (FORMAT, MAX_SHEET_BYTES, VERSION, check_student_id,
                                           parse_sheet, read_limited)

__all__ = ["FORMAT", "AnswerSheet", "CorruptSheetError", "json_safe", "read_sheet_bytes",
           "workbook_home"]

_MAX_TEXT = 20_000


class CorruptSheetError(ValueError):
    """An answer sheet that is not valid JSON or not in the sheet format."""


def workbook_home() -> Path:
    """The workbook folder: ``CASEKIT_HOME`` or ``~/casekit-workbook``."""
    env = os.environ.get("CASEKIT_HOME")
    return Path(env).expanduser() if env else Path.home() / "casekit-workbook"


def json_safe(value: Any, depth: int = 0) -> Any:
    """``value`` as plain JSON data: numpy/pandas objects unwrapped, NaN/inf as strings,
    long text cut, anything else as its (short) repr.

    >>> json_safe({"x": float("nan"), "y": (1, 2)})
    {'x': 'nan', 'y': [1, 2]}
    """
    if depth > 6:
        return repr(value)[:200]
    if value is None or isinstance(value, (bool, int)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, str):
        return value if len(value) <= _MAX_TEXT else value[:_MAX_TEXT] + " …[cut]"
    if hasattr(value, "to_dict") and hasattr(value, "columns"):  # DataFrame
        return {"columns": [str(c) for c in value.columns][:50],
                "index": [str(i) for i in value.index][:200],
                "data": json_safe(value.iloc[:200, :50].to_numpy().tolist(), depth + 1)}
    if hasattr(value, "tolist"):  # numpy scalars and arrays, pandas Series
        return json_safe(value.tolist(), depth + 1)
    if isinstance(value, dict):
        return {str(k)[:200]: json_safe(v, depth + 1) for k, v in list(value.items())[:500]}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = sorted(value, key=repr) if isinstance(value, (set, frozenset)) else value
        return [json_safe(v, depth + 1) for v in list(items)[:1000]]
    return repr(value)[:200]


@contextlib.contextmanager
def _locked(path: Path):
    """An exclusive inter-process lock held on ``path`` for the duration of the block."""
    with open(path, "a+b") as handle:
        if os.name == "nt":  # pragma: no cover - exercised on Windows only
            import msvcrt
            import time
            while True:
                try:
                    msvcrt.locking(handle.fileno(), msvcrt.LK_LOCK, 1)
                    break
                except OSError:
                    time.sleep(0.05)
            try:
                yield
            finally:
                handle.seek(0)
                msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)
        else:
            import fcntl
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def atomic_write(path: Path, data: bytes | str, *, durable: bool = True) -> None:
    """Write ``data`` (text as UTF-8) to ``path`` so that a reader sees the old or the new
    file, never half: a temporary file in the same folder, fsync, rename, fsync of the
    folder. ``durable=False`` skips the fsyncs (still atomic, but a power cut may lose it).
    """
    if isinstance(data, str):
        data = data.encode("utf-8")
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            if durable:
                out.flush()
                os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    if durable and os.name != "nt":
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def read_sheet_bytes(data: bytes | None, source: str = "sheet") -> dict:
    """A sheet's contents read with the one sheet reader
    (:func:`casekit.exercises.sheetformat.parse_sheet`); :class:`CorruptSheetError` if it is
    unusable or any attempt in it is (saving on top would lose that attempt), or if
    ``data`` is ``None`` (too large, see :func:`read_limited`).

    >>> read_sheet_bytes(b'{"format": "casekit-answer-sheet", "version": 1, "student": "s1", '
    ...                  b'"attempts": []}')["student"]
    's1'
    """
    if data is None:
        raise CorruptSheetError(f"larger than the {MAX_SHEET_BYTES // 2 ** 20} MB limit for a sheet")
    sheet, problems = parse_sheet(data, source)
    errors = [p.detail for p in problems if p.severity == "error"]
    if sheet is None or errors:
        raise CorruptSheetError("; ".join(errors) or "not usable")
    return {"format": FORMAT, "version": VERSION, "student": sheet.student,
            "attempts": sheet.attempts}


class AnswerSheet:
    """One student's answer sheet.

    >>> import tempfile, pathlib
    >>> sheet = AnswerSheet("s1", home=pathlib.Path(tempfile.mkdtemp()))
    >>> sheet.record({"id": "crm.quiz-01", "answer": "B", "score": 1.0, "correct": True})["attempt"]
    1
    >>> len(sheet.attempts("crm.quiz-01"))
    1
    """

    def __init__(self, student: str, home: Path | None = None):
        self.student = check_student_id(student)
        self.folder = (workbook_home() if home is None else Path(home)) / "answers"
        self.path = self.folder / f"{self.student}.json"
        self.notices: list[str] = []

    def __repr__(self):
        return f"AnswerSheet({self.student!r}, {len(self.attempts())} attempts)"

    def _new(self) -> dict:
        return {"format": FORMAT, "version": VERSION, "student": self.student, "attempts": []}

    def read(self) -> dict:
        """The sheet's contents (an empty sheet if none exists yet)."""
        if not self.path.exists():
            return self._new()
        with open(self.path, "rb") as handle:
            return read_sheet_bytes(read_limited(handle, MAX_SHEET_BYTES), self.path.name)

    def attempts(self, exercise_id: str | None = None) -> list[dict]:
        """All attempts, or those at one exercise; an unreadable sheet counts as empty."""
        try:
            attempts = self.read()["attempts"]
        except (CorruptSheetError, UnicodeDecodeError):
            return []
        return [a for a in attempts if exercise_id is None or a["id"] == exercise_id]

    def record(self, entry: dict) -> dict:
        """Append one attempt (numbered and timestamped here) and save atomically.

        If the sheet on disk is unreadable it is moved aside, never overwritten, and a
        notice is added to ``self.notices``.
        """
        self.folder.mkdir(parents=True, exist_ok=True)
        with _locked(self.path.with_name(self.path.name + ".lock")):
            try:
                data = self.read()
            except (CorruptSheetError, UnicodeDecodeError) as err:
                kept = self._set_aside()
                self.notices.append(f"Your answer sheet {self.path.name} could not be read "
                                    f"({err}). It was kept as {kept.name} for your instructor, "
                                    "and a new sheet was started.")
                data = self._new()
            previous = sum(1 for a in data["attempts"] if a["id"] == entry["id"])
            stamp = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
            full = {**json_safe(entry), "attempt": previous + 1,
                    "timestamp": stamp.replace("+00:00", "Z")}
            data["attempts"].append(full)
            atomic_write(self.path, json.dumps(data, ensure_ascii=False, indent=1,
                                                    allow_nan=False))
        return full

    def _set_aside(self) -> Path:
        stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
        kept = self.path.with_name(f"{self.student}.corrupt-{stamp}.json")
        os.replace(self.path, kept)
        return kept
