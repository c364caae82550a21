"""Keep the translations in step with the English sources: gettext catalogs (Babel).

English is the one source. This tool extracts what a reader sees into catalog templates,
merges them into each language's ``.po`` files (a changed English message keeps its old
translation but is marked *fuzzy*, so it shows up as work to do), reports what is left,
takes translations in, and builds the translated notebooks.

    .venv/bin/python tools/i18n.py update               # templates -> every zh catalog
    .venv/bin/python tools/i18n.py status               # translated / fuzzy / missing
    .venv/bin/python tools/i18n.py todo CATALOG.po      # what is left, as JSON
    .venv/bin/python tools/i18n.py fill CATALOG.po TRANSLATIONS.json
    .venv/bin/python tools/i18n.py notebooks            # zh/notebooks, zh/exercises
    .venv/bin/python tools/i18n.py review               # build/i18n-review-zh.html

The catalogs (``zh`` for each language but English):

- ``casekit/locale/zh/casekit.po``: the engine's messages, every ``_("...")`` in casekit/;
- ``casekit/locale/zh/glossary.po``: each term's definition (context: the term);
- ``casekit/locale/zh/banks/<bank>.po``: each exercise's prompt, options, items, categories,
  hints, explanation, mistakes, model answer, rubric and units (context: ``id:field``);
- ``locale/zh/notebooks/<nb>.po``, ``locale/zh/exercises/<nb>.po``: each notebook's Markdown,
  one message per paragraph, and the strings its code shows a reader (plot titles and
  labels, printed text: context ``code``), as Python string literals.

``todo`` prints the entries still to translate, each with a ``key``; ``fill`` reads
``{key: translation}`` and checks each translation before taking it: placeholders
(``{n}``), links, inline code, math and a code literal's f-string expressions must match
the English. A notebook's code differs between editions only in those literals and in
``start(..., lang="zh")``.
"""
from __future__ import annotations

import argparse
import ast
import hashlib
import html
import io
import json
import os
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE_LOCALE = ROOT / "casekit" / "locale"
NOTEBOOK_LOCALE = ROOT / "locale"
LANGS = ("zh",)
LANG_NAMES = {"zh": "Chinese (简体中文)"}
NOTEBOOK_FOLDERS = ("notebooks", "exercises")
#: Calls and keywords whose string arguments a reader sees in a plot or printed output.
SHOWN_CALLS = {"print", "set_title", "set_xlabel", "set_ylabel", "suptitle", "text", "annotate"}
SHOWN_KEYWORDS = {"title", "xlabel", "ylabel", "source", "label", "note"}


# --------------------------------------------------------------------------- extraction
def bank_messages(path: Path) -> list[tuple[str, str]]:
    """``(context, English)`` of every field a reader sees in one bank file: the title and
    each exercise's prompt, explanation, model answer, hints, categories, rubric, options
    and items (text, feedback) and mistakes' messages. Not its sources, its glossary term
    (the glossary has it) or its ``units``, which the checker reads ("share", "%")."""
    doc = tomllib.loads(path.read_text(encoding="utf-8"))
    out = [("bank:title", doc["title"])] if doc.get("title") else []
    for entry in doc.get("exercise", []):
        eid = entry["id"]
        for name in ("prompt", "explanation", "model_answer"):
            if isinstance(entry.get(name), str) and entry[name].strip():
                out.append((f"{eid}:{name}", entry[name]))
        for name in ("hints", "categories", "rubric"):
            for i, text in enumerate(entry.get(name, ())):
                out.append((f"{eid}:{name}.{i}", text))
        for name in ("options", "items", "mistakes"):
            for i, part in enumerate(entry.get(name, ())):
                if isinstance(part, str):
                    out.append((f"{eid}:{name}.{i}", part))
                    continue
                for key in ("text", "feedback", "message"):
                    if isinstance(part.get(key), str) and part[key].strip():
                        out.append((f"{eid}:{name}.{i}.{key}", part[key]))
    return out


def glossary_messages() -> list[tuple[str, str]]:
    """``(term, definition)`` of every glossary entry."""
    doc = tomllib.loads((ROOT / "casekit" / "glossary.toml").read_text(encoding="utf-8"))
    return [(e["term"], e["definition"]) for e in doc["entry"]]


#: How the grading pages' jinja2 environment reads its templates (casekit.grading.pages):
#: Babel's jinja2 extractor must parse them alike, so a message is the one rendered.
JINJA_OPTIONS = {"newstyle_gettext": "true", "trimmed": "true", "trim_blocks": "true",
                 "lstrip_blocks": "true", "silent": "false"}


