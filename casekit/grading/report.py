"""Item analysis: how each exercise worked for the class.

Per exercise, over the students who handed in a sheet:

- **success rate** — share of the students who tried it that got it right at some point;
- **mean attempts to success** — readable attempts up to the first right one;
- **difficulty** — mean share of the points earned (the classical *p* value: high = easy);
- **discrimination** — correlation between the exercise's score and the rest of the total
  (the corrected point-biserial *r*): good items are above 0.2, a negative value means the
  strongest students tend to get it wrong (a flawed key or prompt?);
- **common wrong answers** and **common mistakes** (the checker's diagnosis), counted once
  per student.

:func:`write_report` saves ``items.csv``, a difficulty × discrimination plot and an
``index.html`` that shows both. Example::

    write_report("gradebook.sqlite", "report")
"""
from __future__ import annotations

import html
import io
import math
import re
from collections import Counter
from pathlib import Path

from casekit.grading.common import atomic_write, check_path, write_csv
from casekit.grading.gradebook import Gradebook

__all__ = ["item_analysis", "write_report"]

COLUMNS = ["exercise", "chapter", "type", "points", "students", "attempted", "success_rate",
           "mean_attempts_to_success", "difficulty", "discrimination", "common_wrong_answers",
           "common_mistakes", "flag"]
_VERDICT = re.compile(r"^\s*[✓✗◐⚠]\s*(Correct\.|Partly right\.|Not yet\.)?\s*")


def _pearson(x: list[float], y: list[float]) -> float:
    n = len(x)
    if n < 3:
        return math.nan
    mx, my = sum(x) / n, sum(y) / n
    sxx = sum((a - mx) ** 2 for a in x)
    syy = sum((b - my) ** 2 for b in y)
    if sxx <= 1e-12 or syy <= 1e-12:
        return math.nan
    return sum((a - mx) * (b - my) for a, b in zip(x, y)) / math.sqrt(sxx * syy)


def _top(counter: Counter, n: int = 3) -> str:
    return "; ".join(f"{text[:80]} (×{k})" for text, k in counter.most_common(n))


def item_analysis(gradebook):
    """One row per graded exercise with the statistics above (a pandas DataFrame).

    Example: ``item_analysis("gradebook.sqlite").sort_values("discrimination")``
    """
    import json

    import pandas as pd

    from casekit.exercises.bank import load_bank
    from casekit.grading.reference import describe_answer

    bank = load_bank()
    with Gradebook(gradebook, create=False) as gb:
        exercises = gb.exercises()
        present = [r["student"] for r in gb.students() if r["sheet_sha256"] is not None]
        scores = gb.scores()
        attempts = gb.attempts()
    by_item: dict[str, dict[str, list]] = {}
    for a in attempts:
        by_item.setdefault(a["exercise"], {}).setdefault(a["student"], []).append(a)
    totals = {s: sum(r["points"] for r in scores.get(s, {}).values()) for s in present}
    rows = []
    for ex in exercises:
        item = ex["id"]
        tries = by_item.get(item, {})
        fractions, rests = [], []
        for s in present:
            got = scores.get(s, {}).get(item)
            points = got["points"] if got is not None else 0.0
            fractions.append(points / ex["points"])
            rests.append(totals[s] - points)
        counts, wrong, mistakes = [], Counter(), Counter()
        for student, mine in tries.items():
            readable = [a for a in mine if a["valid"] == 1]
            first = next((i for i, a in enumerate(readable, 1) if a["correct"]), None)
            if first is not None:
                counts.append(first)
            if ex["kind"] == "text":
                continue
            bank_ex = bank.get(item)
            answers, notes = set(), set()
            for a in readable:
                if a["correct"]:
                    continue
                answer = json.loads(a["answer"])
                answers.add(describe_answer(bank_ex, answer) if bank_ex else a["answer"])
                note = " ".join(_VERDICT.sub("", a["message"]).split())
                if note:
                    notes.add(note)
            wrong.update(answers)
            mistakes.update(notes)
        attempted = len(tries)
        difficulty = sum(fractions) / len(fractions) if fractions and attempted else math.nan
        discrimination = _pearson(fractions, rests) if attempted else math.nan
        flags = [] if attempted else ["nobody attempted it"]
        if not math.isnan(discrimination) and discrimination < 0:
            flags.append("negative discrimination: check the key and the prompt")
        elif not math.isnan(discrimination) and discrimination < 0.2:
            flags.append("low discrimination")
        if not math.isnan(difficulty) and difficulty > 0.9:
            flags.append("very easy")
        elif not math.isnan(difficulty) and difficulty < 0.3:
            flags.append("very hard")
        rows.append([item, ex["chapter"], ex["kind"], ex["points"], len(present), attempted,
                     len(counts) / attempted if attempted else math.nan,
                     sum(counts) / len(counts) if counts else math.nan,
                     difficulty, discrimination, _top(wrong), _top(mistakes), "; ".join(flags)])
    return pd.DataFrame(rows, columns=COLUMNS)


