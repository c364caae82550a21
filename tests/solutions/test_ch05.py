"""Chapter 5 (SWOT): the reference solutions against a plain-pandas recount on a student's
data and against casekit.targeting, and the chapter's bank (fixed answers from their
arithmetic, the mistakes it names, its typed figures the chapter's data). The shared check
of every computed exercise (reference accepted, each mistake named) is tests/test_banks.py."""
import pytest

from casekit import swot as S
from casekit import targeting as T
from casekit.solutions import ch05

CHAPTER = "05"
STUDENT = "s2026-105"


# --------------------------------------------------------------------------- the solutions
def test_reference_solutions_agree_with_plain_pandas(shop):
    t = shop.transactions.merge(shop.customers[["customer", "region", "household"]], on="customer")
    spend = t.groupby("customer")["total"].sum().sort_values(ascending=False)
    assert ch05.top20_share(shop) == pytest.approx(spend.iloc[:1000].sum() / spend.sum())
    assert 0.5 < ch05.top20_share(shop) < 0.8                 # concentrated, as planted
    by_region = t.groupby("region", observed=True)["total"].sum() / t["total"].sum()
    assert ch05.region_share(shop)["share"].to_dict() == pytest.approx(by_region.to_dict())
    fam = t["household"].isin(["young family", "established family"])
    assert ch05.family_share(shop) == pytest.approx(t.loc[fam, "total"].sum() / t["total"].sum())
    assert ch05.mean_share_of_wallet(shop) == pytest.approx(shop.survey["share_of_wallet"].mean())


def test_price_cuts_show_up_as_a_threat(shop):
    # 84 days are under 8% of the three years, yet they hold clearly more of the price defections
    inside = ch05.price_cut_defections(shop)
    everywhere = ch05.mistake_price_all_period(shop)
    assert inside / everywhere > 1.5 * 84 / (shop.end - shop.start).days
    assert inside < ch05.mistake_price_cut_all_causes(shop)


def test_coupon_solutions_and_mistakes_differ(small_shop):
    right = ch05.coupon_uplift(small_shop)
    assert right == pytest.approx(T.uplift(T.coupon_test(small_shop, "young family", seed=1)).uplift)
    assert ch05.mistake_coupon_response_rate(small_shop) != pytest.approx(right)
    assert ch05.mistake_coupon_before_after(small_shop) != pytest.approx(right)


# --------------------------------------------------------------------------- the bank
def test_fixed_answers_match_their_arithmetic(bank):
    t = S.swot([("S", "low prices", 0.30, 4), ("S", "card data", 0.20, 3),
                ("W", "slow checkouts", 0.35, 1), ("W", "thin online shop", 0.15, 2)])
    assert bank["swot.ife-hand"].answer == pytest.approx(S.ife(t).total)
    excess = bank["swot.excess-defections"]
    assert excess.answer == pytest.approx(127 - 127 / 2.1, abs=0.05)
    assert {m["value"] for m in excess.mistakes} == {127, round(127 / 2.1, 1)}
    cell = S.ie_cell(2.8, 2.4)
    right = [o["text"] for o in bank["swot.ie-cell"].options if o.get("correct")][0]
    assert right == f"Cell {cell[0]}: {cell[1]}"


def test_region_spread_and_its_mistakes(bank, shop):
    share = ch05.region_share(shop)["share"]
    assert share.sum() == pytest.approx(1)
    assert ch05.region_spread(shop) == pytest.approx(share.max() - share.min())
    spread = bank["swot.region-spread"].resolve(shop)
    assert spread.check(ch05.region_spread(shop)).correct
    assert "percentage" in spread.check(100 * ch05.region_spread(shop)).message
    customers = ch05.mistake_region_spread_customers(shop)
    assert customers != pytest.approx(ch05.region_spread(shop), rel=0.005)
    assert "customers" in spread.check(customers).message


def test_family_share_is_not_the_share_of_customers(bank, shop):
    family = bank["swot.family-share"].resolve(shop)
    assert family.check(round(ch05.family_share(shop), 3)).correct
    wrong = ch05.mistake_family_customer_share(shop)
    if abs(wrong - ch05.family_share(shop)) > 0.0005:
        assert "customers" in family.check(wrong).message


def test_the_excess_defections_item_quotes_the_chapters_data(bank):
    """swot.excess-defections types 127 and 2.1: they are the chapter's seed-0 figures."""
    from tests.claims import ch05 as claims

    cuts = claims._cuts()
    assert cuts["n"] == 127 and round(cuts["ratio"], 1) == 2.1
    assert bank["swot.excess-defections"].answer == pytest.approx(cuts["excess"], abs=1.5)