def engine_messages() -> list[tuple[str | None, str]]:
    """Every ``_("...")`` in the package's Python files (Babel's extractor), the grading
    pages' jinja2 templates' ``{% trans %}`` blocks and ``_("...")`` (jinja2's Babel
    extractor), and the book templates' ``t('...')`` texts."""
    from babel.messages.extract import extract_from_dir

    from casekit.book import template_texts

    seen, out = set(), []
    for message in template_texts():    # the book's templates mark theirs with t('…')
        seen.add((None, message))
        out.append((None, message))
    for _file, _line, message, _comments, context in extract_from_dir(
            str(ROOT / "casekit"),
            method_map=[("**.py", "python"), ("**.html", "jinja2.ext:babel_extract")],
            options_map={"**.html": JINJA_OPTIONS},
            keywords={"_": None, "gettext": None,    # {% trans %} is a gettext() call
                      "pgettext": ((1, "c"), 2)},
            comment_tags=(), strip_comment_tags=True):
        if isinstance(message, str) and (context, message) not in seen:
            seen.add((context, message))
            out.append((context, message))
    return out


_FENCE = re.compile(r"^(```|~~~|\$\$)")


def markdown_blocks(text: str) -> list[str]:
    """A Markdown cell cut into paragraphs (blank-line separated); a fenced code block or a
    ``$$`` math block stays whole.

    >>> markdown_blocks("# Title\\n\\nOne.\\nTwo.\\n\\n```\\na\\n\\nb\\n```")
    ['# Title', 'One.\\nTwo.', '```\\na\\n\\nb\\n```']
    """
    blocks, current, fence = [], [], None
    for line in text.split("\n"):
        mark = _FENCE.match(line.strip())
        if fence is None and not line.strip():
            if current:
                blocks.append("\n".join(current))
                current = []
            continue
        current.append(line)
        if mark and fence is None and not (mark.group(1) == "$$" and line.strip().endswith("$$")
                                           and len(line.strip()) > 2):
            fence = mark.group(1)
        elif mark and fence == mark.group(1) and len(current) > 1:
            fence = None
    if current:
        blocks.append("\n".join(current))
    return blocks


def shown_literals(code: str) -> list[tuple[int, int, str]]:
    """``(start, end, source)`` of each string literal in ``code`` that a reader sees: the
    arguments of ``print``, ``set_title`` & co. and the ``title=``/``xlabel=``/... keywords.

    >>> shown_literals('cp.decorate(ax, title="Sales", xlabel=f"Year {y}")\\nd["Sales"]')
    [(22, 29, '"Sales"'), (38, 49, 'f"Year {y}"')]
    """
    try:
        tree = ast.parse(code)
    except SyntaxError:     # IPython magics: nothing to translate in such cells
        return []
    starts = [0]
    for line in code.split("\n"):
        starts.append(starts[-1] + len(line) + 1)

    def offset(line, col):  # ast columns count UTF-8 bytes
        text = code.split("\n")[line - 1]
        return starts[line - 1] + len(text.encode("utf-8")[:col].decode("utf-8"))

    found = {}
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "attr", getattr(node.func, "id", ""))
        args = list(node.args) if name in SHOWN_CALLS else []
        args += [k.value for k in node.keywords if k.arg in SHOWN_KEYWORDS]
        for arg in args:
            if isinstance(arg, ast.JoinedStr) or (isinstance(arg, ast.Constant)
                                                   and isinstance(arg.value, str) and arg.value.strip()):
                a, b = offset(arg.lineno, arg.col_offset), offset(arg.end_lineno, arg.end_col_offset)
                found[a] = (a, b, code[a:b])
    return [found[k] for k in sorted(found)]


def notebook_messages(path: Path) -> list[tuple[str | None, str]]:
    """The paragraphs of a notebook's Markdown cells and the literals its code shows."""
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    out, seen = [], set()
    for cell in cells:
        source = "".join(cell["source"])
        items = ([(None, b) for b in markdown_blocks(source)] if cell["cell_type"] == "markdown"
                 else [("code", s) for _a, _b, s in shown_literals(source)]
                 if cell["cell_type"] == "code" else [])
        for item in items:
            if item not in seen:
                seen.add(item)
                out.append(item)
    return out


