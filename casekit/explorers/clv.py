"""The CLV explorer (chapter 1): sliders for margin, retention and discount rate over the
simple retention formula, showing the customer lifetime value and how it builds up.

A view over :func:`casekit.value.clv_retention` (the number, ``result``) and
:func:`casekit.value.clv_schedule` (the cumulative curve, ``schedule``):

>>> ex = clv_explorer(margin=100, retention=0.8, discount_rate=0.1)
>>> round(ex.update(retention=0.9), 2)            # 100 × 1.1 / (1.1 − 0.9)
550.0
>>> ex
CLV explorer: margin ¥100 a period, retention 90%, discount rate 10%, first margin now (acquisition-time): CLV ¥550.00; an expected 10.0 periods as a customer; the first 20 periods bring 98% of the value.
>>> round(ex.update(timing="end_of_period"), 2)   # the first margin a period away
500.0
>>> ex.schedule[["survival", "cumulative_clv"]].head(3).round(2)
        survival  cumulative_clv
period
1           1.00           90.91
2           0.90          165.29
3           0.81          226.16
"""
from __future__ import annotations

import html
import io

import numpy as np

from casekit.checks import check_whole
from casekit.explorers import Explorer
from casekit.i18n import _, speaking
from casekit.value import clv_retention, clv_schedule

__all__ = ["CLVExplorer", "clv_explorer", "TIMING_LABELS", "timing_labels"]


def timing_labels() -> dict[str, str]:
    """How the three timings of the retention formula read in words, in the reader's
    language (:data:`TIMING_LABELS` in English)."""
    return {
        "acquisition": _("first margin now (acquisition-time)"),
        "end_of_period": _("margins at the end of each period, the first one certain"),
        "residual": _("existing customer who must renew before paying again (residual)"),
    }


#: How the three timings of the retention formula read in words (English).
with speaking("en"):
    TIMING_LABELS = timing_labels()


def _pct(x: float) -> str:
    return f"{100 * x:.1f}".rstrip("0").rstrip(".") + "%"


