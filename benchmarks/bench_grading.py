"""Benchmark the grading pipeline end to end, on a class and on a large batch.

Scenario A, a course: ``--students`` students (default 200) × ``--chapters`` chapters
(default 7). The bank is chapter 0's, copied once per chapter (28 exercises each, three of
them computed on the student's own simulated ValueMart); ``--course`` takes the course's own
banks instead (43 computed exercises over 7 chapters: what an instructor grading the whole
course waits for). Every student hands in their
growing answer sheet once per chapter, so ``collect`` sees students × chapters files
(one chapter arrives as a zip) and keeps the newest copy of each. Then: ``grade`` cold
(expected answers worked out on every student's data, in ``--jobs`` processes), ``grade``
again with nothing changed, a re-score under another policy, ``export``, ``feedback`` (one
page per student) and ``report``.

Scenario B, a batch: ``--big`` sheets (default 10,000), one chapter each, of the
exercises that need no simulation (the computed ones are the simulator's cost, measured
on its own: seconds per student, divided by ``--jobs``): collect, grade cold, export.

Measured on their own as well, in CPU seconds per student: ``for_student`` (the
simulator), and the whole course's key: every computed exercise of the course's banks
(answer and computed mistakes) worked out as ``grade`` does, ``for_student`` included.

    .venv/bin/python benchmarks/bench_grading.py --quick    # 40 students x 7, 1,000 sheets
    .venv/bin/python benchmarks/bench_grading.py            # 200 x 7 and 10,000 sheets

Everything runs offline in a temporary folder; figures are wall-clock seconds.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import sqlite3
import sys
import tempfile
import time
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))


def make_bank(folder: Path, chapters: int, computed: bool, course: bool = False) -> None:
    """Chapter 0's bank copied once per chapter, ids renamed c<NN>.<slug>; with ``course``,
    the course's own first ``chapters`` banks instead."""
    from casekit.exercises.bank import BANKS

    folder.mkdir(parents=True)
    if course:
        for bank in sorted(BANKS.glob("*.toml"))[:chapters]:
            (folder / bank.name).write_text(bank.read_text(encoding="utf-8"), encoding="utf-8")
        return
    text = (BANKS / "00-what-is-crm.toml").read_text(encoding="utf-8")
    for n in range(chapters):
        chapter = f"{n:02d}"
        copy = text.replace('chapter = "00"', f'chapter = "{chapter}"')
        copy = re.sub(r'^id = "crm\.', f'id = "c{chapter}.', copy, flags=re.M)
        if not computed:   # drop the exercises that need the simulator
            blocks = copy.split("\n[[exercise]]\n")
            copy = "\n[[exercise]]\n".join(b for b in blocks if "solution =" not in b)
        (folder / f"{chapter}-bank.toml").write_text(copy, encoding="utf-8")


def answers_for(ex, rng: random.Random):
    """(a wrong answer, the right answer or None when it is computed) for one exercise."""
    kind = ex.kind
    if kind == "numeric":
        if ex.answer is None:
            return rng.randint(100, 5000), None
        return ex.answer * 100 + 1, ex.answer
    if kind == "single":
        right = ex.reference()
        return (right + 1) % len(ex.options), right
    if kind == "multiple":
        right = ex.reference()
        return right[:1] + [i for i in range(len(ex.options)) if i not in right][:1], right
    if kind == "matching":
        right = ex.reference()
        wrong = dict(right)
        first = next(iter(wrong))
        wrong[first] = next(c for c in ex.categories if c != right[first])
        return wrong, right
    if kind == "ordering":
        return list(reversed(ex.items)), list(ex.items)
    if kind == "table":
        return [[0] * len(ex.columns) for _ in ex.rows], ex.reference()
    text = "CRM is a strategy, not software; firms skip process change, culture and data."
    return "software", {"text": text, "rubric": [True] * len(ex.rubric)}


