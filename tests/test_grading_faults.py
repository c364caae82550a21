"""Bad input and crashes: every fault is reported, the rest is graded, the gradebook stays valid."""
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

import casekit.exercises
from casekit.grading import grade as g
from casekit.grading.collect import collect
from casekit.grading.gradebook import Gradebook
from tests.test_grading import (ROOT, TEST_BANK, all_right, course, fake_data,  # noqa: F401
                                scores, sheet_text, write_sheet)

HEADER = {"format": "casekit-answer-sheet", "version": 1}


def integrity(path):
    with sqlite3.connect(path) as conn:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]


BROKEN = {  # student -> (file bytes, problem reported)
    "cut": (sheet_text("cut", all_right("cut"))[:300].encode(), "unreadable"),
    "nojson": (b"{this is not json", "unreadable"),
    "binary": (b"\xff\xfe\x00\x01garbage", "unreadable"),
    "deep": (b"[" * 100_000, "unreadable"),
    "nested": (json.dumps({**HEADER, "student": "nested", "attempts": [
        {"id": "test.numeric", "answer": json.loads("[" * 900 + "]" * 900)}]}).encode(), "too-deep"),
    "format": (json.dumps({**HEADER, "format": 1, "student": "format", "attempts": []}).encode(),
               "not-a-sheet"),
    "version": (json.dumps({**HEADER, "version": "1", "student": "version", "attempts": []}).encode(),
                "bad-version"),
    "student": (json.dumps({**HEADER, "student": 42, "attempts": []}).encode(), "bad-student"),
    "attempts": (json.dumps({**HEADER, "student": "attempts", "attempts": {}}).encode(),
                 "bad-attempts"),
}


def test_unreadable_or_malformed_sheets_are_reported_and_the_others_graded(course):
    folder = course / "sheets"
    write_sheet(folder, "good", all_right("good"))
    for student, (data, _) in BROKEN.items():
        (folder / f"{student}.json").write_bytes(data)
    summary = g.grade(folder, course / "gb.sqlite")
    reported = {p.source: p.problem for p in summary.problems}
    assert reported == {f"{s}.json": problem for s, (_, problem) in BROKEN.items()}
    assert list(scores(course / "gb.sqlite")) == ["good"]
    assert integrity(course / "gb.sqlite") == "ok"
    report = collect([folder], course / "collected")
    assert {p.source.split("/")[-1]: p.problem for p in report.problems} == reported
    assert list(report.collected) == ["good"]


def test_wrong_types_in_every_attempt_field_are_reported_and_answers_still_rechecked(course):
    attempts = [
        {"id": 5, "answer": "30"},                                    # no usable id: skipped
        {"id": "test.numeric"},                                       # no answer: skipped
        "not an attempt",                                             # skipped
        {"id": "test.numeric", "answer": "30", "score": "high", "correct": "yes", "valid": "no",
         "points": "1", "attempt": -1, "timestamp": 12345, "casekit": 0.1},
        {"id": "test.single", "answer": {"nested": [1, {"x": None}]}, "score": 1.0},
        {"id": "test.table", "answer": [[1000, "lots"], [600, None]], "score": 1.0},
    ]
    (course / "sheets").mkdir()
    (course / "sheets" / "s1.json").write_text(json.dumps({**HEADER, "student": "s1",
                                                             "attempts": attempts}))
    summary = g.grade(course / "sheets", course / "gb.sqlite")
    problems = {p.problem: p.detail for p in summary.problems}
    assert "3 attempt(s) skipped" in problems["bad-attempts"]
    assert all(f"#4 {k}" in problems["bad-fields"] for k in ("score", "correct", "valid", "points"))
    got = scores(course / "gb.sqlite")["s1"]
    assert got["test.numeric"] == (1.0, "auto")           # re-checked, whatever the fields said
    assert got["test.single"] == got["test.table"] == (0.0, "invalid")
    assert summary.inflated == ["s1"]


def test_a_sheet_naming_another_student_is_not_graded_as_theirs(course):
    write_sheet(course / "sheets", "s1", all_right("s1"), name="s2.json")
    summary = g.grade(course / "sheets", course / "gb.sqlite")
    assert [(p.problem, p.student) for p in summary.problems] == [("name-mismatch", "s1")]
    assert scores(course / "gb.sqlite") == {}


