"""The static book (`make book`): every chapter and problem set a page, every exercise a quiz
generated from the TOML banks, working in the page without a kernel.

The book is built once per test session (Sphinx + myst-nb from the committed notebooks) into
a temporary folder. The browser tests open every page at a desktop (1280 px) and a phone
(390 px) width from the files, as a reader does: no console error, no request that fails,
no broken link or image, no sideways scrolling of the page; answer quizzes wrong then right;
and check that the page's script gives the engine's feedback, answer for answer, for every
quiz in the book. Screenshots land in the session's temporary folder (``--basetemp DIR`` to
keep them).

Locally without Chromium the browser tests are skipped; under CI=true they must run.
"""
import json
import math
import os
import random
import re
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import unquote, urlparse

import nbformat
import pytest

from casekit import book
from casekit.exercises import get
from casekit.exercises.types import (ChoiceExercise, MatchingExercise, MultipleChoiceExercise,
                                     NumericExercise, OrderingExercise, TextExercise)
from casekit.markup import to_html

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb")) + sorted((ROOT / "exercises").glob("*.ipynb"))
ZH_NOTEBOOKS = sorted((ROOT / "zh" / "notebooks").glob("*.ipynb")) + \
    sorted((ROOT / "zh" / "exercises").glob("*.ipynb"))
SIZES = {"desktop": (1280, 800), "phone": (390, 844)}
DATA = re.compile(r'<script type="application/json" class="ck-data">(.*?)</script>', re.S)


def _page(html_root: Path, notebook: Path) -> Path:
    return html_root / notebook.parent.name / (notebook.stem + ".html")


def _calls(notebook: Path, *kinds: str) -> list[str]:
    """The exercise ids of the cells ending in ``show("id")`` (or ``check``), in cell order."""
    nb = nbformat.read(notebook, as_version=4)
    return [call[1] for c in nb.cells if c.cell_type == "code"
            for call in [book.exercise_call(c.source)] if call and call[0] in kinds]


@pytest.fixture(scope="session")
def built_book(tmp_path_factory):
    """The book built once, both editions (HTML folder, with 中文 in its zh/; seconds taken)."""
    out = tmp_path_factory.mktemp("book")
    started = time.perf_counter()
    env = {k: v for k, v in os.environ.items() if k != "CASEKIT_EXERCISES"}   # the real banks
    for args in (["-d", str(out / "doctrees"), str(ROOT / "book"), str(out / "html")],
                 ["-d", str(out / "doctrees-zh"), "-c", str(ROOT / "book"), "-D", "language=zh_CN",
                  str(ROOT / "book" / "zh"), str(out / "html" / "zh")]):      # as make book does
        proc = subprocess.run([sys.executable, "-m", "sphinx", "-b", "html", "-q", *args],
                              cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
        assert proc.returncode == 0, f"sphinx-build failed:\n{proc.stderr[-4000:]}"
        errors = [line for line in proc.stderr.splitlines() if "ERROR" in line or "CRITICAL" in line]
        assert not errors, "\n".join(errors[:20])
    seconds = time.perf_counter() - started
    print(f"book built in {seconds:.1f} s")
    return out / "html", seconds


# --------------------------------------------------------------------------- the build
@pytest.mark.slow
def test_every_chapter_and_problem_set_is_a_page_linked_from_the_index(built_book):
    html, _ = built_book
    index = (html / "index.html").read_text(encoding="utf-8")
    for notebook in NOTEBOOKS:
        page = _page(html, notebook)
        assert page.is_file(), f"no page for {notebook.relative_to(ROOT)}"
        assert f'href="{notebook.parent.name}/{notebook.stem}.html"' in index


@pytest.mark.slow
@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[f"{p.parent.name}/{p.name}" for p in NOTEBOOKS])
def test_every_exercise_cell_stands_in_its_page_and_no_widget_needs_a_kernel(built_book, notebook):
    html, _ = built_book
    text = _page(html, notebook).read_text(encoding="utf-8")
    shown = _calls(notebook, "show")
    on_page = re.findall(r'<div class="ck-quiz[^"]*"(?: id="[^"]*")? data-exercise="([^"]+)"', text)
    assert on_page == _calls(notebook, "show", "check")
    assert "ck-missing" not in text
    quizzes = [json.loads(m) for m in DATA.findall(text)]
    assert [q["id"] for q in quizzes] == [i for i in shown if not get(i).computed]
    assert "application/vnd.jupyter.widget" not in text      # no widget left for a kernel
    assert not re.search(r'<(script|link|img)[^>]+(src|href)="(https?:)?//', text), \
        "the page loads something from the internet: the book must work offline"


