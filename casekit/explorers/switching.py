"""The switching explorer (chapter 3): sliders for a mortgage's remaining loan, months, rate,
the new bank's discount and the switching costs, over
:func:`casekit.defection.switching_calculator`; ``result`` is its
:class:`~casekit.defection.SwitchingResult`.

>>> ex = SwitchingExplorer(principal=500_000, months=240, annual_rate=0.0594)
>>> ex.update(switching_costs=20_000).break_even_month
41
>>> ex
Switching calculator: ¥3,565 → ¥3,072 a month (saves ¥493); switching costs ¥20,000 are paid back in month 41; net saving over 240 months ¥98,363
"""
from __future__ import annotations

from casekit.defection import SwitchingResult, switching_calculator
from casekit.explorers import Explorer
from casekit.i18n import _

__all__ = ["SwitchingExplorer"]


def _sliders() -> dict:
    """Each slider's label (in the reader's language), lowest and highest value, step and
    readout format."""
    return {"principal": (_("Remaining loan (¥)"), 10_000, 3_000_000, 10_000, ",.0f"),
            "months": (_("Months left"), 6, 360, 6, "d"),
            "annual_rate": (_("Current rate"), 0.01, 0.12, 0.0001, ".2%"),
            "rate_factor": (_("New rate ÷ old"), 0.5, 1.0, 0.01, ".2f"),
            "switching_costs": (_("Switching costs (¥)"), 0, 50_000, 500, ",.0f")}


class SwitchingExplorer(Explorer):
    """Sliders over :func:`~casekit.defection.switching_calculator`: loan, term, rate,
    discount and costs, with the payments, the saving and the break-even month under them."""

    def __init__(self, principal=500_000, months=240, annual_rate=0.0594, rate_factor=0.7,
                 switching_costs=5_000):
        super().__init__(principal=principal, months=months, annual_rate=annual_rate,
                         rate_factor=rate_factor, switching_costs=switching_costs)

    def _compute(self, settings: dict) -> SwitchingResult:
        return switching_calculator(settings["principal"], settings["months"],
                                    settings["annual_rate"], rate_factor=settings["rate_factor"],
                                    switching_costs=settings["switching_costs"])

    def __repr__(self):
        return _("Switching calculator: {result}").format(result=self.result.summary())

    def _controls(self, w) -> dict:
        return {key: (w.IntSlider if key == "months" else w.FloatSlider)(
                    min=low, max=high, step=step, description=label, readout_format=fmt,
                    continuous_update=False, style={"description_width": "11em"},
                    layout=w.Layout(width="32em"))
                for key, (label, low, high, step, fmt) in _sliders().items()}

    def _draw(self):
        r, s = self.result, self.settings
        payments = _("New rate {new_rate:.2%} instead of {rate:.2%}. Monthly payment "
                     "¥{old:,.0f} → ¥{new:,.0f}: saves <b>¥{saving:,.0f}</b> a month.").format(
            new_rate=s["annual_rate"] * s["rate_factor"], rate=s["annual_rate"],
            old=r.old_payment, new=r.new_payment, saving=r.monthly_saving)
        if r.break_even_month is None:
            costs = _("Switching costs ¥{costs:,.0f} are <b>never</b> paid back (the costs "
                      "exceed the savings).").format(costs=r.switching_costs)
        else:
            costs = _("Switching costs ¥{costs:,.0f} are paid back in month <b>{month}</b> of "
                      "{months}.").format(costs=r.switching_costs, month=r.break_even_month,
                                          months=s["months"])
        net = _("Net saving over the loan: <b>¥{net:,.0f}</b> (not discounted).").format(
            net=r.net_saving)
        self.summary.value = f"<p>{payments}<br>{costs}<br>{net}</p>"
