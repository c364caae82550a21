"""SWOT and TOWS: a factor table, weighted factor scoring (IFE/EFE), the internal–external
matrix and the TOWS strategy matrix.

**SWOT** lists a firm's internal **strengths** (S) and **weaknesses** (W) and the external
**opportunities** (O) and **threats** (T) it faces. Its weakness is that a list is
qualitative; the functions here add numbers the way strategy textbooks do (David, *Strategic
Management*):

- :func:`swot` builds the factor table (kind, factor, and optionally weight, rating and the
  evidence behind each factor) and checks it; :func:`swot_grid` lays it out as the 2 × 2 grid;
- :func:`ife` and :func:`efe` weight and rate the internal and external factors (weights
  add up to 1, ratings 1–4) into a total weighted score from 1 (weak) to 4 (strong);
- :func:`ie_cell` places the two totals in the nine-cell internal–external (IE) matrix and
  :func:`plot_ie` draws it (matplotlib is imported only then);
- :func:`tows` pairs internal with external factors into SO, ST, WO and WT strategies
  (Weihrich, 1982) and :func:`tows_grid` lays them out.

>>> table = swot([("S", "Low prices", 0.6, 4), ("W", "Thin service", 0.4, 2),
...               ("O", "Growing suburbs", 0.7, 3), ("T", "Online grocers", 0.3, 2)])
>>> ife(table).total, efe(table).total
(3.2, 2.7)
>>> ie_cell(3.2, 2.7)
('IV', 'grow and build')
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from casekit.checks import check_frame, check_real
from casekit.i18n import _

__all__ = ["KINDS", "KIND_NAMES", "TOWS_QUADRANTS", "FactorMatrix", "swot", "swot_grid",
           "ife", "efe", "ie_cell", "plot_ie", "tows", "tows_grid"]

#: The four kinds of factor, in the grid's reading order.
KINDS: tuple[str, ...] = ("S", "W", "O", "T")
#: The full name of each kind.
KIND_NAMES: dict[str, str] = {"S": "strength", "W": "weakness", "O": "opportunity",
                              "T": "threat"}
#: The four TOWS quadrants and what each kind of strategy does (Weihrich, 1982).
TOWS_QUADRANTS: dict[str, str] = {
    "SO": "use strengths to take opportunities (maxi-maxi)",
    "ST": "use strengths to meet threats (maxi-mini)",
    "WO": "take opportunities to overcome weaknesses (mini-maxi)",
    "WT": "cut weaknesses and avoid threats (mini-mini)",
}
_ALIASES = {"s": "S", "strength": "S", "strengths": "S", "w": "W", "weakness": "W",
            "weaknesses": "W", "o": "O", "opportunity": "O", "opportunities": "O", "t": "T",
            "threat": "T", "threats": "T"}
_COLUMNS = ["kind", "factor", "weight", "rating", "evidence"]
_WEIGHT_TOLERANCE = 0.01 + 1e-9   # weights rounded to two decimals (3 × 0.33) pass


# --------------------------------------------------------------------------- checks
def _kind(value, where: str) -> str:
    key = _ALIASES.get(value.strip().lower()) if isinstance(value, str) else None
    if key is None:
        raise ValueError(f"{where}: kind must be 'S', 'W', 'O' or 'T' (strength, weakness, "
                         f"opportunity, threat), got {value!r}")
    return key


def _records(factors) -> list[dict]:
    if isinstance(factors, pd.DataFrame):
        check_frame(factors, "factors", "kind", "factor")
        return factors.to_dict("records")
    if isinstance(factors, (str, bytes, dict)) or not hasattr(factors, "__iter__"):
        raise TypeError("factors must be a DataFrame or a list of rows such as "
                        f"('S', 'Low prices', 0.2, 4); got {type(factors).__name__}")
    rows = []
    for n, row in enumerate(factors, start=1):
        if isinstance(row, dict):
            rows.append(row)
        elif isinstance(row, (tuple, list)) and 2 <= len(row) <= 5:
            rows.append(dict(zip(_COLUMNS, row)))
        else:
            raise TypeError(f"factors, row {n}: give (kind, factor[, weight, rating, "
                            f"evidence]) or a dict, got {row!r}")
    return rows


def swot(factors) -> pd.DataFrame:
    """The SWOT factor table, checked: one row per factor.

    Parameters
    ----------
    factors : DataFrame or list of rows
        Each row gives ``kind`` (``"S"``, ``"W"``, ``"O"``, ``"T"`` or the full word),
        ``factor`` (a short statement) and optionally ``weight`` (its importance, a share
        from 0 to 1 among the factors on its side, internal or external), ``rating`` (1–4,
        see :func:`ife` and :func:`efe`) and ``evidence`` (the fact or number behind it).
        Rows are tuples in that order, dicts or DataFrame rows.

    Returns
    -------
    DataFrame
        Columns ``kind``, ``factor``, ``weight``, ``rating``, ``evidence`` and ``side``
        (``"internal"`` for S and W, ``"external"`` for O and T), ordered S, W, O, T and
        within a kind as given. Missing weights and ratings are NaN, missing evidence ''.

    >>> swot([("threat", "Online grocers"), ("S", "Low prices", 0.6, 4, "¥3 below rivals")])
      kind          factor  weight  rating         evidence      side
    0    S      Low prices     0.6     4.0  ¥3 below rivals  internal
    1    T  Online grocers     NaN     NaN                   external
    >>> swot([("X", "Brand")])
    Traceback (most recent call last):
    ...
    ValueError: factors, row 1: kind must be 'S', 'W', 'O' or 'T' (strength, weakness, opportunity, threat), got 'X'
    """
    rows, seen = [], set()
    for n, raw in enumerate(_records(factors), start=1):
        where = f"factors, row {n}"
        unknown = set(raw) - set(_COLUMNS) - {"side"}
        if unknown:
            raise ValueError(f"{where}: unknown field(s) {sorted(unknown)}; allowed: {_COLUMNS}")
        kind = _kind(raw.get("kind"), where)
        factor = raw.get("factor")
        if not isinstance(factor, str) or not factor.strip():
            raise ValueError(f"{where}: factor must be a short non-empty text, got {factor!r}")
        factor = " ".join(factor.split())
        if factor.casefold() in seen:
            raise ValueError(f"{where}: the factor {factor!r} is listed twice")
        seen.add(factor.casefold())
        weight = check_real(f"{where}: weight", raw.get("weight"), optional=True)
        rating = check_real(f"{where}: rating", raw.get("rating"), optional=True)
        if not np.isnan(weight) and not 0 <= weight <= 1:
            raise ValueError(f"{where}: weight must be a share between 0 and 1, got {weight:g}")
        evidence = raw.get("evidence")
        evidence = "" if evidence is None or (isinstance(evidence, float) and np.isnan(evidence)) \
            else str(evidence)
        rows.append({"kind": kind, "factor": factor, "weight": weight, "rating": rating,
                     "evidence": evidence, "side": "internal" if kind in "SW" else "external"})
    if not rows:
        raise ValueError("factors is empty: list at least one strength, weakness, opportunity "
                         "or threat")
    table = pd.DataFrame(rows, columns=_COLUMNS + ["side"])
    order = table["kind"].map(KINDS.index)
    return table.iloc[np.argsort(order.to_numpy(), kind="stable")].reset_index(drop=True)


def _table(table, name="table") -> pd.DataFrame:
    check_frame(table, name, "kind", "factor", made_by="swot()")
    return swot(table[[c for c in _COLUMNS if c in table.columns]])


def swot_grid(table: pd.DataFrame) -> pd.DataFrame:
    """The factors as the familiar 2 × 2 SWOT grid: internal/external × helpful/harmful.

    >>> grid = swot_grid(swot([("S", "Low prices"), ("S", "Big stores"), ("T", "Online grocers")]))
    >>> grid.loc["internal", "helpful"], grid.loc["external", "harmful"]
    ('Strengths: Low prices; Big stores', 'Threats: Online grocers')
    """
    t = _table(table)
    cells = {}
    for kind in KINDS:
        names = t.loc[t["kind"] == kind, "factor"].tolist()
        label = {"S": "Strengths", "W": "Weaknesses", "O": "Opportunities", "T": "Threats"}[kind]
        cells[kind] = f"{label}: " + ("; ".join(names) if names else "—")
    return pd.DataFrame([[cells["S"], cells["W"]], [cells["O"], cells["T"]]],
                        index=pd.Index(["internal", "external"], name="origin"),
                        columns=pd.Index(["helpful", "harmful"], name="effect"))


# --------------------------------------------------------------------------- IFE / EFE
@dataclass(frozen=True)
class FactorMatrix:
    """A weighted factor evaluation (IFE or EFE): the table and its total weighted score.

    ``table`` has one row per factor with ``kind``, ``factor``, ``weight``, ``rating`` and
    ``score`` (weight × rating); ``total`` is the sum of the scores, from 1 to 4, with 2.5
    the midpoint.
    """

    name: str
    table: pd.DataFrame

    @property
    def total(self) -> float:
        return float(round(self.table["score"].sum(), 10))

    def __repr__(self):
        numbers = dict(name=self.name, total=self.total, n=len(self.table))
        if self.total > 2.5:
            return _("{name}: total weighted score {total:.2f} over {n} factors (above the "
                     "midpoint 2.5; 1 = weak, 4 = strong)").format(**numbers)
        if self.total < 2.5:
            return _("{name}: total weighted score {total:.2f} over {n} factors (below the "
                     "midpoint 2.5; 1 = weak, 4 = strong)").format(**numbers)
        return _("{name}: total weighted score {total:.2f} over {n} factors (at the midpoint "
                 "2.5; 1 = weak, 4 = strong)").format(**numbers)


def _factor_matrix(table, side: str, name: str) -> FactorMatrix:
    t = _table(table)
    t = t[t["side"] == side].reset_index(drop=True)
    kinds = "strengths and weaknesses" if side == "internal" else "opportunities and threats"
    if t.empty:
        raise ValueError(f"table has no {side} factors: the {name} needs {kinds}")
    for col in ("weight", "rating"):
        if t[col].isna().any():
            bad = t.loc[t[col].isna(), "factor"].iloc[0]
            raise ValueError(f"table: the {side} factor {bad!r} has no {col}; the {name} needs a "
                             f"weight and a rating for every one of its factors")
    total = t["weight"].sum()
    if abs(total - 1) > _WEIGHT_TOLERANCE:
        raise ValueError(f"weights of the {side} factors must add up to 1 (each is a share of "
                         f"importance); they add up to {total:.3g}. Divide each by {total:.3g} "
                         f"to rescale them")
    bad = t[~t["rating"].isin([1, 2, 3, 4])]
    if not bad.empty:
        raise ValueError(f"ratings must be whole numbers from 1 to 4; {bad['factor'].iloc[0]!r} "
                         f"has {bad['rating'].iloc[0]:g}")
    if side == "internal":
        wrong = t[((t["kind"] == "S") & (t["rating"] < 3)) | ((t["kind"] == "W") & (t["rating"] > 2))]
        if not wrong.empty:
            row = wrong.iloc[0]
            raise ValueError(f"ratings in an IFE: a strength is rated 3 (minor) or 4 (major), a "
                             f"weakness 1 (major) or 2 (minor); the {KIND_NAMES[row['kind']]} "
                             f"{row['factor']!r} has {row['rating']:g}")
    out = t[["kind", "factor", "weight", "rating"]].copy()
    out["score"] = (out["weight"] * out["rating"]).round(10)
    return FactorMatrix(name, out)


def ife(table: pd.DataFrame) -> FactorMatrix:
    """The internal factor evaluation (IFE): strengths and weaknesses, weighted and rated.

    Each internal factor gets a **weight** (its importance to success in the industry, a
    share: the internal weights add up to 1) and a **rating**: 4 a major strength, 3 a minor
    strength, 2 a minor weakness, 1 a major weakness. Score = weight × rating; the total
    runs from 1 to 4, and above 2.5 means the firm is internally stronger than average.

    Source: David, F. R., *Strategic Management: Concepts and Cases* (the IFE matrix).

    >>> t = swot([("S", "Low prices", 0.30, 4), ("S", "Card data", 0.20, 3),
    ...           ("W", "Slow checkout", 0.35, 1), ("W", "Thin online shop", 0.15, 2)])
    >>> m = ife(t)
    >>> m.total                       # 1.2 + 0.6 + 0.35 + 0.3
    2.45
    >>> m
    IFE: total weighted score 2.45 over 4 factors (below the midpoint 2.5; 1 = weak, 4 = strong)
    >>> ife(swot([("S", "Low prices", 0.5, 4), ("W", "Slow checkout", 0.4, 1)]))
    Traceback (most recent call last):
    ...
    ValueError: weights of the internal factors must add up to 1 (each is a share of importance); they add up to 0.9. Divide each by 0.9 to rescale them
    """
    return _factor_matrix(table, "internal", "IFE")


def efe(table: pd.DataFrame) -> FactorMatrix:
    """The external factor evaluation (EFE): opportunities and threats, weighted and rated.

    Each external factor gets a **weight** (a share: the external weights add up to 1) and a
    **rating** of how well the firm's current strategy responds to it: 4 superior, 3 above
    average, 2 average, 1 poor. The total runs from 1 to 4; 2.5 is average.

    Source: David, F. R., *Strategic Management: Concepts and Cases* (the EFE matrix).

    >>> t = swot([("O", "Growing suburbs", 0.6, 3), ("T", "Rival's price cut", 0.4, 2)])
    >>> efe(t).table
      kind             factor  weight  rating  score
    0    O    Growing suburbs     0.6     3.0    1.8
    1    T  Rival's price cut     0.4     2.0    0.8
    >>> efe(t).total
    2.6
    >>> efe(swot([("O", "Suburbs", 1.0, 5)]))
    Traceback (most recent call last):
    ...
    ValueError: ratings must be whole numbers from 1 to 4; 'Suburbs' has 5
    """
    return _factor_matrix(table, "external", "EFE")


# --------------------------------------------------------------------------- IE matrix
_IE_CELLS = (("I", "II", "III"), ("IV", "V", "VI"), ("VII", "VIII", "IX"))
_IE_STRATEGY = {"I": "grow and build", "II": "grow and build", "IV": "grow and build",
                "III": "hold and maintain", "V": "hold and maintain", "VII": "hold and maintain",
                "VI": "harvest or divest", "VIII": "harvest or divest", "IX": "harvest or divest"}


def _prescriptions() -> dict[str, str]:
    """The three prescriptions (as :func:`ie_cell` gives them) in the reader's language."""
    return {"grow and build": _("grow and build"), "hold and maintain": _("hold and maintain"),
            "harvest or divest": _("harvest or divest")}