@pytest.mark.slow
def test_choice_options_stand_in_the_self_study_readers_order_not_the_bank_order(built_book):
    html, _ = built_book
    seen = differs = 0
    for page in sorted(html.glob("*/*.html")):
        for quiz in map(json.loads, DATA.findall(page.read_text(encoding="utf-8"))):
            if quiz["kind"] not in ("single", "multiple"):
                continue
            ex = get(quiz["id"])
            order = ex.order(book.BOOK_STUDENT)
            assert [o["bank"] for o in quiz["options"]] == list(order)
            assert [o["text"] for o in quiz["options"]] == [ex.options[i]["text"] for i in order]
            seen += 1
            differs += list(order) != list(range(len(ex.options)))
    assert seen > 10 and differs > seen / 2, (seen, differs)


@pytest.mark.slow
def test_the_chinese_edition_has_every_page_and_each_page_links_to_its_other_edition(built_book):
    html, _ = built_book
    assert len(ZH_NOTEBOOKS) == len(NOTEBOOKS), "every chapter and problem set in 中文"
    index = (html / "zh" / "index.html").read_text(encoding="utf-8")
    for notebook in ZH_NOTEBOOKS:
        page = html / "zh" / notebook.parent.name / (notebook.stem + ".html")
        assert page.is_file() and f'href="{notebook.parent.name}/{notebook.stem}.html"' in index
        text = page.read_text(encoding="utf-8")
        assert f'<a href="../../{notebook.parent.name}/{notebook.stem}.html" hreflang="en"' in text
        assert re.search(r'[\u4e00-\u9fff]{4}', text), f"{page.name} shows no Chinese"
    english = (html / "notebooks" / "00-what-is-crm.html").read_text(encoding="utf-8")
    assert '<a href="../zh/notebooks/00-what-is-crm.html" hreflang="zh"' in english


# --------------------------------------------------------------------------- quiz HTML
HOSTILE = '<script>alert("x")</script></script><img src=x onerror=alert(1)>'


def test_bank_text_is_escaped_everywhere_in_a_quiz():
    exercises = [
        ChoiceExercise(id="t.single", prompt=HOSTILE, hints=(HOSTILE,), explanation=HOSTILE,
                       options=({"text": HOSTILE, "correct": True, "feedback": HOSTILE},
                                {"text": "b", "feedback": HOSTILE})),
        MultipleChoiceExercise(id="t.multi", prompt="p", options=(
            {"text": HOSTILE, "correct": True}, {"text": "b", "feedback": HOSTILE})),
        MatchingExercise(id="t.match", prompt="p", categories=(HOSTILE, "c"),
                         items=({"text": HOSTILE, "answer": HOSTILE, "feedback": HOSTILE},)),
        OrderingExercise(id="t.order", prompt="p", items=(HOSTILE, "b", "c")),
        NumericExercise(id="t.num", prompt="p", answer=1.0, units=HOSTILE,
                        mistakes=({"value": 2.0, "message": HOSTILE},)),
        TextExercise(id="t.text", prompt="p", model_answer=HOSTILE, rubric=(HOSTILE,)),
    ]
    for ex in exercises:
        page = book.exercise_html(ex)
        assert "<script>alert" not in page and "<img" not in page, ex.id
        assert page.count("</script>") == 1, ex.id      # only the data element's own end
        assert book.quiz_data(ex) == json.loads(DATA.search(page).group(1))


