"""Collecting and grading answer sheets: what an instructor relies on.

Runs on the engine test bank (tests/banks/99-test.toml, one exercise of every type) with a
tiny stand-in for each student's data, so every student's computed answer differs.
Shared helpers for the other grading tests live here too.
"""
import csv
import hashlib
import io
import json
import sqlite3
import zipfile
from pathlib import Path
from types import SimpleNamespace

import pytest

import casekit.exercises
from casekit.grading import grade as g
from casekit.grading import marking
from casekit.grading.collect import collect, read_roster
from casekit.grading.gradebook import Gradebook

ROOT = Path(__file__).resolve().parents[1]
TEST_BANK = ROOT / "tests" / "banks"
ON_TIME = "2026-11-20T10:00:00Z"

RIGHT = {
    "test.numeric": "30", "test.share": "25%", "test.single": "A", "test.multiple": [0, 1],
    "test.matching": {"Sales force automation": "Operational", "RFM scoring": "Analytical",
                      "Campaign execution": "Operational"},
    "test.ordering": ["acquisition", "growth", "maturity", "decline", "departure"],
    "test.table": [[1000, 300000], [600, 198000]],
    "test.text": "Firms buy software but change neither processes nor strategy.",
}


def n_customers(student):
    """The stand-in retailer's size: differs between students."""
    return 100 + int(hashlib.sha256(student.encode()).hexdigest(), 16) % 50


def fake_data(student):
    return SimpleNamespace(customers=[None] * n_customers(student))


def attempt(exercise, answer, when=ON_TIME, score=1.0):
    """One attempt as the notebook writes it (the stored score is what the sheet claims)."""
    return {"id": exercise, "answer": answer, "score": score, "correct": score == 1.0,
            "valid": True, "points": 1.0, "casekit": "0.1.0", "attempt": 1, "timestamp": when}


def sheet_text(student, attempts):
    return json.dumps({"format": "casekit-answer-sheet", "version": 1, "student": student,
                       "attempts": attempts})


def write_sheet(folder, student, attempts, name=None):
    path = Path(folder) / (name or f"{student}.json")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(sheet_text(student, attempts), encoding="utf-8")
    return path


def all_right(student, when=ON_TIME):
    return [attempt(i, a, when) for i, a in RIGHT.items()] + \
        [attempt("test.computed", n_customers(student), when)]


def scores(gradebook):
    with Gradebook(gradebook, create=False) as gb:
        return {s: {e: (r["points"], r["status"]) for e, r in row.items()}
                for s, row in gb.scores().items()}


@pytest.fixture
def course(monkeypatch, tmp_path):
    """The test bank and stand-in student data; returns a scratch folder."""
    monkeypatch.setenv("CASEKIT_EXERCISES", str(TEST_BANK))
    monkeypatch.setattr(casekit.exercises, "_student_data", fake_data)
    return tmp_path


# --------------------------------------------------------------------------- collect
def test_collect_gathers_sheets_from_folders_lms_zips_and_zips_in_zips(course):
    raw = course / "raw"
    write_sheet(raw / "week1", "s1", all_right("s1"))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as inner:
        inner.writestr("s3.json", sheet_text("s3", all_right("s3")))
    with zipfile.ZipFile(raw / "moodle-export.zip", "w") as z:
        z.writestr("Bo Chen_1234_assignsubmission_file_/s2.json", sheet_text("s2", all_right("s2")))
        z.writestr("__MACOSX/._s2.json", b"\x00junk")
        z.writestr("batch.zip", buffer.getvalue())
    (course / "roster.csv").write_text("Student ID,Name\ns1,Ann Lee\ns2,Bo Chen\ns3,Cy Wang\n")
    report = collect([raw], course / "sheets", roster=course / "roster.csv")
    assert sorted(report.collected) == ["s1", "s2", "s3"]
    assert report.problems == []
    for s in ("s1", "s2", "s3"):
        assert json.loads((course / "sheets" / f"{s}.json").read_text())["student"] == s
    with open(course / "sheets" / "collect-report.csv", encoding="utf-8-sig") as f:
        listed = {row["File"] for row in csv.DictReader(f)}
    assert any("Bo Chen_1234" in f for f in listed) and any("batch.zip/s3.json" in f for f in listed)


