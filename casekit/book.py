"""The static book (``make book``): the committed notebooks, read for Sphinx + myst-nb, with
every exercise a quiz that works in the page without a kernel.

A notebook shows an exercise with a cell ``show("id")``; in the book that cell's output
becomes a quiz built from the **same TOML bank** the widget uses: the options in the order
the ``self-study`` reader sees them (the chapters run as that student), Check and Hint
buttons, and the bank's feedback. What the page's script needs to answer a reader is worked
out here, by the exercise engine itself, wherever the answers can be listed (every choice of
a single- or multiple-choice exercise, each known mistake of a numeric one); where they
cannot (a number typed, a matching, an order), the script composes the engine's message
from pieces rendered here, and ``tests/test_book.py`` checks in a browser that the page and
the engine agree answer for answer.

Computed exercises (a ``solution`` run on the student's own data) cannot be checked in a
page: their ``check("id", value)`` cell shows how to do it in Jupyter instead. Explorer
widgets, which need a kernel, show the text form they store (``text/plain``), never an
empty box.

In the Chinese edition (``make book`` builds both) the exercise text comes from the bank
catalogs and the labels and feedback from casekit's own (:mod:`casekit.i18n`), as in the
notebooks; then Markdown through :func:`casekit.markup.to_html`; HTML comes from
autoescaping jinja2 templates.

>>> from casekit.exercises.types import ChoiceExercise
>>> ex = ChoiceExercise(id="d.q", prompt="Which <b>one</b>?", options=(
...     {"text": "Yes", "correct": True, "feedback": "Right: *yes*."}, {"text": "No"}))
>>> data = quiz_data(ex)
>>> [o["text"] for o in data["options"]] == [ex.options[i]["text"] for i in ex.order(BOOK_STUDENT)]
True
>>> data["outcomes"][0]["html"]
'<p>✓ Correct. Right: <em>yes</em>.</p>'
>>> "&lt;b&gt;one&lt;/b&gt;" in exercise_html(ex)
True
"""
from __future__ import annotations

import copy
import functools
import re
from pathlib import Path
from typing import Any

from casekit.markup import to_html

__all__ = ["BOOK_STUDENT", "check_html", "exercise_call", "exercise_html", "prepare", "quiz_data",
           "read_notebook", "set_language", "static_widget_html", "template_texts", "translate"]

BOOK_STUDENT = "self-study"
"""Whose option order the book shows: the chapters' own reader (``start("self-study")``)."""

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
MAX_MULTIPLE = 12   # 2**12 listed outcomes at most for one multiple-choice exercise



def exercise_call(source: str) -> tuple[str, str, bool] | None:
    """``("show" | "check", exercise id, alone)`` when a code cell ends with ``show("id")``
    or ``check("id", value)`` (``alone``: that call is the whole cell), else None.

    >>> exercise_call('show("crm.quiz-01")')
    ('show', 'crm.quiz-01', True)
    >>> exercise_call('x = 2 * y\\ncheck("value.npv", x)')
    ('check', 'value.npv', False)
    >>> exercise_call('show(name)') is None, exercise_call('%time show("a.b")') is None
    (True, True)
    """
    import ast

    try:
        body = ast.parse(source).body
    except SyntaxError:      # IPython magics, shell escapes: not an exercise cell
        return None
    if not body or not isinstance(body[-1], ast.Expr) or not isinstance(body[-1].value, ast.Call):
        return None
    call = body[-1].value
    name = getattr(call.func, "id", None) or getattr(call.func, "attr", None)
    wanted = {"show": 1, "check": 2}
    if name not in wanted or len(call.args) != wanted[name] or call.keywords or \
            not isinstance(call.args[0], ast.Constant) or not isinstance(call.args[0].value, str):
        return None
    return name, call.args[0].value, len(body) == 1

# --------------------------------------------------------------------------- language
def set_language(code: str) -> None:
    """Build the quizzes in ``code`` ("en", "zh"; Sphinx's "zh_CN" too): their exercise text
    from the bank catalogs (:func:`casekit.exercises.translation.localized`), their labels
    and the engine's feedback from casekit's own catalog (:mod:`casekit.i18n`)."""
    from casekit.i18n import set_language as use

    use(code)


