"""The workbook in English and 中文: the reader's language and the translation catalogs.

English is the source. Every other language comes from gettext catalogs (``.po`` files,
read with Babel, the library Sphinx translates with) under ``casekit/locale/<lang>/``:

- ``casekit.po``: the engine's own messages (feedback, widgets, warnings), marked in the
  code with :func:`_` (``pybabel extract`` finds them);
- ``glossary.po``: the glossary's definitions, one context per term;
- ``banks/<bank>.po``: each exercise bank, one context per field (``"value.cohort-clv:prompt"``).

The notebooks' catalogs live beside the notebooks (``locale/``) and are used only to build
the translated notebooks (``tools/i18n.py``). A message with no translation, or one marked
fuzzy because its English changed since it was translated, falls back to English; the
tests fail on either, so a release never mixes the two.

    >>> set_language("zh")
    'zh'
    >>> set_language("en"), _("Correct.")
    ('en', 'Correct.')
"""
from __future__ import annotations

import contextlib
import functools
import os
import threading
from pathlib import Path

__all__ = ["LANGUAGES", "LOCALE_DIR", "catalog", "check_language", "language", "set_language",
           "pgettext", "speaking", "translate", "_"]

#: The languages of the workbook, with their names as their readers write them.
LANGUAGES = {"en": "English", "zh": "中文"}
#: Where the package's catalogs are: ``<lang>/casekit.po``, ``<lang>/glossary.po``, ``<lang>/banks/``.
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
_state = {"lang": None}
_thread = threading.local()     # speaking(): a language for one block of one thread


def check_language(lang) -> str:
    """``lang`` if it is one of :data:`LANGUAGES` (case and region ignored: 'zh-CN' → 'zh').

    >>> check_language("zh_CN")
    'zh'
    """
    if not isinstance(lang, str):
        raise TypeError(f"lang must be a language code such as 'en' or 'zh', got {type(lang).__name__}")
    code = lang.strip().replace("_", "-").split("-")[0].lower()
    if code not in LANGUAGES:
        raise ValueError(f"lang must be one of {', '.join(repr(k) for k in LANGUAGES)} "
                         f"({', '.join(LANGUAGES.values())}), got {lang!r}")
    return code


def set_language(lang: str) -> str:
    """Show the workbook (feedback, widgets, hints, plots' labels) in ``lang``; returns it."""
    _state["lang"] = check_language(lang)
    return _state["lang"]


def language() -> str:
    """The reader's language: inside :func:`speaking`, its language (per thread); else the one
    set by :func:`set_language` (``start(lang=...)``), else ``CASEKIT_LANG``, else English."""
    spoken = getattr(_thread, "lang", None)
    if spoken is not None:
        return spoken
    if _state["lang"] is None:
        try:
            _state["lang"] = check_language(os.environ.get("CASEKIT_LANG") or "en")
        except ValueError:
            _state["lang"] = "en"
    return _state["lang"]


@contextlib.contextmanager
def speaking(lang: str | None):
    """Within the block, and in this thread only, the language is ``lang`` (None: as it is);
    after it, what it was. For output made for someone else: a student's feedback page, the
    classroom service's answer to a student (its threads answer students of both languages).

    >>> with speaking("zh"):
    ...     language()
    'zh'
    """
    before = getattr(_thread, "lang", None)
    _thread.lang = check_language(lang) if lang is not None else before
    try:
        yield language()
    finally:
        _thread.lang = before


@functools.lru_cache(maxsize=None)
def catalog(lang: str, domain: str) -> dict[tuple[str | None, str], str]:
    """The translated messages of one catalog, ``{(context, English): translation}``:
    entries that are untranslated or fuzzy are left out. An absent file is an empty catalog.

    >>> isinstance(catalog("zh", "glossary"), dict)
    True
    """
    path = LOCALE_DIR / check_language(lang) / f"{domain}.po"
    if not path.is_file():
        return {}
    from babel.messages.pofile import read_po

    with open(path, "rb") as handle:
        po = read_po(handle, locale=lang)
    return {(m.context, m.id): m.string for m in po
            if m.id and isinstance(m.id, str) and m.string and not m.fuzzy}


def translate(message: str, domain: str = "casekit", context: str | None = None,
              lang: str | None = None) -> str:
    """``message`` in ``lang`` (default: :func:`language`) from ``domain``'s catalog, or
    ``message`` itself when it has no translation."""
    lang = language() if lang is None else check_language(lang)
    if lang == "en" or not message:
        return message
    return catalog(lang, domain).get((context, message), message)


def _(message: str) -> str:
    """An engine message in the reader's language (the gettext marker ``pybabel`` extracts).
    Placeholders are filled after translation: ``_("{n} of {m} right").format(n=1, m=2)``."""
    return translate(message)


def pgettext(context: str, message: str) -> str:
    """:func:`_` for a word whose translation depends on where it stands: ``context`` tells
    the translator (and the catalog) which sense is meant.

    >>> with speaking("en"):
    ...     pgettext("appraisal module", "customer")
    'customer'
    """
    return translate(message, context=context)
