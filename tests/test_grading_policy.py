"""Grades an instructor can defend: LMS hand-in times, extensions, re-checks when a key can
change, one sheet that cannot be graded never stops the class."""
import csv
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import casekit.exercises
from casekit.cli import main
from casekit.grading import grade as g
from casekit.grading import marking, reference
from casekit.grading.gradebook import Gradebook
from tests.test_grading import (RIGHT, ROOT, TEST_BANK, all_right, attempt, course,  # noqa: F401
                                fake_data, n_customers, scores, write_sheet)
from tests.test_grading_faults import SLOW_GRADER

DEADLINE = "2026-12-01T23:59+08:00"          # 15:59 UTC
MARKER = ".casekit-collect"


def handed(exercise, answer, clock, lms, late=False):
    """An attempt as `casekit collect --times` writes it: the student's clock and the LMS's."""
    return {**attempt(exercise, answer, clock), "handed_in": lms, **({"lms_late": True} if late else {})}


# --------------------------------------------------------------------------- LMS times
def test_the_lms_hand_in_time_decides_lateness_not_the_students_clock(course):
    sheets = course / "sheets"
    sheets.mkdir()
    (sheets / MARKER).write_text("collected\n")
    # back-dated: the clock says on time, the LMS says two days late
    write_sheet(sheets, "s1", [handed("test.numeric", "30", "2026-11-30T10:00:00Z",
                                      "2026-12-03T10:00:00Z")])
    # a laptop clock a year fast: the LMS says on time
    write_sheet(sheets, "s2", [handed("test.numeric", "30", "2027-12-01T10:00:00Z",
                                      "2026-12-01T10:00:00Z")])
    # Canvas's _LATE_ mark without a time: at least a day late
    write_sheet(sheets, "s3", [handed("test.numeric", "30", "2026-11-30T10:00:00Z", None, late=True)])
    summary = g.grade(sheets, course / "gb.sqlite", deadlines=[DEADLINE], late_penalty=0.25)
    got = scores(course / "gb.sqlite")
    assert got["s1"]["test.numeric"] == (0.5, "auto")
    assert got["s2"]["test.numeric"] == (1.0, "auto")
    assert got["s3"]["test.numeric"] == (0.75, "auto")
    with Gradebook(course / "gb.sqlite") as gb:
        flags = {s: gb.attempts(s)[0]["flags"] for s in ("s1", "s2", "s3")}
    assert flags == {"s1": "", "s2": "dated-after-hand-in", "s3": "lms-late"}
    assert "dated-after-hand-in" in summary.text() and summary.clock_only == ["s3"]


def test_hand_in_times_in_a_sheet_are_ignored_outside_a_collected_folder(course):
    """A student cannot give themselves an LMS time: only collect's folder is trusted."""
    write_sheet(course / "sheets", "s1", [handed("test.numeric", "30", "2026-12-05T10:00:00Z",
                                                 "2026-11-01T00:00:00Z")])
    summary = g.grade(course / "sheets", course / "gb.sqlite", deadlines=[DEADLINE], late_penalty=0.25)
    assert scores(course / "gb.sqlite")["s1"]["test.numeric"] == (0.0, "auto")   # 4 days late
    assert summary.clock_only == ["s1"] and "own clock" in summary.text()


def test_attempts_dated_before_the_release_or_in_the_future_are_flagged(course):
    write_sheet(course / "sheets", "s1", [attempt("test.numeric", "30", "2025-01-01T00:00:00Z"),
                                          attempt("test.single", "A", "2026-11-20T00:00:00Z"),
                                          attempt("test.share", "25%", "2999-01-01T00:00:00Z")])
    summary = g.grade(course / "sheets", course / "gb.sqlite", releases=["2026-11-10T09:00Z"])
    with Gradebook(course / "gb.sqlite") as gb:
        assert [a["flags"] for a in gb.attempts("s1")] == ["dated-before-release", "",
                                                           "dated-in-the-future"]
    assert summary.flagged == {"dated-before-release": 1, "dated-in-the-future": 1}
    with pytest.raises(ValueError, match="chapter"):
        g.grade(None, course / "gb.sqlite", releases=["42=2026-11-10T09:00Z"])