def _total(value, name) -> float:
    if isinstance(value, FactorMatrix):
        value = value.total
    return check_real(name, value, 1, 4, what=f"a total weighted score (a number from 1 to 4) "
                                             f"or what {name}() returns")


def ie_cell(ife_total, efe_total) -> tuple[str, str]:
    """The cell of the nine-cell internal–external (IE) matrix and its prescription.

    Columns: IFE total 3.0–4.0 strong, 2.0–2.99 average, 1.0–1.99 weak; rows: EFE total
    3.0–4.0 high, 2.0–2.99 medium, 1.0–1.99 low. Cells I, II, IV: *grow and build*; III, V,
    VII: *hold and maintain*; VI, VIII, IX: *harvest or divest*.

    Parameters
    ----------
    ife_total, efe_total : float or FactorMatrix
        The two total weighted scores (1–4), or the results of :func:`ife` and :func:`efe`.

    Source: David, F. R., *Strategic Management* (the IE matrix, after GE/McKinsey's grid).

    >>> ie_cell(3.2, 2.7)
    ('IV', 'grow and build')
    >>> ie_cell(2.45, 2.6)
    ('V', 'hold and maintain')
    >>> ie_cell(2.5, 4.5)
    Traceback (most recent call last):
    ...
    ValueError: efe_total must be ≥ 1 and ≤ 4, got 4.5
    """
    i, e = _total(ife_total, "ife_total"), _total(efe_total, "efe_total")
    col = 0 if i >= 3 else 1 if i >= 2 else 2
    row = 0 if e >= 3 else 1 if e >= 2 else 2
    cell = _IE_CELLS[row][col]
    return cell, _IE_STRATEGY[cell]


