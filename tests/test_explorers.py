"""casekit.explorers: the four explorers keep one protocol (update by name returns the
result, refuses unknown names and bad values without changing anything, moves the widget's
controls; a control moved is an update; the text form is the repr), the switching and
weight explorers show their calculators' numbers, and the analysis modules stay free of
ipywidgets."""
import importlib
import inspect
import re
import subprocess
import sys

import pytest

from casekit import defection, service
from casekit.baskets import association_rules, read_baskets
from casekit.explorers.clv import clv_explorer
from casekit.explorers.rules import rule_explorer
from casekit.explorers.switching import SwitchingExplorer
from casekit.explorers.weights import WeightExplorer
from casekit.i18n import speaking

TOY = [["beer", "diapers"]] * 3 + [["beer", "chips"], ["milk", "diapers"], ["milk", "bread"],
                                   ["bread", "diapers"], ["milk"]]

# each explorer, a change of one setting a student can make, and one it refuses
EXPLORERS = {
    "clv": (lambda: clv_explorer(), {"retention": 0.9}, {"retention": 1.5}),
    "switching": (lambda: SwitchingExplorer(), {"switching_costs": 20_000}, {"months": 0}),
    "rules": (lambda: rule_explorer(association_rules(read_baskets(TOY), 0.1, 0.1)),
              {"min_confidence": 0.6}, {"involving": "caviar"}),
    "weights": (lambda: WeightExplorer(service.simulate_team(5, seed=2), pool=5000),
                {"manager": 100}, {"attendance": -5}),
}


def _same(a, b):
    """Results are equal: numbers, tables, or SwitchingResults (their schedules and text)."""
    if hasattr(a, "schedule"):
        return a.schedule.equals(b.schedule) and repr(a) == repr(b)
    return a.equals(b) if hasattr(a, "equals") else a == b


@pytest.mark.parametrize("kind", EXPLORERS)
def test_update_changes_only_what_it_names_and_refusals_change_nothing(kind):
    make, good, bad = EXPLORERS[kind]
    ex = make()
    before = dict(ex.settings)
    result = ex.update(**good)
    assert result is ex.result
    assert ex.settings == {**before, **good}
    text, settings = repr(ex), dict(ex.settings)
    with pytest.raises((ValueError, TypeError)):
        ex.update(**bad)
    with pytest.raises(TypeError, match=r"unknown setting\(s\) \['colour'\]; the settings are"):
        ex.update(colour="red")
    assert ex.settings == settings and repr(ex) == text and ex.result is result


@pytest.mark.parametrize("kind", EXPLORERS)
def test_a_control_moved_is_an_update_and_an_update_moves_the_control(kind):
    make, good, _ = EXPLORERS[kind]
    (name, value), = good.items()
    shown, in_code = make(), make()
    box = shown.widget
    shown.controls[name].value = value                 # as if the student moved it
    assert _same(shown.result, in_code.update(**good))
    assert repr(shown) == repr(in_code)
    assert shown._repr_mimebundle_()["text/plain"] == repr(shown)
    html = shown.summary.value
    first = make().settings[name]
    shown.update(**{name: first})                      # from code: the control follows
    assert shown.controls[name].value == pytest.approx(first)
    assert shown.summary.value != html and shown.widget is box


def test_a_value_the_explorer_refuses_is_shown_in_its_summary():
    ex = WeightExplorer(service.simulate_team(5, seed=2), pool=5000)
    ex.widget
    for name in ("attendance", "customer", "manager", "problem_solving"):
        ex.controls[name].value = 0
    assert "⚠ at least one weight must be above 0" in ex.summary.value
    assert ex.settings["problem_solving"] == 40          # the last good weights stay
    ex.controls["problem_solving"].value = 50
    assert ex.weights["problem_solving"] == 1 and "⚠" not in ex.summary.value


