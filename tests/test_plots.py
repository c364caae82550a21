"""The shared chart theme and helpers."""
import re
import subprocess
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from casekit import plots  # noqa: E402


@pytest.fixture
def ax():
    fig, ax = plt.subplots()
    yield ax
    plt.close(fig)


def test_import_is_cheap_and_does_not_load_seaborn():
    code = ("import sys; import casekit.plots as p; "
            "print(sorted(m for m in ('seaborn', 'matplotlib', 'pandas') if m in sys.modules)); "
            "print(len(p.PALETTE))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded, n = out.stdout.split("\n")[:2]
    assert loaded == "[]", f"import casekit.plots loaded {loaded}"
    assert int(n) == len(plots.PALETTE)


def test_palette_is_distinct_hex_colours():
    assert len(plots.PALETTE) == 8
    assert len(set(plots.PALETTE)) == len(plots.PALETTE)
    assert all(re.fullmatch(r"#[0-9A-F]{6}", c) for c in plots.PALETTE + (plots.GREY,))


def test_theme_is_idempotent_and_deterministic():
    assert plots.theme() is None
    first = dict(matplotlib.rcParams)
    plots.theme()
    assert dict(matplotlib.rcParams) == first
    rc = matplotlib.rcParams
    assert rc["svg.hashsalt"] == "casekit"
    assert tuple(rc["figure.figsize"]) == (7.0, 4.2)
    colours = [matplotlib.colors.to_hex(c["color"]).upper() for c in rc["axes.prop_cycle"]]
    assert colours[:3] == [c.upper() for c in plots.PALETTE[:3]]


def test_theme_rejects_unknown_context():
    with pytest.raises(ValueError, match="context must be one of"):
        plots.theme("huge")


def test_svg_output_is_byte_identical(tmp_path):
    plots.theme()
    files = []
    for k in range(2):
        fig, ax = plt.subplots()
        ax.plot([1, 2, 3], [3, 1, 2])
        plots.decorate(ax, title="Same every time", xlabel="x (units)", ylabel="y (units)")
        path = tmp_path / f"f{k}.svg"
        fig.savefig(path, format="svg")
        plt.close(fig)
        files.append(path.read_bytes())
    assert files[0] == files[1]


def test_decorate_sets_title_labels_and_source(ax):
    assert plots.decorate(ax, title="Top 20% bring 61%", xlabel="Customers (%)",
                          ylabel="Revenue (%)", source="simulated retailer") is None
    assert ax.get_title(loc="left") == "Top 20% bring 61%"
    assert ax.get_title() == ""
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("Customers (%)", "Revenue (%)")
    notes = [t.get_text() for t in ax.texts]
    assert notes == ["Source: simulated retailer"]
    # a second call replaces the source line rather than stacking another
    plots.decorate(ax, source="survey")
    assert [t.get_text() for t in ax.texts] == ["Source: survey"]
    assert ax.get_xlabel() == "Customers (%)"   # None leaves a label alone


def test_source_line_sits_below_the_x_label(ax):
    ax.plot([0, 1], [0, 1])
    plots.decorate(ax, xlabel="Share of customers", source="simulated retailer")
    fig = ax.figure
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    label = ax.xaxis.label.get_window_extent(renderer)
    note = ax.texts[0].get_window_extent(renderer)
    assert note.y1 <= label.y0 + 1


def test_decorate_legend_title_and_removal(ax):
    ax.plot([0, 1], label="a")
    ax.legend()
    plots.decorate(ax, legend="Household type")
    assert ax.get_legend().get_title().get_text() == "Household type"
    plots.decorate(ax, legend=False)
    assert ax.get_legend() is None


def test_decorate_explains_bad_input(ax):
    with pytest.raises(TypeError, match="matplotlib Axes"):
        plots.decorate("not an axes", title="x")
    with pytest.raises(TypeError, match="title must be text"):
        plots.decorate(ax, title=61)


def test_bar_labels_formats_values(ax):
    ax.bar(["singles", "families"], [1234.5, 2000])
    plots.bar_labels(ax, "¥{:,.0f}")
    assert [t.get_text() for t in ax.texts] == ["¥1,234", "¥2,000"]
    with pytest.raises(ValueError, match="format pattern"):
        plots.bar_labels(ax, "%d")


def test_percent_axis(ax):
    plots.percent_axis(ax, "y", decimals=1)
    assert ax.yaxis.get_major_formatter()(0.615) == "61.5%"
    with pytest.raises(ValueError, match="axis must be"):
        plots.percent_axis(ax, "z")