def plot_ie(ife_total, efe_total, *, label: str = "", ax=None):
    """Draw the IE matrix with the firm's position; returns the matplotlib Axes.

    The IFE axis runs from 4 (strong, left) to 1 (weak, right), as in David's textbook; the
    cells are shaded by prescription (grow and build, hold and maintain, harvest or divest)
    and each names its prescription under its numeral. The labels and prescriptions are in
    the reader's language (:mod:`casekit.i18n`).

    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> ax = plot_ie(3.2, 2.7, label="ValueMart")
    >>> ax.get_xlabel()
    'IFE total weighted score (4 = strong, 1 = weak)'
    >>> [t.get_text() for t in ax.texts[6:8]]      # cell IV: its numeral and prescription
    ['IV', 'grow and build']
    >>> import matplotlib.pyplot as plt; plt.close(ax.figure)
    """
    i, e = _total(ife_total, "ife_total"), _total(efe_total, "efe_total")
    if not isinstance(label, str):
        raise TypeError(f"label must be text, got {label!r}")
    import matplotlib.pyplot as plt

    from casekit.plots import GREY, PALETTE, use_cjk_font

    use_cjk_font()          # the labels speak the reader's language

    if ax is None:
        ax = plt.subplots(figsize=(5.6, 5.0))[1]
    shade = {"grow and build": PALETTE[2], "hold and maintain": PALETTE[1],
             "harvest or divest": PALETTE[3]}
    edges = (4, 3, 2, 1)
    said = _prescriptions()
    for r in range(3):
        for c in range(3):
            cell = _IE_CELLS[r][c]
            x0, x1 = edges[c + 1], edges[c]
            y0, y1 = edges[r + 1], edges[r]
            ax.fill_between([x0, x1], y0, y1, color=shade[_IE_STRATEGY[cell]], alpha=0.18,
                            linewidth=0)
            ax.text((x0 + x1) / 2, y1 - 0.12, cell, ha="center", va="top", color=GREY,
                    fontsize="small")
            ax.text((x0 + x1) / 2, y1 - 0.32, said[_IE_STRATEGY[cell]], ha="center", va="top",
                    color=GREY, fontsize="x-small")
    for v in (2, 3):
        ax.axvline(v, color=GREY, linewidth=0.8)
        ax.axhline(v, color=GREY, linewidth=0.8)
    ax.scatter([i], [e], s=90, color=PALETTE[0], zorder=3)
    if label:
        ax.annotate(label, (i, e), xytext=(6, 6), textcoords="offset points", zorder=4)
    ax.set_xlim(4, 1)
    ax.set_ylim(1, 4)
    ax.set_xticks([4, 3, 2, 1])
    ax.set_yticks([1, 2, 3, 4])
    ax.grid(False)
    ax.set_xlabel(_("IFE total weighted score (4 = strong, 1 = weak)"))
    ax.set_ylabel(_("EFE total weighted score (4 = high, 1 = low)"))
    return ax


