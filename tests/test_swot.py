"""casekit.swot and casekit.targeting: a hand-computed IFE and EFE, the IE matrix's nine cells,
TOWS pairing, clear errors for weights that do not add up to 1, ratings out of range and bad
factors; category contributions, target tables, uplift and the coupon test. Chapter 5's
solutions and bank: tests/solutions/test_ch05.py."""
import numpy as np
import pandas as pd
import pytest

from casekit import swot as S


def hand_table():
    return S.swot([
        ("S", "Low prices", 0.20, 4),
        ("S", "Card data on every trip", 0.15, 3),
        ("S", "Large stores", 0.10, 3),
        ("W", "Poor service in two stores", 0.25, 1),
        ("W", "Thin online shop", 0.30, 2),
        ("O", "Rising incomes", 0.40, 3),
        ("O", "Low share of wallet", 0.20, 2),
        ("T", "Rival's price cut in the North", 0.25, 2),
        ("T", "Online grocers", 0.15, 1),
    ])


# --------------------------------------------------------------------------- IFE / EFE
def test_ife_by_hand():
    # 0.20·4 + 0.15·3 + 0.10·3 + 0.25·1 + 0.30·2 = 0.80 + 0.45 + 0.30 + 0.25 + 0.60 = 2.40
    m = S.ife(hand_table())
    assert m.total == pytest.approx(2.40)
    assert m.table["score"].tolist() == pytest.approx([0.80, 0.45, 0.30, 0.25, 0.60])
    assert list(m.table["kind"]) == ["S", "S", "S", "W", "W"]
    assert "2.40" in repr(m) and "below the midpoint" in repr(m)


def test_efe_by_hand():
    # 0.40·3 + 0.20·2 + 0.25·2 + 0.15·1 = 1.20 + 0.40 + 0.50 + 0.15 = 2.25
    m = S.efe(hand_table())
    assert m.total == pytest.approx(2.25)
    assert set(m.table["kind"]) == {"O", "T"} and len(m.table) == 4


def test_david_textbook_extremes():
    # all factors rated 4 give 4, all rated 1 give 1, whatever the weights
    best = S.swot([("S", "a", 0.7, 4), ("S", "b", 0.3, 4)])
    worst = S.swot([("W", "a", 0.7, 1), ("W", "b", 0.3, 1)])
    assert S.ife(best).total == 4.0 and S.ife(worst).total == 1.0


@pytest.mark.parametrize("weights, shown", [((0.5, 0.4), "0.9"), ((0.6, 0.6), "1.2")])
def test_weights_that_do_not_add_up_to_one_are_explained(weights, shown):
    t = S.swot([("S", "Low prices", weights[0], 4), ("W", "Thin online shop", weights[1], 2)])
    with pytest.raises(ValueError, match=rf"must add up to 1.*add up to {shown}\. Divide each by {shown}"):
        S.ife(t)


def test_rounded_weights_are_accepted():
    t = S.swot([("O", "a", 0.33, 3), ("O", "b", 0.33, 3), ("T", "c", 0.33, 2)])
    assert S.efe(t).total == pytest.approx(0.99 + 0.99 + 0.66)


@pytest.mark.parametrize("rating, message", [
    (5, "whole numbers from 1 to 4; 'Rising incomes' has 5"),
    (0, "whole numbers from 1 to 4"),
    (2.5, "whole numbers from 1 to 4; 'Rising incomes' has 2.5"),
])
def test_ratings_out_of_range(rating, message):
    with pytest.raises(ValueError, match=message):
        S.efe(S.swot([("O", "Rising incomes", 1.0, rating)]))


def test_ife_ratings_must_match_the_kind():
    with pytest.raises(ValueError, match="a strength is rated 3 .* 'Low prices' has 2"):
        S.ife(S.swot([("S", "Low prices", 0.5, 2), ("W", "Slow checkout", 0.5, 1)]))
    with pytest.raises(ValueError, match="weakness 'Slow checkout' has 4"):
        S.ife(S.swot([("S", "Low prices", 0.5, 4), ("W", "Slow checkout", 0.5, 4)]))


