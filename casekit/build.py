"""The student build of casekit: a wheel without the keys of the assessed exercises.

The instructor's casekit holds every key: the banks (correct options, answers, mistakes,
explanations, model answers, rubrics), the reference solutions (``casekit/solutions``) and
the grading tools (``casekit answers`` prints any student's expected answers). A student
who can read those files can read the keys. For a course with assessed exercises (a course
file, :mod:`casekit.hub.course`) :func:`build_student` writes a wheel of casekit in which

- the banks are packaged (``casekit/exercises/banks/bank.json``): **practice** exercises
  whole, **assessed** ones as forms only (:func:`casekit.exercises.types.form_of`: id,
  prompt, type, points, hints, option and item texts sorted, table rows and columns);
- the solution functions of assessed exercises are left out (a ``casekit/solutions``
  module no practice exercise uses is left out whole);
- the instructor's tools are left out: ``casekit/grading`` but its ``reference`` module
  (the grader, collect, feedback; ``casekit answers`` with the command line, on which
  ``casekit`` only says it is the student edition), the hub's service, store, key table
  and database grading, this builder.

In it, ``check()`` on an assessed exercise saves the answer and says "saved; checked after
the deadline" (on a hub it goes to the service, which holds the full package and checks
it as the course file says); the instructor's grader re-checks it as usual. Practice
exercises work as before, offline.

    python -m casekit.build --course course.toml --out dist/
    pip install dist/casekit-0.1.0+student-py3-none-any.whl      # in the students' image

``casekit release --assessed course.toml`` writes the same wheel beside the released
notebooks (the LMS path).
"""
from __future__ import annotations

import argparse
import ast
import base64
import hashlib
import io
import json
import os
import re
import shutil
import sys
import tempfile
import tomllib
import zipfile
from pathlib import Path

__all__ = ["build_student", "student_bank", "main"]

PACKAGE = Path(__file__).resolve().parent
#: The translation catalogs (casekit/locale/<lang>/): the bank ones are filtered for students
LOCALE_DIR = PACKAGE / "locale"
#: Left out of every student build (paths under ``casekit/``): the instructor's tools.
LEFT_OUT = ("hub/service.py", "hub/store.py", "hub/gradedb.py", "hub/keys.py", "build.py")
#: Of ``casekit/grading`` only these stay: the notebook's own key cache fingerprints and
#: packs keys with :mod:`casekit.grading.reference` (it computes nothing without solutions).
GRADING_KEPT = ("__init__.py", "reference.py")
_EPOCH = (2026, 1, 1, 0, 0, 0)
_STUDENT_CLI = '''"""The ``casekit`` command of the student edition: the instructor's tools are not in it."""
import sys


def main(argv=None) -> int:
    print("This is the student edition of casekit: the instructor's commands (release, "
          "collect, grade, answers, serve, ...) are not included. In a notebook: "
          "from casekit.exercises import start, show, check", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
'''


def student_bank(course, bank_folder=None) -> dict:
    """The banks as the student build ships them: ``{"assessed": [ids], "exercises": [...]}``
    with practice entries as written in the TOML banks and assessed ones as forms.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "course.toml"
    >>> _ = p.write_text('[[assessed]]\\nexercises = ["crm.quiz-01"]\\n')
    >>> doc = student_bank(p)
    >>> [e for e in doc["exercises"] if e["id"] == "crm.quiz-01"][0]["form_only"]
    True
    >>> any("correct" in o for e in doc["exercises"] if e["id"] == "crm.quiz-01" for o in e["options"])
    False
    """
    from casekit.exercises.bank import bank_dir, load_bank
    from casekit.exercises.types import form_of
    from casekit.hub.course import load_course

    folder = bank_dir() if bank_folder is None else Path(bank_folder)
    bank = load_bank(folder)
    loaded = load_course(course, bank)
    assessed = set(loaded.assessed(bank))
    entries = []
    for path in sorted(folder.glob("*.toml")):
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
        chapter = str(doc.get("chapter", path.stem.split("-")[0]))
        for entry in doc.get("exercise", []):
            if entry["id"] in assessed:
                entries.append({**form_of(bank[entry["id"]]), "form_only": True})
            else:
                entries.append({**entry, "chapter": chapter})
    return {"format": "casekit-student-bank", "assessed": sorted(assessed), "exercises": entries}


