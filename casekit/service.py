"""Running a service team: the technical-service-staff appraisal of case 5.1, the monthly
bonus split, and the telephone service norms checked on a call log.

The appraisal (the course Q&A, case 5.1, 技术客服人员考核) scores each technician on four modules,
each out of 100, and weights them:

==================  ======  ===================================================================
module              weight  how it is scored (each part out of 100)
==================  ======  ===================================================================
attendance          10%     on-duty 40% + service punctuality 60%; −10 per late arrival, early
                            departure or leave; **one missed service call → module score 0**
customer            20%     the customer's feedback form: attitude 25% + problem solved 50% +
                            professionalism 25%
manager             30%     the regional sales manager's overall mark
problem_solving     40%     on-site resolution rate 40% + post-service feedback 60%
==================  ======  ===================================================================

final score = Σ module score × module weight. The monthly bonus pool is 1‰ of the region's net
sales collections (销售净回款), split in proportion to each technician's final score over the
team's total.

Service norms (Customer Service and Management, reading 2-3, 咨询服务行为规范): answer within **two rings**, never
after more than **four**; if the line drops, find the number and call back within **five
minutes**; open with the fixed greeting; always address the customer as 您, never 你.

Every function checks its arguments and raises ``TypeError``/``ValueError`` naming the
argument; nothing returns a silent NaN.

>>> attendance_score(absences=1, late_services=0)          # 0.4 × 90 + 0.6 × 100
96.0
>>> attendance_score(absences=0, late_services=0, missed_services=1)
0.0
>>> split_bonus([90, 80, 70], pool=1000).tolist()
[375.0, 333.33, 291.67]
"""
from __future__ import annotations


import numpy as np
import pandas as pd

from casekit.checks import check_frame, check_numbers, check_seed, check_whole

__all__ = ["WEIGHTS", "PARTS", "TEAM_COLUMNS", "CALL_COLUMNS", "scheme_table",
           "attendance_score", "customer_score", "problem_solving_score", "final_score",
           "appraise", "bonus_pool", "split_bonus", "pay_table", "simulate_team",
           "simulate_calls", "call_norms", "norm_report"]

#: The four modules and their weights in the final score (case 5.1, section 5.2).
WEIGHTS: dict[str, float] = {"attendance": 0.10, "customer": 0.20, "manager": 0.30,
                             "problem_solving": 0.40}
#: The parts inside each module and their weights (case 5.1, sections 5.1.1–5.1.4).
PARTS: dict[str, dict[str, float]] = {
    "attendance": {"on_duty": 0.40, "punctuality": 0.60},
    "customer": {"attitude": 0.25, "solved": 0.50, "professionalism": 0.25},
    "manager": {"manager": 1.00},
    "problem_solving": {"onsite_rate": 0.40, "feedback": 0.60},
}
#: The columns :func:`appraise` needs: counts, then scores out of 100.
TEAM_COLUMNS: tuple[str, ...] = ("absences", "late_services", "missed_services", "attitude",
                                 "solved", "professionalism", "manager", "onsite_rate",
                                 "feedback")
#: The columns :func:`call_norms` needs in a call log.
CALL_COLUMNS: tuple[str, ...] = ("rings", "dropped", "callback_minutes", "greeting", "polite")

_COUNTS = ("absences", "late_services", "missed_services")
_ZH = {"attendance": "考勤评价", "customer": "客户评价", "manager": "销售经理评价",
       "problem_solving": "解决问题能力评价", "on_duty": "在岗率", "punctuality": "服务准时率",
       "attitude": "服务态度", "solved": "问题解决程度", "professionalism": "专业评价",
       "onsite_rate": "现场问题解决率", "feedback": "客服后反馈效果"}


# --------------------------------------------------------------------------- checks
def _result(values: np.ndarray, inputs, name: str):
    """A float for scalar inputs, else a Series (with the first Series input's index)."""
    if all(np.ndim(v) == 0 for v in inputs):
        return float(values[0])
    index = next((v.index for v in inputs if isinstance(v, pd.Series)), None)
    return pd.Series(values, index=index, name=name)


