"""The explorers' shared shape: a pure object whose widget is built on first display.

A subclass computes in plain methods (testable without Jupyter), gives its state as text
in ``__repr__`` (what nbval compares and a reader without widgets sees) and builds its
ipywidgets box in ``_build``, which sets ``self._widget``.

>>> class Hello(WidgetView):
...     def __repr__(self):
...         return "Hello, reader."
...     def _build(self):
...         import ipywidgets as w
...         self._widget = w.HTML("<b>Hello</b>")
>>> Hello()._repr_mimebundle_()["text/plain"]
'Hello, reader.'
"""
from __future__ import annotations

__all__ = ["WidgetView"]


class WidgetView:
    """Base class of the explorers: ``widget`` is built on first use by ``_build()``."""

    _widget = None

    def _build(self):
        raise NotImplementedError

    @property
    def widget(self):
        """The ipywidgets box (built on first use)."""
        if self._widget is None:
            self._build()
        return self._widget

    def _repr_mimebundle_(self, **kwargs):
        bundle = self.widget._repr_mimebundle_(**kwargs)
        bundle["text/plain"] = repr(self)
        return bundle


class SliderView(WidgetView):
    """An explorer made of ``self.sliders`` (setting name → slider) over an HTML
    ``self.output`` drawn by ``_html()``: a slider move calls ``update(name=value)``; a
    value ``update`` refuses is shown in the output instead of a traceback."""

    _syncing = False

    def _on_slider(self, change):
        if self._syncing:
            return
        key = next(k for k, s in self.sliders.items() if s is change["owner"])
        try:
            self.update(**{key: change["new"]})
        except ValueError as err:
            self.output.value = f"<p>⚠ {err}</p>"

    def _sync(self):
        """Move the sliders to ``self.settings`` (without re-triggering) and redraw."""
        self._syncing = True
        try:
            for key, slider in self.sliders.items():
                slider.value = self.settings[key]
        finally:
            self._syncing = False
        self.output.value = self._html()