def translate(text: str) -> str:
    """A label of the book (``t('…')`` in its templates, :func:`_labels`) in the book's
    language, from casekit's catalog.

    >>> translate("Check")
    'Check'
    """
    from casekit.i18n import translate as tr

    return tr(text) if text else text


def template_texts() -> list[str]:
    """Every ``t('…')`` text of the book's templates (``tools/i18n.py`` puts them in the
    catalog beside the engine's messages).

    >>> "Your answer" in template_texts()
    True
    """
    found = re.findall(r"t\('([^']+)'\)", "".join(_TEMPLATES.values()))
    return list(dict.fromkeys(found))


def _translated(ex):
    """``ex`` as a reader of the book's language sees it (the same exercise in English)."""
    from casekit.exercises.translation import localized

    return localized(ex)


def _md(text: str) -> str:
    """Markdown (already in the book's language) as HTML, block level."""
    return to_html(text)


def _inline(text: str) -> str:
    """Markdown as HTML without the paragraph around a single paragraph.

    >>> _inline("a **b**")
    'a <strong>b</strong>'
    """
    html = to_html(text)
    if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        return html[3:-4]
    return html


# --------------------------------------------------------------------------- quiz data
def _outcome(fb) -> dict:
    return {"correct": bool(fb.correct), "score": fb.score, "valid": bool(fb.valid),
            "html": _md(fb.message)}


def _labels() -> dict:
    """The quiz's own words, in the book's language."""
    from casekit.exercises.types import typed_number_messages
    from casekit.i18n import _

    says = typed_number_messages()      # what the engine says of text it cannot read
    return {**{f"number_{k}": v for k, v in says.items()}, "number_what": _("a number"),
            "check": _("Check"), "hint": _("Hint"), "hint_of": _("Hint {n} of {m}"),
            "no_more": _("(no more hints)"), "choose": _("— choose —"),
            "position": _("Position of each item (1 = first):"),
            "no_position": _("Give every item a position (1 = first)."),
            "text_saved": _("Nothing is saved in this book. Compare your answer with the model "
                            "answer, then tick the rubric items your answer meets:"),
            "model": _("Model answer"), "rubric": _("Rubric"),
            "ticked": _("You ticked {k} of {n} rubric items."), "number": _("type a number"),
            "why": _("Why:"),
            # the engine's verdicts and messages the page builds for matchings and orders
            "correct": _("Correct."), "partly": _("Partly right."), "not_yet": _("Not yet."),
            "no_category": _("{n} item(s) still have no category: {items}."),
            "placed": _("{right} of {total} placed right. Look again at:"),
            "and_more": _("… and {n} more."),
            "pairs": _("{good} of {pairs} pairs are in the right order. The first place that is "
                       "wrong is position {position}: think again about what comes there.")}


