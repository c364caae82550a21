"""The bilingual (English/中文) glossary of the CRM Casebook.

The entries live in ``casekit/glossary.toml`` (package data); each chapter adds the terms
it introduces. Two functions read it:

- :func:`glossary` gives the terms as a table, for one chapter or all of them;
- :func:`lookup` finds one term, case-insensitively, by its English name, an alias
  (such as "CRM") or its Chinese name.

>>> lookup("CRM")["zh"]
'客户关系管理'
>>> glossary("00").columns.tolist()
['term', 'zh', 'definition', 'chapter']
"""
from __future__ import annotations

import difflib
import functools
import tomllib
from importlib import resources

__all__ = ["glossary", "lookup", "entries"]

_FIELDS = ("term", "zh", "definition", "chapter")
_OPTIONAL = ("source", "aliases")


class GlossaryError(ValueError):
    """``glossary.toml`` does not follow the format (raised when it is loaded)."""


@functools.lru_cache(maxsize=1)
def _load() -> tuple[dict, ...]:
    text = resources.files("casekit").joinpath("glossary.toml").read_text(encoding="utf-8")
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise GlossaryError(f"glossary.toml is not valid TOML ({err}).") from None
    out, seen = [], {}
    for n, raw in enumerate(doc.get("entry", []), start=1):
        where = f"glossary.toml, entry {n} ({raw.get('term', 'no term')!r})"
        unknown = set(raw) - set(_FIELDS) - set(_OPTIONAL)
        if unknown:
            raise GlossaryError(f"{where}: unknown field(s) {sorted(unknown)}; allowed: "
                                f"{list(_FIELDS + _OPTIONAL)}.")
        for key in _FIELDS:
            if not isinstance(raw.get(key), str) or not raw[key].strip():
                raise GlossaryError(f"{where}: {key!r} is required and must be non-empty text.")
        aliases = raw.get("aliases", [])
        if not isinstance(aliases, list) or not all(isinstance(a, str) and a for a in aliases):
            raise GlossaryError(f"{where}: 'aliases' must be a list of non-empty strings.")
        entry = {"term": raw["term"].strip(), "zh": raw["zh"].strip(),
                 "definition": " ".join(raw["definition"].split()),
                 "chapter": raw["chapter"].strip(), "source": raw.get("source", "").strip(),
                 "aliases": tuple(a.strip() for a in aliases)}
        for name in (entry["term"], *entry["aliases"]):
            key = name.casefold()
            if key in seen:
                raise GlossaryError(f"{where}: {name!r} is already used by the entry "
                                    f"{seen[key]!r}; each term and alias appears once.")
            seen[key] = entry["term"]
        out.append(entry)
    return tuple(out)


def entries() -> list[dict]:
    """Every glossary entry as a dict (term, zh, definition, chapter, source, aliases),
    in file order.

    >>> first = entries()[0]
    >>> sorted(first)
    ['aliases', 'chapter', 'definition', 'source', 'term', 'zh']
    """
    return [dict(e) for e in _load()]


def _chapter_key(chapter) -> str:
    if isinstance(chapter, bool) or not isinstance(chapter, (int, str)):
        raise TypeError(f"chapter must be a chapter number such as '00' or 0, "
                        f"got {chapter!r} ({type(chapter).__name__}).")
    text = str(chapter).strip()
    if not text.isdigit():
        raise ValueError(f"chapter must be a chapter number such as '00' or 0, got {chapter!r}.")
    return f"{int(text):02d}"


