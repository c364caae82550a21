"""The exercise engine: every type with right, wrong and garbage answers; the bank; widgets."""
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import casekit.exercises as ex
from casekit.exercises.bank import BANKS, BankError, load_bank
from casekit.exercises.types import Feedback

TEST_BANK = Path(__file__).parent / "banks"


@pytest.fixture(autouse=True)
def isolated_bank(monkeypatch, tmp_path):
    """Every test here reads the engine's test bank and writes to its own workbook."""
    monkeypatch.setenv("CASEKIT_EXERCISES", str(TEST_BANK))
    monkeypatch.setenv("CASEKIT_HOME", str(tmp_path))
    monkeypatch.setitem(ex._state, "student", "tester")


def verdict(exercise_id, answer):
    return ex.get(exercise_id).check(answer)


# (exercise, right answers, wrong answers with a phrase the feedback must contain,
#  garbage answers with a phrase the feedback must contain)
CASES = [
    ("test.numeric",
     ["30", 30, 30.004, np.float64(30), "¥30", " 30 ", [30], np.array([30.0]), pd.Series([30])],
     [("90", "90 is the cost"), ("31", "too high"), ("3000", "100 times too large"),
      ("-30", "wrong sign"), ("30000", "factor of a thousand"), ("1e308", "too high")],
     [("", "empty"), ("abc", "not a number"), (None, "empty"), (float("nan"), "NaN"),
      (math.inf, "infinite"), ("30%", "not a percentage"), ([1, 2], "single number"),
      (np.zeros((2, 2)), "4 values"), (True, "yes/no"), ({"a": "b"}, "not a number"),
      (object(), "Expected a number"), ("1" * 100, "far too long"), (1j, "Expected a number")]),
    ("test.share", ["0.25", "25%", 0.25], [("25", "100 times too large"), ("0.5", "too high")],
     [("25 %%", "not a number")]),
    ("test.single", ["A", "a", 0, "Satisfied and loyal", np.int64(0)],
     [("B", "hostages"), (2, "mercenaries")],
     [("Z", "no option"), (7, "no option"), ("", "No option chosen"), (None, "No option chosen"),
      (1.5, "Choose one of A–C"), (["A"], "Choose one of A–C"), ("something else", "not one of")]),
    ("test.multiple", ["A,B", ["A", "B"], [0, 1], "b a", {0, 1}, np.array([0, 1]),
                       "Customer segmentation, churn prediction"],
     [("A,C", '"Call-centre ticketing" is not one of them'), ("A", "still missing"), ("C", "0 of the 2")],
     [([], "No option chosen"), ("", "No option chosen"), ("A,Q", "no option")]),
    ("test.matching",
     [["Operational", "Analytical", "Operational"],
      {"sales force automation": "operational", "RFM scoring": "Analytical",
       "Campaign execution": "Operational"}],
     [(["Operational", "Operational", "Operational"], "Scoring customers is analysis")],
     [(["Operational"], "each of the 3 items"), ({"RFM scoring": "Analytical"}, "no category"),
      (["x", "y", "z"], "not a category"), ("Operational", "{item: category}"),
      ({"Unknown item": "Analytical"}, "not one of the items")]),
    ("test.ordering",
     ["acquisition, growth, maturity, decline, departure",
      {"acquisition": 1, "growth": 2, "maturity": 3, "decline": 4, "departure": 5}],
     [(["growth", "acquisition", "maturity", "decline", "departure"], "9 of 10 pairs")],
     [("A,B", "exactly once"), (42, "as a list"), ({"growth": 1, "acquisition": 1}, "share a position"),
      (["acquisition"] * 5, "exactly once"), ("zzz", "not one of the items")]),
    ("test.table",
     [[[1000, 300000], [600, 198000]],
      pd.DataFrame({"Customers": [1000, 600], "Revenue": [300000, 198000]}, index=["Year 1", "Year 2"]),
      {"Year 1": {"Customers": 1000, "Revenue": 300000}, "Year 2": {"Customers": 600, "Revenue": 198000}},
      np.array([[1000, 300000], [600, 198000]])],
     [([[1000, 300000], [600, 180000]], "Year 2 / Revenue")],
     [([[1]], "2 rows × 2 columns"), ("abc", "a table of 2 rows"), ([[1000, "x"], [600, 1]], "Cell (Year 1, Revenue)"),
      ([[1000, float("nan")], [600, 1]], "NaN"), ({"Year 1": 3}, "every row and column named")]),
    ("test.text", ["Firms buy tools and change nothing else."], [],
     [("", "empty"), (None, "as text"), (12, "as text"),
      ({"text": "Some answer", "rubric": [True]}, "each of the 2 rubric items")]),
]


