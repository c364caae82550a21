"""What students and spreadsheets receive: released notebooks, the grades CSV, feedback
pages and the item-analysis report."""
import csv
import datetime as dt
import hashlib

import nbformat
import pytest

from casekit.grading import grade as g
from casekit.grading.export import export_grades
from casekit.grading.feedback import write_feedback
from casekit.grading.release import release
from casekit.grading.report import copied_keys, item_analysis, odd_times, write_report
from tests.test_grading import (ROOT, RIGHT, all_right, attempt, course, n_customers,  # noqa: F401
                                write_sheet)

SECRET = "SECRET_SOLUTION_7f3a"


def problem_set(path):
    """A small problem set as an instructor writes it: solutions tagged, run, outputs saved."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {
        "w1": {"model_name": "HTMLModel", "state": {"value": f"✓ Correct. Why: {SECRET}"}}}}}
    start = nbformat.v4.new_code_cell('from casekit.exercises import start, show, check, my_retailer\n'
                                      'start("instructor")')
    widget = nbformat.v4.new_code_cell('show("test.single")')
    widget.outputs = [nbformat.v4.new_output("display_data", {"text/plain": f"[test.single] {SECRET}"})]
    solution = nbformat.v4.new_code_cell(
        f'data = my_retailer()\nanswer = len(data.customers)  # {SECRET}\ncheck("test.computed", answer)',
        metadata={"tags": ["solution"]}, execution_count=3)
    solution.outputs = [nbformat.v4.new_output("execute_result", {"text/plain": f"✓ {SECRET}"},
                                               execution_count=3)]
    share = nbformat.v4.new_code_cell(f"margin = 30\nshare = margin / 120  # {SECRET}",
                                      metadata={"tags": ["solution"]})
    checked = nbformat.v4.new_code_cell('check("test.share", share)')
    written = nbformat.v4.new_markdown_cell(f"Model answer: {SECRET}", metadata={"tags": ["solution"]})
    nb.cells = [nbformat.v4.new_markdown_cell("# Problem set 99"), start, widget, solution, share,
                checked, written]
    nbformat.write(nb, path)
    return path


def test_released_notebook_hides_every_solution_and_asks_the_student_id(course):
    source = problem_set(course / "99-test.ipynb")
    before = hashlib.sha256(source.read_bytes()).hexdigest()
    [result] = release([source], course / "release")
    text = result.path.read_text(encoding="utf-8")
    assert SECRET not in text and "instructor" not in text
    assert result.replaced == 3 and result.warnings == []
    nb = nbformat.read(result.path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.outputs == [] and c.execution_count is None for c in code)
    assert "widgets" not in nb.metadata
    assert 'STUDENT_ID = ""' in code[0].source and 'input("Your student id: ")' in code[0].source
    assert code[1].source == 'show("test.single")'
    assert code[2].source.startswith("# your code here\n...")
    assert 'check("test.computed", your_answer)' in code[2].source
    assert code[3].source == "# your code here\nshare = ..."      # the name the next cell checks
    assert code[4].source == 'check("test.share", share)'
    assert code[0].source.splitlines()[1:] == [
        'STUDENT_ID = ""   # type your student id between the quotes (e.g. "s2026-017") and run',
        'start(STUDENT_ID or input("Your student id: "))']
    for cell in code:
        compile(cell.source, "cell", "exec")
    assert hashlib.sha256(source.read_bytes()).hexdigest() == before
    again = release([source], course / "release")[0].path.read_bytes()
    assert again == result.path.read_bytes()


def test_release_adds_a_start_cell_and_refuses_to_overwrite_its_source(course):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Quiz"),
                                         nbformat.v4.new_code_cell('show("no.such-exercise")')])
    nbformat.write(nb, course / "quiz.ipynb")
    [result] = release(course / "quiz.ipynb", course / "out")
    cells = nbformat.read(result.path, as_version=4).cells
    assert cells[1].source.startswith("from casekit.exercises import") and "start(" in cells[1].source
    assert any("no.such-exercise" in w for w in result.warnings)
    assert any("no cell is tagged" in w for w in result.warnings)
    with pytest.raises(ValueError, match="overwrite the source"):
        release([course / "quiz.ipynb"], course)


@pytest.fixture
def graded(course):
    """Three students graded: s1 all right, s2 partly, '-3' (an id a spreadsheet would
    read as a formula) with a hostile answer; a fourth on the roster handed nothing in."""
    write_sheet(course / "sheets", "s1", all_right("s1"))
    write_sheet(course / "sheets", "s2", [attempt("test.numeric", "90", score=0.0),
                                          attempt("test.numeric", "30", "2026-12-01T12:00:00Z"),
                                          attempt("test.computed", 1),
                                          attempt("test.table", {"columns": ["Customers", "Revenue"],
                                                                 "index": ["Year 1", "Year 2"],
                                                                 "data": [[1000, 300000], [600, 1]]})])
    write_sheet(course / "sheets", "-3", [attempt("test.numeric", "<script>alert(1)</script>"),
                                          attempt("test.text", "<img src=x onerror=alert(1)>")])
    (course / "roster.csv").write_text('Student ID,Name\ns1,Ann\ns2,"=HYPERLINK(""http://x"")"\n'
                                       "-3,Cy\ns4,@Dee\n", encoding="utf-8")
    g.grade(course / "sheets", course / "gb.sqlite", roster=course / "roster.csv",
            deadlines=["2026-12-01T00:00Z"], late_penalty=0.5)
    return course / "gb.sqlite"


def read_csv(path):
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    return list(csv.reader(raw.decode("utf-8-sig").splitlines()))


def test_export_has_fixed_columns_safe_cells_and_empty_cells_for_unmarked_text(graded, course):
    rows = read_csv(export_grades(graded, course / "grades.csv"))
    header, body = rows[0], {r[0]: r for r in rows[1:]}
    assert header[:2] == ["Student ID", "Name"] and header[-2:] == ["Total", "Max"]
    assert header[2:-2] == list(RIGHT) + ["test.computed"]
    assert list(body) == ["'-3", "s1", "s2", "s4"]
    assert body["s2"][1] == "'=HYPERLINK(\"http://x\")" and body["s4"][1] == "'@Dee"
    col = {name: i for i, name in enumerate(header)}
    assert body["s1"][col["Total"]] == "8" and body["s1"][col["Max"]] == "9"
    assert body["s1"][col["test.text"]] == ""                # waiting for a mark
    assert body["s2"][col["test.numeric"]] == "0.5"          # right, but a day late at 50%
    assert body["s4"][col["Total"]] == "0"
    by_chapter = read_csv(export_grades(graded, course / "chapters.csv", by="chapter"))
    assert by_chapter[0] == ["Student ID", "Name", "Chapter 99", "Total", "Max"]
    canvas = read_csv(export_grades(graded, course / "canvas.csv", lms="canvas", by="chapter"))
    assert canvas[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Chapter 99"]
    assert canvas[1][:3] == ["Cy", "", "'-3"]
    with pytest.raises(ValueError, match="by must be one of"):
        export_grades(graded, course / "x.csv", by="week")


def card(page, exercise):
    """The HTML of one exercise's box on a feedback page."""
    start = page.index(f"<b>{exercise}</b>")
    return page[start:page.index("</details>", start)]


