"""A real browser: Voila serves a notebook with an exercise widget, headless Chromium
types a wrong answer, clicks Check, reads the specific feedback, types the right one,
sees success — and the answer sheet on disk holds both attempts.

Locally without Chromium the test is skipped with the reason; under CI=true it must run
(.ci/run installs Debian's chromium package).
"""
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

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--disable-dev-shm-usage"]


def _need_chromium():
    if CHROMIUM:
        return
    if os.environ.get("CI") == "true":
        pytest.fail("CI=true but no chromium on PATH: .ci/run should have installed it "
                    "(apt-get install chromium).")
    pytest.skip("no chromium on this machine (apt-get install chromium to run it); "
                "CI runs this test")


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
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


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