def test_missing_weights_or_side_are_explained():
    with pytest.raises(ValueError, match="'Low prices' has no weight"):
        S.ife(S.swot([("S", "Low prices")]))
    with pytest.raises(ValueError, match="no external factors"):
        S.efe(S.swot([("S", "Low prices", 1.0, 4)]))
    with pytest.raises(TypeError, match=r"table must be a pandas DataFrame \(make it with swot\(\)\)"):
        S.ife([("S", "Low prices", 1.0, 4)])


# --------------------------------------------------------------------------- the table
def test_swot_orders_and_normalises():
    t = S.swot([{"kind": "threats", "factor": "  Online   grocers "},
                ("Strength", "Low prices", 0.6, 4, "¥3 below rivals")])
    assert t["kind"].tolist() == ["S", "T"]
    assert t["factor"].tolist() == ["Low prices", "Online grocers"]
    assert t["side"].tolist() == ["internal", "external"]
    assert t.loc[0, "evidence"] == "¥3 below rivals" and t.loc[1, "evidence"] == ""
    assert np.isnan(t.loc[1, "weight"])
    # a table from swot() is accepted back, and a DataFrame is read like rows
    assert S.swot(t).equals(t)


@pytest.mark.parametrize("factors, error, message", [
    ([("X", "Brand")], ValueError, "kind must be 'S', 'W', 'O' or 'T'"),
    ([("S", "")], ValueError, "factor must be a short non-empty text"),
    ([("S", "Low prices"), ("W", "low  prices")], ValueError, "listed twice"),
    ([("S", "Low prices", 1.5, 4)], ValueError, "weight must be a share between 0 and 1"),
    ([("S", "Low prices", "high", 4)], TypeError, "weight must be a number"),
    ([("S", "Low prices", 0.5, True)], TypeError, "rating must be a number"),
    ([("S",)], TypeError, r"give \(kind, factor"),
    ([], ValueError, "factors is empty"),
    ("S: low prices", TypeError, "factors must be a DataFrame or a list"),
    (pd.DataFrame({"type": ["S"]}), ValueError, "factors has no column 'kind'"),
    ([{"kind": "S", "factor": "a", "colour": "red"}], ValueError, r"unknown field\(s\) \['colour'\]"),
])
def test_bad_factors_are_explained(factors, error, message):
    with pytest.raises(error, match=message):
        S.swot(factors)


def test_swot_grid_places_each_kind():
    grid = S.swot_grid(hand_table())
    assert grid.loc["internal", "helpful"].startswith("Strengths: Low prices; Card data")
    assert grid.loc["internal", "harmful"].startswith("Weaknesses: Poor service")
    assert grid.loc["external", "helpful"] == "Opportunities: Rising incomes; Low share of wallet"
    assert grid.loc["external", "harmful"] == "Threats: Rival's price cut in the North; Online grocers"
    empty = S.swot_grid(S.swot([("S", "Low prices")]))
    assert empty.loc["external", "harmful"] == "Threats: —"


# --------------------------------------------------------------------------- IE matrix
@pytest.mark.parametrize("ife_total, efe_total, cell, advice", [
    (3.5, 3.5, "I", "grow and build"), (2.5, 3.2, "II", "grow and build"),
    (1.5, 3.0, "III", "hold and maintain"), (3.0, 2.5, "IV", "grow and build"),
    (2.0, 2.0, "V", "hold and maintain"), (1.99, 2.99, "VI", "harvest or divest"),
    (4.0, 1.0, "VII", "hold and maintain"), (2.5, 1.5, "VIII", "harvest or divest"),
    (1.0, 1.0, "IX", "harvest or divest"),
])
def test_ie_matrix_nine_cells(ife_total, efe_total, cell, advice):
    assert S.ie_cell(ife_total, efe_total) == (cell, advice)


def test_ie_cell_takes_factor_matrices_and_rejects_bad_totals():
    t = hand_table()
    assert S.ie_cell(S.ife(t), S.efe(t)) == ("V", "hold and maintain")
    with pytest.raises(ValueError, match="ife_total must be ≥ 1 and ≤ 4"):
        S.ie_cell(0.5, 2)
    with pytest.raises(TypeError, match="efe_total must be a total weighted score"):
        S.ie_cell(2, "high")


