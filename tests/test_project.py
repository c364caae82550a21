"""Promises a new user relies on: one dependency list, a cheap import, notebooks stored
as a clean top-to-bottom run, and CI running the README's test command."""
import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb")) + sorted((ROOT / "exercises").glob("*.ipynb")) \
    + sorted((ROOT / "zh").glob("*/*.ipynb"))     # the Chinese edition too


def _requirement(spec: str) -> tuple[str, str]:
    name, _, bound = re.match(r"^([A-Za-z0-9_.\-]+)\s*(>=\s*([0-9][^,;\s]*))?", spec.strip()).groups()
    return name.lower().replace("_", "-"), bound.replace(" ", "") if bound else ""


def test_environment_yml_lists_the_same_dependencies_as_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = dict(map(_requirement, project["dependencies"] + project["optional-dependencies"]["dev"]))
    wanted["python"] = project["requires-python"].removeprefix(">=")
    conda = {}
    text = (ROOT / "environment.yml").read_text()
    for line in text.split("\ndependencies:", 1)[1].splitlines():
        # conda's own entries, and the pip section's for what conda-forge lacks (mplfonts)
        m = re.match(r"^  - ([A-Za-z].*)$", line) or re.match(r"^      - ([A-Za-z][^#]*)", line)
        if m and not m.group(1).startswith("pip"):
            conda.update([_requirement(m.group(1))])
    assert conda == wanted, ("environment.yml and pyproject.toml disagree; "
                             f"only in pyproject: {set(wanted.items()) - set(conda.items())}, "
                             f"only in environment.yml: {set(conda.items()) - set(wanted.items())}")


def test_import_casekit_is_cheap():
    code = ("import sys, time; t = time.perf_counter(); import casekit; "
            "print(round(time.perf_counter() - t, 4)); "
            "print(sorted(m for m in ('pandas', 'numpy', 'seaborn', 'matplotlib', 'ipywidgets', "
            "'statsmodels', 'scipy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    seconds, heavy = out.stdout.splitlines()
    assert heavy == "[]", f"import casekit pulled in {heavy}"
    assert float(seconds) < 0.5


def test_every_submodule_is_a_lazy_attribute():
    on_disk = {p.stem for p in (ROOT / "casekit").glob("*.py") if p.stem != "__init__"} | {
        p.parent.name for p in (ROOT / "casekit").glob("*/__init__.py")}
    code = ("import sys, casekit; "
            "print(sorted(m for m in sys.modules if m.startswith('casekit.'))); "
            "print(sorted(casekit._SUBMODULES)); "
            "print(sorted(n for n in casekit._SUBMODULES "
            "             if getattr(casekit, n).__name__ != 'casekit.' + n)); "
            "print(set(casekit._SUBMODULES) <= set(dir(casekit)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=ROOT)
    loaded_by_import, listed, wrong, in_dir = out.stdout.splitlines()
    assert loaded_by_import == "[]", f"import casekit loaded {loaded_by_import}"
    assert listed == str(sorted(on_disk))
    assert wrong == "[]" and in_dir == "True"
    import casekit
    with pytest.raises(AttributeError, match="no attribute 'nonesuch'"):
        casekit.nonesuch


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    assert "make lab" in readme and "make test" in readme
    assert re.search(r"^make test$", (ROOT / ".ci" / "run").read_text(), re.M)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[str(p.relative_to(ROOT)) for p in NOTEBOOKS])
def test_notebooks_are_stored_as_a_clean_top_to_bottom_run(path):
    nb = json.loads(path.read_text())
    code = [c for c in nb["cells"] if c["cell_type"] == "code" and "".join(c["source"]).strip()]
    counts = [c["execution_count"] for c in code]
    assert counts == list(range(1, len(code) + 1)), "re-run it top to bottom: make execute"
    for cell in code:
        for out in cell["outputs"]:
            assert out["output_type"] != "error", f"error stored in {path.name}: {out.get('ename')}"
            assert not (out["output_type"] == "stream" and out["name"] == "stderr"), \
                f"warning/stderr stored in {path.name}: {''.join(out['text'])[:300]}"
    tags = {t for c in nb["cells"] for t in c.get("metadata", {}).get("tags", [])}
    assert "nbval-skip" not in tags, "nothing is skipped: every cell runs under nbval"
