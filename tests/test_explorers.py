"""casekit.explorers: the four explorers keep one protocol (update by name returns the
result, refuses unknown names and bad values without changing anything, moves the widget's
controls; a control moved is an update; the text form is the repr), the switching and
weight explorers show their calculators' numbers, and the analysis modules stay free of
ipywidgets."""
import importlib
import inspect
import subprocess
import sys

import pytest

from casekit import defection, service
from casekit.baskets import association_rules, read_baskets
from casekit.explorers.clv import clv_explorer
from casekit.explorers.rules import rule_explorer
from casekit.explorers.switching import SwitchingExplorer
from casekit.explorers.weights import WeightExplorer

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
