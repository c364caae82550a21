"""Chapter 2 (loyalty): the reference solutions against a plain-pandas recount on a student's
data, and the chapter's bank (its table accepted as a DataFrame, its typed figures the
chapter's data). The shared check of every computed exercise (reference accepted, each
mistake named) is tests/test_banks.py."""
import pandas as pd
import pytest

from casekit import loyalty as L
from casekit.solutions import ch02

CHAPTER = "02"
STUDENT = "s2026-102"


# --------------------------------------------------------------------------- the solutions
def test_reference_solutions_agree_with_plain_pandas(shop):
    s, t = shop.survey, shop.transactions
    r = s["recommend"]
    assert ch02.my_nps(shop) == pytest.approx(100 * ((r >= 9).mean() - (r <= 6).mean()))
    hostages = ((s["satisfaction"] < 7) & (s["repurchase_intent"] >= 5)).mean()     # top-box rule
    assert ch02.hostage_share(shop) == pytest.approx(hostages)
    lenient = ((s["satisfaction"] < 5) & (s["repurchase_intent"] >= 5)).mean()
    assert ch02.mistake_hostage_cut_5(shop) == pytest.approx(lenient)
    assert lenient < hostages
    start = s["date"].min()
    window = t[(t["timestamp"] >= start) & (t["timestamp"] < start + pd.Timedelta(days=365))]
    trips = s["customer"].map(window.groupby("customer").size()).fillna(0)
    by_sat = trips.groupby(s["satisfaction"]).mean()
    assert ch02.completely_vs_satisfied(shop) == pytest.approx(by_sat[7] / by_sat[5])
    assert by_sat[7] > by_sat[5]                        # completely satisfied buy more
    last = t["timestamp"].dt.normalize().max()
    recent = set(t.loc[t["timestamp"] >= last - pd.Timedelta(days=179), "customer"])
    low = s[s["satisfaction"] <= 3]
    assert ch02.lapsed_dissatisfied(shop) == pytest.approx((~low["customer"].isin(recent)).mean())
    assert ch02.lapsed_dissatisfied(shop) > ch02.mistake_lapsed_all(shop)   # satisfaction predicts
    assert abs(ch02.quality_weight(shop) - shop.truth.survey_weights["quality"]) < 0.04


# --------------------------------------------------------------------------- the bank
def test_the_loyalty_type_table_is_accepted_as_a_dataframe(bank, shop):
    (table,) = [e for e in bank.values() if e.kind == "table"]
    answer = ch02.loyalty_type_counts(shop)
    assert table.resolve(shop).check(answer).correct
    assert answer["customers"].sum() == len(shop.survey)


def test_typed_figures_in_the_chapter_2_bank_are_the_chapters_data(bank):
    """Figures typed into prompts and explanations are the chapter's seed-0 ValueMart."""
    from casekit.data import simulate_retailer

    valuemart = simulate_retailer(5000, seed=0)
    s, t = valuemart.survey, valuemart.transactions
    drivers = L.driver_analysis(s)
    prompt = bank["loyal.read-drivers"].prompt
    assert f"about {drivers.loc['quality', 'coef']:.1f}" in prompt
    assert f"{drivers.loc['quality', 'ci_low']:.2f} to {drivers.loc['quality', 'ci_high']:.2f}" in prompt
    r = s["satisfaction"].corr(s["repurchase_intent"])
    assert f"(about {r:.1f})" in bank["loyal.correlated-not-identical"].prompt
    kotler = bank["loyal.kotler-grid"]
    assert f"about {t['margin'].sum() / t['total'].sum():.0%} of sales" in kotler.explanation
    assert f"about ¥{t['margin'].mean():.0f} of gross margin" in " ".join(i["text"] for i in kotler.items)
    assert f"scores {L.nps(s['recommend']):.0f}".replace("-", "−") in " ".join(
        o["feedback"] for o in bank["loyal.nps-caveats"].options if "feedback" in o)
