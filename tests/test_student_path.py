"""The student's path through a problem set, as the end-to-end trial found it broken:
hints a check() user can reach, a clear word for an unanswered value, ids in any
alphabet, stale feedback cleared and Enter checking, progress and starting over, no
attempt re-recorded by a re-run, a cold notebook that reads well, formulas kept for the
math renderer, chapters answering as the student, and keys that do not make checks wait.
"""
import json
import time
from pathlib import Path

import pytest

import casekit.exercises as ex
from casekit.exercises.widgets import _plain, math_html, title_of

BANK = '''chapter = "98"
title = "Student path"

[[exercise]]
id = "path.count"
type = "numeric"
prompt = "How many customers does **your** retailer have? Use $n = |C|$."
solution = "tests.bank_answers:n_customers"
rel_tolerance = 0
hints = ["Count the rows of `shop.customers`.", "`len(shop.customers)`"]

[[exercise]]
id = "path.margin"
type = "numeric"
prompt = "A customer brings **120** a year at a 25% margin. What margin does she bring?"
answer = 30
tolerance = 0.01
points = 2
hints = ["Margin = revenue × margin rate."]
'''


class Fake:
    def __init__(self, n):
        import pandas as pd
        self.customers = pd.DataFrame({"customer": range(n)})


@pytest.fixture(autouse=True)
def bank(monkeypatch, tmp_path):
    folder = tmp_path / "bank"
    folder.mkdir()
    (folder / "98-path.toml").write_text(BANK, encoding="utf-8")
    monkeypatch.setenv("CASEKIT_EXERCISES", str(folder))
    monkeypatch.setenv("CASEKIT_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("CASEKIT_STUDENT", raising=False)
    monkeypatch.setenv("CASEKIT_WARM", "0")
    monkeypatch.setitem(ex._state, "student", None)
    monkeypatch.setattr(ex, "_student_data", lambda student: Fake(10))
    ex._RESOLVED.clear()
    ex._HINTS_SEEN.clear()
    ex._LAST.clear()
    yield


# ------------------------------------------------------------------ 2 · hints from check()
def test_a_wrong_check_points_to_hint_and_hint_gives_them_one_at_a_time():
    ex.start("s1")
    fb = ex.check("path.count", 3)
    assert not fb.correct and 'hint("path.count")' in fb.message and "hint 1 of 2" in fb.message
    first = ex.hint("path.count")
    assert "Hint 1 of 2" in repr(first) and "len(shop" not in repr(first)
    assert "hint 2 of 2" in ex.check("path.count", 4).message
    second = ex.hint("path.count")
    assert "Hint 2 of 2" in repr(second) and "len(shop.customers)" in repr(second)
    assert "`" in second._repr_markdown_()     # Markdown in a notebook, code shown as code
    assert "seen all 2 hints" in ex.check("path.count", 5).message
    assert "Hint 2 of 2" in repr(ex.hint("path.count"))     # no further: stays on the last
    assert "Hint 1 of 1" in repr(ex.hint("path.margin", all=True)) or \
        "Hint 1 of 1" in repr(ex.hint("path.margin"))
    assert "hint(" not in ex.check("path.count", 10).message   # right: no hint offered


# ------------------------------------------------------------------ 5 · unanswered values
def test_an_unanswered_placeholder_says_what_to_do_and_is_not_saved():
    ex.start("s1")
    fb = ex.check("path.count", ...)
    assert "Not answered yet" in fb.message and "run that cell" in fb.message
    assert ex.AnswerSheet("s1").attempts() == []


# ------------------------------------------------------------------ 14 · ids in any alphabet
@pytest.mark.parametrize("good", ["张三", "José", "山田たろう", "Zhang张三", "s2026-017"])
def test_ids_in_any_alphabet_get_their_own_sheet(good):
    ex.start(good)
    ex.check("path.margin", 30)
    assert ex.AnswerSheet(good).path.name == f"{good}.json"
    assert ex.AnswerSheet(good).attempts()[0]["correct"] is True


@pytest.mark.parametrize("bad", ["../x", "a/b", "\u0455" + "2026-001", "ΑΒ12", "a b", "..", ".张", "ｓ１２", "pаypal", "x\u202ey",
                                 "a\u200bb", "张" * 65, "a\x00"])
def test_paths_look_alikes_and_control_characters_stay_refused(bad):
    with pytest.raises(ValueError, match="letters .any alphabet"):
        ex.start(bad)


# ------------------------------------------------------------------ 11 · stale feedback, Enter
def test_changing_the_answer_clears_the_old_verdict_and_enter_checks():
    ex.start("s1")
    view = ex.show("path.margin")
    view.answer_input.value = "30"
    view.check_button.click()
    assert "Correct" in view.feedback.value
    view.answer_input.value = "31"
    assert "Correct" not in view.feedback.value and "Answer changed" in view.feedback.value
    view.answer_input._handle_msg({"content": {"data": {"method": "custom",
                                                        "content": {"event": "submit"}}},
                                   "buffers": []})
    assert "Not yet" in view.feedback.value or "✗" in view.feedback.value
    assert len(ex.AnswerSheet("s1").attempts("path.margin")) == 2


# ------------------------------------------------------------------ 9 · progress, reset, re-runs
def test_rerunning_the_same_check_adds_no_attempt_but_a_new_answer_does():
    ex.start("s1")
    ex.check("path.margin", 25)
    again = ex.check("path.margin", 25)       # Run All re-runs the cell
    assert "not counted as another attempt" in again.message
    assert len(ex.AnswerSheet("s1").attempts("path.margin")) == 1
    ex.check("path.margin", 30)
    ex.check("path.margin", 25)               # back to an old answer: a new attempt
    assert len(ex.AnswerSheet("s1").attempts("path.margin")) == 3
    ex._LAST.clear()                          # a new kernel session records it again
    ex.check("path.margin", 25)
    assert len(ex.AnswerSheet("s1").attempts("path.margin")) == 4


def test_progress_counts_best_attempts_per_chapter_and_says_how_grading_counts():
    ex.start("s1")
    ex.check("path.margin", 30)
    ex.check("path.margin", 99)               # a worse try later does not lower the score
    ex.check("path.count", 3)
    report = ex.progress()
    row = report.table.loc["98"]
    assert (row["exercises"], row["done"], row["attempted"]) == (2, 1, 2)
    assert row["points so far"] == 2.0 and row["score so far"] == "67 %"
    text, page = repr(report), report._repr_html_()
    assert "best" in text and "deadline" in text and "**" not in text
    assert "<table" in page and "<strong>best</strong>" in page
    assert list(ex.progress("98").table.index) == ["98"] == list(ex.progress(98).table.index)
    with pytest.raises(ValueError, match="chapters: 98"):
        ex.progress("42")


def test_start_over_clears_the_widget_but_keeps_the_sheet():
    ex.start("s1")
    view = ex.show("path.margin")
    view.answer_input.value = "31"
    view.check_button.click()
    view.hint_button.click()
    view.reset_button.click()
    assert (view.answer_input.value, view.feedback.value, view.hints.value) == ("", "", "")
    assert not view.hint_button.disabled
    assert len(ex.AnswerSheet("s1").attempts("path.margin")) == 1
    fresh = ex.reset("path.margin")
    assert fresh.answer_input.value == "" and fresh.feedback.value == ""


# ------------------------------------------------------------------ 8, 6, 13 · display
def test_a_cold_notebook_shows_the_exercise_as_static_html_and_clean_text():
    ex.start("s1")
    bundle = ex.show("path.count")._repr_mimebundle_()
    plain, page = bundle["text/plain"], bundle["text/html"]
    assert plain.startswith("Count (1 pt, path.count)") and "**" not in plain and "$" not in plain
    assert "<strong>your</strong>" in page and "$n = |C|$" in page and "Run this cell" in page


def test_formulas_reach_the_math_renderer_whole():
    assert math_html("$m_t * r_t$ and $$a_1 * b_2$$") == "<p>$m_t * r_t$ and $$a_1 * b_2$$</p>"
    assert math_html("costs $5 and $10") == "<p>costs $5 and $10</p>"
    assert math_html("$<script>$") == "<p>$&lt;script&gt;$</p>"
    view = ex.show("path.count")
    prompt = view.widget.children[1]
    assert type(prompt).__name__ == "HTMLMath" and "$n = |C|$" in prompt.value
    assert _plain("**bold** `code` $x$") == "bold code x"


def test_titles_are_human_and_the_id_stays_small():
    assert title_of(ex.get("path.count")) == "Count"
    title = ex.show("path.margin").widget.children[0].value
    assert title.startswith("<b>Margin</b>") and "<small class='casekit-id'" in title


# ------------------------------------------------------------------ 10 · chapters as the student
def test_start_without_an_id_uses_the_one_the_problem_set_gave(monkeypatch):
    assert "'self-study'" in repr(ex.start())
    ex.start("张三")
    ex._state["student"] = None                # a new kernel: the chapter notebook
    assert "'张三'" in repr(ex.start())
    ex.start("demo-student")                   # the instructor's copy: not remembered
    ex._state["student"] = None
    assert "'张三'" in repr(ex.start())
    monkeypatch.setenv("CASEKIT_STUDENT", "s9")
    assert "'s9'" in repr(ex.start())


# ------------------------------------------------------------------ speed · keys on disk
def test_a_key_worked_out_once_is_kept_on_disk_and_reused_in_a_new_session(monkeypatch):
    calls = []
    monkeypatch.setattr(ex, "_student_data", lambda s: calls.append(s) or Fake(10))
    ex.start("s1")
    assert ex.check("path.count", 10).correct and calls == ["s1"]
    ex._RESOLVED.clear()                      # a new kernel session
    assert ex.check("path.count", 10).correct and calls == ["s1"]   # no data needed
    cache = json.loads(next((Path(ex.workbook_home()) / "cache" / "keys").glob("s1.json"))
                       .read_text())
    cache["path.count"]["fingerprint"] = "0" * 16          # the exercise changed since
    (Path(ex.workbook_home()) / "cache" / "keys" / "s1.json").write_text(json.dumps(cache))
    ex._RESOLVED.clear()
    assert ex.check("path.count", 10).correct and calls == ["s1", "s1"]


def test_start_works_keys_out_in_the_background(monkeypatch, tmp_path):
    from casekit.exercises.progress import cached_key
    monkeypatch.setenv("CASEKIT_WARM", "1")
    ex.start("s2")
    assert ex.wait_ready(300)
    assert cached_key(ex.get("path.count"), "s2") is not None
    ex._RESOLVED.clear()
    began = time.perf_counter()
    assert not ex.check("path.count", -1).correct
    assert time.perf_counter() - began < 0.5
