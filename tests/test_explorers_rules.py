"""casekit.explorers.rules: the rule explorer filters exactly as filter_rules does, its widget
follows the sliders and the item picker (and updates made in code), it draws something
sensible when nothing passes, and bad input is explained."""
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casekit.baskets import association_rules, filter_rules, read_baskets, rule_table
from casekit.explorers.rules import ANY_ITEM, RuleExplorer, rule_explorer


@pytest.fixture(scope="module")
def rules():
    from casekit.data import simulate_retailer

    shop = simulate_retailer(400, seed=5, years=1)
    return association_rules(read_baskets(shop.lines, basket="trip"), min_support=0.02,
                             min_confidence=0.05, max_len=3)


@settings(max_examples=40, deadline=None)
@given(support=st.floats(0.02, 0.2), confidence=st.floats(0, 1), lift=st.floats(0, 5),
       pick=st.integers(0, 10_000))
def test_update_selects_exactly_what_filter_rules_selects(rules, support, confidence, lift,
                                                          pick):
    ex = RuleExplorer(rules)
    items = ex.items
    item = items[pick % len(items)] if pick % 3 else None
    got = ex.update(min_support=support, min_confidence=confidence, min_lift=lift,
                    involving=item if item is not None else ANY_ITEM)
    want = filter_rules(rules, min_support=support, min_confidence=confidence, min_lift=lift,
                        involving=item)
    assert ex.selected.index.tolist() == want.index.tolist()
    assert got["rule"].tolist() == rule_table(want)["rule"].tolist()


def test_thresholds_left_out_keep_their_values(rules):
    ex = rule_explorer(rules, min_confidence=0.4, min_lift=1.2)
    ex.update(min_support=0.05)
    assert ex.settings == {"min_support": 0.05, "min_confidence": 0.4, "min_lift": 1.2,
                           "involving": None}
    ex.update(involving=ex.items[0])
    ex.update(min_lift=1.0)
    assert ex.settings["involving"] == ex.items[0]
    ex.update(involving=ANY_ITEM)
    assert ex.settings["involving"] is None and "involving" not in repr(ex)
    ex.update(involving=ex.items[0])
    ex.update(involving=None)
    assert ex.settings["involving"] is None


def test_bad_input_is_explained(rules):
    with pytest.raises(ValueError, match="association_rules"):
        rule_explorer(pd.DataFrame({"count": [1]}))
    with pytest.raises(ValueError, match="n_baskets"):
        rule_explorer(pd.DataFrame(rules))
    with pytest.raises(ValueError, match="rules is empty"):
        rule_explorer(rules.iloc[:0])
    ex = rule_explorer(rules)
    before = ex.result
    with pytest.raises(ValueError, match="appears in no rule"):
        ex.update(min_lift=2.0, involving="caviar")
    assert ex.settings["min_lift"] == 1.0 and ex.result is before


def test_widget_follows_sliders_picker_and_code(rules):
    ex = rule_explorer(rules, min_confidence=0.3, min_lift=1.0)
    box = ex.widget
    bundle = ex._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["text/plain"] == repr(ex)
    png = ex.image.value
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    # a slider move filters and redraws
    ex.controls["min_confidence"].value = 0.6
    assert ex.settings["min_confidence"] == pytest.approx(0.6)
    assert len(ex.selected) == len(filter_rules(rules, min_support=ex.settings["min_support"],
                                                min_confidence=0.6, min_lift=1.0))
    assert ex.image.value != png
    # the item picker filters too
    item = ex.items[0]
    ex.controls["involving"].value = item
    assert ex.settings["involving"] == item and f"involving <i>{item}</i>" in ex.summary.value
    # an update in code moves the controls, and redraws once
    redraws = []
    original = ex._draw
    ex._draw = lambda: (redraws.append(1), original())
    ex.update(min_confidence=0.2, involving=None)
    assert redraws == [1]
    assert ex.controls["min_confidence"].value == pytest.approx(0.2)
    assert ex.controls["involving"].value == ANY_ITEM
    assert box is ex.widget


def test_nothing_passing_is_shown_as_such(rules):
    ex = rule_explorer(rules)
    ex.widget
    ex.update(min_confidence=1.0, min_lift=50)
    assert len(ex.selected) == 0
    assert "<b>0 rules</b> pass" in ex.summary.value
    titles = [a.get_text() for a in ex._graph_artists if hasattr(a, "get_text")]
    assert "No rule passes" in titles
    assert "0 rules with" in repr(ex)


def test_table_shows_the_strongest_rules_first(rules):
    ex = rule_explorer(rules, min_confidence=0.0, min_lift=0.0)
    ex.widget
    html = ex.table.value
    assert html.count("</tr>") == 12 + 1         # TABLE_ROWS rules and the header
    top = rule_table(rules)["rule"].iloc[0].replace(">", "&gt;")
    assert top in html
    assert np.all(np.diff(ex.selected["lift"].to_numpy()) <= 1e-12)
