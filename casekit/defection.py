"""Customer defection: churn rates, cohort retention, survival curves, a churn model with
odds ratios, partial-defection flags, word of mouth and the switching maths of a mortgage.

Every function takes plain numbers or pandas objects, returns pandas objects (or a small
dataclass), checks its arguments at the edge and names its source. statsmodels is
imported inside the functions that need it, so ``import casekit.defection`` is cheap.

>>> switching_calculator(500_000, 240, 0.0594, rate_factor=0.7, switching_costs=5_000)
SwitchingResult: ¥3,565 → ¥3,072 a month (saves ¥493); switching costs ¥5,000 are paid back in month 11; net saving over 240 months ¥113,363
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from casekit.checks import check_frame, check_real, check_whole
from casekit.i18n import _

__all__ = ["after_event", "annuity_payment", "churn_by", "churn_model", "churn_rate", "cohort_retention",
           "early_warning", "kaplan_meier", "partial_defection_flags", "survival_at",
           "switching_calculator", "warning_quality", "word_of_mouth", "ChurnModel",
           "SwitchingResult", "WARNING_INDICATORS"]


# --------------------------------------------------------------------------- checks
def _binary(name, values) -> np.ndarray:
    """A 0/1 float array from booleans or 0/1 numbers; anything else is an error."""
    arr = np.asarray(values)
    if arr.dtype == bool:
        return arr.astype(float)
    try:
        arr = arr.astype(float)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be True/False or 1/0 values, got dtype {arr.dtype}") from None
    if not np.isin(arr, (0.0, 1.0)).all():
        bad = arr[~np.isin(arr, (0.0, 1.0))][:3]
        raise ValueError(f"{name} must hold only True/False or 1/0, found {bad.tolist()}")
    return arr


# --------------------------------------------------------------------------- churn rates
def churn_rate(churned) -> float:
    """The share (0–1) of customers who churned: churners ÷ all customers.

    >>> churn_rate([True, False, False, True])
    0.5
    """
    arr = _binary("churned", churned)
    if arr.size == 0:
        raise ValueError("churned is empty: a churn rate needs at least one customer")
    return float(arr.mean())


def churn_by(frame: pd.DataFrame, by, churn: str = "churn") -> pd.DataFrame:
    """Customers, churners and churn rate (0–1) for each value of ``by`` (one or more columns).

    >>> t = pd.DataFrame({"contract": ["monthly", "monthly", "yearly", "yearly", "yearly"],
    ...                   "churn": [True, False, False, False, True]})
    >>> churn_by(t, "contract")
              customers  churned  churn_rate
    contract
    monthly           2        1    0.500000
    yearly            3        1    0.333333
    """
    keys = [by] if isinstance(by, str) else list(by)
    check_frame(frame, "frame", churn, *keys, nonempty=True)
    flag = pd.Series(_binary(f"frame[{churn!r}]", frame[churn]), index=frame.index)
    g = flag.groupby([frame[k] for k in keys], observed=True)
    out = pd.DataFrame({"customers": g.size(), "churned": g.sum().astype(int)})
    out["churn_rate"] = out["churned"] / out["customers"]
    return out


def cohort_retention(transactions: pd.DataFrame, *, customer: str = "customer",
                     date: str = "timestamp", freq: str = "Q") -> pd.DataFrame:
    """Cohort retention table: the share of each acquisition cohort buying in each later period.

    A customer's cohort is the period (``freq``: "M", "Q" or "Y") of their first purchase;
    column k is the share of the cohort who bought at least once in the k-th period after it
    (column 0 is 1 by definition). Cells not yet observed are NaN. This is the table of
    Blattberg, Kim & Neslin (2008, ch. 5); in a non-contractual business, "not buying in a
    period" is a proxy for defection, not proof of it.

    >>> tx = pd.DataFrame({"customer": [1, 1, 2, 2, 3],
    ...     "timestamp": pd.to_datetime(["2024-01-05", "2024-04-02", "2024-02-10",
    ...                                  "2024-09-01", "2024-05-01"])})
    >>> cohort_retention(tx)
                     customers    0    1    2
    cohort
    2024Q1                   2  1.0  0.5  0.5
    2024Q2                   1  1.0  0.0  NaN
    """
    check_frame(transactions, "transactions", customer, date, nonempty=True)
    if freq not in ("M", "Q", "Y"):
        raise ValueError(f"freq must be 'M', 'Q' or 'Y', got {freq!r}")
    when = pd.to_datetime(transactions[date])
    period = when.dt.to_period(freq)
    tx = pd.DataFrame({"customer": transactions[customer].to_numpy(), "period": period.array})
    first = tx.groupby("customer")["period"].transform("min")
    tx["age"] = tx["period"].array.asi8 - first.array.asi8     # whole periods since the first
    tx["cohort"] = first
    size = tx.groupby("cohort")["customer"].nunique()
    active = tx.drop_duplicates(["customer", "age"]).groupby(["cohort", "age"]).size()
    table = active.unstack("age", fill_value=0).div(size, axis=0)
    last = period.max()
    ages = np.arange(table.shape[1])
    horizon = np.array([(last - c).n for c in table.index])
    table = table.where(ages[None, :] <= horizon[:, None])
    table.columns = table.columns.astype(int)
    table.columns.name = None
    table.insert(0, "customers", size.astype(int))
    table.index = table.index.astype(str)
    table.index.name = "cohort"
    return table


# --------------------------------------------------------------------------- survival
def kaplan_meier(durations, events, groups=None, *, alpha: float = 0.05) -> pd.DataFrame:
    """Kaplan–Meier survival curve(s): the share still a customer after each duration.

    ``durations`` are times observed (e.g. months of tenure), ``events`` says whether the
    customer left at that time (True) or is still a customer (False: *censored*, we only
    know they stayed at least that long). With ``groups`` one curve per group. Returns one
    row per time with an event: ``at_risk``, ``events``, ``survival`` and a pointwise
    ``1 − alpha`` confidence interval on the log(−log) scale (Kalbfleisch & Prentice 2002),
    computed with statsmodels' ``SurvfuncRight`` (Greenwood's variance). A row at time 0
    with survival 1 starts each curve. Kaplan & Meier (1958), JASA 53(282).

    >>> km = kaplan_meier([1, 2, 2, 3, 4, 5], [True, True, False, True, False, True])
    >>> km[["time", "at_risk", "events", "survival"]].round(4)
       time  at_risk  events  survival
    0   0.0        6       0    1.0000
    1   1.0        6       1    0.8333
    2   2.0        5       1    0.6667
    3   3.0        3       1    0.4444
    4   5.0        1       1    0.0000
    """
    from statsmodels.duration.survfunc import SurvfuncRight

    alpha = check_real("alpha", alpha, 0, 0.5, low_open=True)
    try:
        t = np.asarray(durations, dtype=float)
    except (TypeError, ValueError):
        raise TypeError("durations must be numbers (e.g. months of tenure)") from None
    e = _binary("events", events)
    if t.ndim != 1 or t.shape != e.shape:
        raise ValueError(f"durations and events must be 1-D and of equal length, got "
                         f"{t.shape} and {e.shape}")
    if t.size == 0:
        raise ValueError("durations is empty: a survival curve needs at least one customer")
    if not np.isfinite(t).all() or (t < 0).any():
        raise ValueError("durations must be finite and ≥ 0 (no NaN: drop or fill them first)")
    g = np.zeros(t.size, int) if groups is None else np.asarray(groups)
    if g.shape != t.shape:
        raise ValueError(f"groups must have one value per customer ({t.size}), got {g.shape}")
    z = _normal_quantile(1 - alpha / 2)
    frames = []
    for key in pd.unique(g):
        mask = g == key
        sf = SurvfuncRight(t[mask], e[mask])
        s, se = sf.surv_prob, sf.surv_prob_se
        with np.errstate(divide="ignore", invalid="ignore"):
            half = z * se / (s * np.log(s))
            ok = (s > 0) & (s < 1) & np.isfinite(half)
            lower = np.where(ok, s ** np.exp(-half), np.nan)
            upper = np.where(ok, s ** np.exp(half), np.nan)
        part = pd.DataFrame({
            "time": np.r_[0.0, sf.surv_times], "at_risk": np.r_[mask.sum(), sf.n_risk].astype(int),
            "events": np.r_[0, sf.n_events].astype(int), "survival": np.r_[1.0, s],
            "lower": np.r_[1.0, lower], "upper": np.r_[1.0, upper]})
        if groups is not None:
            part.insert(0, "group", key)
        frames.append(part)
    out = pd.concat(frames, ignore_index=True)
    return out


def _normal_quantile(p: float) -> float:
    from scipy.stats import norm
    return float(norm.ppf(p))


def survival_at(curve: pd.DataFrame, time) -> float | pd.Series:
    """Read a :func:`kaplan_meier` curve at ``time``: the survival of the last step at or before it.

    >>> km = kaplan_meier([1, 2, 2, 3, 4, 5], [True, True, False, True, False, True])
    >>> round(survival_at(km, 2.5), 4)
    0.6667
    """
    check_frame(curve, "curve", "time", "survival", nonempty=True)
    time = check_real("time", time, 0)

    def read(c):
        return float(c.loc[c["time"] <= time, "survival"].iloc[-1])

    if "group" in curve.columns:
        return curve.groupby("group", sort=False).apply(read, include_groups=False).rename("survival")
    return read(curve)


# --------------------------------------------------------------------------- churn model
@dataclass
class ChurnModel:
    """A fitted logistic churn model: ``odds_ratios`` (tidy table), ``result`` (statsmodels).

    ``odds_ratios`` has one row per term: the odds ratio exp(β), its confidence interval
    and p-value. An odds ratio of 2 means the odds of churning (churn ÷ stay) are twice
    those of the reference group (categorical terms) or grow ×2 per unit (numeric terms).
    """

    odds_ratios: pd.DataFrame
    result: object
    outcome: str
    reference: dict

    def __repr__(self):
        return _("ChurnModel: logistic regression of {outcome} on {terms} terms, {n:,} customers, "
                 "pseudo R² {r2:.3f}").format(outcome=repr(self.outcome),
                                               terms=len(self.odds_ratios) - 1,
                                               n=int(self.result.nobs), r2=self.result.prsquared)

    def predict(self, frame: pd.DataFrame) -> pd.Series:
        """Predicted churn probability (0–1) for each row of ``frame`` (same columns as the fit)."""
        x = _design(frame, self._predictors, self.reference, self._columns)
        return pd.Series(self.result.predict(x), index=frame.index, name="churn_probability")


def _design(frame, predictors, reference, columns=None):
    """Dummy-coded design matrix (first or given reference level dropped) plus a constant."""
    parts = []
    for p in predictors:
        col = frame[p]
        if isinstance(col.dtype, pd.CategoricalDtype) or col.dtype == object or \
                pd.api.types.is_string_dtype(col.dtype):
            levels = list(col.cat.categories) if isinstance(col.dtype, pd.CategoricalDtype) \
                else sorted(col.dropna().unique())
            ref = reference.setdefault(p, levels[0])
            for level in levels:
                if level != ref:
                    parts.append(pd.Series((col == level).astype(float), name=f"{p}[{level}]"))
        else:
            parts.append(pd.Series(col.astype(float), name=p))
    x = pd.concat(parts, axis=1)
    x.insert(0, "Intercept", 1.0)
    return x if columns is None else x.reindex(columns=columns, fill_value=0.0)


def churn_model(frame: pd.DataFrame, outcome: str, predictors, *, reference: dict | None = None,
                alpha: float = 0.05) -> ChurnModel:
    """Fit a logistic regression of ``outcome`` (True/False) on ``predictors`` and report odds ratios.

    Categorical or text predictors are dummy-coded against a reference level (the first
    category, or ``reference={"column": level}``); numbers and booleans enter as they are,
    so rescale them first to a meaningful unit (e.g. tenure in years). Fitted by maximum
    likelihood with statsmodels' ``Logit``; a fit that does not converge raises an error
    instead of returning unreliable numbers. Hosmer, Lemeshow & Sturdivant (2013), *Applied
    Logistic Regression*, 3rd ed., ch. 3 (interpreting odds ratios).

    >>> rng = np.random.default_rng(1)
    >>> d = pd.DataFrame({"plan": rng.choice(["annual", "monthly"], 4000)})
    >>> d["churn"] = rng.random(4000) < np.where(d["plan"] == "monthly", 0.4, 0.1)
    >>> m = churn_model(d, "churn", ["plan"])
    >>> m.odds_ratios.round(1)      # true odds ratio (0.4/0.6) / (0.1/0.9) = 6
                   odds_ratio  lower  upper  p_value
    term
    Intercept             0.1    0.1    0.1      0.0
    plan[monthly]         6.1    5.1    7.2      0.0
    """
    from statsmodels.discrete.discrete_model import Logit   # not statsmodels.api: 0.3 s less

    preds = [predictors] if isinstance(predictors, str) else list(predictors)
    if not preds:
        raise ValueError("predictors is empty: name at least one column to explain churn with")
    check_frame(frame, "frame", outcome, *preds, nonempty=True)
    alpha = check_real("alpha", alpha, 0, 0.5, low_open=True)
    used = frame[[outcome, *preds]]
    if used.isna().any().any():
        bad = used.columns[used.isna().any()].tolist()
        raise ValueError(f"columns {bad} have missing values: drop or fill them before fitting")
    y = _binary(f"frame[{outcome!r}]", frame[outcome])
    if y.min() == y.max():
        raise ValueError(f"frame[{outcome!r}] has only one value: a churn model needs both "
                         "churners and stayers")
    ref = dict(reference or {})
    x = _design(frame, preds, ref)
    rank = np.linalg.matrix_rank(x.to_numpy())
    if rank < x.shape[1]:
        raise ValueError(f"the predictors are redundant ({x.shape[1]} terms carry only {rank} "
                         "independent pieces of information): one term is a combination of "
                         f"others, e.g. a 'No internet service' level that repeats another "
                         f"column. Terms: {list(x.columns[1:])}")
    result = Logit(y, x).fit(disp=0, maxiter=100)
    if not result.mle_retvals.get("converged", False):
        raise RuntimeError("the logistic regression did not converge: look for a predictor that "
                           "separates churners perfectly, or remove near-duplicate predictors")
    ci = np.exp(result.conf_int(alpha))
    table = pd.DataFrame({"odds_ratio": np.exp(result.params), "lower": ci[0], "upper": ci[1],
                          "p_value": result.pvalues})
    table.index.name = "term"
    model = ChurnModel(odds_ratios=table, result=result, outcome=outcome, reference=ref)
    model._predictors, model._columns = preds, list(x.columns)
    return model


# --------------------------------------------------------------------------- partial defection
def partial_defection_flags(transactions: pd.DataFrame, *, customer: str = "customer",
                            date: str = "timestamp", value: str = "total", recent_weeks: int = 26,
                            earlier_weeks: int = 52, threshold: float = 0.6,
                            end=None, min_trips: int = 2) -> pd.DataFrame:
    """Flag customers whose spend per trip fell: possible **partial defectors**.

    For each customer who bought both in the last ``recent_weeks`` weeks before ``end``
    (default: the day after the last transaction) and in the ``earlier_weeks`` weeks before
    that, compare their average spend per trip in the two windows. ``ratio`` = recent ÷
    earlier; ``flag`` is True when it is below ``threshold`` and each window holds at least
    ``min_trips`` trips. Customers who stopped buying altogether are not flagged: they are
    candidates for *complete* defection. A falling basket is only a proxy for a falling share
    of wallet (Reichheld 1996; the customer's total spend elsewhere is unknown to the firm).

    >>> tx = pd.DataFrame({"customer": [1, 1, 1, 1, 2, 2, 2, 2],
    ...     "timestamp": pd.to_datetime(["2024-01-10", "2024-03-01", "2024-09-01", "2024-11-01"] * 2),
    ...     "total": [100.0, 120, 50, 40, 80, 90, 85, 95]})
    >>> flags = partial_defection_flags(tx, end="2025-01-01", recent_weeks=26, earlier_weeks=26)
    >>> flags[["earlier_spend", "recent_spend", "ratio", "flag"]]
              earlier_spend  recent_spend  ratio   flag
    customer
    1                 110.0          45.0  0.409   True
    2                  85.0          90.0  1.059  False
    """
    check_frame(transactions, "transactions", customer, date, value, nonempty=True)
    recent_weeks = check_whole("recent_weeks", recent_weeks, 1)
    earlier_weeks = check_whole("earlier_weeks", earlier_weeks, 1)
    threshold = check_real("threshold", threshold, 0, 1, low_open=True)
    min_trips = check_whole("min_trips", min_trips, 1)
    when = pd.to_datetime(transactions[date])
    end, split, begin = _windows(when, end, recent_weeks, earlier_weeks)
    who, spend = transactions[customer], transactions[value]
    early = (when >= begin) & (when < split)
    late = (when >= split) & (when < end)
    before = spend[early].groupby(who[early])
    recent = spend[late].groupby(who[late])
    n_before, n_recent = before.size(), recent.size()
    out = pd.DataFrame({"earlier_trips": n_before, "recent_trips": n_recent,
                        "earlier_spend": before.mean(), "recent_spend": recent.mean()},
                       index=n_before.index.intersection(n_recent.index)).dropna()
    out["ratio"] = (out["recent_spend"] / out["earlier_spend"]).round(3)
    out["flag"] = (out["ratio"] < threshold) & (out["earlier_trips"] >= min_trips) \
        & (out["recent_trips"] >= min_trips)
    out.index.name = customer
    return out


# --------------------------------------------------------------------------- defections after an event
def after_event(defections: pd.DataFrame, events: pd.DataFrame, customers: pd.DataFrame, *,
                event: str = "competitor price cut", days: int = 84,
                same_region: bool = True) -> pd.Series:
    """True for each defection dated in the ``days`` days from an ``event`` (from its date,
    inclusive, to ``days`` later, exclusive) in the defector's own region; in any region with
    ``same_region=False``.

    ``defections`` needs ``customer`` and ``date``; ``events`` needs ``region``, ``event`` and
    ``date`` (the simulator's ``truth.events``); ``customers`` maps each customer to a
    ``region``. The share of True among one cause's defections, against ``days`` as a share
    of the whole period, says whether that cause clusters after the event.

    >>> d = pd.DataFrame({"customer": [1, 2, 3],
    ...                   "date": pd.to_datetime(["2023-03-10", "2023-07-25", "2023-03-15"])})
    >>> ev = pd.DataFrame({"region": ["North", "South"], "event": ["competitor price cut"] * 2,
    ...                    "date": pd.to_datetime(["2023-03-01", "2023-09-01"])})
    >>> who = pd.DataFrame({"customer": [1, 2, 3], "region": ["North", "North", "South"]})
    >>> after_event(d, ev, who).tolist()
    [True, False, False]
    >>> after_event(d, ev, who, same_region=False).tolist()
    [True, False, True]
    """
    check_frame(defections, "defections", "customer", "date")
    check_frame(events, "events", "region", "event", "date")
    check_frame(customers, "customers", "customer", "region")
    days = check_whole("days", days, 1)
    if not isinstance(event, str):
        raise TypeError(f"event must be the name of an event such as 'competitor price cut', got {event!r}")
    chosen = events[events["event"] == event]
    if chosen.empty:
        raise ValueError(f"events has no event {event!r}; it has {sorted(events['event'].astype(str).unique())}")
    region = customers.set_index("customer")["region"].astype(str)
    when = pd.to_datetime(defections["date"])
    home = defections["customer"].map(region)
    hit = pd.Series(False, index=defections.index)
    for _row, e in chosen.iterrows():
        start = pd.Timestamp(e["date"])
        window = (when >= start) & (when < start + pd.Timedelta(days=days))
        if same_region:
            window &= home == str(e["region"])
        hit |= window
    return hit.rename(f"within {days} days of a {event}")


# --------------------------------------------------------------------------- early warning
#: The indicators of :func:`early_warning`, and which way each points to risk.
WARNING_INDICATORS = {"visit_ratio": "lower", "basket_ratio": "lower", "gap_ratio": "higher",
                      "p_alive": "lower"}


def early_warning(transactions: pd.DataFrame, *, p_alive=None, end=None, recent_weeks: int = 13,
                  earlier_weeks: int = 52, weights: dict | None = None, customer: str = "customer",
                  date: str = "timestamp", value: str = "total") -> pd.DataFrame:
    """An **early-warning score** from leading indicators of defection, one row per customer.

    For every customer who bought in the ``earlier_weeks`` weeks before the last
    ``recent_weeks`` weeks (before ``end``, default the day after the last transaction):

    - ``visit_ratio``: trips per week in the recent window ÷ trips per week before (falls
      when visits thin out; 0 when she has stopped coming);
    - ``basket_ratio``: mean spend per trip recently ÷ before (falls when she buys part of her
      groceries elsewhere, a partial defector; missing if she made no recent trip);
    - ``gap_ratio``: days since her last trip ÷ her own mean gap between trips (silence
      measured against her own rhythm; missing after a single trip);
    - ``p_alive``: if given (a Series indexed by customer, e.g. ``BetaGeoModel.p_alive``).

    Each indicator becomes a **risk rank** between 0 and 1 (the share of customers who look
    safer on it; a missing value counts as 0.5, neither safe nor risky), and ``score`` is the
    weighted mean of the ranks (equal ``weights`` by default). Ranks put indicators on one
    scale without assuming how they are distributed; the Building a CRM System list of leading indicators
    (days since last purchase, order frequency, revenue decline) is where they come from.

    >>> tx = pd.DataFrame({"customer": [1, 1, 1, 1, 2, 2, 2, 2, 3, 3],
    ...     "timestamp": pd.to_datetime(["2024-01-05", "2024-03-01", "2024-06-01", "2024-11-20",
    ...                                  "2024-02-01", "2024-05-01", "2024-08-01", "2024-09-01",
    ...                                  "2024-04-01", "2024-12-20"]),
    ...     "total": [100.0, 100, 100, 40, 80, 80, 80, 80, 50, 50]})
    >>> ew = early_warning(tx, end="2025-01-01", recent_weeks=13, earlier_weeks=39)
    >>> ew[["visit_ratio", "basket_ratio", "gap_ratio", "score"]]
              visit_ratio  basket_ratio  gap_ratio  score
    customer
    1                 1.0           0.4      0.394  0.778
    2                 0.0           NaN      1.718  0.833
    3                 3.0           1.0      0.046  0.389

    Customer 2 has gone silent for longer than her rhythm; customer 1 still comes but his
    basket fell to 40%, a partial defector. Both rank above customer 3.
    """
    check_frame(transactions, "transactions", customer=customer, date=date, value=value)
    check_frame(transactions, "transactions", nonempty=True)
    recent_weeks = check_whole("recent_weeks", recent_weeks, 1)
    earlier_weeks = check_whole("earlier_weeks", earlier_weeks, 1)
    when = pd.to_datetime(transactions[date])
    end, split, begin = _windows(when, end, recent_weeks, earlier_weeks)
    who, spend = transactions[customer], transactions[value]
    early = (when >= begin) & (when < split)
    late = (when >= split) & (when < end)
    if not early.any():
        raise ValueError(f"no transaction falls in the {earlier_weeks} weeks before {split.date()}: "
                         "choose an earlier end or shorter windows")
    before = spend[early].groupby(who[early])
    recent = spend[late].groupby(who[late])
    n_before = before.size()
    out = pd.DataFrame({"earlier_trips": n_before,
                        "recent_trips": recent.size().reindex(n_before.index, fill_value=0)})
    out["visit_ratio"] = ((out["recent_trips"] / recent_weeks)
                          / (out["earlier_trips"] / earlier_weeks)).round(3)
    out["basket_ratio"] = (recent.mean() / before.mean()).reindex(out.index).round(3)
    past = when < end
    g = when[past].groupby(who[past])
    n = g.size()
    mean_gap = (g.max() - g.min()).dt.days / (n - 1).where(n > 1)
    out["gap_ratio"] = ((end - g.max()).dt.days / mean_gap).reindex(out.index).round(3)
    indicators = ["visit_ratio", "basket_ratio", "gap_ratio"]
    if p_alive is not None:
        if not isinstance(p_alive, pd.Series):
            raise TypeError("p_alive must be a pandas Series indexed by customer "
                            f"(e.g. BetaGeoModel().fit(summary).p_alive(summary)), got {type(p_alive).__name__}")
        out["p_alive"] = p_alive.reindex(out.index).round(3)
        indicators.append("p_alive")
    weights = {k: 1.0 for k in indicators} if weights is None else weights
    if not isinstance(weights, dict):
        raise TypeError(f"weights must be a dict such as {{'gap_ratio': 2, 'visit_ratio': 1}}, got {weights!r}")
    unknown = set(weights) - set(indicators)
    if unknown:
        raise ValueError(f"weights names {sorted(unknown)}, which are not indicators here; "
                         f"choose from {indicators}" + ("" if p_alive is not None else
                                                       " (pass p_alive= to use P(alive))"))
    w = {k: check_real(f"weights[{k!r}]", v, 0) for k, v in weights.items()}
    if sum(w.values()) == 0:
        raise ValueError("weights are all zero: give at least one indicator a positive weight")
    score = 0.0
    for name, wt in w.items():
        higher_is_risk = WARNING_INDICATORS[name] == "higher"
        rank = (out[name] if higher_is_risk else -out[name]).rank(pct=True).fillna(0.5)
        out[f"{name}_risk"] = rank.round(3)
        score = score + wt * rank
    out["score"] = (score / sum(w.values())).round(3)
    out.index.name = customer
    return out


def warning_quality(score, defected, *, top: float = 0.1) -> pd.Series:
    """How well a score ranks real defectors: the **AUC** and the **top-decile lift**.

    ``auc`` is the probability that a random defector scores higher than a random
    non-defector (0.5 = no better than chance, 1 = perfect; ties count half; the
    Mann–Whitney statistic, Hanley & McNeil 1982). ``top_rate`` is the share of defectors
    among the ``top`` share of customers with the highest scores, ``base_rate`` the share
    among all, and ``lift`` = top_rate ÷ base_rate: how many times more defectors a list
    of the top customers holds than a random list of the same length (at most 1 ÷ base_rate).

    >>> warning_quality([0.9, 0.8, 0.4, 0.3, 0.2], [True, False, True, False, False], top=0.2)
    auc          0.833
    top_rate     1.000
    base_rate    0.400
    lift         2.500
    customers    5.000
    dtype: float64
    """
    s = pd.Series(score).reset_index(drop=True)
    y = pd.Series(_binary("defected", defected)).reset_index(drop=True)
    if len(s) != len(y):
        raise ValueError(f"score and defected must have the same length, got {len(s)} and {len(y)}")
    try:
        s = s.astype(float)
    except (TypeError, ValueError):
        raise TypeError("score must hold numbers") from None
    if s.isna().any():
        raise ValueError(f"score has {int(s.isna().sum())} missing values: score every customer")
    top = check_real("top", top, 0, 1, low_open=True)
    n1, n0 = y.sum(), (1 - y).sum()
    if n1 == 0 or n0 == 0:
        raise ValueError("defected must contain both defectors and non-defectors to judge a ranking")
    ranks = s.rank()
    auc = (ranks[y == 1].sum() - n1 * (n1 + 1) / 2) / (n1 * n0)
    k = max(1, int(np.ceil(top * len(s) - 1e-9)))
    first = s.sort_values(ascending=False, kind="mergesort").index[:k]
    top_rate = y[first].mean()
    return pd.Series({"auc": round(float(auc), 3), "top_rate": round(float(top_rate), 3),
                      "base_rate": round(float(y.mean()), 3),
                      "lift": round(float(top_rate / y.mean()), 3), "customers": float(len(s))})


# --------------------------------------------------------------------------- word of mouth
def word_of_mouth(customers: int, satisfied_share: float, *, tells_satisfied: float = 8,
                  tells_dissatisfied: float = 25, retell: float = 0.0,
                  rounds: int = 1) -> pd.DataFrame:
    """Expected number of people who hear good and bad news about the firm.

    ``customers`` × ``satisfied_share`` satisfied customers each tell ``tells_satisfied``
    people, the rest tell ``tells_dissatisfied`` (the 8-and-25 of Managing Customer Relationships, folklore retold from
    TARP's surveys: per customer the dissatisfied do talk more, Anderson 1998, but overall positive
    word of mouth is about three times as common as negative, East, Hammond & Wright 2007). Each person
    told passes the story on to the same number of people with probability ``retell``, for
    ``rounds`` rounds in all. Expected values, no randomness: round k reaches
    tells × (retell × tells)^(k−1) people per customer.

    >>> word_of_mouth(100, 0.9)
           customers  people_told  per_customer
    story
    good        90.0        720.0           8.0
    bad         10.0        250.0          25.0
    """
    customers = check_real("customers", customers, 0)
    share = check_real("satisfied_share", satisfied_share, 0, 1)
    ts = check_real("tells_satisfied", tells_satisfied, 0)
    td = check_real("tells_dissatisfied", tells_dissatisfied, 0)
    retell = check_real("retell", retell, 0, 1)
    rounds = check_whole("rounds", rounds, 1, 20)

    def reach(tells):
        return sum(tells * (retell * tells) ** k for k in range(rounds))

    n = np.array([customers * share, customers * (1 - share)])
    per = np.array([reach(ts), reach(td)])
    out = pd.DataFrame({"customers": n, "people_told": n * per, "per_customer": per},
                       index=pd.Index(["good", "bad"], name="story"))
    return out


# --------------------------------------------------------------------------- switching maths
def annuity_payment(principal, annual_rate, months):
    """Monthly payment of a loan repaid in equal instalments (等额本息, an annuity).

    payment = P·r·(1 + r)^n ÷ ((1 + r)^n − 1), with monthly rate r = annual_rate ÷ 12 and
    n = ``months``; P ÷ n when the rate is 0. Rates are fractions (0.06 for 6%).
    Brealey, Myers & Allen, *Principles of Corporate Finance*, ch. 2 (annuities).

    >>> round(annuity_payment(100_000, 0.06, 360), 2)   # the textbook value: $599.55
    599.55
    """
    p = check_real("principal", principal, 0, low_open=True)
    rate = check_real("annual_rate", annual_rate, 0, 1)
    n = check_whole("months", months, 1, 600)
    r = rate / 12
    if r == 0:
        return p / n
    growth = (1 + r) ** n
    return p * r * growth / (growth - 1)


@dataclass
class SwitchingResult:
    """The switching maths of one loan: payments, savings and the break-even month.

    ``schedule`` has one row per month: old and new payment, the saving, and the cumulative
    saving net of the switching costs (negative until the costs are paid back).
    """

    old_payment: float
    new_payment: float
    monthly_saving: float
    switching_costs: float
    break_even_month: int | None
    net_saving: float
    schedule: pd.DataFrame

    def summary(self) -> str:
        """The result in one sentence, in the reader's language (the text form and the
        switching explorer's say it)."""
        numbers = dict(old=self.old_payment, new=self.new_payment, saving=self.monthly_saving,
                       costs=self.switching_costs, months=len(self.schedule), net=self.net_saving)
        if self.break_even_month is None:
            return _("¥{old:,.0f} → ¥{new:,.0f} a month (saves ¥{saving:,.0f}); switching costs "
                     "¥{costs:,.0f} are never paid back; net saving over {months} months "
                     "¥{net:,.0f}").format(**numbers)
        return _("¥{old:,.0f} → ¥{new:,.0f} a month (saves ¥{saving:,.0f}); switching costs "
                 "¥{costs:,.0f} are paid back in month {month}; net saving over {months} months "
                 "¥{net:,.0f}").format(month=self.break_even_month, **numbers)

    def __repr__(self):
        return _("SwitchingResult: {result}").format(result=self.summary())


def switching_calculator(principal, months, annual_rate, *, rate_factor: float = 0.7,
                         new_rate=None, switching_costs: float = 0.0) -> SwitchingResult:
    """Should a borrower move their mortgage to a bank that offers a discounted rate?

    The remaining ``principal`` (¥) would be repaid over the remaining ``months`` at
    ``annual_rate``; the new bank charges ``rate_factor`` × that rate (七折 = 0.7) or
    ``new_rate`` if given, over the same months. Payments follow :func:`annuity_payment`.
    ``switching_costs`` (¥, paid up front: fees, valuation, an early-repayment penalty) are
    paid back in the first month where the cumulative saving reaches them
    (``break_even_month``; None if never). ``net_saving`` = total saving − costs, not
    discounted (see the notebook for the present-value version).

    >>> r = switching_calculator(100_000, 360, 0.06, rate_factor=0.5, switching_costs=2_000)
    >>> round(r.old_payment, 2), round(r.new_payment, 2), r.break_even_month
    (599.55, 421.6, 12)
    """
    p = check_real("principal", principal, 0, low_open=True)
    n = check_whole("months", months, 1, 600)
    old = check_real("annual_rate", annual_rate, 0, 1)
    if new_rate is None:
        new = old * check_real("rate_factor", rate_factor, 0, 2)
    else:
        new = check_real("new_rate", new_rate, 0, 1)
    costs = check_real("switching_costs", switching_costs, 0)
    pay_old, pay_new = annuity_payment(p, old, n), annuity_payment(p, new, n)
    saving = pay_old - pay_new
    month = np.arange(1, n + 1)
    cumulative = saving * month - costs
    schedule = pd.DataFrame({"old_payment": pay_old, "new_payment": pay_new, "saving": saving,
                             "cumulative_net": cumulative}, index=pd.Index(month, name="month"))
    reached = np.flatnonzero(cumulative >= -1e-9)
    break_even = int(month[reached[0]]) if reached.size else None
    return SwitchingResult(old_payment=pay_old, new_payment=pay_new, monthly_saving=saving,
                           switching_costs=costs, break_even_month=break_even,
                           net_saving=float(cumulative[-1]), schedule=schedule)


def _windows(when: pd.Series, end, recent_weeks: int, earlier_weeks: int):
    """``(end, split, begin)``: the recent window is [split, end), the earlier one
    [begin, split); ``end`` defaults to the day after the last date in ``when``."""
    try:
        end = when.max().normalize() + pd.Timedelta(days=1) if end is None else pd.Timestamp(end)
    except (TypeError, ValueError):
        raise ValueError(f"end must be a date such as '2025-01-01', got {end!r}") from None
    split = end - pd.Timedelta(weeks=recent_weeks)
    return end, split, split - pd.Timedelta(weeks=earlier_weeks)