def test_feedback_is_escaped_and_reveals_answers_only_after_the_deadline(graded, course):
    before = dt.datetime(2026, 11, 30, tzinfo=dt.timezone.utc)
    after = dt.datetime(2026, 12, 2, tzinfo=dt.timezone.utc)
    [page] = write_feedback(graded, course / "early", students=["-3"], when=before)
    text = page.read_text(encoding="utf-8")
    assert "<script>" not in text and "<img" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "Expected answer" not in text and "after your deadline" in text
    assert "Hints, in order" in text and "Margin = revenue × margin rate." in text
    early_s2 = write_feedback(graded, course / "early", students=["s2"], when=before)[0].read_text("utf-8")
    assert "wrong" not in card(early_s2, "test.table") and '<table class="answer">' in early_s2
    pages = write_feedback(graded, course / "late", when=after)
    assert sorted(p.name for p in pages) == ["-3.html", "s1.html", "s2.html", "s4.html"]
    s2 = (course / "late" / "s2.html").read_text(encoding="utf-8")
    assert f"Expected answer on your data:</div>\n<pre>{n_customers('s2')}</pre>" in s2
    numeric = card(s2, "test.numeric")
    assert "120 × 0.25 = 30." in numeric and numeric.index("Hints, in order") < numeric.index("Why:")
    assert "1 day(s) late" in s2
    assert "no answer sheet handed in" in (course / "late" / "s4.html").read_text(encoding="utf-8")
    with pytest.raises(ValueError, match="not in the gradebook"):
        write_feedback(graded, course / "x", students=["nobody"])