def test_a_computed_exercise_says_how_to_check_it_in_jupyter():
    computed = next(ex for ex in map(get, _all_ids()) if ex.computed)
    for page in (book.exercise_html(computed), book.check_html(computed)):
        assert f'check(&#34;{computed.id}&#34;, ' in page or f'check("{computed.id}", ' in page
        assert "start(&#34;your id&#34;)" in page and "make lab" in page
        assert "ck-data" not in page
    with pytest.raises(ValueError, match="computed"):
        book.quiz_data(computed)


def test_prepare_leaves_the_notebook_alone_and_names_an_unknown_exercise():
    notebook = nbformat.read(NOTEBOOKS[0], as_version=4)
    before = nbformat.writes(notebook)
    prepared = book.prepare(notebook)
    assert nbformat.writes(notebook) == before
    assert "widgets" not in prepared.metadata
    notebook.cells.append(nbformat.v4.new_code_cell('show("no.such-exercise")'))
    with pytest.raises(ValueError, match="no.such-exercise"):
        book.prepare(notebook)


def test_an_exercise_shown_twice_in_a_page_gets_its_own_ids_and_an_explorer_its_text():
    quiz = next(i for i in _all_ids() if get(i).kind == "single")
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell(f'show("{quiz}")'),
        nbformat.v4.new_code_cell(f"print('first')\nshow('{quiz}')", outputs=[nbformat.v4.new_output(
            "stream", name="stdout", text="first\n")]),
        nbformat.v4.new_code_cell("explorer", outputs=[nbformat.v4.new_output(
            "execute_result", data={book.WIDGET_VIEW: {"model_id": "m"}, "text/plain": "CLV ¥446 <b>"},
            execution_count=1)]),
        nbformat.v4.new_code_cell("bare", outputs=[nbformat.v4.new_output(
            "display_data", data={book.WIDGET_VIEW: {"model_id": "n"}})])])
    cells = book.prepare(notebook).cells
    first, second = (c.outputs[-1]["data"]["text/html"] for c in cells[:2])
    ids = [re.search(r' id="([^"]+)"', html).group(1) for html in (first, second)]
    names = [set(re.findall(r' name="([^"]+)"', html)) for html in (first, second)]
    assert ids[0] != ids[1] and not names[0] & names[1]
    assert cells[0].metadata["tags"] == ["remove-input"] and "tags" not in cells[1].metadata
    assert cells[1].outputs[0]["text"] == "first\n"      # what the cell printed stays
    explorer, bare = (c.outputs[0]["data"] for c in cells[2:])
    assert book.WIDGET_VIEW not in explorer and "CLV ¥446 &lt;b&gt;" in explorer["text/html"]
    assert "<pre>" not in bare["text/html"] and "moves in Jupyter" in bare["text/html"]


@pytest.mark.slow
def test_the_quizzes_are_the_same_in_every_build():
    code = ("import hashlib; from casekit import book; from casekit.exercises import get, catalog; "
            "print(hashlib.sha256(''.join(book.exercise_html(get(i)) for i in catalog()['id'])"
            ".encode()).hexdigest())")
    digests = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                              cwd=ROOT, env={**os.environ, "PYTHONHASHSEED": seed}).stdout
               for seed in ("1", "2")}
    assert len(digests) == 1


def test_the_chinese_edition_s_quizzes_come_from_the_catalogs_and_answer_the_same():
    from casekit.exercises.translation import localized

    ex = get("crm.quiz-01")
    zh = localized(ex, "zh")
    assert zh.prompt != ex.prompt, "crm.quiz-01 has no Chinese prompt"
    try:
        book.set_language("zh_CN")
        page, data = book.exercise_html(ex), book.quiz_data(ex)
    finally:
        book.set_language("en")
    assert to_html(zh.prompt).strip()[:40] in page
    assert [o["text"] for o in data["options"]] == [zh.options[i]["text"] for i in ex.order(book.BOOK_STUDENT)]
    english = book.quiz_data(ex)
    assert [(o["correct"], o["score"]) for o in data["outcomes"]] == \
        [(o["correct"], o["score"]) for o in english["outcomes"]]
    assert data["labels"]["check"] != english["labels"]["check"] == "Check"


