"""check() answers whatever it is given — never raises — and stores something bounded.

Every exercise type of the engine test bank gets hostile values (a 5,000-digit int, a list
nested 5,000 deep, objects whose repr/len/float raise, generators, huge strings, bytes, a
list that contains itself); a full disk or a read-only folder gives a Feedback saying the
answer was checked but not saved, and the previous sheet stays intact.
"""
import errno
import json
import os
import tempfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import casekit.exercises as ex
from casekit.exercises import sheet as sheet_module
from casekit.exercises.types import Feedback, is_cut
from tests.test_grading import RIGHT, TEST_BANK, fake_data

IDS = list(RIGHT) + ["test.computed"]


@pytest.fixture(autouse=True)
def course(monkeypatch, tmp_path):
    monkeypatch.setenv("CASEKIT_EXERCISES", str(TEST_BANK))
    monkeypatch.setenv("CASEKIT_HOME", str(tmp_path))
    monkeypatch.setattr(ex, "_student_data", fake_data)
    monkeypatch.setitem(ex._state, "student", "hostile")
    ex._RESOLVED.clear()
    yield tmp_path
    ex._RESOLVED.clear()


class Raises:
    """An object whose every dunder a checker might call raises."""

    def __init__(self, *broken):
        self.broken = broken

    def __repr__(self):
        if "repr" in self.broken:
            raise RuntimeError("repr is broken")
        return "Raises()"

    def __len__(self):
        if "len" in self.broken:
            raise RuntimeError("len is broken")
        return 1

    def __float__(self):
        raise RuntimeError("float is broken")

    def __iter__(self):
        raise RuntimeError("iter is broken")


class BrokenList(list):
    def __len__(self):
        raise RuntimeError("len is broken")


def nested(depth):
    value = [1]
    for _ in range(depth):
        value = [value]
    return value


def recursive():
    a = []
    a.append(a)
    return a


def recursive_dict():
    d = {}
    d["self"] = d
    return d


def hostile():
    return {
        "int-5000-digits": 10 ** 5000,
        "negative-int-5000-digits": -(10 ** 5000) + 7,
        "nested-5000-deep": nested(5000),
        "repr-raises": Raises("repr"),
        "len-raises": Raises("len"),
        "float-raises": Raises(),
        "list-whose-len-raises": BrokenList([1, 2]),
        "generator": (i for i in range(3)),
        "huge-string": "7" * 2_000_000,
        "bytes": b"30",
        "huge-bytes": b"\x00" * 1_000_000,
        "recursive-list": recursive(),
        "recursive-dict": recursive_dict(),
        "list-of-5000": list(range(5000)),
        "dict-of-5000": {str(i): i for i in range(5000)},
        "type": int,
        "ellipsis-in-list": [...],
        "lone-surrogate": "30 \ud800",
    }


def last_stored():
    return ex.AnswerSheet("hostile").attempts()[-1]["answer"]


@pytest.mark.parametrize("exercise_id", IDS)
def test_hostile_values_get_feedback_and_a_bounded_stored_form(exercise_id):
    for name, value in hostile().items():
        fb = ex.check(exercise_id, value)
        assert isinstance(fb, Feedback), name
        assert not fb.correct and fb.score == 0.0, (name, fb)
        assert fb.message and "Traceback" not in fb.message, name
        if exercise_id != "test.text" or not isinstance(value, str):
            assert fb.message.startswith("⚠") and not fb.valid, (name, fb.message)
        stored = last_stored()
        assert len(json.dumps(stored, ensure_ascii=False)) < 21_000, (name, str(stored)[:200])


@pytest.mark.parametrize("exercise_id", IDS)
def test_a_wrong_shaped_long_list_is_stored_as_a_short_summary_marked_as_cut(exercise_id):
    fb = ex.check(exercise_id, list(range(5000)))
    assert not fb.valid and fb.message.startswith("⚠")
    stored = last_stored()
    assert is_cut(stored) and "5000 values" in stored["cut"], stored
    assert len(json.dumps(stored)) < 1000
    assert fb.message == f"⚠ {stored['problem']}"      # the grader shows the same message