def test_collect_reports_copied_renamed_and_missing_sheets_and_keeps_going(course):
    raw = course / "raw"
    write_sheet(raw, "s1", all_right("s1"))
    write_sheet(raw / "s2", "s1", all_right("s1"), name="s1-copy.json")  # s2 hands in s1's sheet
    write_sheet(raw, "s3", all_right("s3"), name="answers.json")          # renamed: whose is it?
    write_sheet(raw, "s1", all_right("s1"), name="leedi_4711_9_s1.json")  # Canvas: Di Lee (s4)
    write_sheet(raw / "Di Lee_4711_assignsubmission_file_", "s1", all_right("s1"))  # Moodle
    (course / "roster.csv").write_text("Student ID,Name\ns1,Ann Wu\ns2,Bo\ns3,Cy\ns4,Di Lee\n")
    report = collect([raw], course / "sheets", roster=course / "roster.csv")
    kinds = {(p.problem, p.student) for p in report.problems}
    assert ("names-another-student", "s1") in kinds
    assert sum(p.problem == "names-another-student" for p in report.problems) == 3
    assert sum("handed in as 's4'" in p.detail for p in report.problems) == 2
    assert ("name-mismatch", "s3") in kinds
    assert {("missing", "s2"), ("missing", "s3"), ("missing", "s4")} <= kinds
    assert list(report.collected) == ["s1"]
    text = report.summary()
    assert "handed in as 's2'" in text and "s4" in text


def test_duplicate_sheets_keep_every_distinct_attempt(course):
    raw = course / "raw"
    first = [attempt("test.numeric", "90", "2026-11-20T09:00:00Z", 0.0)]
    later = first + [attempt("test.numeric", "30", "2026-11-20T10:00:00Z")]
    other_pc = [attempt("test.single", "A", "2026-11-20T09:30:00Z")]
    write_sheet(raw / "a", "s1", first)
    write_sheet(raw / "b", "s1", later)                  # newer copy of the same sheet
    write_sheet(raw / "c", "s1", later)                  # identical copy
    write_sheet(raw / "d", "s1", other_pc)               # a second computer
    report = collect([raw], course / "sheets")
    merged = json.loads((course / "sheets" / "s1.json").read_text())["attempts"]
    assert [(a["id"], a["answer"]) for a in merged] == [
        ("test.numeric", "90"), ("test.single", "A"), ("test.numeric", "30")]
    assert sorted(p.problem for p in report.problems) == ["duplicate", "duplicate", "merged"]


def test_collect_flags_unknown_exercises_but_keeps_the_sheet(course):
    write_sheet(course / "raw", "s1", [attempt("test.numeric", "30"), attempt("old.gone", 1)])
    report = collect([course / "raw"], course / "sheets")
    assert list(report.collected) == ["s1"]
    assert [(p.problem, p.severity) for p in report.problems] == [("unknown-exercise", "warning")]
    assert "old.gone" in report.problems[0].detail


def test_collecting_again_updates_the_folder_and_never_touches_a_foreign_one(course):
    raw = course / "raw"
    write_sheet(raw, "s1", all_right("s1"))
    gone = write_sheet(raw, "s2", all_right("s2"))
    collect([raw], course / "sheets")
    before = (course / "sheets" / "s1.json").read_bytes()
    gone.unlink()
    collect([raw], course / "sheets")
    assert sorted(p.name for p in (course / "sheets").glob("*.json")) == ["s1.json", "s2.json"]  # additive
    assert (course / "sheets" / "s1.json").read_bytes() == before
    (course / "mine").mkdir()
    (course / "mine" / "notes.txt").write_text("precious")
    with pytest.raises(ValueError, match="not empty"):
        collect([raw], course / "mine")
    assert (course / "mine" / "notes.txt").read_text() == "precious"


def test_roster_needs_a_student_id_column(tmp_path):
    (tmp_path / "r.csv").write_text("Name,Email\nAnn,a@x\n")
    with pytest.raises(ValueError, match="no student id column"):
        read_roster(tmp_path / "r.csv")
    (tmp_path / "r.csv").write_text("\ufeffSIS User ID,Name\ns1,Ann\ns1,Ann again\n")
    with pytest.raises(ValueError, match="listed twice"):
        read_roster(tmp_path / "r.csv")