def _broadcast(named: dict) -> dict:
    arrays = {k: v for k, v in named.items()}
    sizes = {len(v) for v in arrays.values()} - {1}
    if len(sizes) > 1:
        raise ValueError("the arguments must have the same length (or be single numbers); got "
                         + ", ".join(f"{k}: {len(v)}" for k, v in arrays.items()))
    n = sizes.pop() if sizes else 1
    return {k: np.broadcast_to(v, n) for k, v in arrays.items()}


def _weights(weights) -> dict[str, float]:
    if weights is None:
        return dict(WEIGHTS)
    if not isinstance(weights, (dict, pd.Series)):
        raise TypeError(f"weights must be a dict of module → weight, got "
                        f"{type(weights).__name__}")
    weights = dict(weights)
    if set(weights) != set(WEIGHTS):
        raise ValueError(f"weights must give exactly the modules {list(WEIGHTS)}; got "
                         f"{list(weights)}")
    w = check_numbers("weights", [weights[k] for k in WEIGHTS], low=0)
    if abs(w.sum() - 1) > 1e-9:
        raise ValueError(f"weights must add up to 1 (100%); these add up to {w.sum():g}")
    return dict(zip(WEIGHTS, w.tolist()))


# --------------------------------------------------------------------------- the scheme
def scheme_table() -> pd.DataFrame:
    """The appraisal scheme as a table: one row per part, with its module's weight, the part's
    weight inside the module and its weight in the final score (the product).

    >>> t = scheme_table()
    >>> t[["module", "part", "in_final"]].head(3)
           module         part  in_final
    0  attendance      on_duty      0.04
    1  attendance  punctuality      0.06
    2    customer     attitude      0.05
    >>> float(round(t["in_final"].sum(), 10))
    1.0
    """
    rows = []
    for module, parts in PARTS.items():
        for part, w in parts.items():
            rows.append({"module": module, "模块": _ZH[module], "module_weight": WEIGHTS[module],
                         "part": part, "部分": _ZH[part], "part_weight": w,
                         "in_final": round(WEIGHTS[module] * w, 10)})
    return pd.DataFrame(rows)


def attendance_score(absences=0, late_services=0, missed_services=0, *, penalty: float = 10):
    """The attendance module (考勤评价), out of 100: on-duty 40% + service punctuality 60%.

    Both parts start at 100. The source says each late arrival, early departure or leave
    (迟到、早退、请假) costs 10 points, without saying from which part; here work-attendance
    incidents come off the **on-duty** part and late arrivals at a customer's site off the
    **punctuality** part (neither below 0). One **missed service** call (缺席一次客服) sets the
    whole module to 0.

    Parameters
    ----------
    absences : int or sequence of int
        Late arrivals at work, early departures and leaves in the period.
    late_services : int or sequence of int
        Service calls the technician reached late.
    missed_services : int or sequence of int
        Service calls the technician did not turn up for.
    penalty : float
        Points lost per incident (the source: 10).

    Returns
    -------
    float, or a Series when any argument is a sequence.

    >>> attendance_score(absences=2, late_services=1)      # 0.4 × 80 + 0.6 × 90
    86.0
    >>> attendance_score([0, 0], [0, 0], [0, 1]).tolist()
    [100.0, 0.0]
    >>> attendance_score(absences=-1)
    Traceback (most recent call last):
    ...
    ValueError: absences must be ≥ 0, got -1
    """
    raw = {"absences": absences, "late_services": late_services,
           "missed_services": missed_services}
    arr = _broadcast({k: check_numbers(k, v, low=0, whole=True) for k, v in raw.items()})
    p = check_numbers("penalty", penalty, low=0)[0]
    on_duty = np.clip(100 - p * arr["absences"], 0, 100)
    punctual = np.clip(100 - p * arr["late_services"], 0, 100)
    parts = PARTS["attendance"]
    score = parts["on_duty"] * on_duty + parts["punctuality"] * punctual
    score = np.where(arr["missed_services"] > 0, 0.0, score)
    return _result(score, list(raw.values()), "attendance")


