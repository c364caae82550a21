"""Expected answers of computed exercises for the service, worked out once per student.

A computed exercise is checked against its reference solution run on the student's own
simulated shop, ``casekit.data.for_student(student)``: about 0.1 s to simulate and 13 MB
to keep (and a chapter's solutions another second or so), so the service cannot keep 300
students' shops in memory (``casekit.exercises`` keeps 2). Instead it keeps their **keys**: :func:`resolved` looks in the process's cache,
then in the database (``casekit_keys``, checked against the exercise's fingerprint, so a
changed exercise, solution or library is never served a stale key), and only then
simulates the student's shop; it then works out that student's other computed exercises
of the same chapter in the background (students work a chapter at a time), so their later
first checks there are as fast as any. :func:`precompute`
(``python -m casekit.hub.keys --db URL --roster roster.csv``) fills the table before a
class starts, so no student waits for a simulation at all.
"""
from __future__ import annotations

import argparse
import concurrent.futures
import logging
import sys
import threading

from casekit.hub.store import AttemptStore

__all__ = ["precompute", "resolved"]

log = logging.getLogger("casekit.hub.keys")
_FINGERPRINTS: dict[int, tuple[object, str]] = {}
_WARMING: set[tuple[str, str]] = set()
_WARM_LOCK = threading.Lock()
_WARMER = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="casekit-keys")


def _fingerprint(exercise) -> str:
    from casekit.grading.reference import fingerprint

    hit = _FINGERPRINTS.get(id(exercise))
    if hit is None or hit[0] is not exercise:
        hit = _FINGERPRINTS[id(exercise)] = (exercise, fingerprint(exercise))
    return hit[1]


def _computed(bank=None) -> list:
    from casekit import exercises

    return [ex for ex in (bank or exercises._bank()).values() if ex.computed]


def _work_out(store: AttemptStore, student: str, todo: list) -> dict[str, str]:
    """Resolve ``todo`` on the student's shop and store the keys; ``{id: error}`` for
    solutions that failed (not stored: tried again next time)."""
    from casekit import exercises
    from casekit.grading.reference import pack

    data = exercises._student_data(student)
    keys, errors = {}, {}
    for ex in todo:
        try:
            done = ex.resolve(data)
        except Exception as err:        # the reference failing on this student's data
            errors[ex.id] = f"{type(err).__name__}: {err}"
            continue
        exercises._RESOLVED[(student, ex.id)] = (ex, done)
        keys[ex.id] = (_fingerprint(ex), pack(done))
    store.put_keys(student, keys)
    return errors


def _warm(store: AttemptStore, student: str, chapter: str) -> None:
    from casekit import exercises

    try:
        todo = [ex for ex in _computed() if ex.chapter == chapter
                and (student, ex.id) not in exercises._RESOLVED
                and store.get_key(student, ex.id) is None]
        if todo:
            _work_out(store, student, todo)
    except Exception:
        log.exception("working out %s's keys in the background failed", student)
    finally:
        with _WARM_LOCK:
            _WARMING.discard((student, chapter))


def resolved(store: AttemptStore, exercise, student: str, *, warm: bool = True):
    """``exercise`` with its answer worked out for ``student`` (unchanged if not
    computed). Raises what the reference solution raises on the student's data.

    >>> import tempfile, pathlib
    >>> from casekit import exercises
    >>> store = AttemptStore(pathlib.Path(tempfile.mkdtemp()) / "a.sqlite")
    >>> ex = exercises.get("crm.recent-buyers")
    >>> resolved(store, ex, "s-doc", warm=False).answer == exercises._resolved(ex, "s-doc").answer
    True
    >>> store.get_key("s-doc", "crm.recent-buyers") is not None
    True
    """
    from casekit import exercises
    from casekit.grading.reference import unpack

    if not exercise.computed:
        return exercise
    cached = exercises._RESOLVED.get((student, exercise.id))
    if cached is not None and cached[0] is exercise:
        return cached[1]
    stored = store.get_key(student, exercise.id)
    if stored is not None and stored[0] == _fingerprint(exercise):
        done = unpack(exercise, stored[1])
        exercises._RESOLVED[(student, exercise.id)] = (exercise, done)
        return done
    done = exercise.resolve(exercises._student_data(student))
    exercises._RESOLVED[(student, exercise.id)] = (exercise, done)
    from casekit.grading.reference import pack

    store.put_keys(student, {exercise.id: (_fingerprint(exercise), pack(done))})
    if warm:
        with _WARM_LOCK:
            start = (student, exercise.chapter) not in _WARMING
            _WARMING.add((student, exercise.chapter))
        if start:
            _WARMER.submit(_warm, store, student, exercise.chapter)
    return done


def precompute(store: AttemptStore, students, *, progress=None) -> dict[str, dict[str, str]]:
    """Work out and store every computed exercise's key for each of ``students`` (those
    already stored with the current fingerprint are skipped). Returns ``{student: {id:
    error}}`` for reference solutions that failed.

    Example: ``precompute(AttemptStore("attempts.sqlite"), ["s2026-001", "s2026-002"])``.
    """
    from casekit.exercises.sheet import check_student_id

    students = [check_student_id(s) for s in students]
    computed = _computed()
    failures = {}
    for n, student in enumerate(students, 1):
        todo = [ex for ex in computed
                if (store.get_key(student, ex.id) or ("",))[0] != _fingerprint(ex)]
        if todo:
            errors = _work_out(store, student, todo)
            if errors:
                failures[student] = errors
        if progress:
            progress(n, len(students), student)
    return failures


def main(argv: list[str] | None = None) -> int:
    """``python -m casekit.hub.keys --db URL (--roster CSV | --student ID ...)``."""
    p = argparse.ArgumentParser(prog="python -m casekit.hub.keys",
                                description="Work out the keys of computed exercises for a class "
                                            "into the service's database, before the class starts.")
    p.add_argument("--db", required=True, metavar="URL", help="the service's SQLite file or URL")
    p.add_argument("--roster", metavar="CSV", help="class list (as casekit collect --roster)")
    p.add_argument("--student", action="append", default=[], metavar="ID")
    args = p.parse_args(argv)
    students = list(args.student)
    if args.roster:
        from casekit.grading.collect import read_roster

        students += list(read_roster(args.roster))
    if not students:
        p.error("give --roster or --student")
    with AttemptStore(args.db) as store:
        failures = precompute(store, students, progress=lambda n, total, s: print(
            f"\r{n}/{total} {s}", end="", file=sys.stderr, flush=True))
    print(f"\nkeys worked out for {len(students)} student(s)", file=sys.stderr)
    for student, errors in failures.items():
        for ex_id, error in errors.items():
            print(f"  {student} {ex_id}: {error}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