# --------------------------------------------------------------------------- extensions
def test_an_extension_moves_one_students_deadline_and_keeps_every_mark(course, capsys):
    late = "2026-12-04T10:00:00Z"
    for s in ("s1", "s2"):
        write_sheet(course / "sheets", s, [attempt("test.numeric", "30", late),
                                           attempt("test.text", RIGHT["test.text"], late)])
    book = course / "gb.sqlite"
    g.grade(course / "sheets", book, deadlines=[DEADLINE], late_penalty=0.25)
    marking.set_manual_mark(book, "s1", "test.text", 1.0, grader="TA")
    assert scores(book)["s1"]["test.numeric"] == (0.25, "auto")
    assert main(["extend", "s1", "--until", "2026-12-05T23:59+08:00", "--reason", "medical",
                 "--gradebook", str(book)]) == 0
    assert "2 score(s) changed" in capsys.readouterr().out
    got = scores(book)
    assert got["s1"]["test.numeric"] == (1.0, "auto") and got["s1"]["test.text"] == (1.0, "manual")
    assert got["s2"]["test.numeric"] == (0.25, "auto")            # nobody else moves
    g.grade(course / "sheets", book)                              # a re-grade keeps it
    g.grade(None, book, late_penalty=0.5)
    assert scores(book)["s1"]["test.numeric"] == (1.0, "auto")
    assert scores(book)["s1"]["test.text"] == (1.0, "manual")
    with Gradebook(book) as gb:
        reasons = [h["reason"] for h in gb.history("s1")]
    assert any("extension to 2026-12-05T23:59:00+08:00 (medical)" in r for r in reasons)
    g.extend(book, "s1", None)
    assert scores(book)["s1"]["test.numeric"] == (0.0, "auto")    # 50% a day, 3 days late
    assert main(["extend", "s1", "--until", "2026-12-09", "--gradebook", str(book)]) == 1
    assert "time zone" in capsys.readouterr().err
    with pytest.raises(ValueError, match="not in"):
        g.extend(book, "nobody", "2026-12-09T00:00Z")
    with pytest.raises(ValueError, match="chapter"):
        g.extend(book, "s1", "2026-12-09T00:00Z", chapter="42")


def test_an_extension_for_one_chapter_leaves_the_others(course):
    write_sheet(course / "sheets", "s1", [attempt("test.numeric", "30", "2026-12-04T10:00:00Z")])
    book = course / "gb.sqlite"
    g.grade(course / "sheets", book, deadlines=[DEADLINE], late_penalty=1.0)
    g.extend(book, "s1", "2026-12-10T00:00Z", chapter="99")
    assert scores(book)["s1"]["test.numeric"] == (1.0, "auto")
    with Gradebook(book) as gb:
        assert gb.extensions("s1") == {"99": "2026-12-10T00:00:00+00:00"}


# --------------------------------------------------------------------------- keys that change
def test_every_source_that_can_change_a_key_is_in_the_fingerprint(tmp_path, monkeypatch):
    from casekit.exercises.bank import load_bank

    bank = load_bank()
    computed = [ex for ex in bank.values() if ex.computed]
    fixed = [ex for ex in bank.values() if not ex.computed][:20]
    copy = tmp_path / "casekit"
    shutil.copytree(reference._PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(reference, "_PACKAGE", copy)
    reference._sources_digest.cache_clear()
    before = {ex.id: reference.fingerprint(ex) for ex in computed + fixed}
    with open(copy / "clv.py", "a") as f:          # a fix in an analysis module
        f.write("\n# a fix\n")
    reference._sources_digest.cache_clear()
    after = {ex.id: reference.fingerprint(ex) for ex in computed + fixed}
    assert all(after[ex.id] != before[ex.id] for ex in computed)
    assert all(after[ex.id] == before[ex.id] for ex in fixed)
    with open(copy / "exercises" / "types.py", "a") as f:   # a change to the checker
        f.write("\n# checker\n")
    reference._sources_digest.cache_clear()
    assert all(reference.fingerprint(ex) != after[ex.id] for ex in fixed)
    with open(copy / "grading" / "report.py", "a") as f:    # cannot change a key
        f.write("\n# page\n")
    last = {ex.id: reference.fingerprint(ex) for ex in computed}
    reference._sources_digest.cache_clear()
    assert {ex.id: reference.fingerprint(ex) for ex in computed} == last
    monkeypatch.setattr(reference, "_libraries", lambda: "pandas=99")
    assert all(reference.fingerprint(ex) != last[ex.id] for ex in computed)
    reference._sources_digest.cache_clear()


def test_a_changed_analysis_module_rechecks_every_sheet(course, monkeypatch):
    for s in ("s1", "s2"):
        write_sheet(course / "sheets", s, all_right(s))
    book = course / "gb.sqlite"
    assert g.grade(course / "sheets", book).checked == 2
    assert g.grade(course / "sheets", book).checked == 0
    monkeypatch.setattr(reference, "_sources_digest", lambda folder: "edited clv.py")
    monkeypatch.setattr(g, "fingerprint", reference.fingerprint)
    summary = g.grade(course / "sheets", book)
    assert summary.checked == 2 and summary.unchanged == 0


# --------------------------------------------------------------------------- one sheet
def _explosive(parent):
    def data(student):
        if student == "boom":
            if os.getpid() != parent:
                os._exit(3)                       # the worker dies on this sheet
            raise MemoryError("boom")
        if student == "bad":
            raise RecursionError("maximum recursion depth exceeded")
        return fake_data(student)
    return data


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_sheet_that_cannot_be_graded_never_stops_the_class(course, monkeypatch, jobs):
    monkeypatch.setattr(casekit.exercises, "_student_data", _explosive(os.getpid()))
    students = [f"s{i}" for i in range(8)] + ["boom", "bad"]
    for s in students:
        write_sheet(course / "sheets", s, all_right(s) if s.startswith("s") else
                    [attempt("test.computed", 1)])
    summary = g.grade(course / "sheets", course / "gb.sqlite", jobs=jobs)
    got = scores(course / "gb.sqlite")
    assert all(sum(p for p, _ in got[f"s{i}"].values()) == 8.0 for i in range(8))
    assert {p.source for p in summary.problems} == {"boom.json", "bad.json"}
    again = g.grade(course / "sheets", course / "gb.sqlite", jobs=jobs)
    assert again.unchanged >= 8 and {p.source for p in again.problems} == {"boom.json", "bad.json"}


def _children(pid):
    out = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":\t", 1) for line in status.read_text().splitlines() if ":\t" in line)
        except OSError:
            continue
        if fields.get("PPid", "").strip() == str(pid):
            out.append(int(status.parent.name))
    return out


