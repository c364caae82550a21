"""Widgets: a thin view over an exercise — prompt, input, Check, Hint, feedback.

All checking goes through :func:`casekit.exercises.submit`, so the widget and
``check()`` give the same feedback and both save to the answer sheet. Elements carry CSS
classes (``casekit-exercise``, ``casekit-answer``, ``casekit-check``, ``casekit-hint``,
``casekit-feedback``) for styling and for the browser test. Choice options are shown in
the order the student sees them (``ChoiceExercise.order``) and the widget hands over the
chosen options' texts, so nothing depends on positions. Prompts, hints and feedback are
Markdown, rendered by :func:`casekit.markup.to_html`, with ``$…$`` and ``$$…$$`` formulas
kept whole for the math renderer (the texts are ipywidgets' ``HTMLMath``).

Changing an answer clears the feedback of the previous one (it no longer applies), and
Enter in a number or table box checks it. Displayed without a kernel (a chapter opened
cold, an untrusted notebook, nbviewer), the widget falls back to a static rendering of
the exercise: ``text/html`` from the bank, ``text/plain`` without Markdown syntax.
"""
from __future__ import annotations

import html
import re
import warnings
from typing import Any, Callable

import ipywidgets as w

from casekit.exercises.types import (WARN, AnswerError, Exercise, Feedback, feedback_html,
                                     letter, sentences)
from casekit.i18n import _
from casekit.markup import to_html

__all__ = ["ExerciseView"]

_LAYOUT = w.Layout(width="auto")

_MATH = re.compile(r"\$\$(.+?)\$\$|\$(?![\s\d])([^$\n]+?)(?<!\s)\$", re.DOTALL)


def math_html(text: str) -> str:
    """Markdown ``text`` as HTML with its ``$…$`` / ``$$…$$`` formulas passed through whole
    (HTML-escaped, never read as Markdown) for MathJax; a lone ``$5`` stays text.

    >>> math_html("CLV $m_t * r_t$ for **one** customer")
    '<p>CLV $m_t * r_t$ for <strong>one</strong> customer</p>'
    >>> math_html("costs $5 and $10")
    '<p>costs $5 and $10</p>'
    """
    spans: list[str] = []

    def keep(m):
        spans.append(html.escape(m.group(0), quote=False))
        return f"\ue000{len(spans) - 1}\ue001"
    out = to_html(_MATH.sub(keep, text))
    return re.sub("\ue000(\\d+)\ue001", lambda m: spans[int(m.group(1))], out)


_ACRONYMS = {"clv", "ltv", "rfm", "crm", "abc", "af", "npv", "idic", "swot", "tows", "wom",
             "bgnbd", "kpi", "roi", "cdnow", "sms", "nps", "csi", "ai", "7p", "it"}
_SPELLED = {"bgnbd": "BG/NBD"}


def title_of(exercise: Exercise) -> str:
    """A human title for an exercise: its id's words ("value.cohort-clv" → "Cohort CLV"),
    or its term (English) when the id is only a number ("crm.quiz-14"); in Chinese (a
    translated exercise) its Chinese term.

    >>> from casekit.exercises.types import NumericExercise
    >>> title_of(NumericExercise(id="value.cohort-clv", prompt="?", answer=1.0))
    'Cohort CLV'
    >>> title_of(NumericExercise(id="crm.quiz-14", prompt="?", answer=1.0, term={"en": "CRM"}))
    'CRM'
    """
    if exercise.lang == "zh" and (exercise.term or {}).get("zh", "").strip():
        return exercise.term["zh"].strip()
    term = (exercise.term or {}).get("en", "").strip()
    words = [x for x in exercise.id.split(".", 1)[-1].replace("_", "-").split("-") if x]
    if term and (not words or any(x.isdigit() for x in words) or words[0] in ("quiz", "q")):
        return term[:1].upper() + term[1:]
    words = [_SPELLED.get(x, x.upper() if x in _ACRONYMS else x) for x in words]
    text = " ".join(words) or exercise.id
    return text[:1].upper() + text[1:]


