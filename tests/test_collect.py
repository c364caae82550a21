"""Collecting answer sheets: what an instructor relies on at intake.

Every grade right, one bad sheet never stops the class, nothing a student hands in can
move another student's grade, and collect never deletes a student's data.
"""
import csv
import io
import json
import pickle
import tracemalloc
import zipfile

import pytest

from casekit.exercises.sheet import AnswerSheet, CorruptSheetError
from casekit.grading import collect as collect_module
from casekit.grading.collect import collect, read_roster, read_times
from casekit.grading.sheets import parse_sheet
from tests.test_grading import all_right, attempt, course, sheet_text, write_sheet  # noqa: F401

ANN, BO, CY = "s2026-001", "s2026-002", "s2026-003"
ROSTER = f"Student ID,Name\n{ANN},Ann Lee\n{BO},Bo Chen\n{CY},Cy Wang\n"


def roster(folder, text=ROSTER):
    path = folder / "roster.csv"
    path.write_text(text, encoding="utf-8")
    return path


def zip_bytes(members):
    """A zip (deflated) of {name: bytes or str}."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buffer.getvalue()


def report_rows(out):
    with open(out / "collect-report.csv", encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def collected(out, student):
    return json.loads((out / f"{student}.json").read_text(encoding="utf-8"))["attempts"]


FORGED = [attempt("test.numeric", "30"), attempt("test.single", "A")]


# --------------------------------------------------------------------------- 1. identity
def test_a_sheet_in_a_zip_in_anns_upload_cannot_speak_for_bo(course):
    raw = course / "raw"
    bo_real = [attempt("test.numeric", "90", score=0.0)]
    export = zip_bytes({
        "Ann Lee_11_assignsubmission_file_/bundle.zip": zip_bytes({f"{BO}.json": sheet_text(BO, FORGED)}),
        f"Ann Lee_11_assignsubmission_file_/{ANN}.json": sheet_text(ANN, all_right(ANN)),
        f"Bo Chen_12_assignsubmission_file_/{BO}.json": sheet_text(BO, bo_real),
    })
    raw.mkdir()
    (raw / "moodle-export.zip").write_bytes(export)
    # Canvas: a zip uploaded by Ann, named by the LMS after her
    (raw / "annlee_1234_5678_submission.zip").write_bytes(
        zip_bytes({f"{BO}.json": sheet_text(BO, FORGED)}))
    report = collect([raw], course / "sheets", roster=roster(course))
    foreign = [p for p in report.problems if p.problem == "names-another-student"]
    assert len(foreign) == 2 and all(p.student == BO and f"'{ANN}'" in p.detail for p in foreign)
    assert collected(course / "sheets", BO) == bo_real              # Bo's own upload, untouched
    assert not [p for p in report.problems if p.student == BO and p.problem in ("duplicate", "merged")]
    assert sorted(report.collected) == [ANN, BO]


def test_a_students_lms_folder_given_as_the_source_still_names_its_student(course):
    folder = course / "Ann Lee_11_assignsubmission_file_"
    write_sheet(folder, BO, FORGED)
    write_sheet(folder, ANN, all_right(ANN))
    report = collect([folder], course / "sheets", roster=roster(course))
    assert [(p.problem, p.student) for p in report.problems][0] == ("names-another-student", BO)
    assert list(report.collected) == [ANN]


def test_without_a_roster_an_enclosing_folder_with_another_id_is_refused(course):
    raw = course / "raw"
    (raw / ANN).mkdir(parents=True)
    (raw / ANN / "bundle.zip").write_bytes(zip_bytes({f"{BO}.json": sheet_text(BO, FORGED)}))
    write_sheet(raw / BO, BO, [attempt("test.numeric", "90", score=0.0)])
    report = collect([raw], course / "sheets")
    assert [(p.problem, p.student) for p in report.problems] == [("names-another-student", BO)]
    assert [a["answer"] for a in collected(course / "sheets", BO)] == ["90"]


# --------------------------------------------------------------------------- 2. additive
def test_collecting_late_uploads_into_an_earlier_folder_deletes_nothing(course):
    first, late = course / "first", course / "late"
    write_sheet(first, ANN, all_right(ANN))
    write_sheet(first, BO, [attempt("test.numeric", "90", "2026-11-20T09:00:00Z", 0.0)])
    out = course / "sheets"
    collect([first], out)
    ann_before = (out / f"{ANN}.json").read_bytes()
    write_sheet(late, CY, all_right(CY))
    (late / f"{ANN}.json").write_text('{"format": "casekit-answer-sheet", "ver')   # corrupt
    write_sheet(late / "extra", BO, [attempt("test.numeric", "90", "2026-11-20T09:00:00Z", 0.0),
                                     attempt("test.numeric", "30", "2026-11-21T09:00:00Z")])
    report = collect([late], out)
    assert sorted(p.stem for p in out.glob("*.json")) == [ANN, BO, CY]
    assert (out / f"{ANN}.json").read_bytes() == ann_before         # the corrupt copy changed nothing
    assert [p.problem for p in report.problems if p.student == "" or p.source.endswith(f"{ANN}.json")] \
        == ["unreadable"]
    assert [a["answer"] for a in collected(out, BO)] == ["90", "30"]
    assert len(list((out / ".versions" / BO).glob("*.json"))) == 3   # two versions + index
    assert report.added == 2 and report.students == 3
    assert "2 new upload(s) kept" in report.summary()
    again = collect([late], out)                                     # nothing new: nothing moves
    assert again.added == 0 and again.kept == 2
    assert [a["answer"] for a in collected(out, BO)] == ["90", "30"]


def test_a_collection_made_before_versions_existed_is_kept_and_extended(course):
    out = course / "sheets"
    out.mkdir()
    (out / ".casekit-collect").write_text("old collection\n")
    write_sheet(out, ANN, [attempt("test.numeric", "90", "2026-11-20T09:00:00Z", 0.0)])
    write_sheet(course / "late", ANN, [attempt("test.single", "A", "2026-11-21T09:00:00Z")])
    collect([course / "late"], out)
    assert [a["answer"] for a in collected(out, ANN)] == ["90", "A"]


# --------------------------------------------------------------------------- 3. bounded read
def deep_sheet(student, depth=900):
    answer = "[" * depth + "1" + "]" * depth
    return (f'{{"format": "casekit-answer-sheet", "version": 1, "student": "{student}", '
            f'"attempts": [{{"id": "test.numeric", "answer": {answer}}}]}}').encode()


def test_a_small_sheet_nested_900_deep_is_refused_when_read(course, tmp_path):
    data = deep_sheet(ANN)
    assert len(data) < 2_100
    sheet, problems = parse_sheet(data, "deep.json")
    assert sheet is None and [p.problem for p in problems] == ["too-deep"]
    assert "32 levels" in problems[0].detail
    (course / "raw").mkdir()
    (course / "raw" / f"{ANN}.json").write_bytes(data)
    write_sheet(course / "raw", BO, all_right(BO))
    report = collect([course / "raw"], course / "sheets")
    assert [p.problem for p in report.problems] == ["too-deep"] and list(report.collected) == [BO]
    pickle.dumps(parse_sheet((course / "sheets" / f"{BO}.json").read_bytes(), "x")[0])
    home = tmp_path / "home"
    (home / "answers").mkdir(parents=True)
    (home / "answers" / f"{ANN}.json").write_bytes(data)
    with pytest.raises(CorruptSheetError, match="32 levels"):
        AnswerSheet(ANN, home=home).read()


def test_answers_and_attempts_have_bounds_no_honest_sheet_reaches(course):
    big = {"id": "test.text", "answer": "x" * (2 ** 20 + 10)}
    data = json.dumps({"format": "casekit-answer-sheet", "version": 1, "student": ANN,
                       "attempts": [big, {"id": "test.single", "answer": "A"}]}).encode()
    sheet, problems = parse_sheet(data, "big.json")
    assert [a["id"] for a in sheet.attempts] == ["test.single"]
    assert "over the 1 MB limit" in problems[0].detail
    many = json.dumps({"format": "casekit-answer-sheet", "version": 1, "student": ANN,
                       "attempts": [{"id": "a", "answer": 1}] * 50_001}).encode()
    sheet, problems = parse_sheet(many, "many.json")
    assert sheet is None and problems[0].problem == "too-large" and "50,000" in problems[0].detail


# --------------------------------------------------------------------------- 4. zip bombs
def stored_zip_of_zeros(n_bytes):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as z:
        z.writestr("pad.bin", bytes(n_bytes))
    return buffer.getvalue()


def test_a_zip_bomb_is_reported_with_modest_memory_and_the_class_still_collected(course, monkeypatch):
    monkeypatch.setattr(collect_module, "MAX_UNPACKED_BYTES", 20 * 2 ** 20)
    layer = stored_zip_of_zeros(12 * 2 ** 20)            # 12 MB when unpacked, ~12 kB packed
    bomb = zip_bytes({f"layer-{k}.zip": layer for k in range(3)})
    export = zip_bytes({
        f"Ann Lee_1_assignsubmission_file_/{ANN}.json": sheet_text(ANN, all_right(ANN)),
        "Bo Chen_2_assignsubmission_file_/bomb.zip": bomb,
        f"Cy Wang_3_assignsubmission_file_/{CY}.json": sheet_text(CY, all_right(CY)),
    })
    assert len(export) < 200_000
    (course / "raw").mkdir()
    (course / "raw" / "export.zip").write_bytes(export)
    del layer, bomb
    tracemalloc.start()
    try:
        report = collect([course / "raw"], course / "sheets", roster=roster(course))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert sorted(report.collected) == [ANN, CY]
    [bomb_problem] = [p for p in report.problems if p.problem == "too-large"]
    assert "bomb.zip" in bomb_problem.source and "20 MB" in bomb_problem.detail
    assert peak < 8 * 2 ** 20, f"peak {peak / 2 ** 20:.1f} MB"


def test_zips_nested_too_deep_are_reported_and_not_opened(course):
    inner = zip_bytes({f"{ANN}.json": sheet_text(ANN, all_right(ANN))})
    for k in range(6):
        inner = zip_bytes({f"level-{k}.zip": inner})
    (course / "raw").mkdir()
    (course / "raw" / "deep.zip").write_bytes(inner)
    write_sheet(course / "raw", BO, all_right(BO))
    report = collect([course / "raw"], course / "sheets")
    assert [p.problem for p in report.problems] == ["too-deep"]
    assert list(report.collected) == [BO]


# --------------------------------------------------------------------------- 5. names
def test_a_file_name_that_is_not_utf8_is_reported_and_the_report_still_written(course):
    import os

    raw = course / "raw"
    write_sheet(raw, ANN, all_right(ANN))
    odd = os.path.join(os.fsencode(raw), b"notes-\xff\xfe.json")
    with open(odd, "wb") as f:
        f.write(sheet_text(BO, all_right(BO)).encode())
    report = collect([raw], course / "sheets")
    assert "bad-file-name" in {p.problem for p in report.problems}
    rows = report_rows(course / "sheets")
    assert any("notes-\\xff\\xfe.json" in row["File"] for row in rows)
    assert list(report.collected) == [ANN]
    report.summary().encode("utf-8")                   # printable in a UTF-8 terminal


def test_unsafe_and_hidden_zip_entries_are_skipped_counted_and_listed(course):
    (course / "raw").mkdir()
    (course / "raw" / "export.zip").write_bytes(zip_bytes({
        f"../{BO}.json": sheet_text(BO, FORGED),
        f"/etc/{BO}.json": sheet_text(BO, FORGED),
        f".hidden/{BO}.json": sheet_text(BO, FORGED),
        f"__MACOSX/._{ANN}.json": b"\x00junk",
        f"{ANN}.json": sheet_text(ANN, all_right(ANN)),
    }))
    report = collect([course / "raw"], course / "sheets")
    assert report.problems == [] and list(report.collected) == [ANN] and report.skipped == 4
    skipped = {row["File"].split("export.zip/")[-1]: row["Detail"]
               for row in report_rows(course / "sheets") if row["Problem"] == "skipped"}
    assert len(skipped) == 4 and any(".." in reason for reason in skipped.values())
    assert "4 skipped" in report.summary()


def test_control_and_bidi_characters_never_reach_the_terminal_or_the_csv(course):
    raw = course / "raw"
    name = f"{ANN}\u202egpj.exe\x1b[2J.json"
    write_sheet(raw, ANN, all_right(ANN), name=name)
    report = collect([raw], course / "sheets")
    shown = report.summary() + (course / "sheets" / "collect-report.csv").read_text(encoding="utf-8-sig")
    assert "\u202e" not in shown and "\x1b" not in shown and "\\u202e" in shown


# --------------------------------------------------------------------------- 6. LMS times
def test_lms_submission_times_and_late_flags_are_stamped_on_every_attempt(course):
    raw = course / "raw"
    raw.mkdir()
    ann = [attempt("test.numeric", "30", "2026-11-30T10:00:00Z")]
    bo = [{**attempt("test.numeric", "30", "2026-12-02T10:00:00Z"),
           "handed_in": "2026-11-01T00:00:00Z", "lms_late": False}]      # forged by the student
    (raw / "canvas.zip").write_bytes(zip_bytes({
        f"annlee_1234_5678_{ANN}.json": sheet_text(ANN, ann),
        f"chenbo_LATE_2345_6789_{BO}.json": sheet_text(BO, bo),
    }))
    times = course / "times.csv"
    times.write_text(f"Student,SIS User ID,Submitted at\n\"Lee, Ann\",{ANN},2026-12-01T20:00:00+08:00\n"
                     f"\"Chen, Bo\",{BO},2026-12-02 23:30\n", encoding="utf-8")
    report = collect([raw], course / "sheets", roster=roster(course), times=times,
                     timezone="Asia/Shanghai")
    out = course / "sheets"
    [a] = collected(out, ANN)
    assert a["handed_in"] == "2026-12-01T12:00:00Z" and "lms_late" not in a
    [b] = collected(out, BO)
    assert b["handed_in"] == "2026-12-02T15:30:00Z" and b["lms_late"] is True
    assert [(p.problem, p.student) for p in report.problems] == [("forged-fields", BO),
                                                                  ("missing", CY)]
    assert (out / ".casekit-collect").exists()
    # a later export: the earlier attempt keeps its earlier time, the new one gets the new time
    (raw / "canvas.zip").write_bytes(zip_bytes({f"annlee_1234_5679_{ANN}.json": sheet_text(
        ANN, ann + [attempt("test.single", "A", "2026-12-05T10:00:00Z")])}))
    times.write_text(f"SIS User ID,Submitted at\n{ANN.upper()},2026-12-05T12:00:00Z\n",
                     encoding="utf-8")                              # an LMS that upper-cases ids
    collect([raw], out, roster=roster(course), times=times)
    assert [x["handed_in"] for x in collected(out, ANN)] == ["2026-12-01T12:00:00Z",
                                                             "2026-12-05T12:00:00Z"]


def test_moodle_times_in_their_long_english_form(tmp_path):
    path = tmp_path / "moodle.csv"
    path.write_text("Identifier,Full name,Username,Email address,Status,Last modified (submission)\n"
                    f"Participant 1,Ann Lee,{ANN},ann@x.edu,Submitted,\"Monday, 1 December 2026, 11:59 PM\"\n"
                    f"Participant 2,Bo Chen,{BO},bo@x.edu,No submission,-\n"
                    f"Participant 3,Cy Wang,{CY},cy@x.edu,Submitted,sometime\n", encoding="utf-8")
    times, problems = read_times(path, "Europe/London")
    assert {s: t.isoformat() for s, t in times.items()} == {ANN: "2026-12-01T23:59:00+00:00"}
    assert [(p.problem, p.student) for p in problems] == [("bad-time", CY)]
    with pytest.raises(ValueError, match="not a known IANA"):
        read_times(path, "Mars/Olympus")


# --------------------------------------------------------------------------- 7. Canvas roster
def test_canvas_gradebook_export_works_as_the_roster(tmp_path):
    path = tmp_path / "canvas.csv"
    path.write_text(
        "Student,ID,SIS User ID,SIS Login ID,Section,Quiz 1 (8812)\n"
        "    Points Possible,,,,,10\n"
        f"\"Lee, Ann\",101,{ANN},ann.lee,CRM 101,9\n"
        f"\"Chen, Bo\",102,{BO}\n"                                   # a short row
        f"\"Wang, Cy\",103,,{CY},CRM 101,7\n"                        # no SIS User ID
        "\"Student, Test\",999,,,CRM 101,\n", encoding="utf-8")
    assert read_roster(path) == {ANN: "Ann Lee", BO: "Bo Chen", CY: "Cy Wang"}
    plain = tmp_path / "plain.csv"
    plain.write_text(f"Student ID,Name\n{ANN},Ann Lee\n{BO}\n", encoding="utf-8")
    assert read_roster(plain) == {ANN: "Ann Lee", BO: ""}
    no_sis = tmp_path / "no-sis.csv"
    no_sis.write_text("Student,ID,Section\n\"Lee, Ann\",101,CRM 101\n", encoding="utf-8")
    with pytest.raises(ValueError, match="without the 'SIS User ID'"):
        read_roster(no_sis)


# --------------------------------------------------------------------------- 8. mistyped id
def test_a_mistyped_id_is_reported_with_a_suggestion_and_never_merged(course):
    write_sheet(course / "raw", "s2026-39", all_right("s2026-39"))
    report = collect([course / "raw"], course / "sheets",
                     roster=roster(course, "Student ID,Name\ns2026-039,Ann Lee\n"))
    off = [p for p in report.problems if p.student == "s2026-39"]
    assert [p.problem for p in off] == ["not-on-roster"]
    assert "did you mean s2026-039 (Ann Lee)?" in off[0].detail
    assert not (course / "sheets" / "s2026-039.json").exists()
    [missing] = [p for p in report.problems if p.problem == "missing"]
    assert missing.student == "s2026-039" and "s2026-39" in missing.detail



def test_a_mistyped_id_in_the_students_own_lms_folder_is_named_as_such(course):
    folder = course / "raw" / "Ann Lee_11_assignsubmission_file_"
    write_sheet(folder, "s2026-39", all_right("s2026-39"))
    report = collect([course / "raw"], course / "sheets",
                     roster=roster(course, "Student ID,Name\ns2026-039,Ann Lee\n"))
    problem, missing = report.problems
    assert problem.problem == "names-another-student" and "a mistyped id?" in problem.detail
    assert "copied" not in problem.detail and "did you mean s2026-039 (Ann Lee)?" in problem.detail
    assert missing.problem == "missing" and "a sheet for s2026-39 was handed in" in missing.detail
    assert report.collected == {} and not list((course / "sheets").glob("s2026*.json"))


# --------------------------------------------------------------------------- 9. notebooks
def test_a_notebook_handed_in_instead_of_a_sheet_is_named_with_what_to_do(course):
    folder = course / "raw" / "Bo Chen_12_assignsubmission_file_"
    folder.mkdir(parents=True)
    (folder / "01-customer-value.ipynb").write_text(json.dumps(
        {"cells": [{"cell_type": "code", "source": "open('/tmp/pwned', 'w')"}]}))
    write_sheet(course / "raw", ANN, all_right(ANN))
    report = collect([course / "raw"], course / "sheets", roster=roster(course))
    [note] = [p for p in report.problems if p.problem == "notebook-not-sheet"]
    assert note.student == BO and f"answers/{BO}.json" in note.detail
    assert "not graded" in note.detail
    assert any(r["Problem"] == "notebook-not-sheet" for r in report_rows(course / "sheets"))
    assert not __import__("os").path.exists("/tmp/pwned")


# --------------------------------------------------------------------------- 10. one format
def test_the_notebook_and_the_grader_read_sheets_with_one_parser(tmp_path):
    import casekit.exercises.sheet as student_side
    import casekit.exercises.sheetformat as fmt
    import casekit.grading.sheets as grader_side

    assert student_side.parse_sheet is grader_side.parse_sheet is fmt.parse_sheet
    assert student_side.FORMAT == grader_side.FORMAT and student_side.VERSION == grader_side.VERSION
    sheet = AnswerSheet(ANN, home=tmp_path)
    sheet.path.parent.mkdir(parents=True)
    sheet.path.write_text(json.dumps({"format": "casekit-answer-sheet", "version": 2,
                                      "student": ANN, "attempts": []}))
    with pytest.raises(CorruptSheetError, match="version 2 is not supported"):
        sheet.read()


def test_without_a_roster_an_lms_upload_cannot_speak_for_another_student(course):
    """Bo puts a sheet with Ann's id in his own Moodle folder or Canvas upload: without the
    class list nobody can tell Bo from Ann, so it is refused, never merged into Ann's sheet."""
    raw = course / "raw"
    write_sheet(raw / "Ann Lee_1_assignsubmission_file_", "s2026-001", all_right("s2026-001"))
    write_sheet(raw / "Bo Chen_2_assignsubmission_file_", "s2026-001",
                [attempt("test.text", "Bo's text")], name="s2026-001.json")
    write_sheet(raw, "s2026-001", [attempt("test.numeric", "1")], name="chenbo_2_9_s2026-001.json")
    write_sheet(raw / "week1", "s2026-003", all_right("s2026-003"))          # a plain folder
    report = collect([raw], course / "sheets")
    refused = sorted(p.source for p in report.problems if p.problem == "needs-roster")
    assert len(refused) == 3 and all("s2026-001" in s for s in refused)
    assert list(report.collected) == ["s2026-003"]
    assert "--roster" in report.summary()
    (course / "roster.csv").write_text("Student ID,Name\ns2026-001,Ann Lee\ns2026-002,Bo Chen\n"
                                       "s2026-003,Cy Wang\n")
    report = collect([raw], course / "sheets2", roster=course / "roster.csv")
    assert report.collected["s2026-001"] == ["raw/Ann Lee_1_assignsubmission_file_/s2026-001.json"]
    assert sum(p.problem == "names-another-student" for p in report.problems) == 2