def test_every_label_and_template_text_of_the_book_is_in_casekit_s_catalog():
    from tests.test_i18n import SOURCES

    catalog = next(msgs for path, msgs in SOURCES.items() if path.name == "casekit.po")
    texts = {m for _, m in catalog}
    assert set(book.template_texts()) <= texts
    assert set(book._labels().values()) <= texts


def _all_ids() -> list[str]:
    from casekit.exercises import catalog

    return list(catalog()["id"])


# --------------------------------------------------------------------------- in a browser
def _engine(ex, answer) -> dict:
    """What the engine says to ``answer`` given in the page's form (see casekit-quiz.js)."""
    from casekit.exercises.types import Feedback
    from casekit.i18n import _

    if ex.kind == "single":
        fb = ex.check(None if answer is None else ex.options[answer]["text"])
    elif ex.kind == "multiple":
        fb = ex.check([ex.options[i]["text"] for i in answer])
    elif ex.kind == "matching":
        fb = ex.check({it["text"]: None if c is None else ex.categories[c]
                       for it, c in zip(ex.items, answer)})
    elif ex.kind == "ordering":
        if any(p is None for p in answer):   # the widget's own message (widgets._ordering)
            fb = Feedback(False, 0.0, "⚠ " + _("Give every item a position (1 = first)."),
                          valid=False)
        else:
            fb = ex.check(dict(zip(ex.shuffled(), answer)))
    else:
        fb = ex.check(answer)
    return {"correct": fb.correct, "score": fb.score, "valid": fb.valid, "html": to_html(fb.message)}


def _answers(ex, rng: random.Random) -> list:
    """Answers a reader can give in the page: all of them where few, else a seeded sample."""
    if ex.kind == "single":
        return [None] + list(range(len(ex.options)))
    if ex.kind == "multiple":
        n = len(ex.options)
        return [[i for i in range(n) if mask >> i & 1] for mask in range(2 ** n)][:64]
    if ex.kind == "matching":
        k, right = len(ex.categories), [ex.categories.index(it["answer"]) for it in ex.items]
        out = [right, [None] * len(ex.items), [(c + 1) % k for c in right]]
        out += [[rng.choice([None] + list(range(k))) if rng.random() < 0.1 else rng.randrange(k)
                 for _ in ex.items] for _ in range(30)]
        return out
    if ex.kind == "ordering":
        n, shown = len(ex.items), ex.shuffled()
        right = [ex.items.index(t) + 1 for t in shown]
        out = [right, [None] + right[1:], [1] * n]
        out += [rng.sample(range(1, n + 1), n) for _ in range(30)]
        return out
    t = ex.answer
    values = [t, t * 100, t / 100, -t, t * 1000, t / 1000, t * 1e6, t * 1.001, t * 1.02,
              t * 3 + 1, t - abs(t) - 1] + [m["value"] for m in ex.mistakes]
    texts = [repr(v) for v in values] + [f"{t * 100:.6g}%", f"{t:,.2f}", f"¥{t:.2f}", "", "abc",
                                        "nan", "-inf", "1e999", "x" * 70, "it's 3", "1_000", ".5",
                                        "  12  ", "12 %", "1,5", "1,234,5", "3万", "1.2亿",
                                        "3万%", "−3", "１２．５％", "￥1，234", f"{t:.6g}万"]
    return texts


def _need_chromium():
    from tests.test_browser import _need_chromium as need

    need()