def _points(exercise: Exercise) -> str:
    """The exercise's points as a student reads them: "2 pt"."""
    return _("{points} pt").format(points=f"{exercise.points:g}")


def _plain(markdown: str) -> str:
    """Markdown as plain text to read: no ``**``, backticks or ``$`` left."""
    text = re.sub(r"\*\*(.+?)\*\*|__(.+?)__", lambda m: m.group(1) or m.group(2), markdown,
                  flags=re.DOTALL)
    text = re.sub(r"(?<![\w*])\*(?!\s)([^*\n]+?)\*(?!\w)", r"\1", text)
    text = re.sub(r"`([^`\n]+)`", r"\1", text)
    return _MATH.sub(lambda m: (m.group(1) or m.group(2)), text)


def _static_html(ex: Exercise, student: str | None) -> str:
    """The exercise as static HTML (no kernel): title, prompt, what to answer, how."""
    parts = [f"<p><b>{html.escape(title_of(ex))}</b> · {html.escape(_points(ex))}"
             f" <small style='color:#777'>({html.escape(ex.id)})</small></p>",
             math_html(ex.prompt)]
    if ex.kind in ("single", "multiple"):
        items = "".join(f"<li>{html.escape(ex.label(i, student))}</li>" for i in ex.order(student))
        parts.append(f"<ul style='list-style:none'>{items}</ul>")
    elif ex.kind == "matching":
        categories = ", ".join(f"<i>{html.escape(c)}</i>" for c in ex.categories)
        lead = html.escape(_("Put each of these under one of:"))
        parts.append(f"<p>{sentences(lead, categories)}</p><ul>"
                     + "".join(f"<li>{html.escape(it['text'])}</li>" for it in ex.items) + "</ul>")
    elif ex.kind == "ordering":
        parts.append("<p>" + html.escape(_("Put in order:")) + "</p><ol type='A'>"
                     + "".join(f"<li>{html.escape(t)}</li>" for t in ex.shuffled()) + "</ol>")
    elif ex.kind == "table":
        head = "".join(f"<th>{html.escape(c)}</th>" for c in ex.columns)
        body = "".join(f"<tr><th style='text-align:left'>{html.escape(r)}</th>"
                       + "<td>…</td>" * len(ex.columns) + "</tr>" for r in ex.rows)
        parts.append(f"<table><tr><th></th>{head}</tr>{body}</table>")
    parts.append("<p style='color:#777'><i>"
                 + html.escape(_("Run this cell (or Run All) to answer here: the answer box "
                                 "and the Check button need a running kernel."))
                 + "</i></p>")
    return ("<div class='casekit-exercise-static' style='border-left:3px solid #8da0cb;"
            f"padding:2px 10px'>{''.join(parts)}</div>")


def _numeric(ex, student) -> tuple[w.Widget, Callable[[], Any]]:
    placeholder = (_("type a number (in {units}), then Enter or Check").format(units=ex.units)
                   if ex.units else _("type a number, then Enter or Check"))
    box = w.Text(placeholder=placeholder, layout=w.Layout(width="300px"))
    return box, lambda: box.value


def _single(ex, student):
    box = w.RadioButtons(options=[(ex.label(i, student), ex.options[i]["text"])
                                  for i in ex.order(student)], index=None, layout=_LAYOUT)
    return box, lambda: box.value


def _multiple(ex, student):
    shown = ex.order(student)
    ticks = [w.Checkbox(description=ex.label(i, student), indent=False, layout=_LAYOUT)
             for i in shown]
    return w.VBox(ticks), lambda: [ex.options[i]["text"] for i, t in zip(shown, ticks) if t.value]


def _matching(ex, student):
    choices = [(_("— choose —"), None)] + [(c, c) for c in ex.categories]
    pickers = [w.Dropdown(options=choices, value=None, layout=w.Layout(width="220px"))
               for _item in ex.items]
    rows = [w.HBox([p, w.HTML(html.escape(it["text"]))]) for p, it in zip(pickers, ex.items)]
    return w.VBox(rows), lambda: {it["text"]: p.value for it, p in zip(ex.items, pickers)}