def test_messages_say_what_to_fix():
    assert "too large" in ex.check("test.numeric", 10 ** 5000).message
    assert "single number" in ex.check("test.numeric", nested(5000)).message
    assert "single number" in ex.check("test.numeric", recursive()).message
    assert "far too long" in ex.check("test.numeric", "7" * 2_000_000).message
    assert "Expected a number" in ex.check("test.numeric", Raises()).message
    assert "Write your answer as text" in ex.check("test.text", b"some bytes").message
    assert "as a list" in ex.check("test.ordering", (i for i in range(3))).message
    assert "could not be read" in ex.check("test.numeric", BrokenList([1])).message


ODD = st.builds(lambda: 10 ** 5000) | st.builds(lambda: nested(50)) | st.builds(recursive) \
    | st.sampled_from([b"x", float("nan"), -0.0, 1e308, 5e-324, "%",
                       "¥", "1e999", "\x00", "\ud800", ...]) \
    | st.builds(Raises, st.sampled_from(["repr", "len"]))
ANYTHING = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40)
                        | st.binary(max_size=8) | st.complex_numbers() | ODD,
                        lambda c: st.lists(c, max_size=6) | st.dictionaries(st.text(max_size=10), c, max_size=4)
                        | st.tuples(c) | st.frozensets(st.integers(), max_size=4),
                        max_leaves=15)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(answer=ANYTHING, exercise_id=st.sampled_from(IDS))
def test_anything_gets_feedback_and_the_stored_form_rechecks_the_same(answer, exercise_id):
    fb = ex.check(exercise_id, answer)
    assert isinstance(fb, Feedback) and 0 <= fb.score <= 1 and fb.message
    stored = last_stored()
    again = ex._resolved(ex.get(exercise_id), "hostile").check(json.loads(json.dumps(stored)))
    assert (again.score, again.valid) == (fb.score, fb.valid)


# --------------------------------------------------------------------------- failed writes
def enospc(*args, **kwargs):
    raise OSError(errno.ENOSPC, "No space left on device")


def erofs(*args, **kwargs):
    raise OSError(errno.EROFS, "Read-only file system")


def eacces(*args, **kwargs):
    raise PermissionError(errno.EACCES, "Permission denied")


@pytest.mark.parametrize("target, fail, why", [
    ((os, "fsync"), enospc, "disk is full"),
    ((os, "replace"), enospc, "disk is full"),
    ((os, "replace"), erofs, "may not write"),
    ((tempfile, "mkstemp"), eacces, "may not write"),
])
def test_a_failed_write_says_checked_but_not_saved_and_keeps_the_old_sheet(
        monkeypatch, target, fail, why):
    ex.check("test.numeric", "31")
    path = ex.AnswerSheet("hostile").path
    before = path.read_bytes()
    monkeypatch.setattr(*target, fail)
    fb = ex.check("test.numeric", "30")
    monkeypatch.undo()
    assert fb.correct and fb.score == 1.0                 # it was checked ...
    assert "NOT saved" in fb.message and why in fb.message  # ... but not saved, and why
    assert "check again" in fb.message                     # and what to do
    assert path.read_bytes() == before
    assert sorted(p.name for p in path.parent.iterdir()) == ["hostile.json", "hostile.json.lock"]


@pytest.mark.skipif(os.name == "nt" or os.geteuid() == 0, reason="root may write anywhere")
def test_a_read_only_folder_says_not_saved(course):
    ex.check("test.numeric", "31")
    folder = ex.AnswerSheet("hostile").folder
    before = (folder / "hostile.json").read_bytes()
    folder.chmod(0o500)
    (folder / "hostile.json.lock").chmod(0o400)
    try:
        fb = ex.check("test.numeric", "30")
    finally:
        folder.chmod(0o700)
    assert "NOT saved" in fb.message and (folder / "hostile.json").read_bytes() == before


def test_a_sheet_module_write_error_is_not_swallowed_by_the_sheet(monkeypatch, tmp_path):
    """AnswerSheet.record itself raises (the caller decides what to tell the student)."""
    monkeypatch.setattr(sheet_module.os, "replace", enospc)
    with pytest.raises(OSError):
        sheet_module.AnswerSheet("s1", home=tmp_path).record({"id": "x", "answer": 1})