@pytest.mark.parametrize("exercise_id, right, wrong, garbage", CASES, ids=[c[0] for c in CASES])
def test_right_wrong_and_garbage_answers(exercise_id, right, wrong, garbage):
    kind = ex.get(exercise_id).kind
    for answer in right:
        fb = verdict(exercise_id, answer)
        if kind == "text":   # a text answer is saved for grading, not marked right
            assert fb.valid and fb.message.startswith("Saved") and fb.score == 0
        else:
            assert fb.correct and fb.score == 1.0, (answer, fb)
    for answer, phrase in wrong:
        fb = verdict(exercise_id, answer)
        assert not fb.correct and fb.valid and fb.score < 1, (answer, fb)
        assert phrase in fb.message, (answer, fb.message)
    for answer, phrase in garbage:
        fb = verdict(exercise_id, answer)
        assert not fb.correct and not fb.valid and fb.score == 0, (answer, fb)
        assert phrase in fb.message, (answer, fb.message)
        assert "Traceback" not in fb.message


def test_partial_credit():
    assert verdict("test.multiple", "A").score == pytest.approx(0.5)
    assert verdict("test.multiple", "A,B,C").score == pytest.approx(0.5)
    assert verdict("test.matching", ["Operational", "Operational", "Operational"]).score == pytest.approx(2 / 3)
    assert verdict("test.table", [[1000, 300000], [600, 180000]]).score == pytest.approx(0.75)
    assert verdict("test.text", {"text": "An answer", "rubric": [True, False]}).score == 0.5


def test_a_table_reads_back_as_the_answer_sheet_stored_it():
    import pandas as pd

    from casekit.exercises.sheet import json_safe

    answer = pd.DataFrame({"Revenue": [198000, 300000], "Customers": [600, 1000]},
                          index=["Year 2", "Year 1"])          # any row and column order
    stored = json_safe(answer)
    assert set(stored) == {"columns", "index", "data"}
    assert verdict("test.table", stored).correct
    stored["data"][0][0] = 1
    assert verdict("test.table", stored).score == pytest.approx(0.75)


ANYTHING = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=80)
    | st.binary(max_size=10) | st.complex_numbers(),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=20), children, max_size=5),
    max_leaves=12)


@settings(max_examples=150, deadline=None)
@given(answer=ANYTHING, exercise_id=st.sampled_from([c[0] for c in CASES]))
def test_any_input_gives_feedback_never_an_exception(answer, exercise_id):
    fb = verdict(exercise_id, answer)
    assert isinstance(fb, Feedback)
    assert 0.0 <= fb.score <= 1.0 and isinstance(fb.message, str) and fb.message


def test_check_saves_every_attempt_and_reveals_explanation_after_valid_tries():
    first = ex.check("test.numeric", "31")
    assert "Why:" not in first.message
    ex.check("test.numeric", "not a number")          # unreadable: does not count
    assert "Why:" not in ex.check("test.numeric", "abc").message
    second = ex.check("test.numeric", "29")             # reveal_after = 2 valid tries
    assert "**Why:** 120 × 0.25 = 30." in second.message
    attempts = ex.AnswerSheet("tester").attempts("test.numeric")
    assert [a["attempt"] for a in attempts] == [1, 2, 3, 4]
    assert [a["valid"] for a in attempts] == [True, False, False, True]
    assert attempts[0]["answer"] == "31" and attempts[0]["score"] == 0.0


def test_unknown_exercise_suggests_close_ids():
    fb = ex.check("test.numerik", 1)
    assert not fb.correct and "Did you mean test.numeric" in fb.message
    with pytest.raises(ValueError, match="catalog"):
        ex.get("zzz")


def test_computed_exercise_uses_the_students_own_data(monkeypatch):
    class Fake:
        def __init__(self, n):
            self.customers = pd.DataFrame({"customer": range(1, n + 1)})

    monkeypatch.setattr(ex, "_student_data", lambda student: Fake({"ann": 10, "bob": 20}[student]))
    ex._RESOLVED.clear()
    exercise = ex.get("test.computed")
    assert "computed on your own data" in exercise.check(10).message
    assert ex.submit(exercise, 10, "ann").correct
    assert not ex.submit(exercise, 10, "bob").correct
    assert ex.submit(exercise, 20, "bob").correct
    assert "Off by one" in ex.submit(exercise, 21, "bob").message