@pytest.fixture(scope="module")   # closed with this module: one sync Playwright at a time
def browser(built_book):
    _need_chromium()
    from playwright.sync_api import sync_playwright

    from tests.test_browser import CHROMIUM, CHROMIUM_FLAGS

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
        try:
            yield chromium
        finally:
            chromium.close()


def _problems_on(page, url: str, html_root: Path) -> list[str]:
    """Images that did not load, links to files or anchors that do not exist."""
    problems = []
    broken = page.evaluate("""() => Array.from(document.images)
        .filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.getAttribute('src'))""")
    problems += [f"{url}: image {src} did not load" for src in broken]
    links = page.evaluate("() => Array.from(document.querySelectorAll('a[href]')).map(a => a.href)")
    for link in set(links):
        target = urlparse(link)
        if target.scheme != "file":
            if target.scheme in ("http", "https"):
                continue      # a link out of the book (a source, a licence) is not loaded
            problems.append(f"{url}: link {link}")
            continue
        path = Path(unquote(target.path))
        if not path.exists():
            problems.append(f"{url}: broken link {link}")
        elif target.fragment and path.suffix == ".html":
            ids = set(re.findall(r'id="([^"]+)"', path.read_text(encoding="utf-8")))
            if unquote(target.fragment) not in ids:
                problems.append(f"{url}: no anchor #{target.fragment} in {path.name}")
    return problems


@pytest.mark.browser
def test_every_page_loads_clean_at_desktop_and_phone_width(built_book, browser, tmp_path_factory):
    html, _ = built_book
    shots = tmp_path_factory.mktemp("book-screenshots")
    pages = [html / "index.html"] + [_page(html, nb) for nb in NOTEBOOKS] + \
        [html / "genindex.html", html / "search.html", html / "zh" / "index.html"] + \
        [_page(html / "zh", nb) for nb in ZH_NOTEBOOKS]
    problems = []
    for name, (width, height) in SIZES.items():
        context = browser.new_context(viewport={"width": width, "height": height})
        page = context.new_page()
        events: list[str] = []
        page.on("console", lambda m: events.append(f"console {m.type}: {m.text}")
                if m.type in ("error", "warning") else None)
        page.on("pageerror", lambda e: events.append(f"page error: {e}"))
        page.on("requestfailed", lambda r: events.append(f"request failed: {r.url}"))
        for path in pages:
            events.clear()
            url = path.as_uri()
            page.goto(url, wait_until="load")
            page.wait_for_function("() => document.querySelectorAll('.ck-quiz script.ck-data').length"
                                   " === document.querySelectorAll('.ck-quiz.ck-ready').length")
            problems += [f"{path.name} ({name}): {e}" for e in events]
            if name == "desktop":
                problems += _problems_on(page, url, html)
            wide = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
            if wide > 1:
                problems.append(f"{path.name} ({name}): the page scrolls sideways by {wide} px")
            stem = f"{path.relative_to(html).parent.as_posix().replace('/', '-')}-{path.stem}-{name}"
            page.screenshot(path=str(shots / f"{stem}.png"))
            quiz = page.locator(".ck-quiz.ck-ready").first
            if quiz.count():
                quiz.scroll_into_view_if_needed()
                page.screenshot(path=str(shots / f"{stem}-quiz.png"))
        context.close()
    print(f"screenshots in {shots}")
    assert not problems, "\n".join(problems[:40])


def _find_quiz(html: Path, kind: str, want) -> tuple[Path, object]:
    for page in sorted(html.glob("exercises/*.html")) + sorted(html.glob("notebooks/*.html")):
        for quiz in map(json.loads, DATA.findall(page.read_text(encoding="utf-8"))):
            ex = get(quiz["id"])
            if quiz["kind"] == kind and want(ex):
                return page, ex
    pytest.fail(f"no {kind} exercise in the book fits this test")


