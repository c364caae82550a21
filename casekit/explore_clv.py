"""The CLV explorer (chapter 1): sliders for margin, retention and discount rate over the
simple retention formula, showing the customer lifetime value and how it builds up.

A thin view over :func:`casekit.value.clv_retention` (the number) and
:func:`casekit.value.clv_schedule` (the cumulative curve). ipywidgets and matplotlib are
imported only when the widget is first displayed, so ``import casekit.explore_clv`` is
cheap. :meth:`CLVExplorer.update` is the callback the sliders call; call it yourself to
compute without a widget (or to time it):

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

import io

import numpy as np

from casekit.value import _TIMINGS, clv_retention, clv_schedule
from casekit.widgetview import WidgetView

__all__ = ["CLVExplorer", "clv_explorer", "TIMING_LABELS"]

#: How the three timings of the retention formula read in words.
TIMING_LABELS = {
    "acquisition": "first margin now (acquisition-time)",
    "end_of_period": "margins at the end of each period, the first one certain",
    "residual": "existing customer who must renew before paying again (residual)",
}


def _pct(x: float) -> str:
    return f"{100 * x:.1f}".rstrip("0").rstrip(".") + "%"


class CLVExplorer(WidgetView):
    """Sliders → CLV by the simple retention formula and its cumulative curve.

    Build it with :func:`clv_explorer`. ``update(...)`` recomputes (any argument left as
    ``None`` keeps its value) and returns the CLV; ``clv`` and ``schedule`` hold the last
    result. The widgets exist only once :attr:`widget` is used (a notebook displays it),
    so the object also works without a front end.
    """

    def __init__(self, margin: float = 100.0, retention: float = 0.8,
                 discount_rate: float = 0.1, timing: str = "acquisition",
                 periods: int = 20, margin_max: float | None = None):
        if isinstance(periods, bool) or not isinstance(periods, (int, np.integer)) \
                or not 1 <= periods <= 200:
            raise ValueError(f"periods must be a whole number from 1 to 200, got {periods!r}")
        self.periods = int(periods)
        self.params = {"margin": margin, "retention": retention,
                       "discount_rate": discount_rate, "timing": timing}
        self._compute(self.params)
        top = float(margin_max) if margin_max is not None else max(1000.0, 4 * float(margin))
        self.limits = {"margin": (0.0, top), "retention": (0.0, 0.99),
                       "discount_rate": (0.0, 0.30)}
        self._widget = None

    # ------------------------------------------------------------------ pure part
    def _compute(self, params: dict) -> None:
        if params["timing"] not in _TIMINGS:
            raise ValueError(f"timing must be one of {_TIMINGS}, got {params['timing']!r}")
        # clv_retention checks the numbers and says what is allowed
        clv = clv_retention(params["margin"], params["retention"], params["discount_rate"],
                            timing=params["timing"])
        schedule = clv_schedule(params["margin"], params["retention"],
                                params["discount_rate"], self.periods,
                                timing=params["timing"])
        self.params = {**params, "margin": float(params["margin"]),
                       "retention": float(params["retention"]),
                       "discount_rate": float(params["discount_rate"])}
        self.clv, self.schedule = float(clv), schedule

    def update(self, margin: float | None = None, retention: float | None = None,
               discount_rate: float | None = None, timing: str | None = None) -> float:
        """Recompute with new values (None keeps a value), redraw the view if it is
        showing, and return the CLV. Bad values raise ValueError and change nothing."""
        new = dict(self.params)
        for key, val in (("margin", margin), ("retention", retention),
                         ("discount_rate", discount_rate), ("timing", timing)):
            if val is not None:
                new[key] = val
        self._compute(new)
        if self._widget is not None:
            self._redraw()
        return self.clv

    @property
    def expected_periods(self) -> float:
        """Expected number of periods as a customer, 1 / (1 − r), counting the first one."""
        r = self.params["retention"]
        return float("inf") if r >= 1 else 1.0 / (1.0 - r)

    def _reached(self) -> float:
        return float(self.schedule["cumulative_clv"].iloc[-1] / self.clv) if self.clv else 1.0

    def __repr__(self):
        p = self.params
        return (f"CLV explorer: margin ¥{p['margin']:,.0f} a period, retention "
                f"{_pct(p['retention'])}, discount rate {_pct(p['discount_rate'])}, "
                f"{TIMING_LABELS[p['timing']]}: CLV ¥{self.clv:,.2f}; an expected "
                f"{self.expected_periods:.1f} periods as a customer; the first "
                f"{self.periods} periods bring {self._reached():.0%} of the value.")

    # ------------------------------------------------------------------ widget part
    def _build(self):
        import ipywidgets as w
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
        from matplotlib.ticker import MaxNLocator

        from casekit.plots import GREY, PALETTE

        style = {"description_width": "11em"}     # "margin (¥/period)" whole, not clipped
        layout = w.Layout(width="34em", max_width="100%")

        def slider(key, description, step, fmt):
            lo, hi = self.limits[key]
            return w.FloatSlider(value=min(max(self.params[key], lo), hi), min=lo, max=hi,
                                 step=step, description=description, readout_format=fmt,
                                 continuous_update=True, style=style, layout=layout)

        self.sliders = {
            "margin": slider("margin", "margin (¥/period)", 5.0, ",.0f"),
            "retention": slider("retention", "retention rate", 0.01, ".0%"),
            "discount_rate": slider("discount_rate", "discount rate", 0.005, ".1%"),
        }
        self.timing = w.Dropdown(options=[(label, key) for key, label in TIMING_LABELS.items()],
                                 value=self.params["timing"], description="timing",
                                 style=style, layout=w.Layout(width="40em", max_width="100%"))
        for key, s in self.sliders.items():
            s.observe(lambda change, key=key: self._on_change(**{key: change["new"]}),
                      names="value")
        self.timing.observe(lambda change: self._on_change(timing=change["new"]), names="value")
        self.summary = w.HTML()
        # scaled to the cell's width, never cut (the legend sits right of the axes)
        self.image = w.Image(format="png", layout=w.Layout(max_width="100%", height="auto"))

        fig = Figure(figsize=(8.0, 3.4), dpi=80)
        fig.subplots_adjust(left=0.1, right=0.68, bottom=0.16, top=0.86)
        self._fig, self._canvas = fig, FigureCanvasAgg(fig)
        ax = self._ax = fig.add_subplot()
        t = np.arange(1, self.periods + 1)
        self._bars = ax.bar(t, np.zeros(self.periods), color=PALETTE[5], width=0.8,
                            label="period's margin, discounted")
        (self._line,) = ax.plot(t, np.zeros(self.periods), color=PALETTE[0], marker="o",
                                markersize=3, label="cumulative CLV")
        self._limit = ax.axhline(0, color=GREY, linestyle="--", linewidth=1,
                                 label="CLV (all periods)")
        ax.set_xlim(0.3, self.periods + 0.7)
        ax.set_xlabel("Period (year) of the relationship")
        ax.set_ylabel("¥ per customer")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.legend(loc="center left", bbox_to_anchor=(1.02, 0.5), fontsize="small",
                  frameon=False)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        self._title = ax.set_title("", loc="left", fontweight="bold")
        self._widget = w.VBox([w.VBox([*self.sliders.values(), self.timing]), self.summary,
                               self.image])
        self._widget.add_class("casekit-clv-explorer")
        self._redraw()

    def _on_change(self, **change):
        try:
            self.update(**change)
        except ValueError as err:   # e.g. retention and discount rate that do not converge
            self.summary.value = f"<span style='color:#D55E00'>⚠ {err}</span>"

    def _redraw(self):
        from PIL import Image

        s = self.schedule
        for bar, height in zip(self._bars, s["present_value"]):
            bar.set_height(height)
        self._line.set_ydata(s["cumulative_clv"].to_numpy())
        self._limit.set_ydata([self.clv, self.clv])
        top = max(self.clv, float(s["cumulative_clv"].max()), 1.0)
        self._ax.set_ylim(0, top * 1.12)
        self._title.set_text(f"CLV ¥{self.clv:,.0f}: {self.periods} periods bring "
                             f"{self._reached():.0%} of it")
        self._canvas.draw()
        buf = io.BytesIO()
        Image.fromarray(np.asarray(self._canvas.buffer_rgba())).save(buf, format="png",
                                                                     compress_level=1)
        self.image.value = buf.getvalue()
        p = self.params
        self.summary.value = (
            f"<b>CLV = ¥{self.clv:,.2f}</b> per customer &nbsp;·&nbsp; expected relationship "
            f"{self.expected_periods:.1f} periods &nbsp;·&nbsp; churn "
            f"{_pct(1 - p['retention'])} a period &nbsp;·&nbsp; {TIMING_LABELS[p['timing']]}")


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
