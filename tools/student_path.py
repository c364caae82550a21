"""Apply the student-path changes to notebooks: idempotent, safe to run again and again.

    .venv/bin/python tools/student_path.py notebooks/02-loyalty.ipynb exercises/02-loyalty.ipynb
    .venv/bin/python tools/student_path.py --check notebooks/*.ipynb exercises/*.ipynb

Problem sets (``exercises/NN-*.ipynb``):

- the introduction says what the start cell of the student's copy asks for (``casekit
  release`` turns ``start("demo-student")`` into ``STUDENT_ID = ""`` + ``start(STUDENT_ID or
  input(...))``), not "replace demo-student";
- the start cell imports ``hint`` and ``progress`` too;
- a cell right after it sets every name a ``check("id", name)`` cell checks to ``...``, so
  that checking before computing says "not answered yet" instead of raising NameError
  (the student's copy keeps this cell; the solution cells assign the real values);
- the last cells show ``progress()``.

Chapters (``notebooks/NN-*.ipynb``): ``start("self-study")`` becomes ``start()``, which works
as the student id given in a problem set (else ``CASEKIT_STUDENT``, else "self-study"; the
instructor's "demo-student" is never remembered, so executed chapters stay "self-study").

Every notebook is then stored as JupyterLab stores it, so opening it in Lab and letting it
autosave leaves no diff: the kernelspec's display name is the installed kernel's ("Python 3
(ipykernel)"), whole numbers stored as floats (``195.0``) are written as JupyterLab's JSON
writes them (``195``), and the saved widget state is dropped (Lab does not save it back; a
reader without a kernel sees each exercise's static text/html rendering instead).

Run it after ``make execute`` (which rewrites the notebook): re-executing is needed only
when the cells changed (the script says so), and the normalisation must come last.
"""
from __future__ import annotations

import argparse
import ast
import json
import re
import sys
from pathlib import Path

INTRO = re.compile(r"First, say who you are:[^\n]*(?:\n(?!\n)[^\n]*)*")
NEW_INTRO = ('First, say who you are: in the next cell, type your student id between the quotes '
             'of `STUDENT_ID = ""` and run the cell (left empty, it asks for your id). Your '
             'answers then go to your own answer sheet, and the chapter notebooks work as you '
             'too. Stuck on a computed exercise? `hint("id")` shows its hints one at a time; '
             '`progress()` shows where you stand. (The instructor\'s copy in `exercises/`, '
             'with the solutions, runs as `"demo-student"`.)')
IMPORT = re.compile(r"^from casekit\.exercises import ([\w, ]+)$", re.MULTILINE)
CHECK = re.compile(r"""^\s*check\(\s*["']([^"'\n]+)["']\s*,\s*([A-Za-z_]\w*)\s*\)\s*$""", re.MULTILINE)
ANSWERS_ID, PROGRESS_MD_ID, PROGRESS_ID = "casekit-answers", "casekit-progress-md", "casekit-progress"
CHAPTER_START = re.compile(r"""^(?:session = )?start\((?:\s*["']self-study["']\s*)?\);?[ \t]*(#.*)?$""",
                           re.MULTILINE)
CHAPTER_NEW = 'start()   # as the student id you gave in a problem set, else "self-study"'
DISPLAY_NAME = "Python 3 (ipykernel)"


def _source(cell) -> str:
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def _cell(kind: str, cid: str, text: str) -> dict:
    cell = {"cell_type": kind, "id": cid, "metadata": {}, "source": text}
    if kind == "code":
        cell.update(execution_count=None, outputs=[])
    return cell


def _assigned(text: str) -> set[str]:
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return set()
    return {t.id for node in ast.walk(tree) if isinstance(node, ast.Assign)
            for t in node.targets if isinstance(t, ast.Name)}