def glossary(chapter: str | int | None = None):
    """The glossary as a table (term, zh, definition, chapter), sorted by term.

    Parameters
    ----------
    chapter : str or int, optional
        Only the terms a chapter introduces: ``"00"``, ``"0"`` and ``0`` all mean chapter
        0. ``None`` (the default) gives every term.

    Returns
    -------
    pandas.DataFrame
        One row per term, sorted alphabetically (ignoring case), index 0, 1, 2, ...

    >>> g = glossary("00")
    >>> g.loc[g.term == "hostage", "zh"].item()
    '人质客户'
    >>> bool(g.term.str.casefold().is_monotonic_increasing)
    True
    >>> glossary(42)
    Traceback (most recent call last):
    ...
    ValueError: No glossary terms for chapter '42'. Chapters with terms: 00, ...
    """
    from casekit.i18n import translate

    rows = [{k: e[k] for k in _FIELDS} for e in _load()]
    for r in rows:      # in the reader's language (see casekit.i18n)
        r["definition"] = translate(r["definition"], "glossary", context=r["term"])
    if chapter is not None:
        key = _chapter_key(chapter)
        chosen = [r for r in rows if r["chapter"] == key]
        if not chosen:
            have = ", ".join(sorted({r["chapter"] for r in rows}))
            raise ValueError(f"No glossary terms for chapter {key!r}. Chapters with terms: {have}.")
        rows = chosen
    rows.sort(key=lambda r: (r["term"].casefold(), r["chapter"]))
    return _table_class()(rows, columns=list(_FIELDS))


@functools.lru_cache(maxsize=1)
def _table_class():
    """A DataFrame that shows itself as a glossary reads: every column left-aligned (a
    notebook right-aligns table cells, which suits numbers, not definitions), no index."""
    import html

    import pandas as pd

    class GlossaryTable(pd.DataFrame):
        @property
        def _constructor(self):     # a slice or a computation is a plain DataFrame again
            return pd.DataFrame

        def _repr_html_(self):
            cell = "text-align:left;vertical-align:top;padding:3px 10px;"
            head = "".join(f'<th style="{cell}border-bottom:1px solid #888">{html.escape(str(c))}</th>'
                           for c in self.columns)
            body = "".join("<tr>" + "".join(f'<td style="{cell}">{html.escape(str(v))}</td>'
                                            for v in row) + "</tr>"
                           for row in self.itertuples(index=False))
            return (f'<table class="casekit-glossary" style="border-collapse:collapse">'
                    f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")

    return GlossaryTable


def lookup(term: str) -> dict:
    """One glossary entry, found by its English term, an alias or its Chinese name.

    Matching ignores case and surrounding spaces. An unknown term raises ``ValueError``
    listing the closest terms, so a typo is easy to fix.

    Returns
    -------
    dict
        ``term``, ``zh``, ``definition``, ``chapter``, ``source`` ('' when none) and
        ``aliases`` (a tuple, possibly empty).

    >>> entry = lookup("Share of Wallet")
    >>> entry["term"], entry["zh"], entry["chapter"]
    ('share of wallet', '客户份额（钱包份额）', '00')
    >>> lookup("人质客户")["term"]
    'hostage'
    >>> lookup("apostel")
    Traceback (most recent call last):
    ...
    ValueError: 'apostel' is not in the glossary. Did you mean: apostle...?
    """
    if not isinstance(term, str):
        raise TypeError(f"term must be text, such as 'loyalty', got {type(term).__name__}.")
    wanted = " ".join(term.split()).casefold()
    names: dict[str, dict] = {}
    for e in _load():
        for name in (e["term"], *e["aliases"], e["zh"]):
            names.setdefault(name.casefold(), e)
    if wanted in names:
        return dict(names[wanted])
    english = {}
    for e in _load():
        for name in (e["term"], *e["aliases"]):
            english.setdefault(name.casefold(), e["term"])
    # terms that contain what was typed ("loyalty" -> "customer loyalty"), shortest first,
    # then near spellings ("apostel" -> "apostle")
    close = sorted((k for k in english if len(wanted) >= 3 and wanted in k), key=len)
    close += difflib.get_close_matches(wanted, list(english), n=5, cutoff=0.6)
    suggestions = list(dict.fromkeys(english[k] for k in close))[:5]
    hint = (f" Did you mean: {', '.join(suggestions)}?" if suggestions
            else " glossary() lists every term.")
    raise ValueError(f"{term!r} is not in the glossary.{hint}")