def customer_score(attitude, solved, professionalism):
    """The customer-evaluation module (客户评价), from the feedback form, each part 0–100:
    attitude 25% + problem solved 50% + professionalism 25%.

    >>> customer_score(80, 90, 100)
    90.0
    >>> customer_score(80, 120, 100)
    Traceback (most recent call last):
    ...
    ValueError: solved must be ≥ 0 and ≤ 100, got 120
    """
    raw = {"attitude": attitude, "solved": solved, "professionalism": professionalism}
    arr = _broadcast({k: check_numbers(k, v, 0, 100) for k, v in raw.items()})
    score = sum(PARTS["customer"][k] * arr[k] for k in raw)
    return _result(score, list(raw.values()), "customer")


def problem_solving_score(onsite_rate, feedback):
    """The problem-solving module (解决问题能力评价), each part 0–100: on-site resolution
    rate 40% (the share of problems solved on site, in per cent) + post-service feedback 60%.

    >>> problem_solving_score(75, 90)
    84.0
    """
    raw = {"onsite_rate": onsite_rate, "feedback": feedback}
    arr = _broadcast({k: check_numbers(k, v, 0, 100) for k, v in raw.items()})
    score = sum(PARTS["problem_solving"][k] * arr[k] for k in raw)
    return _result(score, list(raw.values()), "problem_solving")


def final_score(attendance, customer, manager, problem_solving, *, weights=None):
    """The final appraisal score: Σ module score × module weight (case 5.2).

    Parameters
    ----------
    attendance, customer, manager, problem_solving : float or sequence
        Module scores, 0–100.
    weights : dict, optional
        Module → weight, adding up to 1; default :data:`WEIGHTS` (10/20/30/40%).

    >>> final_score(96, 90, 85, 84)               # 9.6 + 18 + 25.5 + 33.6
    86.7
    >>> final_score(96, 90, 85, 84, weights={"attendance": .25, "customer": .25,
    ...                                      "manager": .25, "problem_solving": .25})
    88.75
    >>> final_score(96, 90, 85, 84, weights={"attendance": .1, "customer": .2, "manager": .3,
    ...                                      "problem_solving": .3})
    Traceback (most recent call last):
    ...
    ValueError: weights must add up to 1 (100%); these add up to 0.9
    """
    w = _weights(weights)
    raw = {"attendance": attendance, "customer": customer, "manager": manager,
           "problem_solving": problem_solving}
    arr = _broadcast({k: check_numbers(k, v, 0, 100) for k, v in raw.items()})
    score = np.round(sum(w[k] * arr[k] for k in raw), 10)
    return _result(score, list(raw.values()), "final")


def appraise(team: pd.DataFrame, *, weights=None, penalty: float = 10) -> pd.DataFrame:
    """Score a whole team: the four module scores, the final score and the rank.

    Parameters
    ----------
    team : DataFrame
        One row per technician (the index names them) with the columns
        :data:`TEAM_COLUMNS`: the counts ``absences``, ``late_services``,
        ``missed_services`` and the 0–100 scores ``attitude``, ``solved``,
        ``professionalism`` (customer form), ``manager`` (the sales manager's mark),
        ``onsite_rate`` (per cent solved on site) and ``feedback`` (post-service feedback).
    weights : dict, optional
        Module weights adding up to 1; default :data:`WEIGHTS`.
    penalty : float
        Attendance points lost per incident (default 10).

    Returns
    -------
    DataFrame
        ``attendance``, ``customer``, ``manager``, ``problem_solving``, ``final`` and
        ``rank`` (1 = best; ties share the better rank), indexed like ``team``.

    >>> team = pd.DataFrame({"absences": [1, 0], "late_services": [0, 0],
    ...                      "missed_services": [0, 1], "attitude": [80, 90], "solved": [90, 90],
    ...                      "professionalism": [100, 90], "manager": [85, 90],
    ...                      "onsite_rate": [75, 80], "feedback": [90, 90]}, index=["Li", "Wang"])
    >>> appraise(team)
          attendance  customer  manager  problem_solving  final  rank
    Li          96.0      90.0     85.0             84.0   86.7     1
    Wang         0.0      90.0     90.0             86.0   79.4     2
    >>> appraise(team.drop(columns="manager"))
    Traceback (most recent call last):
    ...
    ValueError: team has no column 'manager'; its columns are ['absences', ...]
    """
    check_frame(team, "team", *TEAM_COLUMNS)
    if len(team) == 0:
        raise ValueError("team has no rows; give one row per technician")
    w = _weights(weights)
    att = attendance_score(team["absences"], team["late_services"], team["missed_services"],
                           penalty=penalty)
    cus = customer_score(team["attitude"], team["solved"], team["professionalism"])
    man = pd.Series(check_numbers("manager", team["manager"], 0, 100), index=team.index)
    pro = problem_solving_score(team["onsite_rate"], team["feedback"])
    out = pd.DataFrame({"attendance": att, "customer": cus, "manager": man,
                        "problem_solving": pro}, index=team.index)
    out["final"] = final_score(att, cus, man, pro, weights=w)
    out["rank"] = out["final"].rank(ascending=False, method="min").astype(int)
    return out