@pytest.mark.browser
def test_quizzes_answered_wrong_then_right_show_the_banks_feedback(built_book, browser):
    from playwright.sync_api import expect

    html, _ = built_book
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))

    def quiz_of(path, ex):
        page.goto(path.as_uri())
        quiz = page.locator(f'.ck-quiz[data-exercise="{ex.id}"]')
        expect(quiz).to_have_class(re.compile("ck-ready"))
        return quiz, quiz.locator(".ck-feedback")

    def plain(markdown):      # the text a reader sees of some bank Markdown
        return re.sub(r"<[^>]+>", "", book._inline(markdown)).replace("&amp;", "&") \
            .replace("&quot;", '"').replace("&#x27;", "'").replace("&lt;", "<").replace("&gt;", ">")

    # single choice: a wrong option with its own feedback, then the right one, then the hints
    path, ex = _find_quiz(html, "single", lambda e: e.hints and any(
        o.get("feedback") and not o.get("correct") for o in e.options))
    quiz, feedback = quiz_of(path, ex)
    wrong = next(i for i, o in enumerate(ex.options) if o.get("feedback") and not o.get("correct"))
    quiz.locator(f'input[value="{wrong}"]').check()
    quiz.locator(".ck-check").click()
    expect(feedback).to_contain_text("Not yet.")
    expect(feedback).to_contain_text(plain(ex.options[wrong]["feedback"])[:60])
    right = ex.reference()
    quiz.locator(f'input[value="{right}"]').check()
    quiz.locator(".ck-check").click()
    expect(feedback).to_contain_text("Correct.")
    if ex.explanation:
        expect(feedback).to_contain_text("Why:")
    quiz.locator(".ck-hint").click()
    expect(quiz.locator(".ck-hints")).to_contain_text(plain(ex.hints[0])[:60])
    shown = [re.fullmatch(r"([A-Z])\.\s*(.*)", s.strip(), re.S).groups()
             for s in quiz.locator(".ck-option").all_inner_texts()]
    assert shown == [(chr(65 + k), plain(ex.options[i]["text"]))
                     for k, i in enumerate(ex.order(book.BOOK_STUDENT))]

    # numeric: a known mistake gets its own message; the explanation only once earned
    path, ex = _find_quiz(html, "numeric", lambda e: e.mistakes and e.explanation)
    quiz, feedback = quiz_of(path, ex)
    box = quiz.locator("input.ck-number")
    box.fill(repr(ex.mistakes[0]["value"]))
    quiz.locator(".ck-check").click()
    expect(feedback).to_contain_text(plain(ex.mistakes[0]["message"])[:60])
    expect(feedback).not_to_contain_text("Why:")
    box.fill("not a number")
    box.press("Enter")                      # Enter checks, as the Check button
    expect(feedback).to_contain_text("is not a number")
    box.fill(repr(ex.answer))
    quiz.locator(".ck-check").click()
    expect(feedback).to_contain_text("Correct.")
    expect(feedback).to_contain_text("Why:")

    # matching: every item in a wrong category, then all right
    path, ex = _find_quiz(html, "matching", lambda e: any(it.get("feedback") for it in e.items))
    quiz, feedback = quiz_of(path, ex)
    selects = quiz.locator("select")
    for k, it in enumerate(ex.items):
        right = ex.categories.index(it["answer"])
        selects.nth(k).select_option(str((right + 1) % len(ex.categories)))
    quiz.locator(".ck-check").click()
    expect(feedback).to_contain_text(f"0 of {len(ex.items)} placed right")
    first = ex.items[0]
    expect(feedback).to_contain_text(plain(first.get("feedback") or "it is not")[:40])
    for k, it in enumerate(ex.items):
        selects.nth(k).select_option(str(ex.categories.index(it["answer"])))
    quiz.locator(".ck-check").click()
    expect(feedback).to_contain_text("Correct.")

    # ordering: reversed, then right
    path, ex = _find_quiz(html, "ordering", lambda e: True)
    quiz, feedback = quiz_of(path, ex)
    selects = quiz.locator("select")
    n = len(ex.items)
    for k, t in enumerate(ex.shuffled()):
        selects.nth(k).select_option(str(n - ex.items.index(t)))
    quiz.locator(".ck-check").click()
    expect(feedback).to_contain_text("0 of")
    for k, t in enumerate(ex.shuffled()):
        selects.nth(k).select_option(str(ex.items.index(t) + 1))
    quiz.locator(".ck-check").click()
    expect(feedback).to_contain_text("Correct.")

    # free text: self-assessment against the model answer and the rubric
    path, ex = _find_quiz(html, "text", lambda e: True)
    quiz, feedback = quiz_of(path, ex)
    quiz.locator("textarea").fill("My answer, in a few words.")
    quiz.locator(".ck-check").click()
    rubric = quiz.locator(".ck-self input[type=checkbox]")
    expect(rubric).to_have_count(len(ex.rubric))
    rubric.first.check()
    expect(quiz.locator(".ck-self")).to_contain_text(f"You ticked 1 of {len(ex.rubric)}")
    page.close()
    assert not errors, errors