def quiz_data(ex) -> dict:
    """What the page's script needs to check ``ex`` (an exercise without a ``solution``)
    and answer with the engine's feedback. Options are in the self-study reader's order."""
    from casekit.exercises.types import _verdict
    from casekit.i18n import _

    ex = _translated(ex)
    if ex.computed:
        raise ValueError(f"{ex.id} is computed on each student's data: it has no quiz "
                         "(check_html shows how to check it in Jupyter)")
    labels = _labels()
    data: dict[str, Any] = {"id": ex.id, "kind": ex.kind, "reveal_after": ex.reveal_after,
                            "hints": [_md(h) for h in ex.hints], "labels": labels,
                            "why": _md(f"**{labels['why']}** {ex.explanation}")
                            if ex.explanation else ""}
    if ex.kind in ("single", "multiple"):
        order = ex.order(BOOK_STUDENT)
        data["options"] = [{"bank": i, "text": ex.options[i]["text"],
                            "html": _inline(ex.options[i]["text"])} for i in order]
    if ex.kind == "single":
        data["outcomes"] = [_outcome(ex.check(o["text"])) for o in ex.options]
        data["none"] = _outcome(ex.check(None))
    elif ex.kind == "multiple":
        n = len(ex.options)
        if n > MAX_MULTIPLE:
            raise ValueError(f"{ex.id}: {n} options; the book lists every combination of at "
                             f"most {MAX_MULTIPLE}")
        data["outcomes"] = [_outcome(ex.check([o["text"] for i, o in enumerate(ex.options)
                                               if mask >> i & 1]))
                            for mask in range(2 ** n)]
    elif ex.kind == "matching":
        data["categories"] = list(ex.categories)
        data["items"] = [{"html": _inline(it["text"]), "answer": ex.categories.index(it["answer"]),
                          "wrong": [_inline(f"{it['text']}: "
                                            + (it.get("feedback")
                                               or _("it is not {category}").format(category=c)))
                                    for c in ex.categories]} for it in ex.items]
        data["correct_html"] = _md(_verdict(True, 1.0).message)
    elif ex.kind == "ordering":
        shown = ex.shuffled()
        data["shown"] = [{"html": _inline(t), "rank": ex.items.index(t)} for t in shown]
        data["correct_html"] = _md(_verdict(True, 1.0).message)
        data["duplicate_html"] = _md(ex.check({t: 1 for t in shown}).message)
    elif ex.kind == "numeric":
        abs_tol, rel_tol = ex.tolerances()
        t = ex.answer
        data.update(target=t, abs_tol=abs_tol, rel_tol=rel_tol, units=ex.units,
                    correct_html=_md(_verdict(True, 1.0).message),
                    mistakes=[[float(m["value"]), _md(_verdict(False, 0.0, m["message"]).message)]
                              for m in ex.mistakes if m.get("value") is not None],
                    percent_html=_md(ex.check("1%").message)
                    if ex.units not in ("", "share", "fraction", "%") else "")
        near = max(abs_tol, rel_tol * abs(t))
        probes = {"percent": t * 100, "fraction": t / 100, "sign": -t, "thousand": t * 1000,
                  "million": t * 1e6, "close": t + near * 3, "high": t + near * 50 + 1,
                  "low": t - near * 50 - 1}
        data["generic"] = {key: _md(_verdict(False, 0.0, ex._generic_mistake(
            x, t, abs_tol, rel_tol)).message) for key, x in probes.items()}
    elif ex.kind == "text":
        data["empty_html"] = _md(ex.check("").message)
        data["model"] = _md(ex.model_answer)
        data["rubric"] = [_inline(r) for r in ex.rubric]
    else:
        raise ValueError(f"{ex.id}: no quiz for exercises of type {ex.kind!r}")
    return data


# --------------------------------------------------------------------------- HTML
@functools.lru_cache(maxsize=1)
def _templates():
    import jinja2

    return jinja2.Environment(loader=jinja2.DictLoader(_TEMPLATES), autoescape=True,
                              trim_blocks=True, lstrip_blocks=True,
                              undefined=jinja2.StrictUndefined)


def _render(name: str, **context) -> str:
    from markupsafe import Markup

    return _templates().get_template(name).render(Markup=Markup, **context).strip()


def _head(ex, instance: int = 1) -> dict:
    from markupsafe import Markup

    ex = _translated(ex)
    term = ex.term or {}
    return {"id": ex.id, "points": f"{ex.points:g}", "kind": ex.kind,
            "term": " ".join(filter(None, (term.get("en", ""), term.get("zh", "")))),
            "prompt": Markup(_md(ex.prompt)), "anchor": "ex-" + re.sub(r"[^A-Za-z0-9_-]", "-", ex.id)
            + (f"-{instance}" if instance > 1 else "")}


def exercise_html(ex, instance: int = 1) -> str:
    """The exercise as it stands in the page: a quiz, or for a computed exercise its task and
    how to check it in Jupyter. ``instance`` numbers a second showing of it in one page (its
    element id and option group then differ from the first's)."""
    from markupsafe import Markup

    if ex.computed:
        return _render("computed.html", ex=_head(ex, instance), how=_how_to(ex), t=translate)
    data = quiz_data(ex)
    options = [{"bank": o["bank"], "html": Markup(o["html"]), "letter": chr(65 + k)}
               for k, o in enumerate(data.get("options", []))]
    items = [Markup(it["html"]) for it in data.get("items", data.get("shown", []))]
    return _render("quiz.html", ex=_head(ex, instance), data=data, options=options, items=items,
                   labels=data["labels"], t=translate)


PROBLEM_SETS = Path(__file__).resolve().parents[1] / "exercises"
"""The problem-set notebooks of this checkout (named in the how-to of a computed exercise)."""


