"""Every command after ``grade`` survives every sheet ``grade`` accepted.

A class is graded from hostile sheets — markup and script in names and answers, control
and bidi characters, look-alike letters, spreadsheet formulas in every disguise, table
answers of every wrong shape, very long text — and ``feedback``, ``report`` and
``export`` must all complete, every page must be well-formed with nothing a browser would
run, and no CSV cell may be one a spreadsheet would run as a formula.
"""
import csv
import datetime as dt
import io
import re
from html.parser import HTMLParser

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casekit.grading import grade as g
from casekit.grading.export import export_grades
from casekit.grading.feedback import write_feedback
from casekit.grading.gradebook import Gradebook
from casekit.grading.report import write_report
from tests.test_grading import RIGHT, attempt, course, n_customers, write_sheet  # noqa: F401

FORMULAS = ["=1+1", "+1+1", "-1+1", "@SUM(A1)", "\t=1+1", "\r=1+1", "＝1+1", "＋1", "－1", "＠SUM(A1)",
            " =1+1", "  @SUM(A1)", '=HYPERLINK("http://x","y")', "=cmd|' /C calc'!A0"]
MARKUP = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "<svg onload=alert(1)>",
          '"><iframe src=javascript:alert(1)>', "[x](javascript:alert(1))", "**bold** <b>b</b>"]
ODD = ["\u202eevil\u202c", "a\x00b\x07c\x1bd", "\u2066iso\u2069", "ѕ1 Ꭺnn", "NaN", "nan", "inf",
       "x" * 10_000, "", "   "]
HOSTILE_TEXT = FORMULAS + MARKUP + ODD

TABLES = [
    {"columns": ["Customers", "Revenue"], "index": [["Year 1"], ["Year 2"]], "data": RIGHT["test.table"]},
    {"columns": ["Customers", "Revenue"], "index": [{"a": 1}, {"b": 2}], "data": RIGHT["test.table"]},
    {"columns": [None, 3.5], "index": [None, "NaN"], "data": RIGHT["test.table"]},
    {"columns": ["Customers", "Revenue"], "index": ["Year 1", "Year 2"], "data": [[1000], [600, 1, 2]]},
    {"columns": ["<b>C</b>", "=1+1"], "index": ["<script>x</script>", "x" * 10_000],
     "data": [["x" * 10_000, "NaN"], ["=1+1", "\u202e1"]]},
    {"columns": "Customers", "index": None, "data": {"a": [1]}},
    {"Year 1": {"Customers": "<i>1000</i>", "Revenue": [1, 2]}, "Year 2": None},
    {"Year 1": {"Customers": 1000, "Revenue": 300000}, "Year 2": {"Customers": 600, "Revenue": 198000}},
    [[1000, 300000], [600]], [[None, {"x": 1}], ["=1+1", "<b>"]], [["1,000", "300000"], ["600", "198,000"]],
    [], [[]], "=1+1", None, 12,
    [[i, i] for i in range(5_000)], [list(range(500))] * 2,
]

ANSWERS = {
    "test.numeric": HOSTILE_TEXT + [None, 1e308, -1e308, [1, 2], {"a": "<b>"}],
    "test.share": ["25%", "=25%", "\u202e0.25"],
    "test.single": ["<b>A</b>", {"x": 1}, [["a"]], "A", "=A", None, 99],
    "test.multiple": [["<i>", None], "=cmd", [0, 0, 0], [99], "A, B"],
    "test.matching": [{"<script>": "Operational", "Sales force automation": ["x"]},
                      {"RFM scoring": "=1+1"}, ["a"], None],
    "test.ordering": [[None, {"a": 1}, "<svg onload=alert(1)>"], "acquisition", list(reversed(
        RIGHT["test.ordering"]))],
    "test.table": TABLES,
    "test.text": [*MARKUP, "=HYPERLINK(\"http://x\")", {"text": "<img src=x onerror=alert(1)>",
                                                        "rubric": [True, "x"]}, {"text": None}],
}

STUDENTS = {          # id: roster name (ids are restricted by the sheet format; names are not)
    "s1": "<script>alert('name')</script>",
    "-2": '=HYPERLINK("http://x")',
    "@s3": "\u202eevil\u202c Ann",
    "s4": "＝1+1",
    "s5": " =1+1",
    "s6": "\t=cmd",
    "s7": "Ꭺnn Lее",           # Cherokee A, Cyrillic e: looks like "Ann Lee"
    "s8": "a\x07b\x1b[31mred",
}

