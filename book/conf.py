"""Sphinx configuration of the static book (make book).

Sphinx + myst-nb + sphinx-book-theme: they install from PyPI and build with no network (Jupyter
Book 2 / mystmd fetches its theme from the internet at build time). The pages are the committed,
executed notebooks (never run here); their exercises become in-page quizzes generated from the
TOML banks by casekit.book (see book/_ext/casekit_book.py).
"""
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "_ext"))
sys.path.insert(0, str(HERE.parent))          # casekit from this checkout

project = "CRM Casebook"
author = "CRM Casebook developers"
copyright = "CRM Casebook developers, MIT licence"

# Two editions from one configuration: English from book/, 中文 from book/zh (whose notebooks are
# the translated ones in zh/), built with  -c book -D language=zh_CN book/zh book/_build/html/zh
# (make book builds both). The quizzes take their language from `language` (casekit_book).
language = "en"

extensions = ["myst_nb", "casekit_book"]
root_doc = "index"
# the chapters and problem sets are the repository's own folders (symlinks), nothing copied
include_patterns = ["index.md", "notebooks/*.ipynb", "exercises/*.ipynb"]
exclude_patterns = ["_build", "**.ipynb_checkpoints"]

# the notebooks are committed executed: show their stored outputs, never run them
nb_execution_mode = "off"
nb_custom_formats = {".ipynb": "casekit.book.read_notebook"}
nb_mime_priority_overrides = [("gettext", "text/plain", 10), ("gettext", "text/markdown", 20),
                              ("gettext", "text/html", 30), ("gettext", "image/png", 40)]
nb_ipywidgets_js = {}            # no widget manager from a CDN: widgets are quizzes or text
nb_code_prompt_show = "Show the worked solution"  # only solution cells are folded (casekit.book)
nb_code_prompt_hide = "Hide the worked solution"
myst_enable_extensions = ["dollarmath"]
html_math_renderer = "mathml"   # casekit_book: MathML at build time, no MathJax from a CDN

html_theme = "sphinx_book_theme"
html_title = "CRM Casebook"
html_static_path = ["_static"]
html_css_files = ["casekit-quiz.css"]
html_js_files = ["casekit-quiz.js"]
html_last_updated_fmt = None
html_copy_source = False
html_show_sourcelink = False
html_context = {"default_mode": "light"}   # the theme logs an error without one
html_theme_options = {
    "show_toc_level": 2,
    "use_download_button": False,
    "use_fullscreen_button": False,
    "home_page_in_toc": True,
}
