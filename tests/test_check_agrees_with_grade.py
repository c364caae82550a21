"""What a student's check shows is what the grade gives.

``check()``/``submit()`` store each answer in its exercise's stored form and compute the
feedback from that form after a JSON round trip; the grader re-checks the same JSON. So for
an unchanged key the graded score of every attempt equals the score the student saw. These
tests hold that over every exercise type of the engine test bank (and real bank exercises
of every type, computed ones resolved on a student's data), for many answer shapes, and
end to end through ``casekit.grading.grade.grade``.
"""
import decimal
import fractions
import json
import sqlite3

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import casekit.exercises as ex
from casekit.grading import grade as g
from tests.test_grading import RIGHT, TEST_BANK, fake_data, n_customers

STUDENT = "s-agree"


@pytest.fixture
def course(monkeypatch, tmp_path):
    """The engine test bank, stand-in student data and a scratch workbook folder."""
    monkeypatch.setenv("CASEKIT_EXERCISES", str(TEST_BANK))
    monkeypatch.setenv("CASEKIT_HOME", str(tmp_path / "home"))
    monkeypatch.setattr(ex, "_student_data", fake_data)
    ex._RESOLVED.clear()
    yield tmp_path
    ex._RESOLVED.clear()


def graded_attempts(course, student=STUDENT):
    """Grade the workbook's sheets; [(exercise, graded score, score the student saw)]."""
    book = course / f"gb-{len(list(course.glob('gb-*')))}.sqlite"
    g.grade(course / "home" / "answers", book, jobs=1, progress=False)
    with sqlite3.connect(book) as conn:
        rows = conn.execute("SELECT exercise, score, claimed FROM attempts WHERE student = ? "
                            "ORDER BY seq", (student,)).fetchall()
    conn.close()
    return rows


def stored_answers(student=STUDENT):
    return [a["answer"] for a in ex.AnswerSheet(student).attempts()]


def year_table(extra_rows=0, extra_columns=0):
    """The right answer of test.table inside a bigger frame (asked rows/columns last)."""
    frame = pd.DataFrame({"Customers": [1000, 600], "Revenue": [300000, 198000]},
                         index=["Year 1", "Year 2"])
    if extra_rows:
        other = pd.DataFrame({"Customers": range(extra_rows), "Revenue": range(extra_rows)},
                             index=[f"row {i}" for i in range(extra_rows)])
        frame = pd.concat([other, frame])
    for j in range(extra_columns):
        frame.insert(0, f"extra {j}", 0.0)
    return frame


# the cases that showed "✓ Correct" and graded 0 (flagged as an edited sheet) before
SHOWN_RIGHT_GRADED_WRONG = [
    ("test.numeric", pd.DataFrame({"margin": [30.0]})),
    ("test.numeric", pd.Series([30.0], index=["x"]).to_frame()),
    ("test.numeric", decimal.Decimal("30.00")),
    ("test.numeric", fractions.Fraction(60, 2)),
    ("test.table", year_table(extra_rows=250)),
    ("test.table", year_table(extra_columns=60)),
]


@pytest.mark.parametrize("exercise_id, answer", SHOWN_RIGHT_GRADED_WRONG,
                         ids=["1x1-frame", "1x1-frame-index", "decimal", "fraction",
                              "table-after-250-rows", "table-with-60-columns"])
def test_what_check_shows_right_is_graded_right(course, exercise_id, answer):
    shown = ex.submit(ex.get(exercise_id), answer, STUDENT)
    assert shown.correct and shown.score == 1.0, shown
    [(exercise, score, claimed)] = graded_attempts(course)
    assert (exercise, score, claimed) == (exercise_id, 1.0, 1.0)


def test_a_table_is_stored_as_the_asked_rows_and_columns_only(course):
    ex.submit(ex.get("test.table"), year_table(extra_rows=250, extra_columns=60), STUDENT)
    [stored] = stored_answers()
    assert stored == {"columns": ["Customers", "Revenue"], "index": ["Year 1", "Year 2"],
                      "data": [[1000.0, 300000.0], [600.0, 198000.0]]}


