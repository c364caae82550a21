"""casekit.explorers.clv: the numbers are casekit.value's, the widget follows its sliders,
and bad values are refused without breaking the view."""
import time

import pytest

from casekit.explorers.clv import CLVExplorer, clv_explorer
from casekit.value import clv_retention, clv_schedule


@pytest.mark.parametrize("timing", ["acquisition", "end_of_period", "residual"])
@pytest.mark.parametrize("m, r, d", [(100, 0.8, 0.1), (250, 0.6, 0.15), (40, 0.95, 0.0)])
def test_update_returns_the_retention_formula_and_its_schedule(timing, m, r, d):
    ex = clv_explorer(periods=7)
    assert ex.update(margin=m, retention=r, discount_rate=d, timing=timing) == \
        pytest.approx(clv_retention(m, r, d, timing=timing))
    assert ex.schedule.equals(clv_schedule(m, r, d, 7, timing=timing))
    assert ex.expected_periods == pytest.approx(1 / (1 - r))


def test_update_keeps_values_not_given_and_repr_states_them():
    ex = clv_explorer(margin=120, retention=0.75, discount_rate=0.1)
    assert ex.update(discount_rate=0.05) == pytest.approx(120 * 1.05 / (1.05 - 0.75))
    assert ex.settings == {"margin": 120.0, "retention": 0.75, "discount_rate": 0.05,
                         "timing": "acquisition"}
    text = repr(ex)
    assert "retention 75%" in text and "discount rate 5%" in text and "¥420.00" in text


@pytest.mark.parametrize("kwargs, message", [
    ({"retention": 1.0}, "never leave"),
    ({"retention": 1.5}, "retention must be"),
    ({"margin": "a lot"}, "margin must be a number"),
    ({"discount_rate": -2}, "discount_rate must be"),
    ({"timing": "yearly"}, "timing must be one of"),
])
def test_bad_values_raise_and_change_nothing(kwargs, message):
    ex = clv_explorer()
    before = (ex.result, dict(ex.settings))
    with pytest.raises((ValueError, TypeError), match=message):
        ex.update(**kwargs)
    assert (ex.result, ex.settings) == before


def test_constructor_checks_its_arguments():
    with pytest.raises(ValueError, match="periods"):
        CLVExplorer(periods=0)
    with pytest.raises(ValueError, match="retention"):
        clv_explorer(retention=-0.1)


def test_widget_follows_sliders_and_shows_problems_in_the_summary():
    ex = clv_explorer(margin=100, retention=0.8, discount_rate=0.1)
    box = ex.widget
    assert "casekit-clv-explorer" in box._dom_classes
    first = ex.image.value
    assert first[:4] == b"\x89PNG" and "366.67" in ex.summary.value
    ex.controls["retention"].value = 0.9
    assert ex.result == pytest.approx(550.0) and ex.image.value != first
    assert "550.00" in ex.summary.value
    ex.controls["timing"].value = "residual"
    assert ex.result == pytest.approx(100 * 0.9 / 0.2)
    ex.controls["discount_rate"].value = 0.0
    ex.controls["retention"].value = 0.99       # converges: 1 + d − r = 0.01
    assert ex.result == pytest.approx(100 * 0.99 / 0.01)
    bundle = ex._repr_mimebundle_()
    assert bundle["text/plain"] == repr(ex)


def test_an_update_with_the_widget_showing_is_quick():
    ex = clv_explorer()
    ex.widget
    start = time.perf_counter()
    for k in range(10):
        ex.update(retention=0.5 + k / 25)
    per_update = (time.perf_counter() - start) / 10
    assert per_update < 0.25, f"{per_update:.3f} s per slider move"
