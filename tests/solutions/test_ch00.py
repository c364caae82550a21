"""Chapter 0 (what CRM is): the reference solutions and the chapter's bank. There is no
plain-pandas recount: the solutions are themselves a few lines of plain pandas, worked by
hand in their doctests on a tiny retailer. Here, on a student's data, the answers and the
mistakes keep the relations that must hold between them, and the bank's table accepts the
reference as a DataFrame. The shared check of every computed exercise (reference accepted,
each mistake named) is tests/test_banks.py."""
import pytest

from casekit.solutions import ch00

CHAPTER = "00"
STUDENT = "s2026-100"


# --------------------------------------------------------------------------- the solutions
def test_recent_buyers_are_fewer_than_their_trips_and_than_all_buyers(shop):
    recent = ch00.recent_buyers(shop)
    assert 0 < recent < ch00.mistake_recent_trips(shop)
    assert recent < ch00.mistake_all_buyers(shop) <= len(shop.customers)


def test_top20_share_and_its_mistakes(shop):
    share = ch00.top20_revenue_share(shop)
    assert 20 < share < 100                                   # concentrated, not everything
    assert ch00.mistake_top20_fraction(shop) == pytest.approx(share / 100)
    assert ch00.mistake_top20_buyers_only(shop) <= share      # fewer customers in the top 20%
    assert ch00.mistake_top20_trips(shop) < share             # single trips are less lopsided


def test_trips_by_household_adds_up_to_the_whole_shop(shop):
    table = ch00.trips_by_household(shop)
    assert table.index.tolist() == sorted(shop.customers["household"].astype(str).unique())
    assert table["Customers"].sum() == len(shop.customers)
    trips = table["Trips per customer"] * table["Customers"]
    assert trips.sum() == pytest.approx(len(shop.transactions))
    assert (trips * table["Revenue per trip"]).sum() == pytest.approx(shop.transactions["total"].sum())


# --------------------------------------------------------------------------- the bank
def test_the_household_table_is_accepted_as_a_dataframe(bank, shop):
    resolved = bank["crm.trips-by-household"].resolve(shop)
    assert resolved.check(ch00.trips_by_household(shop)).correct
