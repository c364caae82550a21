"""Satisfaction and loyalty: the satisfaction × loyalty quadrants, attachment × repeat-purchase
loyalty types, Kotler's relationship levels, satisfaction driver analysis and the net
promoter score.

Every function takes plain numbers or pandas objects, returns pandas objects (or a float),
checks its arguments at the edge and names the source of the scheme it implements. The
cut-offs that split "high" from "low" are always arguments: the sources give none, and the
answer depends on them.

>>> satisfaction_loyalty_quadrants([7, 2, 6, 3], [6, 6, 2, 1], satisfaction_cut=5, loyalty_cut=5).tolist()
['loyalist', 'hostage', 'mercenary', 'defector']
>>> relationship_level("many", "medium")
'reactive'
>>> nps([10, 9, 8, 6, 0])
0.0
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from casekit.checks import check_frame, check_numbers, check_real

__all__ = ["QUADRANTS", "LOYALTY_TYPES", "DICK_BASU", "RELATIONSHIP_LEVELS",
           "satisfaction_loyalty_quadrants", "loyalty_types", "relationship_level",
           "relationship_grid", "driver_analysis", "nps", "nps_groups", "repeat_trips"]

#: Jones & Sasser (1995): satisfaction (high/low) × loyalty (high/low).
QUADRANTS: tuple[str, ...] = ("loyalist", "hostage", "mercenary", "defector")
#: Attachment (high/low) × repeat purchase (high/low), the names used in the course Q&A's quiz
#: (超级忠诚, 惰性忠诚) and in Chinese CRM textbooks (潜在忠诚; 价格忠诚 / 不忠诚).
LOYALTY_TYPES: tuple[str, ...] = ("super loyalty", "inertia loyalty", "latent loyalty",
                                  "price loyalty")
#: Dick & Basu (1994): relative attitude × repeat patronage, in the order of LOYALTY_TYPES.
DICK_BASU: tuple[str, ...] = ("loyalty", "spurious loyalty", "latent loyalty", "no loyalty")
#: Kotler's five levels of relationship, from least to most investment per customer.
RELATIONSHIP_LEVELS: tuple[str, ...] = ("basic", "reactive", "accountable", "proactive",
                                        "partnership")

_CUSTOMERS = ("many", "moderate", "few")
_MARGINS = ("high", "medium", "low")
_ALIASES = {"medium": "moderate", "middle": "moderate", "mid": "moderate", "moderate": "moderate",
            "many": "many", "few": "few", "high": "high", "low": "low"}
# rows: margin high, medium, low; columns: customers many, moderate, few
_GRID = (("accountable", "proactive", "partnership"),
         ("reactive", "accountable", "proactive"),
         ("basic", "reactive", "accountable"))
_DRIVERS = ("brand", "quality", "relationship", "fulfilment")
_CUT = "a number (the lowest score that counts as high)"


# --------------------------------------------------------------------------- checks
def _same_length(a_name, a, b_name, b):
    if len(a) != len(b):
        raise ValueError(f"{a_name} and {b_name} must have the same length; got {len(a)} and "
                         f"{len(b)}")


def _index_of(values, *others):
    for v in (values, *others):
        if isinstance(v, pd.Series):
            return v.index
    return None


# --------------------------------------------------------------------------- quadrants
def satisfaction_loyalty_quadrants(satisfaction, loyalty, *, satisfaction_cut: float,
                                   loyalty_cut: float) -> pd.Series:
    """Each customer's satisfaction × loyalty quadrant (Jones & Sasser, 1995).

    A score at or above its cut-off counts as high:

    ============  ==============  ===========================================
    satisfaction  loyalty         quadrant
    ============  ==============  ===========================================
    high          high            ``loyalist`` (the most extreme: *apostles*)
    low           high            ``hostage``: stays because leaving is hard
    high          low             ``mercenary``: satisfied, yet buys elsewhere
    low           low             ``defector`` (the most extreme: *terrorists*)
    ============  ==============  ===========================================

    Parameters
    ----------
    satisfaction, loyalty : sequence of numbers
        One score per customer, e.g. satisfaction on a 1–7 scale and repurchase intent
        (attitudinal loyalty) or repeat purchases (behavioural loyalty).
    satisfaction_cut, loyalty_cut : float
        The lowest score that counts as high. Jones & Sasser call only a *top-box* score
        ("completely satisfied") truly satisfied; a cut at the scale's top box follows them.

    Returns
    -------
    pandas.Series
        Categorical with the categories :data:`QUADRANTS`, aligned with the input (its index
        when a Series was given).

    >>> satisfaction_loyalty_quadrants([7, 2, 6, 3], [6, 6, 2, 1], satisfaction_cut=5,
    ...                                loyalty_cut=5).tolist()
    ['loyalist', 'hostage', 'mercenary', 'defector']
    >>> satisfaction_loyalty_quadrants([5], [4], satisfaction_cut=5, loyalty_cut=4).tolist()
    ['loyalist']
    >>> satisfaction_loyalty_quadrants([5, "high"], [4, 4], satisfaction_cut=5, loyalty_cut=4)
    Traceback (most recent call last):
    ...
    TypeError: satisfaction must be numbers; 'high' is not a number
    """
    index = _index_of(satisfaction, loyalty)
    sat = check_numbers("satisfaction", satisfaction)
    loy = check_numbers("loyalty", loyalty)
    _same_length("satisfaction", sat, "loyalty", loy)
    s_cut, l_cut = (check_real(n, v, what=_CUT) for n, v in (("satisfaction_cut", satisfaction_cut),
                                                             ("loyalty_cut", loyalty_cut)))
    high_s, high_l = sat >= s_cut, loy >= l_cut
    code = np.select([high_s & high_l, ~high_s & high_l, high_s & ~high_l], [0, 1, 2], 3)
    return pd.Series(pd.Categorical.from_codes(code, QUADRANTS), index=index, name="quadrant")


# --------------------------------------------------------------------------- loyalty types
def loyalty_types(attachment, repeat, *, attachment_cut: float, repeat_cut: float,
                  names: str = "course") -> pd.Series:
    """Each customer's type of loyalty from attitude (attachment) × behaviour (repeat buying).

    ==========  ======  ====================  ===========================
    attachment  repeat  ``names="course"``    ``names="dick-basu"``
    ==========  ======  ====================  ===========================
    high        high    ``super loyalty``     ``loyalty``
    low         high    ``inertia loyalty``   ``spurious loyalty``
    high        low     ``latent loyalty``    ``latent loyalty``
    low         low     ``price loyalty``     ``no loyalty``
    ==========  ======  ====================  ===========================

    The course text's "price loyalty" (price-sensitive, low attachment, low repeat) is Dick & Basu's
    *no loyalty*: such customers follow the lowest price. "Incentivised loyalty", repeat
    buying bought with points and rebates, is not a cell of its own: by the data it looks like
    inertia (spurious) loyalty, repeat buying without attachment.

    Parameters
    ----------
    attachment : sequence of numbers
        Attitude towards the firm, e.g. a 1–7 survey score.
    repeat : sequence of numbers
        Behaviour, e.g. trips in a period after the survey.
    attachment_cut, repeat_cut : float
        The lowest value that counts as high.
    names : {"course", "dick-basu"}
        Which labels to use (see the table): the course notes' (and Chinese textbooks')
        or Dick & Basu's; the categories are :data:`LOYALTY_TYPES` or :data:`DICK_BASU`, in
        the same order.

    Source: Dick, A. S. & Basu, K. (1994), Customer loyalty: toward an integrated conceptual
    framework, *Journal of the Academy of Marketing Science* 22(2), 99–113.

    >>> loyalty_types([6, 2, 6, 2], [9, 9, 1, 1], attachment_cut=5, repeat_cut=4).tolist()
    ['super loyalty', 'inertia loyalty', 'latent loyalty', 'price loyalty']
    >>> loyalty_types([6, 2], [9, 9], attachment_cut=5, repeat_cut=4, names="dick-basu").tolist()
    ['loyalty', 'spurious loyalty']
    >>> loyalty_types([6], [9], attachment_cut=5, repeat_cut=4, names="kotler")
    Traceback (most recent call last):
    ...
    ValueError: names must be 'course' or 'dick-basu', got 'kotler'
    """
    if names not in ("course", "dick-basu"):
        raise ValueError(f"names must be 'course' or 'dick-basu', got {names!r}")
    index = _index_of(attachment, repeat)
    att = check_numbers("attachment", attachment)
    rep = check_numbers("repeat", repeat, low=0)
    _same_length("attachment", att, "repeat", rep)
    a_cut, r_cut = (check_real(n, v, what=_CUT) for n, v in (("attachment_cut", attachment_cut),
                                                             ("repeat_cut", repeat_cut)))
    high_a, high_r = att >= a_cut, rep >= r_cut
    code = np.select([high_a & high_r, ~high_a & high_r, high_a & ~high_r], [0, 1, 2], 3)
    labels = LOYALTY_TYPES if names == "course" else DICK_BASU
    return pd.Series(pd.Categorical.from_codes(code, labels), index=index, name="loyalty type")


def repeat_trips(transactions: pd.DataFrame, customers, start, end) -> pd.Series:
    """Trips each customer made from ``start`` (inclusive) to ``end`` (exclusive), zeros included.

    Behavioural loyalty measured after a survey: pass the survey's customers and a window
    that starts on the survey date.

    Parameters
    ----------
    transactions : DataFrame
        One row per trip with the columns ``customer`` and ``timestamp``.
    customers : sequence
        The customers to count for (each appears in the result, with 0 if they made no trip).
    start, end : date-like
        The window, ``start <= timestamp < end``.

    >>> trips = pd.DataFrame({"customer": [1, 1, 2, 1],
    ...                       "timestamp": pd.to_datetime(["2024-01-05", "2024-02-01",
    ...                                                    "2024-02-03", "2024-06-01"])})
    >>> repeat_trips(trips, [1, 2, 3], "2024-01-01", "2024-03-01").tolist()
    [2, 1, 0]
    >>> repeat_trips(trips, [1], "2024-03-01", "2024-01-01")
    Traceback (most recent call last):
    ...
    ValueError: end (2024-01-01 00:00:00) must come after start (2024-03-01 00:00:00)
    """
    check_frame(transactions, "transactions", "customer", "timestamp")
    try:
        lo, hi = pd.Timestamp(start), pd.Timestamp(end)
    except (TypeError, ValueError):
        raise ValueError(f"start and end must be dates, got {start!r} and {end!r}") from None
    if not hi > lo:
        raise ValueError(f"end ({hi}) must come after start ({lo})")
    if isinstance(customers, (str, bytes)) or np.ndim(customers) != 1:
        raise TypeError(f"customers must be a list, array or Series of customer ids, "
                        f"got {customers!r}")
    stamp = transactions["timestamp"]
    window = transactions[(stamp >= lo) & (stamp < hi)]
    counts = window.groupby("customer").size()
    ids = pd.Index(list(customers), name="customer")
    return counts.reindex(ids, fill_value=0).astype(int).rename("trips")


# --------------------------------------------------------------------------- Kotler's grid
def _level_key(name, value, allowed, shown):
    message = f"{name} must be one of {', '.join(map(repr, shown))}, got {value!r}"
    if not isinstance(value, str):
        raise TypeError(message)
    key = _ALIASES.get(value.strip().lower())
    if key not in allowed:
        raise ValueError(message)
    return key


def relationship_level(customers: str, margin: str) -> str:
    """The level of relationship Kotler recommends for a number of customers and a unit margin.

    ===========  ============  ============  ============
    margin       many          moderate      few
    ===========  ============  ============  ============
    high         accountable   proactive     partnership
    medium       reactive      accountable   proactive
    low          basic         reactive      accountable
    ===========  ============  ============  ============

    *basic*: sell and do nothing more; *reactive* (被动型): sell and invite the customer to
    call with questions or complaints; *accountable* (负责型): call each customer soon after
    the sale; *proactive* (能动型): contact customers regularly with improvements and new
    offers; *partnership* (伙伴型): work with the customer continuously.

    Parameters
    ----------
    customers : {"many", "moderate", "few"}
        How many customers the firm has ("medium" is read as "moderate").
    margin : {"high", "medium", "low"}
        The profit margin per unit ("moderate" is read as "medium").

    Source: Kotler, P., *Marketing Management* (levels of relationship marketing).

    >>> relationship_level("many", "medium"), relationship_level("moderate", "high")
    ('reactive', 'proactive')
    >>> relationship_level("few", "tiny")
    Traceback (most recent call last):
    ...
    ValueError: margin must be one of 'high', 'medium', 'low', got 'tiny'
    """
    c = _level_key("customers", customers, _CUSTOMERS, _CUSTOMERS)
    m = _level_key("margin", margin, ("high", "moderate", "low"), _MARGINS)
    m = "medium" if m == "moderate" else m
    return _GRID[_MARGINS.index(m)][_CUSTOMERS.index(c)]


def relationship_grid() -> pd.DataFrame:
    """Kotler's full 3 × 3 table: margin (rows: high, medium, low) × number of customers.

    >>> relationship_grid()
    customers      many     moderate          few
    margin
    high    accountable    proactive  partnership
    medium     reactive  accountable    proactive
    low           basic     reactive  accountable
    """
    return pd.DataFrame([list(r) for r in _GRID],
                        index=pd.Index(_MARGINS, name="margin"),
                        columns=pd.Index(_CUSTOMERS, name="customers"))


# --------------------------------------------------------------------------- drivers
def driver_analysis(survey: pd.DataFrame, outcome: str = "satisfaction",
                    drivers=_DRIVERS, *, confidence: float = 0.95) -> pd.DataFrame:
    """What drives satisfaction: an OLS regression of ``outcome`` on the ``drivers``, as a table.

    Fits ``outcome = b0 + b1·driver1 + … + e`` by ordinary least squares (statsmodels) and
    returns one row per driver:

    - ``coef``: the change in the outcome per point of the driver, the others held fixed,
      with its ``std_err``, confidence interval ``ci_low``–``ci_high`` and ``p_value``;
    - ``standardized``: the coefficient in standard deviations (coef × sd(driver) /
      sd(outcome)), comparable across drivers measured on different scales;
    - ``weight``: the coefficient's share of the sum of the coefficients, the driver's
      *relative importance* when all drivers are on one scale (it sums to 1).

    The model's R² and the number of answers used are in ``result.attrs``. The weights are
    importance only as far as the model is right: a driver left out, or two drivers that
    move together, shift weight between coefficients.

    Parameters
    ----------
    survey : DataFrame
        One row per respondent.
    outcome : str
        The column to explain (default ``"satisfaction"``).
    drivers : sequence of str
        The explanatory columns (default brand, quality, relationship, fulfilment, the four
        drivers of satisfaction in Building a CRM System).
    confidence : float
        Level of the confidence intervals, between 0 and 1 (default 0.95).

    >>> rng = np.random.default_rng(1)
    >>> toy = pd.DataFrame(rng.normal(size=(400, 2)), columns=["price", "service"])
    >>> toy["satisfaction"] = 1 + 0.2 * toy["price"] + 0.6 * toy["service"] + rng.normal(0, 0.1, 400)
    >>> table = driver_analysis(toy, drivers=["price", "service"])
    >>> table["weight"].round(2).tolist(), table.attrs["n"]
    ([0.24, 0.76], 400)
    >>> driver_analysis(toy, drivers=["price", "taste"])
    Traceback (most recent call last):
    ...
    ValueError: survey has no column 'taste'; its columns are ['price', 'service', 'satisfaction']
    """
    check_frame(survey, "survey")
    if isinstance(drivers, str):
        drivers = [drivers]
    drivers = list(drivers)
    if not drivers or not all(isinstance(d, str) for d in drivers):
        raise TypeError(f"drivers must be a list of column names, got {drivers!r}")
    if len(set(drivers)) != len(drivers):
        raise ValueError(f"drivers names a column twice: {drivers!r}")
    if not isinstance(outcome, str):
        raise TypeError(f"outcome must be a column name, got {outcome!r}")
    if outcome in drivers:
        raise ValueError(f"the outcome {outcome!r} cannot also be a driver")
    check_frame(survey, "survey", outcome, *drivers)
    check_real("confidence", confidence, 0, 1, low_open=True, high_open=True)
    data = pd.DataFrame({c: check_numbers(f"survey[{c!r}]", survey[c])
                         for c in (outcome, *drivers)})
    if len(data) < len(drivers) + 2:
        raise ValueError(f"driver_analysis needs at least {len(drivers) + 2} answers for "
                         f"{len(drivers)} drivers; got {len(data)}")
    constant = [d for d in drivers if data[d].nunique() < 2]
    if constant:
        raise ValueError(f"driver {constant[0]!r} has the same value for every respondent, so "
                         f"its effect cannot be estimated")

    from statsmodels.regression.linear_model import OLS    # not statsmodels.api: 0.3 s less
    from statsmodels.tools.tools import add_constant

    X = add_constant(data[drivers], has_constant="add")
    fit = OLS(data[outcome], X).fit()
    ci = fit.conf_int(alpha=1 - confidence).loc[drivers]
    coef = fit.params[drivers]
    table = pd.DataFrame({
        "coef": coef,
        "std_err": fit.bse[drivers],
        "ci_low": ci[0],
        "ci_high": ci[1],
        "p_value": fit.pvalues[drivers],
        "standardized": coef * data[drivers].std() / data[outcome].std(),
        "weight": coef / coef.sum(),
    })
    table.index.name = "driver"
    table.attrs.update(r_squared=float(fit.rsquared), n=int(fit.nobs),
                       intercept=float(fit.params["const"]), outcome=outcome)
    return table


# --------------------------------------------------------------------------- NPS
def nps_groups(scores) -> pd.Series:
    """Each 0–10 "how likely are you to recommend us?" answer as promoter, passive or detractor.

    Promoters answer 9–10, passives 7–8, detractors 0–6 (Reichheld, 2003).

    >>> nps_groups([10, 8, 3]).tolist()
    ['promoter', 'passive', 'detractor']
    """
    index = _index_of(scores)
    s = check_numbers("scores", scores, low=0, high=10, whole=True)
    code = np.select([s >= 9, s >= 7], [0, 1], 2)
    return pd.Series(pd.Categorical.from_codes(code, ["promoter", "passive", "detractor"]),
                     index=index, name="group")


def nps(scores) -> float:
    """The net promoter score: % promoters (9–10) − % detractors (0–6), from −100 to +100.

    Parameters
    ----------
    scores : sequence of int
        Answers to "how likely is it that you would recommend us to a friend?", 0–10.

    Source: Reichheld, F. F. (2003), The one number you need to grow, *Harvard Business
    Review* 81(12), 46–54.

    >>> nps([10, 9, 9, 8, 7, 6, 3, 10])   # 4 promoters, 2 detractors of 8
    25.0
    >>> nps([11])
    Traceback (most recent call last):
    ...
    ValueError: scores must be ≥ 0 and ≤ 10, got 11
    >>> nps([])
    Traceback (most recent call last):
    ...
    ValueError: scores is empty: the NPS needs at least one answer
    """
    if np.ndim(scores) == 1 and len(scores) == 0:
        raise ValueError("scores is empty: the NPS needs at least one answer")
    groups = nps_groups(scores)
    share = groups.value_counts(normalize=True)
    return float(round(100 * (share["promoter"] - share["detractor"]), 10))