def test_catalog_lists_every_exercise():
    cat = ex.catalog()
    assert len(cat) == 9 and cat["id"].is_unique
    assert set(cat["type"]) == {"numeric", "single", "multiple", "matching", "ordering", "table", "text"}
    assert cat.set_index("id").loc["test.numeric", "term_zh"] == "毛利"


@pytest.mark.parametrize("bad, message", [
    ('type = "essay"', "type must be one of"),
    ('type = "numeric"', "needs 'answer' or 'solution'"),
    ('type = "single"\n[[exercise.options]]\ntext = "a"', "exactly one correct option"),
    ('type = "numeric"\nanswer = 1\ncolour = "red"', "unknown field(s) ['colour']"),
    ('type = "matching"\ncategories = ["A"]\n[[exercise.items]]\ntext = "x"\nanswer = "B"', "not one of the categories"),
    ('type = "numeric"\nanswer = 1\nsolution = "nocolon"', "package.module:function"),
    (('type = "single"\nsolution = "m:f"\n[[exercise.options]]\ntext = "a"\ncorrect = true'),
     "only numeric and table exercises can be computed"),
    (('type = "single"\n[[exercise.options]]\ntext = "Yes"\ncorrect = true\n'
      '[[exercise.options]]\ntext = "yes "'), "option texts must differ"),
])
def test_malformed_bank_entries_are_reported_with_file_and_id(tmp_path, bad, message):
    (tmp_path / "05-bad.toml").write_text(f'[[exercise]]\nid = "x.bad"\nprompt = "?"\n{bad}\n')
    with pytest.raises(BankError) as err:
        load_bank(tmp_path)
    assert "05-bad.toml" in str(err.value) and "x.bad" in str(err.value) and message in str(err.value)


def test_duplicate_ids_and_invalid_toml_are_reported(tmp_path):
    entry = '[[exercise]]\nid = "x.one"\ntype = "numeric"\nprompt = "?"\nanswer = 1\n'
    (tmp_path / "01-a.toml").write_text(entry + entry)
    with pytest.raises(BankError, match="used twice"):
        load_bank(tmp_path)
    (tmp_path / "01-a.toml").write_text("[[exercise]\n")
    with pytest.raises(BankError, match="not valid TOML"):
        load_bank(tmp_path)


def test_student_ids_are_validated():
    for bad in ["", "a b", "../etc", "x" * 65, 12, "ｓ１", "pаypal", "a\u200bb", ".张"]:
        with pytest.raises(ValueError, match="student id"):
            ex.start(bad)
    assert "Working as 's2026-017'" in repr(ex.start("s2026-017"))
    assert "Working as '张三'" in repr(ex.start("张三"))     # letters of any one alphabet
    assert "Working as 'José'" in repr(ex.start("José"))


# --------------------------------------------------------------------------- widgets
def press(view, value_setter):
    value_setter()
    view.check_button.click()
    return view.feedback.value


def test_numeric_widget_gives_specific_feedback_and_hints_one_at_a_time():
    view = ex.show("test.numeric")
    box = view.answer_input

    assert "90 is the cost" in press(view, lambda: setattr(box, "value", "90"))
    assert "not a number" in press(view, lambda: setattr(box, "value", "ninety"))
    assert "Correct" in press(view, lambda: setattr(box, "value", "30"))
    view.hint_button.click()
    assert "Hint 1 of 2" in view.hints.value and "120 × 0.25" not in view.hints.value
    view.hint_button.click()
    assert "120 × 0.25" in view.hints.value and view.hint_button.disabled


@pytest.mark.parametrize("exercise_id", [c[0] for c in CASES])
def test_every_widget_renders_and_survives_an_empty_check(exercise_id):
    view = ex.show(exercise_id)
    bundle = view._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    # a reader without a kernel (a chapter opened cold) gets the exercise, not widget junk:
    # plain text without Markdown syntax and a static HTML rendering, the id kept for check()
    assert exercise_id in bundle["text/plain"].splitlines()[0]
    assert "**" not in bundle["text/plain"] and "`" not in bundle["text/plain"]
    assert "casekit-exercise-static" in bundle["text/html"] and exercise_id in bundle["text/html"]
    assert "**" not in bundle["text/html"]
    view.check_button.click()   # nothing entered
    assert "⚠" in view.feedback.value or "Saved" not in view.feedback.value


