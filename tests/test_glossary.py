"""The bilingual glossary: complete entries, no duplicates, helpful lookups."""
import re

import pandas as pd
import pytest

from casekit import glossary as g

CHAPTER_0_TERMS = [
    "customer relationship management", "operational CRM", "analytical CRM",
    "on-premise CRM", "hosted CRM", "contact management", "call centre", "customer care",
    "customer records", "7P customer analyses", "customer profiling", "persistency analysis",
    "profitability analysis", "performance analysis", "prospecting analysis",
    "product analysis", "promotion analysis", "customer satisfaction", "customer loyalty",
    "customer lifetime value", "apostle", "hostage", "mercenary", "defector",
    "share of wallet",
]


def test_every_entry_has_english_chinese_and_a_definition():
    for e in g.entries():
        assert e["term"].strip() and e["definition"].strip(), e
        assert re.search(r"[\u4e00-\u9fff]", e["zh"]), f"{e['term']!r}: zh has no Chinese: {e['zh']!r}"
        assert not re.search(r"[\u4e00-\u9fff]", e["term"]), f"{e['term']!r} is not English"
        assert re.fullmatch(r"\d\d", e["chapter"]), f"{e['term']!r}: chapter {e['chapter']!r}"
        # one or two sentences, ending with a full stop
        assert e["definition"].endswith((".", ")")), e["term"]
        assert 1 <= len(re.findall(r"[.!?](?:\s|$)", e["definition"])) <= 3, e["term"]


def test_no_term_or_alias_is_used_twice():
    names = [n.casefold() for e in g.entries() for n in (e["term"], *e["aliases"])]
    dupes = sorted({n for n in names if names.count(n) > 1})
    assert not dupes, f"used more than once: {dupes}"
    zh = [e["zh"] for e in g.entries()]
    assert len(zh) == len(set(zh)), "two entries share a Chinese name"


def test_chapter_0_has_its_core_terms():
    terms = set(g.glossary("00").term)
    missing = [t for t in CHAPTER_0_TERMS if t not in terms]
    assert not missing, missing
    assert len(terms) >= 25


def test_glossary_table_shape_and_order():
    table = g.glossary()
    assert isinstance(table, pd.DataFrame)
    assert table.columns.tolist() == ["term", "zh", "definition", "chapter"]
    assert table.term.str.casefold().tolist() == sorted(table.term.str.casefold())
    assert table.index.tolist() == list(range(len(table)))
    assert len(table) == len(g.entries())


@pytest.mark.parametrize("chapter", ["00", "0", 0, " 00 "])
def test_chapter_can_be_given_as_text_or_number(chapter):
    assert g.glossary(chapter).equals(g.glossary("00"))


def test_bad_chapter_is_explained():
    with pytest.raises(ValueError, match="No glossary terms for chapter '97'"):
        g.glossary(97)
    with pytest.raises(ValueError, match="chapter number"):
        g.glossary("intro")
    with pytest.raises(TypeError, match="chapter"):
        g.glossary(1.5)


def test_lookup_ignores_case_and_space_and_knows_aliases_and_chinese():
    assert g.lookup("  APOSTLE ")["term"] == "apostle"
    assert g.lookup("crm")["term"] == "customer relationship management"
    assert g.lookup("CLV")["zh"] == "客户生命周期价值"
    assert g.lookup("客户关怀")["term"] == "customer care"
    entry = g.lookup("hostage")
    assert set(entry) == {"term", "zh", "definition", "chapter", "source", "aliases"}
    assert "Jones" in entry["source"]


def test_lookup_returns_a_copy():
    g.lookup("hostage")["zh"] = "changed"
    assert g.lookup("hostage")["zh"] == "人质客户"


@pytest.mark.parametrize("typed, suggested", [
    ("apostel", "apostle"),
    ("hostge", "hostage"),
    ("analytic CRM", "analytical CRM"),
    ("share of wallett", "share of wallet"),
])
def test_unknown_term_suggests_close_matches(typed, suggested):
    with pytest.raises(ValueError) as err:
        g.lookup(typed)
    message = str(err.value)
    assert "is not in the glossary" in message and suggested in message
    assert not isinstance(err.value, KeyError)


def test_a_word_suggests_the_terms_that_contain_it():
    with pytest.raises(ValueError) as err:
        g.lookup("loyalty")
    suggestions = str(err.value).split("Did you mean: ")[1].rstrip("?").split(", ")
    names = [[s, *g.lookup(s)["aliases"]] for s in suggestions]
    assert suggestions and all(any("loyalty" in n.casefold() for n in n_) for n_ in names)


def test_hopeless_term_points_to_the_full_list():
    with pytest.raises(ValueError, match=r"glossary\(\) lists every term"):
        g.lookup("xyzzy")


def test_lookup_needs_text():
    with pytest.raises(TypeError, match="term must be text"):
        g.lookup(42)


def test_malformed_file_names_entry_and_field(monkeypatch, tmp_path):
    bad = tmp_path / "glossary.toml"
    bad.write_text('[[entry]]\nterm = "churn"\nzh = ""\ndefinition = "x."\nchapter = "03"\n',
                   encoding="utf-8")

    class Files:
        def joinpath(self, name):
            return bad

    monkeypatch.setattr(g.resources, "files", lambda pkg: Files())
    g._load.cache_clear()
    try:
        with pytest.raises(g.GlossaryError, match=r"entry 1 \('churn'\): 'zh' is required"):
            g.glossary()
    finally:
        monkeypatch.undo()
        g._load.cache_clear()
    assert len(g.glossary()) > 0