def sources() -> dict[Path, list[tuple[str | None, str]]]:
    """Every catalog (its path for language ``{lang}``) with the messages it must hold."""
    from casekit.exercises.bank import bank_dir

    out = {PACKAGE_LOCALE / "{lang}" / "casekit.po": engine_messages(),
           PACKAGE_LOCALE / "{lang}" / "glossary.po": glossary_messages()}
    for bank in sorted(bank_dir().glob("*.toml")):
        out[PACKAGE_LOCALE / "{lang}" / "banks" / f"{bank.stem}.po"] = bank_messages(bank)
    for folder in NOTEBOOK_FOLDERS:
        for nb in sorted((ROOT / folder).glob("*.ipynb")):
            out[NOTEBOOK_LOCALE / "{lang}" / folder / f"{nb.stem}.po"] = notebook_messages(nb)
    return out


# --------------------------------------------------------------------------- catalogs
def read(path: Path, lang: str):
    from babel.messages.pofile import read_po

    with open(path, "rb") as handle:
        return read_po(handle, locale=lang)


def entries(path: Path, lang: str) -> dict:
    """``{(context, English): message}`` of a catalog (empty if it does not exist yet)."""
    return {(m.context, m.id): m for m in read(path, lang) if m.id} if path.exists() else {}


def write(catalog, path: Path) -> None:
    """Write a catalog atomically (a temporary file renamed over the old one)."""
    from babel.messages.pofile import write_po

    from casekit.grading.common import atomic_write

    buffer = io.BytesIO()
    write_po(buffer, catalog, width=0, ignore_obsolete=True, include_previous=True,
             sort_output=False)
    atomic_write(path, buffer.getvalue(), durable=False)


def template(messages, domain: str):
    from babel.messages.catalog import Catalog

    cat = Catalog(project="CRM Casebook", domain=domain, charset="utf-8")
    for context, message in messages:
        cat.add(message, context=context)
    return cat


def update(lang: str = "zh", only: str = "*") -> list[str]:
    """Bring every ``lang`` catalog (whose path relative to the repository matches the glob
    ``only``) in step with the English sources; returns a line per catalog that changed."""
    from babel.messages.catalog import Catalog

    changed = []
    for pattern, messages in sources().items():
        path = Path(str(pattern).format(lang=lang))
        if not path.relative_to(ROOT).match(only):
            continue
        tmpl = template(messages, path.stem)
        cat = read(path, lang) if path.exists() else Catalog(
            locale=lang, domain=path.stem, project="CRM Casebook", fuzzy=False,
            copyright_holder="the CRM Casebook developers",
            header_comment=f"# {LANG_NAMES.get(lang, lang)} translation of CRM Casebook: "
                           f"{path.stem}.\n# Kept in step with the English by tools/i18n.py.")
        before = {(m.context, m.id): (m.string, m.fuzzy) for m in cat if m.id}
        cat.update(tmpl, no_fuzzy_matching=False, update_header_comment=False)
        after = {(m.context, m.id): (m.string, m.fuzzy) for m in cat if m.id}
        if after != before or not path.exists():
            write(cat, path)
            changed.append(f"{path.relative_to(ROOT)}: {len(after)} messages")
    return changed


def status(lang: str = "zh") -> list[dict]:
    """Per catalog: messages, translated, fuzzy (English changed since), missing."""
    rows = []
    for pattern, messages in sources().items():
        path = Path(str(pattern).format(lang=lang))
        done = entries(path, lang)
        need = {(c, m) for c, m in messages}
        fuzzy = sum(1 for k in need if k in done and done[k].fuzzy and done[k].string)
        ok = sum(1 for k in need if k in done and done[k].string and not done[k].fuzzy)
        rows.append({"catalog": str(path.relative_to(ROOT)), "messages": len(need),
                     "translated": ok, "fuzzy": fuzzy, "missing": len(need) - ok - fuzzy})
    return rows


def key_of(context, message) -> str:
    return hashlib.sha1(f"{context}\x04{message}".encode()).hexdigest()[:10]


def todo(path: Path, lang: str = "zh", limit: int | None = None) -> list[dict]:
    """The entries of one catalog still to translate (missing or fuzzy), with their keys."""
    out = []
    for m in read(path, lang):
        if m.id and (not m.string or m.fuzzy):
            item = {"key": key_of(m.context, m.id), "context": m.context, "en": m.id}
            if m.fuzzy and m.string:
                item["old_translation"] = m.string
                item["old_en"] = m.previous_id[0] if m.previous_id else None
            out.append(item)
    return out[:limit] if limit else out


