"""A real browser: Voila serves a notebook with an exercise widget, headless Chromium
types a wrong answer, clicks Check, reads the specific feedback, types the right one,
sees success — and the answer sheet on disk holds both attempts.

Locally without Chromium the test is skipped with the reason; under CI=true it must run
(.ci/run installs Debian's chromium package).
"""
import functools
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from tests.conftest import require

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--disable-dev-shm-usage"]


def _need_chromium():
    require(CHROMIUM, "chromium", "apt-get install chromium")


def _stop(proc: subprocess.Popen) -> None:
    """End a server the test started: politely, then for sure."""
    proc.terminate()
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_port(port: int, proc: subprocess.Popen, log: Path, timeout: float = 90):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"voila exited early:\n{log.read_text()[-3000:]}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.25)
    pytest.fail(f"voila did not listen on port {port} within {timeout}s:\n{log.read_text()[-3000:]}")


@pytest.fixture
def served_exercise(tmp_path):
    _need_chromium()
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        'from casekit.exercises import start, show\nstart("browser-student")\nshow("test.numeric")')])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                       "language": "python"}
    path = tmp_path / "exercise.ipynb"
    nbformat.write(notebook, path)
    home = tmp_path / "home"
    env = {**os.environ, "CASEKIT_HOME": str(home), "CASEKIT_EXERCISES": str(ROOT / "tests" / "banks"),
           "PYTHONPATH": str(ROOT), "JUPYTER_PLATFORM_DIRS": "1"}
    port = _free_port()
    log = tmp_path / "voila.log"
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "voila", str(path), "--no-browser",
                                 f"--port={port}", "--Voila.ip=127.0.0.1"],
                                cwd=tmp_path, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        _wait_for_port(port, proc, log)
        yield f"http://127.0.0.1:{port}/", home / "answers" / "browser-student.json"
    finally:
        _stop(proc)


def test_student_checks_a_wrong_then_a_right_answer_in_a_browser(served_exercise):
    from playwright.sync_api import expect, sync_playwright

    url, sheet = served_exercise
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page()
            page.goto(url, timeout=120_000)
            answer = page.locator(".casekit-answer input")
            answer.wait_for(timeout=120_000)
            feedback = page.locator(".casekit-feedback")

            answer.fill("90")
            page.locator("button.casekit-check").click()
            expect(feedback).to_contain_text("90 is the cost, not the margin", timeout=30_000)

            answer.fill("30")
            page.locator("button.casekit-check").click()
            expect(feedback).to_contain_text("Correct", timeout=30_000)
            page.screenshot(path=str(sheet.parent.parent / "after-check.png"))
        finally:
            browser.close()

    attempts = json.loads(sheet.read_text())["attempts"]
    assert [(a["id"], a["answer"], a["correct"], a["attempt"]) for a in attempts] == [
        ("test.numeric", "90", False, 1), ("test.numeric", "30", True, 2)]


# --------------------------------------------------------------------------- JupyterLab
MATH_BANK = '''chapter = "97"
title = "Browser"

[[exercise]]
id = "lab.margin"
type = "numeric"
prompt = """A customer brings **120** a year at a 25% margin: her margin is $m = 0.25 \\\\times 120$.
What margin does she bring per year?"""
answer = 30
tolerance = 0.01
hints = ["Margin = revenue × margin rate."]

  [[exercise.mistakes]]
  value = 90
  message = "90 is the cost, not the margin."
'''


