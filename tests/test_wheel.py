"""``pip install .`` (not editable) gives a casekit that works away from the checkout: the
datasets and the banks travel inside the wheel as package data.

The wheel is built from a copy of the sources (no build files left in the checkout). The
fresh venv borrows the project venv's installed dependencies through a ``.pth`` file
(nothing is downloaded for it); building the wheel needs setuptools and wheel from the
package index or pip's cache.
"""
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("wheel")
    src = tmp / "src"
    shutil.copytree(ROOT / "casekit", src / "casekit",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp / "dist"),
                    str(src)], check=True, capture_output=True, text=True, timeout=600)
    [wheel] = (tmp / "dist").glob("casekit-*.whl")
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    # the dependencies, not the checkout: the project's editable casekit is not on this path
    Path(purelib, "casekit_test_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)],
                   check=True, timeout=300)
    return venv, tmp


def test_a_fixed_answer_exercise_is_checked_from_the_installed_package(installed):
    venv, tmp = installed
    code = ("import casekit, casekit.exercises as e\n"
            "from casekit.data import load\n"
            "print(casekit.__file__)\n"
            "print(e.bank_dir())\n"
            "e.start('s2026-001')\n"
            "print(e.check('crm.quiz-01', 'Reactive').correct, e.check('crm.quiz-01', 'Basic').correct)\n"
            "print(load('cdnow').shape)\n"
            "e.start(lang='zh')\n"      # the catalogs ship with the package
            "print(e.check('crm.quiz-01', 'Accountable').message.splitlines()[0][:12])\n")
    out = subprocess.run([str(venv / "bin" / "python"), "-c", code], cwd=tmp, capture_output=True,
                         text=True, env={"CASEKIT_HOME": str(tmp / "home"), "PATH": "/usr/bin:/bin"},
                         timeout=300)
    assert out.returncode == 0, out.stderr
    module, banks, verdicts, shape, chinese = out.stdout.splitlines()
    assert module.startswith(str(venv)) and banks.startswith(str(venv))
    assert verdicts == "True False" and shape == "(6919, 5)"
    assert chinese.startswith("✗ 还不对"), chinese
    assert list((tmp / "home").rglob("s2026-001.json")), "the check was not saved to a sheet"


def test_the_casekit_command_is_installed(installed):
    venv, tmp = installed
    out = subprocess.run([str(venv / "bin" / "casekit"), "--help"], cwd=tmp, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("usage: casekit")