def student_attempts(student: str, exercises, deadline_day: int) -> list[dict]:
    rng = random.Random(student)
    ability = rng.random()
    attempts = []
    for ex in exercises:
        if rng.random() > 0.9:
            continue
        wrong, right = answers_for(ex, rng)
        tries = [wrong] * rng.randint(0, 2) + ([right] if right is not None and
                                              rng.random() < 0.3 + 0.7 * ability else [wrong])
        for k, answer in enumerate(tries, 1):
            day = deadline_day - 3 + rng.randint(0, 4)
            attempts.append({"id": ex.id, "answer": answer, "score": 1.0, "correct": True,
                             "valid": True, "points": ex.points, "casekit": "0.1.0", "attempt": k,
                             "timestamp": f"2026-11-{day:02d}T{rng.randint(8, 22):02d}:00:00Z"})
    return attempts


def sheet(student: str, attempts: list[dict]) -> str:
    return json.dumps({"format": "casekit-answer-sheet", "version": 1, "student": student,
                       "attempts": attempts}, ensure_ascii=False)


class Clock:
    def __init__(self):
        self.rows = []

    def __call__(self, label, fn, *args, **kwargs):
        start = time.perf_counter()
        result = fn(*args, **kwargs)
        seconds = time.perf_counter() - start
        self.rows.append((label, seconds))
        print(f"  {label:<52} {seconds:8.2f} s", flush=True)
        return result


def scenario_a(work: Path, n_students: int, n_chapters: int, jobs: int, course: bool = False) -> float:
    from casekit.exercises.bank import load_bank
    from casekit.grading.collect import collect
    from casekit.grading.export import export_grades
    from casekit.grading.feedback import write_feedback
    from casekit.grading.grade import grade
    from casekit.grading.report import write_report

    os.environ["CASEKIT_EXERCISES"] = str(work / "bank")
    make_bank(work / "bank", n_chapters, computed=True, course=course)
    bank = load_bank()
    by_chapter = {}
    for ex in bank.values():
        by_chapter.setdefault(ex.chapter, []).append(ex)
    students = [f"s2026-{i:03d}" for i in range(n_students)]
    print(f"A. {n_students} students × {n_chapters} chapters: {len(bank)} exercises "
          f"({sum(ex.computed for ex in bank.values())} computed)")
    t0 = time.perf_counter()
    files = 0
    for student in students:
        so_far = []
        for n, chapter in enumerate(sorted(by_chapter)):
            so_far += student_attempts(student, by_chapter[chapter], 10 + 2 * n)
            folder = work / "lms" / f"chapter-{chapter}"
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"{student}.json").write_text(sheet(student, so_far), encoding="utf-8")
            files += 1
    last = work / "lms" / f"chapter-{sorted(by_chapter)[-1]}"
    with zipfile.ZipFile(work / "lms" / "last-chapter.zip", "w", zipfile.ZIP_DEFLATED) as z:
        for p in sorted(last.iterdir()):
            z.write(p, f"submissions/{p.name}")
            p.unlink()
    last.rmdir()
    print(f"  {'(generated ' + str(files) + ' submitted files)':<52} "
          f"{time.perf_counter() - t0:8.2f} s")
    roster = work / "roster.csv"
    roster.write_text("Student ID\n" + "\n".join(students) + "\n")
    book = work / "course.sqlite"
    clock = Clock()
    report = clock(f"collect {files} files (folders + a zip)", collect, [work / "lms"],
                   work / "sheets", roster=roster, progress=False)
    assert len(report.collected) == n_students, report.summary()
    start = time.perf_counter()
    summary = clock(f"grade cold, {jobs} job(s) (simulates every student)", grade,
                    work / "sheets", book, roster=roster, deadlines=["2026-11-20T23:59Z"],
                    late_penalty=0.1, jobs=jobs, progress=False)
    assert summary.checked == n_students, summary.text()
    clock("grade again, nothing changed", grade, work / "sheets", book, jobs=jobs, progress=False)
    clock("re-score every student under policy 'last'", grade, None, book, policy="last",
          progress=False)
    clock("export CSV", export_grades, book, work / "grades.csv")
    clock(f"feedback ({n_students} HTML pages)", write_feedback, book, work / "feedback")
    clock("report (item analysis + plot)", write_report, book, work / "report")
    end_to_end = time.perf_counter() - start + clock.rows[0][1]
    with sqlite3.connect(book) as conn:
        attempts = conn.execute("SELECT count(*) FROM attempts").fetchone()[0]
    print(f"  {'end to end (collect → report)':<52} {end_to_end:8.2f} s"
          f"   [{attempts:,} attempts re-checked, gradebook {book.stat().st_size / 2**20:.1f} MB]")
    return end_to_end


