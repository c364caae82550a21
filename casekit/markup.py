"""Markdown to safe HTML for exercise prompts, hints, feedback and grading pages.

One renderer for the whole project: CommonMark with tables (markdown-it-py), raw HTML
switched off so that anything a student typed or a bank holds is shown, never run.
A single newline stays inside its paragraph (as in every Markdown reader); ``$…$``
is passed through untouched for a math renderer (MathJax, KaTeX, ipywidgets' HTMLMath).

>>> to_html("Use **lift**, not `confidence`.")
'<p>Use <strong>lift</strong>, not <code>confidence</code>.</p>'
>>> to_html("<script>alert(1)</script>")
'<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>'
>>> to_html("- one\\n- two")
'<ul>\\n<li>one</li>\\n<li>two</li>\\n</ul>'
"""
from __future__ import annotations

import functools

__all__ = ["to_html"]


@functools.lru_cache(maxsize=1)
def _renderer():
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": False, "linkify": False,
                                     "typographer": False}).enable("table")


@functools.lru_cache(maxsize=4096)
def to_html(text: str) -> str:
    """``text`` (Markdown) as HTML with every raw tag escaped; raises TypeError for non-text."""
    if not isinstance(text, str):
        raise TypeError(f"text must be a str of Markdown, got {type(text).__name__}")
    return _renderer().render(text).strip()