def problem_set(nb: dict, name: str = "") -> bool:
    """Apply the problem-set changes; True if a cell's source changed."""
    cells, changed = nb["cells"], False
    for cell in cells:
        if cell["cell_type"] == "markdown" and INTRO.search(_source(cell)):
            new = INTRO.sub(lambda m: NEW_INTRO, _source(cell), count=1)
            if new != _source(cell):
                cell["source"], changed = new, True
            break
    start = next((i for i, c in enumerate(cells) if c["cell_type"] == "code"
                  and re.search(r"^\s*start\(", _source(c), re.MULTILINE)), None)
    if start is None:
        raise SystemExit("no start(...) cell: is this a problem set?")
    text = _source(cells[start])
    m = IMPORT.search(text)
    if m:
        names = sorted({n.strip() for n in m.group(1).split(",")} | {"hint", "progress"})
        new = text[:m.start()] + "from casekit.exercises import " + ", ".join(names) + text[m.end():]
        if new != text:
            cells[start]["source"], changed = new, True
    checked = []
    for cell in cells:
        if cell["cell_type"] == "code":
            checked += [m.group(2) for m in CHECK.finditer(_source(cell))]
    checked = [n for n in dict.fromkeys(checked) if n not in _assigned(_source(cells[start]))]
    if checked:
        body = ("# Your answers: each is ... (not answered yet) until you compute it in its part\n"
                "# below; checking one before that says so.\n"
                + "\n".join(f"{n} = ..." for n in checked))
        at = next((i for i, c in enumerate(cells) if c.get("id") == ANSWERS_ID), None)
        if at is None:
            cells.insert(start + 1, _cell("code", ANSWERS_ID, body))
            changed = True
        elif _source(cells[at]) != body:
            cells[at]["source"], changed = body, True
    chapter = re.match(r"\d+", name).group(0) if re.match(r"\d+", name) else None
    call = f'progress("{chapter}")' if chapter else "progress()"
    intro = ("## Where you stand\n\nYour progress in this problem set, and how grading counts "
             "your attempts (`progress()` shows every chapter):")
    at = next((i for i, c in enumerate(cells) if c.get("id") == PROGRESS_ID), None)
    if at is None:
        cells.append(_cell("markdown", PROGRESS_MD_ID, intro))
        cells.append(_cell("code", PROGRESS_ID, call))
        changed = True
    else:
        for cid, text in ((PROGRESS_ID, call), (PROGRESS_MD_ID, intro)):
            cell = next(c for c in cells if c.get("id") == cid)
            if _source(cell) != text:
                cell["source"], changed = text, True
    return changed


def chapter(nb: dict) -> bool:
    """Apply the chapter changes; True if a cell's source changed."""
    changed = False
    for cell in nb["cells"]:
        if cell["cell_type"] == "code" and CHAPTER_START.search(_source(cell)):
            new = CHAPTER_START.sub(lambda m: CHAPTER_NEW, _source(cell))
            changed |= new != _source(cell)
            cell["source"] = new
    return changed


def _ints(value):
    """JSON as JupyterLab writes it back: a whole float (195.0) is a number without '.0'."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2 ** 53:
        return int(value)
    if isinstance(value, dict):
        return {k: _ints(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_ints(v) for v in value]
    return value


def normalise(nb: dict) -> None:
    """Store ``nb`` as JupyterLab would save it (see the module docstring)."""
    nb["metadata"].pop("widgets", None)
    spec = nb["metadata"].get("kernelspec")
    if isinstance(spec, dict) and spec.get("name") == "python3":
        spec["display_name"] = DISPLAY_NAME
    nb.update(_ints({k: v for k, v in nb.items()}))


def process(path: Path, check: bool) -> tuple[bool, bool]:
    """(cells changed: re-execute, file changed)."""
    import nbformat

    original = path.read_text(encoding="utf-8")
    nb = json.loads(original)
    if nb.get("metadata", {}).get("casekit", {}).get("language", "en") != "en":
        cells_changed = False   # a translation: its cells come from the English (tools/i18n.py)
    elif path.parent.name == "exercises":
        cells_changed = problem_set(nb, path.name)
    elif path.parent.name == "notebooks":
        cells_changed = chapter(nb)
    else:
        raise SystemExit(f"{path}: not under exercises/ or notebooks/")
    normalise(nb)
    text = nbformat.writes(nbformat.from_dict(nb))
    if not text.endswith("\n"):
        text += "\n"
    if text != original and not check:
        path.write_text(text, encoding="utf-8")
    return cells_changed, text != original


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if a "
                        "notebook would change")
    args = parser.parse_args(argv)
    dirty, rerun = [], []
    for path in args.notebooks:
        cells_changed, file_changed = process(path, args.check)
        dirty += [path] * file_changed
        rerun += [path] * cells_changed
    for path in dirty:
        print(f"{'would change' if args.check else 'changed'} {path}")
    if rerun and not args.check:
        print("cells changed: re-execute, then run this again to normalise:\n"
              f"  make execute NB=\"{' '.join(map(str, rerun))}\"\n"
              f"  .venv/bin/python tools/student_path.py {' '.join(map(str, rerun))}")
    return 1 if args.check and dirty else 0


if __name__ == "__main__":
    sys.exit(main())