# --------------------------------------------------------------------------- TOWS
def tows(table: pd.DataFrame, strategies) -> pd.DataFrame:
    """The TOWS strategies: each pairs one internal factor with one external factor.

    A strategy built on a strength and an opportunity is **SO**, on a strength and a threat
    **ST**, on a weakness and an opportunity **WO**, on a weakness and a threat **WT**
    (see :data:`TOWS_QUADRANTS`). The quadrant follows from the factors' kinds, so a
    strategy cannot be filed in the wrong one.

    Parameters
    ----------
    table : DataFrame
        The factors, from :func:`swot`.
    strategies : list of (internal factor, external factor, strategy)
        Factors by their text as in ``table`` (case and spacing ignored); the order of the
        first two does not matter.

    Returns
    -------
    DataFrame
        Columns ``quadrant``, ``internal``, ``external``, ``strategy``, ordered SO, ST, WO,
        WT and within a quadrant as given.

    Source: Weihrich, H. (1982), The TOWS matrix — a tool for situational analysis,
    *Long Range Planning* 15(2), 54–66.

    >>> t = swot([("S", "Low prices"), ("W", "Slow checkout"), ("O", "Growing suburbs"),
    ...           ("T", "Rival's price cut")])
    >>> tows(t, [("Slow checkout", "Rival's price cut", "Add self-checkouts in the North"),
    ...          ("growing suburbs", "low prices", "Open discount stores")])
      quadrant       internal           external                         strategy
    0       SO     Low prices    Growing suburbs             Open discount stores
    1       WT  Slow checkout  Rival's price cut  Add self-checkouts in the North
    >>> tows(t, [("Low prices", "Slow checkout", "Cut prices")])
    Traceback (most recent call last):
    ...
    ValueError: strategies, row 1: a TOWS strategy pairs one internal factor (S or W) with one external factor (O or T); 'Low prices' and 'Slow checkout' are both internal
    """
    t = _table(table)
    lookup = {f.casefold(): (f, k) for f, k in zip(t["factor"], t["kind"])}
    if isinstance(strategies, (str, bytes)) or not hasattr(strategies, "__iter__"):
        raise TypeError("strategies must be a list of (internal factor, external factor, "
                        f"strategy), got {type(strategies).__name__}")
    rows = []
    for n, row in enumerate(strategies, start=1):
        where = f"strategies, row {n}"
        if not isinstance(row, (tuple, list)) or len(row) != 3 \
                or not all(isinstance(v, str) and v.strip() for v in row):
            raise TypeError(f"{where}: give (internal factor, external factor, strategy) as "
                            f"three texts, got {row!r}")
        found = []
        for name in row[:2]:
            key = " ".join(name.split()).casefold()
            if key not in lookup:
                raise ValueError(f"{where}: {name!r} is not a factor of the table; its factors "
                                 f"are {list(t['factor'])}")
            found.append(lookup[key])
        sides = ["internal" if k in "SW" else "external" for _, k in found]
        if sides[0] == sides[1]:
            raise ValueError(f"{where}: a TOWS strategy pairs one internal factor (S or W) with "
                             f"one external factor (O or T); {found[0][0]!r} and {found[1][0]!r} "
                             f"are both {sides[0]}")
        inner, outer = found if sides[0] == "internal" else found[::-1]
        rows.append({"quadrant": inner[1] + outer[1], "internal": inner[0],
                     "external": outer[0], "strategy": " ".join(row[2].split())})
    if not rows:
        raise ValueError("strategies is empty: give at least one (internal, external, strategy)")
    out = pd.DataFrame(rows, columns=["quadrant", "internal", "external", "strategy"])
    order = out["quadrant"].map(list(TOWS_QUADRANTS).index).to_numpy()
    return out.iloc[np.argsort(order, kind="stable")].reset_index(drop=True)


def tows_grid(strategies: pd.DataFrame) -> pd.DataFrame:
    """The TOWS strategies as a 2 × 2 grid: strengths/weaknesses × opportunities/threats.

    Each cell lists its strategies, separated by " · ", or "—" when there are none.

    >>> t = swot([("S", "Low prices"), ("T", "Rival's price cut")])
    >>> grid = tows_grid(tows(t, [("Low prices", "Rival's price cut", "Match the cut")]))
    >>> grid.loc["strengths", "threats"], grid.loc["weaknesses", "opportunities"]
    ('ST: Match the cut', 'WO: —')
    """
    check_frame(strategies, "strategies", "quadrant", "strategy", made_by="tows()")
    cells = {q: f"{q}: " + (" · ".join(strategies.loc[strategies["quadrant"] == q, "strategy"])
                            or "—") for q in TOWS_QUADRANTS}
    return pd.DataFrame([[cells["SO"], cells["ST"]], [cells["WO"], cells["WT"]]],
                        index=pd.Index(["strengths", "weaknesses"], name="internal"),
                        columns=pd.Index(["opportunities", "threats"], name="external"))
