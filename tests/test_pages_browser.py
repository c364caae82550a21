"""The feedback pages, their index and the item-analysis report in a real browser.

Headless Chromium opens each page at a desktop (1280 px) and a phone (390 px) width: the
body never scrolls sideways (wide tables scroll inside their own box), a student's
summary is on the first screen, and the console stays free of errors. Screenshots land
in the test's temporary folder (run with ``--basetemp DIR`` to keep and look at them).

Locally without Chromium the test is skipped; under CI=true it must run.
"""
import datetime as dt

import pytest

from casekit.grading import grade as g
from casekit.grading.feedback import write_feedback
from casekit.grading.report import write_report
from tests.test_browser import CHROMIUM, CHROMIUM_FLAGS, _need_chromium
from tests.test_grading import RIGHT, all_right, attempt, course, n_customers, write_sheet  # noqa: F401

pytestmark = pytest.mark.browser

SIZES = {"desktop": (1280, 800), "phone": (390, 844)}


@pytest.fixture
def pages(course):
    """Feedback pages and a report for a small class, one student with very long answers."""
    _need_chromium()
    roster = "Student ID,Name\n" + "".join(f"s{i},Student Number {i}\n" for i in range(1, 6))
    (course / "roster.csv").write_text(roster, encoding="utf-8")
    write_sheet(course / "sheets", "s1", all_right("s1"))
    write_sheet(course / "sheets", "s2", [
        attempt("test.numeric", "90", score=0.0), attempt("test.numeric", "30", "2026-12-01T12:00:00Z"),
        attempt("test.computed", n_customers("s1"), score=0.0),
        attempt("test.table", {"columns": ["Customers", "Revenue"], "index": ["Year 1", "Year 2"],
                               "data": [[1000, 300000], [600, 1]]}, score=0.0),
        attempt("test.text", "word " * 400)])
    write_sheet(course / "sheets", "s3", [
        attempt("test.numeric", "x" * 10_000, score=0.0),
        attempt("test.table", {"columns": ["C" * 300, "Revenue"], "index": [["Year 1"], ["Year 2"]],
                               "data": [["9" * 300, 1], [2, 3]]}, score=0.0),
        attempt("test.single", "B", score=0.0), attempt("test.matching", RIGHT["test.matching"])])
    write_sheet(course / "sheets", "s4", all_right("s4")[:5])
    g.grade(course / "sheets", course / "gb.sqlite", roster=course / "roster.csv",
            deadlines=["2026-12-01T00:00Z"], late_penalty=0.2)
    write_feedback(course / "gb.sqlite", course / "fb", when=dt.datetime(2026, 12, 2, tzinfo=dt.timezone.utc))
    write_report(course / "gb.sqlite", course / "report")
    return course


def test_pages_fit_the_screen_show_the_summary_first_and_log_no_errors(pages, tmp_path):
    from playwright.sync_api import sync_playwright

    targets = [pages / "fb" / f"{s}.html" for s in ("s2", "s3", "s5")] + \
        [pages / "fb" / "index.html", pages / "report" / "index.html"]
    shots = tmp_path / "screenshots"
    shots.mkdir()
    problems = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
        try:
            for size, (width, height) in SIZES.items():
                page = browser.new_page(viewport={"width": width, "height": height})
                errors = []
                page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
                page.on("pageerror", lambda e: errors.append(str(e)))
                for target in targets:
                    name = f"{target.parent.name}-{target.stem}-{size}"
                    page.goto(target.as_uri())
                    page.wait_for_load_state("load")
                    page.screenshot(path=str(shots / f"{name}.png"))
                    page.screenshot(path=str(shots / f"{name}-full.png"), full_page=True)
                    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
                    if overflow > 0:
                        problems.append(f"{name}: the body is {overflow} px wider than the window")
                    if target.parent.name == "fb" and target.stem != "index":
                        box = page.locator("#summary .total").bounding_box()
                        if box is None or box["y"] + box["height"] > height:
                            problems.append(f"{name}: the total is not on the first screen")
                        table = page.locator("#summary table").bounding_box()
                        if size == "desktop" and table["y"] + table["height"] > height:
                            problems.append(f"{name}: the chapter summary is below the first screen")
                    broken = page.evaluate("[...document.images].filter(i => !i.naturalWidth).length")
                    if broken:
                        problems.append(f"{name}: {broken} image(s) did not load")
                problems += [f"{size}: console error {e}" for e in errors]
                page.close()
        finally:
            browser.close()
    assert problems == [], f"{problems} (screenshots in {shots})"