def test_switching_explorer_shows_the_calculator_and_follows_its_sliders():
    ex = SwitchingExplorer(principal=500_000, months=240, annual_rate=0.0594)
    assert _same(ex.result, defection.switching_calculator(500_000, 240, 0.0594,
                                                           rate_factor=0.7, switching_costs=5_000))
    assert ex.result.break_even_month == 11
    ex.widget
    ex.controls["switching_costs"].value = 20_000
    assert ex.result.break_even_month == 41 and "month <b>41</b>" in ex.summary.value
    ex.update(months=36)
    assert ex.controls["months"].value == 36 and "never" in ex.summary.value


def test_weight_explorer_normalises_the_sliders_and_splits_the_whole_pool():
    team = service.simulate_team(5, seed=2)
    ex = WeightExplorer(team, pool=5000)
    table = ex.update(attendance=0, customer=0, manager=100, problem_solving=0)
    assert ex.weights["manager"] == 1
    assert table["bonus"].sum() == pytest.approx(5000)
    assert table.index[0] == team["manager"].idxmax()
    ex.update(attendance=50)
    assert ex.weights["attendance"] == pytest.approx(1 / 3)
    assert table.equals(service.pay_table(team, 5000, weights={
        "attendance": 0, "customer": 0, "manager": 1, "problem_solving": 0}))
    with pytest.raises(TypeError, match="unknown weight"):
        WeightExplorer(team, pool=5000, bonus=10)


@pytest.mark.parametrize("kind", EXPLORERS)
def test_importing_an_explorer_loads_neither_ipywidgets_nor_matplotlib(kind):
    code = (f"import sys, casekit.explorers.{kind}; "
            "print(sorted(m for m in ('ipywidgets', 'matplotlib') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("module", ["casekit.value", "casekit.defection", "casekit.service",
                                    "casekit.baskets.rules"])
def test_the_analysis_behind_an_explorer_has_no_widget_code(module):
    assert "ipywidgets" not in inspect.getsource(importlib.import_module(module))


# --------------------------------------------------------------------------- the reader's language
# What an explorer may show in Latin letters in Chinese: abbreviations, the toy items and the
# technicians' ids (data, not words of the interface).
_NOT_WORDS = re.compile(r"\b(CLV|beer|diapers|chips|milk|bread|T\d+)\b|<[^>]+>|&nbsp;")


def _words(text: str) -> list[str]:
    """English words left in a text a Chinese reader sees (HTML tags and data ignored)."""
    return re.findall(r"[A-Za-z]{2,}", _NOT_WORDS.sub(" ", text))


def _shown(ex) -> dict:
    """Everything an explorer shows a reader: its text form, its summary, its controls'
    labels and choices, and every text of its plot."""
    ex.widget
    shown = {"repr": repr(ex), "summary": ex.summary.value}
    for name, control in ex.controls.items():
        shown[f"control {name}"] = control.description
        for k, option in enumerate(getattr(control, "options", ())):
            shown[f"control {name} option {k}"] = option[0]
    fig = getattr(ex, "_fig", None)
    for n, ax in enumerate(fig.axes if fig is not None else []):
        texts = [ax.get_title(loc="left"), ax.get_xlabel(), ax.get_ylabel()]
        texts += [t.get_text() for t in ax.texts]
        if ax.get_legend() is not None:
            texts += [t.get_text() for t in ax.get_legend().get_texts()]
        for k, text in enumerate(t for t in texts if t.strip()):
            shown[f"axes {n} text {k}"] = text
    return shown


# each explorer as it is first shown, and after a change that brings in other texts
# (a rule filter by item, the break-even month never reached, the last weights at 0)
LANGUAGE_CASES = {
    "clv": (lambda: clv_explorer(), {"timing": "residual"}),
    "switching": (lambda: SwitchingExplorer(), {"months": 36, "switching_costs": 50_000}),
    "rules": (lambda: rule_explorer(association_rules(read_baskets(TOY), 0.1, 0.1)),
              {"involving": "milk", "min_confidence": 0.1}),
    "weights": (lambda: WeightExplorer(service.simulate_team(5, seed=2), pool=5000),
                {"manager": 100}),
}


