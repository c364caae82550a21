"""Hostile or odd hand-ins at intake: each is reported, none crashes collect, no good sheet
is lost, and nothing a student names reaches a terminal or a spreadsheet unneutralised."""
import csv
import io
import json
import os
import pickle
import struct
import time
import unicodedata
import zipfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casekit.exercises.sheetformat import MAX_DEPTH
from casekit.grading.collect import collect
from casekit.grading.common import printable, safe_cell, write_csv
from casekit.grading.sheets import parse_sheet
from tests.test_grading import all_right, attempt, course, sheet_text, write_sheet  # noqa: F401

ANN, BO = "s2026-001", "s2026-002"


def rows(out):
    with open(out / "collect-report.csv", encoding="utf-8-sig", newline="") as f:
        return list(csv.reader(f))


def kinds(report):
    return sorted(p.problem for p in report.problems)


def good(folder):
    return write_sheet(folder, ANN, all_right(ANN))


def test_special_files_are_reported_and_never_block(course):
    raw = course / "raw"
    good(raw)
    os.mkfifo(raw / f"{BO}.json")                                   # would block a plain open()
    os.symlink("loop.json", raw / "loop.json")                      # a link to itself
    os.symlink(".", raw / "again")                                  # a folder link loop
    (raw / "empty.json").write_bytes(b"")
    (raw / "box.json").mkdir()                                      # a folder named like a sheet
    write_sheet(raw / "box.json", "s2026-003", all_right("s2026-003"))
    started = time.perf_counter()
    report = collect([raw, raw / f"{BO}.json"], course / "sheets")
    assert time.perf_counter() - started < 2
    assert sorted(report.collected) == [ANN, "s2026-003"]
    assert kinds(report) == ["not-a-file", "not-a-file", "unreadable", "unreadable"]
    assert any("link to a folder" in r[4] for r in rows(course / "sheets"))


def test_a_zip_of_ten_thousand_tiny_entries_is_read_quickly(course):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        for i in range(10_000):
            z.writestr(f"junk/{i:05d}.txt", b"x")
        z.writestr(f"{ANN}.json", sheet_text(ANN, all_right(ANN)))
        for i in range(200):
            z.writestr(f"odd/{i:03d}.json", b"{}")
    (course / "raw").mkdir()
    (course / "raw" / "many.zip").write_bytes(buffer.getvalue())
    started = time.perf_counter()
    report = collect([course / "raw"], course / "sheets")
    assert time.perf_counter() - started < 2
    assert list(report.collected) == [ANN] and report.ignored == 10_000
    assert kinds(report) == ["not-a-sheet"] * 200
    assert "… and 140 more" in report.summary()


def test_a_zip_declaring_too_many_entries_or_a_bad_crc_is_reported(course):
    data = bytearray(zipfile_bytes({f"{BO}.json": sheet_text(BO, all_right(BO))}))
    end = data.rfind(b"PK\x05\x06")
    data[end + 8:end + 12] = struct.pack("<HH", 60_000, 60_000)
    (course / "raw").mkdir()
    (course / "raw" / "huge-directory.zip").write_bytes(bytes(data))
    stored = bytearray(zipfile_bytes({f"{BO}.json": sheet_text(BO, all_right(BO))},
                                     zipfile.ZIP_STORED))
    at = stored.find(b'"format"')
    stored[at + 1] ^= 0x20                                          # flip one bit: CRC fails
    (course / "raw" / "crc.zip").write_bytes(bytes(stored))
    good(course / "raw")
    report = collect([course / "raw"], course / "sheets")
    assert kinds(report) == ["too-large", "unreadable"] and list(report.collected) == [ANN]