def _ordering(ex, student):
    shown = ex.shuffled()
    positions = [("—", None)] + [(str(k + 1), k + 1) for k in range(len(shown))]
    pickers = [w.Dropdown(options=positions, value=None, layout=w.Layout(width="80px"))
               for _item in shown]
    rows = [w.HBox([p, w.HTML(f"{letter(i)}. {html.escape(t)}")])
            for i, (p, t) in enumerate(zip(pickers, shown))]

    def value():
        chosen = {t: p.value for t, p in zip(shown, pickers)}
        if any(v is None for v in chosen.values()):
            raise AnswerError(_("Give every item a position (1 = first)."))
        return chosen
    return w.VBox([w.HTML(html.escape(_("Position of each item (1 = first):")))] + rows), value


def _table(ex, student):
    cells = [[w.Text(layout=w.Layout(width="110px")) for _column in ex.columns] for _row in ex.rows]
    header = [w.HTML("")] + [w.HTML(f"<b>{html.escape(c)}</b>") for c in ex.columns]
    grid = header + [x for r, row in zip(ex.rows, cells) for x in [w.HTML(html.escape(r))] + row]
    box = w.GridBox(grid, layout=w.Layout(
        grid_template_columns=f"minmax(120px, auto) repeat({len(ex.columns)}, 120px)"))
    return box, lambda: [[c.value for c in row] for row in cells]


def _text(ex, student):
    box = w.Textarea(placeholder=_("Write your answer here"),
                     layout=w.Layout(width="95%", height="120px"))
    return box, lambda: box.value


_INPUTS = {"numeric": _numeric, "single": _single, "multiple": _multiple,
           "matching": _matching, "ordering": _ordering, "table": _table, "text": _text}


def _value_widgets(root: w.Widget) -> list[w.Widget]:
    """Every widget under ``root`` that holds part of the answer."""
    if isinstance(root, (w.Text, w.Textarea, w.Checkbox, w.Dropdown, w.RadioButtons)):
        return [root]
    return [x for child in getattr(root, "children", ()) for x in _value_widgets(child)]