# --------------------------------------------------------------------------- bonus
def bonus_pool(net_collections: float, rate: float = 0.001) -> float:
    """The month's bonus pool: ``rate`` (1‰ in the case) of the region's net sales
    collections, rounded to the cent.

    >>> bonus_pool(8_000_000)
    8000.0
    >>> bonus_pool(-5)
    Traceback (most recent call last):
    ...
    ValueError: net_collections must be ≥ 0, got -5
    """
    c = check_numbers("net_collections", net_collections, low=0)
    r = check_numbers("rate", rate, low=0, high=1)
    if c.size != 1 or r.size != 1:
        raise ValueError("net_collections and rate must be single numbers")
    return round(float(c[0] * r[0]), 2)


def split_bonus(scores, pool: float) -> pd.Series:
    """Split ``pool`` in proportion to each person's score over the team's total, in cents
    that add up **exactly** to the pool.

    Each share ``pool × score / Σ scores`` is first rounded down to the cent; the cents left
    over go one each to the people with the largest remainders (the largest-remainder or
    Hamilton method; ties go to the earlier row). Plain rounding can leave the parts a cent
    over or under the pool.

    Parameters
    ----------
    scores : sequence or Series of numbers ≥ 0
        Final appraisal scores (a Series keeps its index).
    pool : float
        The money to split (¥), at most two decimals count.

    Returns
    -------
    Series named ``bonus`` (¥, two decimals).

    >>> split_bonus(pd.Series([1, 1, 1], index=["a", "b", "c"]), 100)
    a    33.34
    b    33.33
    c    33.33
    Name: bonus, dtype: float64
    >>> split_bonus([0, 0], 100)
    Traceback (most recent call last):
    ...
    ValueError: scores add up to 0: there is nothing to split the pool by
    """
    s = check_numbers("scores", scores, low=0)
    if s.size == 0:
        raise ValueError("scores is empty; give one score per person")
    if s.sum() <= 0:
        raise ValueError("scores add up to 0: there is nothing to split the pool by")
    p = check_numbers("pool", pool, low=0)
    if p.size != 1:
        raise ValueError("pool must be a single number")
    cents = int(round(p[0] * 100))
    exact = cents * s / s.sum()
    base = np.floor(exact).astype(np.int64)
    left = cents - int(base.sum())
    order = np.argsort(-(exact - base), kind="stable")
    base[order[:left]] += 1
    index = scores.index if isinstance(scores, pd.Series) else None
    return pd.Series(base / 100, index=index, name="bonus")


def pay_table(team: pd.DataFrame, pool: float, *, weights=None) -> pd.DataFrame:
    """Each technician's final score, rank and share of ``pool``, best first: what
    :func:`appraise` and :func:`split_bonus` give together.

    ``weights`` are the module weights, adding up to 1 (default :data:`WEIGHTS`).

    >>> pay_table(simulate_team(3, seed=1), 3000)
                final  rank    bonus
    technician
    T02         83.81     1  1005.32
    T03         83.50     2  1001.60
    T01         82.79     3   993.08
    """
    scores = appraise(team, weights=weights)
    bonus = split_bonus(scores["final"], pool)
    return scores[["final", "rank"]].assign(bonus=bonus).sort_values(["rank", "final"])