@pytest.fixture
def lab(tmp_path):
    """JupyterLab on a folder holding a copy of chapter 0 as committed and a one-cell
    notebook with a formula exercise; autosave every 2 s; yields (url, folder)."""
    _need_chromium()
    work = tmp_path / "work"
    work.mkdir()
    shutil.copy(ROOT / "notebooks" / "00-what-is-crm.ipynb", work / "chapter.ipynb")
    bank = tmp_path / "bank"
    bank.mkdir()
    (bank / "97-lab.toml").write_text(MATH_BANK, encoding="utf-8")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        'from casekit.exercises import start, show\nstart("lab-student")\nshow("lab.margin")')])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)",
                                 "language": "python"}
    nbformat.write(nb, work / "math.ipynb")
    settings = tmp_path / "settings" / "@jupyterlab" / "docmanager-extension"
    settings.mkdir(parents=True)
    (settings / "plugin.jupyterlab-settings").write_text('{"autosaveInterval": 2}')
    env = {**os.environ, "CASEKIT_HOME": str(tmp_path / "home"), "CASEKIT_WARM": "0",
           "CASEKIT_EXERCISES": str(bank), "PYTHONPATH": str(ROOT), "JUPYTER_PLATFORM_DIRS": "1"}
    port = _free_port()
    log = tmp_path / "lab.log"
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}",
             "--ServerApp.ip=127.0.0.1", "--IdentityProvider.token=", "--ServerApp.password=",
             "--ServerApp.disable_check_xsrf=True", f"--ServerApp.root_dir={work}",
             f"--LabApp.user_settings_dir={tmp_path / 'settings'}",
             f"--LabApp.workspaces_dir={tmp_path / 'workspaces'}", "--allow-root"],
            cwd=work, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        _wait_for_port(port, proc, log)
        yield f"http://127.0.0.1:{port}/lab/tree/", work
    finally:
        _stop(proc)