ALLOWED_TAGS = {"html", "head", "meta", "title", "style", "body", "main", "header", "section",
                "h1", "h2", "h3", "p", "a", "b", "strong", "em", "i", "code", "pre", "ul", "ol",
                "li", "table", "thead", "tbody", "tr", "th", "td", "caption", "details", "summary",
                "div", "span", "img", "br", "hr", "small", "abbr", "dl", "dt", "dd", "nav",
                "figure", "figcaption", "bdi", "blockquote", "mark", "del", "ins", "footer"}
VOID = {"meta", "img", "br", "hr"}
UNSAFE_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


class PageChecker(HTMLParser):
    """Collects what a browser would build from a page: tags, attributes, the open stack."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.problems = [], []

    def handle_starttag(self, tag, attrs):
        if tag not in ALLOWED_TAGS:
            self.problems.append(f"tag <{tag}>")
        for name, value in attrs:
            if name.startswith("on") or "javascript:" in (value or "").replace(" ", "").lower():
                self.problems.append(f"attribute {name}={value!r} on <{tag}>")
        if tag == "img" and not dict(attrs).get("src", "").endswith(".png"):
            self.problems.append(f"img {attrs}")
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.stack.pop()

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.stack[-1:]}")
        else:
            self.stack.pop()

    def handle_data(self, data):
        if UNSAFE_CHARS.search(data):
            self.problems.append(f"control or bidi character in {data[:40]!r}")


def check_page(path):
    text = path.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>"), path
    checker = PageChecker()
    checker.feed(text)
    checker.close()
    assert checker.problems == [], (path.name, checker.problems[:5])
    assert checker.stack == [], (path.name, checker.stack)
    return text


def runs_as_formula(cell: str) -> bool:
    """What Excel, LibreOffice or Google Sheets would evaluate (numbers are data)."""
    if re.fullmatch(r"-?\d+(\.\d+)?", cell):
        return False
    stripped = cell.lstrip(" \t\r\n\u3000")
    return bool(cell) and (cell[0] in "=+-@\t\r＝＋－＠" or stripped[:1] in tuple("=+-@＝＋－＠"))


def check_csv(path):
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    bad = [cell for row in rows for cell in row if runs_as_formula(cell)]
    assert bad == [], bad[:5]
    return rows


@pytest.fixture
def hostile(course):
    """A graded class of hostile sheets; each student tries every hostile answer."""
    roster = "Student ID,Name\n" + "".join(
        f'{sid},"{name.replace(chr(34), chr(34) * 2)}"\n' for sid, name in STUDENTS.items())
    (course / "roster.csv").write_text(roster, encoding="utf-8")
    for n, student in enumerate(STUDENTS):
        tries = [attempt(ex, answer, score=0.0) for ex, answers in ANSWERS.items() for answer in answers]
        tries.append(attempt("test.computed", n_customers(list(STUDENTS)[n - 1])))  # a classmate's
        tries.append(attempt("test.computed", "=1+1"))
        write_sheet(course / "sheets", student, tries)
    g.grade(course / "sheets", course / "gb.sqlite", roster=course / "roster.csv",
            deadlines=["2026-12-01T00:00Z"], late_penalty=0.1)
    with Gradebook(course / "gb.sqlite") as gb, gb.transaction():   # what marking could store
        for sid in STUDENTS:
            gb.conn.execute("INSERT OR REPLACE INTO manual(student, exercise, fraction, answer_sha256,"
                            " grader, comment, at) VALUES(?, 'test.text', 0.5, 'x', ?, ?, ?)",
                            (sid, "<b>TA</b>", "<script>alert('c')</script> **see me** \u202e =1+1",
                             "2026-12-02T00:00:00Z"))
        gb.conn.execute("UPDATE attempts SET message = message || ? WHERE seq % 3 = 0",
                        (" <img src=x onerror=alert(1)> \x07",))
        gone = "<b>old</b>.=1+1"                       # graded once, since dropped from the bank
        gb.conn.execute("INSERT INTO exercises VALUES(?, 99, '99', 'numeric', 1)", (gone,))
        gb.conn.execute("INSERT INTO attempts(student, seq, exercise, answer, timestamp, valid, "
                        "correct, score, claimed, message) VALUES('s1', 9999, ?, '\"<i>x</i>\"', "
                        "NULL, 1, 0, 0, 0, '<script>m</script>')", (gone,))
        gb.conn.execute("INSERT INTO scores(student, exercise, points, max_points, attempts, chosen, "
                        "status) VALUES('s1', ?, 0, 1, 1, 9999, 'auto')", (gone,))
    return course / "gb.sqlite"


@pytest.mark.parametrize("reveal", [None, True])
def test_feedback_pages_survive_hostile_answers_and_escape_everything(hostile, course, reveal):
    after = dt.datetime(2026, 12, 3, tzinfo=dt.timezone.utc)
    pages = write_feedback(hostile, course / "fb", reveal=reveal, when=after)
    assert len(pages) == len(STUDENTS)
    for page in pages + [course / "fb" / "index.html"]:
        text = check_page(page)
        assert "<script" not in text and "<img src=x" not in text and "<svg" not in text
    s1 = (course / "fb" / "s1.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(" in s1
    assert "<b>&lt;b&gt;old&lt;/b&gt;.=1+1</b>" in s1 and "no longer in the bank" in s1
    assert "(could not be shown)" not in s1 or s1.count("(could not be shown)") < 5
    index = (course / "fb" / "index.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(&#39;name&#39;)&lt;/script&gt;" in index


def test_report_survives_hostile_answers_and_its_csv_runs_no_formula(hostile, course):
    paths = write_report(hostile, course / "report")
    for path in paths:
        if path.suffix == ".html":
            check_page(path)
        elif path.suffix == ".csv":
            check_csv(path)


@pytest.mark.parametrize("lms,by", [("generic", "exercise"), ("generic", "chapter"),
                                    ("canvas", "exercise")])
def test_export_neutralises_every_formula_variant(hostile, course, lms, by):
    rows = check_csv(export_grades(hostile, course / "grades.csv", lms=lms, by=by))
    names = {row[0 if lms == "canvas" else 1] for row in rows[1:]}      # the roster strips spaces
    assert "'＝1+1" in names and "'=1+1" in names and "'=cmd" in names
    assert "'=HYPERLINK(\"http://x\")" in names
    ids = {row[2 if lms == "canvas" else 0] for row in rows[1:]}
    assert {"'-2", "'@s3"} <= ids


def test_feedback_refuses_a_gradebook_student_id_that_is_a_path(hostile, course):
    with Gradebook(hostile) as gb, gb.transaction():      # a gradebook edited by hand
        gb.conn.execute("INSERT INTO students(student, name) VALUES('../../evil', 'x')")
    with pytest.raises(ValueError, match="'../../evil' is not a valid student id"):
        write_feedback(hostile, course / "fb" / "deep")
    assert not (course / "evil.html").exists() and not (course / "fb" / "deep").exists()


@pytest.mark.parametrize("lms", ["generic", "canvas"])
def test_export_neutralises_formulas_in_names_stored_as_they_are(hostile, course, lms):
    with Gradebook(hostile) as gb, gb.transaction():        # names as a hub or an old roster kept them
        for sid, formula in zip(STUDENTS, FORMULAS[6:]):     # full-width, after spaces, ...
            gb.conn.execute("UPDATE students SET name = ? WHERE student = ?", (formula, sid))
    rows = check_csv(export_grades(hostile, course / "grades.csv", lms=lms))
    names = {row[2 if lms == "canvas" else 0]: row[0 if lms == "canvas" else 1] for row in rows[1:]}
    assert names == {safe_id: "'" + f for safe_id, f in zip(
        ["'" + s if s[0] in "-@" else s for s in STUDENTS], FORMULAS[6:])}


def test_every_stored_table_answer_can_be_shown_and_a_huge_one_is_cut(course):
    from casekit.exercises.bank import load_bank
    from casekit.grading.pages import NOT_SHOWN, answer_view

    table = load_bank()["test.table"]
    for answer in TABLES:
        view = answer_view(table, answer, table)
        assert view.get("text") != NOT_SHOWN, answer
    rows = answer_view(table, [[i, i] for i in range(5_000)], table)["table"]["rows"]
    assert len(rows) == 51 and rows[-1][0] == "… 4,950 more rows"
    assert len(answer_view(table, [list(range(500))] * 2)["table"]["columns"]) == 20


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=10), inner, max_size=5),
    max_leaves=25)


@pytest.mark.slow
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(answer=JSON, kind=st.sampled_from(sorted(ANSWERS)))
def test_any_stored_answer_of_any_exercise_renders_as_text_or_a_table(course, answer, kind):
    import json

    from casekit.exercises.bank import load_bank
    from casekit.grading.pages import answer_view, markdown
    from casekit.grading.report import _describe

    ex = load_bank()[kind]
    view = answer_view(ex, answer, ex if ex.kind == "table" else None)
    if "table" in view:
        cells = [t for _, row in view["table"]["rows"] for t, _ in row]
        assert all(isinstance(t, str) for t in view["table"]["columns"] + cells)
    else:
        assert isinstance(view["text"], str)
    assert isinstance(_describe(ex, json.dumps(answer)), str)
    checker = PageChecker()
    checker.feed(f"<div>{markdown(answer)}</div>")
    assert checker.problems == [] and checker.stack == []