def _plot_png(items) -> bytes:
    import seaborn as sns
    from matplotlib.figure import Figure

    from casekit.plots import GREY, PALETTE

    data = items.dropna(subset=["difficulty", "discrimination"])
    with sns.axes_style("whitegrid"):
        fig = Figure(figsize=(7.5, 4.8))
        ax = fig.subplots()
        if len(data):
            chapters = sorted(data["chapter"].unique())
            sns.scatterplot(data=data, x="difficulty", y="discrimination", hue="chapter",
                            hue_order=chapters, palette=list(PALETTE[:len(chapters)]) if
                            len(chapters) <= len(PALETTE) else None, s=60, ax=ax)
            for _, row in data[data["flag"] != ""].iterrows():
                ax.annotate(row["exercise"], (row["difficulty"], row["discrimination"]),
                            xytext=(4, 4), textcoords="offset points", fontsize=7, color="#333")
        else:
            ax.text(0.5, 0.5, "Not enough students to estimate discrimination (needs 3 or more)",
                    ha="center", va="center", transform=ax.transAxes, color=GREY)
        ax.axhline(0.2, color=GREY, linestyle="--", linewidth=1)
        ax.axhline(0.0, color=GREY, linewidth=0.8)
        ax.set_xlim(-0.02, 1.02)
        ax.set_ylim(-1.02, 1.02)
        ax.set_xlabel("Difficulty: mean share of the points earned (1 = everyone right)")
        ax.set_ylabel("Discrimination: r with the rest of the total")
        ax.set_title("Items below the dashed line (r < 0.2) separate students poorly",
                     loc="left", fontsize=11)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=120, bbox_inches="tight", metadata={"Software": None})
    return buffer.getvalue()


def write_report(gradebook, out) -> list[Path]:
    """Write ``items.csv``, ``difficulty-discrimination.png`` and ``index.html`` to the
    folder ``out``; return their paths."""
    out = check_path("out", out)
    items = item_analysis(gradebook)

    def cell(v):
        return "" if isinstance(v, float) and math.isnan(v) else round(v, 3) if isinstance(v, float) else v

    csv_path = write_csv(out / "items.csv", COLUMNS, ([cell(v) for v in row] for row in
                                                     items.itertuples(index=False)))
    png = atomic_write(out / "difficulty-discrimination.png", _plot_png(items))
    head = "".join(f"<th>{html.escape(c.replace('_', ' '))}</th>" for c in COLUMNS)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(cell(v)))}</td>" for v in row) + "</tr>"
                   for row in items.itertuples(index=False))
    page = (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>Item analysis'
            f"</title><style>body{{font-family:system-ui,sans-serif;margin:2rem}}table{{border-"
            f"collapse:collapse;font-size:.85rem}}td,th{{border-bottom:1px solid #ddd;padding:"
            f".2rem .4rem;text-align:left;vertical-align:top}}</style></head><body>"
            f"<h1>Item analysis</h1><p>{len(items)} exercises. Difficulty = mean share of the points "
            f"earned; discrimination = correlation of the exercise's score with the rest of the "
            f"total (aim for 0.2 or more).</p><img src=\"{png.name}\" alt=\"difficulty against "
            f"discrimination\" style=\"max-width:100%\"><table><tr>{head}</tr>{body}</table>"
            f"</body></html>\n")
    return [csv_path, png, atomic_write(out / "index.html", page)]
