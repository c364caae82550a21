"""Answer sheets: format, atomic writes, concurrent writers, corrupt sheets kept."""
import json
import multiprocessing as mp
import os

import numpy as np
import pandas as pd
import pytest

from casekit.exercises.sheet import FORMAT, AnswerSheet, json_safe, read_sheet_bytes, CorruptSheetError


def entry(i=0, exercise="crm.quiz-01"):
    return {"id": exercise, "answer": f"answer {i}", "score": 1.0, "correct": True}


def test_sheet_format_is_plain_json_with_numbered_timestamped_attempts(tmp_path):
    sheet = AnswerSheet("s1", home=tmp_path)
    sheet.record(entry(1))
    sheet.record(entry(2))
    sheet.record(entry(3, "crm.quiz-02"))
    data = json.loads((tmp_path / "answers" / "s1.json").read_text())
    assert data["format"] == FORMAT and data["version"] == 1 and data["student"] == "s1"
    assert [(a["id"], a["attempt"]) for a in data["attempts"]] == [
        ("crm.quiz-01", 1), ("crm.quiz-01", 2), ("crm.quiz-02", 1)]
    assert all(a["timestamp"].endswith("Z") for a in data["attempts"])


def test_answers_of_any_kind_are_stored_as_valid_json(tmp_path):
    sheet = AnswerSheet("s1", home=tmp_path)
    frame = pd.DataFrame({"a": [1.5, np.nan]}, index=["x", "y"])
    saved = sheet.record({"id": "x", "answer": {"frame": frame, "nan": float("nan"), "inf": np.inf,
                                                "arr": np.arange(3), "set": {3, 1}, "obj": object(),
                                                "long": "x" * 50_000}})
    text = sheet.path.read_text()
    json.loads(text)   # strict JSON: no NaN/Infinity tokens
    assert "NaN" not in text and "Infinity" not in text
    answer = saved["answer"]
    assert answer["frame"] == {"columns": ["a"], "index": ["x", "y"], "data": [[1.5], ["nan"]]}
    assert answer["inf"] == "inf" and answer["arr"] == [0, 1, 2] and answer["set"] == [1, 3]
    assert len(answer["long"]) < 21_000


def test_a_failed_write_leaves_the_old_sheet_intact_and_no_temp_files(tmp_path, monkeypatch):
    sheet = AnswerSheet("s1", home=tmp_path)
    sheet.record(entry(1))
    before = sheet.path.read_bytes()

    def crash(*args):
        raise OSError("disk full")
    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="disk full"):
        sheet.record(entry(2))
    monkeypatch.undo()
    assert sheet.path.read_bytes() == before
    assert sorted(p.name for p in sheet.folder.iterdir()) == ["s1.json", "s1.json.lock"]


@pytest.mark.parametrize("damage", [
    lambda text: text[: len(text) // 2],            # truncated mid-write
    lambda text: "not json at all",
    lambda text: json.dumps({"hello": "world"}),     # JSON, but not a sheet
    lambda text: json.dumps({"format": FORMAT, "attempts": [1, 2]}),
])
def test_a_corrupt_sheet_is_kept_reported_and_never_overwritten(tmp_path, damage):
    sheet = AnswerSheet("s1", home=tmp_path)
    sheet.record(entry(1))
    broken = damage(sheet.path.read_text())
    sheet.path.write_text(broken)
    sheet.record(entry(2))
    kept = [p for p in sheet.folder.iterdir() if ".corrupt-" in p.name]
    assert len(kept) == 1 and kept[0].read_text() == broken
    assert len(sheet.notices) == 1 and kept[0].name in sheet.notices[0]
    assert [a["answer"] for a in sheet.attempts()] == ["answer 2"]


def test_a_corrupt_sheet_is_reported_to_the_student(tmp_path, monkeypatch):
    import casekit.exercises as ex
    monkeypatch.setenv("CASEKIT_HOME", str(tmp_path))
    monkeypatch.setenv("CASEKIT_EXERCISES", os.path.join(os.path.dirname(__file__), "banks"))
    sheet = AnswerSheet("s9")
    sheet.folder.mkdir(parents=True)
    sheet.path.write_bytes(b"\xff\xfe garbage")
    fb = ex.submit(ex.get("test.numeric"), "30", "s9")
    assert fb.correct and "could not be read" in fb.message and "kept as s9.corrupt-" in fb.message


def _writer(home, worker, n):
    sheet = AnswerSheet("shared", home=home)
    for i in range(n):
        sheet.record({"id": f"ex-{i % 3}", "answer": f"{worker}-{i}", "score": 0.0})


@pytest.mark.slow
def test_two_notebooks_writing_at_once_lose_nothing(tmp_path):
    ctx = mp.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(tmp_path, w, 60)) for w in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    attempts = AnswerSheet("shared", home=tmp_path).attempts()
    assert len(attempts) == 240
    assert {a["answer"] for a in attempts} == {f"{w}-{i}" for w in range(4) for i in range(60)}
    for k in range(3):   # attempt numbers per exercise are 1..n with no gaps or repeats
        numbers = sorted(a["attempt"] for a in attempts if a["id"] == f"ex-{k}")
        assert numbers == list(range(1, len(numbers) + 1))


def test_parse_sheet_rejects_what_is_not_a_sheet():
    with pytest.raises(CorruptSheetError, match="not valid JSON"):
        read_sheet_bytes(b"{")
    with pytest.raises(CorruptSheetError, match="no exercise id"):
        read_sheet_bytes(json.dumps({"format": FORMAT, "version": 1, "student": "s1",
                                     "attempts": [{"no": "id"}]}).encode())
    assert json_safe((np.int64(3), np.float32(1.5))) == [3, 1.5]
