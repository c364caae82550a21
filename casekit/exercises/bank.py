"""The exercise bank: one TOML file per chapter in :data:`BANKS`, read into exercises.

The banks ship inside the package (``casekit/exercises/banks/``); ``CASEKIT_EXERCISES``
points elsewhere. The file format is documented in ``exercises/README.md``. A malformed
entry raises :class:`BankError` naming the file, the exercise and the field, so an author
sees at once what to fix.
"""
from __future__ import annotations

import os
import tomllib
from dataclasses import fields
from pathlib import Path

from casekit.exercises.types import TYPES, Exercise

__all__ = ["BANKS", "BankError", "bank_dir", "load_bank"]

#: The folder of the chapter banks (``NN-chapter.toml``), package data of casekit.
BANKS = Path(__file__).resolve().parent / "banks"

_REQUIRED = {
    "numeric": [], "single": ["options"], "multiple": ["options"],
    "matching": ["categories", "items"], "ordering": ["items"],
    "table": ["rows", "columns"], "text": ["model_answer", "rubric"],
}


class BankError(ValueError):
    """An exercise bank file that does not follow the format."""


def bank_dir() -> Path:
    """The folder holding the chapter banks: ``CASEKIT_EXERCISES`` if set, else :data:`BANKS`.

    >>> sorted(p.name for p in bank_dir().glob("00-*.toml"))
    ['00-what-is-crm.toml']
    """
    env = os.environ.get("CASEKIT_EXERCISES")
    return Path(env) if env else BANKS


def load_bank(folder: Path | None = None) -> dict[str, Exercise]:
    """Every exercise of every ``*.toml`` bank in ``folder``, by id, in file order.

    >>> bank = load_bank()
    >>> all(isinstance(ex, Exercise) for ex in bank.values())
    True
    """
    folder = bank_dir() if folder is None else Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"No exercise folder at {folder}: point CASEKIT_EXERCISES at a "
                                "folder of banks (NN-chapter.toml), or unset it for casekit's own.")
    bank: dict[str, Exercise] = {}
    for path in sorted(folder.glob("*.toml")):
        for ex in _read_file(path):
            if ex.id in bank:
                raise BankError(f"{path.name}: exercise id {ex.id!r} is used twice.")
            bank[ex.id] = ex
    return bank


def _read_file(path: Path) -> list[Exercise]:
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as err:
        raise BankError(f"{path.name}: not valid TOML ({err}).") from None
    chapter = str(doc.get("chapter", path.stem.split("-")[0]))
    return [_build(entry, chapter, f"{path.name}, exercise {n + 1}")
            for n, entry in enumerate(doc.get("exercise", []))]


def _build(entry: dict, chapter: str, where: str) -> Exercise:
    def fail(msg):
        raise BankError(f"{where} ({entry.get('id', 'no id')}): {msg}")

    kind = entry.get("type")
    if kind not in TYPES:
        fail(f"type must be one of {', '.join(TYPES)}, got {kind!r}.")
    for key in ("id", "prompt"):
        if not isinstance(entry.get(key), str) or not entry[key].strip():
            fail(f"{key!r} is required and must be a non-empty string.")
    cls = TYPES[kind]
    allowed = {f.name for f in fields(cls)} | {"type"}
    unknown = set(entry) - allowed
    if unknown:
        fail(f"unknown field(s) {sorted(unknown)}; allowed: {sorted(allowed - {'kind'})}.")
    for key in _REQUIRED[kind]:
        if not entry.get(key):
            fail(f"a {kind} exercise needs {key!r}.")
    values = {k: v for k, v in entry.items() if k != "type"}
    for key in ("hints", "options", "categories", "rows", "columns", "rubric", "mistakes"):
        if key in values:
            values[key] = tuple(values[key])
    if "items" in values:
        values["items"] = tuple(values["items"])
    if kind == "table" and "answer" in values:
        values["answer"] = tuple(tuple(float(x) for x in row) for row in values["answer"])
    ex = cls(chapter=chapter, **values)
    _validate(ex, fail)
    return ex


def _validate(ex: Exercise, fail) -> None:
    if ex.points <= 0 or ex.reveal_after < 1:
        fail("points must be > 0 and reveal_after ≥ 1.")
    if ex.term and not {"en", "zh"} >= set(ex.term):
        fail("term takes the keys 'en' and 'zh'.")
    if ex.solution and ":" not in ex.solution:
        fail("solution must look like 'package.module:function'.")
    kind = ex.kind
    if ex.solution and kind not in ("numeric", "table"):
        fail("only numeric and table exercises can be computed (have a 'solution').")
    if kind in ("single", "multiple"):
        right = [o for o in ex.options if o.get("correct")]
        if any(not isinstance(o.get("text"), str) for o in ex.options):
            fail("every option needs a 'text'.")
        texts = [o["text"].strip().casefold() for o in ex.options]
        if len(set(texts)) != len(texts):
            fail("option texts must differ: an answer sheet stores the chosen option's text.")
        if not right or (kind == "single" and len(right) != 1):
            fail("a single-choice exercise needs exactly one correct option; "
                 "a multiple-choice one at least one.")
    if kind == "numeric" and ex.answer is None and not ex.solution:
        fail("a numeric exercise needs 'answer' or 'solution'.")
    if kind == "numeric":
        for m in ex.mistakes:
            if "message" not in m or ("value" in m) == ("solution" in m):
                fail("each mistake needs a 'message' and either 'value' or 'solution'.")
    if kind == "matching":
        for it in ex.items:
            if it.get("answer") not in ex.categories:
                fail(f"item {it.get('text')!r} has answer {it.get('answer')!r}, "
                     f"not one of the categories {list(ex.categories)}.")
    if kind == "ordering" and len(set(ex.items)) != len(ex.items):
        fail("ordering items must be distinct.")
    if kind == "table":
        if ex.answer is None and not ex.solution:
            fail("a table exercise needs 'answer' or 'solution'.")
        if ex.answer is not None and (len(ex.answer) != len(ex.rows)
                                      or any(len(r) != len(ex.columns) for r in ex.answer)):
            fail(f"answer must be {len(ex.rows)} rows × {len(ex.columns)} columns.")
