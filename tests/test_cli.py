"""The `casekit` command: help that teaches, a full cycle, one-line errors."""
import subprocess
import sys
import tomllib
import zipfile
from types import SimpleNamespace

import pytest

import casekit.exercises
from casekit.cli import main
from tests.test_grading import ROOT, all_right, attempt, course, n_customers, write_sheet  # noqa: F401
from tests.test_grading_outputs import problem_set

COMMANDS = ["release", "answers", "collect", "grade", "export", "feedback", "report", "status"]


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_help_lists_every_command_and_walks_through_a_cycle(capsys):
    code, out, _ = run(capsys, "--help")
    assert code == 0
    assert all(c in out for c in COMMANDS)
    assert "A grading cycle" in out and "never runs student code" in out
    for command in COMMANDS:
        code, out, _ = run(capsys, command, "--help")
        assert code == 0 and "example" in out, command
    assert run(capsys)[0] == 2


def test_the_command_is_installed_and_its_help_stays_light():
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts == {"casekit": "casekit.cli:main"}
    code = ("import sys; from casekit.cli import build_parser; build_parser().format_help(); "
            "print(sorted(m for m in ('pandas', 'numpy', 'matplotlib', 'nbformat') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=ROOT)
    assert out.stdout.strip() == "[]"


def test_a_full_cycle_on_three_students(course, capsys, monkeypatch):
    work = course
    problem_set(work / "99-test.ipynb")
    assert run(capsys, "release", work / "99-test.ipynb", "--out", work / "release")[0] == 0
    raw = work / "raw"
    for s in ("ann", "bo"):
        write_sheet(raw, s, all_right(s))
    write_sheet(raw, "cy", [attempt("test.numeric", "90", score=0.0), attempt("test.text", "Process.")])
    with zipfile.ZipFile(work / "export.zip", "w") as z:
        for p in raw.iterdir():
            z.write(p, f"submissions/{p.name}")
    (work / "roster.csv").write_text("Student ID,Name\nann,Ann\nbo,Bo\ncy,Cy\ndi,Di\n")
    code, out, _ = run(capsys, "collect", work / "export.zip", "--out", work / "sheets",
                       "--roster", work / "roster.csv")
    assert code == 0 and "Collected 3 sheet(s)" in out and "[di]" in out
    book = work / "course.sqlite"
    code, out, _ = run(capsys, "grade", work / "sheets", "--gradebook", book, "--roster",
                       work / "roster.csv", "--deadline", "2026-12-01T23:59+08:00",
                       "--late-penalty", "10%", "--jobs", "1")
    assert code == 0 and "Re-checked 3 sheet(s)" in out and "3 free-text answer(s) wait" in out
    assert run(capsys, "grade", "--gradebook", book, "--pending-csv", work / "mark.csv")[0] == 0
    text = (work / "mark.csv").read_text(encoding="utf-8-sig").replace("test.text,1.0,,", "test.text,1.0,1,")
    (work / "mark.csv").write_text(text, encoding="utf-8-sig")
    code, out, _ = run(capsys, "grade", "--gradebook", book, "--rubric-csv", work / "mark.csv")
    assert code == 0 and "Imported 3 mark(s)" in out
    assert run(capsys, "export", work / "grades.csv", "--gradebook", book)[0] == 0
    lines = (work / "grades.csv").read_text(encoding="utf-8-sig").splitlines()
    assert lines[1].startswith("ann,Ann,") and lines[1].endswith(",9,9")
    assert lines[3].startswith("cy,Cy,") and lines[3].endswith(",1,9")
    assert lines[4].endswith(",0,9")
    code, out, _ = run(capsys, "feedback", "--out", work / "feedback", "--gradebook", book, "--hide")
    assert code == 0 and "Wrote 4 feedback page(s)" in out
    assert run(capsys, "report", "--out", work / "report", "--gradebook", book)[0] == 0
    assert (work / "report" / "difficulty-discrimination.png").exists()
    code, out, _ = run(capsys, "status", "--gradebook", book)
    assert code == 0 and "4 student(s), 3 with a sheet" in out and "Integrity check: ok" in out
    code, out, _ = run(capsys, "answers", "bo", "--exercise", "test.computed")
    assert code == 0 and "test.computed*" in out and str(n_customers("bo")) in out


def test_answers_can_save_the_students_data(course, capsys, monkeypatch):
    pd = pytest.importorskip("pandas")
    monkeypatch.setattr(casekit.exercises, "_student_data", lambda s: SimpleNamespace(
        customers=pd.DataFrame({"customer": range(n_customers(s))}), seed=7))
    code, out, _ = run(capsys, "answers", "s1", "--chapter", "99", "--data", course / "s1-data")
    assert code == 0 and "customers.csv" in out
    assert len((course / "s1-data" / "customers.csv").read_text().splitlines()) == n_customers("s1") + 1


@pytest.mark.parametrize("argv, message", [
    (["grade", "no-such-folder"], "does not exist"),
    (["grade", "--deadline", "2026-12-01 23:59"], "time zone"),
    (["export", "grades.csv", "--gradebook", "missing.sqlite"], "run `casekit grade` first"),
    (["answers", "s1", "--exercise", "nope"], "no exercise 'nope'"),
    (["answers", "not a valid id!"], "student id"),
])
def test_bad_input_gives_one_line_and_exit_status_1(course, capsys, monkeypatch, argv, message):
    monkeypatch.chdir(course)
    code, out, err = run(capsys, *argv)
    assert code == 1 and message in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_usage_errors_explain_the_allowed_values(capsys):
    code, _, err = run(capsys, "grade", "--late-penalty", "150%")
    assert code == 2 and "between 0 and 1" in err
    code, _, err = run(capsys, "export", "x.csv", "--by", "week")
    assert code == 2 and "invalid choice" in err