# --------------------------------------------------------------------------- the property
def frames(draw_values):
    """DataFrames of several shapes, with or without the asked labels."""
    return st.builds(
        lambda rows, cols, vals, labelled: pd.DataFrame(
            np.resize(np.array(vals, dtype=float), (rows, cols)),
            index=(["Year 1", "Year 2", "x", "y"][:rows] if labelled else None),
            columns=(["Customers", "Revenue", "c", "d"][:cols] if labelled else None)),
        st.integers(1, 4), st.integers(1, 4), st.lists(draw_values, min_size=1, max_size=6),
        st.booleans())


NUMBERS = st.one_of(st.integers(-10**6, 10**6), st.floats(allow_nan=True, allow_infinity=True),
                    st.sampled_from([30, 30.004, 0.25, 1000, 600, 300000, 198000, 90, 110, 111]))
TEXTS = st.one_of(
    st.sampled_from(["30", "¥30", "25%", " 0.25 ", "30 yuan", "A", "b", "a, b", "C,A", "Z",
                     "Satisfied and loyal", "Churn prediction",
                     "acquisition, growth, maturity, decline, departure", "Operational", "", "   ", "nan", "1e400", "-0"]),
    st.text(max_size=30))
SCALARS = st.one_of(
    st.none(), st.booleans(), NUMBERS, TEXTS,
    NUMBERS.map(np.float64), st.integers(-5, 5).map(np.int64),
    st.sampled_from([decimal.Decimal("30"), decimal.Decimal("NaN"), decimal.Decimal("1e999"),
                     fractions.Fraction(1, 4), fractions.Fraction(60, 2), 10 ** 400, -(10 ** 30),
                     1j, b"30", 1e308]))
ANSWERS = st.recursive(
    SCALARS | frames(NUMBERS) | NUMBERS.map(lambda x: pd.Series([x]))
    | st.lists(NUMBERS, min_size=1, max_size=4).map(np.array)
    | st.lists(NUMBERS, max_size=6).map(pd.Series),
    lambda children: st.lists(children, max_size=5) | st.tuples(children, children)
    | st.dictionaries(st.sampled_from(["Year 1", "Year 2", "Customers", "Revenue", "text",
                                       "rubric", "RFM scoring", "growth", "x"]) | st.text(max_size=8),
                      children, max_size=4),
    max_leaves=10)

TEST_IDS = list(RIGHT) + ["test.computed"]


def _real_exercises():
    """One real bank exercise of every type (the first computed one where there is one)."""
    from casekit.exercises.bank import load_bank

    picked = {}
    for exercise in load_bank().values():
        best = picked.get(exercise.kind)
        if best is None or (exercise.computed and not best.computed):
            picked[exercise.kind] = exercise
    return sorted(picked.values(), key=lambda e: e.kind)


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@pytest.mark.slow
@given(answer=ANSWERS, exercise_id=st.sampled_from(TEST_IDS),
       student=st.sampled_from([STUDENT, "s2", "self-study"]))
def test_shown_score_is_the_score_of_what_is_stored(course, answer, exercise_id, student):
    exercise = ex.get(exercise_id)
    shown = ex.submit(exercise, answer, student)
    stored = ex.AnswerSheet(student).attempts()[-1]["answer"]
    regraded = ex._resolved(exercise, student).check(json.loads(json.dumps(stored)))
    assert (regraded.score, regraded.correct, regraded.valid) == \
        (shown.score, shown.correct, shown.valid), (answer, stored, shown, regraded)
    assert len(json.dumps(stored)) < 60_000