def test_a_flood_of_distinct_sheets_for_one_student_is_bounded(course, monkeypatch):
    import casekit.grading.collect as collect_module

    monkeypatch.setattr(collect_module, "MAX_VERSIONS", 20)
    flood = {f"{BO}-{i:03d}.json": sheet_text(BO, [attempt("test.numeric", str(i))])
             for i in range(60)}
    (course / "raw").mkdir()
    (course / "raw" / "flood.zip").write_bytes(zipfile_bytes(flood))
    good(course / "raw")
    report = collect([course / "raw"], course / "sheets")
    assert sorted(report.collected) == [ANN, BO]
    assert kinds(report).count("too-large") == 40
    assert len(list((course / "sheets" / ".versions" / BO).glob("*.json"))) == 21   # + index
    assert len(json.loads((course / "sheets" / f"{BO}.json").read_text())["attempts"]) == 20


def zipfile_bytes(members, method=zipfile.ZIP_DEFLATED):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buffer.getvalue()


LOOK_ALIKES = {
    "cyrillic": "\u0455" + ANN[1:],          # ѕ2026-001
    "full-width": "\uff53" + ANN[1:],        # ｓ2026-001
    "zero-width": ANN[:3] + "\u200b" + ANN[3:],
    "bidi": ANN + "\u202e",
    "newline": ANN + "\nx",
    "escape": ANN + "\x1b[2J",
}


@pytest.mark.parametrize("how", sorted(LOOK_ALIKES))
def test_look_alike_or_control_characters_in_an_id_are_refused(course, how):
    raw = course / "raw"
    good(raw)
    (raw / f"{BO}.json").write_text(sheet_text(LOOK_ALIKES[how], all_right(ANN)), encoding="utf-8")
    report = collect([raw], course / "sheets")
    assert kinds(report) == ["bad-student"] and list(report.collected) == [ANN]
    assert json.loads((course / "sheets" / f"{ANN}.json").read_text())["attempts"] == all_right(ANN)
    shown = report.summary() + (course / "sheets" / "collect-report.csv").read_text("utf-8-sig")
    assert all(unicodedata.category(ch)[0] != "C" or ch in "\r\n" for ch in shown)


@pytest.mark.parametrize("student", ["..", ".", ".hidden"])
def test_an_id_that_is_a_path_never_writes_outside_its_folder(course, student):
    raw = course / "raw"
    good(raw)
    write_sheet(raw / f"x_{student}_y", student, all_right(ANN), name="answers.json")
    out = course / "sheets"
    report = collect([raw], out)
    assert kinds(report) == ["bad-student"] and list(report.collected) == [ANN]
    assert sorted(p.name for p in out.iterdir()) == [".casekit-collect", ".versions",
                                                      "collect-report.csv", f"{ANN}.json"]
    assert sorted(p.name for p in (out / ".versions").iterdir()) == [ANN]


def test_look_alike_folder_names_and_roster_names_are_shown_escaped(course):
    raw = course / "raw"
    folder = raw / "B\u043e Chen_12_assignsubmission_file_"      # a Cyrillic о
    write_sheet(folder, ANN, all_right(ANN))
    write_sheet(raw / "Ann Lee_11_assignsubmission_file_", BO, all_right(BO))
    (course / "roster.csv").write_text(f"Student ID,Name\n{ANN},Ann\u200b Lee\n{BO},Bo Chen\n")
    report = collect([raw], course / "sheets", roster=course / "roster.csv")
    assert list(report.collected) == [ANN]
    shown = report.summary() + (course / "sheets" / "collect-report.csv").read_text("utf-8-sig")
    assert "\u200b" not in shown and "\u043e" not in shown and "B\\u043e Chen" in shown
    assert "(Ann\\u200b Lee)" in shown
    assert [(p.problem, p.student) for p in report.problems] == [("names-another-student", BO),
                                                                ("missing", BO)]


FORMULAS = ["=1+1", "+1", "-1+1", "@SUM(A1)", " =1+1", "\t=1+1", "\r=1", "\uff1d1+1",
            "\u3000=1", "\uff20A1", "\n=1"]