def test_feedback_page_opens_with_a_summary_and_shows_tables_as_tables(graded, course):
    after = dt.datetime(2026, 12, 2, tzinfo=dt.timezone.utc)
    write_feedback(graded, course / "fb", when=after)
    s1, s2 = ((course / "fb" / f"{s}.html").read_text(encoding="utf-8") for s in ("s1", "s2"))
    summary = s2[s2.index('id="summary"'):s2.index("<main>")]
    assert "1.25 of 9 points" in summary                            # 0.5 late numeric + 0.75 table
    assert "loses 50% of its points for each started day late" in summary
    assert '<td class="num">1</td><td class="num">−0.5 pt</td>' in summary   # days late, points lost
    assert '<td class="num">3 of 9</td>' in summary      # to review: computed, numeric, table
    assert "<td class=\"when\">2026-12-01 00:00 UTC</td><td>shown below</td>" in summary
    [hidden] = write_feedback(graded, course / "hidden", students=["s2"], reveal=False, when=after)
    text = hidden.read_text("utf-8")
    assert "Expected answer" not in text and "once your instructor releases them" in text
    assert "appear after it" not in text and "appear here after your deadline" not in text
    assert "**" not in s2 and "<strong>120</strong>" in s2          # Markdown rendered, not leaked
    table = card(s2, "test.table")
    assert '<td class="num wrong">1 ✗</td>' in table and '<td class="num right">1,000</td>' in table
    assert "<th>Year 2</th>" in table and "<th>Revenue</th>" in table
    # what to review comes first and open; what was right or not tried is folded
    order = [s2.index(f"<b>{e}</b>") for e in ("test.computed", "test.numeric", "test.table", "test.single")]
    assert order == sorted(order)
    assert '<details class="card none" open>' in s2 and '<details class="card skip">' in s2
    assert "<summary>Not attempted: 6 exercise(s)</summary>" in s2      # one folded group
    assert "C. Satisfied and loyal" in card(s2, "test.single")        # options in s2's own order
    assert "acquisition → growth → maturity" in card(s1, "test.ordering").split("Expected")[0]
    assert "test.text" in s1[s1.index('id="summary"'):s1.index("<main>")]     # pending, named
    assert "Days late" not in s1 and "Late work:" in s1      # never late: no late columns, policy kept
    assert "Your answer" in card(s1, "test.single") and "B. Satisfied and loyal" in card(s1, "test.single")
    index = (course / "fb" / "index.html").read_text(encoding="utf-8")
    assert '<a href="s1.html">Ann</a></td><td><code>s1</code></td>' in index
    assert '<td class="num">8 / 9</td><td class="num">1</td>' in index
    write_feedback(graded, course / "fb", students=["s2"], when=after)      # one page again:
    index = (course / "fb" / "index.html").read_text(encoding="utf-8")  # the index keeps everyone
    assert '<a href="s1.html">Ann</a>' in index and '<a href="s4.html">@Dee</a>' in index
    write_feedback(graded, course / "fb2", students=["s2"], when=after)
    assert "Ann <small>(no page yet)</small>" in (course / "fb2" / "index.html").read_text("utf-8")


def test_a_page_with_many_exercises_to_review_folds_them_all_with_a_title_line(course):
    wrong = ["test.numeric", "test.share", "test.single", "test.multiple", "test.matching",
             "test.ordering", "test.table"]
    write_sheet(course / "sheets", "s1", [attempt(e, "nonsense", score=0.0) for e in wrong])
    g.grade(course / "sheets", course / "gb.sqlite")
    [page] = write_feedback(course / "gb.sqlite", course / "fb")
    text = page.read_text("utf-8")
    assert text.count('<details class="card none">') == 7 and 'class="card none" open' not in text
    assert '<span class="muted title">A customer brings 120 a year at a 25% margin.' in text
    assert "<details open>" in text            # the chapter itself is open: it has work to review