def _how_to(ex) -> dict:
    sample = "table" if ex.kind == "table" else "value"
    sets = sorted(PROBLEM_SETS.glob(f"{ex.chapter}-*.ipynb")) if ex.chapter else []
    return {"code": f'from casekit.exercises import check, my_retailer, start\n'
                    f'start("your id")     # once: who you are\n'
                    f'data = my_retailer() # your own ValueMart\n'
                    f'{sample} = ...          # your calculation\n'
                    f'check("{ex.id}", {sample})',
            "notebook": f"exercises/{sets[0].name}" if sets else "exercises/"}


def check_html(ex) -> str:
    """What stands under a ``check("id", value)`` cell: how to check it yourself in Jupyter
    (the stored output is the instructor's run, not the reader's)."""
    return _render("check.html", ex=_head(ex), how=_how_to(ex), t=translate)


def static_widget_html(text: str) -> str:
    """An explorer widget's stored text form, with a note that it moves only in Jupyter."""
    return _render("widget.html", text=text, t=translate)


_TEMPLATES = {
    "quiz.html": """
<div class="ck-quiz ck-{{ ex.kind }}" id="{{ ex.anchor }}" data-exercise="{{ ex.id }}">
  <div class="ck-title"><strong>{{ ex.id }}</strong> · {{ ex.points }} pt{% if ex.term %} · {{ ex.term }}{% endif %}</div>
  <div class="ck-prompt">{{ ex.prompt }}</div>
  <div class="ck-answer">
  {% if ex.kind in ("single", "multiple") %}
    {% for o in options %}
    <label class="ck-option"><input type="{{ 'radio' if ex.kind == 'single' else 'checkbox' }}" name="{{ ex.anchor }}-opt" value="{{ o.bank }}"> <span class="ck-letter">{{ o.letter }}.</span> <span class="ck-text">{{ o.html }}</span></label>
    {% endfor %}
  {% elif ex.kind == "matching" %}
    {% for item in items %}
    <div class="ck-row"><select aria-label="{{ t('Category') }}" data-item="{{ loop.index0 }}"><option value="">{{ labels.choose }}</option>{% for c in data.categories %}<option value="{{ loop.index0 }}">{{ c }}</option>{% endfor %}</select> <span class="ck-text">{{ item }}</span></div>
    {% endfor %}
  {% elif ex.kind == "ordering" %}
    <p class="ck-note">{{ labels.position }}</p>
    {% for item in items %}
    <div class="ck-row"><select aria-label="{{ t('Position') }}" data-item="{{ loop.index0 }}"><option value="">—</option>{% for k in range(items|length) %}<option value="{{ k + 1 }}">{{ k + 1 }}</option>{% endfor %}</select> <span class="ck-letter">{{ "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[loop.index0] }}.</span> <span class="ck-text">{{ item }}</span></div>
    {% endfor %}
  {% elif ex.kind == "numeric" %}
    <input type="text" class="ck-number" inputmode="decimal" aria-label="{{ t('Your answer') }}" placeholder="{{ labels.number }}{% if data.units %} ({{ t('in') }} {{ data.units }}){% endif %}">
  {% elif ex.kind == "text" %}
    <textarea class="ck-textarea" rows="5" aria-label="{{ t('Your answer') }}" placeholder="{{ t('Write your answer here') }}"></textarea>
  {% endif %}
  </div>
  <div class="ck-buttons"><button type="button" class="ck-check" disabled>{{ labels.check }}</button>{% if data.hints %} <button type="button" class="ck-hint" disabled>{{ labels.hint }}</button>{% endif %}</div>
  <div class="ck-hints"></div>
  <div class="ck-feedback" aria-live="polite"></div>
  <div class="ck-self"></div>
  <noscript><p class="ck-note">{{ t('Checking an answer needs JavaScript in this page.') }}</p></noscript>
  <script type="application/json" class="ck-data">{{ data|tojson }}</script>
</div>
""",
    "computed.html": """
<div class="ck-quiz ck-computed" id="{{ ex.anchor }}" data-exercise="{{ ex.id }}">
  <div class="ck-title"><strong>{{ ex.id }}</strong> · {{ ex.points }} pt{% if ex.term %} · {{ ex.term }}{% endif %}</div>
  <div class="ck-prompt">{{ ex.prompt }}</div>
  {% include "how.html" %}
</div>
""",
    "check.html": """
<div class="ck-quiz ck-computed ck-check-cell" data-exercise="{{ ex.id }}">
  <div class="ck-title"><strong>{{ ex.id }}</strong> · {{ ex.points }} pt{% if ex.term %} · {{ ex.term }}{% endif %}</div>
  {% include "how.html" %}
</div>
""",
    "how.html": """
  <p class="ck-note">{{ t('This exercise is computed on your own data, so it is checked in Jupyter, not in this book. Open the problem set with') }} <code>make lab</code> ({{ how.notebook }}), {{ t('then:') }}</p>
  <pre class="ck-code"><code>{{ how.code }}</code></pre>
""",
    "missing.html": """
<div class="ck-quiz ck-missing" data-exercise="{{ id }}">
  <p>⚠ {{ t('Exercise') }} <code>{{ id }}</code> {{ t('is not in the exercise banks: this book cannot show it.') }}</p>
</div>
""",
    "widget.html": """
<div class="ck-static-widget">
  {% if text %}
  <p class="ck-note">{{ t('An explorer: it moves in Jupyter (make lab). Here, its state as the notebook saved it:') }}</p>
  <pre>{{ text }}</pre>
  {% else %}
  <p class="ck-note">{{ t('An explorer: it moves in Jupyter (make lab).') }}</p>
  {% endif %}
</div>
""",
}