@pytest.mark.browser
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_pages_script_gives_the_engines_feedback_for_every_quiz(built_book, browser, lang):
    from casekit.exercises.translation import localized
    from casekit.i18n import speaking

    html, _ = built_book
    pages = html if lang == "en" else html / "zh"
    rng = random.Random(20261206)
    page = browser.new_page()
    page.goto((pages / "index.html").as_uri())
    compared, disagreements = 0, []
    for path in sorted(pages.glob("*/*.html")):
        quizzes = [q for q in map(json.loads, DATA.findall(path.read_text(encoding="utf-8")))
                   if q["kind"] != "text"]
        for quiz in quizzes:
            ex = localized(get(quiz["id"]), lang)
            answers = _answers(ex, rng)
            got = page.evaluate("([d, answers]) => answers.map(a => window.casekitQuiz.evaluate(d, a))",
                                [quiz, answers])
            for answer, js in zip(answers, got):
                with speaking(lang):
                    want = _engine(ex, answer)
                compared += 1
                same = (js["correct"] == want["correct"] and js["valid"] == want["valid"]
                        and math.isclose(js["score"], want["score"], abs_tol=1e-6)
                        and re.sub(r">\s+<", "><", js["html"].strip())
                        == re.sub(r">\s+<", "><", want["html"].strip()))
                if not same:
                    disagreements.append(f"{ex.id} {answer!r}:\n  page   {js}\n  engine {want}")
    page.close()
    assert compared > 1000
    assert not disagreements, f"{len(disagreements)} of {compared}:\n" + "\n".join(disagreements[:10])


@pytest.mark.browser
def test_every_character_of_a_chapter_has_a_font_in_each_edition(built_book, browser):
    """No empty boxes: every character the browser shows on a chapter page (English, with its
    Chinese terms, and 中文) is in a font installed on this machine (Debian's Noto CJK, which
    .ci/run installs, for Chinese)."""
    from tests.test_browser import _uncovered

    html, _ = built_book
    assert not _uncovered("客户"), "no CJK font installed (Debian's fonts-noto-cjk)"
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    missing = {}
    for path in (html / "notebooks" / "02-loyalty.html", html / "zh" / "notebooks" / "02-loyalty.html"):
        page.goto(path.as_uri())
        lost = _uncovered(page.evaluate("() => document.body.innerText"))
        if lost:
            missing[path.relative_to(html).as_posix()] = sorted(lost)[:20]
    page.close()
    assert not missing, f"characters no installed font has (shown as boxes): {missing}"


def test_an_exercise_s_term_reads_english_then_chinese_in_the_chinese_edition():
    """The head names the term in both languages; the English one is never run through the
    engine's catalog ("confidence" there is a control's label, 置信度, which doubled it)."""
    ex = get("basket.diapers-beer-confidence")
    try:
        book.set_language("zh_CN")
        head = book._head(ex)
    finally:
        book.set_language("en")
    assert head["term"] == f"{ex.term['en']} {ex.term['zh']}" == "confidence 置信度"