class ExerciseView:
    """The widget for one exercise as ``student`` sees it (display it, or let a cell end
    with it); ``student=None`` means the current student (:func:`casekit.exercises.student`).
    """

    def __init__(self, exercise: Exercise, student: str | None = None):
        from casekit.exercises import student as current
        from casekit.exercises.sheet import check_student_id

        if not isinstance(exercise, Exercise):
            raise TypeError(f"exercise must be a casekit Exercise, got {type(exercise).__name__}")
        self.exercise = exercise
        self.student = current() if student is None else check_student_id(student)
        self.answer_input, self._value = _INPUTS[exercise.kind](exercise, self.student)
        self.answer_input.add_class("casekit-answer")
        self.check_button = w.Button(description=_("Check"), button_style="primary")
        self.check_button.add_class("casekit-check")
        self.hint_button = w.Button(description=_("Hint"), disabled=not exercise.hints)
        self.hint_button.add_class("casekit-hint")
        self.reset_button = w.Button(description=_("Start over"),
                                     tooltip=_("Clear the answer, feedback and hints (your saved "
                                               "attempts stay: grading counts the best)"))
        self.reset_button.add_class("casekit-reset")
        self.hints = w.HTMLMath()
        self.feedback = w.HTMLMath()
        self.feedback.add_class("casekit-feedback")
        self.self_assessment = w.VBox()
        self.hints_shown = 0
        self.check_button.on_click(self._on_check)
        self.hint_button.on_click(self._on_hint)
        self.reset_button.on_click(self.reset)
        self._fields = _value_widgets(self.answer_input)
        for field in self._fields:       # a changed answer: the old feedback no longer applies
            field.observe(self._on_change, names="value")
            if isinstance(field, w.Text):    # Enter in a number or table box checks the answer
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", DeprecationWarning)
                    field.on_submit(self._on_check)
        main = title_of(exercise)
        title = (f"<b>{html.escape(main)}</b> · {html.escape(_points(exercise))}"
                 f" <small class='casekit-id' style='color:#777'>{html.escape(exercise.id)}</small>")
        en, zh = ((exercise.term or {}).get(k, "").strip() for k in ("en", "zh"))
        if en and en.casefold() != main.casefold():     # the term in the other language(s)
            title += f" · {html.escape(en)}"
        if zh and zh != main:
            title += f" {html.escape(zh)}"
        self.widget = w.VBox([w.HTML(title), w.HTMLMath(math_html(exercise.prompt)),
                              self.answer_input,
                              w.HBox([self.check_button, self.hint_button, self.reset_button]),
                              self.hints, self.feedback, self.self_assessment])
        self.widget.add_class("casekit-exercise")

    def _repr_mimebundle_(self, **kwargs):
        # what a reader without a kernel (or a console) sees: options in this student's order
        bundle = self.widget._repr_mimebundle_(**kwargs)
        head = f"{title_of(self.exercise)} ({_points(self.exercise)}, {self.exercise.id})"
        body = self.exercise.as_text(self.student).split("\n", 1)
        bundle["text/plain"] = _plain(head + ("\n" + body[1] if len(body) > 1 else ""))
        bundle["text/html"] = _static_html(self.exercise, self.student)
        return bundle

    def _on_change(self, change=None):
        if self.feedback.value:
            self.feedback.value = ("<div class='casekit-feedback-box' style='color:#777;"
                                   "padding:4px 10px'>"
                                   + html.escape(_("Answer changed: press Check (or Enter) to "
                                                   "check it.")) + "</div>")
        self.self_assessment.children = []

    def reset(self, button=None):
        """Clear the answer, the feedback and the hints shown (the sheet keeps every attempt)."""
        for field in self._fields:
            if isinstance(field, (w.Text, w.Textarea)):
                field.value = ""
            elif isinstance(field, w.Checkbox):
                field.value = False
            elif isinstance(field, (w.Dropdown, w.RadioButtons)):
                field.value = None
        self.hints_shown = 0
        self.hints.value = ""
        self.hint_button.disabled = not self.exercise.hints
        self.feedback.value = ""
        self.self_assessment.children = []

    def _on_hint(self, button=None):
        hints = self.exercise.hints
        self.hints_shown = min(self.hints_shown + 1, len(hints))
        items = "".join(f"<li>{math_html(h)}</li>" for h in hints[:self.hints_shown])
        head = _("Hint {n} of {m}").format(n=self.hints_shown, m=len(hints))
        if self.hints_shown >= len(hints):
            head = sentences(head, _("(no more hints)"))
        self.hints.value = f"<div>{html.escape(head)}<ol>{items}</ol></div>"
        self.hint_button.disabled = self.hints_shown >= len(hints)

    def _on_check(self, button=None):
        from casekit.exercises import submit

        try:
            feedback = submit(self.exercise, self._value(), self.student)
        except AnswerError as err:
            feedback = Feedback(False, 0.0, f"{WARN} {err}", valid=False)
        except Exception as err:  # the student sees a message, never a traceback
            feedback = Feedback(False, 0.0, f"{WARN} " + _(
                "Could not check this answer ({error}: {detail}). Tell your instructor if it "
                "persists.").format(error=type(err).__name__, detail=err), valid=False)
        self.feedback.value = feedback_html(feedback)
        # a text answer saved (not a warning, not a form without its rubric): self-assess it
        if self.exercise.kind == "text" and self.exercise.rubric and feedback.valid \
                and not feedback.message.startswith(WARN):
            self._offer_self_assessment()

    def _offer_self_assessment(self):
        ticks = [w.Checkbox(description=r, indent=False, layout=_LAYOUT) for r in self.exercise.rubric]
        save = w.Button(description=_("Save self-assessment"))
        result = w.HTML()

        def on_save(button):
            from casekit.exercises import submit

            fb = submit(self.exercise, {"text": self._value(), "rubric": [t.value for t in ticks]},
                        self.student)
            result.value = feedback_html(fb)
        save.on_click(on_save)
        self.self_assessment.children = [w.HTML(html.escape(_("Which rubric items does your "
                                                              "answer meet?"))),
                                         *ticks, save, result]