# --------------------------------------------------------------------------- simulated data
def simulate_team(n_technicians: int = 8, seed: int = 0) -> pd.DataFrame:
    """A month's appraisal inputs for a team of technicians (``T01``, ``T02``, …), seeded.

    Each technician has a latent *diligence*: diligent ones have fewer attendance incidents,
    better customer forms, better marks from the manager and solve more on site. About one
    in ten months a technician misses a service call. Scores are whole numbers, 0–100.

    >>> team = simulate_team(4, seed=1)
    >>> team.index.tolist(), list(team.columns) == list(TEAM_COLUMNS)
    (['T01', 'T02', 'T03', 'T04'], True)
    >>> simulate_team(4, seed=1).equals(team)
    True
    """
    n = check_whole("n_technicians", n_technicians, 1)
    rng = np.random.default_rng(check_seed(seed))
    z = rng.standard_normal(n)                           # diligence

    def score(centre, spread, noise):
        return np.clip(np.round(centre + spread * z + noise * rng.standard_normal(n)), 0, 100)

    team = pd.DataFrame({
        "absences": rng.poisson(np.exp(-0.2 - 0.6 * z)),
        "late_services": rng.poisson(np.exp(-0.5 - 0.6 * z)),
        "missed_services": (rng.random(n) < 0.10).astype(int),
        "attitude": score(86, 5, 4),
        "solved": score(82, 7, 5),
        "professionalism": score(84, 5, 4),
        "manager": score(82, 6, 5),
        "onsite_rate": score(74, 9, 6),
        "feedback": score(83, 6, 5),
    }, index=pd.Index([f"T{i + 1:02d}" for i in range(n)], name="technician"))
    return team.astype({c: "int64" for c in team.columns})


def simulate_calls(n_calls: int = 600, n_agents: int = 6, seed: int = 0) -> pd.DataFrame:
    """A month of a service desk's incoming calls, seeded, one row per call.

    Columns: ``call`` (1, 2, …), ``agent`` (``A1``, ``A2``, …), ``time`` (in March 2025,
    working hours), ``rings`` before the call was answered (1 or more), ``dropped`` (the line
    dropped during the call), ``callback_minutes`` (minutes until the agent called back;
    NaN if the line did not drop or nobody called back), ``greeting`` (opened with the fixed
    greeting) and ``polite`` (said 您 throughout). Agents differ in how fast they pick up
    and how reliably they call back and keep to the script.

    >>> calls = simulate_calls(50, 3, seed=2)
    >>> calls.columns.tolist()
    ['call', 'agent', 'time', 'rings', 'dropped', 'callback_minutes', 'greeting', 'polite']
    >>> bool((calls["rings"] >= 1).all())
    True
    """
    n = check_whole("n_calls", n_calls, 1)
    k = check_whole("n_agents", n_agents, 1)
    rng = np.random.default_rng(check_seed(seed))
    speed = rng.uniform(0.3, 2.2, k)                # mean extra rings per agent
    care = rng.uniform(0.55, 0.98, k)               # keeps to the script / calls back
    agent = rng.integers(0, k, n)
    day = rng.integers(0, 31, n)
    minute = rng.integers(8 * 60, 18 * 60, n)
    rings = 1 + rng.poisson(speed[agent])
    dropped = rng.random(n) < 0.06
    calls_back = dropped & (rng.random(n) < 0.5 + 0.5 * care[agent])
    wait = np.round(rng.exponential(1.0 + 6.0 * (1 - care[agent])), 1) + 0.5
    order = np.lexsort((minute, day))
    time = (pd.Timestamp("2025-03-01") + pd.to_timedelta(day * 1440 + minute, unit="min"))
    return pd.DataFrame({
        "call": np.arange(1, n + 1),
        "agent": pd.Categorical.from_codes(agent[order], [f"A{i + 1}" for i in range(k)]),
        "time": time[order],
        "rings": rings[order],
        "dropped": dropped[order],
        "callback_minutes": np.where(calls_back, wait, np.nan)[order],
        "greeting": (rng.random(n) < care[agent])[order],
        "polite": (rng.random(n) < 0.5 + 0.5 * care[agent])[order],
    })


