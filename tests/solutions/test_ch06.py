"""Chapter 6 (the service team): the reference solutions against a plain-pandas recount on a
student's data, and the chapter's bank (its table accepted as a DataFrame, the hand
appraisal's mistakes the arithmetic they name). The shared check of every computed
exercise (reference accepted, each mistake named) is tests/test_banks.py."""
import pandas as pd
import pytest

from casekit import service as sv
from casekit.solutions import ch06

CHAPTER = "06"
STUDENT = "s2026-service"


# --------------------------------------------------------------------------- the solutions
def test_reference_solutions_agree_with_plain_pandas(shop):
    calls = sv.simulate_calls(600, 6, seed=shop.seed)
    assert ch06.two_ring_share(shop) == pytest.approx((calls["rings"] <= 2).mean())
    dropped = calls[calls["dropped"]]
    assert ch06.callback_rate(shop) == pytest.approx(
        (dropped["callback_minutes"].fillna(99) <= 5).sum() / len(dropped))
    assert ch06.mistake_callback_nan_dropped(shop) == pytest.approx(
        (dropped["callback_minutes"] <= 5).sum() / dropped["callback_minutes"].notna().sum())
    bonus = sv.split_bonus(ch06.team_scores(shop)["final"], sv.bonus_pool(ch06.net_collections(shop)))
    assert round(bonus.sum(), 2) == sv.bonus_pool(ch06.net_collections(shop))
    assert ch06.top_bonus(shop) == bonus.max()
    assert ch06.fulfilment_truth_corr(shop) > 0.9 > ch06.mistake_corr_respondents(shop)


# --------------------------------------------------------------------------- the bank
def test_the_team_score_table_is_accepted_as_a_dataframe(bank, shop):
    (table,) = [e for e in bank.values() if e.kind == "table"]
    resolved = table.resolve(shop)
    assert resolved.check(ch06.team_scores(shop)).correct
    assert not resolved.check(ch06.mistake_scores_unweighted(shop)).correct


def test_hand_appraisal_mistakes_are_the_arithmetic_they_name(bank):
    e = bank["service.hand-appraisal"]
    month = dict(attitude=80, solved=90, professionalism=70, manager=85, onsite_rate=60, feedback=90)
    this = sv.appraise(pd.DataFrame([dict(absences=1, late_services=0, missed_services=0,
                                               **month)]))["final"].iloc[0]
    worked = sv.appraise(pd.DataFrame([dict(absences=2, late_services=1, missed_services=0,
                                                 **month)]))["final"].iloc[0]
    assert e.answer == pytest.approx(this)
    values = {m["value"] for m in e.mistakes}
    assert round(worked, 1) in values                       # the worked example's Zhang
    swapped = 0.1 * (0.4 * 100 + 0.6 * 90) + 0.2 * 82.5 + 0.3 * 85 + 0.4 * 78
    assert round(swapped, 1) in values                      # deduction off the wrong part
