"""Sphinx extension of the book: the quizzes' language and their sources, the switch between
the editions, and math as MathML.

casekit.book does the work (myst-nb reads every notebook through casekit.book.read_notebook,
named in conf.py); this extension sets the quizzes' language from Sphinx's ``language`` (the
Chinese edition is built from book/zh with ``-D language=zh_CN`` into ``html/zh``), puts a
link to the same page in the other edition at the top of every page, and makes every page
depend on the exercise banks, their catalogs and the quiz code, so that an edited bank
rebuilds the pages that show its exercises.

Math (``$…$`` in a chapter) is converted to MathML at build time (latex2mathml), which
browsers draw themselves: no MathJax from a CDN, so the book works offline.
"""
from pathlib import Path

from docutils import nodes

from casekit import book
from casekit.exercises import bank_dir

ROOT = Path(__file__).resolve().parents[2]


def _sources() -> list[Path]:
    return sorted(bank_dir().glob("*.toml")) + sorted((ROOT / "casekit" / "locale").rglob("*.po")) \
        + [ROOT / "casekit" / "book.py", ROOT / "casekit" / "markup.py"]


def _language(app):
    book.set_language(app.config.language or "en")
    if (app.config.language or "en").startswith("zh"):
        app.add_js_file("casekit-zh-search.js")     # see that file: a Sphinx 9 bug


def _switch(app, pagename, templatename, context, doctree):
    """A link to this page in the other edition (English at html/, 中文 at html/zh/)."""
    up = "../" * pagename.count("/")
    if (app.config.language or "en").startswith("zh"):
        href, label, lang = f"../{up}{pagename}.html", "English", "en"
    else:
        href, label, lang = f"{up}zh/{pagename}.html", "中文", "zh"
    context["body"] = (f'<p class="ck-edition"><a href="{href}" hreflang="{lang}" lang="{lang}">'
                       f'{label}</a></p>\n') + context.get("body", "")


def _reading(app, docname, source):
    book._reading["doc"] = docname     # so that a warning of the notebook reader names the page


def _depend(app, doctree):
    for path in _sources():
        app.env.note_dependency(str(path))


def _mathml(latex: str, display: str) -> str:
    from latex2mathml.converter import convert

    return convert(latex.strip(), display=display)


def _visit_math(self, node):
    self.body.append(f'<span class="math notranslate">{_mathml(node.astext(), "inline")}</span>')
    raise nodes.SkipNode


def _visit_displaymath(self, node):
    latex = node["latex"] if "latex" in node else node.astext()
    self.body.append(f'<div class="math notranslate">{_mathml(latex, "block")}</div>')
    raise nodes.SkipNode


def setup(app):
    app.add_html_math_renderer("mathml", (_visit_math, None), (_visit_displaymath, None))
    app.connect("builder-inited", _language)
    app.connect("source-read", _reading)
    app.connect("doctree-read", _depend)
    app.connect("html-page-context", _switch)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
