"""Chapter 3 (defection): the reference solutions and the chapter's bank. There is no
plain-pandas recount: the solutions call casekit.defection (tested against hand examples in
tests/test_defection.py) and are worked by hand in their doctests on a tiny retailer. Here,
on a student's data, every computed exercise names a mistake that gives another number than
the answer; the bank's ids, terms and sources, its fixed answers and its typed figures are
the data's. The shared check of every computed exercise (reference accepted, each mistake
named) is tests/test_banks.py."""
import math
from pathlib import Path

import pytest

from casekit import defection as d

ROOT = Path(__file__).resolve().parents[2]
CHAPTER = "03"
STUDENT = "s2026-103"


# --------------------------------------------------------------------------- the solutions
def test_every_computed_exercise_names_a_mistake_apart_from_the_answer(bank, shop):
    computed = [e for e in bank.values() if e.computed]
    assert len(computed) >= 6
    for e in computed:
        resolved = e.resolve(shop)
        apart = [m for m in resolved.mistakes
                 if not math.isclose(m["value"], resolved.answer, rel_tol=0.01)]
        assert apart, e.id


# --------------------------------------------------------------------------- the bank
def test_bank_ids_terms_sources_and_notebooks(bank):
    import json

    from casekit import glossary

    assert len(bank) >= 20 and all(i.startswith("defect.") for i in bank)
    terms = {n.casefold() for e in glossary.entries() for n in (e["term"], *e["aliases"])}
    shown = "".join("".join(c["source"]) for nb in ("notebooks/03-defection.ipynb",
                                                    "exercises/03-defection.ipynb")
                    for c in json.loads((ROOT / nb).read_text())["cells"])
    for e in bank.values():
        assert e.source and e.hints, e.id
        assert e.term["en"].casefold() in terms, (e.id, e.term)
        assert f'"{e.id}"' in shown, f"{e.id} is in no notebook"


def test_fixed_answers_match_the_data(bank):
    from casekit.data import load

    telco = load("telco")
    fiber = d.churn_by(telco, "internet_service").loc["Fiber optic", "churn_rate"]
    assert bank["defect.telco-fiber"].answer == pytest.approx(fiber, abs=5e-4)
    curves = d.kaplan_meier(telco["tenure"], telco["churn"], telco["contract"])
    km12 = d.survival_at(curves, 12)["Month-to-month"]
    assert bank["defect.telco-km-12"].answer == pytest.approx(km12, abs=5e-4)
    naive = (telco.loc[telco["contract"] == "Month-to-month", "tenure"] > 12).mean()
    assert any(m["value"] == pytest.approx(naive, abs=5e-4) for m in bank["defect.telco-km-12"].mistakes)
    net = d.switching_calculator(200_000, 36, 0.0594, switching_costs=8_000).net_saving
    assert bank["defect.switching-net"].answer == pytest.approx(net, abs=0.01)
    assert bank["defect.switching-break-even"].answer == d.switching_calculator(
        500_000, 240, 0.0594, switching_costs=5_000).break_even_month
    odds = 0.4 / 0.6 * 0.23
    assert bank["defect.odds-ratio"].answer == pytest.approx(odds / (1 + odds), abs=1e-4)


def test_typed_figures_are_the_chapters_data(bank):
    """The figures typed into prompts and the ordering key are the chapter's seed-0 data."""
    import re

    from casekit.data import simulate_retailer

    shop = simulate_retailer(5000, seed=0)
    hit = d.after_event(shop.defections, shop.truth.events, shop.customers, days=84)
    day = shop.transactions["timestamp"].dt.normalize()
    prompt = bank["defect.price-cut-reading"].prompt
    assert f"{hit.mean():.1%}" in prompt
    assert f"{84 / ((day.max() - day.min()).days + 1):.1%}" in prompt
    assert f"**{hit[shop.defections['cause'] == 'price'].mean():.0%}**" in prompt
    # the break-even ordering: items as "¥800,000 owed, 25 years to go", first to last
    months = []
    for item in bank["defect.break-even-order"].items:
        owed, years = re.match(r"¥([\d,]+) owed, (\d+) years", item).groups()
        months.append(d.switching_calculator(int(owed.replace(",", "")), 12 * int(years), 0.0594,
                                             switching_costs=5_000).break_even_month)
    assert months == sorted(months) and len(set(months)) == len(months)
    res = d.switching_calculator(500_000, 240, 0.0594, switching_costs=5_000)
    slips = [m["value"] for m in bank["defect.switching-break-even"].mistakes]
    assert round(5_000 / (res.old_payment - res.new_payment), 2) in slips and res.break_even_month - 1 in slips