_PLACEHOLDER = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*(?:![rsa])?(?::[^{}]*)?\}")
#: A jinja2 template's placeholder (new-style gettext: ``%(name)s``) and its ``%%``.
_TEMPLATE_PLACEHOLDER = re.compile(r"%\([A-Za-z_][A-Za-z0-9_]*\)[sdfr]|%%")
_LINK = re.compile(r"\]\(([^)\s]+)")
_CODE = re.compile(r"`([^`\n]+)`")


def problems(context, english: str, translation: str) -> list[str]:
    """What a translation breaks: placeholders, link targets, inline code, math, and for a
    code literal that it is a string literal with the same f-string expressions.

    >>> problems(None, "See [the table](#t) and `shop`.", "见[表](#t)和`shop`。")
    []
    >>> problems(None, "See [the table](#t).", "见表。")
    ["link targets differ: expected ['#t'], got []"]
    """
    out = []
    if context == "code":
        try:
            # a literal split over lines ("a "\n    "b") is one expression inside brackets
            a = ast.parse(f"(\n{english.strip()}\n)", mode="eval").body
            b = ast.parse(f"(\n{translation.strip()}\n)", mode="eval").body
        except SyntaxError as err:
            return [f"not a Python string literal: {err.msg}"]
        if not isinstance(b, (ast.Constant, ast.JoinedStr)) or (isinstance(b, ast.Constant)
                                                                 and not isinstance(b.value, str)):
            return ["not a Python string literal"]
        fields = lambda n: sorted(ast.unparse(v.value) for v in getattr(n, "values", [])
                                  if isinstance(v, ast.FormattedValue))
        if fields(a) != fields(b):
            out.append(f"f-string expressions differ: expected {fields(a)}, got {fields(b)}")
        return out
    for name, pattern in (("placeholders", _PLACEHOLDER), ("template placeholders",
                                                           _TEMPLATE_PLACEHOLDER),
                          ("link targets", _LINK), ("inline code", _CODE)):
        want, got = sorted(pattern.findall(english)), sorted(pattern.findall(translation))
        if "placeholders" in name and context is not None and ":" in str(context):
            continue    # bank text: braces are prose there, not placeholders
        if want != got:
            out.append(f"{name} differ: expected {want}, got {got}")
    if english.count("$") != translation.count("$"):
        out.append(f"math: {english.count('$')} '$' in the English, {translation.count('$')} here")
    return out


def _punct(c: str) -> bool:
    import unicodedata

    return unicodedata.category(c)[0] in "PS"


def flank(text: str) -> str:
    """``text`` with a space where CommonMark would not read a ``**`` as bold: a closing
    ``**`` after punctuation and before a letter (``**标题。**正文``), an opening one after a
    letter and before punctuation (``占**¥300**``). Chinese has no spaces to make the marks
    flank, so translations need one there (as Chinese Markdown writers add).

    >>> flank("**标题。**正文，占**¥300**，即**25%**的份额")
    '**标题。** 正文，占 **¥300**，即**25%** 的份额'
    """
    parts = re.split(r"(\*\*)", text)
    out, opening = [], True
    for i, part in enumerate(parts):
        if part != "**":
            out.append(part)
            continue
        before = out[-1][-1:] if out and out[-1] else ""
        after = parts[i + 1][:1] if i + 1 < len(parts) else ""
        if opening and after and _punct(after) and before and not before.isspace() and not _punct(before):
            out[-1] += " "
        out.append(part)
        if not opening and before and _punct(before) and after and not after.isspace() and not _punct(after):
            out.append(" ")
        opening = not opening
    return "".join(out)


def fill(path: Path, translations: dict[str, str], lang: str = "zh") -> tuple[int, list[str]]:
    """Take ``{key: translation}`` into one catalog; returns (taken, problems)."""
    cat = read(path, lang)
    by_key = {key_of(m.context, m.id): m for m in cat if m.id}
    taken, errors = 0, []
    for key, text in translations.items():
        m = by_key.get(key)
        if m is None:
            errors.append(f"{key}: no such entry (run todo again)")
            continue
        if not isinstance(text, str) or not text.strip():
            errors.append(f"{key}: empty translation")
            continue
        found = problems(m.context, m.id, text)
        if found:
            errors.append(f"{key}: " + "; ".join(found) + f" — English: {m.id[:80]!r}")
            continue
        m.string, m.flags = (text if m.context == "code" else flank(text)), m.flags - {"fuzzy"}
        m.previous_id = []
        taken += 1
    if taken:
        write(cat, path)
    return taken, errors