def scenario_b(work: Path, n_sheets: int, jobs: int) -> float:
    from casekit.exercises.bank import load_bank
    from casekit.grading.collect import collect
    from casekit.grading.export import export_grades
    from casekit.grading.grade import grade

    os.environ["CASEKIT_EXERCISES"] = str(work / "bank")
    make_bank(work / "bank", 1, computed=False)
    exercises = list(load_bank().values())
    print(f"B. {n_sheets:,} sheets, one chapter each ({len(exercises)} exercises, none computed)")
    t0 = time.perf_counter()
    (work / "in").mkdir()
    for i in range(n_sheets):
        student = f"b{i:05d}"
        (work / "in" / f"{student}.json").write_text(
            sheet(student, student_attempts(student, exercises, 20)), encoding="utf-8")
    print(f"  {'(generated)':<52} {time.perf_counter() - t0:8.2f} s")
    clock = Clock()
    book = work / "big.sqlite"
    clock(f"collect {n_sheets:,} files", collect, [work / "in"], work / "sheets", progress=False)
    clock("grade cold", grade, work / "sheets", book, jobs=jobs, progress=False)
    clock("export CSV", export_grades, book, work / "grades.csv")
    total = sum(s for _, s in clock.rows)
    with sqlite3.connect(book) as conn:
        attempts = conn.execute("SELECT count(*) FROM attempts").fetchone()[0]
    print(f"  {'collect + grade + export':<52} {total:8.2f} s   [{attempts:,} attempts]")
    return total


def simulator_cost(n: int = 5) -> float:
    from casekit.data import for_student

    for_student("warm-up")
    start = time.perf_counter()
    for i in range(n):
        for_student(f"cost-{i}")
    return (time.perf_counter() - start) / n


def key_cost(n: int = 3) -> float:
    """CPU seconds per student for every computed exercise of the course's banks, as
    ``grade`` works them out (``resolve_for``: one student's data, shared steps once)."""
    from casekit.exercises.bank import load_bank
    from casekit.grading.reference import resolve_for

    computed = [ex for ex in load_bank().values() if ex.computed]
    resolve_for("warm-up", computed)       # imports (statsmodels, scipy.optimize) once
    start = time.process_time()
    for i in range(n):
        resolve_for(f"cost-{i}", computed)
    return (time.process_time() - start) / n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=200)
    parser.add_argument("--chapters", type=int, default=7)
    parser.add_argument("--big", type=int, default=10_000)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--quick", action="store_true", help="40 students, 1,000 sheets")
    parser.add_argument("--course", action="store_true",
                        help="scenario A on the course's own banks (every computed exercise "
                             "of its chapters) instead of chapter 0's copied")
    args = parser.parse_args()
    if args.quick:
        args.students, args.big = 40, 1000
    print(f"casekit grading benchmark: {os.cpu_count()} CPU core(s), --jobs {args.jobs}")
    per_student = simulator_cost()
    print(f"  {'simulator: for_student() per student':<52} {per_student:8.3f} s")
    print(f"  {'every computed key of the course, CPU per student':<52} {key_cost():8.3f} s")
    with tempfile.TemporaryDirectory(prefix="casekit-bench-") as tmp:
        a = scenario_a(Path(tmp) / "a", args.students, args.chapters, args.jobs, args.course)
        b = scenario_b(Path(tmp) / "b", args.big, args.jobs)
    print(f"Summary: {args.students} students × {args.chapters} chapters end to end in {a:.1f} s; "
          f"{args.big:,} sheets collected, graded and exported in {b:.1f} s.")


if __name__ == "__main__":
    main()
