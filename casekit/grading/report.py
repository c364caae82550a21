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

:func:`copied_keys` lists answers to computed exercises that are wrong on the student's
own data but right on a classmate's (the ``expected`` table holds everyone's key): a
sign of a shared answer worth a conversation.

:func:`odd_times` lists the attempts whose times the grader flagged (dated before the
chapter's release, after the LMS hand-in, after the grading run; late by the LMS).

:func:`write_report` saves ``items.csv``, ``copied-keys.csv``, ``odd-times.csv``, a difficulty ×
discrimination plot and an ``index.html`` (a jinja2 template, autoescaped) that shows
them all. An answer that cannot be described is counted as its JSON, never stops the
report. Example::

    write_report("gradebook.sqlite", "report")
"""
from __future__ import annotations

import io
import json
import math
import re
from collections import Counter
from pathlib import Path

from casekit.grading.common import atomic_write, check_path, write_csv
from casekit.grading.gradebook import Gradebook

__all__ = ["COPIED_COLUMNS", "ODD_COLUMNS", "copied_keys", "item_analysis", "odd_times",
           "write_report"]

COLUMNS = ["exercise", "chapter", "type", "points", "students", "attempted", "success_rate",
           "mean_attempts_to_success", "difficulty", "discrimination", "common_wrong_answers",
           "common_mistakes", "flag"]
COPIED_COLUMNS = ["student", "name", "exercise", "answer", "matches_key_of"]
ODD_COLUMNS = ["student", "name", "flag", "meaning", "attempts", "exercises"]
FLAG_MEANINGS = {"dated-before-release": "dated before the chapter was released",
                 "dated-after-hand-in": "dated after the LMS says the sheet was handed in",
                 "dated-in-the-future": "dated after the grading run (a clock running fast?)",
                 "lms-late": "handed in late, by the LMS's own mark"}
_NUMERIC = {"students", "attempted", "points", "success_rate", "mean_attempts_to_success",
            "difficulty", "discrimination"}
_LABELS = {"mean_attempts_to_success": "tries to success", "attempted": "tried",
           "discrimination": "discrim\u00adination", "difficulty": "diffi\u00adculty"}
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


def _describe(exercise, answer_json: str) -> str:
    """A stored answer for people, at most 200 characters; its JSON when the exercise
    cannot describe it (an odd shape must not stop the report)."""
    from casekit.grading.pages import clip
    from casekit.grading.reference import describe_answer

    try:
        return clip(describe_answer(exercise, json.loads(answer_json)), 200)
    except Exception:
        return clip(answer_json, 200)


def item_analysis(gradebook):
    """One row per graded exercise with the statistics above (a pandas DataFrame).

    Example: ``item_analysis("gradebook.sqlite").sort_values("discrimination")``
    """
    import pandas as pd

    from casekit.exercises.bank import load_bank

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
                answers.add(_describe(bank_ex, a["answer"]) if bank_ex else a["answer"][:200])
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


def _point_labels(items) -> dict[tuple[float, float], str]:
    """One label per point of the plot for the flagged exercises: exercises that fall on
    the same point share it (one text, not texts drawn over each other).

    >>> import pandas as pd
    >>> _point_labels(pd.DataFrame({"exercise": ["a", "b", "c"], "difficulty": [0.5, 0.5, 0.9],
    ...     "discrimination": [0.1, 0.1, 0.8], "flag": ["low", "low", ""]}))
    {(0.5, 0.1): 'a, b'}
    """
    points: dict[tuple[float, float], list[str]] = {}
    for _, row in items[items["flag"] != ""].iterrows():
        key = (round(float(row["difficulty"]), 2), round(float(row["discrimination"]), 2))
        points.setdefault(key, []).append(row["exercise"])
    return {key: ", ".join(names[:4]) + (f" +{len(names) - 4}" if len(names) > 4 else "")
            for key, names in points.items()}


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
            for (x, y), text in _point_labels(data).items():
                ax.annotate(text, (x, y), xytext=(4, 4), textcoords="offset points", fontsize=7,
                            color="#333")
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


def copied_keys(gradebook) -> list[dict]:
    """Answers to computed exercises that are wrong on the student's own data but right on
    a classmate's: one dict per (student, exercise) with the columns of
    :data:`COPIED_COLUMNS` (``matches_key_of``: the classmates' ids, "; "-separated).

    Example: ``copied_keys("gradebook.sqlite")[0]["matches_key_of"]``
    """
    from casekit.exercises.bank import load_bank
    from casekit.grading.reference import unpack

    bank = load_bank()
    with Gradebook(gradebook, create=False) as gb:
        names = {r["student"]: r["name"] for r in gb.students()}
        graded = {r["id"] for r in gb.exercises()}
        stored = {s: gb.expected(s) for s in names}
        wrong = [a for a in gb.attempts() if a["valid"] == 1 and not a["correct"]]
    keys: dict[str, dict[str, object]] = {}
    for student, mine in stored.items():
        for exercise, (_, value) in mine.items():
            ex = bank.get(exercise)
            if ex is None or not ex.computed or exercise not in graded:
                continue
            try:
                keys.setdefault(exercise, {})[student] = unpack(ex, value)
            except Exception:  # a damaged cache entry is skipped, not fatal
                continue
    finders = {exercise: _key_finder(mine) for exercise, mine in keys.items()}
    whose: dict[tuple[str, str], list[str]] = {}   # (exercise, answer) → whose key it is
    found: dict[tuple[str, str], dict] = {}
    for a in wrong:
        if a["exercise"] not in finders:
            continue
        if (a["exercise"], a["answer"]) not in whose:
            whose[a["exercise"], a["answer"]] = finders[a["exercise"]](a["answer"])
        matches = [other for other in whose[a["exercise"], a["answer"]] if other != a["student"]]
        if matches:
            entry = found.setdefault((a["student"], a["exercise"]), {
                "student": a["student"], "name": names.get(a["student"], ""),
                "exercise": a["exercise"], "answer": _describe(bank[a["exercise"]], a["answer"]),
                "matches_key_of": []})
            entry["matches_key_of"] += [m for m in matches if m not in entry["matches_key_of"]]
    return [{**e, "matches_key_of": "; ".join(e["matches_key_of"])} for _, e in sorted(found.items())]


def _key_finder(keys: dict):
    """A function: a wrong answer (its stored JSON) → the students whose key (``keys``:
    student → resolved numeric or table exercise) it is right by. The class is compared at
    once: the keys are read into one array, and each answer once.

    >>> from dataclasses import replace
    >>> from casekit.exercises.types import NumericExercise
    >>> ex = NumericExercise(id="d.n", prompt="?", rel_tolerance=0.01)
    >>> _key_finder({"a": replace(ex, answer=100.0), "b": replace(ex, answer=90.0)})("101")
    ['a']
    """
    import numpy as np

    from casekit.exercises.types import AnswerError

    readable = {}
    for student, key in keys.items():
        try:
            readable[student] = key.numbers(key.reference())
        except AnswerError:     # a key that is not a number (NaN) matches nobody
            continue
    if not readable:
        return lambda answer: []
    students = list(readable)
    expected = np.array(list(readable.values()), dtype=float)
    some = next(iter(keys.values()))
    abs_tol, rel_tol = some.tolerances()
    limit = np.maximum(abs_tol, rel_tol * np.abs(expected))

    def whose(answer: str) -> list[str]:
        try:
            given = np.array(some.numbers(json.loads(answer)), dtype=float)
        except Exception:   # an answer that cannot be read matches nobody, never stops the report
            return []
        right = (np.abs(given - expected) <= limit).all(axis=1)
        return [s for s, ok in zip(students, right) if ok]
    return whose


def odd_times(gradebook) -> list[dict]:
    """Attempts whose times the grader flagged, one dict per (student, flag) with the
    columns of :data:`ODD_COLUMNS` (``exercises``: "; "-separated, at most 10).

    Example: ``odd_times("gradebook.sqlite")``
    """
    with Gradebook(gradebook, create=False) as gb:
        names = {r["student"]: r["name"] for r in gb.students()}
        rows = [a for a in gb.attempts() if a["flags"]]
    found: dict[tuple[str, str], dict] = {}
    for row in rows:
        for flag in row["flags"].split():
            entry = found.setdefault((row["student"], flag), {
                "student": row["student"], "name": names.get(row["student"], ""), "flag": flag,
                "meaning": FLAG_MEANINGS.get(flag, flag), "attempts": 0, "exercises": []})
            entry["attempts"] += 1
            if row["exercise"] not in entry["exercises"]:
                entry["exercises"].append(row["exercise"])
    return [{**e, "exercises": "; ".join(e["exercises"][:10]) + (" …" if len(e["exercises"]) > 10 else "")}
            for _, e in sorted(found.items())]


def write_report(gradebook, out) -> list[Path]:
    """Write ``items.csv``, ``copied-keys.csv``, ``odd-times.csv``,
    ``difficulty-discrimination.png`` and ``index.html`` to the folder ``out``; return
    their paths."""
    from casekit.grading.pages import render

    out = check_path("out", out)
    items = item_analysis(gradebook)
    copied = copied_keys(gradebook)
    odd = odd_times(gradebook)
    with Gradebook(gradebook, create=False) as gb:
        present = sum(r["sheet_sha256"] is not None for r in gb.students())

    def cell(v):
        return "" if isinstance(v, float) and math.isnan(v) else round(v, 3) if isinstance(v, float) else v

    rows = [[cell(v) for v in row] for row in items.itertuples(index=False)]
    csv_path = write_csv(out / "items.csv", COLUMNS, rows)
    copied_path = write_csv(out / "copied-keys.csv", COPIED_COLUMNS,
                            ([row[c] for c in COPIED_COLUMNS] for row in copied))
    odd_path = write_csv(out / "odd-times.csv", ODD_COLUMNS, ([row[c] for c in ODD_COLUMNS] for row in odd))
    png = atomic_write(out / "difficulty-discrimination.png", _plot_png(items))
    css = {c: "num" if c in _NUMERIC else "wide" if c.startswith("common") else "" for c in COLUMNS}
    shown = [c for c in COLUMNS if c != "flag"]
    shown.insert(shown.index("discrimination") + 1, "flag")      # the verdict next to its numbers
    at = {c: i for i, c in enumerate(COLUMNS)}
    page = render("report.html", title="Item analysis", width="80rem", students=present,
                  plot=png.name, copied=copied, odd=odd, flagged=int((items["flag"] != "").sum()),
                  columns=[(_LABELS.get(c, c.replace("_", " ")), css[c]) for c in shown],
                  items=[[(f"{row[at[c]]:g}" if isinstance(row[at[c]], float) else str(row[at[c]]),
                           css[c]) for c in shown] for row in rows])
    return [csv_path, copied_path, odd_path, png, atomic_write(out / "index.html", page)]
