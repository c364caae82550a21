"""One look for every chart in the workbook: a seaborn theme, a fixed palette and helpers.

Call :func:`theme` once at the top of a notebook, draw with seaborn or pandas, then
finish each chart with :func:`decorate`: axis labels with units, a title that states the
finding (not the variable name) and, when figures come from elsewhere, a source line.

>>> import casekit.plots as cp
>>> cp.theme()                       # doctest: +SKIP
>>> ax = sns.barplot(...)            # doctest: +SKIP
>>> cp.decorate(ax, title="Families make the most trips",
...             xlabel="Household type", ylabel="Trips per customer (per year)")  # doctest: +SKIP

seaborn and matplotlib are imported inside the functions, so ``import casekit.plots`` is
cheap (a notebook pays for them only when it draws).
"""
from __future__ import annotations

import functools
import os
from pathlib import Path

from casekit.i18n import _

__all__ = ["PALETTE", "GREY", "theme", "use_cjk_font", "decorate", "bar_labels", "percent_axis"]

#: The workbook's colours, in the order series use them: the Okabe–Ito palette, which
#: stays distinguishable for the common kinds of colour blindness and in greyscale print.
PALETTE: tuple[str, ...] = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#D55E00",  # vermillion
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#F0E442",  # yellow
    "#000000",  # black
)

#: Colour for context: reference lines, "everything else", captions.
GREY = "#8C8C8C"

_RC = {
    "figure.figsize": (7.0, 4.2),
    "figure.dpi": 100,
    "savefig.dpi": 150,
    "savefig.bbox": "tight",
    "axes.titlesize": "large",
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "legend.frameon": False,
    # deterministic files: no timestamps, fixed ids, text as paths
    "svg.hashsalt": "casekit",
    "svg.fonttype": "path",
    "pdf.fonttype": 42,
}


def theme(context: str = "notebook") -> None:
    """Set the workbook's chart style: seaborn's white grid, :data:`PALETTE`, a 7 × 4.2 inch
    figure at 100 dpi (150 when saved) and deterministic output files.

    Calling it again gives the same settings (it is idempotent).

    Parameters
    ----------
    context : {"paper", "notebook", "talk", "poster"}
        seaborn's scaling of fonts and lines; "talk" for slides.

    >>> theme()
    >>> import matplotlib as mpl
    >>> mpl.rcParams["svg.hashsalt"], mpl.rcParams["figure.dpi"]
    ('casekit', 100.0)
    >>> theme("lecture")
    Traceback (most recent call last):
    ...
    ValueError: context must be one of 'paper', 'notebook', 'talk', 'poster'; got 'lecture'.
    """
    contexts = ("paper", "notebook", "talk", "poster")
    if context not in contexts:
        raise ValueError("context must be one of " + ", ".join(repr(c) for c in contexts)
                         + f"; got {context!r}.")
    import matplotlib as mpl
    import seaborn as sns

    # matplotlib stamps PDF/PS/SVG files with the build date unless this is set
    os.environ.setdefault("SOURCE_DATE_EPOCH", "0")
    sns.set_theme(context=context, style="whitegrid", palette=list(PALETTE))
    mpl.rcParams.update(_RC)
    use_cjk_font()


def use_cjk_font() -> None:
    """Let matplotlib draw Chinese: glyphs DejaVu Sans lacks come from the CJK font, added
    once to the font families. :func:`theme` does it; a plot drawn in the reader's language
    (an explorer, the IE matrix) does it too, so Chinese never depends on ``theme()``.

    >>> import matplotlib as mpl
    >>> use_cjk_font(); use_cjk_font()
    >>> mpl.rcParams["font.family"].count(cjk_font())
    1
    """
    import matplotlib as mpl

    cjk = cjk_font()
    if cjk and cjk not in mpl.rcParams["font.family"]:
        mpl.rcParams["font.family"] = [*mpl.rcParams["font.family"], cjk]


#: The font the plots take Chinese glyphs from: Noto Sans CJK SC (SIL Open Font Licence),
#: installed with the workbook by the ``mplfonts`` package.
CJK_FONT_FILE = ("mplfonts", "fonts/NotoSansCJKsc-Regular.otf")


@functools.lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """Register the CJK font with matplotlib and return its family name (None if the
    package that ships it is missing: Chinese labels would then show as empty boxes).

    >>> cjk_font()
    'Noto Sans CJK SC'
    """
    import importlib.util

    spec = importlib.util.find_spec(CJK_FONT_FILE[0])
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(list(spec.submodule_search_locations)[0]) / CJK_FONT_FILE[1]
    if not path.is_file():
        return None
    from dataclasses import replace

    from matplotlib import font_manager

    manager = font_manager.fontManager
    manager.addfont(str(path))
    regular = next(f for f in manager.ttflist if f.fname == str(path))
    # the file has one weight: bold titles use it too (else matplotlib warns on every one)
    manager.ttflist.append(replace(regular, weight=700))
    manager._findfont_cached.cache_clear()
    return regular.name