def test_plot_ie_marks_the_firm():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ax = S.plot_ie(2.4, 2.25, label="ValueMart")
    assert ax.get_xlim() == (4, 1) and ax.get_ylim() == (1, 4)
    assert [t.get_text() for t in ax.texts].count("ValueMart") == 1
    assert {"I", "V", "IX"} <= {t.get_text() for t in ax.texts}
    plt.close(ax.figure)


def test_plot_ie_names_each_cell_s_prescription_in_the_reader_s_language():
    """Each cell shows its prescription under its numeral (so a title need not carry it):
    in English as ie_cell gives it, in Chinese from the engine's catalog, like the axes."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from casekit.i18n import speaking

    def shown(ax):
        texts = [t.get_text() for t in ax.texts]
        plt.close(ax.figure)
        return ax.get_xlabel(), ax.get_ylabel(), texts

    xlabel, ylabel, texts = shown(S.plot_ie(2.4, 2.25, label="ValueMart"))
    assert xlabel == "IFE total weighted score (4 = strong, 1 = weak)"
    assert ylabel == "EFE total weighted score (4 = high, 1 = low)"
    for numeral, prescription in (("I", "grow and build"), ("V", "hold and maintain"),
                                  ("IX", "harvest or divest")):   # under its numeral
        assert texts[texts.index(numeral) + 1] == prescription
    assert texts.count("grow and build") == texts.count("hold and maintain") == 3
    assert S.ie_cell(2.4, 2.25) == ("V", "hold and maintain")    # the data stay English
    with speaking("zh"):
        xlabel, ylabel, zh_texts = shown(S.plot_ie(2.4, 2.25, label="ValueMart"))
        assert S.ie_cell(2.4, 2.25) == ("V", "hold and maintain")
    assert xlabel == "IFE 加权总分（4 = 强，1 = 弱）" and ylabel == "EFE 加权总分（4 = 高，1 = 低）"
    assert zh_texts.count("增长与建立") == zh_texts.count("坚持与保持") == zh_texts.count("收获或剥离") == 3
    assert [t for t in zh_texts if t.isascii()] == [t for t in texts if t.isascii()
                                                    and t not in S._IE_STRATEGY.values()]


# --------------------------------------------------------------------------- TOWS
def test_tows_pairs_each_strategy_into_its_quadrant():
    t = hand_table()
    out = S.tows(t, [
        ("Online grocers", "Thin online shop", "Click-and-collect"),          # W × T, reversed
        ("Low prices", "Rising incomes", "Discount stores in new suburbs"),    # S × O
        ("Thin online shop", "Low share of wallet", "Online top-up orders"),   # W × O
        ("card data on every trip", "Rival's price cut in the North", "Targeted price matching"),
    ])
    assert out["quadrant"].tolist() == ["SO", "ST", "WO", "WT"]
    assert out.loc[0, "internal"] == "Low prices" and out.loc[0, "external"] == "Rising incomes"
    assert out.loc[3, "internal"] == "Thin online shop" and out.loc[3, "external"] == "Online grocers"
    grid = S.tows_grid(out)
    assert grid.loc["strengths", "threats"] == "ST: Targeted price matching"
    assert grid.loc["weaknesses", "threats"] == "WT: Click-and-collect"


@pytest.mark.parametrize("strategies, error, message", [
    ([("Low prices", "Large stores", "x")], ValueError, "both internal"),
    ([("Rising incomes", "Online grocers", "x")], ValueError, "both external"),
    ([("Low prices", "Moon base", "x")], ValueError, "'Moon base' is not a factor"),
    ([("Low prices", "Rising incomes")], TypeError, "three texts"),
    ([], ValueError, "strategies is empty"),
    ("SO: grow", TypeError, "strategies must be a list"),
])
def test_bad_tows_strategies_are_explained(strategies, error, message):
    with pytest.raises(error, match=message):
        S.tows(hand_table(), strategies)


# --------------------------------------------------------------------------- casekit.targeting
from casekit import targeting as T  # noqa: E402


def test_category_contribution_shares_add_up(small_shop):
    c = T.category_contribution(small_shop)
    assert c["revenue_share"].sum() == pytest.approx(1) and c["margin_share"].sum() == pytest.approx(1)
    assert c["margin"].is_monotonic_decreasing
    rates = small_shop.catalogue.drop_duplicates("category").set_index("category")["margin_rate"]
    assert np.allclose(c["margin_rate"], rates.loc[c.index])
    # lines add up to the trips' totals
    assert c["revenue"].sum() == pytest.approx(small_shop.transactions["total"].sum(), rel=1e-3)
    per = T.category_contribution(small_shop, by="household")
    assert np.allclose(per.sum(), 1)


def test_target_table_by_hand(small_shop):
    t = T.target_table(small_shop)
    assert t["customers"].sum() == len(small_shop.customers)
    assert np.allclose(t["reachable_margin"], t["customers"] * t["reachable"] * t["margin_per_customer"])
    assert t["reachable_margin"].is_monotonic_decreasing
    assert t["reachable"].between(0, 1).all()


def test_uplift_by_hand():
    test = pd.DataFrame({"group": ["treated"] * 4 + ["control"] * 4,
                         "response": [1, 1, 1, 0, 1, 0, 0, 0]})
    u = T.uplift(test)
    assert (u.treated, u.control, u.uplift) == (0.75, 0.25, 0.5)
    se = np.sqrt(0.75 * 0.25 / 4 + 0.25 * 0.75 / 4)
    assert u.low == pytest.approx(0.5 - 1.96 * se) and u.high == pytest.approx(0.5 + 1.96 * se)
    assert "+50.0 percentage points" in repr(u)


def test_coupon_test_is_random_halves_and_seeded(small_shop):
    a = T.coupon_test(small_shop, "single", seed=1)
    b = T.coupon_test(small_shop, "single", seed=1)
    pd.testing.assert_frame_equal(a, b)
    assert abs((a["group"] == "treated").sum() - (a["group"] == "control").sum()) <= 1
    assert set(a["response"]) <= {0, 1} and set(a["before"]) <= {0, 1}
    with pytest.raises(ValueError, match="fewer than two"):
        T.coupon_test(small_shop, "no such segment")


def test_coupon_without_effect_or_season_has_no_uplift_on_average():
    from casekit.data import simulate_retailer

    shop = simulate_retailer(3000, seed=4, years=1)
    ups = [T.uplift(T.coupon_test(shop, "single", seed=s, effect=0.0, season=1.0)).uplift for s in range(20)]
    assert abs(np.mean(ups)) < 0.03
    big = [T.uplift(T.coupon_test(shop, "single", seed=s, effect=1.0)).uplift for s in range(20)]
    assert np.mean(big) > 0.04


@pytest.mark.parametrize("factors, where, zh", [
    ([("S", "a", 0.5, 4), ("W", "b", 0.5, 2)], "above", "高于"),
    ([("S", "a", 0.5, 3), ("W", "b", 0.5, 2)], "at", "恰为"),
    ([("S", "a", 0.5, 3), ("W", "b", 0.5, 1)], "below", "低于")])
def test_factor_matrix_repr_speaks_the_reader_s_language_with_the_same_numbers(factors, where, zh):
    import re

    from casekit.i18n import speaking

    numbers = lambda text: re.findall(r"[-+]?\d[\d,]*(?:\.\d+)?", text, flags=re.ASCII)
    m = S.ife(S.swot(factors))
    english = repr(m)
    assert english == (f"IFE: total weighted score {m.total:.2f} over 2 factors ({where} the "
                       "midpoint 2.5; 1 = weak, 4 = strong)")
    with speaking("zh"):
        chinese = repr(m)
    assert repr(m) == english
    assert chinese.startswith("IFE：") and "加权总分" in chinese and zh in chinese
    assert numbers(chinese) == numbers(english)


def test_an_uplift_speaks_the_reader_s_language_with_the_same_numbers():
    import re

    from casekit.i18n import speaking

    numbers = lambda text: re.findall(r"[-+]?\d+(?:,\d{3})*(?:\.\d+)?", text, flags=re.ASCII)
    u = T.Uplift(treated=0.524, control=0.428, uplift=0.096, low=0.012, high=0.18,
                 n_treated=1271, n_control=271)
    english = repr(u)
    assert english == ("Uplift +9.6 percentage points (95% interval +1.2 to +18.0): treated "
                       "52.4% of 1,271, control 42.8% of 271")
    with speaking("zh"):
        chinese = repr(u)
    assert repr(u) == english and "百分点" in chinese and "对照组" in chinese
    assert numbers(chinese) == numbers(english)
