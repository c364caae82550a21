"""Widgets: a thin view over an exercise — prompt, input, Check, Hint, feedback.

All checking goes through :func:`casekit.exercises.submit`, so the widget and
``check()`` give the same feedback and both save to the answer sheet. Elements carry CSS
classes (``casekit-exercise``, ``casekit-answer``, ``casekit-check``, ``casekit-hint``,
``casekit-feedback``) for styling and for the browser test. Choice options are shown in
the order the student sees them (``ChoiceExercise.order``) and the widget hands over the
chosen options' texts, so nothing depends on positions. Prompts, hints and feedback are
Markdown, rendered by :func:`casekit.markup.to_html`.
"""
from __future__ import annotations

import html
from typing import Any, Callable

import ipywidgets as w

from casekit.exercises.types import AnswerError, Exercise, Feedback, feedback_html, letter
from casekit.markup import to_html

__all__ = ["ExerciseView"]

_LAYOUT = w.Layout(width="auto")


def _numeric(ex, student) -> tuple[w.Widget, Callable[[], Any]]:
    units = f" (in {ex.units})" if ex.units else ""
    box = w.Text(placeholder=f"type a number{units}", layout=w.Layout(width="260px"))
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
    pickers = [w.Dropdown(options=[("— choose —", None)] + [(c, c) for c in ex.categories],
                          value=None, layout=w.Layout(width="220px")) for _ in ex.items]
    rows = [w.HBox([p, w.HTML(html.escape(it["text"]))]) for p, it in zip(pickers, ex.items)]
    return w.VBox(rows), lambda: {it["text"]: p.value for it, p in zip(ex.items, pickers)}


def _ordering(ex, student):
    shown = ex.shuffled()
    positions = [("—", None)] + [(str(k + 1), k + 1) for k in range(len(shown))]
    pickers = [w.Dropdown(options=positions, value=None, layout=w.Layout(width="80px"))
               for _ in shown]
    rows = [w.HBox([p, w.HTML(f"{letter(i)}. {html.escape(t)}")])
            for i, (p, t) in enumerate(zip(pickers, shown))]

    def value():
        chosen = {t: p.value for t, p in zip(shown, pickers)}
        if any(v is None for v in chosen.values()):
            raise AnswerError("Give every item a position (1 = first).")
        return chosen
    return w.VBox([w.HTML("Position of each item (1 = first):")] + rows), value


def _table(ex, student):
    cells = [[w.Text(layout=w.Layout(width="110px")) for _ in ex.columns] for _ in ex.rows]
    header = [w.HTML("")] + [w.HTML(f"<b>{html.escape(c)}</b>") for c in ex.columns]
    grid = header + [x for r, row in zip(ex.rows, cells) for x in [w.HTML(html.escape(r))] + row]
    box = w.GridBox(grid, layout=w.Layout(
        grid_template_columns=f"minmax(120px, auto) repeat({len(ex.columns)}, 120px)"))
    return box, lambda: [[c.value for c in row] for row in cells]


def _text(ex, student):
    box = w.Textarea(placeholder="Write your answer here", layout=w.Layout(width="95%", height="120px"))
    return box, lambda: box.value


_INPUTS = {"numeric": _numeric, "single": _single, "multiple": _multiple,
           "matching": _matching, "ordering": _ordering, "table": _table, "text": _text}


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
        self.check_button = w.Button(description="Check", button_style="primary")
        self.check_button.add_class("casekit-check")
        self.hint_button = w.Button(description="Hint", disabled=not exercise.hints)
        self.hint_button.add_class("casekit-hint")
        self.hints = w.HTML()
        self.feedback = w.HTML()
        self.feedback.add_class("casekit-feedback")
        self.self_assessment = w.VBox()
        self.hints_shown = 0
        self.check_button.on_click(self._on_check)
        self.hint_button.on_click(self._on_hint)
        term = exercise.term
        title = f"<b>{html.escape(exercise.id)}</b> · {exercise.points:g} pt"
        if term:
            title += f" · {html.escape(term.get('en', ''))} {html.escape(term.get('zh', ''))}"
        self.widget = w.VBox([w.HTML(title), w.HTML(to_html(exercise.prompt)),
                              self.answer_input, w.HBox([self.check_button, self.hint_button]),
                              self.hints, self.feedback, self.self_assessment])
        self.widget.add_class("casekit-exercise")

    def _repr_mimebundle_(self, **kwargs):
        bundle = self.widget._repr_mimebundle_(**kwargs)
        bundle["text/plain"] = self.exercise.as_text(self.student)
        return bundle

    def _on_hint(self, _=None):
        hints = self.exercise.hints
        self.hints_shown = min(self.hints_shown + 1, len(hints))
        items = "".join(f"<li>{to_html(h)}</li>" for h in hints[:self.hints_shown])
        more = "" if self.hints_shown < len(hints) else " (no more hints)"
        self.hints.value = f"<div>Hint {self.hints_shown} of {len(hints)}{more}<ol>{items}</ol></div>"
        self.hint_button.disabled = self.hints_shown >= len(hints)

    def _on_check(self, _=None):
        from casekit.exercises import submit

        try:
            feedback = submit(self.exercise, self._value(), self.student)
        except AnswerError as err:
            feedback = Feedback(False, 0.0, f"⚠ {err}", valid=False)
        except Exception as err:  # the student sees a message, never a traceback
            feedback = Feedback(False, 0.0, f"⚠ Could not check this answer ({type(err).__name__}"
                                            f": {err}). Tell your instructor if it persists.",
                                valid=False)
        self.feedback.value = feedback_html(feedback)
        if self.exercise.kind == "text" and feedback.message.startswith("Saved"):
            self._offer_self_assessment()

    def _offer_self_assessment(self):
        ticks = [w.Checkbox(description=r, indent=False, layout=_LAYOUT) for r in self.exercise.rubric]
        save = w.Button(description="Save self-assessment")
        result = w.HTML()

        def on_save(_):
            from casekit.exercises import submit

            fb = submit(self.exercise, {"text": self._value(), "rubric": [t.value for t in ticks]},
                        self.student)
            result.value = feedback_html(fb)
        save.on_click(on_save)
        self.self_assessment.children = [w.HTML("Which rubric items does your answer meet?"),
                                         *ticks, save, result]
