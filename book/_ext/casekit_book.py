"""Sphinx extension of the book: the quizzes' language and their sources, and math as MathML.

casekit.book does the work (myst-nb reads every notebook through casekit.book.read_notebook,
named in conf.py); this extension sets the quizzes' language from Sphinx's ``language`` and
``locale_dirs``, and makes every page depend on the exercise banks, the quiz code and script,
so that an edited bank rebuilds the pages that show its exercises; with the gettext builder
it writes the quizzes' texts to ``casekit-book.pot`` (casekit.book.messages).

Math (``$…$`` in a chapter) is converted to MathML at build time (latex2mathml), which
browsers draw themselves: no MathJax from a CDN, so the book works offline.
"""
from pathlib import Path

from docutils import nodes

from casekit import book
from casekit.exercises import bank_dir

ROOT = Path(__file__).resolve().parents[2]


def _sources() -> list[Path]:
    return sorted(bank_dir().glob("*.toml")) + [ROOT / "casekit" / "book.py",
                                                 ROOT / "casekit" / "markup.py"]


def _language(app):
    dirs = [Path(app.srcdir) / d for d in app.config.locale_dirs]
    book.set_language(app.config.language or "en", dirs)


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


def _write_pot(app, exception):
    """With ``sphinx-build -b gettext``: the quizzes' texts as ``casekit-book.pot`` next to the
    pages' catalogues, for ``sphinx-intl update`` to turn into ``casekit-book.po``."""
    if exception is not None or app.builder.name != "gettext":
        return
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po

    catalog = Catalog(project=app.config.project, fuzzy=False)
    for text in book.messages():
        catalog.add(text)
    with open(Path(app.outdir) / "casekit-book.pot", "wb") as f:
        write_po(f, catalog, omit_header=False, sort_output=False, width=0)


def setup(app):
    app.add_html_math_renderer("mathml", (_visit_math, None), (_visit_displaymath, None))
    app.connect("builder-inited", _language)
    app.connect("source-read", _reading)
    app.connect("doctree-read", _depend)
    app.connect("build-finished", _write_pot)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
