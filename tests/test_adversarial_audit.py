"""An adversarial audit of the grading path (collect → grade → export/feedback/report):
cases the earlier adversarial tests did not try. Each test names the guarantee it holds."""
import json

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
