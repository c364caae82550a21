"""The chapters' explorers: sliders over a computation, one module each, on one base class.

- :mod:`casekit.explorers.clv` (chapter 1): CLV by the simple retention formula and how it
  builds up, over :mod:`casekit.value`;
- :mod:`casekit.explorers.switching` (chapter 3): the mortgage-switching maths, over
  :func:`casekit.defection.switching_calculator`;
- :mod:`casekit.explorers.rules` (chapter 4): association rules re-filtered by support,
  confidence, lift and item, over :mod:`casekit.baskets`;
- :mod:`casekit.explorers.weights` (chapter 6): appraisal weights → ranks and bonuses, over
  :func:`casekit.service.pay_table`.

Every explorer keeps the same protocol, so what works on one works on all:

- ``settings`` holds its inputs by name, ``result`` what they give;
- ``update(name=value, ...)`` changes the named settings (the others keep theirs),
  recomputes and returns ``result``; an unknown name raises ``TypeError``, a bad value
  ``ValueError`` or ``TypeError``, and either leaves the explorer as it was;
- ``repr`` states the settings and the result in a sentence: the explorer's text form,
  what nbval compares and what the static book and a reader without widgets see;
- displayed in a notebook it is a widget: one control per setting over a summary and its
  views. Moving a control calls ``update``; a value ``update`` refuses is shown in the
  summary instead of a traceback; an ``update`` from code moves the controls.

The computation lives in the analysis modules, which never import ipywidgets; an explorer
module holds only the view, and imports ipywidgets and matplotlib when it is first
displayed, so importing it is cheap.

A subclass passes its settings to ``Explorer.__init__`` and writes ``_compute(settings)``
(the result, from plain functions; it may normalise ``settings`` in place and keep
by-products once every check has passed), ``__repr__``, ``_controls(w)`` (setting name →
ipywidgets control) and ``_draw()`` (fills ``self.summary`` and the ``_views(w)`` it adds):

>>> class Doubler(Explorer):
...     def _compute(self, settings):
...         if settings["x"] < 0:
...             raise ValueError(f"x must be ≥ 0, got {settings['x']}")
...         return 2 * settings["x"]
...     def __repr__(self):
...         return f"Doubler: 2 × {self.settings['x']} = {self.result}"
...     def _controls(self, w):
...         return {"x": w.IntSlider(min=0, max=10)}
...     def _draw(self):
...         self.summary.value = f"<b>{self.result}</b>"
>>> ex = Doubler(x=2)
>>> ex.update(x=5)
10
>>> ex.update(x=-1)
Traceback (most recent call last):
...
ValueError: x must be ≥ 0, got -1
>>> ex
Doubler: 2 × 5 = 10
>>> ex.update(y=1)
Traceback (most recent call last):
...
TypeError: unknown setting(s) ['y']; the settings are ['x']
"""
from __future__ import annotations

import html

__all__ = ["Explorer"]


class Explorer:
    """Base class of the explorers: settings → ``result``, as text or as a widget built on
    first display (see the module docstring for the protocol)."""

    #: The CSS class of the widget's outer box.
    css_class = "casekit-explorer"
    _widget = None
    _syncing = False

    def __init__(self, **settings):
        self.settings = {}
        self._apply(settings)

    # ------------------------------------------------------------------ pure part
    def _compute(self, settings: dict):
        raise NotImplementedError

    def _apply(self, settings: dict) -> None:
        result = self._compute(settings)      # raises on a bad value: nothing has changed
        self.settings, self.result = settings, result

    def update(self, **settings):
        """Change the named settings (the others keep their values), recompute, move the
        controls and redraw if the widget is showing, and return ``result``."""
        unknown = set(settings) - set(self.settings)
        if unknown:
            raise TypeError(f"unknown setting(s) {sorted(unknown)}; the settings are "
                            f"{list(self.settings)}")
        self._apply({**self.settings, **settings})
        if self._widget is not None:
            self._show()
        return self.result

    # ------------------------------------------------------------------ widget part
    @property
    def widget(self):
        """The ipywidgets box: the controls, the summary and the views (built on first use)."""
        if self._widget is None:
            import ipywidgets as w

            self.controls = self._controls(w)
            for name, control in self.controls.items():
                control.observe(lambda change, name=name: self._on_control(name, change["new"]),
                                names="value")
            self.summary = w.HTML()
            self._widget = w.VBox([w.VBox(list(self.controls.values())), self.summary,
                                   *self._views(w)])
            self._widget.add_class(self.css_class)
            self._show()
        return self._widget

    def _controls(self, w) -> dict:
        raise NotImplementedError

    def _views(self, w) -> list:
        """Widgets under the summary (none by default)."""
        return []

    def _draw(self) -> None:
        raise NotImplementedError

    def _control_value(self, name: str):
        """What the control of setting ``name`` shows (a slider clamps it to its range)."""
        return self.settings[name]

    def _on_control(self, name: str, value) -> None:
        if self._syncing:
            return
        try:
            self.update(**{name: value})
        except (TypeError, ValueError) as err:
            self.summary.value = (f"<p style='color:#D55E00'>⚠ {html.escape(str(err))}</p>")

    def _show(self) -> None:
        """Move the controls to the settings (without their callbacks firing) and redraw."""
        self._syncing = True
        try:
            for name, control in self.controls.items():
                control.value = self._control_value(name)
        finally:
            self._syncing = False
        self._draw()

    def _repr_mimebundle_(self, **kwargs):
        bundle = self.widget._repr_mimebundle_(**kwargs)
        bundle["text/plain"] = repr(self)
        return bundle