def test_choice_matching_ordering_table_widgets_check_what_was_entered():
    single = ex.show("test.single")
    assert "hostages" in press(single, lambda: setattr(single.answer_input, "value",
                                                       "Dissatisfied but loyal"))
    multi = ex.show("test.multiple")
    ticks = [t for t in multi.answer_input.children if "Call-centre" not in t.description]
    assert "Correct" in press(multi, lambda: [setattr(t, "value", True) for t in ticks])
    match = ex.show("test.matching")
    pickers = [row.children[0] for row in match.answer_input.children]
    assert "Correct" in press(match, lambda: [setattr(p, "value", v) for p, v in
                                             zip(pickers, ["Operational", "Analytical", "Operational"])])
    order = ex.show("test.ordering")
    shown = ex.get("test.ordering").shuffled()
    assert shown != list(ex.get("test.ordering").items)
    rows = order.answer_input.children[1:]
    truth = list(ex.get("test.ordering").items)
    assert "Correct" in press(order, lambda: [setattr(r.children[0], "value", truth.index(t) + 1)
                                             for r, t in zip(rows, shown)])
    table = ex.show("test.table")
    cells = [c for c in table.answer_input.children if type(c).__name__ == "Text"]
    assert "Correct" in press(table, lambda: [setattr(c, "value", v) for c, v in
                                             zip(cells, ["1000", "300,000", "600", "198000"])])


def test_text_widget_offers_self_assessment_after_saving():
    view = ex.show("test.text")
    assert "model answer" in press(view, lambda: setattr(view.answer_input, "value", "Processes stay the same."))
    ticks = [c for c in view.self_assessment.children if hasattr(c, "indent")]
    ticks[0].value = True
    view.self_assessment.children[-2].click()
    assert "1 of 2 rubric items" in view.self_assessment.children[-1].value
    kinds = [a.get("score") for a in ex.AnswerSheet("tester").attempts("test.text")]
    assert kinds == [0.0, 0.5]


# --------------------------------------------------------------------------- option order
STUDENTS = [f"s2026-{n:03d}" for n in range(120)]


def tick_first_half(exercise, student):
    order = exercise.order(student)
    shown = [exercise.options[i]["text"] for i in order[:math.ceil(len(order) / 2)]]
    return exercise.check(shown).score


def test_ticking_the_first_half_of_the_options_no_longer_pays():
    """In bank order the right options mostly come first (ticking the first half scored
    0.80 on average); each student now sees their own order."""
    multiple = [e for e in load_bank(BANKS).values() if e.kind == "multiple"]
    assert len(multiple) >= 10
    mean = sum(tick_first_half(e, s) for e in multiple for s in STUDENTS) / (len(multiple) * len(STUDENTS))
    assert mean < 0.35, mean
    single = [e for e in load_bank(BANKS).values() if e.kind == "single"]
    first_is_right = sum(e.order(s)[0] == e.reference() for e in single for s in STUDENTS)
    expected = sum(len(STUDENTS) / len(e.options) for e in single)
    assert abs(first_is_right - expected) < 0.15 * expected


def test_a_student_always_sees_the_same_order_and_students_differ():
    for exercise in (e for e in load_bank(BANKS).values() if e.kind in ("single", "multiple")):
        orders = {s: exercise.order(s) for s in STUDENTS[:30]}
        assert orders == {s: exercise.order(s) for s in STUDENTS[:30]}
        assert all(sorted(o) == list(range(len(exercise.options))) for o in orders.values())
        assert len(set(orders.values())) > 1, exercise.id


def test_letters_in_check_widgets_and_descriptions_follow_the_students_order():
    from casekit.grading.reference import describe_answer, describe_expected

    exercise = ex.get("test.multiple")
    for student in STUDENTS[:12]:
        order = exercise.order(student)
        letters = [L for L, i in zip("ABC", order) if exercise.options[i].get("correct")]
        fb = ex.submit(exercise, ",".join(letters), student)
        assert fb.correct, (student, letters)
        stored = ex.AnswerSheet(student).attempts("test.multiple")[-1]["answer"]
        assert stored == ["Customer segmentation", "Churn prediction"]     # texts, not positions
        assert describe_answer(exercise, stored, student=student) == describe_expected(exercise, student=student)
        assert describe_expected(exercise, student=student).startswith(letters[0] + ". ")
        from casekit.exercises.widgets import ExerciseView

        view = ExerciseView(exercise, student)
        shown = [t.description for t in view.answer_input.children]
        assert shown == [f"{L}. {exercise.options[i]['text']}" for L, i in zip("ABC", order)]
        assert view._repr_mimebundle_()["text/plain"].endswith("\n".join(f"  {s}" for s in shown))


