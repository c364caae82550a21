"""The rule explorer (chapter 4): sliders for minimum support, confidence and lift and an
item picker over association rules mined once at loose thresholds.

A view over :mod:`casekit.baskets`: each move re-filters the precomputed rules exactly as
:func:`casekit.baskets.filter_rules` does (no re-mining) and redraws a support × confidence
scatter coloured by lift (blue below 1, red above), a small graph of the strongest rules and
a :func:`casekit.baskets.rule_table` of them. ``update`` returns that table:

>>> from casekit.baskets import read_baskets, association_rules
>>> b = read_baskets([["beer", "diapers"]] * 3 + [["beer", "chips"], ["milk", "diapers"],
...                   ["milk", "bread"], ["bread", "diapers"], ["milk"]])
>>> rules = association_rules(b, min_support=0.1, min_confidence=0.1)
>>> ex = rule_explorer(rules)
>>> ex.update(min_support=0.3, min_confidence=0.5, min_lift=1.0)[["rule", "support", "lift"]]
                  rule  support  lift
0   {beer} => {diapers}    0.375   1.2
1   {diapers} => {beer}    0.375   1.2
>>> ex
Rule explorer over 10 rules from 8 baskets: 2 rules with support >= 0.3, confidence >= 0.5, lift >= 1.
>>> ex.update(min_support=0.1, involving="milk")["rule"].tolist()
['{bread} => {milk}']
>>> ex
Rule explorer over 10 rules from 8 baskets: 1 rule with support >= 0.1, confidence >= 0.5, lift >= 1, involving milk.
"""
from __future__ import annotations

import html
import math

import numpy as np
import pandas as pd

from casekit.baskets import filter_rules, rule_table
from casekit.explorers import Explorer
from casekit.i18n import _

__all__ = ["ANY_ITEM", "RuleExplorer", "rule_explorer"]

#: The item picker's "no filter" choice (``update(involving=ANY_ITEM)``, like
#: ``involving=None``, clears the filter).
ANY_ITEM = "(any item)"
TABLE_ROWS = 12
GRAPH_RULES = 8
MAX_POINTS = 3000


_CELL = "padding:2px 10px;white-space:nowrap;"


def _table_html(table: pd.DataFrame) -> str:
    """The rules as a styled HTML table: header aligned with its column (text left,
    numbers right, three decimals), a rule under the header, banded rows.

    >>> _table_html(pd.DataFrame({"rule": ["{a} => {b}"], "lift": [2.5]}))[:40]
    '<table class="casekit-rules" style="bord'
    """
    numeric = [pd.api.types.is_numeric_dtype(table[c]) for c in table.columns]
    head = "".join(f'<th style="{_CELL}text-align:{"right" if n else "left"};'
                   f'border-bottom:1px solid #888">{html.escape(str(c))}</th>'
                   for c, n in zip(table.columns, numeric))
    rows = []
    for k, values in enumerate(table.itertuples(index=False)):
        band = "background:#f3f5f9;" if k % 2 else ""
        cells = "".join(
            f'<td style="{_CELL}text-align:right;font-variant-numeric:tabular-nums">{v:.3f}</td>'
            if n and isinstance(v, (int, float)) else
            f'<td style="{_CELL}text-align:left">{html.escape(str(v))}</td>'
            for v, n in zip(values, numeric))
        rows.append(f'<tr style="{band}">{cells}</tr>')
    return (f'<table class="casekit-rules" style="border-collapse:collapse;font-size:12px">'
            f'<thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>')


def _fmt(x: float) -> str:
    return f"{x:g}"


def _rules(n: int) -> str:
    return (_("{n} rule") if n == 1 else _("{n} rules")).format(n=n)


