"""Helpers shared by the grading tools: argument checks, atomic files, safe CSV, safe
terminal text, progress.

>>> safe_cell("=1+1")
"'=1+1"
>>> print(printable("s1\u202egpj.json"))
s1\\u202egpj.json
"""
from __future__ import annotations

import csv
import io
import os
import sys
import time
import unicodedata
from pathlib import Path
from typing import Any, Iterable, Sequence

from casekit.exercises.sheet import atomic_write as _atomic_write

__all__ = ["Progress", "atomic_write", "check_choice", "check_path", "printable", "safe_cell",
           "write_csv"]

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
_LOOK_ALIKE_SCRIPTS = ("CYRILLIC", "GREEK", "ARMENIAN", "CHEROKEE", "COPTIC")


def check_path(name: str, value: Any, *, must_exist: bool = False, kind: str = "") -> Path:
    """``value`` as a :class:`~pathlib.Path`; TypeError if it is not a path, ValueError if
    ``must_exist`` and it does not exist (or is not a ``kind``: "file" or "folder").

    >>> check_path("out", "grades.csv")
    PosixPath('grades.csv')
    """
    if not isinstance(value, (str, os.PathLike)) or (isinstance(value, str) and not value.strip()):
        raise TypeError(f"{name} must be a file or folder path (str or pathlib.Path), "
                        f"got {value!r}")
    path = Path(value).expanduser()
    if must_exist and not path.exists():
        raise ValueError(f"{name}: {str(path)!r} does not exist.")
    if must_exist and kind == "file" and not path.is_file():
        raise ValueError(f"{name}: {str(path)!r} is not a file.")
    if must_exist and kind == "folder" and not path.is_dir():
        raise ValueError(f"{name}: {str(path)!r} is not a folder.")
    return path


def check_choice(name: str, value: Any, allowed: Sequence[str]) -> str:
    """``value`` if it is one of ``allowed``, else ValueError listing them.

    >>> check_choice("policy", "best", ["best", "last"])
    'best'
    """
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, allowed))}, got {value!r}.")
    return value


def atomic_write(path: Path, data: bytes | str, *, durable: bool = True) -> Path:
    """Write ``data`` (text is UTF-8) to ``path`` atomically: a temporary file in the same
    folder, fsync, rename. A reader sees the old file or the new one, never half.
    ``durable=False`` skips the fsync, for bulk copies that can be made again (the write
    stays atomic for readers and for a crash of this program).

    >>> import tempfile, pathlib
    >>> p = atomic_write(pathlib.Path(tempfile.mkdtemp()) / "a.txt", "hello")
    >>> p.read_text()
    'hello'
    """
    path = check_path("path", path)
    if not isinstance(data, (bytes, str)):
        raise TypeError(f"data must be bytes or str, got {type(data).__name__}")
    if not isinstance(durable, bool):
        raise TypeError(f"durable must be True or False, got {durable!r}")
    path.parent.mkdir(parents=True, exist_ok=True)
    _atomic_write(path, data, durable=durable)
    return path


def _escape(ch: str) -> str:
    code = ord(ch)
    if 0xDC80 <= code <= 0xDCFF:            # a byte of a file name that is not UTF-8
        return f"\\x{code - 0xDC00:02x}"
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def printable(text: Any) -> str:
    """``text`` safe to show in a terminal or a report: control, format (bidi, zero-width)
    and unusual space characters, bytes of a file name that is not UTF-8, and letters that
    only look Latin (Cyrillic or Greek inside a Latin word) are shown as escapes. Other
    letters of any script are kept.

    >>> print(printable("Ann\x1b[31m Lee"), printable("B\u043eb Chen"), printable("李安 Zoë"))
    Ann\\x1b[31m Lee B\\u043eb Chen 李安 Zoë
    """
    if not isinstance(text, str):
        text = str(text)
    if text.isascii() and text.isprintable():
        return text
    out = []
    for word in text.split(" "):
        latin = any(unicodedata.name(ch, "").startswith("LATIN") for ch in word if ch.isalpha())
        chars = []
        for ch in word:
            odd = unicodedata.category(ch)[0] in "CZ" or (
                latin and ch.isalpha() and unicodedata.name(ch, "").startswith(_LOOK_ALIKE_SCRIPTS))
            chars.append(_escape(ch) if odd else ch)
        out.append("".join(chars))
    return " ".join(out)


def safe_cell(value: Any) -> Any:
    """A CSV cell a spreadsheet shows as text, never runs: text starting with = + - @ (or a
    tab or carriage return, or their full-width forms, or any of them after leading
    spaces) gets a leading apostrophe. Numbers pass unchanged.

    >>> safe_cell("@SUM(A1)"), safe_cell(-2.5), safe_cell("s-1"), safe_cell(" ＝1+1")
    ("'@SUM(A1)", -2.5, 's-1', "' ＝1+1")
    """
    if isinstance(value, str) and not value.isascii():     # file-name bytes that are not UTF-8
        value = "".join(_escape(ch) if 0xDC80 <= ord(ch) <= 0xDCFF else ch for ch in value)
    if isinstance(value, str) and (value.startswith(_FORMULA_START)
                                   or value.lstrip().startswith(_FORMULA_START)):
        return "'" + value
    return value


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Path:
    """Write a CSV a spreadsheet opens cleanly: UTF-8 with a byte-order mark, CRLF line
    ends, every text cell passed through :func:`safe_cell`, written atomically.

    >>> import tempfile, pathlib
    >>> p = write_csv(pathlib.Path(tempfile.mkdtemp()) / "x.csv", ["Student ID"], [["=cmd"]])
    >>> p.read_bytes()
    b"\\xef\\xbb\\xbfStudent ID\\r\\n'=cmd\\r\\n"
    """
    if isinstance(header, str) or not all(isinstance(h, str) for h in header):
        raise TypeError("header must be a list of column names (str)")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow([safe_cell(c) for c in row])
    return atomic_write(path, "\ufeff" + buffer.getvalue())


class Progress:
    """A one-line progress bar on stderr, drawn only when stderr is a terminal.

    >>> with Progress(3, "grading") as bar:
    ...     for _ in range(3):
    ...         bar.advance()
    """

    def __init__(self, total: int, label: str, stream=None):
        if isinstance(total, bool) or not isinstance(total, int) or total < 0:
            raise ValueError(f"total must be a whole number ≥ 0, got {total!r}")
        if not isinstance(label, str):
            raise TypeError(f"label must be text, got {type(label).__name__}")
        self.total, self.label, self.done = total, label, 0
        self.stream = sys.stderr if stream is None else stream
        self.enabled = self.total > 0 and bool(getattr(self.stream, "isatty", lambda: False)())
        self._start = self._drawn = time.monotonic()

    def advance(self, n: int = 1) -> None:
        """Count ``n`` more items done; redraw at most ten times a second."""
        self.done += n
        now = time.monotonic()
        if self.enabled and (now - self._drawn >= 0.1 or self.done >= self.total):
            self._drawn = now
            self._draw(now)

    def _draw(self, now: float) -> None:
        share = min(self.done / self.total, 1.0)
        filled = int(share * 24)
        elapsed = now - self._start
        eta = elapsed / self.done * (self.total - self.done) if self.done else 0.0
        self.stream.write(f"\r{self.label} [{'#' * filled}{'.' * (24 - filled)}] "
                          f"{self.done}/{self.total} {share:4.0%} eta {eta:4.0f}s")
        self.stream.flush()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.enabled:
            self._draw(time.monotonic())
            self.stream.write("\n")
            self.stream.flush()