def _solutions_to_drop(bank: dict, assessed: set[str]) -> dict[str, set[str]]:
    """``{module: {function, ...}}`` of the solutions only assessed exercises use."""
    def paths(ex):
        found = [ex.solution] if ex.solution else []
        found += [m["solution"] for m in getattr(ex, "mistakes", ()) if "solution" in m]
        return found

    drop: dict[str, set[str]] = {}
    keep = {p for i, ex in bank.items() if i not in assessed for p in paths(ex)}
    for i in assessed:
        for path in paths(bank[i]):
            if path not in keep:
                module, _, name = path.partition(":")
                drop.setdefault(module, set()).add(name)
    return drop


def _strip_module(source: str, names: set[str], kept_users: set[str], where: str) -> str:
    """``source`` without the top-level functions ``names``; a kept function calling one of
    them stops the build (the practice exercise would break)."""
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    cut = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            if node.name in names:
                start = min([d.lineno for d in node.decorator_list] + [node.lineno])
                cut.append((start - 1, node.end_lineno, node.name))
            elif node.name in kept_users:
                used = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)} & names
                if used:
                    raise ValueError(f"{where}: practice solution {node.name} calls "
                                     f"{', '.join(sorted(used))}, which an assessed exercise "
                                     "uses: assess both, or move the shared code into a helper")
    for start, end, name in sorted(cut, reverse=True):
        lines[start:end] = [f"# ({name}: left out of the student build)\n"]
    return "".join(lines)


def _stage(course, bank_folder, into: Path) -> dict:
    from casekit.exercises.bank import BANKS, bank_dir, load_bank

    folder = bank_dir() if bank_folder is None else Path(bank_folder)
    doc = student_bank(course, folder)
    bank = load_bank(folder)
    assessed = set(doc["assessed"])
    target = into / "casekit"

    def ignore(directory, names):
        rel = Path(directory).relative_to(PACKAGE)
        return {n for n in names if n == "__pycache__" or n.endswith((".pyc", ".pyo"))
                or (rel / n).as_posix() in LEFT_OUT
                or (rel.as_posix() == "grading" and n not in GRADING_KEPT)
                or Path(directory) == BANKS      # the full banks: never
                or (n == "banks" and Path(directory).parent == LOCALE_DIR)}   # nor their catalogs

    shutil.copytree(PACKAGE, target, ignore=ignore)
    (target / "cli.py").write_text(_STUDENT_CLI, encoding="utf-8")
    banks = target / BANKS.relative_to(PACKAGE)
    banks.mkdir(exist_ok=True)
    (banks / "bank.json").write_text(json.dumps(doc, ensure_ascii=False, indent=1),
                                     encoding="utf-8")
    _student_catalogs(target, assessed)
    used_by_practice: dict[str, set[str]] = {}
    for i, ex in bank.items():
        if i not in assessed and ex.solution:
            module, _, name = ex.solution.partition(":")
            used_by_practice.setdefault(module, set()).add(name)
    dropped = []
    for module, names in sorted(_solutions_to_drop(bank, assessed).items()):
        if not module.startswith("casekit."):
            continue
        path = target.joinpath(*module.split(".")[1:]).with_suffix(".py")
        if not path.is_file():
            continue
        if module not in used_by_practice:
            path.unlink()
            dropped.append(f"{module} (whole module)")
        else:
            path.write_text(_strip_module(path.read_text(encoding="utf-8"), names,
                                          used_by_practice[module], module), encoding="utf-8")
            dropped.append(f"{module}: {', '.join(sorted(names))}")
    return {"assessed": sorted(assessed), "dropped": dropped}


def _form_context(eid: str, field: str) -> str | None:
    """The context under which an assessed exercise's form may carry a translated field:
    its prompt, hints and categories, and its options' and items' texts without their bank
    position (the form sorts them); None for what the form leaves out.

    >>> _form_context("x.q", "options.2.text"), _form_context("x.q", "explanation")
    ('x.q:options.text', None)
    """
    if field == "prompt" or field.startswith(("hints.", "categories.")):
        return f"{eid}:{field}"
    for pattern, unordered in ((r"options\.\d+\.text", "options.text"), (r"items\.\d+", "items"),
                               (r"items\.\d+\.text", "items.text")):
        if re.fullmatch(pattern, field):
            return f"{eid}:{unordered}"
    return None