# --------------------------------------------------------------------------- grade
def test_grading_rechecks_every_answer_and_never_trusts_the_stored_score(course):
    write_sheet(course / "sheets", "s1", all_right("s1"))
    write_sheet(course / "sheets", "s2", [attempt("test.numeric", "90", score=1.0),   # claims 1.0
                                          attempt("test.computed", n_customers("s1"))])
    summary = g.grade(course / "sheets", course / "gb.sqlite")
    got = scores(course / "gb.sqlite")
    assert got["s1"]["test.numeric"] == (1.0, "auto")
    assert got["s1"]["test.text"] == (0.0, "pending")
    assert sum(p for p, _ in got["s1"].values()) == 8.0
    assert got["s2"]["test.numeric"] == (0.0, "auto")
    # s1's computed answer is wrong on s2's own data
    assert got["s2"]["test.computed"] == (0.0, "auto")
    assert got["s2"]["test.single"] == (0.0, "unattempted")
    assert summary.inflated == ["s2"] and summary.pending == 1


def test_best_or_last_attempt_by_policy_with_partial_credit(course):
    tries = [attempt("test.matching", {"Sales force automation": "Operational",
                                       "RFM scoring": "Operational",
                                       "Campaign execution": "Operational"}),   # 2 of 3
             attempt("test.matching", {"Sales force automation": "Analytical",
                                       "RFM scoring": "Operational",
                                       "Campaign execution": "Operational"}),   # 1 of 3
             attempt("test.matching", "not a mapping")]                         # unreadable
    write_sheet(course / "sheets", "s1", tries)
    g.grade(course / "sheets", course / "gb.sqlite", policy="best")
    assert scores(course / "gb.sqlite")["s1"]["test.matching"][0] == pytest.approx(2 / 3, abs=1e-6)
    g.grade(course / "sheets", course / "gb.sqlite", policy="last")
    assert scores(course / "gb.sqlite")["s1"]["test.matching"][0] == pytest.approx(1 / 3, abs=1e-6)


def test_late_attempts_lose_a_share_per_started_day(course):
    write_sheet(course / "sheets", "s1", [
        attempt("test.numeric", "90", "2026-11-30T12:00:00Z", 0.0),       # on time, wrong
        attempt("test.numeric", "30", "2026-12-02T08:00:00+08:00"),       # 1 h 59 min late
        attempt("test.single", "A", "2026-12-04T00:30:00Z"),              # 3 started days late
        attempt("test.share", "25%", "2026-12-06T00:00:00Z")])            # chapter-specific: ok
    g.grade(course / "sheets", course / "gb.sqlite", deadlines=["2026-12-01T23:59+08:00"],
            late_penalty=0.25)
    got = scores(course / "gb.sqlite")["s1"]
    assert got["test.numeric"][0] == 0.75 and got["test.single"][0] == 0.25
    assert got["test.share"][0] == 0.0
    g.grade(None, course / "gb.sqlite", deadlines=["2026-12-01T23:59+08:00", "99=2027-01-01T00:00Z"])
    got = scores(course / "gb.sqlite")["s1"]
    assert got["test.numeric"][0] == 1.0 and got["test.share"][0] == 1.0
    with pytest.raises(ValueError, match="time zone"):
        g.grade(None, course / "gb.sqlite", deadlines=["2026-12-01 23:59"])
    with pytest.raises(ValueError, match="late_penalty"):
        g.grade(None, course / "gb.sqlite", late_penalty=1.5)


def test_regrading_is_idempotent_and_every_change_is_in_the_history(course):
    path = write_sheet(course / "sheets", "s1", [attempt("test.numeric", "90", score=0.0)])
    book = course / "gb.sqlite"
    g.grade(course / "sheets", book)
    with Gradebook(book) as gb:
        first = len(gb.history())
    summary = g.grade(course / "sheets", book)
    assert summary.checked == 0 and summary.unchanged == 1
    with Gradebook(book) as gb:
        assert len(gb.history()) == first
    path.write_text(sheet_text("s1", [attempt("test.numeric", "90", score=0.0),
                                      attempt("test.numeric", "30")]))
    g.grade(course / "sheets", book)
    g.grade(None, book, policy="last")
    with Gradebook(book) as gb:
        changes = [(h["exercise"], h["old_points"], h["new_points"], h["reason"])
                   for h in gb.history("s1")[first:]]
    assert changes == [("test.numeric", 0.0, 1.0, "sheet changed")]   # "last" changes nothing here