# --------------------------------------------------------------------------- norms
def call_norms(calls: pd.DataFrame, *, target_rings: int = 2, max_rings: int = 4,
               callback_minutes: float = 5) -> pd.DataFrame:
    """Check each call against the service norms (Customer Service and Management, reading 2-3).

    Returns one row per call with boolean columns ``within_target`` (answered within
    ``target_rings``), ``within_max`` (never more than ``max_rings``), ``callback_ok`` (for a
    dropped call: called back within ``callback_minutes``; ``<NA>`` for calls that did not
    drop), ``greeting`` and ``polite`` (copied from the log).

    >>> log = pd.DataFrame({"rings": [1, 3, 5], "dropped": [False, True, True],
    ...                     "callback_minutes": [float("nan"), 3.0, float("nan")],
    ...                     "greeting": [True, True, False], "polite": [True, True, True]})
    >>> call_norms(log)
       within_target  within_max  callback_ok  greeting  polite
    0           True        True         <NA>      True    True
    1          False        True         True      True    True
    2          False       False        False     False    True
    >>> call_norms(log.drop(columns="rings"))
    Traceback (most recent call last):
    ...
    ValueError: calls has no column 'rings'; its columns are ['dropped', 'callback_minutes', 'greeting', 'polite']
    """
    check_frame(calls, "calls", *CALL_COLUMNS)
    target = check_whole("target_rings", target_rings, 1)
    limit = check_whole("max_rings", max_rings, 1)
    if limit < target:
        raise ValueError(f"max_rings ({limit}) must be at least target_rings ({target})")
    window = check_numbers("callback_minutes", callback_minutes, low=0)[0]
    rings = check_numbers("rings", calls["rings"], low=0, whole=True)
    flags = {}
    for col in ("dropped", "greeting", "polite"):
        if calls[col].isna().any() or not calls[col].isin([True, False]).all():
            raise ValueError(f"calls[{col!r}] must be True/False for every call")
        flags[col] = calls[col].astype(bool).to_numpy()
    wait = pd.to_numeric(calls["callback_minutes"], errors="coerce").to_numpy(dtype=float)
    if (wait < 0).any():
        raise ValueError("calls['callback_minutes'] must be 0 or more (NaN = no call back)")
    ok = pd.array(np.where(np.isnan(wait), False, wait <= window), dtype="boolean")
    ok[~flags["dropped"]] = pd.NA
    return pd.DataFrame({"within_target": rings <= target, "within_max": rings <= limit,
                         "callback_ok": ok, "greeting": flags["greeting"],
                         "polite": flags["polite"]}, index=calls.index)


def norm_report(calls: pd.DataFrame, by: str | None = "agent", **limits) -> pd.DataFrame:
    """How often the norms were kept, overall or per ``by`` (e.g. per agent).

    Columns: ``calls``, ``within_target`` and ``within_max`` (shares of calls), ``dropped``
    (number), ``callback_ok`` (share of *dropped* calls called back in time; NaN when none
    dropped), ``greeting`` and ``polite`` (shares). ``limits`` go to :func:`call_norms`.

    >>> log = pd.DataFrame({"agent": ["A", "A", "B"], "rings": [1, 3, 5],
    ...                     "dropped": [False, True, True],
    ...                     "callback_minutes": [float("nan"), 3.0, float("nan")],
    ...                     "greeting": [True, True, False], "polite": [True, True, True]})
    >>> norm_report(log)
           calls  within_target  within_max  dropped  callback_ok  greeting  polite
    agent
    A          2            0.5         1.0        1          1.0       1.0     1.0
    B          1            0.0         0.0        1          0.0       0.0     1.0
    >>> float(norm_report(log, by=None).loc["all", "within_max"])
    0.666666666...
    """
    flags = call_norms(calls, **limits)
    if by is None:
        key = pd.Series("all", index=calls.index, name="")
    elif by not in calls.columns:
        raise ValueError(f"by must be a column of calls (such as 'agent') or None, got {by!r}")
    else:
        key = calls[by]
    flags = flags.assign(dropped=calls["dropped"].astype(bool).to_numpy(),
                         callback_ok=flags["callback_ok"].astype("Float64"))
    grouped = flags.groupby(key.to_numpy() if by is None else key, observed=True)
    out = pd.DataFrame({
        "calls": grouped.size(),
        "within_target": grouped["within_target"].mean(),
        "within_max": grouped["within_max"].mean(),
        "dropped": grouped["dropped"].sum().astype(int),
        "callback_ok": grouped["callback_ok"].mean().astype(float),
        "greeting": grouped["greeting"].mean(),
        "polite": grouped["polite"].mean(),
    })
    out.index.name = by
    return out