class RuleExplorer(Explorer):
    """Sliders and an item picker → filtered rules, a support × confidence scatter and a
    small rule graph.

    Build it with :func:`rule_explorer`. The settings are ``min_support``,
    ``min_confidence``, ``min_lift`` and ``involving`` (an item, or None for any);
    ``result`` is the :func:`~casekit.baskets.rule_table` of the rules that pass,
    ``selected`` those rules as mined (highest lift first).
    """

    css_class = "casekit-rule-explorer"

    def __init__(self, rules: pd.DataFrame, min_support: float | None = None,
                 min_confidence: float = 0.3, min_lift: float = 1.0, involving=None):
        self._table = rule_table(rules)           # checks the rules' columns
        if "n_baskets" not in rules.attrs:
            raise ValueError("rules has lost its number of baskets (rules.attrs['n_baskets']): "
                             "make it with casekit.baskets.association_rules")
        if len(rules) == 0:
            raise ValueError("rules is empty: mine again at lower thresholds so there is "
                             "something to explore")
        self._table.index = rules.index
        self.rules = rules
        self.n_baskets = int(rules.attrs["n_baskets"])
        self._support = rules["support"].to_numpy(dtype=float)
        self._confidence = rules["confidence"].to_numpy(dtype=float)
        self._lift = rules["lift"].to_numpy(dtype=float)
        self._lowest_support = float(rules.attrs.get("min_support") or self._support.min())
        # positions of the rules that mention each item, for a fast item filter
        mentions: dict = {}
        for pos, (a, c) in enumerate(zip(rules["antecedent"], rules["consequent"])):
            for x in set(a) | set(c):
                mentions.setdefault(x, []).append(pos)
        self._mentions = {x: np.array(p, dtype=np.int64) for x, p in mentions.items()}
        self.items = sorted(self._mentions, key=str)
        super().__init__(min_support=self._lowest_support if min_support is None else min_support,
                         min_confidence=min_confidence, min_lift=min_lift, involving=involving)

    # ------------------------------------------------------------------ pure part
    def _compute(self, settings: dict) -> pd.DataFrame:
        if settings["involving"] == ANY_ITEM:        # the picker's "no filter"
            settings["involving"] = None
        item = settings["involving"]
        if item is not None and item not in self._mentions:
            shown = ", ".join(map(str, self.items[:6]))
            raise ValueError(f"involving={item!r} appears in no rule; pick one of the items in "
                             f"the rules ({shown}, ...), or None for any")
        selected = filter_rules(self.rules, min_support=settings["min_support"],
                                min_confidence=settings["min_confidence"],
                                min_lift=settings["min_lift"])
        if item is not None:
            keep = np.zeros(len(self.rules), dtype=bool)
            keep[self._mentions[item]] = True
            selected = selected[keep[self.rules.index.get_indexer(selected.index)]]
        self.selected = selected
        return self._table.loc[selected.index].reset_index(drop=True)

    def __repr__(self):
        s = self.settings
        item = ("" if s["involving"] is None
                else _(", involving {item}").format(item=s["involving"]))
        return _("Rule explorer over {total} rules from {baskets} baskets: {rules} with support "
                 ">= {support}, confidence >= {confidence}, lift >= {lift}{involving}.").format(
            total=len(self.rules), baskets=self.n_baskets, rules=_rules(len(self.selected)),
            support=_fmt(s["min_support"]), confidence=_fmt(s["min_confidence"]),
            lift=_fmt(s["min_lift"]), involving=item)

    # ------------------------------------------------------------------ widget part
    def _controls(self, w) -> dict:
        style, layout = {"description_width": "9em"}, w.Layout(width="28em")

        def slider(description, low, high, step, fmt):
            return w.FloatSlider(min=low, max=high, step=step, description=description,
                                 readout_format=fmt, continuous_update=False, style=style,
                                 layout=layout)

        low, high = self._lowest_support, float(self._support.max())
        return {
            "min_support": slider(_("min support"), low, high, (high - low) / 200 or 0.001,
                                  ".4f"),
            "min_confidence": slider(_("min confidence"),
                                     float(self.rules.attrs.get("min_confidence") or 0.0),
                                     float(self._confidence.max()), 0.01, ".2f"),
            "min_lift": slider(_("min lift"), 0.0, float(min(self._lift.max(), 20.0)), 0.05, ".2f"),
            "involving": w.Dropdown(options=[(_("(any item)"), ANY_ITEM)]
                                    + [(str(x), x) for x in self.items],
                                    description=_("involving"), style=style, layout=layout),
        }

    def _control_value(self, name: str):
        if name == "involving" and self.settings[name] is None:
            return ANY_ITEM
        return super()._control_value(name)

    def _views(self, w) -> list:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        from casekit.plots import use_cjk_font

        self.table = w.HTML(layout=w.Layout(max_height="22em", overflow="auto"))
        self.image = w.Image(format="png")
        # A fixed layout (a layout engine would re-measure every label on each redraw) and
        # blitting: the static parts are drawn once, each update draws only what moves.
        use_cjk_font()      # its labels speak the reader's language
        fig = Figure(figsize=(10, 4.2), dpi=72)
        fig.subplots_adjust(left=0.07, right=0.98, bottom=0.13, top=0.9, wspace=0.12)
        self._fig, self._canvas = fig, FigureCanvasAgg(fig)
        self._ax_scatter, self._ax_graph = fig.subplots(1, 2, width_ratios=[1.15, 1])
        self._ax_graph.set_axis_off()
        self._ax_graph.set_xlim(-1.9, 1.9)
        self._ax_graph.set_ylim(-1.3, 1.3)
        self._draw_scatter_base()
        self._dynamic = [self._sel_points, *self._thr_lines, self._scatter_title]
        for artist in self._dynamic:
            artist.set_animated(True)
        self._graph_artists = []
        self._canvas.draw()
        self._background = self._canvas.copy_from_bbox(fig.bbox)
        return [self.image, self.table]

    def _draw_scatter_base(self):
        from casekit.plots import GREY

        from matplotlib.colors import LogNorm

        ax = self._ax_scatter
        # lift on a log scale centred on 1 (independence): blue below, red above
        positive = self._lift[self._lift > 0]
        span = float(np.exp(np.abs(np.log(positive)).max())) if len(positive) else 2.0
        span = min(max(span, 1.25), 20.0)
        self._norm = LogNorm(vmin=1 / span, vmax=span)
        # every rule as a faint grey dot (a fixed sample when there are very many)
        grey = np.arange(len(self._support))
        if len(grey) > MAX_POINTS:
            grey = np.sort(np.random.default_rng(0).choice(grey, MAX_POINTS, replace=False))
        ax.scatter(self._support[grey], self._confidence[grey], s=10, color=GREY, alpha=0.25,
                   linewidths=0)
        self._sel_points = ax.scatter([], [], c=[], s=22, cmap="RdBu_r", norm=self._norm,
                                      edgecolors="none")
        cbar = self._fig.colorbar(self._sel_points, ax=ax, pad=0.01)
        ticks = [t for t in (0.1, 0.2, 0.5, 1, 2, 5, 10, 20) if 1 / span <= t <= span]
        cbar.set_ticks(ticks, labels=[f"{t:g}" for t in ticks])
        cbar.ax.minorticks_off()
        cbar.set_label(_("lift (log scale; 1 = independent)"))
        ax.set_xscale("log")
        ax.set_xlim(self._support.min() / 1.3, self._support.max() * 1.3)
        ax.set_ylim(0, 1.02)
        ax.set_xlabel(_("support (share of baskets, log scale)"))
        ax.set_ylabel(_("confidence"))
        self._thr_lines = (ax.axvline(self.settings["min_support"], color=GREY, lw=1, ls="--"),
                           ax.axhline(self.settings["min_confidence"], color=GREY, lw=1,
                                      ls="--"))
        self._scatter_title = ax.text(0, 1.03, "", transform=ax.transAxes, ha="left",
                                      va="bottom", fontweight="bold", fontsize="large")

    def _draw(self):
        import io

        from PIL import Image

        sel = self.selected
        t = self.settings
        idx = self.rules.index.get_indexer(sel.index)[:MAX_POINTS]  # highest lift first
        self._sel_points.set_offsets(np.column_stack([self._support[idx],
                                                      self._confidence[idx]]))
        self._sel_points.set_array(np.clip(self._lift[idx], self._norm.vmin, self._norm.vmax))
        self._thr_lines[0].set_xdata([t["min_support"]] * 2)
        self._thr_lines[1].set_ydata([t["min_confidence"]] * 2)
        self._scatter_title.set_text(_("{n} of {total} rules pass").format(
            n=len(sel), total=len(self.rules)))
        self._draw_graph(sel)
        canvas = self._canvas
        canvas.restore_region(self._background)
        for artist in self._dynamic:
            artist.axes.draw_artist(artist)
        for artist in self._graph_artists:
            self._ax_graph.draw_artist(artist)
        buf = io.BytesIO()
        Image.fromarray(np.asarray(canvas.buffer_rgba())).save(buf, format="png",
                                                               compress_level=1)
        self.image.value = buf.getvalue()
        table = self._table.loc[sel.index[:TABLE_ROWS]]
        self.table.value = _table_html(table)
        more = (_(" (the {n} with the highest lift shown)").format(n=TABLE_ROWS)
                if len(sel) > TABLE_ROWS else "")
        item = ("" if t["involving"] is None else _(" involving <i>{item}</i>").format(
            item=html.escape(str(t["involving"]))))
        summary = (_("<b>{rules}</b>{involving} passes{more}.") if len(sel) == 1
                   else _("<b>{rules}</b>{involving} pass{more}."))
        self.summary.value = summary.format(rules=_rules(len(sel)), involving=item, more=more)

    def _draw_graph(self, sel):
        """Items as dots on a circle, an arrow antecedent item → consequent per rule."""
        from casekit.plots import GREY, PALETTE

        ax = self._ax_graph
        for artist in self._graph_artists:
            artist.remove()
        top = sel.head(GRAPH_RULES)
        title = (_("The {n} rules with the highest lift").format(n=len(top)) if len(top) > 1
                 else _("The rule that passes") if len(top) == 1 else _("No rule passes"))
        new = [ax.text(-1.9, 1.3, title, ha="left", va="bottom", fontweight="bold",
                       fontsize="large")]
        items = sorted({x for s in list(top.antecedent) + list(top.consequent) for x in s},
                       key=str)
        if not items:
            new.append(ax.text(0, 0, _("lower the thresholds"), ha="center", va="center",
                               color=GREY))
        angle = {x: 2 * math.pi * i / len(items) + math.pi / 2 for i, x in enumerate(items)}
        pos = {x: (math.cos(a), math.sin(a)) for x, a in angle.items()}
        top_lift = float(top["lift"].max()) if len(top) else 1.0
        for a_set, c_set, lift in zip(top.antecedent, top.consequent, top["lift"]):
            for a in a_set:
                for c in c_set:
                    new.append(ax.annotate(
                        "", xy=pos[c], xytext=pos[a], annotation_clip=False,
                        arrowprops=dict(arrowstyle="-|>", color=PALETTE[0],
                                        lw=0.8 + 2.5 * float(lift) / top_lift,
                                        shrinkA=8, shrinkB=8, alpha=0.7,
                                        # curved, so a => b and b => a stay apart
                                        connectionstyle="arc3,rad=0.12")))
        if pos:
            xy = np.array(list(pos.values()))
            new.append(ax.scatter(xy[:, 0], xy[:, 1], s=64, color=PALETTE[1], zorder=3))
        for x, (px, py) in pos.items():
            new.append(ax.text(px * 1.12, py * 1.12, str(x), fontsize=9, va="center",
                               ha="left" if px > 0.01 else "right" if px < -0.01 else "center"))
        for artist in new:
            artist.set_animated(True)
        self._graph_artists = new


def rule_explorer(rules: pd.DataFrame, min_support: float | None = None,
                  min_confidence: float = 0.3, min_lift: float = 1.0,
                  involving=None) -> RuleExplorer:
    """An explorer over precomputed association rules (display it in a notebook).

    Parameters
    ----------
    rules : DataFrame
        From :func:`casekit.baskets.association_rules`, mined once at the loosest
        thresholds the sliders should reach.
    min_support, min_confidence, min_lift : float
        Where the sliders start (support defaults to the support the rules were mined at).
    involving : item, optional
        Start with only the rules that mention this item (default: any).

    Returns
    -------
    RuleExplorer
        Display it for the sliders and views; call ``.update(...)`` to filter in code.
    """
    return RuleExplorer(rules, min_support=min_support, min_confidence=min_confidence,
                        min_lift=min_lift, involving=involving)