class CLVExplorer(Explorer):
    """Sliders and a timing picker → CLV by the simple retention formula and its
    cumulative curve.

    Build it with :func:`clv_explorer`. The settings are ``margin``, ``retention``,
    ``discount_rate`` and ``timing``; ``result`` is the CLV, ``schedule`` its first
    ``periods`` periods.
    """

    css_class = "casekit-clv-explorer"

    def __init__(self, margin: float = 100.0, retention: float = 0.8,
                 discount_rate: float = 0.1, timing: str = "acquisition",
                 periods: int = 20, margin_max: float | None = None):
        self.periods = check_whole("periods", periods, 1, 200)
        super().__init__(margin=margin, retention=retention, discount_rate=discount_rate,
                         timing=timing)
        self.margin_max = (float(margin_max) if margin_max is not None
                           else max(1000.0, 4 * self.settings["margin"]))

    # ------------------------------------------------------------------ pure part
    def _compute(self, settings: dict) -> float:
        # clv_retention checks the numbers and the timing and says what is allowed
        clv = float(clv_retention(settings["margin"], settings["retention"],
                                  settings["discount_rate"], timing=settings["timing"]))
        schedule = clv_schedule(settings["margin"], settings["retention"],
                                settings["discount_rate"], self.periods,
                                timing=settings["timing"])
        for key in ("margin", "retention", "discount_rate"):
            settings[key] = float(settings[key])
        self.schedule = schedule
        return clv

    @property
    def expected_periods(self) -> float:
        """Expected number of periods as a customer, 1 / (1 − r), counting the first one."""
        return 1.0 / (1.0 - self.settings["retention"])

    def _reached(self) -> float:
        return float(self.schedule["cumulative_clv"].iloc[-1] / self.result) if self.result else 1.0

    def __repr__(self):
        s = self.settings
        return _("CLV explorer: margin ¥{margin:,.0f} a period, retention {retention}, "
                 "discount rate {discount_rate}, {timing}: CLV ¥{clv:,.2f}; an expected "
                 "{expected:.1f} periods as a customer; the first {periods} periods bring "
                 "{reached:.0%} of the value.").format(
            margin=s["margin"], retention=_pct(s["retention"]),
            discount_rate=_pct(s["discount_rate"]), timing=timing_labels()[s["timing"]],
            clv=self.result, expected=self.expected_periods, periods=self.periods,
            reached=self._reached())

    # ------------------------------------------------------------------ widget part
    def _controls(self, w) -> dict:
        style = {"description_width": "11em"}     # "margin (¥/period)" whole, not clipped
        layout = w.Layout(width="34em", max_width="100%")

        def slider(description, high, step, fmt):
            return w.FloatSlider(min=0.0, max=high, step=step, description=description,
                                 readout_format=fmt, continuous_update=True, style=style,
                                 layout=layout)

        return {
            "margin": slider(_("margin (¥/period)"), self.margin_max, 5.0, ",.0f"),
            "retention": slider(_("retention rate"), 0.99, 0.01, ".0%"),
            "discount_rate": slider(_("discount rate"), 0.30, 0.005, ".1%"),
            "timing": w.Dropdown(options=[(label, key) for key, label in timing_labels().items()],
                                 description=_("timing"), style=style,
                                 layout=w.Layout(width="40em", max_width="100%")),
        }

    def _views(self, w) -> list:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
        from matplotlib.ticker import MaxNLocator

        from casekit.plots import GREY, PALETTE, use_cjk_font

        use_cjk_font()      # its labels speak the reader's language
        # scaled to the cell's width, never cut (the legend sits right of the axes)
        self.image = w.Image(format="png", layout=w.Layout(max_width="100%", height="auto"))
        fig = Figure(figsize=(8.0, 3.4), dpi=80)
        fig.subplots_adjust(left=0.1, right=0.68, bottom=0.16, top=0.86)
        self._fig, self._canvas = fig, FigureCanvasAgg(fig)
        ax = self._ax = fig.add_subplot()
        t = np.arange(1, self.periods + 1)
        self._bars = ax.bar(t, np.zeros(self.periods), color=PALETTE[5], width=0.8,
                            label=_("period's margin, discounted"))
        (self._line,) = ax.plot(t, np.zeros(self.periods), color=PALETTE[0], marker="o",
                                markersize=3, label=_("cumulative CLV"))
        self._limit = ax.axhline(0, color=GREY, linestyle="--", linewidth=1,
                                 label=_("CLV (all periods)"))
        ax.set_xlim(0.3, self.periods + 0.7)
        ax.set_xlabel(_("Period (year) of the relationship"))
        ax.set_ylabel(_("¥ per customer"))
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.legend(loc="center left", bbox_to_anchor=(1.02, 0.5), fontsize="small",
                  frameon=False)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        self._title = ax.set_title("", loc="left", fontweight="bold")
        return [self.image]

    def _draw(self):
        from PIL import Image

        s = self.schedule
        for bar, height in zip(self._bars, s["present_value"]):
            bar.set_height(height)
        self._line.set_ydata(s["cumulative_clv"].to_numpy())
        clv = self.result
        self._limit.set_ydata([clv, clv])
        top = max(clv, float(s["cumulative_clv"].max()), 1.0)
        self._ax.set_ylim(0, top * 1.12)
        self._title.set_text(_("CLV ¥{clv:,.0f}: {periods} periods bring {reached:.0%} of it")
                             .format(clv=clv, periods=self.periods, reached=self._reached()))
        self._canvas.draw()
        buf = io.BytesIO()
        Image.fromarray(np.asarray(self._canvas.buffer_rgba())).save(buf, format="png",
                                                                     compress_level=1)
        self.image.value = buf.getvalue()
        p = self.settings
        self.summary.value = " &nbsp;·&nbsp; ".join([
            _("<b>CLV = ¥{clv:,.2f}</b> per customer").format(clv=clv),
            _("expected relationship {expected:.1f} periods").format(
                expected=self.expected_periods),
            _("churn {churn} a period").format(churn=_pct(1 - p["retention"])),
            html.escape(timing_labels()[p["timing"]])])


def clv_explorer(margin: float = 100.0, retention: float = 0.8, discount_rate: float = 0.1,
                 timing: str = "acquisition", periods: int = 20,
                 margin_max: float | None = None) -> CLVExplorer:
    """A CLV explorer starting at these values (display it in a notebook).

    Parameters
    ----------
    margin : float
        Margin per customer per period (¥), e.g. a cohort's yearly margin per active
        customer.
    retention : float
        Share of customers who stay from one period to the next, in [0, 1).
    discount_rate : float
        Per period (0.1 = 10% a year).
    timing : {"acquisition", "end_of_period", "residual"}
        Which of the three standard formulas (see :func:`casekit.value.clv_retention`).
    periods : int
        How many periods the cumulative curve shows (1–200).
    margin_max : float, optional
        The margin slider's upper end (default: the larger of ¥1,000 and 4 × margin).

    Returns
    -------
    CLVExplorer
        Display it for the sliders and the curve; call ``.update(...)`` to compute in code.
    """
    return CLVExplorer(margin=margin, retention=retention, discount_rate=discount_rate,
                       timing=timing, periods=periods, margin_max=margin_max)
