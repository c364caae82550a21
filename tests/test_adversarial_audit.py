"""An adversarial audit of the grading path (collect → grade → export/feedback/report):
cases the earlier adversarial tests did not try. Each test names the guarantee it holds."""

import pytest

from casekit.grading import grade as g
from casekit.grading.collect import collect
from casekit.grading.sheets import parse_sheet, parse_timestamp
from tests.test_grading import (all_right, attempt, course, scores, sheet_text,  # noqa: F401
                                write_sheet)

ANN, BO = "s2026-001", "s2026-002"


# ---------------------------------------------------------- times at the edge of the calendar
EDGE_TIMES = ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00"]


@pytest.mark.parametrize("stamp", EDGE_TIMES)
def test_a_time_that_has_no_utc_form_is_not_a_time(stamp):
    # 0001-01-01 at +14:00 is still year 0 in UTC: no datetime can hold it
    assert parse_timestamp(stamp) is None


def test_two_diverging_sheets_with_edge_times_never_stop_collect_for_the_class(course):
    raw = course / "raw"
    write_sheet(raw / "a", ANN, [attempt("test.numeric", "30", EDGE_TIMES[0])])
    write_sheet(raw / "b", ANN, [attempt("test.single", "A", EDGE_TIMES[1])])
    write_sheet(raw, BO, all_right(BO))
    report = collect([raw], course / "sheets")
    assert sorted(report.collected) == [ANN, BO]
    summary = g.grade(course / "sheets", course / "gb.sqlite", jobs=1, progress=False,
                      deadlines="2026-12-01T23:59Z")
    assert not [p for p in summary.problems if p.problem == "not-graded"]
    assert scores(course / "gb.sqlite")[BO]["test.single"] == (1.0, "auto")


# ---------------------------------------------------------- one attempt repeated many times
def test_an_attempt_repeated_thousands_of_times_is_checked_once(course, monkeypatch):
    from casekit.exercises.bank import load_bank
    from tests.test_grading import RIGHT

    kind = type(load_bank()["test.table"])
    calls = []
    original = kind.check
    monkeypatch.setattr(kind, "check", lambda self, answer: calls.append(1) or original(self, answer))
    write_sheet(course / "sheets", ANN, [attempt("test.table", RIGHT["test.table"])] * 3000)
    g.grade(course / "sheets", course / "gb.sqlite", jobs=1, progress=False)
    assert scores(course / "gb.sqlite")[ANN]["test.table"] == (1.0, "auto")
    assert len(calls) <= 2


def test_an_lms_time_past_the_end_of_the_calendar_is_a_bad_time_not_a_crash(course):
    from casekit.grading.collect import read_times

    (course / "times.csv").write_text("Student ID,Submitted at\n"
                                      f"{ANN},9999-12-31T23:59:00-12:00\n"
                                      f"{BO},2026-11-20T10:00:00Z\n")
    times, problems = read_times(course / "times.csv", "America/New_York")
    assert list(times) == [BO] and [p.problem for p in problems] == ["bad-time"]