def decorate(ax, title: str | None = None, xlabel: str | None = None,
             ylabel: str | None = None, source: str | None = None,
             legend: bool | str | None = None) -> None:
    """Label a chart: title (state the finding), axis labels (with units), source line.

    Arguments left as ``None`` leave that part unchanged.

    Parameters
    ----------
    ax : matplotlib Axes
        The chart to label (what seaborn's functions return).
    title : str, optional
        The finding, e.g. "Top 20% of customers bring 61% of revenue".
    xlabel, ylabel : str, optional
        What the axis measures and its unit, e.g. "Revenue per customer (¥)".
    source : str, optional
        Where the data come from; drawn small and grey under the chart, after "Source:".
    legend : bool or str, optional
        ``False`` removes the legend; a string becomes the legend's title.

    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> decorate(ax, title="Sales doubled", xlabel="Year", ylabel="Sales (¥ million)",
    ...          source="simulated retailer, seed 0")
    >>> ax.get_title(loc="left"), ax.get_xlabel(), ax.get_ylabel()
    ('Sales doubled', 'Year', 'Sales (¥ million)')
    >>> plt.close(fig)
    """
    if not hasattr(ax, "set_title") or not hasattr(ax, "figure"):
        raise TypeError(f"ax must be a matplotlib Axes (what seaborn plots return), "
                        f"got {type(ax).__name__}.")
    for name, value in (("title", title), ("xlabel", xlabel), ("ylabel", ylabel),
                        ("source", source)):
        if value is not None and not isinstance(value, str):
            raise TypeError(f"{name} must be text, got {value!r} ({type(value).__name__}).")
    if title is not None:
        ax.set_title(title, loc="left")
        for loc in ("center", "right"):   # one title only, even if seaborn set another
            ax.set_title("", loc=loc)
    if xlabel is not None:
        ax.set_xlabel(xlabel)
    if ylabel is not None:
        ax.set_ylabel(ylabel)
    if legend is not None:
        old = ax.get_legend()
        if legend is False:
            if old is not None:
                old.remove()
        elif old is not None and isinstance(legend, str):
            old.set_title(legend)
    if source:
        for artist in list(ax.texts):       # replace an earlier source line
            if getattr(artist, "_casekit_source", False):
                artist.remove()
        note = ax.annotate(
            _("Source: {source}").format(source=source), xy=(0, 0), xycoords=("axes fraction", ax.xaxis.label),
            xytext=(0, -6), textcoords="offset points", ha="left", va="top",
            fontsize="small", color=GREY, annotation_clip=False)
        note._casekit_source = True


def bar_labels(ax, fmt: str = "{:,.0f}", **kwargs) -> None:
    """Write each bar's value on it, formatted with ``fmt`` (a ``str.format`` pattern).

    ``fmt="{:.0%}"`` for shares, ``"¥{:,.0f}"`` for money. Other keyword arguments go to
    matplotlib's ``Axes.bar_label`` (e.g. ``padding=3``, ``label_type="center"``).

    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> _ = ax.bar(["A", "B"], [0.61, 0.39])
    >>> bar_labels(ax, "{:.0%}")
    >>> [t.get_text() for t in ax.texts]
    ['61%', '39%']
    >>> plt.close(fig)
    """
    if not isinstance(fmt, str) or "{" not in fmt:
        raise ValueError(f"fmt must be a format pattern such as '{{:,.0f}}' or '{{:.0%}}', "
                         f"got {fmt!r}.")
    kwargs.setdefault("padding", 2)
    for container in ax.containers:
        ax.bar_label(container, labels=[fmt.format(v) for v in container.datavalues], **kwargs)


def percent_axis(ax, axis: str = "y", decimals: int = 0) -> None:
    """Show an axis holding shares (0–1) as percentages: 0.25 → "25%".

    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> percent_axis(ax, "x")
    >>> ax.xaxis.get_major_formatter()(0.25)
    '25%'
    >>> plt.close(fig)
    """
    if axis not in ("x", "y"):
        raise ValueError(f"axis must be 'x' or 'y', got {axis!r}.")
    from matplotlib.ticker import PercentFormatter

    target = ax.xaxis if axis == "x" else ax.yaxis
    target.set_major_formatter(PercentFormatter(xmax=1, decimals=decimals))