def test_old_sheets_with_letters_or_positions_grade_in_bank_order():
    assert ex.get("test.single").check("A").correct and ex.get("test.single").check(0).correct
    assert ex.get("test.multiple").check([0, 1]).correct and ex.get("test.multiple").check("A, B").correct
    assert ex.get("test.single").stored("A") == "Satisfied and loyal"


def test_widgets_render_markdown_with_the_project_renderer():
    view = ex.show("test.numeric")
    assert "<strong>120</strong>" in view.widget.children[1].value
    view.hint_button.click()
    assert "<p>Margin = revenue × margin rate.</p>" in view.hints.value


def test_no_choice_exercise_names_an_option_by_its_letter():
    """Options are shown in each student's own order, so "the key, B" means nothing."""
    import re

    letter_ref = re.compile(r"\b(?:key|keys|keyed|option|options|answer|answers)\s*,?\s*(?:is\s+|as\s+)?"
                            r"[A-H]\b|\b[A-H] is (?:right|wrong|correct)\b")
    for exercise in load_bank(BANKS).values():
        if exercise.kind not in ("single", "multiple"):
            continue
        texts = [exercise.prompt, exercise.explanation, *exercise.hints, exercise.source,
                 *(o.get("feedback", "") for o in exercise.options)]
        for text in texts:
            assert not letter_ref.search(text), (exercise.id, letter_ref.search(text).group())


def test_a_student_changing_their_retailer_cannot_change_their_keys(tmp_path, monkeypatch):
    """my_retailer() hands out a retailer of its own: the one the expected answers are
    worked out on (kept for the session, so later first checks are fast) is never it."""
    import casekit.exercises as ex

    monkeypatch.setenv("CASEKIT_HOME", str(tmp_path))
    monkeypatch.setenv("CASEKIT_WARM", "0")
    ex.start("s-mutates")
    mine = ex.my_retailer()
    assert mine is not ex._student_data("s-mutates") and ex.my_retailer() is not mine
    key = ex._resolved(ex.get("test.computed"), "s-mutates").answer
    mine.customers = mine.customers.iloc[:10]      # the student filters their own copy
    ex._RESOLVED.clear()
    assert ex.check("test.computed", key).correct


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.one_of(st.floats(allow_nan=True, allow_infinity=True),
                                   st.integers(-10**20, 10**20), st.booleans(), st.none(),
                                   st.text(max_size=3)), min_size=2, max_size=2),
                min_size=2, max_size=2),
       st.booleans())
def test_a_stored_table_reads_the_same_with_or_without_a_dataframe(data, swapped):
    """A stored table in the asked shape is read as its rows (no DataFrame): the cells and
    the verdicts must be those the DataFrame route gives, whatever the cells hold."""
    from casekit.exercises.types import AnswerError, TableExercise, _stored_table

    t = TableExercise(id="d.t", prompt="?", rows=("a", "b"), columns=("x", "y"),
                      answer=((1.0, 2.0), (3.0, 4.0)))
    stored = {"columns": ["y", "x"] if swapped else ["x", "y"], "index": ["a", "b"], "data": data}

    def read(value):
        try:
            return t._grid(value)
        except AnswerError as err:
            return str(err)
    assert read(stored) == read(_stored_table(stored))
    assert t.check(stored) == t.check(_stored_table(stored))


@pytest.mark.parametrize("typed, number, percent", [
    ("１２３．４", 123.4, False),          # a Chinese keyboard's full-width digits and point
    ("12.5％", 12.5, True), ("￥1，234", 1234.0, False), ("１２　３４５", 12345.0, False),
    ("−3", -3.0, False), ("－0.5", -0.5, False),   # the minus sign of printed text
    ("3.5万", 35000.0, False), ("3.5万元", 35000.0, False), ("1.2亿", 1.2e8, False),
    ("1,234,567.5", 1234567.5, False), ("-1,234", -1234.0, False),
])
def test_numbers_are_read_as_a_student_types_them(typed, number, percent):
    from casekit.exercises.types import parse_number

    assert parse_number(typed) == (number, percent)


@pytest.mark.parametrize("typed", ["1,5", "0,25", "1,2345", "12,5%"])
def test_a_decimal_comma_is_refused_not_read_as_thousands(typed):
    """1,5 used to be read as 15: a European decimal comma silently made the answer ten or a
    hundred times too large. It is refused with what to type instead, in the reader's language."""
    from casekit.exercises.types import NumericExercise
    from casekit.i18n import speaking

    n = NumericExercise(id="d.n", prompt="?", answer=1.5)
    fb = n.check(typed)
    assert not fb.valid and "1.5, not 1,5" in fb.message
    with speaking("zh"):
        assert "不要写 1,5" in n.check(typed).message
