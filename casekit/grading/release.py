"""The student edition of a problem-set notebook.

A problem set (``exercises/NN-chapter.ipynb``) is written by the instructor with the
reference solutions in it: code cells tagged ``solution``. :func:`release` writes a copy
for students in which

- every ``solution`` cell is replaced by a placeholder: ``# your code here``, then
  ``name = ...`` for each variable it defined that later cells use (e.g. the value a
  ``check("id", name)`` cell checks), else ``...``; a ``check("id", …)`` call it made is
  kept as a comment, so the student knows which exercise the cell answers;
- every output and every saved widget state is cleared (they would show the answers);
- the exercise widgets (``show("id")`` cells) and all other cells are kept as they are;
- the cell that calls ``start(...)`` asks for the student id — typed once into the
  ``STUDENT_ID`` line, or at an ``input()`` prompt while it is still empty. A notebook
  without such a cell gets one before its first code cell.

Releasing is idempotent (the same sources give byte-identical notebooks) and never
writes to the sources. Example::

    release(["exercises/00-what-is-crm.ipynb"], "release")
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

from casekit.grading.common import atomic_write, check_path

__all__ = ["ReleaseResult", "release"]

TAG = "solution"
_START_CALL = re.compile(r"^([ \t]*)start\(.*\)[ \t]*(#.*)?$", re.MULTILINE)
_LANG = re.compile(r"""\blang\s*=\s*["']([A-Za-z_-]+)["']""")


def _asking(lang: str) -> tuple[str, str]:
    """The two lines that ask for the student id, in the notebook's language: the
    ``STUDENT_ID`` line and the ``start`` call (keeping ``lang=`` of a translated edition).

    >>> _asking("en")[1]
    'start(STUDENT_ID or input("Your student id: "))'
    """
    from casekit.i18n import _, speaking

    with speaking(lang):
        note = _('type your student id between the quotes (e.g. "s2026-017") and run')
        prompt = _("Your student id: ")
    keep = "" if lang == "en" else f', lang="{lang}"'
    return f'STUDENT_ID = ""   # {note}', f'start(STUDENT_ID or input("{prompt}"){keep})'


def _start_cell(lang: str) -> str:
    return "from casekit.exercises import check, my_retailer, show, start\n\n" + "\n".join(_asking(lang))
_CHECK_CALL = re.compile(r"""\bcheck\(\s*(["'])([^"'\n]+)\1""")
_REFERENCED = re.compile(r"""\b(?:show|check|get)\(\s*(["'])([^"'\n]+)\1""")


@dataclass
class ReleaseResult:
    """One released notebook: where it went, how many solution cells were replaced, and
    warnings (e.g. exercise ids the bank does not know)."""

    source: Path
    path: Path
    replaced: int
    warnings: list[str] = field(default_factory=list)


def _assigned(source: str) -> list[str]:
    """Names a cell assigns at its top level, in order (none if it is not plain Python)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    names = []
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else \
            [node.target] if isinstance(node, (ast.AnnAssign, ast.AugAssign)) else []
        for target in targets:
            elts = target.elts if isinstance(target, ast.Tuple) else [target]
            names += [t.id for t in elts if isinstance(t, ast.Name)]
    return list(dict.fromkeys(names))


def _used(sources: list[str]) -> set[str]:
    """Every variable name read in these cells (cells that are not plain Python are skipped)."""
    names = set()
    for source in sources:
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        names |= {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    return names


def _placeholder(cell, elsewhere: set[str]) -> str:
    """What replaces a solution cell; ``elsewhere`` are the names the other cells use."""
    if cell.cell_type != "code":
        return "*Write your answer here.*" if cell.cell_type == "markdown" else ""
    needed = [n for n in _assigned(cell.source) if n in elsewhere]
    lines = ["# your code here"] + ([f"{n} = ..." for n in needed] or ["..."])
    checks = [m.group(2) for m in _CHECK_CALL.finditer(cell.source)]
    lines += [f'# then check it: check("{i}", your_answer)' for i in dict.fromkeys(checks)]
    return "\n".join(lines)


def release(sources, out) -> list[ReleaseResult]:
    """Write the student edition of each notebook in ``sources`` to the folder ``out``
    (same file names); return what was done for each."""
    import nbformat

    from casekit.exercises.bank import load_bank

    if isinstance(sources, (str, Path)):
        sources = [sources]
    if not isinstance(sources, (list, tuple)) or not sources:
        raise TypeError("sources must be a list of problem-set notebooks (.ipynb)")
    paths = [check_path("sources", s, must_exist=True, kind="file") for s in sources]
    out = check_path("out", out)
    for p in paths:
        if p.suffix != ".ipynb":
            raise ValueError(f"sources: {str(p)!r} is not a notebook (.ipynb).")
        if (out / p.name).resolve() == p.resolve():
            raise ValueError(f"out {str(out)!r} would overwrite the source {p.name}: "
                             "release into another folder.")
    names = [p.name for p in paths]
    if len(set(names)) != len(names):
        raise ValueError(f"sources: two notebooks share a file name ({names}); release them "
                         "into separate folders.")
    bank = set(load_bank())
    results = []
    for path in paths:
        try:
            nb = nbformat.read(path, as_version=4)
        except Exception as err:  # nbformat raises several unrelated types on bad files
            raise ValueError(f"sources: {path} is not a readable notebook ({err}).") from None
        result = ReleaseResult(path, out / path.name, 0)
        started = False
        # a translated edition (tools/i18n.py) asks for the id in its own language
        lang = nb.metadata.get("casekit", {}).get("language", "en")
        call = next((m for c in nb.cells if c.cell_type == "code"
                     for m in [_LANG.search(c.source)] if m and _START_CALL.search(c.source)), None)
        lang = call.group(1) if call else lang
        elsewhere = _used([c.source for c in nb.cells if c.cell_type == "code"
                           and TAG not in c.get("metadata", {}).get("tags", [])])
        for cell in nb.cells:
            tags = cell.get("metadata", {}).get("tags", [])
            if TAG in tags:
                cell.source = _placeholder(cell, elsewhere)
                cell.metadata["tags"] = [t for t in tags if t != TAG]
                cell.pop("attachments", None)
                result.replaced += 1
            if cell.cell_type == "code":
                cell.outputs, cell.execution_count = [], None
                cell.metadata.pop("execution", None)
                if not started and _START_CALL.search(cell.source):
                    cell.source = _START_CALL.sub(
                        lambda m: "\n".join(m.group(1) + line for line in _asking(lang)),
                        cell.source, count=1)
                    started = True
            unknown = sorted({m.group(2) for m in _REFERENCED.finditer(cell.source)} - bank)
            result.warnings += [f"{path.name}: exercise {i!r} is not in the bank" for i in unknown]
        if not started:
            first = next((i for i, c in enumerate(nb.cells) if c.cell_type == "code"), len(nb.cells))
            cell = nbformat.v4.new_code_cell(_start_cell(lang))
            cell.id = "casekit-start"
            nb.cells.insert(first, cell)
        if not result.replaced:
            result.warnings.append(f"{path.name}: no cell is tagged {TAG!r}; nothing was hidden")
        nb.metadata.pop("widgets", None)
        atomic_write(result.path, nbformat.writes(nb))
        results.append(result)
    return results