# --------------------------------------------------------------------------- notebooks
def _html_output(html: str) -> dict:
    import nbformat

    return nbformat.v4.new_output("display_data", data={"text/html": html})


def prepare(nb, bank: dict | None = None, on_missing=None):
    """A copy of notebook ``nb`` as the book shows it: ``show("id")`` outputs become quizzes
    (the cell's code hidden), ``check("id", …)`` outputs how to check it in Jupyter,
    ``solution`` cells folded, explorer widgets their stored text.

    An exercise id no bank holds raises ValueError, or with ``on_missing`` (a function of
    the message) is reported there and shown in the page as missing."""
    from casekit.exercises import _bank, bank_dir

    missing = f"no bank in {bank_dir()} holds" if bank is None else "the given bank lacks"
    bank = _bank() if bank is None else bank
    nb = copy.deepcopy(nb)
    nb.metadata.pop("widgets", None)

    shown: dict[str, int] = {}

    def output(exercise_id, render):
        if exercise_id in bank:
            if render is check_html:
                return _html_output(check_html(bank[exercise_id]))
            shown[exercise_id] = shown.get(exercise_id, 0) + 1
            return _html_output(exercise_html(bank[exercise_id], shown[exercise_id]))
        message = f"the notebook uses exercise {exercise_id!r}, which {missing}"
        if on_missing is None:
            raise ValueError(message)
        on_missing(message)
        return _html_output(_render("missing.html", id=exercise_id, t=translate))

    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        tags = list(cell.metadata.get("tags", []))
        call = exercise_call(cell.source)
        if call:      # the call's result (the widget, the feedback) becomes the book's box
            kind, exercise_id, alone = call
            kept = [o for o in cell.get("outputs", []) if o.get("output_type") == "stream"]
            cell.outputs = kept + [output(exercise_id, exercise_html if kind == "show" else check_html)]
            if kind == "show" and alone:
                tags.append("remove-input")
        else:
            if "solution" in tags:
                tags.append("hide-cell")
            for out in cell.get("outputs", []):
                data = out.get("data", {})
                if WIDGET_VIEW in data:
                    del data[WIDGET_VIEW]
                    if "text/html" not in data:
                        data["text/html"] = static_widget_html(data.get("text/plain", ""))
        if tags:
            cell.metadata["tags"] = list(dict.fromkeys(tags))
    return nb


_reading: dict[str, str | None] = {"doc": None}   # set by the book's Sphinx extension


def read_notebook(text: str):
    """myst-nb's reader for ``.ipynb`` in the book (``nb_custom_formats``): an exercise
    missing from the banks is a Sphinx warning naming the page, and a visible box in it."""
    import nbformat
    from sphinx.util import logging

    def warn(message):
        logging.getLogger("casekit.book").warning(message, location=_reading["doc"],
                                                  type="casekit", subtype="exercise")

    return prepare(nbformat.reads(text, as_version=4), on_missing=warn)
