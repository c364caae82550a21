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