# ---------------------------------------------------------- a changed bank, then Ctrl-C
def test_export_after_an_interrupted_regrade_with_a_changed_bank_is_never_a_mix(course, monkeypatch):
    import csv

    from casekit.grading.export import export_grades
    from tests.test_grading import TEST_BANK

    book = course / "gb.sqlite"
    for s in (ANN, BO, "s2026-003"):
        write_sheet(course / "sheets", s, all_right(s))
    g.grade(course / "sheets", book, jobs=1, progress=False)
    text = (TEST_BANK / "99-test.toml").read_text(encoding="utf-8")
    start = text.index('[[exercise]]\nid = "test.table"')
    end = text.index("[[exercise]]", start + 5)
    (course / "bank").mkdir()
    (course / "bank" / "99-test.toml").write_text(text[:start] + text[end:], encoding="utf-8")
    monkeypatch.setenv("CASEKIT_EXERCISES", str(course / "bank"))
    calls = []
    write = g._Writer.write

    def interrupted_on_second(self, prepared):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return write(self, prepared)
    monkeypatch.setattr(g._Writer, "write", interrupted_on_second)
    with pytest.raises(KeyboardInterrupt):
        g.grade(course / "sheets", book, jobs=1, progress=False)
    with pytest.raises(ValueError, match="Run `casekit grade` again"):
        export_grades(book, course / "grades.csv")   # half the class scored on the old bank
    monkeypatch.setattr(g._Writer, "write", write)
    g.grade(course / "sheets", book, jobs=1, progress=False)
    export_grades(book, course / "grades.csv")
    with open(course / "grades.csv", encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    for row in rows:                        # the total is the sum of the cells shown
        cells = [float(v) for k, v in row.items() if k.startswith("test.") and v]
        assert float(row["Total"]) == sum(cells) <= float(row["Max"]), row
    assert len({row["Total"] for row in rows}) == 1     # all three answered alike


# ---------------------------------------------------------- ids of any alphabet, after grade
@pytest.mark.parametrize("student", ["José", "张三", "Zoë-2026"])
def test_every_id_grade_accepts_gets_a_feedback_page_and_an_export_row(course, student):
    from casekit.grading.export import export_grades
    from casekit.grading.feedback import write_feedback

    for s in (ANN, student):
        write_sheet(course / "sheets", s, all_right(s))
    g.grade(course / "sheets", course / "gb.sqlite", jobs=1, progress=False)
    assert set(scores(course / "gb.sqlite")) == {ANN, student}
    pages = write_feedback(course / "gb.sqlite", course / "pages")
    assert sorted(p.name for p in pages) == sorted([f"{ANN}.html", f"{student}.html"])
    assert f"{student}.html" in (course / "pages" / "index.html").read_text(encoding="utf-8") \
        or "%" in (course / "pages" / "index.html").read_text(encoding="utf-8")
    export_grades(course / "gb.sqlite", course / "grades.csv")
    assert student in (course / "grades.csv").read_text(encoding="utf-8-sig")


# ---------------------------------------------------------- a sheet re-saved by an editor
@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-8-sig"])
def test_a_sheet_re_saved_as_utf16_or_utf32_with_a_bom_is_read(encoding):
    text = sheet_text(ANN, all_right(ANN)).replace("}, {", "},\r\n{")     # and CRLF
    data = text.encode(encoding)
    if encoding in ("utf-16-le", "utf-16-be"):
        data = "\ufeff".encode(encoding) + data                           # BOM, as Notepad writes
    sheet, problems = parse_sheet(data, "s.json")
    assert sheet is not None and problems == [], problems
    assert sheet.student == ANN and len(sheet.attempts) == len(all_right(ANN))


# ---------------------------------------------------------- marks given on a CSV, then a late sheet
def test_a_mark_from_the_rubric_csv_never_lands_on_an_answer_the_marker_did_not_see(course):
    import csv

    from casekit.grading.marking import import_rubric_csv, write_pending_csv

    book = course / "gb.sqlite"
    write_sheet(course / "sheets", ANN, [attempt("test.text", "a thoughtful answer")])
    write_sheet(course / "sheets", BO, [attempt("test.text", "another answer")])
    g.grade(course / "sheets", book, jobs=1, progress=False)
    assert write_pending_csv(book, course / "pending.csv") == 2
    # while the instructor marks, Ann hands in a new text and the class is graded again
    write_sheet(course / "sheets", ANN, [attempt("test.text", "a thoughtful answer"),
                                         attempt("test.text", "lol")])
    g.grade(course / "sheets", book, jobs=1, progress=False)
    with open(course / "pending.csv", encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    for row in rows:
        row["Points"] = "1"
    with open(course / "marked.csv", "w", encoding="utf-8-sig", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    applied, problems = import_rubric_csv(book, course / "marked.csv")
    assert applied == 1 and len(problems) == 1 and ANN in problems[0]
    assert scores(book)[ANN]["test.text"] == (0.0, "pending")
    assert scores(book)[BO]["test.text"] == (1.0, "manual")


# ---------------------------------------------------------- two grade runs at once
def test_a_second_grade_run_on_a_gradebook_being_graded_is_refused_at_once(course):
    from casekit.grading.export import export_grades
    from casekit.grading.gradebook import Gradebook

    book = course / "gb.sqlite"
    write_sheet(course / "sheets", ANN, all_right(ANN))
    g.grade(course / "sheets", book, jobs=1, progress=False)
    with Gradebook(book) as busy, busy.grading():       # as another process would hold it
        with pytest.raises(ValueError, match="running on"):
            g.grade(course / "sheets", book, jobs=1, progress=False, policy="last")
        with pytest.raises(ValueError, match="running on"):
            export_grades(book, course / "grades.csv")
    export_grades(book, course / "grades.csv")
    with Gradebook(book) as gb:
        assert [r["status"] for r in gb.conn.execute("SELECT status FROM runs")] == ["done"]


# ---------------------------------------------------------- two students with one name
def test_two_students_with_the_same_name_both_get_their_sheets_collected(course):
    import zipfile

    (course / "roster.csv").write_text("Student ID,Name\ns1,Wei Zhang\ns2,Wei Zhang\n"
                                       "s3,Ann Lee\n", encoding="utf-8")
    (course / "raw").mkdir()
    with zipfile.ZipFile(course / "raw" / "moodle.zip", "w") as z:
        for n, s in enumerate(("s1", "s2", "s3"), 1):
            name = "Ann Lee" if s == "s3" else "Wei Zhang"
            z.writestr(f"{name}_100{n}_assignsubmission_file_/{s}.json", sheet_text(s, all_right(s)))
        # Ann's folder holding a sheet for one of the Wei Zhangs is still refused
        z.writestr("Ann Lee_1003_assignsubmission_file_/x/s1.json", sheet_text("s1", []))
    report = collect([course / "raw"], course / "sheets", roster=course / "roster.csv")
    assert sorted(report.collected) == ["s1", "s2", "s3"]
    assert [p.problem for p in report.problems if p.severity == "error"] == ["names-another-student"]
    assert {p.student for p in report.problems if p.problem == "same-name"} == {"s1", "s2"}


def test_two_roster_ids_differing_only_in_case_are_refused_not_merged(course):
    from casekit.grading.collect import read_roster

    (course / "roster.csv").write_text("Student ID,Name\ns2026-001,Ann Lee\nS2026-001,Bo Chen\n",
                                       encoding="utf-8")
    with pytest.raises(ValueError, match="row 3.*listed twice"):
        read_roster(course / "roster.csv")


# ---------------------------------------------------------- settings given on a later run
def test_a_release_time_given_on_a_later_run_flags_attempts_of_unchanged_sheets(course):
    from casekit.grading.gradebook import Gradebook

    book = course / "gb.sqlite"
    write_sheet(course / "sheets", ANN, all_right(ANN))        # dated 2026-11-20
    g.grade(course / "sheets", book, jobs=1, progress=False)
    summary = g.grade(course / "sheets", book, jobs=1, progress=False,
                      releases="2026-11-25T00:00Z")
    assert summary.flagged.get("dated-before-release") == len(all_right(ANN))
    with Gradebook(book) as gb:
        assert all("dated-before-release" in a["flags"] for a in gb.attempts(ANN))


# ---------------------------------------------------------- answer keys and extensions
def test_a_page_never_shows_the_answer_key_while_a_classmate_with_an_extension_can_hand_in(course):
    import datetime as dt

    from casekit.grading.feedback import write_feedback

    book = course / "gb.sqlite"
    for s in (ANN, BO):
        write_sheet(course / "sheets", s, [attempt("test.single", "B")])
    g.grade(course / "sheets", book, jobs=1, progress=False, deadlines="2026-12-01T00:00Z")
    g.extend(book, BO, "2026-12-10T00:00Z", reason="medical")
    between = dt.datetime(2026, 12, 3, tzinfo=dt.timezone.utc)
    [page] = write_feedback(book, course / "early", students=[ANN], when=between)
    text = page.read_text(encoding="utf-8")
    assert "Expected answer:" not in text               # the class's key: Bo could copy it
    assert "Expected answer on your data:" in text      # Ann's own key: worthless to Bo
    after = dt.datetime(2026, 12, 11, tzinfo=dt.timezone.utc)
    [page] = write_feedback(book, course / "late", students=[ANN], when=after)
    assert "Expected answer" in page.read_text(encoding="utf-8")


# ---------------------------------------------------------- class lists as spreadsheets save them
def test_a_roster_saved_by_excel_as_unicode_text_is_read_and_a_non_utf8_one_is_explained(course):
    from casekit.grading.collect import read_roster

    (course / "r16.txt").write_bytes("Student ID\tName\r\ns2026-001\tJosé Lee\r\n".encode("utf-16"))
    assert read_roster(course / "r16.txt") == {"s2026-001": "José Lee"}
    (course / "r1252.csv").write_bytes("Student ID,Name\r\ns2026-001,José Lee\r\n".encode("cp1252"))
    with pytest.raises(ValueError, match="CSV UTF-8"):
        read_roster(course / "r1252.csv")


def test_a_rubric_csv_re_saved_by_excel_is_read_or_explained(course):
    from casekit.grading.marking import import_rubric_csv

    book = course / "gb.sqlite"
    write_sheet(course / "sheets", ANN, [attempt("test.text", "an answer")])
    g.grade(course / "sheets", book, jobs=1, progress=False)
    text = f"Student ID\tExercise\tPoints\tComment\r\n{ANN}\ttest.text\t1\tTrès bien\r\n"
    (course / "m16.txt").write_bytes(text.encode("utf-16"))
    assert import_rubric_csv(book, course / "m16.txt") == (1, [])
    assert scores(book)[ANN]["test.text"] == (1.0, "manual")
    (course / "m1252.csv").write_bytes(text.replace("\t", ",").encode("cp1252"))
    with pytest.raises(ValueError, match="CSV UTF-8"):
        import_rubric_csv(book, course / "m1252.csv")


# ---------------------------------------------------------- a gradebook another program holds
def test_a_gradebook_locked_by_another_program_is_not_called_corrupt(course, monkeypatch):
    import sqlite3

    from casekit.grading import gradebook as gbm
    from casekit.grading.export import export_grades

    book = course / "gb.sqlite"
    write_sheet(course / "sheets", ANN, all_right(ANN))
    g.grade(course / "sheets", book, jobs=1, progress=False)
    connect = sqlite3.connect
    monkeypatch.setattr(gbm.sqlite3, "connect", lambda *a, **k: connect(*a, **{**k, "timeout": 0.1}))
    other = connect(book, isolation_level=None)        # e.g. DB Browser with a write open
    other.execute("PRAGMA journal_mode=DELETE")
    other.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(ValueError) as err:
            export_grades(book, course / "grades.csv")
        assert "not a casekit gradebook" not in str(err.value) and "in use" in str(err.value)
    finally:
        other.execute("ROLLBACK")
        other.close()


# ---------------------------------------------------------- text that is not text
LONE = ('{"format": "casekit-answer-sheet", "version": 1, "student": "%s", "attempts": ['
        '{"id": "test.text", "answer": "a\\ud800b"}, {"id": "test.numeric", "answer": "30", '
        '"casekit": "\\udfff"}, {"id": "test.single", "answer": "A"}]}')


def test_a_lone_surrogate_in_one_sheet_never_stops_collect_or_grade_for_the_class(course):
    raw = course / "raw"
    raw.mkdir()
    (raw / f"{ANN}.json").write_text(LONE % ANN, encoding="utf-8")
    write_sheet(raw, BO, all_right(BO))
    report = collect([raw], course / "sheets")
    assert sorted(report.collected) == [ANN, BO]
    g.grade(course / "sheets", course / "gb.sqlite", jobs=1, progress=False)
    got = scores(course / "gb.sqlite")
    assert got[ANN]["test.single"] == (1.0, "auto") and got[ANN]["test.text"][1] == "unattempted"
    assert got[BO]["test.table"] == (1.0, "auto")
    sheet, problems = parse_sheet((LONE % ANN).encode(), "x.json")
    assert [a["id"] for a in sheet.attempts] == ["test.single"]
    assert "not valid Unicode" in problems[0].detail


def test_a_huge_free_text_answer_survives_the_rubric_csv_round_trip(course):
    import csv
    import io

    from casekit.grading.marking import import_rubric_csv, write_pending_csv

    book = course / "gb.sqlite"
    write_sheet(course / "sheets", ANN, [attempt("test.text", "long " * 60_000)])  # 300 kB
    write_sheet(course / "sheets", BO, [attempt("test.text", "short")])
    g.grade(course / "sheets", book, jobs=1, progress=False)
    write_pending_csv(book, course / "pending.csv")
    text = (course / "pending.csv").read_text(encoding="utf-8-sig")
    limit = csv.field_size_limit()
    try:
        csv.field_size_limit(2 ** 30)
        rows = list(csv.reader(io.StringIO(text, newline="")))
    finally:
        csv.field_size_limit(limit)
    assert all(len(cell) <= 32_767 for row in rows for cell in row)     # a spreadsheet cell
    for row in rows[1:]:
        row[3] = "1"
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    (course / "marked.csv").write_text(buffer.getvalue(), encoding="utf-8")
    assert import_rubric_csv(book, course / "marked.csv") == (2, [])
    assert scores(book)[ANN]["test.text"] == (1.0, "manual")