def is_formula(cell):
    first = unicodedata.normalize("NFKC", cell.lstrip(" \t\r\n\u3000\u00a0"))[:1]
    return first in ("=", "+", "-", "@")


@pytest.mark.parametrize("formula", FORMULAS)
def test_formula_variants_never_reach_a_spreadsheet_as_formulas(tmp_path, formula):
    assert safe_cell(formula).startswith("'")
    path = write_csv(tmp_path / "x.csv", ["a"], [[formula], [printable(formula)]])
    with open(path, encoding="utf-8-sig", newline="") as f:
        cells = [row[0] for row in csv.reader(f)][1:]
    assert not any(is_formula(cell) for cell in cells)


def test_every_field_a_student_controls_is_neutralised_in_the_report(course):
    raw = course / "raw"
    good(raw)
    hostile = [attempt("=HYPERLINK(\"http://x\")", "1"), attempt("\u202eexe.cod", "2"),
               attempt("@cmd|' /C calc'!A0", "3"), attempt("ok\x07bell", "4")]
    write_sheet(raw / "=cmd()", BO, hostile)                         # folder named like a formula
    write_sheet(raw, "@id", hostile)                                 # an id a formula could start
    (raw / "-2+3.json").write_text("not json")
    (raw / "\uff1dbad.json").write_text(sheet_text(BO, hostile))
    report = collect([raw, raw / "-2+3.json"], course / "sheets")
    assert ANN in report.collected
    table = rows(course / "sheets")
    assert table and not any(is_formula(cell) for row in table for cell in row)
    shown = report.summary() + "".join(",".join(r) for r in table)
    assert "\u202e" not in shown and "\x07" not in shown


def test_a_good_sheet_survives_every_kind_of_bad_neighbour(course):
    raw = course / "raw"
    good(raw)
    (raw / f"{BO}.json").write_bytes(b"\xff\xfe garbage")
    (raw / "nested.zip").write_bytes(b"PK\x05\x06" + b"\x00" * 18)        # an empty zip
    (raw / "notzip.zip").write_bytes(b"hello")
    (raw / ".DS_Store").write_bytes(b"\x00")
    (raw / "notes.txt").write_text("=1+1")
    out = course / "sheets"
    collect([raw], out)
    before = (out / f"{ANN}.json").read_bytes()
    (raw / f"{ANN}.json").write_bytes(b"")                                  # re-upload, empty
    report = collect([raw], out)
    assert (out / f"{ANN}.json").read_bytes() == before
    assert "unreadable" in kinds(report)


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
                    lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(st.text(max_size=6), inner, max_size=3), max_leaves=40)


@settings(max_examples=40, deadline=None, derandomize=True)
@given(attempts=st.lists(JSON | st.fixed_dictionaries({"id": st.text(max_size=5), "answer": JSON},
                                                      optional={"score": JSON, "handed_in": JSON}),
                         max_size=6),
       student=st.text(max_size=10) | st.just(ANN), depth=st.integers(0, 40))
def test_the_sheet_reader_never_raises_and_what_it_keeps_is_safe_to_grade(attempts, student, depth):
    nested = {"id": "test.numeric", "answer": json.loads("[" * depth + "]" * depth or "1")}
    doc = {"format": "casekit-answer-sheet", "version": 1, "student": student,
           "attempts": attempts + [nested]}
    sheet, problems = parse_sheet(json.dumps(doc).encode(), "x.json")
    assert all(p.severity in ("error", "warning") for p in problems)
    if sheet is not None:
        assert sheet.student == student.strip() and depth + 3 <= MAX_DEPTH
        assert all(isinstance(a, dict) and isinstance(a["id"], str) and "answer" in a
                   for a in sheet.attempts)
        pickle.dumps(sheet)
    elif student == ANN:
        assert depth + 3 > MAX_DEPTH and problems[0].problem == "too-deep"