def test_free_text_is_queued_for_marking_and_a_new_text_needs_a_new_mark(course):
    path = write_sheet(course / "sheets", "s1", [attempt("test.text", RIGHT["test.text"]),
                                                 attempt("test.text", {"text": RIGHT["test.text"],
                                                                       "rubric": [True, True]})])
    book = course / "gb.sqlite"
    g.grade(course / "sheets", book)
    [item] = marking.pending_answers(book)
    assert (item.student, item.exercise.id, item.text, item.self_assessment) == \
        ("s1", "test.text", RIGHT["test.text"], (True, True))
    assert marking.set_manual_mark(book, "s1", "test.text", 0.5, grader="TA", comment="thin")["points"] == 0.5
    assert marking.pending_answers(book) == []
    path.write_text(sheet_text("s1", [attempt("test.text", "A completely different answer.")]))
    g.grade(course / "sheets", book)
    assert scores(book)["s1"]["test.text"] == (0.0, "pending")
    with pytest.raises(ValueError, match="fraction"):
        marking.set_manual_mark(book, "s1", "test.text", 2)
    with pytest.raises(ValueError, match="no readable answer"):
        marking.set_manual_mark(book, "s1", "test.numeric", 1)


def test_marks_round_trip_through_a_spreadsheet_csv(course):
    for s in ("s1", "s2", "s3"):
        write_sheet(course / "sheets", s, [attempt("test.text", f"Answer of {s}: process first.")])
    book, sheet = course / "gb.sqlite", course / "to-mark.csv"
    g.grade(course / "sheets", book)
    assert marking.write_pending_csv(book, sheet) == 3
    with open(sheet, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    rows[0]["Points"], rows[0]["Comment"] = "1", "good"
    rows[1]["Points"] = "7"                      # more than the exercise is worth
    with open(sheet, "w", encoding="utf-8-sig", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    applied, problems = marking.import_rubric_csv(book, sheet)
    assert applied == 1 and len(problems) == 1 and "from 0 to 1" in problems[0]
    got = scores(book)
    assert got["s1"]["test.text"] == (1.0, "manual")
    assert got["s2"]["test.text"] == got["s3"]["test.text"] == (0.0, "pending")


def test_marking_at_the_terminal_saves_each_mark_at_once(course):
    for s in ("s1", "s2"):
        write_sheet(course / "sheets", s, [attempt("test.text", f"Answer of {s}.")])
    book = course / "gb.sqlite"
    g.grade(course / "sheets", book)
    replies = iter(["y", "maybe", "n", "ok", "q"])
    said = []
    assert marking.mark_interactively(book, ask=lambda prompt: next(replies), say=said.append) == 1
    assert scores(book)["s1"]["test.text"] == (0.5, "manual")
    assert scores(book)["s2"]["test.text"] == (0.0, "pending")
    assert any("Answer y or n" in line for line in said)


def test_a_failing_reference_is_reported_and_fixed_by_a_rerun(course, monkeypatch):
    write_sheet(course / "sheets", "s1", all_right("s1"))
    book = course / "gb.sqlite"

    def broken(student):
        raise RuntimeError("simulator unavailable")
    monkeypatch.setattr(casekit.exercises, "_student_data", broken)
    summary = g.grade(course / "sheets", book)
    assert scores(book)["s1"]["test.computed"] == (0.0, "error")
    assert scores(book)["s1"]["test.numeric"] == (1.0, "auto")
    assert summary.errors == 1 and "simulator unavailable" in summary.text()
    monkeypatch.setattr(casekit.exercises, "_student_data", fake_data)
    g.grade(course / "sheets", book)
    assert scores(book)["s1"]["test.computed"] == (1.0, "auto")


def test_a_table_saved_by_the_notebook_is_graded_as_a_table(course):
    pd = pytest.importorskip("pandas")
    from casekit.exercises.sheet import AnswerSheet

    frame = pd.DataFrame([[1000, 300000], [600, 198000]], index=["Year 1", "Year 2"],
                         columns=["Customers", "Revenue"])
    sheet = AnswerSheet("s1", home=course / "home")
    sheet.record({"id": "test.table", "answer": frame, "score": 1.0})
    sheet.record({"id": "test.table", "answer": frame.iloc[::-1], "score": 1.0})  # rows swapped
    g.grade(sheet.folder, course / "gb.sqlite")
    assert scores(course / "gb.sqlite")["s1"]["test.table"] == (1.0, "auto")


def test_roster_students_without_a_sheet_get_zero_and_are_listed(course):
    write_sheet(course / "sheets", "s1", all_right("s1"))
    (course / "roster.csv").write_text("Student ID,Name\ns1,Ann\ns2,Bo\n")
    summary = g.grade(course / "sheets", course / "gb.sqlite", roster=course / "roster.csv")
    assert summary.missing == ["s2"]
    assert set(scores(course / "gb.sqlite")["s2"].values()) == {(0.0, "missing")}


def test_parallel_grading_gives_the_same_gradebook(course):
    for i in range(12):
        write_sheet(course / "sheets", f"s{i}", all_right(f"s{i}")[i % 3:])
    g.grade(course / "sheets", course / "one.sqlite", jobs=1)
    g.grade(course / "sheets", course / "two.sqlite", jobs=2)
    assert scores(course / "one.sqlite") == scores(course / "two.sqlite")


def test_grading_a_chapter_only_and_validating_arguments(course):
    write_sheet(course / "sheets", "s1", all_right("s1"))
    with pytest.raises(ValueError, match="not in the exercise bank"):
        g.grade(course / "sheets", course / "gb.sqlite", chapters=["42"])
    with pytest.raises(ValueError, match="policy"):
        g.grade(course / "sheets", course / "gb.sqlite", policy="average")
    with pytest.raises(ValueError, match="does not exist"):
        g.grade(course / "nowhere", course / "gb.sqlite")
    with pytest.raises(ValueError, match="jobs"):
        g.grade(course / "sheets", course / "gb.sqlite", jobs=0)
    (course / "junk.sqlite").write_text("not a database, just text " * 100)
    with pytest.raises(ValueError, match="not a casekit gradebook"):
        g.grade(course / "sheets", course / "junk.sqlite")


def test_real_student_data_when_the_simulator_is_present(tmp_path, monkeypatch):
    """The chapter-0 bank's computed exercise, on each student's own simulated ValueMart."""
    if not (ROOT / "casekit" / "data" / "simulate.py").exists():
        pytest.skip("casekit/data/simulate.py has not landed yet")
    from casekit.exercises.bank import BANKS, load_bank
    from casekit.grading.reference import resolve_for

    monkeypatch.setenv("CASEKIT_EXERCISES", str(BANKS))
    computed = [e for e in load_bank().values() if e.computed and e.chapter == "00"]
    right = resolve_for("s1", computed)[0]
    answers = [attempt(e.id, [list(r) for r in right[e.id].answer] if e.kind == "table"
                       else right[e.id].answer) for e in computed]
    write_sheet(tmp_path / "sheets", "s1", answers)
    write_sheet(tmp_path / "sheets", "s2", answers)          # s2 copies s1's numbers
    g.grade(tmp_path / "sheets", tmp_path / "gb.sqlite", chapters=["00"], jobs=1)
    got = scores(tmp_path / "gb.sqlite")
    assert all(got["s1"][e.id] == (e.points, "auto") for e in computed)
    ex = load_bank()["crm.recent-buyers"]
    assert got["s2"][ex.id] == (0.0, "auto")
    with sqlite3.connect(tmp_path / "gb.sqlite") as conn:
        cached = conn.execute("SELECT count(*) FROM expected").fetchone()[0]
    assert cached == 2 * len(computed)


def test_long_runs_draw_a_progress_bar_only_on_a_terminal():
    from casekit.grading.common import Progress

    class Terminal(io.StringIO):
        def isatty(self):
            return True
    shown, piped = Terminal(), io.StringIO()
    for stream in (shown, piped):
        with Progress(200, "grading", stream) as bar:
            for _ in range(200):
                bar.advance()
    assert "grading [########################] 200/200 100%" in shown.getvalue()
    assert shown.getvalue().endswith("\n") and piped.getvalue() == ""