def test_an_extension_keeps_the_key_hidden_until_the_students_own_deadline(graded, course):
    g.extend(graded, "s2", "2026-12-05T00:00Z", reason="ill")
    between = dt.datetime(2026, 12, 2, tzinfo=dt.timezone.utc)     # class deadline passed, s2's not
    s1, s2 = (p.read_text("utf-8") for p in write_feedback(graded, course / "fb", students=["s1", "s2"],
                                                            when=between))
    # s1's own deadline has passed: their personal key shows, but nothing s2 could copy
    assert "Expected answer on your data:" in s1
    assert "Expected answer:" not in s1 and "120 × 0.25 = 30." not in s1
    assert "when no classmate can hand this chapter in any more" in s1
    assert "Expected answer" not in s2 and "120 × 0.25 = 30." not in s2
    assert str(n_customers("s2")) not in s2.replace(f"{n_customers('s2')} attempt", "")
    assert "wrong" not in card(s2, "test.table")
    assert "<td class=\"when\">2026-12-05 00:00 UTC (your extension)</td><td>after your deadline</td>" in s2
    [s2_later] = write_feedback(graded, course / "fb", students=["s2"],
                                when=dt.datetime(2026, 12, 6, tzinfo=dt.timezone.utc))
    assert "Expected answer on your data:" in s2_later.read_text("utf-8")
    assert "Expected answer:" in s2_later.read_text("utf-8")       # everyone's deadline is past


def test_report_flags_an_answer_that_is_a_classmates_key(course):
    assert n_customers("s1") != n_customers("s2")
    write_sheet(course / "sheets", "s1", [attempt("test.computed", n_customers("s2"), score=0.0)])
    write_sheet(course / "sheets", "s2", [attempt("test.computed", n_customers("s2"))])
    write_sheet(course / "sheets", "s3", [attempt("test.computed", n_customers("s3") + 1000, score=0.0)])
    g.grade(course / "sheets", course / "gb.sqlite")
    assert copied_keys(course / "gb.sqlite") == [{
        "student": "s1", "name": "", "exercise": "test.computed", "answer": str(n_customers("s2")),
        "matches_key_of": "s2"}]
    _, copied_csv, _, _, page = write_report(course / "gb.sqlite", course / "report")
    assert read_csv(copied_csv) == [["student", "name", "exercise", "answer", "matches_key_of"],
                                    ["s1", "", "test.computed", str(n_customers("s2")), "s2"]]
    text = page.read_text("utf-8")
    assert "<code>s1</code></td><td><code>test.computed</code></td>" in text
    assert text.index("1 answer(s) matching a classmate's key") < text.index("<figure>")   # at a glance


def test_a_classmates_key_is_found_exactly_as_check_would_find_it():
    """copied_keys compares a class's keys at once (one array); that must agree with asking
    each key's own check, answer by answer, tolerance edges, percentages and odd input included."""
    import json
    import random
    from dataclasses import replace

    from casekit.exercises.types import NumericExercise, TableExercise
    from casekit.grading.report import _key_finder

    rng = random.Random(7)
    exercises = [NumericExercise(id="d.n", prompt="?"),
                 NumericExercise(id="d.a", prompt="?", tolerance=2.0),
                 NumericExercise(id="d.s", prompt="?", units="share", rel_tolerance=0.01),
                 NumericExercise(id="d.p", prompt="?", units="%", tolerance=0.5, rel_tolerance=0.02),
                 TableExercise(id="d.t", prompt="?", rows=("a", "b"), columns=("x", "y"))]
    for ex in exercises:
        values = [rng.choice([0.0, 1.0, -3.0, 100.0, 0.25, 1e6, 123.456]) for _ in range(8)]
        shape = (2, 2) if ex.kind == "table" else None

        def key(v):
            if shape:
                return replace(ex, answer=((v, v + 1.0), (-v, 2 * v)))
            return replace(ex, answer=v)
        keys = {f"s{i}": key(v) for i, v in enumerate(values)}
        answers = set()
        for v in values:
            abs_tol, rel_tol = ex.tolerances()
            edge = max(abs_tol, rel_tol * abs(v))
            for x in (v, v + edge, v - edge, v + edge * 1.0001, v * 100, v / 100):
                if shape:
                    answers |= {json.dumps(ex.stored([[x, v + 1.0], [-v, 2 * v]])),
                                json.dumps(ex.stored([[x, v + 1.0], [-v, 2 * v + 1]]))}
                else:
                    answers |= {json.dumps(ex.stored(x)), json.dumps(ex.stored(f"{x}%"))}
        answers |= {json.dumps(ex.stored(a)) for a in ("", "n/a", [[1, 2]], {"x": 1}, "1e999")}
        find = _key_finder(keys)
        for answer in answers:
            by_check = [s for s, k in keys.items() if k.check(json.loads(answer)).correct]
            assert find(answer) == by_check, (ex.id, answer)
    nan = NumericExercise(id="d.x", prompt="?", answer=float("nan"))
    assert _key_finder({"s0": nan})("1") == []                  # no readable key: nobody's
    assert _key_finder({"s0": nan, "s1": replace(nan, answer=1.0)})("1") == ["s1"]
    assert _key_finder({"s1": replace(nan, answer=1.0)})('{"deep": [[[[]]]]}') == []