# --------------------------------------------------------------------------- notebooks
def translation_map(path: Path, lang: str) -> dict:
    """``{(context, English): translation}`` of a catalog's current translations."""
    return {key: m.string for key, m in entries(path, lang).items() if m.string and not m.fuzzy}


def translate_markdown(text: str, table: dict) -> str:
    blocks = markdown_blocks(text)
    if not blocks:
        return text
    return "\n\n".join(table.get((None, b), b) for b in blocks)


_START = re.compile(r"\bstart\(([^()]*)\)")


def translate_code(code: str, table: dict, lang: str) -> str:
    """The code with its shown literals translated and ``start(...)`` in ``lang``."""
    out, last = [], 0
    for a, b, literal in shown_literals(code):
        out += [code[last:a], table.get(("code", literal), literal)]
        last = b
    code = "".join(out) + code[last:]

    def with_lang(m):
        inner = m.group(1).strip()
        return f'start({inner + ", " if inner else ""}lang="{lang}")'
    return _START.sub(with_lang, code, count=1) if "lang=" not in code else code


def build_notebook(source: Path, lang: str) -> tuple[Path, bool]:
    """Write the ``lang`` edition of one English notebook (``<lang>/<folder>/<name>``);
    returns its path and whether it needs executing (its code changed; when only its text
    did, the outputs it has stand)."""
    from casekit.grading.common import atomic_write

    folder = source.parent.name
    table = translation_map(NOTEBOOK_LOCALE / lang / folder / f"{source.stem}.po", lang)
    nb = json.loads(source.read_text(encoding="utf-8"))
    target = ROOT / lang / folder / source.name
    old = json.loads(target.read_text(encoding="utf-8")) if target.exists() else None
    for cell in nb["cells"]:
        text = "".join(cell["source"])
        if cell["cell_type"] == "markdown":
            text = translate_markdown(text, table)
        elif cell["cell_type"] == "code":
            text = translate_code(text, table, lang)
        cell["source"] = text.splitlines(keepends=True)
    nb.setdefault("metadata", {})["language_info"] = nb["metadata"].get("language_info", {})
    nb["metadata"]["casekit"] = {"language": lang, "translated_from": f"{folder}/{source.name}"}
    code = lambda book: [(c["cell_type"], c["source"] if c["cell_type"] == "code" else None)
                         for c in book["cells"]]
    if old is not None and [c["source"] for c in old["cells"]] == [c["source"] for c in nb["cells"]]:
        return target, False
    text_only = old is not None and code(old) == code(nb)
    for cell, before in zip(nb["cells"], old["cells"] if text_only else nb["cells"]):
        if cell["cell_type"] == "code":     # text changed only: the outputs stand
            cell["outputs"], cell["execution_count"] = (before["outputs"], before["execution_count"]) \
                if text_only else ([], None)
    atomic_write(target, json.dumps(nb, ensure_ascii=False, indent=1) + "\n", durable=False)
    if text_only:       # stored as Lab and make execute store it (tools/student_path.py)
        import importlib.util

        spec = importlib.util.spec_from_file_location("student_path", ROOT / "tools" / "student_path.py")
        student_path = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(student_path)
        student_path.process(target, check=False)
    return target, not text_only


def edition_notebooks(lang: str) -> list[Path]:
    """The English notebooks whose every catalog entry is translated (the edition's chapters)."""
    ready = []
    for folder in NOTEBOOK_FOLDERS:
        for nb in sorted((ROOT / folder).glob("*.ipynb")):
            path = NOTEBOOK_LOCALE / lang / folder / f"{nb.stem}.po"
            table = translation_map(path, lang)
            if table and all(k in table for k in notebook_messages(nb)):
                ready.append(nb)
    return ready


