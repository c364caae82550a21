"""The classroom image's build script (postBuild, which repo2docker runs after installing
environment.yml) on an assessed course: run here in a copy of the repository with a fresh
virtual environment standing in for the image's, as repo2docker would (no container runtime
is needed to test the script itself).

An assessed course's image must hold the student build (no keys, no grader), the released
problem sets in both languages, and none of the key-holding sources.
"""
import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from tests.test_student_build import COURSE     # chapter 06 assessed, feedback "saved"

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_postbuild_makes_the_student_image_of_an_assessed_course(tmp_path):
    repo, venv = tmp_path / "repo", tmp_path / "venv"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(repo)], check=True, timeout=300)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    python = venv / "bin" / "python"
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               capture_output=True, text=True, check=True).stdout.strip())
    # the libraries from the project's environment (what environment.yml installs in the image)
    (site / "zz-libraries.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("CASEKIT_")},
           "PATH": f"{venv / 'bin'}:{os.environ['PATH']}", "COURSE": "course.toml",
           "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-deps", "-e", str(repo)],
                   check=True, timeout=600, env=env)
    (repo / "course.toml").write_text(COURSE)
    run = subprocess.run(["bash", "postBuild"], cwd=repo, env=env, capture_output=True, text=True,
                         timeout=900)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-3000:]
    for gone in ("casekit", "tests", "benchmarks", "locale", ".git"):
        assert not (repo / gone).exists(), f"{gone}/ is still in the image"
    probe = ("import importlib.metadata as m, importlib.util as u; "
             "print(m.version('casekit'), u.find_spec('casekit.grading.grade') is None)")
    installed = subprocess.run([str(python), "-c", probe], cwd=tmp_path, capture_output=True,
                               text=True, env=env, timeout=120)
    version, no_grader = (installed.stdout.split() + ["", ""])[:2]
    assert version.endswith("+student") and no_grader == "True", installed.stdout + installed.stderr
    for folder, start in (("exercises", 'input("Your student id: "))'),
                          ("zh/exercises", 'input("你的学号："), lang="zh")')):
        nb = json.loads((repo / folder / "06-service-team.ipynb").read_text(encoding="utf-8"))
        code = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]
        assert any(start in c for c in code), f"{folder}: not the released edition"
        assert not any(c.get("outputs") for c in nb["cells"] if c["cell_type"] == "code")
        assert not any("solution" in c["metadata"].get("tags", []) for c in nb["cells"])