def test_report_lists_attempts_with_odd_times(course):
    write_sheet(course / "sheets", "s1", [attempt("test.numeric", "30", "2026-10-01T00:00:00Z"),
                                          attempt("test.single", "A", "2026-10-02T00:00:00Z"),
                                          attempt("test.share", "25%")])
    write_sheet(course / "sheets", "s2", [attempt("test.numeric", "30")])
    g.grade(course / "sheets", course / "gb.sqlite", releases=["2026-11-01T00:00Z"])
    assert odd_times(course / "gb.sqlite") == [{
        "student": "s1", "name": "", "flag": "dated-before-release",
        "meaning": "dated before the chapter was released", "attempts": 2,
        "exercises": "test.numeric; test.single"}]
    _, _, odd_csv, _, page = write_report(course / "gb.sqlite", course / "report")
    assert read_csv(odd_csv)[1][:3] == ["s1", "", "dated-before-release"]
    assert "dated before the chapter was released</td>" in page.read_text("utf-8")


def test_item_analysis_finds_hard_items_wrong_answers_and_discrimination(course):
    # six students: strong ones get test.numeric right and test.single wrong (a bad item)
    for i, strong in enumerate([True, True, True, False, False, False]):
        tries = [attempt("test.share", "0.25"), attempt("test.ordering", RIGHT["test.ordering"])]
        if strong:
            tries += [attempt("test.numeric", "90", score=0.0), attempt("test.numeric", "30"),
                      attempt("test.single", "B", score=0.0), attempt("test.table", RIGHT["test.table"]),
                      attempt("test.matching", RIGHT["test.matching"])]
        else:
            tries += [attempt("test.numeric", "90", score=0.0), attempt("test.single", "A")]
        write_sheet(course / "sheets", f"s{i}", tries)
    g.grade(course / "sheets", course / "gb.sqlite")
    items = item_analysis(course / "gb.sqlite").set_index("exercise")
    numeric, single = items.loc["test.numeric"], items.loc["test.single"]
    assert numeric["success_rate"] == 0.5 and numeric["mean_attempts_to_success"] == 2.0
    assert numeric["common_wrong_answers"] == "90 (×6)"
    assert "the cost, not the margin" in numeric["common_mistakes"]
    assert numeric["discrimination"] > 0.5 > 0 > single["discrimination"]
    assert "negative discrimination" in single["flag"]
    assert single["common_wrong_answers"] == "B. Dissatisfied but loyal (×3)"
    csv_path, _, _, png, html_page = write_report(course / "gb.sqlite", course / "report")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert read_csv(csv_path)[0][:3] == ["exercise", "chapter", "type"]
    assert png.name in html_page.read_text(encoding="utf-8")


def test_outputs_need_a_gradebook(tmp_path):
    with pytest.raises(ValueError, match="casekit grade"):
        export_grades(tmp_path / "none.sqlite", tmp_path / "g.csv")
    with pytest.raises(ValueError, match="casekit grade"):
        write_feedback(tmp_path / "none.sqlite", tmp_path / "fb")
    assert not (tmp_path / "none.sqlite").exists()


PROBLEM_SETS = sorted((ROOT / "exercises").glob("*.ipynb"))


@pytest.mark.parametrize("source", PROBLEM_SETS, ids=[p.name for p in PROBLEM_SETS])
def test_no_solution_line_of_a_real_problem_set_survives_its_release(source, tmp_path):
    nb = nbformat.read(source, as_version=4)
    solutions = [c for c in nb.cells if "solution" in c.metadata.get("tags", [])]
    assert solutions, f"{source.name} has no cell tagged 'solution'"
    [result] = release([source], tmp_path)
    text = result.path.read_text(encoding="utf-8")
    lines = {line.strip() for c in solutions for line in c.source.splitlines() if len(line.strip()) >= 20}
    assert lines and not [line for line in lines if line in text]
    released = nbformat.read(result.path, as_version=4)
    for cell in released.cells:
        if cell.cell_type == "code":
            compile(cell.source, "cell", "exec")
            assert cell.outputs == []