# --------------------------------------------------------------------------- review
REVIEW_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>CRM Casebook: English | 中文</title>
<style>body{font-family:system-ui,"Noto Sans CJK SC","PingFang SC","Microsoft YaHei",sans-serif;
margin:1.5em;max-width:110em} table{border-collapse:collapse;width:100%}
td,th{border-top:1px solid #ddd;vertical-align:top;padding:.4em .8em;width:50%;text-align:left}
td.ctx{width:auto;color:#777;font-size:.8em;white-space:nowrap} .todo{background:#fff3cd}
code{background:#f4f4f4} nav a{margin-right:1em}</style></head><body>
<h1>CRM Casebook — English | 中文</h1>
<p>Every message a reader sees, side by side; rows marked yellow are untranslated or older than
their English. Built by <code>python tools/i18n.py review</code>.</p>
<nav>{% for c in catalogs %}<a href="#{{ c.name }}">{{ c.name }}</a>{% endfor %}</nav>
{% for c in catalogs %}<h2 id="{{ c.name }}">{{ c.name }}
<small>({{ c.done }}/{{ c.rows|length }} translated)</small></h2>
<table><tr><th></th><th>English</th><th>中文</th></tr>
{% for r in c.rows %}<tr{% if not r.ok %} class="todo"{% endif %}><td class="ctx">{{ r.context or "" }}</td>
<td>{{ r.en|safe }}</td><td lang="zh">{{ r.zh|safe }}</td></tr>
{% endfor %}</table>{% endfor %}</body></html>"""


def review(lang: str = "zh", out: Path | None = None) -> Path:
    """Write a bilingual HTML page of every catalog (English and translation side by side,
    Markdown rendered) for a reviewer; returns its path."""
    import jinja2
    from markdown_it import MarkdownIt

    from casekit.grading.common import atomic_write

    md = MarkdownIt("commonmark", {"html": False}).enable("table")
    show = lambda context, text: (f"<pre><code>{html.escape(text)}</code></pre>" if context == "code"
                                  else md.render(text))
    catalogs = []
    for pattern, messages in sources().items():
        path = Path(str(pattern).format(lang=lang))
        done = entries(path, lang)
        rows = []
        for context, message in messages:
            m = done.get((context, message))
            ok = bool(m and m.string and not m.fuzzy)
            rows.append({"context": context, "en": show(context, message), "ok": ok,
                         "zh": show(context, m.string) if m and m.string else ""})
        catalogs.append({"name": str(path.relative_to(ROOT)), "rows": rows,
                         "done": sum(r["ok"] for r in rows)})
    page = jinja2.Environment(autoescape=True).from_string(REVIEW_PAGE).render(catalogs=catalogs)
    out = out or ROOT / "build" / f"i18n-review-{lang}.html"
    atomic_write(out, page, durable=False)
    os.chmod(out, 0o644)           # a page for reviewers (the temporary file was 0600)
    return out


# --------------------------------------------------------------------------- command line
def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("update", help="bring every catalog in step with the English sources")
    p.add_argument("--only", default="*", help="only catalogs whose path matches this glob")
    sub.add_parser("status", help="translated, fuzzy and missing messages per catalog")
    p = sub.add_parser("todo", help="the entries of CATALOG still to translate, as JSON")
    p.add_argument("catalog", type=Path)
    p.add_argument("--limit", type=int)
    p = sub.add_parser("fill", help="take translations {key: text} from a JSON file")
    p.add_argument("catalog", type=Path)
    p.add_argument("translations", type=Path)
    p = sub.add_parser("notebooks", help="build the translated notebooks whose catalogs are complete")
    p.add_argument("names", nargs="*", help="only these English notebooks")
    sub.add_parser("review", help="English and translation side by side: build/i18n-review-zh.html")
    for s in sub.choices.values():
        s.add_argument("--lang", default="zh", choices=LANGS)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    if args.command == "update":
        for line in update(args.lang, args.only) or ["every catalog is in step"]:
            print(line)
    elif args.command == "status":
        rows = status(args.lang)
        for r in rows:
            print(f"{r['catalog']:55s} {r['translated']:5d}/{r['messages']:<5d} "
                  f"fuzzy {r['fuzzy']:4d}  missing {r['missing']:4d}")
        print(f"{'total':55s} {sum(r['translated'] for r in rows):5d}/{sum(r['messages'] for r in rows)}")
    elif args.command == "todo":
        print(json.dumps(todo(args.catalog, args.lang, args.limit), ensure_ascii=False, indent=1))
    elif args.command == "fill":
        data = json.loads(args.translations.read_text(encoding="utf-8"))
        taken, errors = fill(args.catalog, data, args.lang)
        print(f"took {taken} translation(s)")
        for e in errors:
            print("  refused", e)
        return 1 if errors else 0
    elif args.command == "review":
        print(review(args.lang).relative_to(ROOT))
    elif args.command == "notebooks":
        chosen = edition_notebooks(args.lang)
        if args.names:
            chosen = [nb for nb in chosen if nb.name in {Path(n).name for n in args.names}]
        for nb in chosen:
            target, changed = build_notebook(nb, args.lang)
            print(f"{target.relative_to(ROOT)}: {'changed: execute it' if changed else 'up to date'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
