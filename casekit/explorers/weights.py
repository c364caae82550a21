"""The weight explorer (chapter 6): sliders for the four appraisal modules' weights over
:func:`casekit.service.pay_table`; ``result`` is its table of final scores, ranks and
bonuses, best first.

The sliders need not add up to 100: the weights used (``weights``) are the sliders divided
by their sum.

>>> from casekit.service import simulate_team
>>> ex = WeightExplorer(simulate_team(3, seed=1), pool=3000)
>>> ex.update(attendance=0, customer=0, manager=50, problem_solving=0)
            final  rank    bonus
technician
T03          83.0     1  1077.92
T02          77.0     2  1000.00
T01          71.0     3   922.08
>>> ex
Weights: attendance 0%, customer 0%, manager 100%, problem_solving 0%. Top: T03 (83.0 points, ¥1,077.92 of ¥3,000.00)
>>> ex.update(manager=0)
Traceback (most recent call last):
...
ValueError: at least one weight must be above 0
"""
from __future__ import annotations

import pandas as pd

from casekit.checks import check_numbers
from casekit.explorers import Explorer
from casekit.i18n import _, pgettext
from casekit.service import WEIGHTS, appraise, bonus_pool, pay_table

__all__ = ["WeightExplorer"]


def _modules(keys: bool = False) -> dict[str, str]:
    """The four appraisal modules' names in the reader's language: in English in words
    ("problem solving") or, with ``keys``, as the settings name them ("problem_solving")."""
    return {"attendance": pgettext("appraisal module", "attendance"),
            "customer": pgettext("appraisal module", "customer"),
            "manager": pgettext("appraisal module", "manager"),
            "problem_solving": pgettext("appraisal module", "problem_solving") if keys
            else pgettext("appraisal module", "problem solving")}


class WeightExplorer(Explorer):
    """Sliders for the module weights (0–100 each; the case's 10, 20, 30 and 40 unless
    given) over a team's ranks and bonuses."""

    def __init__(self, team: pd.DataFrame, pool: float, **weights):
        self.team, self.pool = team, bonus_pool(pool, rate=1)
        appraise(team)                                      # checks the team once
        case = {k: round(100 * v) for k, v in WEIGHTS.items()}
        unknown = set(weights) - set(case)
        if unknown:
            raise TypeError(f"unknown weight(s) {sorted(unknown)}; the modules are "
                            f"{list(WEIGHTS)}")
        super().__init__(**{**case, **weights})

    def _compute(self, settings: dict) -> pd.DataFrame:
        raw = check_numbers("weights", [settings[k] for k in WEIGHTS], low=0)
        if raw.sum() <= 0:
            raise ValueError(_("at least one weight must be above 0"))
        weights = dict(zip(WEIGHTS, (raw / raw.sum()).tolist()))
        table = pay_table(self.team, self.pool, weights=weights)
        self.weights = weights
        return table

    def __repr__(self):
        names = _modules(keys=True)
        w = _(", ").join(f"{names[k]} {v:.0%}" for k, v in self.weights.items())
        top = self.result.iloc[0]
        return _("Weights: {weights}. Top: {technician} ({points:.1f} points, ¥{bonus:,.2f} of "
                 "¥{pool:,.2f})").format(weights=w, technician=self.result.index[0],
                                         points=top["final"], bonus=top["bonus"], pool=self.pool)

    def _controls(self, w) -> dict:
        names = _modules()
        return {key: w.IntSlider(min=0, max=100, step=5, description=names[key].capitalize(),
                                 continuous_update=False, style={"description_width": "10em"},
                                 layout=w.Layout(width="30em"))
                for key in WEIGHTS}

    def _draw(self):
        names = _modules()
        w = " · ".join(f"{names[k]} <b>{v:.0%}</b>" for k, v in self.weights.items())
        rows = "".join(f"<tr><td>{t.rank}</td><td>{t.Index}</td><td>{t.final:.1f}</td>"
                       f"<td>¥{t.bonus:,.2f}</td></tr>" for t in self.result.itertuples())
        head = "".join(f"<th>{h}</th>" for h in (_("rank"), _("technician"), _("final"),
                                                  _("bonus")))
        used = _("Weights used: {weights}").format(weights=w)
        self.summary.value = f"<p>{used}</p><table><tr>{head}</tr>{rows}</table>"