def _alive(pid):
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_kill_9_of_the_grader_leaves_no_worker_behind(course):
    for i in range(30):
        write_sheet(course / "sheets", f"s{i:02d}", all_right(f"s{i:02d}"))
    script = course / "grader.py"
    script.write_text(SLOW_GRADER)
    env = {**os.environ, "CASEKIT_EXERCISES": str(TEST_BANK), "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, str(script), str(course / "sheets"),
                             str(course / "gb.sqlite"), "2", "0.3"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    workers, deadline = [], time.monotonic() + 30
    while len(workers) < 2 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.1)
        workers = [c for c in _children(proc.pid)
                   if "python" in Path(f"/proc/{c}/cmdline").read_bytes().decode(errors="replace")]
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert len(workers) >= 2, "the grader never started its workers"
    deadline = time.monotonic() + 10
    while any(_alive(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(w) for w in workers)


# --------------------------------------------------------------------------- marks by CSV
def test_a_short_or_ragged_row_in_the_rubric_csv_is_reported_not_fatal(course):
    write_sheet(course / "sheets", "s1", [attempt("test.text", RIGHT["test.text"])])
    book = course / "gb.sqlite"
    g.grade(course / "sheets", book)
    path = course / "marks.csv"
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["Student ID", "Exercise", "Points", "Comment"])
        w.writerow(["s1"])                                     # short
        w.writerow(["s1", "test.text"])                        # no points: skipped
        w.writerow(["s1", "test.text", "1", "ok", "extra", "cells"])
        w.writerow([])
    applied, problems = marking.import_rubric_csv(book, path)
    assert applied == 1 and problems == []
    assert scores(book)["s1"]["test.text"] == (1.0, "manual")


def test_what_a_sheet_says_reaches_the_terminal_escaped(course):
    """An exercise id with terminal escapes and bidi overrides cannot repaint the screen."""
    evil = "x\x1b[2J\u202eexploit"
    write_sheet(course / "sheets", "s1", [attempt("test.numeric", "30"), attempt(evil, 1)])
    (course / "sheets" / "s9.json").write_text('{"format": "casekit-answer-sheet", "version": 1, '
                                               '"student": "s9", "attempts": [{"id": "\\u001b[31m"}]}')
    text = g.grade(course / "sheets", course / "gb.sqlite").text()
    assert "\x1b" not in text and "\u202e" not in text


def test_a_full_disk_while_grading_says_what_to_do_and_loses_nothing(course, monkeypatch, capsys):
    import sqlite3

    for s in ("s1", "s2"):
        write_sheet(course / "sheets", s, all_right(s))
    book = course / "gb.sqlite"
    g.grade(course / "sheets", book)
    write_sheet(course / "sheets", "s3", all_right("s3"))
    real = Gradebook.replace_attempts

    def full(self, *args):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(Gradebook, "replace_attempts", full)
    assert main(["grade", str(course / "sheets"), "--gradebook", str(book), "--jobs", "1"]) == 1
    err = capsys.readouterr().err
    assert "disk is full" in err and "run the same command again" in err
    monkeypatch.setattr(Gradebook, "replace_attempts", real)
    with Gradebook(book) as gb:
        assert gb.integrity() == "ok"
    assert set(scores(book)) == {"s1", "s2"}
    assert main(["grade", str(course / "sheets"), "--gradebook", str(book), "--jobs", "1"]) == 0
    assert set(scores(book)) == {"s1", "s2", "s3"}