@pytest.mark.parametrize("kind", LANGUAGE_CASES)
def test_an_explorer_speaks_the_reader_s_language(kind):
    """Under speaking("zh") the text form, summary, controls and plot texts are Chinese (no
    English word left); in English they are what they were before translation."""
    make, change = LANGUAGE_CASES[kind]
    with speaking("zh"):
        ex = make()
        views = [_shown(ex)]
        ex.update(**change)
        views.append(_shown(ex))
    english = make()
    before = _shown(english)
    english.update(**change)
    after = _shown(english)
    for zh, en in zip(views, (before, after)):
        assert zh.keys() == en.keys()
        for where, text in zh.items():
            assert not _words(text), f"{kind} {where} in Chinese still reads {text!r}"
            assert re.search("[\u4e00-\u9fff]", text) or text == en[where], (kind, where, text)
        assert any(zh[k] != en[k] for k in zh), kind
        # the text form notebooks store gives its numbers in the English order (the editions
        # are compared number by number: test_i18n)
        number = re.compile(r"\d+(?:[.,]\d+)*")
        assert number.findall(zh["repr"]) == number.findall(en["repr"]), kind


def test_explorers_read_in_english_exactly_as_before_translation():
    """The English texts are the ones the English notebooks store (nbval compares them)."""
    clv = clv_explorer(margin=195, retention=0.62, discount_rate=0.10)
    assert repr(clv) == (
        "CLV explorer: margin ¥195 a period, retention 62%, discount rate 10%, first margin now "
        "(acquisition-time): CLV ¥446.88; an expected 2.6 periods as a customer; the first 20 "
        "periods bring 100% of the value.")
    clv.widget
    assert clv.summary.value == (
        "<b>CLV = ¥446.88</b> per customer &nbsp;·&nbsp; expected relationship 2.6 periods "
        "&nbsp;·&nbsp; churn 38% a period &nbsp;·&nbsp; first margin now (acquisition-time)")
    assert clv._title.get_text() == "CLV ¥447: 20 periods bring 100% of it"
    for months, costs in ((240, 5_000), (36, 50_000)):
        ex = SwitchingExplorer(months=months, switching_costs=costs)
        assert repr(ex) == "Switching calculator: " + repr(ex.result).removeprefix(
            "SwitchingResult: ")
    ex.widget
    assert ex.summary.value == (
        "<p>New rate 4.16% instead of 5.94%. Monthly payment ¥15,197 → ¥14,797: saves "
        "<b>¥400</b> a month.<br>Switching costs ¥50,000 are <b>never</b> paid back (the "
        "costs exceed the savings).<br>Net saving over the loan: <b>¥-35,592</b> (not "
        "discounted).</p>")
    assert ex.controls["rate_factor"].description == "New rate ÷ old"
    rules = rule_explorer(association_rules(read_baskets(TOY), 0.1, 0.1))
    rules.update(min_support=0.1, min_confidence=0.5, involving="milk")
    rules.widget
    assert rules.summary.value == "<b>1 rule</b> involving <i>milk</i> passes."
    assert rules.controls["involving"].options[0] == ("(any item)", "(any item)")
    weights = WeightExplorer(service.simulate_team(3, seed=1), pool=3000)
    weights.widget
    assert [c.description for c in weights.controls.values()] == [
        "Attendance", "Customer", "Manager", "Problem solving"]
    assert weights.summary.value.startswith(
        "<p>Weights used: attendance <b>10%</b> · customer <b>20%</b> · manager <b>30%</b> · "
        "problem solving <b>40%</b></p><table><tr><th>rank</th><th>technician</th><th>final</th>"
        "<th>bonus</th></tr>")
    assert repr(weights).startswith("Weights: attendance 10%, customer 20%, manager 30%, "
                                    "problem_solving 40%. Top: ")


def test_a_refused_value_is_explained_in_the_reader_s_language():
    with speaking("zh"):
        ex = WeightExplorer(service.simulate_team(5, seed=2), pool=5000)
        ex.widget
        for name in ("attendance", "customer", "manager", "problem_solving"):
            ex.controls[name].value = 0
        assert ex.summary.value.startswith("<p style='color:#D55E00'>⚠ ")
        assert not _words(ex.summary.value.split("⚠")[1]), ex.summary.value