def _student_catalogs(target: Path, assessed: set[str]) -> None:
    """The bank catalogs of every language, without what an assessed exercise's form
    leaves out (explanations, feedback, mistakes, model answers, rubrics) and without the
    bank order of its options and items."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import read_po, write_po

    for source in sorted(LOCALE_DIR.glob("*/banks/*.po")):
        lang = source.parent.parent.name
        with open(source, "rb") as handle:
            full = read_po(handle, locale=lang)
        kept = Catalog(locale=lang, domain=source.stem, fuzzy=False)
        for m in sorted((m for m in full if m.id), key=lambda m: (str(m.context), m.id)):
            eid, _, field = str(m.context).partition(":")
            context = m.context if eid not in assessed else _form_context(eid, field)
            if context is not None:
                kept.add(m.id, m.string, context=context)
        out = target / "locale" / lang / "banks" / source.name
        out.parent.mkdir(parents=True, exist_ok=True)
        with open(out, "wb") as handle:
            write_po(handle, kept, width=0, sort_output=True)


def _metadata(version: str) -> tuple[str, str]:
    project = tomllib.loads((PACKAGE.parent / "pyproject.toml").read_text(encoding="utf-8")) \
        if (PACKAGE.parent / "pyproject.toml").is_file() else {"project": {}}
    info = project["project"]
    lines = ["Metadata-Version: 2.1", "Name: casekit", f"Version: {version}",
             "Summary: CRM Casebook (student edition: no keys of assessed exercises)",
             f"Requires-Python: {info.get('requires-python', '>=3.11')}"]
    lines += [f"Requires-Dist: {d}" for d in info.get("dependencies", [])]
    return "\n".join(lines) + "\n", info.get("version", "0.1.0")


def build_student(course, out, *, bank_folder=None) -> Path:
    """Build the student wheel for the course file ``course`` into the folder ``out`` and
    return its path (``casekit-<version>+student-py3-none-any.whl``). The same course and
    sources give a byte-identical wheel. Written atomically (a temporary file renamed).

    Example: ``build_student("course.toml", "dist")``.
    """
    if not isinstance(course, (str, os.PathLike)) or not isinstance(out, (str, os.PathLike)):
        raise TypeError("course and out must be paths (the course file, the output folder)")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    _, base = _metadata("")
    version = f"{base}+student"
    metadata, _ = _metadata(version)
    dist_info = f"casekit-{version}.dist-info"
    wheel_name = f"casekit-{version}-py3-none-any.whl"
    with tempfile.TemporaryDirectory(prefix="casekit-student-") as tmp:
        info = _stage(course, bank_folder, Path(tmp))
        files = sorted(p for p in Path(tmp).rglob("*") if p.is_file())
        extra = {
            f"{dist_info}/METADATA": metadata,
            f"{dist_info}/WHEEL": "Wheel-Version: 1.0\nGenerator: casekit.build\n"
                                  "Root-Is-Purelib: true\nTag: py3-none-any\n",
            f"{dist_info}/entry_points.txt": "[console_scripts]\ncasekit = casekit.cli:main\n",
            f"{dist_info}/casekit_student.json": json.dumps(info, indent=1) + "\n",
        }
        buffer = io.BytesIO()
        record = []
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as whl:
            def add(name: str, data: bytes):
                entry = zipfile.ZipInfo(name, _EPOCH)
                entry.external_attr = 0o644 << 16
                entry.compress_type = zipfile.ZIP_DEFLATED
                whl.writestr(entry, data)
                digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
                record.append(f"{name},sha256={digest.decode()},{len(data)}")

            for path in files:
                add(path.relative_to(tmp).as_posix(), path.read_bytes())
            for name, text in extra.items():
                add(name, text.encode("utf-8"))
            record.append(f"{dist_info}/RECORD,,")
            entry = zipfile.ZipInfo(f"{dist_info}/RECORD", _EPOCH)
            entry.external_attr = 0o644 << 16
            whl.writestr(entry, "\n".join(record) + "\n", zipfile.ZIP_DEFLATED)
    target = out / wheel_name
    partial = out / (wheel_name + ".part")
    partial.write_bytes(buffer.getvalue())
    os.replace(partial, target)
    return target


def main(argv: list[str] | None = None) -> int:
    """``python -m casekit.build --course course.toml --out dist/``."""
    p = argparse.ArgumentParser(prog="python -m casekit.build", description=__doc__.split("\n\n")[0])
    p.add_argument("--course", required=True, metavar="FILE", help="the course file")
    p.add_argument("--out", required=True, metavar="DIR", help="folder for the wheel")
    args = p.parse_args(argv)
    from casekit.hub.course import CourseError

    try:
        path = build_student(args.course, args.out)
    except (CourseError, ValueError, OSError) as err:
        print(f"casekit build: {err}", file=sys.stderr)
        return 1
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
