"""The Chinese edition kept in step with the English, and translation that never changes a grade.

Catalogs: every catalog a translator has begun must be complete and current (an English
paragraph or bank field changed since it was translated is *fuzzy* after
``tools/i18n.py update``, a new one has no translation: both fail here), and every catalog
must be in step with its English source (``update`` would change nothing).

Exercises: with a pseudo-translation of every bank field ("【…】" around the English: the
technique localisation teams use to find text that escapes translation), every exercise
shows translated text but stores and scores every answer exactly as in English.
"""
from __future__ import annotations

import doctest
import functools
import importlib.util
import json
import re
from pathlib import Path

import pytest

import casekit.i18n as i18n
from casekit.exercises import get
from casekit.exercises import translation as tr
from casekit.exercises.bank import load_bank

ROOT = Path(__file__).resolve().parents[1]


def _tool():
    spec = importlib.util.spec_from_file_location("i18n_tool", ROOT / "tools" / "i18n.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


TOOL = _tool()
SOURCES = {Path(str(p).format(lang="zh")): msgs for p, msgs in TOOL.sources().items()}


def test_the_tool_s_examples():
    assert doctest.testmod(TOOL, optionflags=doctest.ELLIPSIS).failed == 0


@pytest.mark.parametrize("path", sorted(SOURCES), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_catalog_is_in_step_with_its_english(path):
    assert path.exists(), f"{path.relative_to(ROOT)} is missing: run  python tools/i18n.py update"
    have = {(m.context, m.id) for m in TOOL.read(path, "zh") if m.id}
    want = set(SOURCES[path])
    assert have == want, (f"{path.relative_to(ROOT)} is out of step with the English "
                          f"({len(want - have)} new or changed, {len(have - want)} gone): run  "
                          "python tools/i18n.py update  and translate what `todo` lists")


@functools.cache
def _status() -> dict[Path, dict]:
    return {ROOT / r["catalog"]: r for r in TOOL.status("zh")}


@pytest.mark.parametrize("path", sorted(SOURCES), ids=lambda p: str(p.relative_to(ROOT)))
def test_a_begun_catalog_is_complete_and_current(path):
    row = _status()[path]
    if row["translated"] == 0 and row["fuzzy"] == 0:
        pytest.skip(f"{row['catalog']}: not translated yet ({row['messages']} messages)")
    assert row["fuzzy"] == 0 and row["missing"] == 0, (
        f"{row['catalog']}: {row['fuzzy']} translations are of an older English (fuzzy) and "
        f"{row['missing']} messages have none: `python tools/i18n.py todo {row['catalog']}`")


def test_translations_keep_placeholders_links_code_and_math():
    bad = []
    for path in SOURCES:
        if path.exists():
            for m in TOOL.read(path, "zh"):
                if m.id and m.string and not m.fuzzy:
                    bad += [f"{path.name} {m.context}: {p}" for p in TOOL.problems(m.context, m.id, m.string)]
    assert not bad, "\n".join(bad[:20])


def test_a_code_literal_keeps_its_expressions_but_may_format_them_its_own_way():
    """A translated f-string must compute what the English computes (the same expressions),
    but may format them as its language writes them: a date as 2022年04月, not April 2022."""
    english = "f\"{n} trips since {first.min():%B %Y}\""
    assert TOOL.problems("code", english, "f\"自{first.min():%Y年%m月}起购物{n}次\"") == []
    assert TOOL.problems("code", english, "f\"自{first.max():%Y年%m月}起购物{n}次\"") == [
        "f-string expressions differ: expected ['first.min()', 'n'], got ['first.max()', 'n']"]
    assert TOOL.problems("code", english, "f\"自{first.min():%Y年%m月}起\"") != []


def test_a_translated_notebook_differs_from_its_english_only_in_what_a_reader_sees():
    for lang_nb in sorted((ROOT / "zh").glob("*/*.ipynb")):
        english = ROOT / lang_nb.parent.name / lang_nb.name
        assert english.exists(), f"{lang_nb} has no English notebook"
        table = TOOL.translation_map(TOOL.NOTEBOOK_LOCALE / "zh" / english.parent.name
                                     / f"{english.stem}.po", "zh")
        en_cells = json.loads(english.read_text(encoding="utf-8"))["cells"]
        zh_cells = json.loads(lang_nb.read_text(encoding="utf-8"))["cells"]
        assert [c["cell_type"] for c in en_cells] == [c["cell_type"] for c in zh_cells]
        for a, b in zip(en_cells, zh_cells):
            if a["cell_type"] == "code":
                assert "".join(b["source"]) == TOOL.translate_code("".join(a["source"]), table, "zh"), \
                    f"{lang_nb.name}: a code cell differs beyond its shown strings: rebuild it " \
                    "(python tools/i18n.py notebooks) and execute it"


_NUMBER = re.compile(r"-?\d+(?:,\d{3})*(?:\.\d+)?")   # 1,234.5; not the comma after a number
_ADDRESS = re.compile(r" at 0x[0-9a-f]+")       # <Styler at 0x7f…>: differs run to run
_PRESENTATION = re.compile(r"\b(show|check|hint|progress|glossary|start|reset|print)\(")


def test_a_translated_notebook_computes_the_same_numbers():
    """Cells with the same code show the same numbers in both editions (tables, values)."""
    for lang_nb in sorted((ROOT / "zh").glob("*/*.ipynb")):
        english = ROOT / lang_nb.parent.name / lang_nb.name
        pairs = zip(json.loads(english.read_text(encoding="utf-8"))["cells"],
                    json.loads(lang_nb.read_text(encoding="utf-8"))["cells"])
        for n, (a, b) in enumerate(pairs):
            if a["cell_type"] != "code" or a["source"] != b["source"] or \
                    _PRESENTATION.search("".join(a["source"])):
                continue
            text = lambda cell: _ADDRESS.sub("", "".join(
                "".join(o.get("data", {}).get("text/plain", o.get("text", "")))
                for o in cell.get("outputs", [])))
            assert _NUMBER.findall(text(a)) == _NUMBER.findall(text(b)), \
                f"{lang_nb.name}, cell {n}: the numbers differ from the English edition"


# --------------------------------------------------------------------------- pseudo-translation
@pytest.fixture
def pseudo_zh(tmp_path, monkeypatch):
    """A zh locale in which every bank field, glossary definition and engine message is
    its English inside 【】."""
    from babel.messages.catalog import Catalog

    for pattern, messages in TOOL.sources().items():
        rel = Path(str(pattern).format(lang="zh")).relative_to(TOOL.PACKAGE_LOCALE) \
            if str(pattern).startswith(str(TOOL.PACKAGE_LOCALE)) else None
        if rel is None:
            continue
        cat = Catalog(locale="zh", fuzzy=False)
        for context, message in messages:
            cat.add(message, f"【{message}】", context=context)
        TOOL.write(cat, tmp_path / rel)
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    monkeypatch.setattr(tr, "LOCALE_DIR", tmp_path)
    i18n.catalog.cache_clear()
    tr._bank_table.cache_clear()
    yield
    i18n.catalog.cache_clear()
    tr._bank_table.cache_clear()
    i18n.set_language("en")


def _english_and_local_answers(en, loc):
    """Pairs (English answer, the same answer as a zh reader gives it)."""
    kind = en.kind
    if kind in ("single", "multiple"):
        letters = [chr(65 + i) for i in range(len(en.options))]
        pairs = [(x, x) for x in letters]
        pairs += [(o["text"], p["text"]) for o, p in zip(en.options, loc.options)]
        if kind == "multiple":
            pairs += [(letters[:2], letters[:2]),
                      ([o["text"] for o in en.options[-2:]], [p["text"] for p in loc.options[-2:]])]
        return pairs
    if kind == "matching":
        right = {it["text"]: it["answer"] for it in en.items}
        local = {p["text"]: p["answer"] for p in loc.items}
        wrong = {k: en.categories[0] for k in right}
        wrong_local = {k: loc.categories[0] for k in local}
        return [(right, local), (wrong, wrong_local), (list(right.values()), list(local.values()))]
    if kind == "ordering":
        return [(list(en.items), list(loc.items)), (list(reversed(en.items)), list(reversed(loc.items)))]
    if kind == "numeric" and en.answer is not None:
        return [(en.answer, en.answer), (en.answer * 100, en.answer * 100), ("12%", "12%")]
    if kind == "text":
        return [("My answer.", "My answer."), ({"text": "x", "rubric": [True] * len(en.rubric)},) * 2]
    return []


def test_a_translated_exercise_stores_and_scores_every_answer_as_in_english(pseudo_zh):
    checked = 0
    for eid, en in load_bank().items():
        loc = tr.localized(en, "zh")
        assert loc.prompt == f"【{en.prompt}】", f"{eid}: the prompt is not translated"
        for a_en, a_zh in _english_and_local_answers(en, loc):
            for who in (None, "s2026-017"):
                stored = loc.stored(a_zh, who)
                assert stored == en.stored(a_en, who), f"{eid}: {a_zh!r} is stored differently"
                if not en.computed:
                    assert loc.check(a_zh, who).score == en.check(a_en, who).score, eid
                    assert en.check(stored, None).score == loc.check(stored, None).score, eid
                checked += 1
    assert checked > 1000


def test_feedback_hints_and_explanations_follow_the_language(pseudo_zh, tmp_path, monkeypatch):
    import casekit.exercises as ex
    from casekit.exercises.sheet import AnswerSheet

    monkeypatch.setenv("CASEKIT_HOME", str(tmp_path / "home"))
    ex.start("ann", lang="zh")
    en = get("crm.quiz-01")
    order = en.order("ann")                         # bank positions in the order Ann sees
    wrong = chr(65 + next(k for k, i in enumerate(order) if not en.options[i].get("correct")))
    feedback = ex.check("crm.quiz-01", wrong)
    assert "【" in feedback.message, feedback.message
    assert repr(ex.hint("crm.quiz-01")).count(f"【{en.hints[0]}】") == 1
    saved = AnswerSheet("ann").attempts("crm.quiz-01")[-1]["answer"]
    assert saved in [o["text"] for o in en.options], "the sheet must keep the English option"
    ex.start(lang="en")
    assert "【" not in ex.check("crm.quiz-01", wrong).message


def test_the_engine_speaks_chinese_from_its_catalog_and_english_as_before(tmp_path, monkeypatch):
    """With the real zh catalog: a wrong number's generic feedback, the widget's Check button
    and hint()'s "Hint 1 of N" are in Chinese; in English they read exactly as before."""
    import casekit.exercises as ex
    from casekit.exercises.types import NumericExercise
    from casekit.exercises.widgets import ExerciseView

    monkeypatch.setenv("CASEKIT_HOME", str(tmp_path / "home"))
    margin = NumericExercise(id="demo.margin", prompt="Margin?", answer=0.25, units="share")
    quiz = get("crm.quiz-01")
    n = len(quiz.hints)

    def shown():
        return ([margin.check(x).message for x in ("0.3", "0.0025")],
                ExerciseView(ex.localized(quiz), "zh-reader").check_button.description,
                repr(ex.hint(quiz.id, all=True)))
    try:
        ex.start("zh-reader", lang="zh")
        (high, small), button, hints = shown()
        assert high.startswith("✗ 还不对。") and not re.search("[A-Za-z]", high), high
        assert not re.search("[A-Za-z]", small) and "100" in small, small
        assert button == "检查"
        assert hints.startswith(f"提示 1/{n}：") and "Hint" not in hints, hints
        ex.start("zh-reader", lang="en")
        (high, small), button, hints = shown()
        assert high == "✗ Not yet. Your answer is too high."
        assert small == ("✗ Not yet. Your answer is 100 times too small: it looks like a fraction "
                         "where a percentage is expected (type 25, not 0.25).")
        assert button == "Check"
        assert hints.startswith(f"Hint 1 of {n}: {quiz.hints[0]}"), hints
    finally:
        i18n.set_language("en")


def test_the_glossary_follows_the_language(pseudo_zh):
    from casekit.glossary import glossary

    i18n.set_language("zh")
    assert glossary("00")["definition"].str.startswith("【").all()
    i18n.set_language("en")
    assert not glossary("00")["definition"].str.startswith("【").any()


def test_two_choices_translated_alike_keep_the_english_choices(pseudo_zh):
    from dataclasses import replace

    en = get("crm.quiz-01")
    same = {(f"{en.id}:options.{i}.text", o["text"]): "同一个" for i, o in enumerate(en.options)}
    tr._bank_table("zh").update(same)
    loc = tr.localized(en, "zh")
    assert [o["text"] for o in loc.options] == [o["text"] for o in en.options]
    assert loc.stored("A", "x") == en.stored("A", "x")
    assert replace(en) == en


def test_the_language_is_checked():
    assert i18n.check_language("zh-Hans") == "zh"
    with pytest.raises(ValueError, match="'en', 'zh'"):
        i18n.set_language("fr")
    with pytest.raises(TypeError):
        i18n.set_language(None)


# --------------------------------------------------------------------------- fonts
def test_every_chinese_glyph_in_a_plot_label_has_a_font(tmp_path):
    """Every character of every translated plot label and source line is in DejaVu Sans
    or the CJK font the workbook registers (else matplotlib draws an empty box)."""
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    import casekit.plots as cp

    name = cp.cjk_font()
    assert name, "the CJK font is missing: pip install mplfonts (a casekit dependency)"
    cp.theme()
    charmaps = [set(FT2Font(font_manager.findfont(f, fallback_to_default=False)).get_charmap())
                for f in ("DejaVu Sans", name)]
    labels = [m.string for path in SOURCES if path.exists()
              for m in TOOL.read(path, "zh") if m.context == "code" and m.string]
    labels.append("客户生命周期价值、钱包份额、支持度、置信度、提升度（¥）")
    missing = {c for text in labels for c in text
               if c.isprintable() and not c.isspace() and not any(ord(c) in cm for cm in charmaps)}
    assert not missing, f"no font has {sorted(missing)}"


def test_the_review_page_shows_both_editions_side_by_side(tmp_path):
    page = TOOL.review("zh", tmp_path / "review.html").read_text(encoding="utf-8")
    for path in SOURCES:
        assert str(path.relative_to(ROOT)) in page
    assert page.count("<tr") > 2500 and "第4章" in page and "Chapter 4" in page
    assert "<script" not in page, "Markdown is rendered without raw HTML"


def test_no_translation_shows_markdown_marks_its_english_renders():
    """CommonMark reads ``**`` as bold only where it flanks a word: after punctuation and
    before a Chinese character (``**标题。**正文``) it stays two literal stars. Every
    translation renders with no more literal stars than its English (``tools/i18n.py fill``
    adds the space Chinese Markdown needs)."""
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark").enable("table")

    def stars(text):
        shown = re.sub(r"<code>.*?</code>|<pre>.*?</pre>", "", md.render(text), flags=re.S)
        return len(re.findall(r"\*\*|(?<![*\w])\*(?=\S)", re.sub(r"<[^>]+>", "", shown)))

    bad = [f"{path.name} {m.context}: {m.string[:60]!r}" for path in SOURCES if path.exists()
           for m in TOOL.read(path, "zh") if m.id and m.string and m.context != "code"
           and stars(m.string) > stars(m.id)]
    assert not bad, "\n".join(bad[:20])


def test_the_classroom_service_answers_each_student_in_their_language(tmp_path):
    """On JupyterHub the client sends its language with each attempt; the service's worker
    answers in it (per thread: two students, two languages, at once) and records the English
    answer, as the grader reads it."""
    from concurrent.futures import ThreadPoolExecutor

    from casekit.hub.service import _speaking, check_attempt
    from casekit.hub.store import AttemptStore

    store = AttemptStore(tmp_path / "attempts.sqlite")
    en = get("crm.quiz-01")
    wrong = next(o["text"] for o in en.options if not o.get("correct"))
    with ThreadPoolExecutor(2) as pool:
        zh_reply, en_reply = pool.map(lambda args: _speaking(*args), [
            ("zh", check_attempt, store, "ann", en.id, wrong, "c-ann"),
            (None, check_attempt, store, "bo", en.id, wrong, "c-bo")])
    assert zh_reply["message"].startswith("✗ 还不对"), zh_reply["message"]
    assert en_reply["message"].startswith("✗ Not yet."), en_reply["message"]
    assert {r["answer"] for r in (zh_reply, en_reply)} == {wrong}
    assert i18n.language() == "en", "a worker's language does not leak into the process"


def test_a_released_chinese_problem_set_asks_in_chinese_and_stays_chinese(tmp_path):
    import nbformat

    from casekit.grading.release import release

    source = ROOT / "zh" / "exercises" / "02-loyalty.ipynb"
    (result,) = release([source], tmp_path)
    nb = nbformat.read(result.path, as_version=4)
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert 'start(STUDENT_ID or input("你的学号："), lang="zh")' in code
    assert result.replaced > 0 and not any("solution" in c.metadata.get("tags", []) for c in nb.cells)
    assert not any(c.get("outputs") for c in nb.cells if c.cell_type == "code")