def test_a_cold_chapter_reads_well_in_lab_and_autosave_leaves_no_diff(lab):
    from playwright.sync_api import expect, sync_playwright

    url, work = lab
    before = (work / "chapter.ipynb").read_bytes()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1000})
            page.goto(url + "chapter.ipynb", timeout=120_000)
            static = page.locator(".casekit-exercise-static")
            expect(static.first).to_be_visible(timeout=120_000)
            static.first.scroll_into_view_if_needed()
            text = static.first.inner_text()
            assert "**" not in text and "Run this cell" in text
            assert page.locator("text=Error displaying widget").count() == 0
            page.screenshot(path=str(work.parent / "cold-chapter.png"))
            # the kernel starts and Lab autosaves every 2 s if anything changed
            expect(page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").first) \
                .to_be_attached(timeout=120_000)
            page.wait_for_timeout(8_000)
            dirty = page.locator(".jp-mod-dirty").count()
        finally:
            page.screenshot(path=str(work.parent / "chapter-last.png"))
            browser.close()
    after = (work / "chapter.ipynb").read_bytes()
    assert dirty == 0, "Lab marked the committed chapter as changed"
    assert after == before, "autosave rewrote the committed chapter (run tools/student_path.py)"


def _run_first_cell(page, tries: int = 3) -> None:
    """Shift+Enter in the first cell, again if Lab swallowed the keys (on a loaded machine
    the editor can take the click before it takes keys): until its prompt leaves "[ ]:"."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    prompt = page.locator(".jp-Cell .jp-InputPrompt").first
    for attempt in range(tries):
        page.locator(".jp-Cell .jp-InputArea-editor").first.click()
        page.keyboard.press("Shift+Enter")
        try:
            page.wait_for_function("(p) => !/\\[\\s*\\]/.test(p.textContent)",
                                   arg=prompt.element_handle(), timeout=30_000)
            return
        except PlaywrightTimeout:
            if attempt == tries - 1:
                raise


def test_formula_enter_and_stale_feedback_in_lab(lab):
    from playwright.sync_api import expect, sync_playwright

    url, work = lab
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(url + "math.ipynb", timeout=120_000)
            expect(page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").first) \
                .to_be_attached(timeout=120_000)
            _run_first_cell(page)
            answer = page.locator(".casekit-answer input")
            answer.wait_for(timeout=120_000)
            exercise = page.locator(".casekit-exercise")
            expect(exercise.locator("mjx-container").first).to_be_visible(timeout=30_000)
            assert "$m" not in exercise.inner_text()      # typeset, not literal dollars
            assert "lab.margin" in exercise.inner_text()  # the id, small, for check()
            feedback = page.locator(".casekit-feedback")

            answer.fill("90")
            answer.press("Enter")
            expect(feedback).to_contain_text("90 is the cost", timeout=30_000)
            answer.fill("30")
            expect(feedback).to_contain_text("Answer changed", timeout=30_000)
            expect(feedback).not_to_contain_text("90 is the cost")
            answer.press("Enter")
            expect(feedback).to_contain_text("Correct", timeout=30_000)
            exercise.screenshot(path=str(work.parent / "math-widget.png"))
        finally:
            page.screenshot(path=str(work.parent / "math-last.png"))
            browser.close()
    sheet = json.loads((work.parent / "home" / "answers" / "lab-student.json").read_text())
    assert [(a["answer"], a["correct"]) for a in sheet["attempts"]] == [("90", False), ("30", True)]


# --------------------------------------------------------------------------- 中文
@functools.cache
def _installed_glyphs() -> frozenset[int]:
    """Every character some font installed on this machine (fontconfig's list) has."""
    from matplotlib.ft2font import FT2Font

    files = {f.rstrip(":") for f in subprocess.run(["fc-list", ":", "file"], capture_output=True,
                                                    text=True).stdout.split()}
    return frozenset(c for f in files if f.endswith((".ttf", ".otf", ".ttc"))
                     for c in FT2Font(f).get_charmap())


def _uncovered(text: str) -> set[str]:
    """The characters of ``text`` that no font installed on this machine has (a browser
    draws them as empty boxes)."""
    return {c for c in text if not c.isspace() and c.isprintable() and ord(c) not in _installed_glyphs()}


def test_a_student_answers_in_chinese_and_the_sheet_keeps_the_english_answer(tmp_path):
    """The Chinese edition in a browser: a choice exercise in 中文, a wrong then the right
    option, feedback in Chinese, no character without a font; the answer sheet keeps the
    English option text, which the grader reads."""
    from playwright.sync_api import expect, sync_playwright

    from casekit.exercises import get
    from casekit.exercises.translation import localized

    _need_chromium()
    exercise = get("crm.quiz-01")
    shown = localized(exercise, "zh")
    order = exercise.order("browser-zh")
    wrong = next(i for i in order if not exercise.options[i].get("correct"))
    right = exercise.reference()
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        'from casekit.exercises import start, show\nstart("browser-zh", lang="zh")\nshow("crm.quiz-01")')])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(notebook, tmp_path / "zh.ipynb")
    env = {**os.environ, "CASEKIT_HOME": str(tmp_path / "home"), "PYTHONPATH": str(ROOT),
           "JUPYTER_PLATFORM_DIRS": "1"}
    env.pop("CASEKIT_EXERCISES", None)
    port, log = _free_port(), tmp_path / "voila.log"
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "voila", str(tmp_path / "zh.ipynb"), "--no-browser",
                                 f"--port={port}", "--Voila.ip=127.0.0.1"],
                                cwd=tmp_path, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        _wait_for_port(port, proc, log)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
            try:
                page = browser.new_page(viewport={"width": 1100, "height": 800})
                page.goto(f"http://127.0.0.1:{port}/", timeout=120_000)
                option = lambda i: page.get_by_role("radio", name=shown.label(i, "browser-zh"), exact=True)
                option(wrong).wait_for(timeout=120_000)
                feedback = page.locator(".casekit-feedback")
                option(wrong).check()
                page.locator("button.casekit-check").click()
                expect(feedback).to_contain_text("还不对", timeout=30_000)
                option(right).check()
                page.locator("button.casekit-check").click()
                expect(feedback).to_contain_text("正确", timeout=30_000)
                page.screenshot(path=str(tmp_path / "zh-after-check.png"))
                missing = _uncovered(page.evaluate("() => document.body.innerText"))
            finally:
                browser.close()
    finally:
        _stop(proc)
    assert not missing, f"drawn as empty boxes (no installed font): {sorted(missing)[:20]}"
    attempts = json.loads((tmp_path / "home" / "answers" / "browser-zh.json").read_text())["attempts"]
    assert [(a["answer"], a["correct"]) for a in attempts] == [
        (exercise.options[wrong]["text"], False), (exercise.options[right]["text"], True)]
