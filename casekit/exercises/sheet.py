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
import itertools
import json
import math
import os
import tempfile
from pathlib import Path
from typing import Any

from casekit.exercises.sheetformat import (FORMAT, MAX_SHEET_BYTES, VERSION, check_student_id,
                                           parse_sheet, read_limited)
from casekit.i18n import _

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
    """``value`` as plain, bounded JSON data: numpy/pandas objects unwrapped, NaN/inf as
    strings, whole numbers too long for JSON as floats or a summary, long text and long
    lists cut (marked ``…[cut]``), anything else as its (short) repr. Never raises;
    plain JSON data within the bounds comes back unchanged.

    >>> json_safe({"x": float("nan"), "y": (1, 2)})
    {'x': 'nan', 'y': [1, 2]}
    >>> json_safe(10 ** 5000)
    '…[cut] a whole number of 5001 digits'
    """
    try:
        return _json_safe(value, depth)
    except Exception as err:   # an object whose repr, len or iteration raises
        return f"…[cut] a {type(value).__name__} that could not be read ({type(err).__name__})"


def _json_safe(value: Any, depth: int) -> Any:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        if abs(value) < 2 ** 63:
            return int(value)
        if value.bit_length() < 1000:
            return float(value)
        return f"…[cut] a whole number of {_digits(value)} digits"
    if isinstance(value, float):
        return float(value) if math.isfinite(value) else str(value)
    if isinstance(value, str):
        text = str(value) if len(value) <= _MAX_TEXT else value[:_MAX_TEXT] + " …[cut]"
        # a lone surrogate (from a broken paste) cannot be written as UTF-8
        return text if text.isascii() else text.encode("utf-8", "replace").decode("utf-8")
    if depth > 6:
        return f"…[cut] a {type(value).__name__} nested too deep"
    if hasattr(value, "to_dict") and hasattr(value, "columns"):  # DataFrame
        return {"columns": [str(c)[:200] for c in value.columns][:50],
                "index": [str(i)[:200] for i in value.index][:200],
                "data": _json_safe(value.iloc[:200, :50].to_numpy().tolist(), depth + 1)}
    if hasattr(value, "tolist") and not isinstance(value, (list, tuple, dict)):
        return _json_safe(value.tolist(), depth + 1)    # numpy scalars and arrays, pandas Series
    if isinstance(value, dict):
        out = {str(k)[:200]: _json_safe(v, depth + 1)
               for k, v in itertools.islice(value.items(), 500)}
        if len(value) > 500:
            out["…[cut]"] = f"{len(value) - 500} more entries"
        return out
    if isinstance(value, (list, tuple, set, frozenset)):
        items = list(itertools.islice(value, 1000))
        if isinstance(value, (set, frozenset)):
            items.sort(key=repr)
        out = [_json_safe(v, depth + 1) for v in items]
        if len(value) > 1000:
            out.append(f"…[cut] {len(value) - 1000} more values")
        return out
    if isinstance(value, (bytes, bytearray)):
        return repr(bytes(value[:200])) + (" …[cut]" if len(value) > 200 else "")
    return repr(value)[:200]


def _digits(n: int) -> int:
    """The number of decimal digits of ``n`` (without ``str``, which refuses huge ints)."""
    n = abs(n)
    digits = max(1, int(n.bit_length() * 0.30102999566398120))
    return digits + (n >= 10 ** digits)


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

        Each field of ``entry`` is stored as :func:`json_safe` makes it (an answer already
        in its exercise's stored form is kept exactly). If the sheet on disk is unreadable
        it is moved aside, never overwritten, and a notice is added to ``self.notices``.
        A write that fails (disk full, read-only folder) raises OSError and leaves the
        previous sheet as it was.
        """
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
            raise TypeError("entry must be a dict with an exercise 'id' (str), got "
                            f"{type(entry).__name__}")
        self.folder.mkdir(parents=True, exist_ok=True)
        with _locked(self.path.with_name(self.path.name + ".lock")):
            try:
                data = self.read()
            except (CorruptSheetError, UnicodeDecodeError) as err:
                kept = self._set_aside()
                self.notices.append(_("Your answer sheet {file} could not be read ({error}). It "
                                      "was kept as {kept} for your instructor, and a new sheet "
                                      "was started.").format(file=self.path.name, error=err,
                                                             kept=kept.name))
                data = self._new()
            previous = sum(1 for a in data["attempts"] if a["id"] == entry["id"])
            stamp = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
            full = {**{str(k): json_safe(v) for k, v in entry.items()}, "attempt": previous + 1,
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