def test_the_sheet_regrades_to_every_shown_score_through_the_grader(course):
    """End to end: many answer shapes for every type, written with submit, graded by grade()."""
    answers = {
        "test.numeric": ["30", 30, pd.DataFrame([[30.0]]), decimal.Decimal("30"), np.array([[30]]),
                         "30%", [30, 1], "abc", None, 10 ** 5000, fractions.Fraction(90)],
        "test.share": ["25%", 0.25, "25", pd.Series([0.25]), [0.25], ["25%"], {"a": "25%"}],
        "test.single": ["A", 0, "Satisfied and loyal", "B", ["A"], None, "zz", 2],
        "test.multiple": [[0, 1], "A,B", ["Customer segmentation"], "C", {0, 1, 2}, [], 7],
        "test.matching": [RIGHT["test.matching"], ["Operational"] * 3, {"RFM scoring": "Analytical"},
                          "Operational"],
        "test.ordering": [RIGHT["test.ordering"], "A,B,C,D,E", RIGHT["test.ordering"][::-1], 42],
        "test.table": [year_table(), year_table(300, 70), [[1000, 300000], [600, 1]], [[1]],
                       {"Year 1": {"Customers": 1000, "Revenue": 300000}}],
        "test.text": [RIGHT["test.text"], {"text": RIGHT["test.text"], "rubric": [True, False]},
                      "", 12],
        "test.computed": [n_customers(STUDENT), n_customers(STUDENT) + 1, "many"],
    }
    shown = []
    for i, many in answers.items():
        for a in many:
            before = len(ex.AnswerSheet(STUDENT).attempts())
            score = ex.submit(ex.get(i), a, STUDENT).score
            if len(ex.AnswerSheet(STUDENT).attempts()) > before:
                shown.append((i, score))
            else:   # the same stored answer as the last check: not recorded again, same score
                assert shown[-1] == (i, score)
    assert len(shown) > 40
    rows = graded_attempts(course)
    assert [(i, score) for i, score, _ in rows] == shown
    assert all(score == claimed for _, score, claimed in rows)


@pytest.mark.parametrize("exercise", _real_exercises(), ids=lambda e: f"{e.kind}:{e.id}")
def test_real_bank_exercises_agree_on_a_students_data(exercise, monkeypatch, tmp_path):
    monkeypatch.setenv("CASEKIT_HOME", str(tmp_path))
    student = "s2026-017"
    resolved = ex._resolved(exercise, student)
    shapes = [None, "1", [1, 2], {"a": 1}, pd.DataFrame([[1.0]]), decimal.Decimal("0.5")]
    right = resolved.reference()
    if exercise.kind == "table" and resolved.answer is not None:
        shapes += [pd.DataFrame(resolved.answer, index=list(exercise.rows),
                                columns=list(exercise.columns))]
    elif exercise.kind == "multiple":
        shapes += [[exercise.options[i]["text"] for i in right]]
    elif exercise.kind in ("numeric", "ordering", "matching"):
        shapes += [right]
    elif exercise.kind == "single":
        shapes += [exercise.options[right]["text"]]
    for answer in shapes:
        shown = ex.submit(exercise, answer, student)
        stored = ex.AnswerSheet(student).attempts()[-1]["answer"]
        again = resolved.check(json.loads(json.dumps(stored)))
        assert (again.score, again.valid) == (shown.score, shown.valid), (answer, stored)
    assert ex.AnswerSheet(student).attempts()[-1]["score"] == 1.0 or exercise.kind == "text"


REAL = _real_exercises()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@pytest.mark.slow
@given(answer=ANSWERS, exercise=st.sampled_from(REAL))
def test_real_bank_exercises_agree_for_any_answer(answer, exercise, monkeypatch, tmp_path):
    monkeypatch.setenv("CASEKIT_HOME", str(tmp_path))
    shown = ex.submit(exercise, answer, "s2026-017")
    stored = ex.AnswerSheet("s2026-017").attempts()[-1]["answer"]
    again = ex._resolved(exercise, "s2026-017").check(json.loads(json.dumps(stored)))
    assert (again.score, again.correct, again.valid) == (shown.score, shown.correct, shown.valid)