def test_a_50_mb_sheet_is_rejected_quickly_with_a_clear_report(course):
    folder = course / "sheets"
    write_sheet(folder, "ok", all_right("ok"))
    with open(folder / "huge.json", "wb") as f:
        f.write(b'{"format": "casekit-answer-sheet", "version": 1, "student": "huge", "attempts": [')
        f.write(b'{"id": "test.text", "answer": "' + b"x" * (50 * 2 ** 20) + b'"}]}')
    started = time.perf_counter()
    report = collect([folder], course / "collected")
    summary = g.grade(folder, course / "gb.sqlite")
    assert time.perf_counter() - started < 10
    for problems in (report.problems, summary.problems):
        [problem] = problems
        assert problem.problem == "too-large" and "10 MB limit" in problem.detail
    assert list(scores(course / "gb.sqlite")) == ["ok"]


def test_a_damaged_zip_is_reported_and_the_rest_collected(course):
    write_sheet(course / "raw", "s1", all_right("s1"))
    (course / "raw" / "export.zip").write_bytes(b"PK\x03\x04 truncated archive")
    report = collect([course / "raw"], course / "collected")
    assert list(report.collected) == ["s1"]
    assert [p.problem for p in report.problems] == ["unreadable"]


def test_ctrl_c_mid_run_keeps_every_finished_student_and_a_rerun_completes(course, monkeypatch):
    for i in range(5):
        write_sheet(course / "sheets", f"s{i}", all_right(f"s{i}"))
    calls = []

    def interrupted_on_third(student):
        calls.append(student)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return fake_data(student)
    monkeypatch.setattr(casekit.exercises, "_student_data", interrupted_on_third)
    book = course / "gb.sqlite"
    with pytest.raises(KeyboardInterrupt):
        g.grade(course / "sheets", book, jobs=1)
    with Gradebook(book) as gb:
        assert [r["status"] for r in gb.conn.execute("SELECT status FROM runs")] == ["interrupted"]
        assert integrity(book) == "ok"
    assert sorted(scores(book)) == ["s0", "s1"]
    summary = g.grade(course / "sheets", book, jobs=1)
    assert summary.checked == 3 and summary.unchanged == 2
    assert sorted(scores(book)) == [f"s{i}" for i in range(5)]


#: ``python slow_grader.py SHEETS GRADEBOOK [JOBS [SECONDS]]``: casekit grade on the stand-in
#: data, each student's data taking SECONDS (default 0.1) to build.
SLOW_GRADER = """
import sys, time
import casekit.exercises
from tests.test_grading import fake_data

jobs, delay = (sys.argv[3:] + ["1", "0.1"][len(sys.argv[3:]):])[:2]

def slow(student):
    time.sleep(float(delay))
    return fake_data(student)

casekit.exercises._student_data = slow
from casekit.cli import main
sys.exit(main(["grade", sys.argv[1], "--gradebook", sys.argv[2], "--jobs", jobs]))
"""


@pytest.mark.slow
def test_kill_9_during_grading_then_rerun_loses_nothing(course):
    n = 40
    for i in range(n):
        write_sheet(course / "sheets", f"s{i:02d}", all_right(f"s{i:02d}"))
    book = course / "gb.sqlite"
    script = course / "slow_grader.py"
    script.write_text(SLOW_GRADER)
    env = {**os.environ, "CASEKIT_EXERCISES": str(TEST_BANK), "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, str(script), str(course / "sheets"), str(book)],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    graded, deadline = 0, time.monotonic() + 60
    try:
        while graded < 5 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
            if book.exists():
                try:
                    with sqlite3.connect(f"file:{book}?mode=ro", uri=True) as conn:
                        graded = conn.execute("SELECT count(*) FROM students WHERE sheet_sha256 "
                                              "IS NOT NULL").fetchone()[0]
                except sqlite3.OperationalError:   # tables not created yet
                    pass
    finally:
        proc.send_signal(signal.SIGKILL)
        _, err = proc.communicate()
    assert proc.returncode == -signal.SIGKILL, err.decode()
    assert integrity(book) == "ok"
    before = scores(book)
    assert 5 <= len(before) < n
    assert all(len(rows) == 9 for rows in before.values())     # no half-graded student
    summary = g.grade(course / "sheets", book, jobs=1)
    assert "did not finish" in summary.text()
    assert summary.unchanged == len(before) and summary.checked == n - len(before)
    after = scores(book)
    assert len(after) == n and all(after[s] == before[s] for s in before)
    assert integrity(book) == "ok"
    g.grade(course / "sheets", course / "clean.sqlite", jobs=1)
    assert scores(course / "clean.sqlite") == after
